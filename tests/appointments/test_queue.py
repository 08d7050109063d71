"""The queue services (appointments/queue.py) and selectors (queue_selectors.py), one action at a time."""

import datetime as dt

import pytest
from django.utils import timezone, translation
from django.utils.functional import Promise

from appointments import queue
from appointments.arrival import ArrivedTooLate
from appointments.models import (
    Appointment,
    AppointmentStatus,
    CounterSession,
    Ticket,
    TicketEvent,
    TicketNumberSeries,
    TicketStatus,
)
from appointments.queue_errors import (
    QUEUE_MESSAGES,
    CounterBusy,
    IllegalTicketAction,
    InvalidTicketDetails,
    NoOpenSession,
    QueueError,
    ServiceNotOffered,
    SessionConflict,
    TooFewRecalls,
    WrongCentre,
)
from appointments.queue_selectors import display_feed, queue_snapshot, ticket_get_public, ticket_position
from appointments.services import appointment_book
from centres.models import Counter
from tests.appointments.factories import citizen, tomorrow_at
from tests.appointments.queue_factories import another_service, operator_at, priority_group, queue_setup
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def desk(now):
    """One service, two counters, an operator signed in at counter 1."""
    service, centre = queue_setup(counters=2, letter="B")
    counter = Counter.objects.get(centre=centre, number=1)
    operator = operator_at(centre)
    session = queue.counter_session_open(counter=counter, operator=operator, now=now)
    return service, centre, counter, operator, session


def later(now, minutes):
    return now + dt.timedelta(minutes=minutes)


# --- issuing -------------------------------------------------------------------------------


def test_tickets_are_numbered_per_letter_and_restart_each_day(now):
    service, centre = queue_setup(letter="B")
    other = another_service(centre, letter="C", counters=[1])
    first = queue.ticket_issue(centre=centre, service=service, now=now)
    second = queue.ticket_issue(centre=centre, service=service, now=now)
    third = queue.ticket_issue(centre=centre, service=other, now=now)
    tomorrow = queue.ticket_issue(centre=centre, service=service, now=now + dt.timedelta(days=1))

    assert [first.display_code, second.display_code, third.display_code] == ["B-001", "B-002", "C-001"]
    assert tomorrow.display_code == "B-001"
    assert tomorrow.date == first.date + dt.timedelta(days=1)
    assert TicketNumberSeries.objects.get(centre=centre, date=first.date, letter="B").last_number == 2
    assert first.public_token != second.public_token and len(first.public_token) >= 24
    event = TicketEvent.objects.get(ticket=first)
    assert (event.action, event.to_status, event.service_id, event.at) == ("issue", "waiting", service.pk, now)


def test_the_day_is_the_centres_local_day():
    service, centre = queue_setup()
    # 22:30 UTC is already the next day in Baku (UTC+4).
    late_evening = dt.datetime(2030, 3, 4, 22, 30, tzinfo=dt.UTC)
    ticket = queue.ticket_issue(centre=centre, service=service, now=late_evening)
    assert ticket.date == dt.date(2030, 3, 5)


def test_issue_refuses_a_service_not_offered_here(now):
    _service, centre = queue_setup()
    elsewhere = ServiceFactory()
    with pytest.raises(ServiceNotOffered) as refusal:
        queue.ticket_issue(centre=centre, service=elsewhere, now=now)
    assert refusal.value.status_code == 400
    assert not Ticket.objects.exists()


def test_issue_normalises_the_phone_and_refuses_a_bad_one(now):
    service, centre = queue_setup()
    ticket = queue.ticket_issue(centre=centre, service=service, phone="050 123 45 67", now=now)
    assert ticket.phone == "+994501234567"
    with translation.override("az"), pytest.raises(InvalidTicketDetails) as refusal:
        queue.ticket_issue(centre=centre, service=service, phone="12", now=now)
    assert "phone" in refusal.value.fields


