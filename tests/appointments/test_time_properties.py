"""Property tests: appointment times follow the centre's wall clock across six decades of dates.

Times are built from local wall-clock times per date (zoneinfo) and stored in UTC. For random
dates from 2000 to 2060, random opening hours, slot steps and durations, in Baku (daylight saving
until 2016), Berlin and New York, the free times must sit on the local grid, exist on the local
clock, last exactly the service's duration in real time, and the reminders must land at the
configured local time the day before and the configured number of real minutes before the start.

Dates are drawn half from the whole range and half from the days when the clocks change, where
wall-clock arithmetic goes wrong. Each example runs in a savepoint rolled back at its end, so the
examples do not see each other's rows (hypothesis runs a function-scoped fixture only once).
"""

import datetime as dt
import functools
import zoneinfo
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from appointments import availability
from appointments.models import Appointment, Notification, NotificationChannel
from appointments.services import appointment_book
from centres.hours import open_periods
from centres.models import OpeningHours, PublicHoliday
from centres.selectors import centre_get
from tests.appointments.factories import citizen
from tests.centres.factories import CentreFactory, offer
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
ZONES = ["Asia/Baku", "Europe/Berlin", "America/New_York"]
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2060, 12, 31)
PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@functools.cache
def _clock_change_days(zone: str) -> tuple[dt.date, ...]:
    """Local dates in FIRST_DAY..LAST_DAY on which the zone's UTC offset changes."""
    tz = zoneinfo.ZoneInfo(zone)
    days = []
    day = FIRST_DAY
    previous = dt.datetime.combine(day, dt.time(), tzinfo=tz).utcoffset()
    while day <= LAST_DAY:
        offset = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).utcoffset()
        if offset != previous:
            days.append(day)
        previous = offset
        day += dt.timedelta(days=1)
    return tuple(days)


def _days(zone: str):
    return st.one_of(
        st.dates(min_value=FIRST_DAY, max_value=LAST_DAY),
        st.sampled_from(_clock_change_days(zone)),
    )


