"""Issue 12.15: tokens of private links must not leak through Referer headers or logs
(asan_portal/private_links.py, docs/adr/0019).

Every URL that carries a token answers `Referrer-Policy: no-referrer`; the manage and rating
links are exchanged for a session grant and a clean URL (their journeys: tests/appointments/
test_pages.py, tests/feedback/test_rating_pages.py); the live ticket and the iCal feed keep
their token (ADR 0019 says why); the set-password link moves its token into the session (Django's
own view); the token never reaches a log line or gunicorn's access log."""

import datetime as dt
import logging
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config

from appointments import queue
from appointments.services import appointment_book
from asan_portal.gunicorn_logging import AccessLogger
from asan_portal.logs import PiiMaskingFilter
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.appointments.queue_factories import queue_setup
from tests.feedback.factories import completed_visit, link_from_message
from tests.volunteers.factories import VolunteerFactory
from volunteers.applications import password_set_url

pytestmark = pytest.mark.django_db


def _path(absolute: str) -> str:
    return urlsplit(absolute).path


@pytest.fixture
def links(django_user_model):
    """One real private link of each kind, as its citizen (or volunteer) receives it."""
    service, centre = bookable_setup()
    clerk = django_user_model.objects.create_user("clerk")
    booked = appointment_book(
        service=service, centre=centre, starts_at=tomorrow_at(centre, 10), booked_by=clerk, **citizen()
    )
    ticket_service, ticket_centre = queue_setup(letter="T")
    ticket = queue.ticket_issue(centre=ticket_centre, service=ticket_service)
    volunteer = VolunteerFactory(language="en")
    user = get_user_model().objects.create_user("vol@example.az", email="vol@example.az")
    return {
        "manage": reverse("appointments:manage", kwargs={"token": booked.manage_token}),
        "rating": link_from_message(completed_visit()),
        "live ticket": reverse("queue:ticket", kwargs={"token": ticket.public_token}),
        "live ticket status": reverse("queue:ticket_status", kwargs={"token": ticket.public_token}),
        "volunteer calendar": reverse("volunteers-calendar", kwargs={"token": volunteer.calendar_token}),
        "set-password": _path(password_set_url(user)),
    }


def test_every_private_link_tells_the_browser_not_to_pass_it_on(links):
    seen = {}
    for name, link in links.items():
        response = Client().get(link)
        seen[name] = (response.status_code, response.get("Referrer-Policy"))
    assert seen == {
        "manage": (303, "no-referrer"),
        "rating": (303, "no-referrer"),
        "live ticket": (200, "no-referrer"),
        "live ticket status": (200, "no-referrer"),
        "volunteer calendar": (200, "no-referrer"),
        "set-password": (302, "no-referrer"),
    }


def test_the_links_that_redirect_lead_to_urls_without_their_token(links):
    for name in ("manage", "rating", "set-password"):
        link = links[name]
        token = link.rstrip("/").rsplit("/", 1)[1]
        browser = Client()
        response = browser.get(link)
        assert token not in response["Location"], name
        # The page it leads to works for this browser and carries no token.
        page = browser.get(response["Location"])
        assert page.status_code == 200, name
        assert token not in page.content.decode(), name


def test_the_set_password_form_opens_only_in_the_browser_that_opened_the_link(links):
    browser = Client()
    choose = browser.get(links["set-password"])["Location"]
    assert choose.endswith("/choose/")
    assert 'name="new_password1"' in browser.get(choose).content.decode()
    assert 'name="new_password1"' not in Client().get(choose).content.decode()


def test_the_live_ticket_keeps_its_token_and_opens_in_any_browser(links):
    # ADR 0019: the QR code on the paper ticket is the key; a phone's scanner may open it in a
    # browser without our cookie, and the page has no form and no personal data.
    page = Client().get(links["live ticket"])
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"


def test_a_log_line_never_carries_a_token(links):
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (links["manage"],), None
    )
    PiiMaskingFilter().filter(record)
    token = links["manage"].rstrip("/").rsplit("/", 1)[1]
    assert token not in record.getMessage()
    assert "/appointments/manage/[hidden]/" in record.getMessage()


def test_gunicorns_access_log_never_carries_a_token(links):
    link = links["rating"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": link,
        "PATH_INFO": link,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://asan.example{links['manage']}",
    }
    response = SimpleNamespace(status="303 See Other", sent=0, headers=[("Location", "/az/feedback/visit/1/")])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger = AccessLogger(Config())
    line = logger.cfg.access_log_format % logger.atoms(response, request, environ, dt.timedelta(milliseconds=3))
    assert token not in line
    assert links["manage"].rstrip("/").rsplit("/", 1)[1] not in line
    assert "GET /az/feedback/[hidden]/ HTTP/1.1" in line
    assert "/az/appointments/manage/[hidden]/" in line
