"""Booking endpoints under /api/v1/ (namespace "api")."""

from django.urls import path

from . import api

urlpatterns = [
    path("availability/", api.AvailabilityDayApi.as_view(), name="availability-day"),
    path("availability/earliest/", api.AvailabilityEarliestApi.as_view(), name="availability-earliest"),
    path("appointments/", api.AppointmentCreateApi.as_view(), name="appointment-create"),
    path("appointments/<str:reference>/", api.AppointmentDetailApi.as_view(), name="appointment-detail"),
    path("appointments/<str:reference>/verify/", api.AppointmentVerifyApi.as_view(), name="appointment-verify"),
    path("appointments/<str:reference>/cancel/", api.AppointmentCancelApi.as_view(), name="appointment-cancel"),
    path(
        "appointments/<str:reference>/reschedule/",
        api.AppointmentRescheduleApi.as_view(),
        name="appointment-reschedule",
    ),
]
