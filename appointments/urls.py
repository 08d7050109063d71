from django.urls import path

from . import views

app_name = "appointments"
urlpatterns = [
    path("manage/<str:token>/", views.AppointmentManageView.as_view(), name="manage"),
]
