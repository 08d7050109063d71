"""Attendance on the day: check-in and check-out (by the coordinator or the centre's QR code),
late and missed shifts, the minutes served, and the completion of a volunteer's programme.

The one place for these rules. Who may call what is checked by the caller (views check the
coordinator role or that the signed-in volunteer owns the sign-up); these functions check the
state and the clock. Every write locks the sign-up row, so a coordinator's button and the
volunteer's QR scan at the same moment cannot both check in.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from centres.audit import audit_record
from centres.models import Centre

from .errors import (
    AlreadyCheckedIn,
    AlreadyCheckedOut,
    CheckInNotOpen,
    NoCurrentShift,
    NotCheckedIn,
    NotSignedUp,
    ProgrammeInvalid,
)
from .models import Attendance, ShiftSignup, SignupStatus, Volunteer

logger = logging.getLogger(__name__)

CHECK_IN_METHODS = ("coordinator", "qr")
# A shift that ended this long ago with nobody checked in was missed.
MISSED_AFTER = dt.timedelta(hours=1)
# A volunteer who forgot to check out is checked out at the shift's end once this has passed.
AUTO_CHECK_OUT_AFTER = dt.timedelta(hours=2)
# Bounded batches for the periodic task; the next run takes the rest.
BATCH = 500


def volunteers_setting(name: str, default):
    """One VOLUNTEERS setting (asan_portal/settings/base.py), with the default the rules assume."""
    return getattr(settings, "VOLUNTEERS", {}).get(name, default)


def check_in_opens_before() -> dt.timedelta:
    return dt.timedelta(minutes=int(volunteers_setting("CHECK_IN_OPENS_MINUTES", 30)))


def late_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(volunteers_setting("LATE_AFTER_MINUTES", 10)))


# --- minutes served -------------------------------------------------------------------------


def minutes_served(*, starts_at: dt.datetime, ends_at: dt.datetime, checked_in_at, checked_out_at) -> int:
    """Whole minutes between check-in and check-out that fall inside the shift: coming early
    or staying late earns no credit, and a check-out before the check-in earns none."""
    start = max(checked_in_at, starts_at)
    end = min(checked_out_at, ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def _locked(signup: ShiftSignup) -> ShiftSignup:
    return ShiftSignup.objects.select_for_update().select_related("shift", "volunteer").get(pk=signup.pk)


# --- check-in and check-out -----------------------------------------------------------------


@transaction.atomic
def signup_check_in(
    *, signup: ShiftSignup, by, now: dt.datetime | None = None, method: str = "coordinator"
) -> ShiftSignup:
    """Record that the volunteer arrived for their signed-up place.

    Allowed from CHECK_IN_OPENS_MINUTES before the start until the shift's end. Arriving more
    than LATE_AFTER_MINUTES after the start is recorded as late, else present. The caller has
    checked that `by` is a coordinator or the volunteer themselves (QR)."""
    if method not in CHECK_IN_METHODS:
        raise ValueError(f"Unknown check-in method: {method}")
    now = now or timezone.now()
    signup = _locked(signup)
    if signup.status != SignupStatus.SIGNED_UP:
        raise NotSignedUp(_("Only a volunteer with a place on this shift can be checked in."))
    if signup.checked_in_at is not None:
        local = timezone.localtime(signup.checked_in_at, signup.shift.centre.tz)
        raise AlreadyCheckedIn(
            _("%(name)s is already checked in (at %(time)s).")
            % {"name": signup.volunteer.full_name, "time": f"{local:%H:%M}"}
        )
    if now < signup.starts_at - check_in_opens_before():
        minutes = int(check_in_opens_before().total_seconds() // 60)
        raise CheckInNotOpen(_("Check-in opens %(minutes)s minutes before the shift starts.") % {"minutes": minutes})
    if now >= signup.ends_at:
        raise CheckInNotOpen(_("This shift has ended; it is too late to check in."))
    signup.checked_in_at = now
    signup.attendance = Attendance.LATE if now > signup.starts_at + late_after() else Attendance.PRESENT
    signup.save(update_fields=["checked_in_at", "attendance", "updated_at"])
    logger.info(
        "signup %s checked in by %s (%s) at %s: %s", signup.pk, getattr(by, "pk", None), method, now, signup.attendance
    )
    if method == "coordinator":  # a volunteer's own QR scan is no staff action
        audit_record(
            actor=by,
            action="volunteer_check_in",
            obj=signup,
            centre=signup.shift.centre,
            details={"shift": signup.shift_id, "attendance": signup.attendance},
            now=now,
        )
    return signup


@transaction.atomic
def signup_check_out(
    *, signup: ShiftSignup, by, now: dt.datetime | None = None, method: str = "coordinator"
) -> ShiftSignup:
    """Record that the volunteer left, and credit the minutes served inside the shift."""
    if method not in CHECK_IN_METHODS:
        raise ValueError(f"Unknown check-out method: {method}")
    now = now or timezone.now()
    signup = _locked(signup)
    if signup.status != SignupStatus.SIGNED_UP:
        raise NotSignedUp(_("Only a volunteer with a place on this shift can be checked out."))
    if signup.checked_in_at is None:
        raise NotCheckedIn(_("%(name)s has not checked in yet.") % {"name": signup.volunteer.full_name})
    if signup.checked_out_at is not None:
        local = timezone.localtime(signup.checked_out_at, signup.shift.centre.tz)
        raise AlreadyCheckedOut(
            _("%(name)s is already checked out (at %(time)s).")
            % {"name": signup.volunteer.full_name, "time": f"{local:%H:%M}"}
        )
    _check_out(signup, at=now)
    logger.info(
        "signup %s checked out by %s (%s) at %s: %s min",
        signup.pk,
        getattr(by, "pk", None),
        method,
        now,
        signup.minutes_served,
    )
    if method == "coordinator":
        audit_record(
            actor=by,
            action="volunteer_check_out",
            obj=signup,
            centre=signup.shift.centre,
            details={"shift": signup.shift_id, "minutes_served": signup.minutes_served},
            now=now,
        )
    return signup


def _check_out(signup: ShiftSignup, *, at: dt.datetime) -> None:
    signup.checked_out_at = max(at, signup.checked_in_at)  # the database refuses out-before-in
    signup.minutes_served = minutes_served(
        starts_at=signup.starts_at,
        ends_at=signup.ends_at,
        checked_in_at=signup.checked_in_at,
        checked_out_at=signup.checked_out_at,
    )
    signup.save(update_fields=["checked_out_at", "minutes_served", "updated_at"])


def signup_was_checked_out_automatically(signup: ShiftSignup) -> bool:
    """True when `shifts_mark_missed` checked the volunteer out: it writes the shift's end
    exactly, which a real check-out (a clock reading to the microsecond) practically never is."""
    return signup.checked_out_at is not None and signup.checked_out_at == signup.ends_at


@dataclass(frozen=True)
class MarkResult:
    missed: int
    checked_out: int


def shifts_mark_missed(*, now: dt.datetime | None = None) -> MarkResult:
    """The periodic clean-up after shifts (beat): signed-up places whose shift ended more than
    an hour ago with nobody checked in become MISSED; volunteers checked in but never checked
    out are checked out at the shift's end two hours after it (and credited up to the end).

    Idempotent: each step guards on the state it changes. Rows another run holds are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        missed_ids = list(
            ShiftSignup.objects.select_for_update(skip_locked=True)
            .filter(
                status=SignupStatus.SIGNED_UP,
                attendance=Attendance.PENDING,
                checked_in_at__isnull=True,
                ends_at__lt=now - MISSED_AFTER,
            )
            .order_by("ends_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        missed = ShiftSignup.objects.filter(pk__in=missed_ids).update(attendance=Attendance.MISSED, updated_at=now)
    checked_out = 0
    with transaction.atomic():
        forgotten = list(
            ShiftSignup.objects.select_for_update(skip_locked=True)
            .filter(
                status=SignupStatus.SIGNED_UP,
                checked_in_at__isnull=False,
                checked_out_at__isnull=True,
                ends_at__lt=now - AUTO_CHECK_OUT_AFTER,
            )
            .order_by("ends_at", "pk")[:BATCH]
        )
        for signup in forgotten:
            _check_out(signup, at=signup.ends_at)
            checked_out += 1
    if missed or checked_out:
        logger.info("shifts_mark_missed: %s missed, %s checked out at the shift's end", missed, checked_out)
    return MarkResult(missed=missed, checked_out=checked_out)


# --- the centre's QR code -----------------------------------------------------------------


def _qr_salt() -> str:
    # Changing VOLUNTEERS["CHECK_IN_QR_VERSION"] invalidates every printed poster at once
    # (e.g. after a photo of one went round): print the new ones from the poster page.
    return f"volunteers.check-in.v{volunteers_setting('CHECK_IN_QR_VERSION', 1)}"


def centre_check_in_token(centre: Centre) -> str:
    """The secret part of a centre's check-in QR link: an HMAC of the centre's id with SECRET_KEY."""
    return salted_hmac(_qr_salt(), str(centre.pk), algorithm="sha256").hexdigest()[:32]


def centre_check_in_token_is_valid(centre: Centre, token: str) -> bool:
    return constant_time_compare(centre_check_in_token(centre), token or "")


def signup_current_at_centre(*, volunteer: Volunteer, centre: Centre, now: dt.datetime | None = None):
    """The volunteer's place at `centre` that a QR scan now acts on, or None.

    A place checked in and not yet out comes first (the scan checks out), then the place whose
    check-in window is open (the scan checks in)."""
    now = now or timezone.now()
    places = ShiftSignup.objects.select_related("shift", "shift__centre").filter(
        volunteer=volunteer, shift__centre=centre, status=SignupStatus.SIGNED_UP
    )
    open_now = places.filter(
        checked_in_at__isnull=False, checked_out_at__isnull=True, ends_at__gt=now - AUTO_CHECK_OUT_AFTER
    )
    current = open_now.order_by("starts_at").first()
    if current is not None:
        return current
    return (
        places.filter(
            Q(checked_in_at__isnull=True),
            starts_at__lte=now + check_in_opens_before(),
            ends_at__gt=now,
        )
        .order_by("starts_at")
        .first()
    )


@transaction.atomic
def signup_scan_qr(*, volunteer: Volunteer, centre: Centre, now: dt.datetime | None = None) -> ShiftSignup:
    """The volunteer scanned the centre's QR code (the token is checked by the view): check in to
    their current shift there, or out of it if already in. NoCurrentShift when there is none."""
    now = now or timezone.now()
    signup = signup_current_at_centre(volunteer=volunteer, centre=centre, now=now)
    if signup is None:
        raise NoCurrentShift(
            _(
                "You have no shift at this centre now. Check-in opens %(minutes)s minutes before "
                "your shift starts; see your shifts on your page."
            )
            % {"minutes": int(check_in_opens_before().total_seconds() // 60)}
        )
    if signup.checked_in_at is None:
        return signup_check_in(signup=signup, by=volunteer.user, now=now, method="qr")
    return signup_check_out(signup=signup, by=volunteer.user, now=now, method="qr")


# --- the programme ----------------------------------------------------------------------------


@transaction.atomic
def volunteer_programme_complete(*, volunteer: Volunteer, by, completed_on: dt.date) -> Volunteer:
    """Mark the volunteer's programme completed, which makes their certificate of service
    available. The caller has checked that `by` is a coordinator."""
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if completed_on < volunteer.programme_started_on:
        raise ProgrammeInvalid(
            _("The programme cannot end before it started (%(date)s).")
            % {"date": volunteer.programme_started_on.strftime("%d.%m.%Y")},
            fields={"completed_on": [_("Choose a date on or after the start of the programme.")]},
        )
    if completed_on > timezone.localdate():
        raise ProgrammeInvalid(
            _("The completion date cannot be in the future."),
            fields={"completed_on": [_("Choose today or an earlier date.")]},
        )
    previous = volunteer.programme_completed_on
    volunteer.programme_completed_on = completed_on
    volunteer.save(update_fields=["programme_completed_on"])
    logger.info("volunteer %s programme completed on %s by %s", volunteer.pk, completed_on, getattr(by, "pk", None))
    audit_record(
        actor=by,
        action="volunteer_programme_complete",
        obj=volunteer,
        details={"completed_on": completed_on.isoformat(), "before": previous.isoformat() if previous else None},
    )
    return volunteer
