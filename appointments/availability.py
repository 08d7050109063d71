"""Free appointment times: one place computes them, for pages, the API and the booking service.

A start time is free for a service at a centre when at least one counter that handles the
service (a) is open for the whole appointment, (b) holds no active appointment overlapping
it, and (c) still has room within its bookable share of the day (the rest of each counter's
open time is kept for walk-ins). Times are built from the centre's local wall clock per date
(zoneinfo) and compared in UTC, so they land on the configured local times across daylight
saving changes. The database, not this module, has the last word: see services.py.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from centres.hours import holiday_dates, open_periods
from centres.models import Centre, Counter
from centres.selectors import centre_list
from services.models import Service

from . import policy
from .models import ACTIVE_STATUSES, Appointment, CounterClosure

UTC = dt.UTC


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime  # aware, in the centre's zone
    ends_at: dt.datetime
    places_left: int
    counter_ids: tuple[int, ...]  # counters free at this time, the least busy first


@dataclass(frozen=True)
class CentreEarliest:
    centre: Centre
    slot: Slot


def service_duration(service: Service) -> dt.timedelta:
    return dt.timedelta(minutes=service.duration_minutes)


def booking_window(centre: Centre, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.date]:
    """(earliest bookable start, last bookable local date) at `now`."""
    now = now or timezone.now()
    last_day = now.astimezone(centre.tz).date() + dt.timedelta(days=policy.max_days_ahead())
    return now + policy.min_lead(), last_day


def _counters_for(service: Service, centres: list[Centre]) -> dict[int, list[int]]:
    """centre id -> ids of its active counters handling `service`."""
    rows = (
        Counter.objects.filter(
            centre__in=centres,
            is_active=True,
            services=service,
            centre__offers__service=service,
            centre__offers__is_active=True,
        )
        .order_by("number")
        .values_list("centre_id", "id")
    )
    counters = defaultdict(list)
    for centre_id, counter_id in rows:
        counters[centre_id].append(counter_id)
    return counters


def service_counter_ids(*, service: Service, centre: Centre) -> list[int]:
    """Ids of the centre's active counters that handle `service`."""
    return _counters_for(service, [centre]).get(centre.pk, [])


def _busy_intervals(
    counter_ids: list[int], start: dt.datetime, end: dt.datetime, exclude: int | None = None
) -> dict[int, list[tuple]]:
    """counter id -> sorted (starts_at, ends_at) of its active appointments touching [start, end)."""
    busy = defaultdict(list)
    rows = Appointment.objects.filter(
        counter_id__in=counter_ids, status__in=ACTIVE_STATUSES, starts_at__lt=end, ends_at__gt=start
    )
    if exclude:
        rows = rows.exclude(pk=exclude)
    rows = rows.values_list("counter_id", "starts_at", "ends_at")
    for counter_id, starts_at, ends_at in rows:
        busy[counter_id].append((starts_at, ends_at))
    for intervals in busy.values():
        intervals.sort()
    return busy


def _closed_intervals(counter_ids: list[int], start: dt.datetime, end: dt.datetime) -> dict[int, list[tuple]]:
    """counter id -> (starts_at, ends_at) of its closures touching [start, end) (staff closed it)."""
    closed = defaultdict(list)
    rows = CounterClosure.objects.filter(counter_id__in=counter_ids, starts_at__lt=end, ends_at__gt=start)
    for counter_id, starts_at, ends_at in rows.values_list("counter_id", "starts_at", "ends_at"):
        closed[counter_id].append((starts_at, ends_at))
    return closed


def _slots_for_day(
    *,
    centre: Centre,
    day: dt.date,
    duration: dt.timedelta,
    counter_ids: list[int],
    busy: dict[int, list[tuple]],
    holidays: set[dt.date],
    earliest_start: dt.datetime,
    closed: dict[int, list[tuple]] | None = None,
) -> list[Slot]:
    periods = open_periods(centre, day, holidays=holidays)
    if not periods or not counter_ids:
        return []
    # Real time (UTC), not wall-clock differences: those are an hour off on the days the clocks change.
    open_time = sum(((end.astimezone(UTC) - start.astimezone(UTC)) for start, end in periods), dt.timedelta())
    bookable = open_time * (1 - policy.walk_in_share())
    day_start, day_end = periods[0][0].astimezone(UTC), periods[-1][1].astimezone(UTC)
    used = {
        counter_id: sum(
            (min(e, day_end) - max(s, day_start) for s, e in busy.get(counter_id, []) if s < day_end and e > day_start),
            dt.timedelta(),
        )
        for counter_id in counter_ids
    }
    # Only counters with room left in their bookable share take new bookings today.
    candidates = [c for c in counter_ids if used[c] + duration <= bookable]
    if not candidates:
        return []
    candidates.sort(key=lambda c: (used[c], c))
    step = policy.slot_step()
    slots = []
    for period_start, period_end in periods:
        period_end_utc = period_end.astimezone(UTC)
        start = period_start
        # Step on the local wall clock (times stay on the local grid) but measure the appointment
        # in real time, and skip local times the clocks jump over when they go forward.
        while start < period_end:
            start_utc = start.astimezone(UTC)
            end_utc = start_utc + duration
            exists = start_utc.astimezone(start.tzinfo).replace(tzinfo=None) == start.replace(tzinfo=None)
            if exists and end_utc <= period_end_utc and start_utc >= earliest_start:
                free = tuple(
                    c
                    for c in candidates
                    if not any(s < end_utc and e > start_utc for s, e in busy.get(c, []))
                    and not any(s < end_utc and e > start_utc for s, e in (closed or {}).get(c, []))
                )
                if free:
                    end = end_utc.astimezone(start.tzinfo)
                    slots.append(Slot(starts_at=start, ends_at=end, places_left=len(free), counter_ids=free))
            start += step
    return slots


