"""When a centre is open, computed in the centre's own wall-clock time (Baku by default).

Opening hours, public holidays, closures and, for mobile units, their dated stops all
feed one function, `open_periods`, so "open now", the centre page and (later) slot
availability can never disagree. Works on prefetched relations: pass centres from
`centres.selectors` to avoid a query per centre.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .models import Centre, PublicHoliday


@dataclass(frozen=True)
class OpeningStatus:
    is_open: bool
    closes_at: dt.datetime | None = None  # while open: when this period ends
    next_opens_at: dt.datetime | None = None  # while closed: the next opening within two weeks


def holiday_dates(start: dt.date, end: dt.date) -> set[dt.date]:
    return set(PublicHoliday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def _is_closed_on(centre: Centre, day: dt.date) -> bool:
    return any(closure.starts_on <= day <= closure.ends_on for closure in centre.closures.all())


def open_periods(
    centre: Centre, day: dt.date, *, holidays: set[dt.date] | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) aware datetimes the centre is open on local date `day`, in order."""
    if holidays is None:
        holidays = holiday_dates(day, day)
    if day in holidays or _is_closed_on(centre, day):
        return []
    tz = centre.tz
    if centre.is_mobile:
        times = [(stop.starts_at, stop.ends_at) for stop in centre.stops.all() if stop.date == day]
    else:
        times = [(h.opens_at, h.closes_at) for h in centre.opening_hours.all() if h.weekday == day.weekday()]
    return sorted(
        (dt.datetime.combine(day, start, tzinfo=tz), dt.datetime.combine(day, end, tzinfo=tz)) for start, end in times
    )


def opening_status(
    centre: Centre, at: dt.datetime | None = None, *, holidays: set[dt.date] | None = None
) -> OpeningStatus:
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("opening_status needs an aware datetime")
    # Compare in UTC: aware datetimes sharing one tzinfo compare by wall clock, which is
    # wrong in the repeated hour when daylight saving time ends (Europe/Berlin, say).
    at = at.astimezone(dt.UTC)
    today = at.astimezone(centre.tz).date()
    horizon = 14
    if holidays is None:
        holidays = holiday_dates(today, today + dt.timedelta(days=horizon))
    for offset in range(horizon + 1):
        for start, end in open_periods(centre, today + dt.timedelta(days=offset), holidays=holidays):
            if start <= at < end:
                return OpeningStatus(is_open=True, closes_at=end)
            if start > at:
                return OpeningStatus(is_open=False, next_opens_at=start)
    return OpeningStatus(is_open=False)


def weekly_hours(centre: Centre) -> list[tuple[int, list[tuple[dt.time, dt.time]]]]:
    """(weekday, [(opens, closes), ...]) for Monday..Sunday; an empty list means closed."""
    days = {weekday: [] for weekday in range(7)}
    for hours in centre.opening_hours.all():
        days[hours.weekday].append((hours.opens_at, hours.closes_at))
    return [(weekday, sorted(periods)) for weekday, periods in days.items()]
