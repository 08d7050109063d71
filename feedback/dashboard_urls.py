"""The officials' dashboard (mounted at /<lang>/dashboard/); every page needs a login."""

from django.urls import path

from . import views_dashboard as views

app_name = "dashboard"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="overview"),
    path("export/<str:fmt>/", views.DashboardExportView.as_view(), name="export"),
    path("centre/<slug:code>/", views.CentreDashboardView.as_view(), name="centre"),
    path("centre/<slug:code>/export/<str:fmt>/", views.DashboardExportView.as_view(), name="centre_export"),
]
