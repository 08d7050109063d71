"""Test data for the day's queue, built through the queue services (not raw rows), and the
clock the queue tests run on."""

import datetime as dt
import itertools
import zoneinfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from appointments.models import PriorityGroup
from centres.models import Counter, StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup
from tests.centres.factories import offer
from tests.services.factories import CategoryFactory, ServiceFactory

_users = itertools.count(1)


def operator_at(centre, *, role=StaffRole.OPERATOR, username=None):
    """A staff member working at `centre`."""
    user = get_user_model().objects.create_user(username=username or f"operator-{next(_users)}", password="x")
    StaffMembership.objects.create(user=user, centre=centre, role=role)
    return user


def queue_setup(*, counters=1, letter="A"):
    """A centre open every day with one service (ticket letter `letter`) and `counters` counters."""
    service, centre = bookable_setup(counters=counters)
    category = service.category
    category.ticket_letter = letter
    category.save(update_fields=["ticket_letter"])
    return service, centre


def another_service(centre, *, letter="B", counters=()):
    """A second service at `centre`, with its own letter, handled by the given counter numbers."""
    service = ServiceFactory(category=CategoryFactory(ticket_letter=letter), bookable_online=True)
    offer(centre, service, counters=0)
    for counter in Counter.objects.filter(centre=centre, number__in=counters):
        counter.services.add(service)
    return service


def priority_group(centre, *, code="disability", rank=1):
    return PriorityGroup.objects.create(centre=centre, code=code, name_az=code, rank=rank)


# A queue day ends at the centre's midnight: a ticket issued at 23:59 and called at 00:00 is
# yesterday's and cannot be called. The queue tests issue and call at the wall clock's time,
# so they run on this clock instead (tests/appointments/conftest.py).
CENTRE_TIMEZONE = zoneinfo.ZoneInfo("Asia/Baku")  # every test centre's (Centre.timezone's default)


def midday_clock(monkeypatch, *, tz: zoneinfo.ZoneInfo = CENTRE_TIMEZONE) -> dt.datetime:
    """Move `timezone.now()` to today's 12:00 at the centre, still ticking (so events keep their
    order), for the rest of the test; returns that instant. Whatever the wall clock says, the
    test then runs hours away from either midnight."""
    real_now = timezone.now
    started = real_now()
    midday = dt.datetime.combine(started.astimezone(tz).date(), dt.time(12), tzinfo=tz)
    offset = midday - started
    monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)
    return midday
