"""feedback.complaints: tracking numbers, submitting, the workflow table and the messages to
the citizen."""

import re
import threading
from unittest import mock

import pytest
from django.db import connection
from django.utils import translation

from appointments.models import Notification
from appointments.queue import ticket_issue
from feedback import complaints
from feedback.complaints import (
    COMPLAINT_TRANSITIONS,
    TRACKING_ALPHABET,
    ComplaintInvalid,
    IllegalComplaintTransition,
    complaint_answer,
    complaint_move,
    complaint_track,
    tracking_number_new,
    tracking_number_normalise,
)
from feedback.models import Complaint, ComplaintStatus
from tests.appointments.queue_factories import queue_setup
from tests.centres.factories import CentreFactory
from tests.feedback.complaint_factories import complaint_details, complaint_new, staff_user

pytestmark = pytest.mark.django_db
S = ComplaintStatus


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def manager(django_user_model):
    return staff_user(django_user_model, "manager")


def _messages(complaint, event):
    return Notification.objects.filter(dedup_key__startswith=f"complaint:{complaint.pk}:{event}:")


# --- tracking numbers --------------------------------------------------------------------------


def test_tracking_numbers_use_an_alphabet_without_look_alikes():
    numbers = {tracking_number_new() for _i in range(2000)}

    assert len(numbers) == 2000
    for number in numbers:
        assert re.fullmatch(r"SK-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", number), number
    assert not set("01OI") & set(TRACKING_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("SK-7QF4-9KD2", "SK-7QF4-9KD2"),
        ("sk 7qf4 9kd2", "SK-7QF4-9KD2"),
        ("7QF49KD2", "SK-7QF4-9KD2"),
        ("SK-7QF4-9KD", ""),
        ("SK-0QF4-9KD2", ""),  # 0 is never issued
        ("", ""),
    ],
)
def test_a_typed_tracking_number_is_normalised(typed, stored):
    assert tracking_number_normalise(typed) == stored


def test_a_colliding_tracking_number_is_drawn_again():
    centre = CentreFactory()
    first = complaint_new(centre)
    draws = iter([first.tracking_number, "SK-2222-3333"])

    with mock.patch.object(complaints, "tracking_number_new", lambda: next(draws)):
        second = complaint_new(centre)

    assert second.tracking_number == "SK-2222-3333"
    assert Complaint.objects.count() == 2


# --- submitting --------------------------------------------------------------------------------


def test_submitting_records_the_complaint_its_first_event_and_an_acknowledgement_in_the_citizens_language():
    complaint = complaint_new(language="ru", phone="050 123 45 67")

    assert complaint.status == S.RECEIVED
    assert complaint.phone == "+994501234567"
    event = complaint.events.get()
    assert (event.from_status, event.to_status, event.by) == ("", S.RECEIVED, None)
    sent = {n.channel: n for n in _messages(complaint, "received")}
    assert set(sent) == {"sms", "email"}
    assert sent["sms"].recipient == "+994501234567"
    assert sent["email"].recipient == "aysel@example.az"
    assert sent["sms"].dedup_key == f"complaint:{complaint.pk}:received:sms"
    for message in sent.values():
        assert message.language == "ru"
        assert complaint.tracking_number in message.body
        assert "/ru/feedback/complaints/track/" in message.body


def test_an_email_only_complaint_is_acknowledged_by_email_only():
    complaint = complaint_new(phone="")

    assert list(_messages(complaint, "received").values_list("channel", flat=True)) == ["email"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"full_name": "A"}, "full_name"),
        ({"subject": "  "}, "subject"),
        ({"text": "short"}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"ticket_code": "hello"}, "ticket_code"),
    ],
)
def test_unusable_details_are_refused_per_field_and_nothing_is_saved(overrides, field):
    with pytest.raises(ComplaintInvalid) as refused:
        complaint_new(**overrides)

    assert field in refused.value.fields
    assert refused.value.status_code == 400
    assert not Complaint.objects.exists()
    assert not Notification.objects.exists()


def test_a_ticket_code_is_linked_to_the_ticket_or_kept_for_the_manager():
    service, centre = queue_setup(letter="A")
    ticket_issue(centre=centre, service=service)
    second = ticket_issue(centre=centre, service=service)

    found = complaint_new(centre, ticket_code=f" {second.display_code.lower()} ")
    missing = complaint_new(centre, ticket_code="b-7")

    assert found.ticket == second
    assert found.events.get().note.startswith(second.display_code)
    assert missing.ticket is None
    assert missing.events.get().note == "B-7 (?)"


# --- the workflow ------------------------------------------------------------------------------

