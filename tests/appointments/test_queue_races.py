"""Race real PostgreSQL connections at the queue (docs/adr/0013).

Each thread has its own database connection (Django gives one per thread, closed at the
end); a barrier releases them together. What is under test is the database: the locked
TicketNumberSeries row for numbers, FOR UPDATE SKIP LOCKED for call-next.
"""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from appointments import queue
from appointments.models import Ticket, TicketEvent, TicketNumberSeries, TicketStatus
from appointments.services import appointment_book
from centres.models import Counter
from tests.appointments.factories import citizen, tomorrow_at
from tests.appointments.queue_factories import another_service, operator_at, queue_setup

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

COUNTERS = 20


def run_together(workers: int, work) -> list[BaseException]:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def runner(index):
        try:
            barrier.wait()
            work(index)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return errors


def sql_value(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_twenty_counters_call_every_ticket_exactly_once():
    # given: 200 tickets of two services; counters 1-20 handle the first, 11-20 the second too
    service, centre = queue_setup(counters=COUNTERS, letter="A")
    second = another_service(centre, letter="B", counters=range(11, COUNTERS + 1))
    now = timezone.now()
    for i in range(200):
        queue.ticket_issue(centre=centre, service=service if i % 2 else second, now=now)
    counters = list(Counter.objects.filter(centre=centre).order_by("number"))
    operators = [operator_at(centre) for _ in counters]
    for counter, operator in zip(counters, operators, strict=True):
        queue.counter_session_open(counter=counter, operator=operator)
    called: list[list[int]] = [[] for _ in counters]

    # when: every counter calls, serves and completes until nothing is left for it
    def work(index):
        counter, operator = counters[index], operators[index]
        while True:
            ticket = queue.ticket_call_next(counter=counter, operator=operator)
            if ticket is None:
                return
            called[index].append(ticket.pk)
            queue.ticket_start(ticket=ticket, operator=operator)
            queue.ticket_complete(ticket=ticket, operator=operator)

    errors = run_together(COUNTERS, work)

    # then
    assert errors == []
    all_called = [pk for calls in called for pk in calls]
    assert len(all_called) == 200
    assert sorted(all_called) == sorted(Ticket.objects.values_list("pk", flat=True))
    assert sum(1 for calls in called if calls) > 1, "the work was not shared between counters"
    assert Ticket.objects.exclude(status=TicketStatus.COMPLETED).count() == 0
    # in SQL too: one call event per ticket, no ticket called twice or never
    assert (
        sql_value(
            "SELECT count(*) FROM (SELECT ticket_id FROM appointments_ticketevent WHERE action = 'call' "
            "GROUP BY ticket_id HAVING count(*) <> 1) AS twice"
        )
        == 0
    )
    assert sql_value("SELECT count(DISTINCT ticket_id) FROM appointments_ticketevent WHERE action = 'call'") == 200
    # every call by a counter that handles the ticket's service
    assert not TicketEvent.objects.filter(action="call", service=second, counter__number__lte=10).exists()


def test_twenty_kiosks_hand_out_500_numbers_without_gap_or_repeat():
    service, centre = queue_setup(letter="K")
    now = timezone.now()

    def work(_index):
        for _ in range(25):
            queue.ticket_issue(centre=centre, service=service, now=now)

    errors = run_together(20, work)

    assert errors == []
    numbers = sorted(Ticket.objects.filter(centre=centre, letter="K").values_list("number", flat=True))
    assert numbers == list(range(1, 501))
    assert sql_value("SELECT last_number FROM appointments_ticketnumberseries WHERE centre_id = %s", [centre.pk]) == 500


def test_double_clicks_at_one_counter_call_one_ticket():
    service, centre = queue_setup(counters=1)
    for _ in range(5):
        queue.ticket_issue(centre=centre, service=service)
    counter = Counter.objects.get(centre=centre)
    operator = operator_at(centre)
    queue.counter_session_open(counter=counter, operator=operator)
    results = []

    def work(_index):
        try:
            results.append(queue.ticket_call_next(counter=counter, operator=operator).pk)
        except queue.CounterBusy:
            results.append("busy")

    errors = run_together(8, work)

    assert errors == []
    assert results.count("busy") == 7
    assert Ticket.objects.filter(status=TicketStatus.CALLED, counter=counter).count() == 1


def test_a_booking_checked_in_twice_at_once_gets_one_ticket():
    service, centre = queue_setup()
    starts_at = tomorrow_at(centre, 10)
    booking = appointment_book(
        service=service, centre=centre, starts_at=starts_at, booked_by=operator_at(centre), **citizen()
    ).appointment
    tickets = []

    def work(_index):
        tickets.append(queue.ticket_check_in_appointment(appointment=booking, now=starts_at).pk)

    errors = run_together(6, work)

    assert errors == []
    assert len(set(tickets)) == 1 and len(tickets) == 6
    assert Ticket.objects.filter(appointment=booking).count() == 1
    assert TicketNumberSeries.objects.get(centre=centre).last_number == 1
