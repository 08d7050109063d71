"""Every date taken from a request goes through one rule (asan_portal/dates.py, issue 12.14):
a malformed date or one near the ends of the calendar (9999-12-31, 0001-01-01) is a 404 in a
URL path and a 400 with a message in a query string, form or API, never a 500."""

import datetime as dt
import ipaddress
import random

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from appointments.models import WaitlistEntry
from appointments.services import appointment_book
from asan_portal.dates import DateInvalid, date_from_path, date_parse
from asan_portal.roles import CENTRE_MANAGER, VOLUNTEER_COORDINATOR, role_grant
from centres.models import StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.volunteers.factories import VolunteerFactory
from volunteers.models import VolunteerApplication

pytestmark = pytest.mark.django_db

BAD_DAYS = ["9999-12-31", "0001-01-01", "2026-02-30", "garbage"]
RANGE = "Choose a day between 1900-01-01 and 2999-12-31."
FORMAT = "Write the date as YYYY-MM-DD, e.g. 2026-03-21."


def message_for(day: str) -> str:
    return RANGE if day in ("9999-12-31", "0001-01-01") else FORMAT


def week_message_for(day: str) -> str:
    # The week pages say what a week is; the shift planner keeps to a few years around today.
    return RANGE if day in ("9999-12-31", "0001-01-01") else "YYYY-MM-DD"


@pytest.fixture(autouse=True)
def english_and_fresh_limits():
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def booking(django_user_model):
    service, centre = bookable_setup()
    result = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen())
    manager = django_user_model.objects.create_user("manager", password="pw")  # noqa: S106
    role_grant(user=manager, role=CENTRE_MANAGER)
    StaffMembership.objects.create(user=manager, centre=centre, role=StaffRole.MANAGER)
    return {
        "service": service,
        "centre": centre,
        "appointment": result.appointment,
        "token": result.manage_token,
        "manager": manager,
    }


@pytest.fixture
def coordinator(django_user_model):
    user = django_user_model.objects.create_user("coordinator", password="pw")  # noqa: S106
    role_grant(user=user, role=VOLUNTEER_COORDINATOR)
    return user


def api_client() -> APIClient:
    return APIClient(REMOTE_ADDR=str(ipaddress.IPv4Address((10 << 24) | random.getrandbits(24))))


# --- the rule itself ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*BAD_DAYS, "", None, "2026-3-2", " 2026-03-02x", "20260302", "2026-W10-1"])
def test_date_parse_refuses_with_a_message_and_the_path_form_is_a_404(value):
    from django.http import Http404

    with pytest.raises(DateInvalid) as refused:
        date_parse(value)
    assert refused.value.message in (RANGE, FORMAT)
    assert isinstance(refused.value, ValueError)
    with pytest.raises(Http404):
        date_from_path(value)


def test_date_parse_takes_the_ends_of_its_range():
    assert date_parse("1900-01-01") == dt.date(1900, 1, 1)
    assert date_parse(" 2999-12-31 ") == dt.date(2999, 12, 31)


# --- dates in URL paths: 404 ------------------------------------------------------------------------


@pytest.mark.parametrize("day", BAD_DAYS)
def test_booking_pages_with_a_bad_day_in_the_path_are_404(client, booking, day):
    service, centre, reference = booking["service"].code, booking["centre"].code, booking["appointment"].reference
    opened = client.get(f"/az/appointments/manage/{booking['token']}/")  # the private link grants this session
    assert opened.status_code == 303
    urls = [
        f"/az/appointments/book/{service}/{centre}/{day}/",
        f"/az/appointments/book/{service}/{centre}/{day}/23:59/",
        f"/az/appointments/booking/{reference}/move/{day}/",
        f"/az/appointments/booking/{reference}/move/{day}/23:59/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(urls[1], citizen()).status_code == 404
    assert client.post(urls[3]).status_code == 404


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "garbage"])
def test_booking_calendars_with_a_bad_month_show_a_month_of_the_booking_window(client, booking, month):
    service, centre, reference = booking["service"].code, booking["centre"].code, booking["appointment"].reference
    opened = client.get(f"/en/appointments/manage/{booking['token']}/")  # the private link grants this session
    assert opened.status_code == 303
    today = tomorrow_at(booking["centre"], 10).date() - dt.timedelta(days=1)
    for url in (f"/en/appointments/book/{service}/{centre}/", f"/en/appointments/booking/{reference}/move/"):
        response = client.get(url, {"month": month})
        assert response.status_code == 200, url
        assert 0 <= (response.context["month"] - today.replace(day=1)).days <= 62


# --- dates in query strings and forms: 400 with a message ----------------------------------------------


@pytest.mark.parametrize("day", BAD_DAYS)
def test_the_staff_day_list_with_a_bad_date_is_a_400_with_a_message(client, booking, day):
    client.force_login(booking["manager"])

    response = client.get(f"/en/staff/appointments/{booking['centre'].code}/", {"date": day})

    assert response.status_code == 400
    assert message_for(day) in response.content.decode()


@pytest.mark.parametrize("day", BAD_DAYS)
def test_the_staff_phone_in_search_with_a_bad_date_is_a_400_with_a_message(client, booking, day):
    client.force_login(booking["manager"])

    response = client.get(
        f"/en/staff/appointments/{booking['centre'].code}/book/", {"service": booking["service"].pk, "date": day}
    )

    assert response.status_code == 400
    assert message_for(day) in response.content.decode()


