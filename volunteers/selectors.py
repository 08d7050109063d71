"""Reads of shifts and attendance for pages, the CSV export and the iCal feed: a centre's
roster for a week, the coverage of each day, a volunteer's shifts, history and totals.

Each selector builds its own select_related/prefetch_related, so a page costs a fixed number
of queries however many shifts and volunteers it shows.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from centres.models import Centre

from .models import ACTIVE_SIGNUP_STATUSES, Attendance, Shift, ShiftRole, ShiftSignup, SignupStatus, Volunteer

ATTENDED = (Attendance.PRESENT, Attendance.LATE)


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week: rosters always show Monday to Sunday."""
    return day - dt.timedelta(days=day.weekday())


# --- the roster of a centre for a week -------------------------------------------------------


@dataclass
class RosterShift:
    shift: Shift
    starts: dt.datetime  # centre-local
    ends: dt.datetime
    signed: list[ShiftSignup]
    waitlisted: list[ShiftSignup]

    @property
    def gap(self) -> int:
        return max(self.shift.needed - len(self.signed), 0)


@dataclass
class RosterDay:
    date: dt.date
    shifts: list[RosterShift] = field(default_factory=list)


def roster_week(*, centre: Centre, week_start: dt.date) -> list[RosterDay]:
    """Monday to Sunday of the week starting `week_start`, each day with its shifts (by start
    time), who is signed up (by sign-up order) and who waits. Three queries."""
    week_start = week_start_of(week_start)
    days = [RosterDay(date=week_start + dt.timedelta(days=n)) for n in range(7)]
    by_date = {day.date: day for day in days}
    active = (
        ShiftSignup.objects.filter(status__in=ACTIVE_SIGNUP_STATUSES)
        .select_related("volunteer")
        .order_by("created_at", "pk")
    )
    shifts = (
        Shift.objects.filter(centre=centre, date__gte=week_start, date__lt=week_start + dt.timedelta(days=7))
        .select_related("centre")
        .prefetch_related(Prefetch("signups", queryset=active, to_attr="active_signups"))
        .order_by("starts_at", "role", "pk")
    )
    tz = centre.tz
    for shift in shifts:
        signed = [s for s in shift.active_signups if s.status == SignupStatus.SIGNED_UP]
        waiting = [s for s in shift.active_signups if s.status == SignupStatus.WAITLISTED]
        by_date[shift.date].shifts.append(
            RosterShift(
                shift=shift,
                starts=timezone.localtime(shift.starts_at, tz),
                ends=timezone.localtime(shift.ends_at, tz),
                signed=signed,
                waitlisted=waiting,
            )
        )
    return days


def roster_csv_rows(days: list[RosterDay]) -> list[list[str]]:
    """The roster as rows for the CSV export: one row per signed-up or waitlisted volunteer
    (and one per shift nobody has taken), with the phone coordinators call people on."""
    rows = []
    for day in days:
        for item in day.shifts:
            base = [
                day.date.isoformat(),
                f"{item.starts:%H:%M}",
                f"{item.ends:%H:%M}",
                str(item.shift.get_role_display()),
                str(item.shift.needed),
                str(len(item.signed)),
                str(len(item.waitlisted)),
            ]
            people = item.signed + item.waitlisted
            if not people:
                rows.append([*base, "", "", "", "", ""])
            for signup in people:
                rows.append(
                    [
                        *base,
                        signup.volunteer.full_name,
                        signup.volunteer.phone,
                        signup.volunteer.email,
                        str(signup.get_status_display()),
                        str(signup.get_attendance_display()),
                    ]
                )
    return rows


# --- coverage: needed against signed per day and role --------------------------------------


@dataclass
class RoleCoverage:
    role: str
    label: str
    needed: int = 0
    signed: int = 0

    @property
    def gap(self) -> int:
        return max(self.needed - self.signed, 0)


@dataclass
class DayCoverage:
    date: dt.date
    needed: int = 0
    signed: int = 0
    waitlisted: int = 0
    roles: list[RoleCoverage] = field(default_factory=list)

    @property
    def gap(self) -> int:
        return sum(role.gap for role in self.roles)