def test_issue_refuses_another_centres_priority_group(now):
    service, centre = queue_setup()
    _other_service, other_centre = queue_setup()
    with pytest.raises(InvalidTicketDetails):
        queue.ticket_issue(centre=centre, service=service, priority_group=priority_group(other_centre), now=now)


# --- counter sessions ----------------------------------------------------------------------


def test_operator_signs_in_only_at_a_counter_of_their_centre(now):
    _service, centre = queue_setup()
    _other_service, other_centre = queue_setup()
    stranger = operator_at(other_centre)
    with pytest.raises(WrongCentre) as refusal:
        queue.counter_session_open(counter=Counter.objects.get(centre=centre), operator=stranger, now=now)
    assert refusal.value.status_code == 403


def test_one_live_session_per_counter_and_per_operator(desk, now):
    _service, centre, counter, operator, session = desk
    assert queue.counter_session_open(counter=counter, operator=operator, now=now) == session
    with pytest.raises(SessionConflict):
        queue.counter_session_open(counter=counter, operator=operator_at(centre), now=now)
    with pytest.raises(SessionConflict) as refusal:
        queue.counter_session_open(counter=Counter.objects.get(centre=centre, number=2), operator=operator, now=now)
    assert "1" in refusal.value.message


def test_pause_resume_close(desk, now):
    service, centre, counter, operator, session = desk
    queue.ticket_issue(centre=centre, service=service, now=now)
    queue.counter_session_pause(session=session, now=now)
    with pytest.raises(NoOpenSession) as refusal:
        queue.ticket_call_next(counter=counter, operator=operator, now=now)
    assert refusal.value.status_code == 409
    with pytest.raises(SessionConflict):
        queue.counter_session_pause(session=session, now=now)
    queue.counter_session_resume(session=session, now=now)
    ticket = queue.ticket_call_next(counter=counter, operator=operator, now=now)
    with pytest.raises(CounterBusy):
        queue.counter_session_close(session=session, now=now)
    queue.ticket_start(ticket=ticket, operator=operator, now=now)
    queue.ticket_complete(ticket=ticket, operator=operator, now=now)
    closed = queue.counter_session_close(session=session, now=later(now, 1))
    assert (closed.status, closed.closed_at) == ("closed", later(now, 1))
    with pytest.raises(NoOpenSession):
        queue.ticket_call_next(counter=counter, operator=operator, now=now)


# --- call-next -----------------------------------------------------------------------------


def test_call_next_needs_a_session_at_this_counter(desk, now):
    service, centre, _counter, operator, _session = desk
    queue.ticket_issue(centre=centre, service=service, now=now)
    with pytest.raises(NoOpenSession):
        queue.ticket_call_next(counter=Counter.objects.get(centre=centre, number=2), operator=operator, now=now)


def test_call_next_refuses_an_operator_of_another_centre(desk, now):
    service, centre, counter, _operator, _session = desk
    queue.ticket_issue(centre=centre, service=service, now=now)
    _s, other_centre = queue_setup()
    with pytest.raises(WrongCentre):
        queue.ticket_call_next(counter=counter, operator=operator_at(other_centre), now=now)
    assert Ticket.objects.get().status == TicketStatus.WAITING


def test_call_next_returns_none_when_nobody_waits(desk, now):
    _service, _centre, counter, operator, _session = desk
    assert queue.ticket_call_next(counter=counter, operator=operator, now=now) is None


def test_call_next_order_due_appointments_then_priority_then_first_come(desk, now):
    service, centre, counter, operator, _session = desk
    walk_in = queue.ticket_issue(centre=centre, service=service, now=now)
    low = queue.ticket_issue(
        centre=centre, service=service, priority_group=priority_group(centre, code="elderly", rank=2), now=later(now, 1)
    )
    high = queue.ticket_issue(
        centre=centre,
        service=service,
        priority_group=priority_group(centre, code="disability", rank=1),
        now=later(now, 2),
    )
    due = queue.ticket_issue(centre=centre, service=service, now=later(now, 3))
    not_yet_due = queue.ticket_issue(centre=centre, service=service, now=later(now, 3))
    Ticket.objects.filter(pk=due.pk).update(due_at=later(now, 4))
    Ticket.objects.filter(pk=not_yet_due.pk).update(due_at=later(now, 60))

    called = []
    for step in range(5):
        ticket = queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 5 + step))
        if ticket is None:
            break
        called.append(ticket.pk)
        queue.ticket_start(ticket=ticket, operator=operator, now=later(now, 5 + step))
        queue.ticket_complete(ticket=ticket, operator=operator, now=later(now, 5 + step))
    assert called == [due.pk, high.pk, low.pk, walk_in.pk]
    # The other appointment is called from its time on.
    assert queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 61)).pk == not_yet_due.pk


