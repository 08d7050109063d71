"""Signed-in sessions end when idle or too old (asan_portal/session_limits.py, docs/adr/0020).

The clocks are the session's own timestamps: the tests move them back instead of sleeping."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model

from asan_portal.roles import OPERATOR, VOLUNTEER, role_grant
from asan_portal.session_limits import SEEN_AT, STARTED_AT
from tests.centres.factories import CentreFactory
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/en/staff/appointments/"


@pytest.fixture
def operator():
    user = get_user_model().objects.create_user("op-limits", password="x")  # noqa: S106
    role_grant(user=user, role=OPERATOR)
    return user


def move_clocks(client, *, started_ago: int, seen_ago: int):
    now = int(time.time())
    session = client.session
    session[STARTED_AT] = now - started_ago
    session[SEEN_AT] = now - seen_ago
    session.save()


def test_signing_in_starts_both_clocks_and_limits_the_session_row(client, operator):
    before = int(time.time())

    client.force_login(operator)

    session = client.session
    assert before <= session[STARTED_AT] <= time.time()
    assert session[SEEN_AT] == session[STARTED_AT]
    assert session.get_expiry_age() == 12 * 3600


def test_a_session_in_use_goes_on(client, operator):
    client.force_login(operator)
    move_clocks(client, started_ago=11 * 3600, seen_ago=29 * 60)

    response = client.get("/en/")

    assert response.status_code == 200
    assert client.session["_auth_user_id"] == str(operator.pk)
    assert client.session[SEEN_AT] >= time.time() - 5  # the idle clock moved on


def test_thirty_idle_minutes_sign_the_user_out_with_a_message_and_the_page_as_next(client, operator):
    client.force_login(operator)
    move_clocks(client, started_ago=3600, seen_ago=31 * 60)

    response = client.get(STAFF_PAGE + "?date=2026-12-08")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/en/accounts/login/"
    assert parse_qs(location.query)["next"] == [STAFF_PAGE + "?date=2026-12-08"]
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "You were signed out after 30 minutes without activity" in page.content.decode()


def test_twelve_hours_after_signing_in_end_even_a_busy_session(client, operator):
    client.force_login(operator)
    move_clocks(client, started_ago=12 * 3600 + 1, seen_ago=10)

    response = client.get(STAFF_PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "12 hours have passed since you signed in" in page.content.decode()


def test_the_limits_are_settings(client, operator, settings):
    settings.SESSION_LIMITS = {"IDLE_MINUTES": 5, "ABSOLUTE_HOURS": 1}
    client.force_login(operator)
    move_clocks(client, started_ago=60, seen_ago=6 * 60)

    assert client.get(STAFF_PAGE).status_code == 302


def test_the_messages_are_translated(client, operator):
    client.force_login(operator)
    move_clocks(client, started_ago=3600, seen_ago=31 * 60)

    response = client.get("/ru/staff/appointments/", follow=True)

    assert response.request["PATH_INFO"] == "/ru/accounts/login/"
    assert "без активности" in response.content.decode()


def test_volunteers_sessions_are_held_to_the_same_limits(client):
    user = get_user_model().objects.create_user("vol-limits@example.org", password="x")  # noqa: S106
    role_grant(user=user, role=VOLUNTEER)
    client.force_login(user)
    move_clocks(client, started_ago=3600, seen_ago=31 * 60)

    client.get("/en/")

    assert "_auth_user_id" not in client.session


def test_a_verified_superuser_loses_the_verification_with_the_session(client):
    root = get_user_model().objects.create_superuser("root-limits", password="x")  # noqa: S106
    verified_login(client, root)
    assert client.get("/en/admin/").status_code == 200
    move_clocks(client, started_ago=3600, seen_ago=31 * 60)

    response = client.get("/en/admin/")

    assert response["Location"] == "/en/accounts/login/?next=/en/admin/"
    assert "otp_device_id" not in client.session


def test_an_api_request_after_expiry_continues_as_anonymous(client, operator):
    client.force_login(operator)
    move_clocks(client, started_ago=3600, seen_ago=31 * 60)

    response = client.get("/api/v1/services/")

    assert response.status_code == 200  # a public list: answered, but no longer signed in
    assert "_auth_user_id" not in client.session


def test_citizens_anonymous_sessions_are_not_touched(client):
    # given a citizen's anonymous session (the booking journey keeps its hold here), made long ago
    CentreFactory()
    session = client.session
    session["booking_hold"] = "ABC123"
    session[SEEN_AT] = 0  # even stray marks do not make an anonymous session expire
    session.save()

    response = client.get("/en/")

    assert response.status_code == 200
    assert client.session["booking_hold"] == "ABC123"


def test_the_limits_hold_with_productions_session_store(client, operator, settings):
    # PostgreSQL read through Redis, surviving a Redis outage (asan_portal/sessions.py)
    settings.SESSION_ENGINE = "asan_portal.sessions"
    client.force_login(operator)
    assert client.get("/en/").status_code == 200
    move_clocks(client, started_ago=3600, seen_ago=31 * 60)

    response = client.get(STAFF_PAGE)

    assert response["Location"] == f"/en/accounts/login/?next={STAFF_PAGE}"
    assert "_auth_user_id" not in client.session


def test_an_htmx_request_after_expiry_loads_the_sign_in_page_in_full(client, operator):
    client.force_login(operator)
    move_clocks(client, started_ago=3600, seen_ago=31 * 60)

    response = client.get(STAFF_PAGE + "partial/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/en/accounts/login/?next=")


def test_a_form_sent_after_expiry_returns_to_the_page_it_was_on(client, operator):
    client.force_login(operator)
    move_clocks(client, started_ago=3600, seen_ago=31 * 60)

    response = client.post(
        STAFF_PAGE + "baku-1/X1/cancel/", headers={"Referer": "http://testserver/en/staff/appointments/baku-1/X1/"}
    )

    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [
        "http://testserver/en/staff/appointments/baku-1/X1/"
    ]
