"""The volunteers part of `load_demo`: weekly patterns and the coming weeks' shifts, applications
waiting for review, and one signed-in volunteer ("volunteer") with a past and a future.

Idempotent: patterns, shifts and applications are added only when missing (their own loaders
say how), and the demo volunteer's history is made once, when the account is created.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from asan_portal import roles
from centres.demo import DEMO_PASSWORD
from centres.models import Centre

from .demo_applications import applications_load_demo
from .demo_shifts import shifts_load_demo
from .errors import VolunteerError
from .models import Attendance, Shift, ShiftRole, ShiftSignup, SignupStatus, Volunteer
from .shifts import shift_sign_up

DEMO_VOLUNTEER = "volunteer"
DEMO_VOLUNTEER_CENTRES = ("baku-1", "baku-2")
# Past shifts of the demo volunteer, days ago: (days ago, start hour, hours, attendance).
DEMO_HISTORY = [
    (26, 9, 4, Attendance.PRESENT),
    (19, 13, 4, Attendance.LATE),
    (12, 9, 4, Attendance.PRESENT),
    (5, 10, 4, Attendance.MISSED),
]


@dataclass
class VolunteersDemoResult:
    templates_created: int
    shifts_created: int
    applications_added: int
    volunteer_created: bool


def _past_shift(centre: Centre, *, day: dt.date, hour: int, hours: int) -> Shift:
    starts_at = dt.datetime.combine(day, dt.time(hour), tzinfo=centre.tz)
    shift, _created = Shift.objects.get_or_create(
        centre=centre,
        date=day,
        starts_at=starts_at,
        role=ShiftRole.ENTRANCE,
        template=None,
        defaults={"ends_at": starts_at + dt.timedelta(hours=hours), "needed": 2},
    )
    return shift


def _history_create(volunteer: Volunteer, centre: Centre, *, now: dt.datetime) -> None:
    """Past shifts with their attendance, written directly: the sign-up rules refuse the past."""
    today = now.astimezone(centre.tz).date()
    for days_ago, hour, hours, attendance in DEMO_HISTORY:
        shift = _past_shift(centre, day=today - dt.timedelta(days=days_ago), hour=hour, hours=hours)
        late = dt.timedelta(minutes=20 if attendance == Attendance.LATE else 0)
        came = attendance in (Attendance.PRESENT, Attendance.LATE)
        ShiftSignup.objects.create(
            shift=shift,
            volunteer=volunteer,
            status=SignupStatus.SIGNED_UP,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            attendance=attendance,
            checked_in_at=shift.starts_at + late if came else None,
            checked_out_at=shift.ends_at if came else None,
            minutes_served=int((shift.duration - late).total_seconds() // 60) if came else 0,
        )
        Shift.objects.filter(pk=shift.pk).update(taken=shift.taken + 1)


def _volunteer_create(*, now: dt.datetime) -> tuple[Volunteer | None, bool]:
    centres = list(Centre.objects.filter(code__in=DEMO_VOLUNTEER_CENTRES).order_by("code"))
    if not centres:
        return None, False
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DEMO_VOLUNTEER,
        defaults={
            "first_name": "Səbinə",
            "last_name": "Rzayeva",
            "email": "volunteer@asan-portal.invalid",
            "password": make_password(DEMO_PASSWORD),
        },
    )
    roles.role_grant(user=user, role=roles.VOLUNTEER)
    volunteer = Volunteer.objects.filter(user=user).first()
    if volunteer is not None:
        return volunteer, False
    volunteer = Volunteer.objects.create(
        user=user,
        full_name="Səbinə Rzayeva",
        phone="+994501234567",
        email=user.email,
        language="az",
        programme_started_on=(now - dt.timedelta(days=40)).date(),
        calendar_token=secrets.token_urlsafe(32),
    )
    volunteer.centres.set(centres)
    _history_create(volunteer, centres[0], now=now)
    return volunteer, True


def _upcoming_signups(volunteer: Volunteer, *, now: dt.datetime, wanted: int = 3) -> None:
    """Sign the demo volunteer up for a few of the coming shifts, through the real rules."""
    if volunteer.signups.filter(starts_at__gt=now).exists():
        return
    candidates = Shift.objects.filter(
        centre__in=volunteer.centres.all(), starts_at__gt=now + dt.timedelta(days=1)
    ).order_by("starts_at")
    for shift in candidates[:20]:
        if wanted == 0:
            break
        try:
            shift_sign_up(shift=shift, volunteer=volunteer, now=now)
        except VolunteerError:
            continue  # overlapping with one already taken, or full: try the next
        wanted -= 1


@transaction.atomic
def volunteers_load_demo(*, now: dt.datetime | None = None) -> VolunteersDemoResult:
    now = now or timezone.now()
    shifts = shifts_load_demo(now=now)
    applications = applications_load_demo()
    volunteer, created = _volunteer_create(now=now)
    if volunteer is not None:
        _upcoming_signups(volunteer, now=now)
    return VolunteersDemoResult(
        templates_created=shifts.templates_created,
        shifts_created=shifts.shifts_created,
        applications_added=applications,
        volunteer_created=created,
    )
