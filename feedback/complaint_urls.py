"""Public complaint pages (mounted at /<lang>/feedback/complaints/); no account needed."""

from django.urls import path

from . import views_complaints as views

app_name = "complaints"
urlpatterns = [
    path("new/", views.ComplaintNewView.as_view(), name="new"),
    path("new/done/", views.ComplaintDoneView.as_view(), name="done"),
    path("track/", views.ComplaintTrackView.as_view(), name="track"),
]
