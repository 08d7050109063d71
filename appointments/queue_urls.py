"""The day's queue in the browser (mounted at /<lang>/queue/). Display and ticket pages are
public (see queue_views' docstring for why); every other page needs a staff login."""

from django.urls import path

from asan_portal.private_links import no_referrer

from . import queue_views as views

app_name = "queue"
urlpatterns = [
    # The live ticket keeps its token in the URL (the QR code on the paper ticket; no form on the
    # page), so the URL is never passed on as a Referer (docs/adr/0019).
    path("ticket/<str:token>/", no_referrer(views.TicketView.as_view()), name="ticket"),
    path("ticket/<str:token>/status.json", no_referrer(views.TicketStatusView.as_view()), name="ticket_status"),
    path("<slug:centre>/", views.QueueHomeView.as_view(), name="home"),
    path("<slug:centre>/kiosk/", views.KioskView.as_view(), name="kiosk"),
    path("<slug:centre>/kiosk/check-in/", views.KioskCheckInView.as_view(), name="kiosk_check_in"),
    path("<slug:centre>/kiosk/ticket/<str:token>/", views.KioskTicketView.as_view(), name="kiosk_ticket"),
    path("<slug:centre>/kiosk/<slug:service>/", views.KioskServiceView.as_view(), name="kiosk_service"),
    path("<slug:centre>/counter/<int:counter>/", views.CounterView.as_view(), name="counter"),
    path(
        "<slug:centre>/counter/<int:counter>/<slug:action>/",
        views.CounterActionView.as_view(),
        name="counter_action",
    ),
    path("<slug:centre>/display/", views.DisplayView.as_view(), name="display"),
    path("<slug:centre>/display/feed.json", views.DisplayFeedView.as_view(), name="display_feed"),
    path("<slug:centre>/manage/", views.ManageView.as_view(), name="manage"),
    path("<slug:centre>/manage/end-of-day/", views.EndOfDayView.as_view(), name="end_of_day"),
]