def coverage_week(*, centre: Centre, week_start: dt.date) -> list[DayCoverage]:
    """For each day of the week: places needed and signed, in total and per role. A day's gap
    is the sum of the roles' gaps (a full role does not cover an empty one). Two queries."""
    week_start = week_start_of(week_start)
    days = {week_start + dt.timedelta(days=n): DayCoverage(date=week_start + dt.timedelta(days=n)) for n in range(7)}
    labels = dict(ShiftRole.choices)
    week = Shift.objects.filter(centre=centre, date__gte=week_start, date__lt=week_start + dt.timedelta(days=7))
    # Needed and taken straight from the shifts: a join with the sign-ups would count a shift
    # once per sign-up.
    for row in week.values("date", "role").annotate(needed=Sum("needed"), taken=Sum("taken")).order_by("date", "role"):
        day = days[row["date"]]
        label = str(labels.get(row["role"], row["role"]))
        day.roles.append(RoleCoverage(role=row["role"], label=label, needed=row["needed"], signed=row["taken"]))
        day.needed += row["needed"]
        day.signed += row["taken"]
    waiting = (
        ShiftSignup.objects.filter(shift__in=week, status=SignupStatus.WAITLISTED)
        .values("shift__date")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in waiting:
        days[row["shift__date"]].waitlisted = row["count"]
    return list(days.values())


# --- a volunteer's shifts -----------------------------------------------------------------


def volunteer_upcoming(*, volunteer: Volunteer, now: dt.datetime | None = None):
    """Places (signed up or waitlisted) on shifts that have not ended yet and that the volunteer
    has not checked out of, soonest first."""
    now = now or timezone.now()
    return (
        ShiftSignup.objects.filter(
            volunteer=volunteer, status__in=ACTIVE_SIGNUP_STATUSES, ends_at__gt=now, checked_out_at__isnull=True
        )
        .select_related("shift", "shift__centre")
        .order_by("starts_at", "pk")
    )


def volunteer_history(*, volunteer: Volunteer, now: dt.datetime | None = None):
    """Signed-up places on shifts that have ended or that the volunteer has checked out of
    (their part is done), latest first, with attendance and minutes."""
    now = now or timezone.now()
    return (
        ShiftSignup.objects.filter(volunteer=volunteer, status=SignupStatus.SIGNED_UP)
        .filter(Q(ends_at__lte=now) | Q(checked_out_at__isnull=False))
        .select_related("shift", "shift__centre")
        .order_by("-starts_at", "-pk")
    )


@dataclass(frozen=True)
class VolunteerTotals:
    minutes: int
    shifts_done: int
    missed: int
    late: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def hours_and_minutes(self) -> tuple[int, int]:
        return divmod(self.minutes, 60)


def volunteer_totals(*, volunteer: Volunteer) -> VolunteerTotals:
    """Minutes served, shifts attended (on time or late), missed and late: one query."""
    signed = Q(status=SignupStatus.SIGNED_UP)
    row = ShiftSignup.objects.filter(volunteer=volunteer).aggregate(
        minutes=Sum("minutes_served", filter=signed, default=0),
        done=Count("pk", filter=signed & Q(attendance__in=ATTENDED)),
        missed=Count("pk", filter=signed & Q(attendance=Attendance.MISSED)),
        late=Count("pk", filter=signed & Q(attendance=Attendance.LATE)),
    )
    return VolunteerTotals(minutes=row["minutes"], shifts_done=row["done"], missed=row["missed"], late=row["late"])


def volunteer_centres_served(*, volunteer: Volunteer):
    """Centres where the volunteer attended at least one shift (for the certificate)."""
    return Centre.objects.filter(
        shifts__signups__volunteer=volunteer,
        shifts__signups__status=SignupStatus.SIGNED_UP,
        shifts__signups__attendance__in=ATTENDED,
    ).distinct()


def volunteer_calendar_signups(*, volunteer: Volunteer, now: dt.datetime | None = None, past_days: int = 30):
    """Signed-up places for the iCal feed: upcoming ones and those of the last `past_days` days."""
    now = now or timezone.now()
    return (
        ShiftSignup.objects.filter(
            volunteer=volunteer,
            status=SignupStatus.SIGNED_UP,
            ends_at__gt=now - dt.timedelta(days=past_days),
        )
        .select_related("shift", "shift__centre")
        .order_by("starts_at", "pk")
    )


def day_signups(*, centre: Centre, date: dt.date):
    """Signed-up places of a centre's day, for the check-in buttons on the day's roster."""
    return (
        ShiftSignup.objects.filter(shift__centre=centre, shift__date=date, status=SignupStatus.SIGNED_UP)
        .select_related("shift", "volunteer")
        .order_by("starts_at", "shift__role", "volunteer__full_name")
    )
