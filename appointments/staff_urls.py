"""Staff pages for bookings (mounted at /<lang>/staff/appointments/); all need a login."""

from django.urls import path

from . import staff_views as views

app_name = "appointments_staff"
urlpatterns = [
    path("", views.StaffHomeView.as_view(), name="home"),
    path("<slug:centre>/", views.StaffDayView.as_view(), name="day"),
    path("<slug:centre>/book/", views.StaffPhoneInBookingView.as_view(), name="book"),
    path("<slug:centre>/close-counter/", views.StaffCounterCloseView.as_view(), name="close_counter"),
    path(
        "<slug:centre>/close-counter/<int:closure>/lift/",
        views.StaffCounterClosureChangeView.as_view(action="lift"),
        name="close_counter_lift",
    ),
    path(
        "<slug:centre>/close-counter/<int:closure>/shorten/",
        views.StaffCounterClosureChangeView.as_view(action="shorten"),
        name="close_counter_shorten",
    ),
    path("<slug:centre>/<str:reference>/", views.StaffAppointmentDetailView.as_view(), name="detail"),
    path(
        "<slug:centre>/<str:reference>/check-in/",
        views.StaffAppointmentActionView.as_view(action="check_in"),
        name="check_in",
    ),
    path(
        "<slug:centre>/<str:reference>/cancel/",
        views.StaffAppointmentCancelView.as_view(),
        name="cancel",
    ),
    path("<slug:centre>/<str:reference>/move/", views.StaffAppointmentMoveView.as_view(), name="move"),
]