def test_call_next_takes_only_services_the_counter_handles(desk, now):
    service, centre, counter, operator, _session = desk
    other = another_service(centre, letter="C", counters=[2])
    queue.ticket_issue(centre=centre, service=other, now=now)
    assert queue.ticket_call_next(counter=counter, operator=operator, now=now) is None
    mine = queue.ticket_issue(centre=centre, service=service, now=later(now, 1))
    assert queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 1)).pk == mine.pk


def test_call_next_refuses_while_a_ticket_is_at_the_counter(desk, now):
    service, centre, counter, operator, _session = desk
    first = queue.ticket_issue(centre=centre, service=service, now=now)
    queue.ticket_issue(centre=centre, service=service, now=now)
    queue.ticket_call_next(counter=counter, operator=operator, now=now)
    with translation.override("en"), pytest.raises(CounterBusy) as refusal:
        queue.ticket_call_next(counter=counter, operator=operator, now=now)
    assert refusal.value.status_code == 409
    assert first.display_code in refusal.value.message
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 1


def test_call_records_counter_operator_and_time(desk, now):
    service, centre, counter, operator, _session = desk
    issued = queue.ticket_issue(centre=centre, service=service, now=now)
    ticket = queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 7))
    ticket.refresh_from_db()
    assert (ticket.pk, ticket.status, ticket.counter, ticket.operator) == (issued.pk, "called", counter, operator)
    assert ticket.called_at == later(now, 7)
    event = ticket.events.get(action="call")
    assert (event.counter, event.operator, event.from_status, event.to_status) == (
        counter,
        operator,
        "waiting",
        "called",
    )


# --- the ticket at the counter -------------------------------------------------------------


@pytest.fixture
def called(desk, now):
    service, centre, counter, operator, _session = desk
    queue.ticket_issue(centre=centre, service=service, now=now)
    return queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 1)), operator


def test_start_and_complete_record_times_and_outcome(called, now):
    ticket, operator = called
    queue.ticket_start(ticket=ticket, operator=operator, now=later(now, 2))
    done = queue.ticket_complete(ticket=ticket, operator=operator, outcome=" Passport issued ", now=later(now, 9))
    done.refresh_from_db()
    assert (done.status, done.started_at, done.completed_at, done.outcome) == (
        "completed",
        later(now, 2),
        later(now, 9),
        "Passport issued",
    )
    assert list(done.events.values_list("action", flat=True)) == ["issue", "call", "start", "complete"]


def test_complete_before_start_is_refused_with_a_translated_409(called, now):
    ticket, operator = called
    with translation.override("en"), pytest.raises(IllegalTicketAction) as refusal:
        queue.ticket_complete(ticket=ticket, operator=operator, now=now)
    assert refusal.value.status_code == 409
    assert "Called to a counter" in refusal.value.message


def test_refusal_messages_go_through_gettext():
    # The texts are translated when the message is built, in the request's language.
    assert all(isinstance(message, Promise) for message in QUEUE_MESSAGES.values())


