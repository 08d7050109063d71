"""Issue 12.12: the texts sent to citizens hold their private links and codes, which are keys.
In the admin (outbox and SMS log: list, change page, search) only a superuser reads them as they
were sent; everyone else, read-only roles above all, reads them redacted (asan_portal.pii)."""

import re

import pytest
from django.urls import reverse

from appointments.models import Notification, SmsLogEntry
from appointments.notifications import notifications_send_due
from appointments.services import appointment_book
from asan_portal.pii import message_redact
from asan_portal.roles import CATALOGUE_ADMIN, CENTRE_MANAGER, OFFICIAL, OPERATOR, role_grant, roles_sync
from centres.models import StaffMembership, StaffRole
from feedback import ratings
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.feedback.factories import completed_visit, token_from_message
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db


def _staff(django_user_model, username, role, centre=None, membership=None):
    roles_sync()
    user = django_user_model.objects.create_user(username, password="x")  # noqa: S106
    role_grant(user=user, role=role)
    if membership:
        StaffMembership.objects.create(user=user, centre=centre, role=membership)
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def booked(django_user_model):
    """A held booking (its SMS code queued) and a confirmed one (its manage link queued)."""
    service, centre = bookable_setup()
    clerk = django_user_model.objects.create_user("clerk")
    held = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen())
    confirmed = appointment_book(
        service=service, centre=centre, starts_at=tomorrow_at(centre, 11), booked_by=clerk, **citizen()
    )
    return held, confirmed


@pytest.fixture
def users(django_user_model, booked):
    centre = booked[0].appointment.centre
    return {
        "superuser": django_user_model.objects.create_superuser("root", password="x"),  # noqa: S106
        "manager": _staff(django_user_model, "manager", CENTRE_MANAGER, centre, StaffRole.MANAGER),
        "operator": _staff(django_user_model, "operator", OPERATOR, centre, StaffRole.OPERATOR),
        "official": _staff(django_user_model, "official", OFFICIAL),
        "catalogue admin": _staff(django_user_model, "catalogue", CATALOGUE_ADMIN),
    }


def _seen(client, user, url, secrets, params=None):
    verified_login(client, user)
    response = client.get(url, params or {})
    page = response.content.decode()
    return response.status_code, {name: secret in page for name, secret in secrets.items()}


def test_the_outbox_change_page_shows_links_and_codes_to_the_superuser_only(client, users, booked):
    # given: a queued confirmation (manage link) and a queued SMS code
    held, confirmed = booked
    link = Notification.objects.get(appointment=confirmed.appointment, kind="confirmation", channel="sms")
    code = Notification.objects.get(appointment=held.appointment, kind="verification_code", channel="sms")
    assert confirmed.manage_token in link.body and held.code in code.body
    secrets = {"token": confirmed.manage_token, "code": held.code}
    # when each role opens both rows
    seen = {}
    for name, user in users.items():
        statuses, found = [], {}
        for row in (link, code):
            status, row_found = _seen(
                client, user, reverse("admin:appointments_notification_change", args=[row.pk]), secrets
            )
            statuses.append(status)
            found = {key: found.get(key, False) or value for key, value in row_found.items()}
        seen[name] = (statuses, found)
    # then
    assert seen == {
        "superuser": ([200, 200], {"token": True, "code": True}),
        "manager": ([200, 200], {"token": False, "code": False}),
        "operator": ([200, 200], {"token": False, "code": False}),
        "official": ([200, 200], {"token": False, "code": False}),
        "catalogue admin": ([403, 403], {"token": False, "code": False}),
    }


def test_the_redacted_text_still_says_what_was_sent(client, users, booked):
    _held, confirmed = booked
    link = Notification.objects.get(appointment=confirmed.appointment, kind="confirmation", channel="sms")
    verified_login(client, users["official"])
    page = client.get(reverse("admin:appointments_notification_change", args=[link.pk])).content.decode()
    assert confirmed.appointment.reference in page
    assert "/appointments/manage/[hidden]/" in page