@pytest.mark.parametrize("day", BAD_DAYS)
def test_the_staff_move_page_with_a_bad_date_is_a_400_with_a_message(client, booking, day):
    client.force_login(booking["manager"])
    url = f"/en/staff/appointments/{booking['centre'].code}/{booking['appointment'].reference}/move/"

    for response in (client.get(url, {"date": day}), client.post(f"{url}?date={day}", {"start": "x"})):
        assert response.status_code == 400
        assert message_for(day) in response.content.decode()


@pytest.mark.parametrize("day", BAD_DAYS)
def test_roster_csv_and_coverage_with_a_bad_week_are_a_400_with_a_message(client, booking, coordinator, day):
    client.force_login(coordinator)
    code = booking["centre"].code

    for url, malformed in (
        (f"/en/volunteers/coordinator/roster/{code}/?week={day}", "YYYY-MM-DD"),
        (f"/en/volunteers/coordinator/coverage/?centre={code}&week={day}", "YYYY-MM-DD"),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert (RANGE if day in ("9999-12-31", "0001-01-01") else malformed) in response.content.decode(), url
    # The shift planner keeps to its own, narrower range, with its own message.
    planner = client.get(f"/en/volunteers/coordinator/shifts/centre/{code}/?week={day}")
    assert planner.status_code == 400
    expected = "within 5 years" if day in ("9999-12-31", "0001-01-01") else "Enter a date like 2026-12-07."
    assert expected in planner.content.decode()
    csv_response = client.get(f"/en/volunteers/coordinator/roster/{code}/csv/?week={day}")
    assert csv_response.status_code == 400
    assert week_message_for(day) in csv_response.content.decode()


@pytest.mark.parametrize("day", BAD_DAYS)
def test_the_waitlist_form_with_a_bad_day_is_a_400_with_a_message(client, booking, day):
    service, centre = booking["service"].code, booking["centre"].code
    data = {**citizen(), "language": "az", "first_day": day, "last_day": day}

    response = client.post(f"/en/appointments/book/{service}/{centre}/waitlist/", data)

    assert response.status_code == 400
    assert (
        message_for(day).split(",")[0] in response.content.decode() or "Enter a valid date" in response.content.decode()
    )
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_volunteer_form_with_a_date_of_birth_out_of_range_is_a_400_with_a_message(client, booking, day):
    data = {
        "full_name": "Rəşad Əliyev",
        "date_of_birth": day,
        "phone": "+994 55 765 43 21",
        "email": "rashad@example.az",
        "education": "bachelor",
        "languages": ["az"],
        "preferred_centres": [str(booking["centre"].pk)],
        "available_weekdays": ["1"],
        "consent": "on",
    }

    response = client.post("/en/volunteers/apply/", data)

    assert response.status_code == 400
    assert RANGE in response.content.decode()
    assert not VolunteerApplication.objects.exists()


@pytest.mark.parametrize("day", BAD_DAYS)
def test_completing_the_programme_with_a_bad_date_is_a_400_with_a_message(client, coordinator, day):
    volunteer = VolunteerFactory()
    client.force_login(coordinator)

    response = client.post(
        reverse("volunteers:coordinator-volunteer", kwargs={"pk": volunteer.pk}), {"completed_on": day}
    )

    assert response.status_code == 400
    assert week_message_for(day) in response.content.decode()


# --- dates in the API: 400 in the error shape --------------------------------------------------------


@pytest.mark.parametrize("day", BAD_DAYS)
def test_the_availability_api_with_a_bad_date_is_a_400_in_the_error_shape(booking, day):
    query = {"service": booking["service"].code, "centre": booking["centre"].code, "date": day}

    response = api_client().get("/api/v1/availability/", query)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["date"]


@pytest.mark.parametrize("start", ["9999-12-31T23:59:00", "0001-01-01T00:00:00+04:00", "9999-12-31T23:59:00-12:00"])
def test_booking_and_moving_by_api_at_the_ends_of_the_calendar_is_a_400(booking, start):
    body = {"service": booking["service"].code, "centre": booking["centre"].code, "start": start, **citizen()}

    created = api_client().post("/api/v1/appointments/", body, format="json")
    moved = api_client().post(
        f"/api/v1/appointments/{booking['appointment'].reference}/reschedule/",
        {"start": start},
        format="json",
        HTTP_X_MANAGE_TOKEN=booking["token"],
    )

    for response in (created, moved):
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["start"]


@pytest.mark.parametrize("day", BAD_DAYS)
def test_creating_a_shift_on_a_bad_date_is_a_400_with_a_message(client, booking, coordinator, day):
    client.force_login(coordinator)
    data = {"date": day, "start_time": "09:00", "end_time": "13:00", "role": "entrance", "needed": "2"}

    response = client.post(f"/en/volunteers/coordinator/shifts/centre/{booking['centre'].code}/create/", data)

    assert response.status_code == 400
    # The shift's own rules (not in the past, up to 366 days ahead) are narrower than the calendar's.
    expected = {"9999-12-31": "up to 366 days ahead", "0001-01-01": "must not be in the past"}
    assert expected.get(day, "Enter a date like 2026-12-07.") in response.content.decode()
