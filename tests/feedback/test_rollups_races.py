"""Roll-ups under concurrency, on real PostgreSQL connections released together by a barrier:
deltas for the same centre-day never lose a count (the upsert is atomic), and a rebuild of
that day running among them neither loses nor doubles one (the day's advisory lock keeps the
rebuild and the deltas from interleaving). Without the lock, the rebuild can delete a row a
delta has just added to, or insert rows a committed delta then adds to again."""

import datetime as dt
import threading

import pytest
from django.db import connection

from appointments import queue
from centres.models import Counter
from feedback.models import CentreDay, ServiceDay, StaffDay
from feedback.rollups import rollups_rebuild
from feedback.tasks import rollups_reconcile
from tests.appointments.queue_factories import operator_at, queue_setup
from tests.feedback.rollup_scenario import FIRST_DAY, at, rate, snapshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

COUNTERS = 8


def run_together(works) -> list:
    """Run each callable in its own thread (own connection), all released at once; returns errors."""
    barrier = threading.Barrier(len(works))
    errors = []

    def runner(work):
        try:
            barrier.wait()
            work()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return errors


@pytest.fixture
def busy_centre():
    """A centre with COUNTERS counters: at each, one visit already done (to be rated) and one
    citizen being served (to be completed)."""
    service, centre = queue_setup(counters=COUNTERS)
    done, serving = [], []
    for number in range(1, COUNTERS + 1):
        counter = Counter.objects.get(centre=centre, number=number)
        operator = operator_at(centre)
        queue.counter_session_open(counter=counter, operator=operator, now=at(FIRST_DAY, 8))
        for index, bucket in enumerate((done, serving)):
            issued = at(FIRST_DAY, 9 + index, number)
            ticket = queue.ticket_issue(centre=centre, service=service, now=issued)
            queue.ticket_call_next(counter=counter, operator=operator, now=issued + dt.timedelta(minutes=number))
            queue.ticket_start(ticket=ticket, operator=operator, now=issued + dt.timedelta(minutes=number + 1))
            if bucket is done:
                ticket = queue.ticket_complete(
                    ticket=ticket, operator=operator, now=issued + dt.timedelta(minutes=number + 6)
                )
            bucket.append((ticket, operator))
    return centre, done, serving


def test_concurrent_visits_ratings_and_rebuilds_of_one_centre_day_count_exactly(busy_centre):
    centre, done, serving = busy_centre
    finished_at = at(FIRST_DAY, 11, 30)

    def complete(ticket, operator):
        return lambda: queue.ticket_complete(ticket=ticket, operator=operator, now=finished_at)

    def rating(ticket, score):
        return lambda: rate(ticket, score, now=finished_at, waiting=score)

    def rebuild():
        rollups_rebuild(first_day=FIRST_DAY, last_day=FIRST_DAY)

    works = [complete(ticket, operator) for ticket, operator in serving]
    works += [rating(ticket, 1 + index % 5) for index, (ticket, _operator) in enumerate(done)]
    works += [rebuild, rebuild, rebuild]

    # when: all at once
    errors = run_together(works)

    # then: nothing failed, every visit and rating counted once, in every table
    assert errors == []
    row = CentreDay.objects.get(centre=centre, day=FIRST_DAY)
    scores = [1 + index % 5 for index in range(COUNTERS)]
    assert (row.visits, row.waits, row.ratings) == (2 * COUNTERS, 2 * COUNTERS, COUNTERS)
    assert (row.score_sum, row.waiting_sum, row.waiting_count) == (sum(scores), sum(scores), COUNTERS)
    assert sum(s.visits for s in ServiceDay.objects.filter(day=FIRST_DAY)) == 2 * COUNTERS
    staff = StaffDay.objects.filter(day=FIRST_DAY)
    assert staff.count() == COUNTERS
    assert sorted((s.visits, s.ratings) for s in staff) == [(2, 1)] * COUNTERS
    # and a rebuild now changes nothing
    settled = snapshot()
    rollups_rebuild(first_day=FIRST_DAY, last_day=FIRST_DAY)
    assert snapshot() == settled


def test_the_reconcile_task_run_twice_at_once_gives_the_same_rows(busy_centre):
    # given: the day's rows as the deltas left them, then lost
    for ticket, operator in busy_centre[2]:
        queue.ticket_complete(ticket=ticket, operator=operator, now=at(FIRST_DAY, 11, 30))
    expected = snapshot()
    CentreDay.objects.all().delete()
    ServiceDay.objects.all().delete()

    def reconcile():
        rollups_reconcile.apply(args=[FIRST_DAY.isoformat(), FIRST_DAY.isoformat()]).get(propagate=True)

    # when: two beats (or a beat and a redelivery) run it at the same moment, four times over
    errors = run_together([reconcile] * 4)

    # then
    assert errors == []
    assert snapshot() == expected
