"""The queue's SMS: "please come to counter N" once per call or recall, "your turn is near" once
per ticket (also when two runs overlap), nothing without a phone, a stale "come to counter"
skipped by the relay, and the texts in the ticket's language.

Tickets are issued and called through appointments.queue; its after-commit hook calls
appointments.queue_notifications, so on_commit callbacks are run where a test needs them.
"""

import threading

import pytest
from django.db import connection

from appointments.models import Notification, NotificationStatus, SmsLogEntry, Ticket
from appointments.notifications import notifications_send_due
from appointments.queue import counter_session_open, ticket_call_next, ticket_issue, ticket_recall, ticket_start
from appointments.queue_notifications import CALLED, NEAR, queue_near_notify, ticket_called_notify
from centres.models import Counter
from tests.appointments.queue_factories import another_service, operator_at, queue_setup

pytestmark = pytest.mark.django_db

PHONE = "+994501234567"


@pytest.fixture
def no_nudge(settings):
    """Messages stay pending until a test relays them itself."""
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "NUDGE_AFTER_COMMIT": False}


@pytest.fixture
def near_three(settings):
    settings.QUEUE = {**settings.QUEUE, "NEAR_AHEAD": 3}


def open_counter(centre, number=1):
    counter = Counter.objects.get(centre=centre, number=number)
    operator = operator_at(centre)
    counter_session_open(counter=counter, operator=operator)
    return counter, operator


def keys(ticket, kind):
    return sorted(Notification.objects.filter(ticket=ticket, kind=kind).values_list("dedup_key", flat=True))


def test_come_to_counter_is_queued_once_per_call_and_once_per_recall(no_nudge, django_capture_on_commit_callbacks):
    # given
    service, centre = queue_setup(letter="B")
    counter, operator = open_counter(centre)
    ticket = ticket_issue(centre=centre, service=service, phone=PHONE, language="en")
    # when: called (the queue's hook runs after commit), then the hook runs a second time
    with django_capture_on_commit_callbacks(execute=True):
        called = ticket_call_next(counter=counter, operator=operator)
    assert ticket_called_notify(ticket=called) is None
    # then
    assert keys(ticket, CALLED) == [f"ticket:{ticket.pk}:called:0"]
    row = Notification.objects.get(ticket=ticket, kind=CALLED)
    assert (row.channel, row.recipient, row.language) == ("sms", PHONE, "en")
    assert row.body.startswith("ASAN: ticket B-001, please come to counter 1 ")
    # when: recalled
    with django_capture_on_commit_callbacks(execute=True):
        ticket_recall(ticket=called, operator=operator)
    # then: a second message, and the relay sends only the current one
    assert keys(ticket, CALLED) == [f"ticket:{ticket.pk}:called:0", f"ticket:{ticket.pk}:called:1"]
    result = notifications_send_due()
    assert (result.sent, result.skipped) == (1, 1)
    sent = SmsLogEntry.objects.get(notification__ticket=ticket)
    assert sent.notification.dedup_key == f"ticket:{ticket.pk}:called:1"
    assert sent.recipient == PHONE


def test_the_relay_sends_the_call_right_after_commit(django_capture_on_commit_callbacks):
    # given
    service, centre = queue_setup()
    counter, operator = open_counter(centre)
    ticket_issue(centre=centre, service=service, phone=PHONE, language="en")
    # when: the after-commit nudge relays in-process (eager Celery in tests)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_call_next(counter=counter, operator=operator)
    # then
    entry = SmsLogEntry.objects.get()
    assert "please come to counter 1" in entry.body
    assert entry.notification.status == NotificationStatus.SENT


def test_no_message_for_a_ticket_without_a_phone(no_nudge, near_three, django_capture_on_commit_callbacks):
    # given
    service, centre = queue_setup()
    counter, operator = open_counter(centre)
    tickets = [ticket_issue(centre=centre, service=service) for _ in range(3)]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        called = ticket_call_next(counter=counter, operator=operator)
        ticket_recall(ticket=called, operator=operator)
    queue_near_notify(centre=centre, date=tickets[0].date)
    # then
    assert not Notification.objects.filter(ticket__in=tickets).exists()
    assert not Ticket.objects.filter(near_notified=True).exists()


def test_turn_is_near_goes_once_to_those_with_few_ahead(no_nudge, near_three, django_capture_on_commit_callbacks):
    # given: six waiting, with phones; 0, 1, ... 5 ahead of them
    service, centre = queue_setup()
    counter, operator = open_counter(centre)
    tickets = [ticket_issue(centre=centre, service=service, phone=PHONE, language="az") for _ in range(6)]
    day = tickets[0].date
    # when: run twice
    first = queue_near_notify(centre=centre, date=day)
    second = queue_near_notify(centre=centre, date=day)
    # then: the first four (at most 3 ahead), once each
    assert sorted(n.ticket_id for n in first) == [t.pk for t in tickets[:4]]
    assert second == []
    assert list(Ticket.objects.filter(near_notified=True).order_by("pk").values_list("pk", flat=True)) == [
        t.pk for t in tickets[:4]
    ]
    for ticket in tickets[:4]:
        assert keys(ticket, NEAR) == [f"ticket:{ticket.pk}:near"]
    # when: the first is called, the fifth moves up to 3 ahead
    with django_capture_on_commit_callbacks(execute=True):
        ticket_call_next(counter=counter, operator=operator)
    # then
    assert keys(tickets[4], NEAR) == [f"ticket:{tickets[4].pk}:near"]
    assert keys(tickets[5], NEAR) == []
    assert Notification.objects.filter(kind=NEAR).count() == 5
    assert "3" in Notification.objects.get(ticket=tickets[4], kind=NEAR).body


