"""Refusals of the volunteer rules. Each carries a stable code, an HTTP status and a translated
message; views show the message and answer with the status, the API answers the error shape."""

from rest_framework import status

from asan_portal.api import DomainError


class VolunteerError(DomainError):
    code = "volunteer_refused"
    status_code = status.HTTP_400_BAD_REQUEST


# --- shifts and sign-ups (volunteers/shifts.py) ------------------------------------------------


class ShiftInvalid(VolunteerError):
    """A coordinator's shift details are not valid (times, number needed, date)."""

    code = "validation_error"


class NotEligible(VolunteerError):
    """The volunteer is not active, or does not volunteer at the shift's centre."""

    code = "not_eligible"
    status_code = status.HTTP_403_FORBIDDEN


class SignupClosed(VolunteerError):
    """Too close to the start (the cut-off), or the shift is over."""

    code = "signup_closed"
    status_code = status.HTTP_409_CONFLICT


class AlreadySignedUp(VolunteerError):
    code = "already_signed_up"
    status_code = status.HTTP_409_CONFLICT


class ShiftOverlap(VolunteerError):
    """The volunteer already holds a shift at that time (`extra` names it)."""

    code = "shift_overlap"
    status_code = status.HTTP_409_CONFLICT


class ShiftFull(VolunteerError):
    code = "shift_full"
    status_code = status.HTTP_409_CONFLICT


class NeededBelowTaken(VolunteerError):
    code = "needed_below_taken"
    status_code = status.HTTP_409_CONFLICT


class SignupNotActive(VolunteerError):
    """The sign-up was already withdrawn or removed."""

    code = "signup_not_active"
    status_code = status.HTTP_409_CONFLICT


# --- attendance and the programme (volunteers/attendance.py) ----------------------------------


class AttendanceError(VolunteerError):
    """Check-in or check-out refused by the state of the place or the clock."""

    code = "attendance_refused"
    status_code = status.HTTP_409_CONFLICT


class NotSignedUp(AttendanceError):
    code = "not_signed_up"


class CheckInNotOpen(AttendanceError):
    code = "check_in_not_open"


class AlreadyCheckedIn(AttendanceError):
    code = "already_checked_in"


class NotCheckedIn(AttendanceError):
    code = "not_checked_in"


class AlreadyCheckedOut(AttendanceError):
    code = "already_checked_out"


class NoCurrentShift(AttendanceError):
    """A QR scan by a volunteer who has no shift at that centre now."""

    code = "no_current_shift"
    status_code = status.HTTP_404_NOT_FOUND


class ProgrammeInvalid(VolunteerError):
    code = "validation_error"
