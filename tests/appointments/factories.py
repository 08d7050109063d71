"""Test data for bookings, built through the booking service (not raw rows)."""

import datetime as dt
import itertools

from centres.selectors import centre_get
from tests.centres.factories import CentreFactory, offer, weekday_hours
from tests.services.factories import ServiceFactory

BAKU = dt.timezone(dt.timedelta(hours=4))
_fins = itertools.count(1)


def bookable_setup(*, counters=1, duration=20, opens=dt.time(9), closes=dt.time(18), weekdays=range(7)):
    """A service offered at a centre open every day, with `counters` counters handling it."""
    service = ServiceFactory(duration_minutes=duration, bookable_online=True)
    centre = CentreFactory()
    weekday_hours(centre, opens=opens, closes=closes, weekdays=weekdays)
    offer(centre, service, counters=counters)
    return service, centre_get(centre.code)


def citizen(n=None):
    """Distinct, valid citizen details (FIN and mobile number)."""
    n = next(_fins) if n is None else n
    return {
        "full_name": f"Vətəndaş Test {n}",
        "fin": f"T{n:06d}"[-7:].upper(),
        "phone": f"+99450{n:07d}"[-13:],
    }


def tomorrow_at(centre, hour, minute=0, *, days=1):
    day = dt.datetime.now(centre.tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=centre.tz)