ALL_MOVES = [(a, b) for a in S.values for b in S.values]


def _complaint_at(status, manager):
    complaint = complaint_new()
    path = {
        S.RECEIVED: [],
        S.IN_REVIEW: [S.IN_REVIEW],
        S.ANSWERED: [S.IN_REVIEW, S.ANSWERED],
        S.CLOSED: [S.IN_REVIEW, S.CLOSED],
    }[status]
    for step in path:
        complaint = complaint_move(complaint=complaint, to_status=step, by=manager, answer="Cavab")
    return complaint


@pytest.mark.parametrize(("from_status", "to_status"), ALL_MOVES)
def test_only_the_moves_in_the_table_are_allowed(manager, from_status, to_status):
    complaint = _complaint_at(from_status, manager)
    events_before = complaint.events.count()

    if to_status in COMPLAINT_TRANSITIONS[from_status]:
        moved = complaint_move(complaint=complaint, to_status=to_status, by=manager, answer="Cavab", note="ok")
        assert moved.status == to_status
        last = moved.events.last()
        assert (last.from_status, last.to_status, last.by, last.note) == (from_status, to_status, manager, "ok")
    else:
        with pytest.raises(IllegalComplaintTransition) as refused:
            complaint_move(complaint=complaint, to_status=to_status, by=manager, answer="Cavab")
        assert refused.value.status_code == 409
        assert "cannot be moved" in refused.value.message
        complaint.refresh_from_db()
        assert complaint.status == from_status
        assert complaint.events.count() == events_before


def test_the_table_is_the_one_the_issue_describes():
    assert COMPLAINT_TRANSITIONS == {
        S.RECEIVED: (S.IN_REVIEW, S.ANSWERED),
        S.IN_REVIEW: (S.ANSWERED, S.CLOSED),
        S.ANSWERED: (S.CLOSED,),
        S.CLOSED: (),
    }


def test_answering_needs_the_answer_text(manager):
    complaint = complaint_new()

    with pytest.raises(ComplaintInvalid) as refused:
        complaint_answer(complaint=complaint, answer="   ", by=manager)

    assert "answer" in refused.value.fields
    complaint.refresh_from_db()
    assert complaint.status == S.RECEIVED
    assert not _messages(complaint, "answered").exists()


def test_answering_queues_one_sms_with_the_link_and_one_email_with_the_text_and_never_more(manager):
    complaint = complaint_new(language="en")
    answer = "We are sorry. Counter 5 now has a second operator at lunch time."

    answered = complaint_answer(complaint=complaint, answer=answer, by=manager)
    with pytest.raises(IllegalComplaintTransition):
        complaint_answer(complaint=answered, answer="again", by=manager)
    complaints.complaint_notify(complaint=answered, event="answered")  # a retried notification

    sent = {n.channel: n for n in _messages(complaint, "answered")}
    assert _messages(complaint, "answered").count() == 2
    assert answer not in sent["sms"].body
    assert complaint.tracking_number in sent["sms"].body
    assert "/en/feedback/complaints/track/?number=" in sent["sms"].body
    assert answer in sent["email"].body
    answered.refresh_from_db()
    assert (answered.answer, answered.handled_by, answered.answered_at is not None) == (answer, manager, True)


def test_tracking_needs_the_number_and_the_contact_given(manager):
    complaint = complaint_new(phone="+994501234567", email="Aysel@Example.az")
    number = complaint.tracking_number

    assert complaint_track(tracking_number=number.lower(), contact="050 123 45 67") == complaint
    assert complaint_track(tracking_number=number, contact="aysel@example.AZ") == complaint
    assert complaint_track(tracking_number=number, contact="+994501234568") is None
    assert complaint_track(tracking_number=number, contact="other@example.az") is None
    assert complaint_track(tracking_number="SK-2222-2222", contact="+994501234567") is None
    assert complaint_track(tracking_number=number, contact="") is None


@pytest.mark.django_db(transaction=True)
def test_two_managers_answering_at_once_answer_once(django_user_model):
    manager = staff_user(django_user_model, "m1")
    other = staff_user(django_user_model, "m2")
    complaint = complaint_new(**complaint_details())
    barrier = threading.Barrier(2)
    outcomes = []

    def answer(user):
        try:
            barrier.wait()
            complaint_answer(complaint=complaint, answer=f"Answer by {user.username}", by=user)
            outcomes.append("answered")
        except IllegalComplaintTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(user,)) for user in (manager, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["answered", "refused"]
    assert complaint.events.filter(to_status=S.ANSWERED).count() == 1
    assert _messages(complaint, "answered").count() == 2
