"""Booking endpoints under /api/v1/ (namespace "api")."""

from django.urls import path

from . import api, queue_api

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

# The day's queue (appointments/queue_api.py): kiosks, counters, displays and the citizen's ticket.
urlpatterns += [
    path("centres/<slug:code>/tickets/", queue_api.TicketIssueApi.as_view(), name="ticket-issue"),
    path("centres/<slug:code>/queue/", queue_api.CentreQueueApi.as_view(), name="centre-queue"),
    path(
        "appointments/<str:reference>/check-in/",
        queue_api.AppointmentCheckInApi.as_view(),
        name="appointment-check-in",
    ),
    path("counters/<int:pk>/call-next/", queue_api.CounterCallNextApi.as_view(), name="counter-call-next"),
    path("tickets/<int:pk>/recall/", queue_api.TicketRecallApi.as_view(), name="ticket-recall"),
    path("tickets/<int:pk>/start/", queue_api.TicketStartApi.as_view(), name="ticket-start"),
    path("tickets/<int:pk>/complete/", queue_api.TicketCompleteApi.as_view(), name="ticket-complete"),
    path("tickets/<int:pk>/no-show/", queue_api.TicketNoShowApi.as_view(), name="ticket-no-show"),
    path("tickets/<int:pk>/transfer/", queue_api.TicketTransferApi.as_view(), name="ticket-transfer"),
    path("tickets/<str:public_token>/", queue_api.TicketPublicApi.as_view(), name="ticket-public"),
]
