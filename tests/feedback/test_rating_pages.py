"""The rating pages: the private link (GET shows, POST rates) and the counter tablet."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from centres.models import StaffRole
from feedback.models import Rating
from tests.appointments.queue_factories import operator_at
from tests.feedback.factories import completed_visit, fresh_invitation, link_from_message, visit_desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit():
    return completed_visit(phone="+994501112233", language="az")


def rate_url(token, language="en"):
    return f"/{language}/feedback/{token}/"


def visit_page(client, link) -> str:
    """Open the private link as the citizen does; returns the clean page it redirects to."""
    response = client.get(link)
    assert response.status_code == 303
    return response["Location"]


# --- the private link -------------------------------------------------------------------------


def test_opening_the_link_shows_the_form_and_never_rates(client, visit):
    link = link_from_message(visit)
    assert link.startswith("/az/feedback/")

    for _opened in range(3):  # mail scanners and previews open links, sometimes several times
        response = client.get(link, follow=True)
        assert response.status_code == 200
    html = response.content.decode()

    assert not Rating.objects.exists()
    assert visit.display_code in html and visit.centre.name in html and visit.service.name in html
    assert visit.phone not in html
    assert html.count('type="radio" name="score"') == 5
    assert "<legend>" in html and 'for="comment"' in html
    assert '<html lang="az"' in html


def test_the_page_speaks_the_language_of_its_url(client, visit):
    token = link_from_message(visit).split("/")[-2]

    english = client.get(rate_url(token, "en"), follow=True).content.decode()
    russian = client.get(rate_url(token, "ru"), follow=True).content.decode()

    assert "How was your visit?" in english and "<dt>Centre</dt>" in english
    assert '<html lang="ru"' in russian and "<dt>Центр</dt>" in russian


def test_submitting_rates_once_and_thanks(client, visit):
    link = link_from_message(visit)

    response = client.post(
        visit_page(client, link),
        {"score": "4", "aspect_waiting": "3", "aspect_courtesy": "", "comment": "Tez oldu.", "ticket": "999"},
    )

    assert response.status_code == 200
    assert "feedback/rate_thanks.html" in [t.name for t in response.templates]
    rating = Rating.objects.get()
    assert (rating.ticket_id, rating.score, rating.waiting_score, rating.courtesy_score) == (visit.pk, 4, 3, None)
    assert (rating.channel, rating.language, rating.comment) == ("link", "az", "Tez oldu.")


def test_a_second_submission_or_visit_says_already_rated_with_409(client, visit):
    link = link_from_message(visit)
    page = visit_page(client, link)
    client.post(page, {"score": "5"})

    again = client.post(page, {"score": "1"})
    opened = client.get(link, follow=True)

    assert again.status_code == 409 and opened.status_code == 409
    assert "already been rated" in client.get(link.replace("/az/", "/en/"), follow=True).content.decode()
    assert Rating.objects.get().score == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a score from 1 to 5."),
        ({"score": "9"}, "A score must be a whole number from 1 to 5."),
        ({"score": "4", "aspect_premises": "0"}, "A score must be a whole number from 1 to 5."),
        ({"score": "4", "comment": "y" * 1001}, "The comment may be at most 1000 characters long."),
    ],
)
def test_invalid_answers_get_400_with_the_message_and_nothing_saved(client, visit, data, message):
    token = link_from_message(visit).split("/")[-2]

    response = client.post(visit_page(client, rate_url(token)), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert not Rating.objects.exists()


def test_an_invalid_answer_keeps_what_was_typed(client, visit):
    token = link_from_message(visit).split("/")[-2]

    page = visit_page(client, rate_url(token))
    html = client.post(page, {"score": "", "aspect_waiting": "2", "comment": "Uzun növbə"}).content.decode()

    assert "Uzun növbə</textarea>" in html
    assert 'id="aspect-waiting-2" value="2" checked' in html
    assert 'aria-describedby="score-error"' in html


def test_an_expired_link_gets_a_clear_410_page(client, visit):
    token = fresh_invitation(visit, now=timezone.now() - dt.timedelta(days=8))

    opened = client.get(rate_url(token))
    posted = client.post(rate_url(token), {"score": "5"})  # the link only opens; the form posts to its page

    assert opened.status_code == 410 and posted.status_code == 405
    assert "This link has expired" in opened.content.decode()
    assert "7 days" in opened.content.decode()
    assert not Rating.objects.exists()


def test_an_unknown_link_gets_a_clear_404_page(client, visit):
    opened = client.get(rate_url("not-a-real-token"))
    posted = client.post(rate_url("not-a-real-token"), {"score": "5"})

    assert opened.status_code == 404 and posted.status_code == 405
    assert "This link is not known" in opened.content.decode()
    assert not [key for key in client.session.keys() if key.startswith("private_link:")]  # noqa: SIM118 - a session is not iterable
    assert not Rating.objects.exists()


def test_the_link_is_exchanged_for_the_session_and_a_clean_url(client, visit):
    # given the rating link of the SMS
    link = link_from_message(visit)
    token = link.split("/")[-2]
    # when the citizen opens it
    response = client.get(link)
    # then: 303 to the visit's clean page, the link never passed on as a Referer
    assert response.status_code == 303
    assert response["Referrer-Policy"] == "no-referrer"
    assert token not in response["Location"]
    assert response["Location"].startswith("/az/feedback/visit/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and token not in page.content.decode()
    assert visit.display_code in page.content.decode()
    assert "no-store" in page["Cache-Control"]  # the page belongs to this session only


def test_the_clean_page_is_not_found_in_another_session_and_rates_nothing(client, visit):
    page = visit_page(client, link_from_message(visit))
    stranger = Client()

    opened = stranger.get(page)
    posted = stranger.post(page, {"score": "1"})

    assert opened.status_code == 404 and posted.status_code == 404
    assert "private_link_missing.html" in [t.name for t in opened.templates]
    assert not Rating.objects.exists()
    assert client.get(page).status_code == 200  # the citizen's own session still opens it


def test_a_grant_opens_only_its_own_visit(client, visit):
    other = completed_visit(phone="+994501112244", language="az")
    page = visit_page(client, link_from_message(visit))
    other_page = page.replace(f"/visit/{visit.rating_invitation.pk}/", f"/visit/{other.rating_invitation.pk}/")

    assert other_page != page
    assert client.get(other_page).status_code == 404


# --- the counter tablet -----------------------------------------------------------------------


@pytest.fixture
def desk():
    counter, operator = visit_desk()
    return counter, operator


def tablet_url(counter, language="en"):
    return f"/{language}/feedback/counter/{counter.pk}/"


def test_the_tablet_needs_a_login(client, desk):
    counter, _operator = desk

    response = client.get(tablet_url(counter))

    assert response.status_code == 302 and "login" in response["Location"]


def test_the_tablet_of_another_centre_is_not_found(client, desk):
    counter, _operator = desk
    other_counter, other_operator = visit_desk(letter="B")
    completed_visit(counter=counter, operator=desk[1])
    client.force_login(other_operator)

    assert client.get(tablet_url(counter)).status_code == 404
    assert client.post(tablet_url(counter), {"score": "5"}).status_code == 404
    assert not Rating.objects.exists()


def test_officials_may_not_rate_for_a_citizen(client, desk, django_user_model):
    from django.contrib.auth.models import Group

    from asan_portal.roles import OFFICIAL

    counter, _operator = desk
    official = django_user_model.objects.create_user(username="official-x", password="x")
    official.groups.add(Group.objects.get_or_create(name=OFFICIAL)[0])
    client.force_login(official)

    assert client.get(tablet_url(counter)).status_code == 403


def test_the_tablet_waits_then_offers_the_visit_just_completed(client, desk):
    counter, operator = desk
    client.force_login(operator)

    waiting = client.get(tablet_url(counter))
    poll = client.get(tablet_url(counter), HTTP_HX_REQUEST="true")
    assert waiting.status_code == 200 and 'hx-trigger="every 5s"' in waiting.content.decode()
    assert poll.status_code == 204

    ticket = completed_visit(counter=counter, operator=operator)
    poll = client.get(tablet_url(counter), HTTP_HX_REQUEST="true")
    form = client.get(tablet_url(counter))

    assert poll["HX-Refresh"] == "true"
    html = form.content.decode()
    assert ticket.display_code in html and f'name="ticket" value="{ticket.pk}"' in html
    assert not Rating.objects.exists()


def test_the_tablet_rates_with_the_counter_channel_then_waits_again(client, desk):
    counter, operator = desk
    ticket = completed_visit(counter=counter, operator=operator)
    manager = operator_at(counter.centre, role=StaffRole.MANAGER)
    client.force_login(manager)

    thanks = client.post(tablet_url(counter, "ru"), {"ticket": ticket.pk, "score": "5", "aspect_courtesy": "5"})
    after = client.get(tablet_url(counter))

    assert thanks.status_code == 200
    assert f'data-return-url="{tablet_url(counter, "ru")}"' in thanks.content.decode()
    rating = Rating.objects.get()
    assert (rating.ticket_id, rating.channel, rating.language, rating.courtesy_score) == (ticket.pk, "counter", "ru", 5)
    assert "feedback/rate_counter_waiting.html" in [t.name for t in after.templates]


def test_the_tablet_refuses_a_visit_that_is_not_its_own_or_too_old(client, desk):
    counter, operator = desk
    other_counter, other_operator = visit_desk(letter="B")
    foreign = completed_visit(counter=other_counter, operator=other_operator)
    old = completed_visit(counter=counter, operator=operator, now=timezone.now() - dt.timedelta(hours=2))
    client.force_login(operator)

    for ticket in (foreign, old):
        response = client.post(tablet_url(counter), {"ticket": ticket.pk, "score": "5"})
        assert response.status_code == 409
        assert "can no longer be rated here" in response.content.decode()
    assert client.post(tablet_url(counter), {"ticket": "x", "score": "5"}).status_code == 409
    assert not Rating.objects.exists()


def test_the_tablet_shows_invalid_answers_with_400(client, desk):
    counter, operator = desk
    ticket = completed_visit(counter=counter, operator=operator)
    client.force_login(operator)

    response = client.post(tablet_url(counter), {"ticket": ticket.pk, "score": ""})

    assert response.status_code == 400
    assert "Choose a score from 1 to 5." in response.content.decode()
    assert not Rating.objects.exists()
