"""The ticket's life as a state machine, explored by hypothesis (stateful testing).

A small model of the queue runs beside the real services: every step is tried on both;
a step the model says is legal must succeed (and call-next must pick the ticket the model
expects), an illegal one must raise a QueueError with a 4xx status and change nothing.
After every step the invariants are checked in the database. Each example gets its own
centre, so examples do not see each other's rows.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from appointments import queue
from appointments.models import AT_COUNTER_STATUSES, CounterSession, Ticket, TicketStatus
from appointments.queue_errors import QueueError
from centres.models import Counter
from tests.appointments.queue_factories import another_service, operator_at, priority_group, queue_setup

pytestmark = pytest.mark.django_db

T = TicketStatus
NO_RANK = 10_000
RECALLS = 1


class QueueMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Counter 1 handles both services, counter 2 only the first, counter 3 only the second.
        first, self.centre = queue_setup(counters=2, letter="A")
        Counter.objects.create(centre=self.centre, number=3)
        second = another_service(self.centre, letter="B", counters=[1, 3])
        self.services = [first, second]
        self.counters = list(Counter.objects.filter(centre=self.centre).order_by("number"))
        self.handles = {1: {first.pk, second.pk}, 2: {first.pk}, 3: {second.pk}}
        self.operators = [operator_at(self.centre) for _ in self.counters]
        self.group = priority_group(self.centre, rank=1)
        self.clock = dt.datetime(2031, 5, 6, 9, 0, tzinfo=self.centre.tz)
        self.sessions = {}  # counter number -> [session, status]
        self.model = {}  # ticket pk -> dict(status, service, counter, target, rank, queued, recalls)
        for counter, operator in zip(self.counters, self.operators, strict=True):
            self.sessions[counter.number] = [
                queue.counter_session_open(counter=counter, operator=operator, now=self.tick()),
                "open",
            ]

    def tick(self):
        self.clock += dt.timedelta(minutes=1)
        return self.clock

    def attempt(self, legal: bool, action):
        """Run `action`; it must succeed when the model says legal, else refuse with a 4xx."""
        try:
            result = action()
        except QueueError as refusal:
            assert not legal, f"a legal step was refused: {refusal.code} {refusal.message}"
            assert 400 <= refusal.status_code < 500
            return None
        assert legal, "an illegal step was allowed"
        return result

    def busy(self, number):
        return any(t["counter"] == number and t["status"] in AT_COUNTER_STATUSES for t in self.model.values())

    def pick(self, index):
        if not self.model:
            return None, None
        pk = sorted(self.model)[index % len(self.model)]
        return Ticket.objects.get(pk=pk), self.model[pk]

    # --- rules -----------------------------------------------------------------------------

    @rule(service=st.integers(0, 1), priority=st.booleans())
    def issue(self, service, priority):
        now = self.tick()
        ticket = queue.ticket_issue(
            centre=self.centre,
            service=self.services[service],
            priority_group=self.group if priority else None,
            now=now,
        )
        self.model[ticket.pk] = {
            "status": T.WAITING,
            "service": self.services[service].pk,
            "counter": None,
            "target": None,
            "rank": 1 if priority else NO_RANK,
            "queued": now,
            "recalls": 0,
        }

    @rule(counter=st.integers(0, 2))
    def call_next(self, counter):
        number = counter + 1
        expected = [
            (t["rank"], t["queued"], pk)
            for pk, t in self.model.items()
            if t["status"] == T.WAITING and t["service"] in self.handles[number] and t["target"] in (None, number)
        ]
        legal = self.sessions[number][1] == "open" and not self.busy(number)
        ticket = self.attempt(
            legal,
            lambda: queue.ticket_call_next(
                counter=self.counters[counter], operator=self.operators[counter], now=self.tick()
            ),
        )
        if not legal:
            return
        if not expected:
            assert ticket is None
            return
        pk = min(expected)[2]
        assert ticket is not None and ticket.pk == pk
        self.model[pk].update(status=T.CALLED, counter=number, target=None, recalls=0)

    @rule(index=st.integers(0, 200))
    def recall(self, index):
        ticket, model = self.pick(index)
        if ticket is None:
            return
        legal = model["status"] == T.CALLED
        if self.attempt(legal, lambda: queue.ticket_recall(ticket=ticket, operator=self.operators[0], now=self.tick())):
            model["recalls"] += 1

    @rule(index=st.integers(0, 200))
    def start(self, index):
        ticket, model = self.pick(index)
        if ticket is None:
            return
        legal = model["status"] == T.CALLED
        if self.attempt(legal, lambda: queue.ticket_start(ticket=ticket, operator=self.operators[1], now=self.tick())):
            model["status"] = T.SERVING

    @rule(index=st.integers(0, 200))
    def complete(self, index):
        ticket, model = self.pick(index)
        if ticket is None:
            return
        legal = model["status"] == T.SERVING
        if self.attempt(
            legal, lambda: queue.ticket_complete(ticket=ticket, operator=self.operators[2], now=self.tick())
        ):
            model["status"] = T.COMPLETED

    @rule(index=st.integers(0, 200))
    def no_show(self, index):
        ticket, model = self.pick(index)
        if ticket is None:
            return
        legal = model["status"] == T.CALLED and model["recalls"] >= RECALLS
        if self.attempt(
            legal, lambda: queue.ticket_no_show(ticket=ticket, operator=self.operators[0], now=self.tick())
        ):
            model["status"] = T.NO_SHOW

    @rule(index=st.integers(0, 200), service=st.none() | st.integers(0, 1), counter=st.none() | st.integers(0, 2))
    def transfer(self, index, service, counter):
        ticket, model = self.pick(index)
        if ticket is None:
            return
        new_service = self.services[service].pk if service is not None else model["service"]
        legal = (
            model["status"] in AT_COUNTER_STATUSES
            and (service is not None or counter is not None)
            and (counter is None or new_service in self.handles[counter + 1])
        )
        result = self.attempt(
            legal,
            lambda: queue.ticket_transfer(
                ticket=ticket,
                operator=self.operators[0],
                service=self.services[service] if service is not None else None,
                counter=self.counters[counter] if counter is not None else None,
                now=self.tick(),
            ),
        )
        if result:
            model.update(
                status=T.WAITING,
                service=new_service,
                counter=None,
                target=counter + 1 if counter is not None else None,
                recalls=0,
            )

    @rule(counter=st.integers(0, 2), action=st.sampled_from(["pause", "resume", "close", "open"]))
    def session(self, counter, action):
        number = counter + 1
        session, status = self.sessions[number]
        now = self.tick()
        if action == "open":
            # Each operator works at their own counter: signing in again returns the live session.
            opened = self.attempt(
                True,
                lambda: queue.counter_session_open(
                    counter=self.counters[counter], operator=self.operators[counter], now=now
                ),
            )
            if status == "closed":
                self.sessions[number] = [opened, "open"]
            else:
                assert opened.pk == session.pk
            return
        legal, to, service = {
            "pause": (status == "open" and not self.busy(number), "paused", queue.counter_session_pause),
            "resume": (status == "paused", "open", queue.counter_session_resume),
            "close": (status != "closed" and not self.busy(number), "closed", queue.counter_session_close),
        }[action]
        if self.attempt(legal, lambda: service(session=session, now=now)):
            self.sessions[number][1] = to

    @rule()
    def end_of_day(self):
        still_open = [pk for pk, t in self.model.items() if t["status"] in queue.OPEN_STATUSES]
        count = queue.queue_end_of_day(centre=self.centre, date=self.clock.date(), now=self.tick())
        assert count == len(still_open)
        for pk in still_open:
            self.model[pk]["status"] = T.NOT_SERVED
        for number in self.sessions:
            self.sessions[number][1] = "closed"

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def database_agrees_with_the_model(self):
        tickets = {t.pk: t for t in Ticket.objects.filter(centre=self.centre)}
        assert set(tickets) == set(self.model), "a ticket was lost or appeared"
        for pk, ticket in tickets.items():
            expected = self.model[pk]
            assert ticket.status == expected["status"]
            assert ticket.service_id == expected["service"]
            assert ticket.queued_at == expected["queued"], "a ticket lost its place in line"
            if ticket.status in AT_COUNTER_STATUSES:
                assert ticket.counter.number == expected["counter"] and ticket.called_at is not None
            if ticket.status == T.WAITING:
                assert ticket.counter_id is None
            if ticket.status == T.COMPLETED:
                assert ticket.called_at <= ticket.started_at <= ticket.completed_at
            if ticket.status in queue.FINAL_STATUSES:
                assert ticket.completed_at is not None
            last = ticket.events.order_by("-at", "-pk").first()
            assert last is not None and last.to_status == ticket.status, "a step was not recorded"

    @invariant()
    def one_ticket_per_counter_and_numbers_without_gaps(self):
        for counter in self.counters:
            assert Ticket.objects.filter(counter=counter, status__in=AT_COUNTER_STATUSES).count() <= 1
        for letter in ("A", "B"):
            numbers = sorted(Ticket.objects.filter(centre=self.centre, letter=letter).values_list("number", flat=True))
            assert numbers == list(range(1, len(numbers) + 1))

    @invariant()
    def sessions_agree(self):
        for session, status in self.sessions.values():
            assert CounterSession.objects.get(pk=session.pk).status == status


def test_no_sequence_of_actions_breaks_the_queue(settings_queue_recalls):
    run_state_machine_as_test(
        QueueMachine,
        settings=hypothesis_settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            derandomize=False,
        ),
    )


@pytest.fixture
def settings_queue_recalls(settings):
    settings.QUEUE = {**settings.QUEUE, "RECALLS_BEFORE_NO_SHOW": RECALLS}
