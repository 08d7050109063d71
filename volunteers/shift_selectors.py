"""Reads for the shift pages (the volunteer's open shifts, the coordinator's week and shift),
with their joins built in so a page costs a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count, F, Q, QuerySet

from centres.models import Centre

from .models import ACTIVE_SIGNUP_STATUSES, Shift, ShiftSignup, SignupStatus, Volunteer
from .shifts import signup_closes_at

OPEN_SHIFTS_DAYS = 28  # the volunteer sees four weeks ahead
MOVE_TARGET_DAYS = 28


@dataclass
class ShiftRow:
    shift: Shift
    my_signup: ShiftSignup | None  # the volunteer's active sign-up, if any
    closes_at: dt.datetime
    is_closed: bool  # past the cut-off

    @property
    def is_full(self) -> bool:
        return self.shift.taken >= self.shift.needed


def open_shifts_for_volunteer(*, volunteer: Volunteer, now: dt.datetime) -> list[tuple[dt.date, list[ShiftRow]]]:
    """Shifts at the volunteer's centres that have not started, for the next four weeks, by day."""
    shifts = list(
        Shift.objects.filter(
            centre__in=volunteer.centres.all(),
            starts_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=OPEN_SHIFTS_DAYS + 1),
        )
        .select_related("centre")
        .order_by("starts_at", "centre__name_az", "role")
    )
    mine = {
        signup.shift_id: signup
        for signup in ShiftSignup.objects.filter(
            volunteer=volunteer, shift__in=[s.pk for s in shifts], status__in=ACTIVE_SIGNUP_STATUSES
        )
    }
    rows = []
    for shift in shifts:
        is_closed = now >= signup_closes_at(shift)
        signup = mine.get(shift.pk)
        if signup is not None:
            signup.shift, signup.is_closed = shift, is_closed
        rows.append(ShiftRow(shift=shift, my_signup=signup, closes_at=signup_closes_at(shift), is_closed=is_closed))
    return [(day, list(day_rows)) for day, day_rows in groupby(rows, key=lambda row: row.shift.date)]


def signups_upcoming(*, volunteer: Volunteer, now: dt.datetime) -> list[ShiftSignup]:
    """The volunteer's places and waitlist entries for shifts not yet over, soonest first;
    `is_closed` says whether the cut-off has passed."""
    signups = list(
        ShiftSignup.objects.filter(volunteer=volunteer, status__in=ACTIVE_SIGNUP_STATUSES, ends_at__gt=now)
        .select_related("shift__centre")
        .order_by("starts_at")
    )
    for signup in signups:
        signup.is_closed = now >= signup_closes_at(signup.shift)
    return signups


def week_shifts(*, centre: Centre, monday: dt.date) -> QuerySet:
    return (
        Shift.objects.filter(centre=centre, date__range=(monday, monday + dt.timedelta(days=6)))
        .annotate(waitlisted=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED)))
        .order_by("starts_at", "role")
    )


def shift_people(*, shift: Shift) -> tuple[list[ShiftSignup], list[ShiftSignup]]:
    """(signed up, waitlisted in the order they will be promoted)."""
    active = list(
        ShiftSignup.objects.filter(shift=shift, status__in=ACTIVE_SIGNUP_STATUSES)
        .select_related("volunteer")
        .order_by("created_at", "pk")
    )
    return (
        [s for s in active if s.status == SignupStatus.SIGNED_UP],
        [s for s in active if s.status == SignupStatus.WAITLISTED],
    )


def assign_candidates(*, shift: Shift) -> QuerySet:
    """Active volunteers of the shift's centre who do not hold a place on it yet (waitlisted may)."""
    holding = ShiftSignup.objects.filter(shift=shift, status=SignupStatus.SIGNED_UP).values("volunteer_id")
    return (
        Volunteer.objects.filter(centres=shift.centre_id, is_active=True).exclude(pk__in=holding).order_by("full_name")
    )


def move_targets(*, shift: Shift, now: dt.datetime) -> QuerySet:
    """Other shifts of the same centre, not over, with a free place, in the next four weeks."""
    return (
        Shift.objects.filter(
            centre=shift.centre_id,
            ends_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=MOVE_TARGET_DAYS + 1),
        )
        .exclude(pk=shift.pk)
        .filter(taken__lt=F("needed"))
        .select_related("centre")
        .order_by("starts_at", "role")
    )
