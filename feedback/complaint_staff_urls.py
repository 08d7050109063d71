"""Staff complaint pages (mounted at /<lang>/staff/complaints/); all need a login."""

from django.urls import path

from . import views_complaints as views

app_name = "complaints_staff"
urlpatterns = [
    path("", views.ComplaintStaffListView.as_view(), name="list"),
    path("<str:number>/", views.ComplaintStaffDetailView.as_view(), name="detail"),
    path("<str:number>/move/", views.ComplaintStaffMoveView.as_view(), name="move"),
    path("<str:number>/answer/", views.ComplaintStaffAnswerView.as_view(), name="answer"),
]