def day_slots(
    *,
    service: Service,
    centre: Centre,
    day: dt.date,
    now: dt.datetime | None = None,
    exclude_appointment: Appointment | None = None,
) -> list[Slot]:
    """Free start times for `service` at `centre` on local date `day` (empty when none or out of window).

    `centre` should come from centres.selectors (hours, closures and stops prefetched).
    `exclude_appointment` is treated as absent (moving a booking must not collide with itself)."""
    earliest_start, last_day = booking_window(centre, now)
    if not service.bookable_online or day > last_day or day < earliest_start.astimezone(centre.tz).date():
        return []
    counter_ids = _counters_for(service, [centre]).get(centre.pk, [])
    if not counter_ids:
        return []
    tz = centre.tz
    day_from = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    day_to = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return _slots_for_day(
        centre=centre,
        day=day,
        duration=service_duration(service),
        counter_ids=counter_ids,
        busy=_busy_intervals(counter_ids, day_from, day_to, exclude=exclude_appointment and exclude_appointment.pk),
        holidays=holiday_dates(day, day),
        earliest_start=earliest_start,
        closed=_closed_intervals(counter_ids, day_from, day_to),
    )


def slot_at(
    *,
    service: Service,
    centre: Centre,
    starts_at: dt.datetime,
    now: dt.datetime | None = None,
    exclude_appointment: Appointment | None = None,
) -> Slot | None:
    """The free slot starting exactly at `starts_at`, or None."""
    day = starts_at.astimezone(centre.tz).date()
    for slot in day_slots(service=service, centre=centre, day=day, now=now, exclude_appointment=exclude_appointment):
        if slot.starts_at == starts_at:
            return slot
    return None


def days_with_room(
    *, service: Service, centre: Centre, first_day: dt.date, last_day: dt.date, now: dt.datetime | None = None
) -> dict[dt.date, int]:
    """Local date -> number of free start times, for every day from first_day to last_day (for a calendar)."""
    earliest_start, window_end = booking_window(centre, now)
    first_day = max(first_day, earliest_start.astimezone(centre.tz).date())
    last_day = min(last_day, window_end)
    result = {}
    if first_day > last_day or not service.bookable_online:
        return result
    counter_ids = _counters_for(service, [centre]).get(centre.pk, [])
    tz = centre.tz
    range_from = dt.datetime.combine(first_day, dt.time.min, tzinfo=tz)
    range_to = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    busy = _busy_intervals(counter_ids, range_from, range_to)
    closed = _closed_intervals(counter_ids, range_from, range_to)
    holidays = holiday_dates(first_day, last_day)
    duration = service_duration(service)
    day = first_day
    while day <= last_day:
        result[day] = len(
            _slots_for_day(
                centre=centre,
                day=day,
                duration=duration,
                counter_ids=counter_ids,
                busy=busy,
                holidays=holidays,
                earliest_start=earliest_start,
                closed=closed,
            )
        )
        day += dt.timedelta(days=1)
    return result


def earliest_slots(
    *,
    service: Service,
    city: str | None = None,
    centres: list[Centre] | None = None,
    now: dt.datetime | None = None,
) -> list[CentreEarliest]:
    """For each centre offering `service` (optionally in one city), its earliest free time, soonest first.

    A fixed number of queries however many centres and days are scanned."""
    now = now or timezone.now()
    if not service.bookable_online:
        return []
    if centres is None:
        centres = list(centre_list(service=service.code, city=city))
    counters = _counters_for(service, centres)
    all_counter_ids = [c for ids in counters.values() for c in ids]
    if not all_counter_ids:
        return []
    horizon_end = now + dt.timedelta(days=policy.max_days_ahead() + 2)
    busy = _busy_intervals(all_counter_ids, now, horizon_end)
    closed = _closed_intervals(all_counter_ids, now, horizon_end)
    holidays = holiday_dates(now.date() - dt.timedelta(days=1), horizon_end.date())
    duration = service_duration(service)
    found = []
    for centre in centres:
        counter_ids = counters.get(centre.pk, [])
        if not counter_ids:
            continue
        earliest_start, last_day = booking_window(centre, now)
        day = earliest_start.astimezone(centre.tz).date()
        while day <= last_day:
            slots = _slots_for_day(
                centre=centre,
                day=day,
                duration=duration,
                counter_ids=counter_ids,
                busy=busy,
                holidays=holidays,
                earliest_start=earliest_start,
                closed=closed,
            )
            if slots:
                found.append(CentreEarliest(centre=centre, slot=slots[0]))
                break
            day += dt.timedelta(days=1)
    found.sort(key=lambda item: item.slot.starts_at.astimezone(UTC))
    return found


def nearest_free_slots(
    *, service: Service, centre: Centre, around: dt.datetime, limit: int = 3, now: dt.datetime | None = None
) -> list[Slot]:
    """Free times closest to `around` (same day first, then the following days), for a 409 answer."""
    day = around.astimezone(centre.tz).date()
    _earliest, last_day = booking_window(centre, now)
    collected: list[Slot] = []
    while day <= last_day and len(collected) < limit:
        slots = day_slots(service=service, centre=centre, day=day, now=now)
        slots.sort(key=lambda s: abs((s.starts_at - around).total_seconds()))
        collected.extend(slots[: limit - len(collected)])
        day += dt.timedelta(days=1)
    return sorted(collected, key=lambda s: s.starts_at.astimezone(UTC))
