"""A person's name has no invisible or bidi control characters, on every form and API that takes
one (issue 12.17): one letter padded with zero-width characters and a right-to-left override is
too short; a name with an embedded zero-width space is stored without it."""

import ipaddress
import random

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from appointments.citizens import name_normalise
from appointments.models import Appointment, WaitlistEntry
from feedback.models import Complaint
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.centres.factories import CentreFactory
from tests.volunteers.factories import baku_today
from volunteers.models import VolunteerApplication

pytestmark = pytest.mark.django_db

PADDED = "A" + "\u200b" * 60 + "\u202e"
WITH_ZWSP = "Ay\u200bsel Məm\u200bmədova"
STORED = "Aysel Məmmədova"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # form limiters count in the shared cache
    yield
    cache.clear()


def address() -> str:
    return str(ipaddress.IPv4Address((10 << 24) | random.getrandbits(24)))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (WITH_ZWSP, STORED),
        ("\u202bƏli\u200d Həsən\u2066ov\u2069\ufeff", "Əli Həsənov"),
        ("Елена\u00ad Й\u200cоршева", "Елена Йоршева"),
        # A decomposed й or ё is composed, not stripped.
        ("Ёлка Йогурт".replace("Ё", "Е\u0308").replace("Й", "И\u0306"), "Ёлка Йогурт"),
        ("İlqar\u034f Şükürov\u3164", "İlqar Şükürov"),
    ],
)
def test_invisible_characters_are_removed_and_letters_kept(typed, stored):
    assert name_normalise(typed) == stored


@pytest.mark.parametrize("typed", [PADDED, "\u200b" * 10, "Ab\u2067\u2069\u200e\u200f", "A\u0000\u0001\u0002"])
def test_what_is_left_after_removing_invisible_characters_meets_the_length_rule(typed):
    with pytest.raises(ValidationError):
        name_normalise(typed)


# --- each form and API that takes a name --------------------------------------------------------


def booking_url(service, centre, start):
    local = start.astimezone(centre.tz)
    return f"/en/appointments/book/{service.code}/{centre.code}/{local.date().isoformat()}/{local:%H:%M}/"


def test_booking_page_refuses_the_padded_name_and_stores_a_name_without_zwsp(client):
    service, centre = bookable_setup()
    start = tomorrow_at(centre, 10)
    person = citizen()

    refused = client.post(booking_url(service, centre, start), {**person, "full_name": PADDED, "language": "az"})

    assert refused.status_code == 400
    assert "Enter your full name as on your ID card." in refused.content.decode()
    assert not Appointment.objects.exists()

    booked = client.post(booking_url(service, centre, start), {**person, "full_name": WITH_ZWSP, "language": "az"})

    assert booked.status_code == 302, booked.content.decode()[:500]
    assert Appointment.objects.get().full_name == STORED


def test_booking_api_refuses_the_padded_name_and_stores_a_name_without_zwsp():
    service, centre = bookable_setup()
    api = APIClient(REMOTE_ADDR=address())
    body = {"service": service.code, "centre": centre.code, "start": tomorrow_at(centre, 10).isoformat(), **citizen()}

    refused = api.post("/api/v1/appointments/", {**body, "full_name": PADDED}, format="json")

    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["full_name"]

    booked = api.post("/api/v1/appointments/", {**body, "full_name": WITH_ZWSP}, format="json")

    assert booked.status_code == 201, booked.json()
    assert Appointment.objects.get(reference=booked.json()["reference"]).full_name == STORED


def test_waitlist_page_refuses_the_padded_name(client):
    service, centre = bookable_setup()
    day = tomorrow_at(centre, 10).date().isoformat()
    data = {**citizen(), "full_name": PADDED, "language": "az", "first_day": day, "last_day": day}

    response = client.post(f"/en/appointments/book/{service.code}/{centre.code}/waitlist/", data)

    assert response.status_code == 400
    assert "Enter your full name as on your ID card." in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def complaint_form(centre, full_name):
    return {
        "kind": "complaint",
        "centre": centre.pk,
        "full_name": full_name,
        "phone": "+994 50 123 45 67",
        "subject": "Long wait",
        "text": "I waited more than an hour and nobody explained why.",
        "consent": "on",
    }


def test_complaint_form_refuses_the_padded_name_and_stores_a_name_without_zwsp(client):
    centre = CentreFactory()

    refused = client.post("/en/feedback/complaints/new/", complaint_form(centre, PADDED), REMOTE_ADDR=address())

    assert refused.status_code in (200, 400)
    assert "Enter your full name as on your ID card." in refused.content.decode()
    assert not Complaint.objects.exists()

    sent = client.post("/en/feedback/complaints/new/", complaint_form(centre, WITH_ZWSP), REMOTE_ADDR=address())

    assert sent.status_code == 302
    assert Complaint.objects.get().full_name == STORED


def volunteer_form(centre, full_name):
    return {
        "full_name": full_name,
        "date_of_birth": baku_today().replace(year=baku_today().year - 20, day=1).isoformat(),
        "phone": "+994 55 765 43 21",
        "email": "rashad@example.az",
        "education": "bachelor",
        "languages": ["az", "ru"],
        "preferred_centres": [str(centre.pk)],
        "available_weekdays": ["1", "3"],
        "consent": "on",
    }


def test_volunteer_application_refuses_the_padded_name_and_stores_a_name_without_zwsp(client):
    centre = CentreFactory()

    refused = client.post("/en/volunteers/apply/", volunteer_form(centre, PADDED), REMOTE_ADDR=address())

    assert refused.status_code in (200, 400)
    assert "Enter your full name as on your ID card." in refused.content.decode()
    assert not VolunteerApplication.objects.exists()

    sent = client.post("/en/volunteers/apply/", volunteer_form(centre, WITH_ZWSP), REMOTE_ADDR=address())

    assert sent.status_code == 302
    assert VolunteerApplication.objects.get().full_name == STORED
