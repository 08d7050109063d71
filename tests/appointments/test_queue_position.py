"""'How many are ahead' agrees with the order counters actually call, whatever the mix of
priority groups and same-second arrivals (counted in SQL, checked against call-next)."""

import random

import pytest
from django.utils import timezone

from appointments.models import Ticket
from appointments.queue import counter_session_open, ticket_call_next, ticket_complete, ticket_issue, ticket_start
from appointments.queue_selectors import ticket_position
from centres.models import Counter
from tests.appointments.queue_factories import operator_at, priority_group, queue_setup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_position_of_every_ticket_is_its_place_in_the_call_order(seed):
    # given: a mix of walk-ins and priority tickets, some issued at the same instant
    rng = random.Random(seed)
    service, centre = queue_setup(counters=1)
    groups = [None, priority_group(centre, code="elderly", rank=2), priority_group(centre, code="disability", rank=1)]
    now = timezone.now()
    for _ in range(15):
        ticket_issue(centre=centre, service=service, priority_group=rng.choice(groups), now=now)
    tickets = list(Ticket.objects.filter(centre=centre))
    # when: we ask each ticket's position, then call them all in order
    positions = {t.pk: ticket_position(t, now=now)[0] for t in tickets}
    counter = Counter.objects.get(centre=centre)
    operator = operator_at(centre)
    counter_session_open(counter=counter, operator=operator, now=now)
    called = []
    while (ticket := ticket_call_next(counter=counter, operator=operator, now=now)) is not None:
        called.append(ticket.pk)
        ticket_start(ticket=ticket, operator=operator, now=now)
        ticket_complete(ticket=ticket, operator=operator, now=now)
    # then: a ticket's position is exactly how many were called before it
    assert sorted(positions.values()) == list(range(15))
    assert [positions[pk] for pk in called] == list(range(15))