# Opening periods on a five-minute grid, anywhere in the day (night hours cross the clock changes).
_minutes_of_day = st.integers(min_value=0, max_value=(24 * 60 - 5) // 5).map(lambda n: n * 5)


@st.composite
def _opening_periods(draw) -> list[tuple[dt.time, dt.time]]:
    """One or two non-overlapping periods (a day with a lunch break has two)."""
    bounds = sorted(draw(st.lists(_minutes_of_day, min_size=2, max_size=4, unique=True)))
    if len(bounds) == 3:
        bounds = bounds[:2]
    pairs = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    return [(dt.time(a // 60, a % 60), dt.time(b // 60, b % 60)) for a, b in pairs]


@contextmanager
def _rolled_back():
    """Run the body in a savepoint and undo it, so every example starts from the same database."""
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


def _appointment_rules(**changes):
    return override_settings(APPOINTMENTS={**settings.APPOINTMENTS, **changes})


def _centre_open_every_day(zone: str, periods, *, duration: int, counters: int = 1):
    PublicHoliday.objects.all().delete()  # rolled back with the example; holidays are not the subject here
    service = ServiceFactory(duration_minutes=duration, bookable_online=True)
    centre = CentreFactory(timezone=zone)
    for weekday in range(7):
        for opens, closes in periods:
            OpeningHours.objects.create(centre=centre, weekday=weekday, opens_at=opens, closes_at=closes)
    offer(centre, service, counters=counters)
    return service, centre_get(centre.code)


def _exists_on_the_local_clock(local: dt.datetime) -> bool:
    """False for a wall-clock time skipped when the clocks go forward."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def _expected_starts(centre, day: dt.date, *, step: int, duration: int) -> list[dt.datetime]:
    """The grid computed independently: opening time + k * step on the local clock, kept when that
    time exists and the appointment (real minutes) ends by closing time; all in UTC."""
    tz = centre.tz
    periods = open_periods(centre, day, holidays=set())
    open_real = sum(
        ((end.astimezone(UTC) - start.astimezone(UTC)) for start, end in periods),
        dt.timedelta(),
    )
    bookable = open_real * (1 - availability.policy.walk_in_share())
    if dt.timedelta(minutes=duration) > bookable:
        return []
    starts = []
    for start, end in periods:
        naive, naive_end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        while naive < naive_end:
            local = naive.replace(tzinfo=tz)
            start_utc = local.astimezone(UTC)
            if _exists_on_the_local_clock(local) and start_utc + dt.timedelta(minutes=duration) <= end.astimezone(UTC):
                starts.append(start_utc)
            naive += dt.timedelta(minutes=step)
    return sorted(set(starts))


def _morning_before(centre, day: dt.date, days: int) -> dt.datetime:
    """A `now` well inside the booking window for `day`."""
    return dt.datetime.combine(day - dt.timedelta(days=days), dt.time(12), tzinfo=centre.tz).astimezone(UTC)


@pytest.mark.parametrize("zone", ZONES)
@PROPERTY_SETTINGS
@given(
    data=st.data(),
    periods=_opening_periods(),
    step=st.sampled_from([5, 10, 15, 20, 30]),
    duration=st.integers(min_value=5, max_value=90),
)
def test_free_times_sit_on_the_local_grid_and_exist_on_the_local_clock(zone, data, periods, step, duration):
    day = data.draw(_days(zone), label="day")
    with _rolled_back(), _appointment_rules(SLOT_STEP_MINUTES=step):
        # given
        service, centre = _centre_open_every_day(zone, periods, duration=duration)
        tz = centre.tz
        # when
        slots = availability.day_slots(service=service, centre=centre, day=day, now=_morning_before(centre, day, 1))
        # then
        opening = [start.replace(tzinfo=None) for start, _end in open_periods(centre, day, holidays=set())]
        for slot in slots:
            local = slot.starts_at
            assert local.tzinfo == tz and local.date() == day
            assert _exists_on_the_local_clock(local), f"{local} does not exist in {zone}"
            assert local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None)
            assert any(
                local.replace(tzinfo=None) >= first
                and (local.replace(tzinfo=None) - first) % dt.timedelta(minutes=step) == dt.timedelta()
                for first in opening
            ), f"{local} is off the {step}-minute grid from {opening}"
            assert slot.ends_at.astimezone(UTC) - local.astimezone(UTC) == dt.timedelta(minutes=duration)
        starts_utc = [slot.starts_at.astimezone(UTC) for slot in slots]
        assert starts_utc == sorted(set(starts_utc)), "free times repeat or are out of order in real time"
        assert starts_utc == _expected_starts(centre, day, step=step, duration=duration)


@pytest.mark.parametrize("zone", ZONES)
@PROPERTY_SETTINGS
@given(
    data=st.data(),
    day_before_at=st.integers(min_value=6 * 4, max_value=23 * 4 - 1).map(lambda q: dt.time(q // 4, q % 4 * 15)),
    before_minutes=st.integers(min_value=15, max_value=24 * 60),
)
def test_reminders_land_at_the_configured_local_times(zone, data, day_before_at, before_minutes):
    day = data.draw(_days(zone), label="day")
    periods = data.draw(_opening_periods(), label="periods")
    rules = _appointment_rules(
        REMINDER_DAY_BEFORE_AT=day_before_at.isoformat(timespec="minutes"),
        REMINDER_BEFORE_MINUTES=before_minutes,
        WALK_IN_SHARE=0.0,
    )
    with _rolled_back(), rules:
        # given: a booking made by staff (confirmed at once) three days ahead
        service, centre = _centre_open_every_day(zone, periods, duration=15)
        tz = centre.tz
        now = _morning_before(centre, day, 3)
        slots = availability.day_slots(service=service, centre=centre, day=day, now=now)
        if not slots:
            return  # the drawn hours are shorter than one appointment
        slot = data.draw(st.sampled_from(slots), label="slot")
        staff = get_user_model().objects.create(username="phone-in")
        # when
        booked = appointment_book(
            service=service, centre=centre, starts_at=slot.starts_at, booked_by=staff, now=now, **citizen()
        )
        # then: stored in UTC, read back as the same local time and date
        appointment = Appointment.objects.get(pk=booked.appointment.pk)
        assert appointment.starts_at.astimezone(tz).replace(tzinfo=None) == slot.starts_at.replace(tzinfo=None)
        assert appointment.starts_at == slot.starts_at.astimezone(UTC)
        assert appointment.local_date == day
        reminders = {
            n.kind: n.send_after
            for n in Notification.objects.filter(appointment=appointment, channel=NotificationChannel.SMS)
        }
        day_before = reminders["reminder_day_before"].astimezone(tz)
        assert day_before.date() == day - dt.timedelta(days=1)
        assert day_before.time() == day_before_at
        soon = reminders["reminder_soon"]
        assert appointment.starts_at - soon == dt.timedelta(minutes=before_minutes)