def test_no_show_only_after_the_recalls(called, now, settings):
    ticket, operator = called
    settings.QUEUE = {**settings.QUEUE, "RECALLS_BEFORE_NO_SHOW": 2}
    with pytest.raises(TooFewRecalls) as refusal:
        queue.ticket_no_show(ticket=ticket, operator=operator, now=now)
    assert refusal.value.status_code == 409
    queue.ticket_recall(ticket=ticket, operator=operator, now=later(now, 2))
    queue.ticket_recall(ticket=ticket, operator=operator, now=later(now, 3))
    gone = queue.ticket_no_show(ticket=ticket, operator=operator, now=later(now, 4))
    gone.refresh_from_db()
    assert (gone.status, gone.recalls, gone.completed_at) == ("no_show", 2, later(now, 4))
    with pytest.raises(IllegalTicketAction):
        queue.ticket_recall(ticket=ticket, operator=operator, now=now)


def test_recall_only_a_called_ticket(called, now):
    ticket, operator = called
    queue.ticket_start(ticket=ticket, operator=operator, now=now)
    with pytest.raises(IllegalTicketAction):
        queue.ticket_recall(ticket=ticket, operator=operator, now=now)
    with pytest.raises(IllegalTicketAction):
        queue.ticket_start(ticket=ticket, operator=operator, now=now)


def test_ticket_actions_refuse_operators_of_another_centre(called, now):
    ticket, _operator = called
    _s, other_centre = queue_setup()
    stranger = operator_at(other_centre)
    for action in (queue.ticket_recall, queue.ticket_start, queue.ticket_no_show):
        with pytest.raises(WrongCentre):
            action(ticket=ticket, operator=stranger, now=now)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.recalls) == ("called", 0)


def test_transfer_keeps_the_place_in_line(desk, now):
    service, centre, counter, operator, _session = desk
    other = another_service(centre, letter="C", counters=[2])
    first = queue.ticket_issue(centre=centre, service=service, now=now)
    queue.ticket_issue(centre=centre, service=other, now=later(now, 5))  # came later
    ticket = queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 6))
    assert ticket.pk == first.pk
    queue.ticket_start(ticket=ticket, operator=operator, now=later(now, 7))
    moved = queue.ticket_transfer(ticket=ticket, operator=operator, service=other, now=later(now, 8))
    moved.refresh_from_db()
    assert (moved.status, moved.service, moved.counter, moved.queued_at) == ("waiting", other, None, now)
    assert moved.display_code == first.display_code
    assert moved.events.get(action="transfer").counter == counter

    operator2 = operator_at(centre)
    counter2 = Counter.objects.get(centre=centre, number=2)
    queue.counter_session_open(counter=counter2, operator=operator2, now=now)
    # ahead of the C ticket issued later
    assert queue.ticket_call_next(counter=counter2, operator=operator2, now=later(now, 9)).pk == first.pk


def test_transfer_to_a_counter_only_that_counter_calls_it(desk, now):
    service, centre, counter, operator, _session = desk
    ticket = queue.ticket_issue(centre=centre, service=service, now=now)
    queue.ticket_call_next(counter=counter, operator=operator, now=now)
    counter2 = Counter.objects.get(centre=centre, number=2)
    queue.ticket_transfer(ticket=ticket, operator=operator, counter=counter2, now=now)
    assert queue.ticket_call_next(counter=counter, operator=operator, now=now) is None
    operator2 = operator_at(centre)
    queue.counter_session_open(counter=counter2, operator=operator2, now=now)
    assert queue.ticket_call_next(counter=counter2, operator=operator2, now=now).pk == ticket.pk


def test_transfer_refusals(called, now):
    ticket, operator = called
    with pytest.raises(InvalidTicketDetails):
        queue.ticket_transfer(ticket=ticket, operator=operator, now=now)
    with pytest.raises(ServiceNotOffered):
        queue.ticket_transfer(ticket=ticket, operator=operator, service=ServiceFactory(), now=now)
    _s, other_centre = queue_setup()
    with pytest.raises(WrongCentre):
        queue.ticket_transfer(
            ticket=ticket, operator=operator, counter=Counter.objects.get(centre=other_centre), now=now
        )
    ticket.refresh_from_db()
    assert ticket.status == "called"


# --- appointments --------------------------------------------------------------------------


