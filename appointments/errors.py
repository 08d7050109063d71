"""Refusals of the booking rules. Each carries a stable code, an HTTP status and a
translated message a citizen understands; views and the API turn them into 4xx answers."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from asan_portal.api import DomainError


class BookingError(DomainError):
    code = "booking_refused"
    status_code = status.HTTP_400_BAD_REQUEST


class InvalidDetails(BookingError):
    code = "validation_error"


class NotBookable(BookingError):
    code = "not_bookable"


class OutsideWindow(BookingError):
    code = "outside_booking_window"


class SlotTaken(BookingError):
    """The time was free a moment ago and is not now; `extra` carries the nearest free times."""

    code = "slot_taken"
    status_code = status.HTTP_409_CONFLICT


class LimitReached(BookingError):
    code = "limit_reached"
    status_code = status.HTTP_409_CONFLICT


class WrongCode(BookingError):
    code = "wrong_code"


class TooManyAttempts(BookingError):
    code = "too_many_attempts"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS


class IllegalTransition(BookingError):
    code = "illegal_transition"
    status_code = status.HTTP_409_CONFLICT


class TooLateToChange(BookingError):
    code = "too_late_to_change"
    status_code = status.HTTP_409_CONFLICT


MESSAGES = {
    # Same text as the API's generic validation message (already translated).
    "invalid": _("Some fields are not valid. Check them and try again."),
    "slot_taken": _("Sorry, this time was just taken by someone else. Please choose another time."),
    "not_offered": _("This service cannot be booked at this centre."),
    "not_bookable": _("This service cannot be booked online. Please come to a centre or call 108."),
    "past": _("This time has already passed. Please choose a later time."),
    "too_soon": _("Bookings must be made at least %(minutes)s minutes ahead."),
    "too_far": _("Bookings open %(days)s days ahead. Please choose an earlier date."),
    "closed": _("The centre is closed at this time. Please choose another time."),
    "limit_active": _("You already have %(limit)s active bookings. Cancel one before booking another."),
    "limit_day": _("You already have a booking for this service on that day."),
    "wrong_code": _("The code is not right. Check the SMS and try again."),
    "code_expired": _("The time we held for you has run out. Please book again."),
    "too_many_attempts": _("Too many wrong codes. Please book again."),
    "too_many_sends": _("We have already sent the code several times. Please wait or book again."),
    "too_late_to_change": _("Bookings can be changed or cancelled up to %(minutes)s minutes before the time."),
    "not_active": _("This booking is no longer active."),
}
