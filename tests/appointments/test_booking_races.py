"""Race real PostgreSQL connections for the same counter time.

Each thread has its own database connection (Django gives one per thread); a barrier
releases them together. Two things stand between two citizens and one counter time: the
booking service's counter lock (`_lock_counters`, FOR NO KEY UPDATE), which serialises
writers to the same counters, and the database's exclusion constraint (migration
appointments/0002), which is the guarantee. The first two tests run the service as it is,
so either one alone keeps them green. The last two bypass the lock and hold every thread
until all have seen the time free: with the constraint exactly one booking per time wins
and the rest get `slot_taken`; with the constraint dropped the same race double-books, so
the constraint, not the lock, is what holds (docs/adr/0008).
"""

import datetime as dt
import random
import threading

import pytest
from django.db import connection, transaction

from appointments import availability
from appointments import services as booking_services
from appointments.errors import BookingError, SlotTaken
from appointments.models import ACTIVE_STATUSES, Appointment
from appointments.services import appointment_book, appointment_cancel, appointment_reschedule
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OVERLAPS_SQL = """
    SELECT count(*) FROM appointments_appointment a
    JOIN appointments_appointment b
      ON a.counter_id = b.counter_id AND a.id < b.id
     AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
    WHERE a.status IN %s AND b.status IN %s
"""


def overlapping_pairs() -> int:
    statuses = tuple(str(s) for s in ACTIVE_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS_SQL, [statuses, statuses])
        return cursor.fetchone()[0]


def run_together(workers: int, work) -> None:
    barrier = threading.Barrier(workers)

    def runner(index):
        try:
            barrier.wait()
            work(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


@pytest.fixture
def no_walk_in_share(settings):
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "WALK_IN_SHARE": 0, "SLOT_STEP_MINUTES": 20}


def test_fifty_connections_race_for_the_last_three_times_of_one_counter(no_walk_in_share):
    # given: one counter, open 09:00-11:00, 20-minute service; 09:00-10:00 already booked
    service, centre = bookable_setup(counters=1, duration=20, opens=dt.time(9), closes=dt.time(11))
    for hour, minute in ((9, 0), (9, 20), (9, 40)):
        appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, hour, minute), **citizen())
    last_free = [tomorrow_at(centre, 10, m) for m in (0, 20, 40)]
    assert [s.starts_at for s in availability.day_slots(service=service, centre=centre, day=last_free[0].date())] == (
        last_free
    )
    people = [citizen() for _ in range(50)]
    won, taken, errors = [], [], []

    # when: 50 citizens press "book" at the same moment, each for one of the three times
    def book(i):
        try:
            result = appointment_book(service=service, centre=centre, starts_at=last_free[i % 3], **people[i])
            won.append(result.appointment.pk)
        except SlotTaken as refusal:
            taken.append(refusal)
        except Exception as error:  # noqa: BLE001 - any other outcome is a failure to report
            errors.append(repr(error))

    run_together(50, book)

    # then
    assert errors == []
    assert len(won) == 3
    assert len(taken) == 47
    assert all(r.status_code == 409 and r.code == "slot_taken" for r in taken)
    assert overlapping_pairs() == 0
    assert Appointment.objects.filter(status__in=ACTIVE_STATUSES).count() == 6


def test_thousands_of_random_book_cancel_and_move_operations_never_overlap(no_walk_in_share):
    # given: three counters, a 20-minute service, a busy day
    service, centre = bookable_setup(counters=3, duration=20, opens=dt.time(9), closes=dt.time(13))
    day_starts = [tomorrow_at(centre, 9) + dt.timedelta(minutes=20 * k) for k in range(12)]
    workers, operations = 10, 250
    unexpected = []
    counts = {"booked": 0, "cancelled": 0, "moved": 0, "refused": 0}
    lock = threading.Lock()

    def work(worker):
        rng = random.Random(worker)
        mine = []
        for step in range(operations):
            action = rng.choice(["book", "book", "cancel", "move"]) if mine else "book"
            try:
                if action == "book":
                    result = appointment_book(
                        service=service,
                        centre=centre,
                        starts_at=rng.choice(day_starts),
                        **citizen(100_000 + worker * 10_000 + step),
                    )
                    mine.append(result.appointment)
                    outcome = "booked"
                elif action == "cancel":
                    appointment_cancel(appointment=mine.pop(rng.randrange(len(mine))))
                    outcome = "cancelled"
                else:
                    appointment_reschedule(appointment=rng.choice(mine), starts_at=rng.choice(day_starts))
                    outcome = "moved"
            except BookingError:
                outcome = "refused"
            except Exception as error:  # noqa: BLE001
                unexpected.append(repr(error))
                continue
            with lock:
                counts[outcome] += 1

    # when
    run_together(workers, work)

    # then: no errors, every kind of operation happened, and SQL finds no overlap
    assert unexpected == []
    assert sum(counts.values()) == workers * operations
    assert counts["booked"] > 0 and counts["cancelled"] > 0 and counts["moved"] > 0 and counts["refused"] > 0
    assert overlapping_pairs() == 0