def test_check_in_gives_a_ticket_due_at_the_appointment_time():
    service, centre = queue_setup()
    starts_at = tomorrow_at(centre, 10)
    booking = appointment_book(
        service=service, centre=centre, starts_at=starts_at, booked_by=operator_at(centre), **citizen()
    ).appointment
    arrival = starts_at - dt.timedelta(minutes=20)

    ticket = queue.ticket_check_in_appointment(appointment=booking, now=arrival)
    again = queue.ticket_check_in_appointment(appointment=booking, now=arrival)

    assert again.pk == ticket.pk
    assert (ticket.due_at, ticket.queued_at, ticket.phone) == (starts_at, arrival, booking.phone)
    assert Appointment.objects.get(pk=booking.pk).status == AppointmentStatus.CHECKED_IN

    operator = operator_at(centre)
    counter = Counter.objects.get(centre=centre)
    queue.counter_session_open(counter=counter, operator=operator, now=arrival)
    walk_in = queue.ticket_issue(centre=centre, service=service, now=arrival)
    assert queue.ticket_call_next(counter=counter, operator=operator, now=arrival).pk == walk_in.pk
    queue.ticket_start(ticket=walk_in, operator=operator, now=arrival)
    queue.ticket_complete(ticket=walk_in, operator=operator, now=arrival)
    queue.ticket_issue(centre=centre, service=service, now=arrival)
    assert queue.ticket_call_next(counter=counter, operator=operator, now=starts_at).pk == ticket.pk
    queue.ticket_start(ticket=ticket, operator=operator, now=starts_at)
    queue.ticket_complete(ticket=ticket, operator=operator, now=starts_at)
    assert Appointment.objects.get(pk=booking.pk).status == AppointmentStatus.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_check_in_too_late_lapses_the_booking_and_gives_no_ticket():
    service, centre = queue_setup()
    starts_at = tomorrow_at(centre, 10)
    booking = appointment_book(
        service=service, centre=centre, starts_at=starts_at, booked_by=operator_at(centre), **citizen()
    ).appointment
    with pytest.raises(ArrivedTooLate) as refusal:
        queue.ticket_check_in_appointment(appointment=booking, now=starts_at + dt.timedelta(minutes=30))
    assert refusal.value.status_code == 409
    assert Appointment.objects.get(pk=booking.pk).status == AppointmentStatus.LAPSED
    assert not Ticket.objects.exists()


# --- end of day ----------------------------------------------------------------------------


def test_end_of_day_records_the_rest_as_not_served(called, now):
    ticket, operator = called
    centre = ticket.centre
    waiting = queue.ticket_issue(centre=centre, service=ticket.service, now=now)
    count = queue.queue_end_of_day(centre=centre, date=ticket.date, now=later(now, 600))
    assert count == 2
    assert set(Ticket.objects.values_list("status", flat=True)) == {"not_served"}
    assert waiting.events.filter(action="end_of_day", to_status="not_served").exists()
    assert not CounterSession.objects.exclude(status="closed").exists()
    assert queue.queue_end_of_day(centre=centre, date=ticket.date, now=later(now, 601)) == 0
    with pytest.raises(IllegalTicketAction):
        queue.ticket_start(ticket=ticket, operator=operator, now=now)


# --- selectors -----------------------------------------------------------------------------


def test_snapshot_counts_the_day(desk, now):
    service, centre, counter, operator, _session = desk
    other = another_service(centre, letter="C", counters=[2])
    served = queue.ticket_issue(centre=centre, service=service, now=now)
    queue.ticket_issue(centre=centre, service=service, now=later(now, 1))
    queue.ticket_issue(centre=centre, service=other, now=later(now, 2))
    queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 10))
    queue.ticket_start(ticket=served, operator=operator, now=later(now, 10))

    snapshot = queue_snapshot(centre=centre, now=later(now, 20))

    assert (snapshot.issued, snapshot.waiting, snapshot.served, snapshot.no_shows) == (3, 2, 0, 0)
    assert {(row.service, row.waiting) for row in snapshot.services} == {(service, 1), (other, 1)}
    assert snapshot.longest_wait == dt.timedelta(minutes=19)  # the second ticket, still waiting
    assert snapshot.average_wait == dt.timedelta(minutes=10)
    assert (snapshot.counters_open, snapshot.counters_busy, snapshot.counters_paused) == (1, 1, 0)
    assert [state.state for state in snapshot.counters] == ["busy", "closed"]


