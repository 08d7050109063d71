"""Test data for the day's queue, built through the queue services (not raw rows)."""

import itertools

from django.contrib.auth import get_user_model

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