def test_turn_is_near_counts_the_services_a_counter_shares(no_nudge, near_three):
    # given: A at counters 1 and 2, B also at counter 1, C only at counter 3 (its own line)
    service_a, centre = queue_setup(counters=3, letter="A")
    Counter.objects.get(centre=centre, number=3).services.clear()
    service_b = another_service(centre, letter="B", counters=(1,))
    service_c = another_service(centre, letter="C", counters=(3,))
    a = [ticket_issue(centre=centre, service=service_a, phone=PHONE) for _ in range(3)]
    b = [ticket_issue(centre=centre, service=service_b, phone=PHONE) for _ in range(3)]
    c = [ticket_issue(centre=centre, service=service_c, phone=PHONE) for _ in range(5)]
    # when
    told = {n.ticket_id for n in queue_near_notify(centre=centre, date=a[0].date)}
    # then: B's second has A's three and B's first ahead; C's line is C's alone
    assert told == {t.pk for t in [*a, b[0], *c[:4]]}


@pytest.mark.django_db(transaction=True)
def test_turn_is_near_goes_once_even_when_runs_overlap(near_three, settings):
    # given
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "NUDGE_AFTER_COMMIT": False}
    service, centre = queue_setup()
    tickets = [ticket_issue(centre=centre, service=service, phone=PHONE) for _ in range(6)]
    day = tickets[0].date
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            queue_near_notify(centre=centre, date=day)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    # when: eight runs at once, each in its own database connection
    threads = [threading.Thread(target=run) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then
    assert errors == []
    rows = Notification.objects.filter(kind=NEAR)
    assert sorted(rows.values_list("ticket_id", flat=True)) == [t.pk for t in tickets[:4]]


def test_a_call_is_not_sent_once_the_ticket_is_no_longer_called(
    no_nudge, near_three, django_capture_on_commit_callbacks
):
    # given: a called ticket (message pending) and one told its turn is near
    service, centre = queue_setup()
    counter, operator = open_counter(centre)
    first = ticket_issue(centre=centre, service=service, phone=PHONE)
    second = ticket_issue(centre=centre, service=service, phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        called = ticket_call_next(counter=counter, operator=operator)
    assert keys(first, CALLED) and keys(second, NEAR)
    # when: the citizen is already at the counter, and the next one was called meanwhile
    ticket_start(ticket=called, operator=operator)
    Ticket.objects.filter(pk=second.pk).update(status="called", counter=None)
    result = notifications_send_due()
    # then
    assert (result.sent, result.skipped) == (0, 2)
    call = Notification.objects.get(ticket=first, kind=CALLED)
    assert (call.status, call.last_error) == (NotificationStatus.SKIPPED, "ticket is not called any more")
    near = Notification.objects.get(ticket=second, kind=NEAR)
    assert (near.status, near.last_error) == (NotificationStatus.SKIPPED, "ticket is not waiting any more")
    assert not SmsLogEntry.objects.exists()


def test_texts_are_in_the_ticket_language(no_nudge, near_three, django_capture_on_commit_callbacks):
    # given: three citizens, one per language, at three counters
    service, centre = queue_setup(counters=3, letter="C")
    counters = [open_counter(centre, number) for number in (1, 2, 3)]
    tickets = [ticket_issue(centre=centre, service=service, phone=PHONE, language=lang) for lang in ("az", "en", "ru")]
    near = {n.ticket_id: n.body for n in queue_near_notify(centre=centre, date=tickets[0].date)}
    # when
    with django_capture_on_commit_callbacks(execute=True):
        for counter, operator in counters:
            ticket_call_next(counter=counter, operator=operator)
    # then
    called = {
        t.pk: Notification.objects.get(ticket=t, kind=CALLED)
        for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])
    }
    az, en, ru = (called[t.pk] for t in tickets)
    assert [az.language, en.language, ru.language] == ["az", "en", "ru"]
    for row, ticket in zip((az, en, ru), tickets, strict=True):
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert fresh.display_code in row.body
        assert f" {fresh.counter.number}" in row.body
    assert "please come to counter" in en.body
    assert "please come to counter" not in az.body and "please come to counter" not in ru.body
    assert "növbə" in az.body.lower() or "yaxınlaşın" in az.body.lower()
    assert "окну" in ru.body
    near_az, near_en, near_ru = (near[t.pk] for t in tickets)
    assert "your turn is near" in near_en
    assert len({near_az, near_en, near_ru}) == 3
    assert "очередь" in near_ru
