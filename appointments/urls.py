"""The citizen's booking journey and the private manage link (mounted at /<lang>/appointments/).

URLs that carry a token are wrapped in `no_referrer` (asan_portal/private_links.py, docs/adr/0019)."""

from django.urls import path

from asan_portal.private_links import no_referrer

from . import views, waitlist_views

app_name = "appointments"
urlpatterns = [
    path("book/", views.BookingStartView.as_view(), name="book"),
    path("book/confirm/", views.BookingVerifyView.as_view(), name="book_verify"),
    path("book/confirm/resend/", views.BookingResendCodeView.as_view(), name="book_resend"),
    path("book/done/", views.BookingDoneView.as_view(), name="book_done"),
    path("book/<slug:service>/", views.BookingCentreView.as_view(), name="book_centre"),
    path("book/<slug:service>/<slug:centre>/", views.BookingDateView.as_view(), name="book_date"),
    path("book/<slug:service>/<slug:centre>/waitlist/", views.WaitlistJoinView.as_view(), name="waitlist"),
    path("book/<slug:service>/<slug:centre>/<str:day>/", views.BookingTimeView.as_view(), name="book_time"),
    path(
        "book/<slug:service>/<slug:centre>/<str:day>/<str:time>/",
        views.BookingDetailsView.as_view(),
        name="book_details",
    ),
    path("waitlist/<str:token>/", waitlist_views.WaitlistOfferView.as_view(), name="waitlist_offer"),
    # The private link of the SMS: grants this session the booking, then 303 to its clean pages.
    path("manage/<str:token>/", no_referrer(views.AppointmentManageLinkView.as_view()), name="manage"),
    # The booking's pages: no token in the URL; they open only for a session holding the grant.
    path("booking/<str:reference>/", views.AppointmentManageView.as_view(), name="booking"),
    path("booking/<str:reference>/cancel/", views.AppointmentCancelView.as_view(), name="manage_cancel"),
    path("booking/<str:reference>/move/", views.AppointmentMoveDateView.as_view(), name="manage_move"),
    path("booking/<str:reference>/move/<str:day>/", views.AppointmentMoveTimeView.as_view(), name="manage_move_time"),
    path(
        "booking/<str:reference>/move/<str:day>/<str:time>/",
        views.AppointmentMoveConfirmView.as_view(),
        name="manage_move_confirm",
    ),
    path("booking/<str:reference>/calendar.ics", views.AppointmentCalendarFileView.as_view(), name="manage_ics"),
]
