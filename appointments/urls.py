"""The citizen's booking journey and the private manage link (mounted at /<lang>/appointments/)."""

from django.urls import path

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
    path("manage/<str:token>/", views.AppointmentManageView.as_view(), name="manage"),
    path("waitlist/<str:token>/", waitlist_views.WaitlistOfferView.as_view(), name="waitlist_offer"),
    path("manage/<str:token>/cancel/", views.AppointmentCancelView.as_view(), name="manage_cancel"),
    path("manage/<str:token>/move/", views.AppointmentMoveDateView.as_view(), name="manage_move"),
    path("manage/<str:token>/move/<str:day>/", views.AppointmentMoveTimeView.as_view(), name="manage_move_time"),
    path(
        "manage/<str:token>/move/<str:day>/<str:time>/",
        views.AppointmentMoveConfirmView.as_view(),
        name="manage_move_confirm",
    ),
    path("manage/<str:token>/calendar.ics", views.AppointmentCalendarFileView.as_view(), name="manage_ics"),
]
