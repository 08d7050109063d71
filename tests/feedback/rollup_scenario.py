"""Days of real queue and booking events, driven through the services, for the roll-up tests.

Every visit, no-show, booking and rating below goes through appointments.queue,
appointments.services / arrival and feedback.ratings.rating_submit, so the roll-ups are
written by the signal receivers and the rating service exactly as in production.
"""

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from appointments import queue
from appointments.arrival import ArrivedTooLate, appointments_lapse_late
from appointments.services import appointment_book
from centres.models import Counter
from feedback.models import ROLLUP_MODELS, Rating, RatingChannel
from feedback.ratings import rating_submit
from tests.appointments.factories import citizen
from tests.appointments.queue_factories import another_service, operator_at, queue_setup

BAKU = dt.timezone(dt.timedelta(hours=4))
# A Monday far enough ahead that no test's real "now" interferes.
FIRST_DAY = dt.date(2030, 3, 4)


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A time on `day` in Baku (UTC+4, no daylight saving)."""
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=BAKU)


def snapshot() -> dict[str, list[dict]]:
    """Every roll-up row, without id and updated_at, in a stable order."""
    rows = {}
    for model in ROLLUP_MODELS:
        dicts = [
            {k: v for k, v in model_to_dict(row).items() if k not in ("id", "updated_at")}
            for row in model.objects.all()
        ]
        rows[model.__name__] = sorted(dicts, key=lambda d: tuple(sorted((k, str(v)) for k, v in d.items())))
    return rows


def rate(ticket, score: int, *, now: dt.datetime, channel=RatingChannel.COUNTER, **aspects) -> Rating:
    """A rating of a completed visit through the rating service (which counts it in the
    roll-ups in its transaction). A link rating needs the invitation the visit got."""
    return rating_submit(ticket=ticket, score=score, aspects=aspects, channel=channel, now=now)


class Desk:
    """A counter with its operator signed in."""

    def __init__(self, counter, operator, now):
        self.counter, self.operator = counter, operator
        queue.counter_session_open(counter=counter, operator=operator, now=now)

    def serve(self, *, centre, service, issued: dt.datetime, wait: dt.timedelta, service_time=dt.timedelta(minutes=5)):
        """Issue a ticket, call it after `wait`, serve it; returns the completed ticket."""
        ticket = queue.ticket_issue(centre=centre, service=service, now=issued)
        called = queue.ticket_call_next(counter=self.counter, operator=self.operator, now=issued + wait)
        assert called.pk == ticket.pk
        return self.finish(ticket, started=issued + wait + dt.timedelta(seconds=30), service_time=service_time)

    def finish(self, ticket, *, started: dt.datetime, service_time=dt.timedelta(minutes=5)):
        queue.ticket_start(ticket=ticket, operator=self.operator, now=started)
        return queue.ticket_complete(ticket=ticket, operator=self.operator, now=started + service_time)

    def no_show(self, *, centre, service, issued: dt.datetime):
        ticket = queue.ticket_issue(centre=centre, service=service, now=issued)
        called_at = issued + dt.timedelta(minutes=3)
        queue.ticket_call_next(counter=self.counter, operator=self.operator, now=called_at)
        for minutes in (1, 2):
            queue.ticket_recall(ticket=ticket, operator=self.operator, now=called_at + dt.timedelta(minutes=minutes))
        return queue.ticket_no_show(ticket=ticket, operator=self.operator, now=called_at + dt.timedelta(minutes=3))


class World:
    """Two centres: A with two services and two counters, B with one service and one counter."""

    def __init__(self):
        start = at(FIRST_DAY, 8)
        self.service_a1, self.centre_a = queue_setup(counters=2, letter="A")
        self.service_a2 = another_service(self.centre_a, letter="B", counters=[1, 2])
        self.service_b, self.centre_b = queue_setup(counters=1, letter="C")
        self.desk_a1 = Desk(Counter.objects.get(centre=self.centre_a, number=1), operator_at(self.centre_a), start)
        self.desk_a2 = Desk(Counter.objects.get(centre=self.centre_a, number=2), operator_at(self.centre_a), start)
        self.desk_b = Desk(Counter.objects.get(centre=self.centre_b, number=1), operator_at(self.centre_b), start)
        self.booker = operator_at(self.centre_a, username="booker")


# Waits (seconds) chosen to hit every histogram bucket, and both sides of its edges.
WAITS = [30, 120, 121, 299, 300, 301, 600, 899, 1100, 1500, 2000, 2700, 3000, 4000, 5400, 7000, 7200, 7201, 9000]


def play_day(world: World, day: dt.date, *, variant: int = 0) -> list:
    """One day of events at both centres; returns the completed tickets (some rated)."""
    completed = []
    # Walk-ins at A, alternating services and counters, every wait of the histogram.
    for index, seconds in enumerate(WAITS[variant % 3 :]):
        desk = world.desk_a1 if index % 2 == 0 else world.desk_a2
        service = world.service_a1 if index % 3 else world.service_a2
        issued = at(day, 9) + dt.timedelta(minutes=10 * index)
        completed.append(
            desk.serve(centre=world.centre_a, service=service, issued=issued, wait=dt.timedelta(seconds=seconds))
        )
    # B: a few visits and a no-show.
    for index in range(2 + variant):
        issued = at(day, 10) + dt.timedelta(minutes=30 * index)
        completed.append(
            world.desk_b.serve(
                centre=world.centre_b,
                service=world.service_b,
                issued=issued,
                wait=dt.timedelta(minutes=4 * index + 1, seconds=17),
            )
        )
    world.desk_b.no_show(centre=world.centre_b, service=world.service_b, issued=at(day, 15))
    world.desk_a1.no_show(centre=world.centre_a, service=world.service_a2, issued=at(day, 15, 30))

    # A transfer: first called at A1 after 5 minutes, sent to the other service, called again
    # at A2 much later; the wait counts to the FIRST call.
    ticket = queue.ticket_issue(centre=world.centre_a, service=world.service_a1, now=at(day, 16))
    queue.ticket_call_next(counter=world.desk_a1.counter, operator=world.desk_a1.operator, now=at(day, 16, 5))
    queue.ticket_transfer(ticket=ticket, operator=world.desk_a1.operator, service=world.service_a2, now=at(day, 16, 6))
    queue.ticket_call_next(counter=world.desk_a2.counter, operator=world.desk_a2.operator, now=at(day, 16, 40))
    completed.append(world.desk_a2.finish(ticket, started=at(day, 16, 41)))

    # Bookings at A: kept (checked in and served), missed (never came), late (lapses at check-in).
    kept, missed, late = (
        appointment_book(
            service=world.service_a1,
            centre=world.centre_a,
            starts_at=at(day, hour),
            booked_by=world.booker,
            now=at(day, 8) - dt.timedelta(days=1),
            **citizen(),
        ).appointment
        for hour in (11, 12, 13)
    )
    booked_ticket = queue.ticket_check_in_appointment(appointment=kept, now=at(day, 10, 55))
    queue.ticket_call_next(counter=world.desk_a1.counter, operator=world.desk_a1.operator, now=at(day, 11, 2))
    completed.append(world.desk_a1.finish(booked_ticket, started=at(day, 11, 3)))
    with pytest.raises(ArrivedTooLate):
        queue.ticket_check_in_appointment(appointment=late, now=at(day, 13, 20))
    appointments_lapse_late(now=at(day, 12, 30))  # `missed` lapses; `late` already has
    missed.refresh_from_db()
    assert missed.status == "lapsed"

    # Ratings for about two thirds of the visits, with and without aspects.
    for index, ticket in enumerate(completed):
        if index % 3 == 2:
            continue
        aspects = {"waiting": 1 + (index % 5), "courtesy": 5} if index % 2 else {}
        if index % 4 == 1:
            aspects["premises"] = 3
        rate(ticket, 1 + (index * 7 + variant) % 5, now=ticket.completed_at + dt.timedelta(minutes=20), **aspects)
    return completed