def test_public_ticket_and_position(desk, now):
    service, centre, counter, operator, _session = desk
    tickets = [queue.ticket_issue(centre=centre, service=service, now=later(now, i)) for i in range(4)]
    last = ticket_get_public(tickets[3].public_token)
    assert last == tickets[3]
    assert ticket_get_public("nope") is None

    ahead, estimate = ticket_position(last, now=later(now, 5))
    assert ahead == 3
    # no recent service times yet: the service's own duration, one open counter
    assert estimate == dt.timedelta(minutes=service.duration_minutes) * 3

    first = queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 5))
    queue.ticket_start(ticket=first, operator=operator, now=later(now, 5))
    queue.ticket_complete(ticket=first, operator=operator, now=later(now, 9))
    ahead, estimate = ticket_position(last, now=later(now, 10))
    assert (ahead, estimate) == (2, dt.timedelta(minutes=8))


def test_position_is_unknown_with_no_counter_open(desk, now):
    service, centre, _counter, _operator, session = desk
    queue.counter_session_pause(session=session, now=now)
    ticket = queue.ticket_issue(centre=centre, service=service, now=now)
    assert ticket_position(ticket, now=now) == (0, None)


def test_display_feed_shows_the_latest_calls_once_each(desk, now):
    service, centre, counter, operator, _session = desk
    a = queue.ticket_issue(centre=centre, service=service, now=now)
    b = queue.ticket_issue(centre=centre, service=service, now=now)
    queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 1))
    queue.ticket_start(ticket=a, operator=operator, now=later(now, 2))
    queue.ticket_complete(ticket=a, operator=operator, now=later(now, 3))
    queue.ticket_call_next(counter=counter, operator=operator, now=later(now, 4))
    queue.ticket_recall(ticket=b, operator=operator, now=later(now, 5))

    feed = display_feed(centre=centre)
    assert [(item.display_code, item.counter_number, item.recall) for item in feed] == [
        (b.display_code, 1, True),
        (a.display_code, 1, False),
    ]
    assert display_feed(centre=centre, limit=1)[0].ticket_id == b.pk


def test_every_refusal_is_a_4xx_queue_error():
    for cls in QueueError.__subclasses__():
        assert 400 <= cls.status_code < 500


# --- notifications hooks -------------------------------------------------------------------


@pytest.fixture
def fake_notifications(monkeypatch):
    """Stand-in for appointments/queue_notifications.py that records the calls."""
    import importlib.machinery
    import sys
    import types

    import appointments

    calls = []
    module = types.ModuleType("appointments.queue_notifications")
    module.__spec__ = importlib.machinery.ModuleSpec("appointments.queue_notifications", None)
    module.ticket_called_notify = lambda *, ticket: calls.append(("called", ticket.pk, ticket.counter.number))
    module.queue_near_notify = lambda *, centre, date: calls.append(("near", centre.pk, date))
    monkeypatch.setitem(sys.modules, "appointments.queue_notifications", module)
    monkeypatch.setattr(appointments, "queue_notifications", module, raising=False)
    return calls


def test_call_and_recall_notify_after_commit(desk, now, fake_notifications, django_capture_on_commit_callbacks):
    service, centre, counter, operator, _session = desk
    issued = queue.ticket_issue(centre=centre, service=service, now=now)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = queue.ticket_call_next(counter=counter, operator=operator, now=now)
    assert fake_notifications == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert fake_notifications == [("called", issued.pk, 1), ("near", centre.pk, issued.date)]
    with django_capture_on_commit_callbacks(execute=True):
        queue.ticket_recall(ticket=ticket, operator=operator, now=now)
    assert fake_notifications[-2:] == [("called", issued.pk, 1), ("near", centre.pk, issued.date)]
