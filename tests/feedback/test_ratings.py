"""feedback.ratings: the invitation sent when a visit completes, and rating it once."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from appointments import queue
from appointments.models import Notification, NotificationChannel, TicketStatus
from appointments.notifications import notifications_send_due
from appointments.services import appointment_book, appointment_verify
from feedback import ratings
from feedback.errors import AlreadyRated, InvalidRating, LinkExpired, LinkUnknown, NotRateable
from feedback.models import CentreDay, Rating, RatingChannel, RatingInvitation, ServiceDay, StaffDay
from tests.appointments.factories import citizen, tomorrow_at
from tests.feedback.factories import completed_visit, fresh_invitation, token_from_message, visit_desk

pytestmark = pytest.mark.django_db


def invitations(ticket):
    return Notification.objects.filter(ticket=ticket, kind=ratings.INVITATION_KIND)


# --- the invitation ---------------------------------------------------------------------------


def test_completing_a_visit_invites_by_sms_once_with_a_link_in_the_tickets_language(settings):
    settings.SITE_URL = "https://asan.example"
    ticket = completed_visit(phone="+994501112233", language="ru")

    invitation = RatingInvitation.objects.get(ticket=ticket)
    message = invitations(ticket).get()
    assert (message.channel, message.recipient, message.language) == ("sms", "+994501112233", "ru")
    assert "https://asan.example/ru/feedback/" in message.body
    assert ticket.display_code in message.body
    # Only the hash is kept: the token in the link is not stored anywhere in the database.
    token = token_from_message(ticket)
    assert len(token) >= 40
    assert invitation.token_hash != token and token not in invitation.token_hash
    assert invitation.expires_at == ticket.completed_at + dt.timedelta(days=settings.FEEDBACK["RATING_WINDOW_DAYS"])
    assert ratings.rating_by_token(token).pk == invitation.pk


def test_a_second_invitation_for_the_same_visit_changes_nothing():
    ticket = completed_visit()
    before = RatingInvitation.objects.get(ticket=ticket)

    again, token = ratings.rating_invitation_create(ticket=ticket, now=timezone.now())

    assert again.pk == before.pk and token == ""
    assert RatingInvitation.objects.filter(ticket=ticket).count() == 1
    assert invitations(ticket).count() == 1


def test_only_completion_invites_not_a_no_show_or_a_call():
    counter, operator = visit_desk()
    ticket = queue.ticket_issue(centre=counter.centre, service=counter.services.first(), phone="+994501112233")
    called = queue.ticket_call_next(counter=counter, operator=operator)
    for _recall in range(settings_recalls()):
        queue.ticket_recall(ticket=called, operator=operator)
    queue.ticket_no_show(ticket=called, operator=operator)

    assert not RatingInvitation.objects.filter(ticket=ticket).exists()
    assert not invitations(ticket).exists()


def settings_recalls():
    from django.conf import settings

    return settings.QUEUE["RECALLS_BEFORE_NO_SHOW"]


def test_a_visit_without_phone_or_email_is_invited_silently():
    ticket = completed_visit(phone="")

    assert RatingInvitation.objects.filter(ticket=ticket).exists()
    assert not invitations(ticket).exists()


def test_a_booked_visit_is_invited_by_sms_and_email_from_the_booking():
    counter, operator = visit_desk()
    service, centre = counter.services.first(), counter.centre
    now = timezone.now()
    starts_at = tomorrow_at(centre, 10)
    result = appointment_book(
        service=service,
        centre=centre,
        starts_at=starts_at,
        **citizen(),
        email="aysel@example.org",
        language="en",
        now=now,
    )
    appointment = appointment_verify(
        appointment=result.appointment, code=result.code, manage_token=result.manage_token, now=now
    )
    ticket = queue.ticket_check_in_appointment(appointment=appointment, now=starts_at - dt.timedelta(minutes=10))
    called = queue.ticket_call_next(counter=counter, operator=operator, now=starts_at)
    assert called.pk == ticket.pk
    queue.ticket_start(ticket=called, operator=operator, now=starts_at)
    queue.ticket_complete(ticket=called, operator=operator, now=starts_at + dt.timedelta(minutes=10))

    by_channel = {message.channel: message for message in invitations(ticket)}
    assert set(by_channel) == {NotificationChannel.SMS, NotificationChannel.EMAIL}
    assert by_channel["sms"].recipient == appointment.phone
    assert by_channel["email"].recipient == "aysel@example.org"
    assert by_channel["email"].subject == "How was your visit to ASAN?"
    assert "/en/feedback/" in by_channel["email"].body


def test_the_relay_sends_the_invitation_although_the_ticket_is_finished():
    ticket = completed_visit()

    notifications_send_due(now=timezone.now() + dt.timedelta(seconds=1))

    assert invitations(ticket).get().status == "sent"


# --- the rating -------------------------------------------------------------------------------


def test_rating_copies_the_visit_and_keeps_the_answers():
    ticket = completed_visit()

    rating = ratings.rating_submit(
        ticket=ticket,
        score="4",
        aspects={"waiting": "2", "courtesy": 5, "competence": "", "premises": None},
        comment="  Quick and polite.  ",
        channel=RatingChannel.LINK,
        language="en",
        now=timezone.now(),
    )

    rating.refresh_from_db()
    assert (rating.visit_date, rating.centre_id, rating.service_id) == (
        ticket.date,
        ticket.centre_id,
        ticket.service_id,
    )
    assert rating.provider_id == ticket.service.provider_id
    assert (rating.counter_id, rating.operator_id) == (ticket.counter_id, ticket.operator_id)
    assert rating.operator_id is not None
    assert (rating.score, rating.waiting_score, rating.courtesy_score) == (4, 2, 5)
    assert rating.competence_score is None and rating.premises_score is None
    assert (rating.comment, rating.channel, rating.language) == ("Quick and polite.", "link", "en")


def test_rating_is_counted_in_the_rollups_in_the_same_transaction(monkeypatch):
    seen = []
    monkeypatch.setattr(ratings.rollups, "rollup_rating", lambda rating: seen.append(rating.pk))
    ticket = completed_visit()

    rating = ratings.rating_submit(ticket=ticket, score=5, channel=RatingChannel.COUNTER)

    assert seen == [rating.pk]


def test_a_rating_reaches_the_days_rollups_of_its_centre_service_and_counter():
    ticket = completed_visit()

    ratings.rating_submit(ticket=ticket, score=4, aspects={"waiting": 2}, channel=RatingChannel.LINK)

    centre_day = CentreDay.objects.get(day=ticket.date, centre=ticket.centre)
    service_day = ServiceDay.objects.get(day=ticket.date, centre=ticket.centre, service=ticket.service)
    staff_day = StaffDay.objects.get(day=ticket.date, counter=ticket.counter, operator=ticket.operator)
    for row in (centre_day, service_day, staff_day):
        assert (row.visits, row.ratings, row.score_sum, row.satisfied) == (1, 1, 4, 1)
        assert (row.waiting_count, row.waiting_sum, row.courtesy_count) == (1, 2, 0)


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"score": None}, "score"),
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": "4.5"}, "score"),
        ({"score": True}, "score"),
        ({"score": 4, "aspects": {"waiting": 7}}, "waiting"),
        ({"score": 4, "aspects": {"mood": 3}}, "aspects"),
        ({"score": 4, "comment": "x" * 1001}, "comment"),
    ],
)
def test_invalid_answers_are_refused_with_the_field_and_nothing_is_saved(answers, field):
    ticket = completed_visit()

    with pytest.raises(InvalidRating) as refusal:
        ratings.rating_submit(ticket=ticket, channel=RatingChannel.LINK, **answers)

    assert refusal.value.status_code == 400
    assert field in refusal.value.fields
    assert not Rating.objects.exists()


def test_a_comment_of_exactly_the_limit_is_kept():
    ticket = completed_visit()

    rating = ratings.rating_submit(ticket=ticket, score=3, comment="ə" * 1000)

    assert len(rating.comment) == 1000


def test_a_visit_is_rated_once():
    ticket = completed_visit()
    ratings.rating_submit(ticket=ticket, score=5, channel=RatingChannel.COUNTER)

    with pytest.raises(AlreadyRated) as refusal:
        ratings.rating_submit(ticket=ticket, score=1, channel=RatingChannel.LINK)

    assert refusal.value.status_code == 409
    assert Rating.objects.get().score == 5


def test_a_visit_not_completed_cannot_be_rated():
    counter, operator = visit_desk()
    ticket = queue.ticket_issue(centre=counter.centre, service=counter.services.first())

    with pytest.raises(NotRateable):
        ratings.rating_submit(ticket=ticket, score=5, channel=RatingChannel.COUNTER)
    assert ticket.status == TicketStatus.WAITING


def test_link_ratings_stop_when_the_link_expires(settings):
    ticket = completed_visit()
    token = token_from_message(ticket)
    expires_at = RatingInvitation.objects.get(ticket=ticket).expires_at

    with pytest.raises(LinkExpired) as refusal:
        ratings.rating_submit(ticket=ticket, score=4, channel=RatingChannel.LINK, now=expires_at)
    with pytest.raises(LinkExpired):
        ratings.rating_by_token(token, now=expires_at + dt.timedelta(seconds=1))

    assert refusal.value.status_code == 410
    assert "7" in refusal.value.message
    assert ratings.rating_submit(
        ticket=ticket, score=4, channel=RatingChannel.LINK, now=expires_at - dt.timedelta(seconds=1)
    )


def test_unknown_tokens_are_unknown():
    completed_visit()

    for token in ["", "nope", "x" * 500]:
        with pytest.raises(LinkUnknown):
            ratings.rating_by_token(token)


def test_an_expired_link_of_a_rated_visit_still_says_rated():
    ticket = completed_visit()
    token = fresh_invitation(ticket)
    ratings.rating_submit(ticket=ticket, score=4)

    invitation = ratings.rating_by_token(token, now=timezone.now() + dt.timedelta(days=30))

    assert ratings.ticket_is_rated(invitation.ticket)


def test_the_tablet_offers_the_latest_fresh_unrated_visit_of_its_counter(settings):
    counter, operator = visit_desk()
    now = timezone.now()
    old = completed_visit(counter=counter, operator=operator, now=now - dt.timedelta(minutes=30))
    earlier = completed_visit(counter=counter, operator=operator, now=now - dt.timedelta(minutes=6))
    latest = completed_visit(counter=counter, operator=operator, now=now - dt.timedelta(minutes=2))
    other_counter, other_operator = visit_desk(letter="B")
    completed_visit(counter=other_counter, operator=other_operator, now=now - dt.timedelta(minutes=1))

    assert list(ratings.counter_visits_to_rate(counter=counter, now=now)) == [latest, earlier]
    ratings.rating_submit(ticket=latest, score=5, channel=RatingChannel.COUNTER)
    assert list(ratings.counter_visits_to_rate(counter=counter, now=now)) == [earlier]
    assert old not in ratings.counter_visits_to_rate(counter=counter, now=now)


# --- two submissions at once ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_ratings_of_one_visit_make_exactly_one():
    ticket = completed_visit()
    workers = 4
    barrier = threading.Barrier(workers)
    outcomes = []

    def rate(score):
        try:
            barrier.wait()
            ratings.rating_submit(ticket=ticket, score=score, channel=RatingChannel.LINK)
            outcomes.append("rated")
        except AlreadyRated:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=rate, args=(score,)) for score in range(1, workers + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["already"] * (workers - 1) + ["rated"]
    assert Rating.objects.filter(ticket=ticket).count() == 1