def test_the_sms_log_shows_texts_in_full_to_the_superuser_and_redacted_to_managers(client, users, booked):
    held, confirmed = booked
    notifications_send_due()
    entry = SmsLogEntry.objects.get(notification__appointment=confirmed.appointment)
    secrets = {"token": confirmed.manage_token, "code": held.code}
    urls = [
        reverse("admin:appointments_smslogentry_changelist"),
        reverse("admin:appointments_smslogentry_change", args=[entry.pk]),
    ]
    seen = {}
    for name, user in users.items():
        results = [_seen(client, user, url, secrets) for url in urls]
        seen[name] = (
            [status for status, _found in results],
            {key: any(found[key] for _status, found in results) for key in secrets},
        )
    assert seen == {
        "superuser": ([200, 200], {"token": True, "code": True}),
        "manager": ([200, 200], {"token": False, "code": False}),
        "operator": ([403, 403], {"token": False, "code": False}),
        "official": ([403, 403], {"token": False, "code": False}),
        "catalogue admin": ([403, 403], {"token": False, "code": False}),
    }
    # The manager still sees that a code and a link went out.
    verified_login(client, users["manager"])
    page = client.get(urls[0]).content.decode()
    assert "******" in page and "[hidden]" in page


def test_a_search_cannot_probe_for_a_token_or_a_code(client, users, booked):
    held, confirmed = booked
    notifications_send_due()
    urls = [
        reverse("admin:appointments_notification_changelist"),
        reverse("admin:appointments_smslogentry_changelist"),
    ]
    for name in ("manager", "superuser"):
        verified_login(client, users[name])
        for url in urls:
            for term in (confirmed.manage_token, confirmed.manage_token[:20], held.code):
                response = client.get(url, {"q": term})
                assert response.status_code == 200
                assert response.context["cl"].result_count == 0, (name, url, term)


def test_a_rating_link_is_hidden_from_the_official(client, users):
    ticket = completed_visit()
    token = token_from_message(ticket)
    row = Notification.objects.get(ticket=ticket, kind=ratings.INVITATION_KIND, channel="sms")
    url = reverse("admin:appointments_notification_change", args=[row.pk])
    assert _seen(client, users["official"], url, {"token": token}) == (200, {"token": False})
    assert _seen(client, users["superuser"], url, {"token": token}) == (200, {"token": True})


def test_a_superuser_who_also_holds_a_read_only_role_reads_redacted(client, users, booked, django_user_model):
    _held, confirmed = booked
    row = Notification.objects.get(appointment=confirmed.appointment, kind="confirmation", channel="sms")
    both = django_user_model.objects.create_superuser("both", password="x")  # noqa: S106
    role_grant(user=both, role=OFFICIAL)
    url = reverse("admin:appointments_notification_change", args=[row.pk])
    assert _seen(client, both, url, {"token": confirmed.manage_token}) == (200, {"token": False})


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (
            "ASAN: your code is 042917. It confirms booking K7QM-2XRP. Do not share it.",
            "ASAN: your code is ******. It confirms booking K7QM-2XRP. Do not share it.",
        ),
        (
            "ASAN: booking K7QM-2XRP confirmed: Passport, Baku 1, 08.12.2026 10:00. "
            "Manage: https://asan.example/az/appointments/manage/q0S1fJx8_-3kLw9ZzY2aBcDeFgHiJkLmNoPqRsTuVwX/",
            "ASAN: booking K7QM-2XRP confirmed: Passport, Baku 1, 08.12.2026 10:00. "
            "Manage: https://asan.example/az/appointments/manage/[hidden]/",
        ),
        (
            "https://asan.example/volunteers/calendar/Ab3dEf6hIj9kLmNoPqRsTuVwXyZ012345678_-abcd.ics",
            "https://asan.example/volunteers/calendar/[hidden].ics",
        ),
        (
            "/az/volunteers/account/set-password/MTI/cbd5kq-8f3e4a9b0c1d2e3f4a5b6c7d8e9f0a1b/",
            "/az/volunteers/account/set-password/MTI/[hidden]/",
        ),
        # Phone numbers, FINs, ticket codes, slugs and dates stay readable.
        (
            "+994501234567 A012 /az/services/passport-renewal/ 2026-12-08",
            "+994501234567 A012 /az/services/passport-renewal/ 2026-12-08",
        ),
    ],
)
def test_message_redact(text, redacted):
    assert message_redact(text) == redacted
    assert not re.search(r"\d{6}", message_redact(text).replace("994501234567", ""))


def test_each_text_is_shown_once_in_the_form_of_its_reader(client, users, booked):
    _held, confirmed = booked
    row = Notification.objects.get(appointment=confirmed.appointment, kind="confirmation", channel="sms")
    url = reverse("admin:appointments_notification_change", args=[row.pk])
    for name, expected in (("superuser", confirmed.manage_token), ("official", "/manage/[hidden]/")):
        verified_login(client, users[name])
        assert client.get(url).content.decode().count(expected) == 1, name
