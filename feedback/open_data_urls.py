"""Public open-data pages (mounted at /<lang>/open-data/)."""

from django.urls import path

from . import views_open_data as views

app_name = "open_data"
urlpatterns = [
    path("satisfaction/", views.OpenDataSatisfactionView.as_view(), name="satisfaction"),
]