@pytest.fixture
def lock_bypassed(monkeypatch):
    """The counter lock becomes a no-op; once armed with the number of racers, every booking
    waits after reading availability until all the racers have read it: each of them has
    seen its time free before the first one inserts, so only the database can refuse the
    later ones."""
    real_slot_at = availability.slot_at
    seen = threading.local()
    state = {}

    def slot_at_then_wait(**kwargs):
        slot = real_slot_at(**kwargs)
        if "barrier" in state and not getattr(seen, "waited", False):
            seen.waited = True
            state["barrier"].wait(timeout=60)
        return slot

    monkeypatch.setattr(booking_services, "_lock_counters", lambda counter_ids: None)
    monkeypatch.setattr(availability, "slot_at", slot_at_then_wait)

    def arm(racers: int) -> None:
        state["barrier"] = threading.Barrier(racers)

    return arm


@pytest.fixture
def overlap_constraint_dropped():
    """Drop the exclusion constraint for one test (committed, so the racing connections see
    it) and put back exactly the definition PostgreSQL had, after removing the overlapping
    rows the test made (the constraint could not be re-added over them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'appointment_no_overlap_per_counter'"
        )
        definition = cursor.fetchone()[0]
        cursor.execute("ALTER TABLE appointments_appointment DROP CONSTRAINT appointment_no_overlap_per_counter")
    try:
        yield
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE appointments_appointment CASCADE")
            cursor.execute(
                "ALTER TABLE appointments_appointment ADD CONSTRAINT appointment_no_overlap_per_counter " + definition
            )


def race_for_last_three_times(racers: int, *, before_race):
    """One counter open 09:00-11:00, a 20-minute service, 09:00-10:00 already booked;
    `racers` citizens book 10:00, 10:20 and 10:40 at once. Returns (won, taken, errors)."""
    service, centre = bookable_setup(counters=1, duration=20, opens=dt.time(9), closes=dt.time(11))
    for hour, minute in ((9, 0), (9, 20), (9, 40)):
        appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, hour, minute), **citizen())
    last_free = [tomorrow_at(centre, 10, m) for m in (0, 20, 40)]
    people = [citizen() for _ in range(racers)]
    won, taken, errors = [], [], []
    before_race(racers)

    def book(i):
        try:
            result = appointment_book(service=service, centre=centre, starts_at=last_free[i % 3], **people[i])
            won.append(result.appointment.pk)
        except SlotTaken as refusal:
            taken.append(refusal)
        except Exception as error:  # noqa: BLE001 - any other outcome is a failure to report
            errors.append(repr(error))

    run_together(racers, book)
    return won, taken, errors


def test_the_exclusion_constraint_alone_refuses_the_race_when_the_counter_lock_is_bypassed(
    no_walk_in_share, lock_bypassed
):
    # given: the counter lock is a no-op and the 30 racers will all see their time free
    # when
    won, taken, errors = race_for_last_three_times(30, before_race=lock_bypassed)

    # then: one winner per time; the database refused the other 27, which the service
    # turned into the friendly 409 (not an IntegrityError, not a 500)
    assert errors == []
    assert len(won) == 3
    assert len(taken) == 27
    assert all(r.status_code == 409 and r.code == "slot_taken" for r in taken)
    assert all(r.message == str(booking_services.MESSAGES["slot_taken"]) for r in taken)
    assert overlapping_pairs() == 0


def test_without_the_constraint_and_the_lock_the_same_race_double_books(
    no_walk_in_share, lock_bypassed, overlap_constraint_dropped
):
    # given: no counter lock and no exclusion constraint
    # when
    won, taken, errors = race_for_last_three_times(30, before_race=lock_bypassed)

    # then: nothing refuses the racers, so every one of them "books" and the counter is
    # double-booked: the previous test's single winners are the constraint's doing
    assert errors == []
    assert taken == []
    assert len(won) == 30
    assert overlapping_pairs() > 0
