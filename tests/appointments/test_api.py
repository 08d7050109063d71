"""The booking REST API: free times, booking, SMS code, manage token, and every refusal."""

import datetime as dt
import ipaddress
import json
import random

import pytest
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from appointments.errors import MESSAGES
from appointments.models import Appointment, AppointmentStatus, Notification
from centres.models import Centre, PublicHoliday
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.centres.factories import CityFactory, offer
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def new_address() -> str:
    # A fresh address per client: rate-limit counters live in a Redis shared with other runs.
    return str(ipaddress.IPv4Address((10 << 24) | random.getrandbits(24)))


def new_client(**defaults) -> APIClient:
    defaults.setdefault("REMOTE_ADDR", new_address())
    return APIClient(**defaults)


@pytest.fixture
def api():
    return new_client()


def translated(message, language: str, **params) -> str:
    with translation.override(language):
        text = str(message)
        return text % params if params else text


def booking_body(service_, centre_, start_, person=None, **extra):
    body = {"service": service_.code, "centre": centre_.code, "start": start_.isoformat(), **(person or citizen())}
    body.update(extra)
    return body


def book(api, service_, centre_, start_, person=None, headers=None, **extra):
    return api.post(
        "/api/v1/appointments/",
        booking_body(service_, centre_, start_, person, **extra),
        format="json",
        **(headers or {}),
    )


def latest_code(phone: str) -> str:
    # The outbox row is written with the booking (the SMS itself goes out after commit).
    body = Notification.objects.filter(recipient=phone, kind="verification_code").order_by("-id").first().body
    return next(word for word in body.replace(".", " ").replace(":", " ").split() if word.isdigit() and len(word) == 6)


def manage(token: str) -> dict:
    return {"HTTP_X_MANAGE_TOKEN": token}


# --- Availability -----------------------------------------------------------------------------


def test_free_times_of_a_day_have_iso_times_with_offset_and_places_left(api):
    # given
    service, centre = bookable_setup(counters=2, duration=20)
    day = tomorrow_at(centre, 10).date()
    # when
    response = api.get("/api/v1/availability/", {"service": service.code, "centre": centre.code, "date": str(day)})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == centre.timezone
    first = body["slots"][0]
    assert first["start"] == tomorrow_at(centre, 9).isoformat()
    assert first["start"].endswith("+04:00")
    assert dt.datetime.fromisoformat(first["end"]) - dt.datetime.fromisoformat(first["start"]) == dt.timedelta(
        minutes=20
    )
    assert first["places_left"] == 2


def test_a_booked_time_has_one_place_fewer(api):
    service, centre = bookable_setup(counters=2)
    start = tomorrow_at(centre, 10)
    assert book(api, service, centre, start).status_code == 201

    slots = api.get(
        "/api/v1/availability/", {"service": service.code, "centre": centre.code, "date": str(start.date())}
    ).json()["slots"]

    assert {s["start"]: s["places_left"] for s in slots}[start.isoformat()] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"service": "no-such-service", "centre": None, "date": None}, "service"),
        ({"service": None, "centre": "no-such-centre", "date": None}, "centre"),
        ({"service": None, "centre": None, "date": "21.03.2026"}, "date"),
        ({"service": None, "centre": None, "date": "2026-02-30"}, "date"),
        ({"service": None, "centre": "bad code!", "date": None}, "centre"),
    ],
)
def test_availability_refuses_unknown_codes_and_bad_dates_with_a_field_error(api, query, field):
    service, centre = bookable_setup()
    defaults = {"service": service.code, "centre": centre.code, "date": str(tomorrow_at(centre, 9).date())}
    params = {key: value if value is not None else defaults[key] for key, value in query.items()}

    response = api.get("/api/v1/availability/", params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]


def test_availability_date_error_is_translated(api):
    service, centre = bookable_setup()
    query = {"service": service.code, "centre": "nope", "date": "2026-01-01", "lang": "az"}

    response = api.get("/api/v1/availability/", query)

    assert response.json()["error"]["fields"]["centre"] == ["“nope” kodlu xidmət mərkəzi yoxdur."]
    assert response["Content-Language"] == "az"


def test_availability_of_a_service_not_bookable_online_is_refused(api):
    service, centre = bookable_setup()
    service.bookable_online = False
    service.save()

    response = api.get(
        "/api/v1/availability/",
        {"service": service.code, "centre": centre.code, "date": str(tomorrow_at(centre, 9).date()), "lang": "ru"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "not_bookable",
        "message": translated(MESSAGES["not_bookable"], "ru"),
        "fields": {},
    }


def test_earliest_lists_each_centre_soonest_first_and_filters_by_city(api, settings):
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "WALK_IN_SHARE": 0, "SLOT_STEP_MINUTES": 60}
    # given: one service at two centres; the first centre's only counter is full tomorrow
    service, early = bookable_setup(counters=1, duration=60, opens=dt.time(9), closes=dt.time(10))
    _other, late = bookable_setup(counters=1, duration=60, opens=dt.time(9), closes=dt.time(10))
    offer(Centre.objects.get(pk=late.pk), service, counters=1)
    Centre.objects.filter(pk=late.pk).update(city=CityFactory(code="ganja", name_az="Gəncə", name_en="Ganja"))
    # Today is a holiday, so "tomorrow" is the first day for both centres at any hour of the run
    # (before 08:00 in Baku today's 09:00 would still be free at both and tie).
    PublicHoliday.objects.create(date=dt.datetime.now(early.tz).date(), name_az="Sınaq günü")
    book(api, service, early, tomorrow_at(early, 9))
    # when
    response = api.get("/api/v1/availability/earliest/", {"service": service.code})
    # then: the other centre is free tomorrow, the first only the day after
    results = response.json()["results"]
    assert [r["centre"]["code"] for r in results] == [late.code, early.code]
    assert results[0]["start"] == tomorrow_at(late, 9).isoformat()
    assert results[1]["start"] == tomorrow_at(early, 9, days=2).isoformat()
    assert results[0]["places_left"] == 1
    # and: one city only
    only = api.get("/api/v1/availability/earliest/", {"service": service.code, "city": early.city.code}).json()
    assert [r["centre"]["code"] for r in only["results"]] == [early.code]


def test_earliest_refuses_an_unknown_city(api):
    service, _centre = bookable_setup()
    CityFactory()

    response = api.get("/api/v1/availability/earliest/", {"service": service.code, "city": "atlantis"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["city"]


# --- Booking, code, manage token -----------------------------------------------------------------


def test_citizen_books_confirms_reads_and_cancels_through_the_api(api):
    # given
    service, centre = bookable_setup()
    start = tomorrow_at(centre, 10)
    person = citizen()
    # when: book
    response = book(api, service, centre, start, person, language="en")
    # then: held, with reference and a token shown once
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "held"
    assert body["start"] == start.isoformat()
    assert body["service"] == service.code and body["centre"] == centre.code
    assert dt.datetime.fromisoformat(body["hold_expires_at"]) > timezone.now()
    appointment = Appointment.objects.get(reference=body["reference"])
    assert body["manage_token"] not in appointment.manage_token_hash
    assert f"/en/appointments/manage/{body['manage_token']}/" in body["manage_url"]
    token = body["manage_token"]
    # when: the SMS code
    verified = api.post(
        f"/api/v1/appointments/{body['reference']}/verify/",
        {"code": latest_code(appointment.phone)},
        format="json",
        **manage(token),
    )
    assert verified.status_code == 200, verified.json()
    assert verified.json()["status"] == "confirmed"
    # when: read and cancel
    detail = api.get(f"/api/v1/appointments/{body['reference']}/", **manage(token))
    assert detail.status_code == 200
    assert detail.json()["reference"] == body["reference"]
    assert "manage_token" not in detail.json()
    cancelled = api.post(f"/api/v1/appointments/{body['reference']}/cancel/", **manage(token))
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_a_time_without_offset_is_the_centres_local_time(api):
    service, centre = bookable_setup()
    start = tomorrow_at(centre, 11)

    response = api.post(
        "/api/v1/appointments/",
        {**booking_body(service, centre, start), "start": start.replace(tzinfo=None).isoformat()},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert Appointment.objects.get().starts_at == start


def test_a_taken_time_answers_409_with_the_nearest_free_times_in_the_request_language(api):
    service, centre = bookable_setup(counters=1)
    start = tomorrow_at(centre, 10)
    assert book(api, service, centre, start).status_code == 201

    response = api.post("/api/v1/appointments/?lang=az", booking_body(service, centre, start), format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "slot_taken"
    assert error["message"] == translated(MESSAGES["slot_taken"], "az")
    assert error["message"] != translated(MESSAGES["slot_taken"], "en")
    assert error["nearest"]
    assert all(set(slot) == {"start", "end", "places_left"} for slot in error["nearest"])
    assert start.isoformat() not in [slot["start"] for slot in error["nearest"]]


def _closed_day(centre):
    day = tomorrow_at(centre, 10)
    while day.weekday() != 6:  # the centre is closed on Sundays
        day += dt.timedelta(days=1)
    return day


@pytest.mark.parametrize(
    ("case", "status", "code", "message_key", "params"),
    [
        ("past", 400, "past", "past", {}),
        ("too_soon", 400, "outside_booking_window", "too_soon", {"minutes": 60}),
        ("too_far", 400, "outside_booking_window", "too_far", {"days": 30}),
        ("closed_day", 400, "closed", "closed", {}),
        ("closed_hour", 400, "closed", "closed", {}),
        ("not_bookable", 400, "not_bookable", "not_bookable", {}),
        ("not_offered", 400, "not_offered", "not_offered", {}),
        ("limit_day", 409, "limit_per_day", "limit_day", {}),
        ("limit_active", 409, "limit_reached", "limit_active", {"limit": 1}),
    ],
)
@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_every_booking_rule_refusal_has_its_status_and_translated_message(
    api, settings, case, status, code, message_key, params, language
):
    # given
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "MAX_ACTIVE_PER_CITIZEN": 1}
    service, centre = bookable_setup(counters=2, weekdays=range(6))
    person = citizen()
    start = tomorrow_at(centre, 10)
    if tomorrow_at(centre, 10).weekday() == 6:
        start = tomorrow_at(centre, 10, days=2)
    now = timezone.now()
    if case == "past":
        start = (now - dt.timedelta(hours=2)).astimezone(centre.tz).replace(second=0, microsecond=0)
    elif case == "too_soon":
        start = (now + dt.timedelta(minutes=20)).astimezone(centre.tz).replace(second=0, microsecond=0)
    elif case == "too_far":
        start = tomorrow_at(centre, 10, days=40)
    elif case == "closed_day":
        start = _closed_day(centre)
    elif case == "closed_hour":
        start = start.replace(hour=20)
    elif case == "not_bookable":
        service.bookable_online = False
        service.save()
    elif case == "not_offered":
        service = ServiceFactory(bookable_online=True)
    elif case == "limit_day":
        settings.APPOINTMENTS = {**settings.APPOINTMENTS, "MAX_ACTIVE_PER_CITIZEN": 3}
        assert book(new_client(), service, centre, start, person).status_code == 201
        start = start + dt.timedelta(hours=2)
    elif case == "limit_active":
        other = ServiceFactory(bookable_online=True)
        offer(Centre.objects.get(pk=centre.pk), other, counters=1)
        assert book(new_client(), other, centre, start, person).status_code == 201
    # when
    response = book(api, service, centre, start, person, headers={"HTTP_ACCEPT_LANGUAGE": language})
    # then
    assert response.status_code == status, response.json()
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"] == translated(MESSAGES[message_key], language, **params)
    if language != "en":
        assert error["message"] != translated(MESSAGES[message_key], "en", **params), "not translated"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fin", "12"),
        ("fin", "ABC-DEF1"),
        ("fin", "ABCDEFGH"),
        ("phone", "12345"),
        ("phone", "+994 12 555 55 55"),
        ("phone", "+7 912 555 55 55"),
        ("full_name", "  "),
        ("email", "not-an-address"),
    ],
)
def test_bad_details_answer_400_with_a_translated_message_for_the_field(api, field, value):
    service, centre = bookable_setup()

    response = book(
        api, service, centre, tomorrow_at(centre, 10), headers={"HTTP_ACCEPT_LANGUAGE": "en"}, **{field: value}
    )
    az = api.post(
        "/api/v1/appointments/?lang=az",
        booking_body(service, centre, tomorrow_at(centre, 10), **{field: value}),
        format="json",
    )

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert az.status_code == 400
    assert az.json()["error"]["fields"][field] != response.json()["error"]["fields"][field]
    assert az.json()["error"]["message"] == translated(MESSAGES["invalid"], "az")
    assert az.json()["error"]["message"] != translated(MESSAGES["invalid"], "en")
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service": "no-such-service"}, "service"),
        ({"centre": "no-such-centre"}, "centre"),
        ({"start": "tomorrow at ten"}, "start"),
        ({"start": "2026-13-01T10:00"}, "start"),
        ({"start": "9999-12-31T23:59:00-12:00"}, "start"),
        ({"start": "0001-01-01T00:00:00"}, "start"),
        ({"language": "fr"}, "language"),
        ({"fin": None}, "fin"),
    ],
)
def test_unknown_codes_and_bad_formats_are_field_errors(api, change, field):
    service, centre = bookable_setup()
    body = booking_body(service, centre, tomorrow_at(centre, 10), **change)
    body = {key: value for key, value in body.items() if value is not None}

    response = api.post("/api/v1/appointments/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_malformed_json_is_a_400_in_the_error_shape(api):
    response = api.post("/api/v1/appointments/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()["error"]) >= {"code", "message", "fields"}


def test_a_wrong_code_is_refused_then_too_many_cancel_the_hold(api, settings):
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "CODE_MAX_ATTEMPTS": 2}
    service, centre = bookable_setup()
    body = book(api, service, centre, tomorrow_at(centre, 10)).json()
    right = latest_code(Appointment.objects.get().phone)
    wrong = "000000" if right != "000000" else "111111"
    url = f"/api/v1/appointments/{body['reference']}/verify/?lang=az"

    first = api.post(url, {"code": wrong}, format="json", **manage(body["manage_token"]))
    second = api.post(url, {"code": wrong}, format="json", **manage(body["manage_token"]))

    assert first.status_code == 400
    assert first.json()["error"]["code"] == "wrong_code"
    assert first.json()["error"]["message"] == translated(MESSAGES["wrong_code"], "az")
    assert second.status_code == 429
    assert second.json()["error"]["message"] == translated(MESSAGES["too_many_attempts"], "az")
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
    # the right code now is too late
    late = api.post(url, {"code": right}, format="json", **manage(body["manage_token"]))
    assert late.status_code == 409


@pytest.mark.parametrize("action", ["detail", "verify", "cancel", "reschedule"])
@pytest.mark.parametrize("token_case", ["missing", "wrong", "other_booking"])
def test_a_wrong_or_missing_manage_token_is_404_like_an_unknown_reference(api, action, token_case):
    service, centre = bookable_setup(counters=2)
    mine = book(api, service, centre, tomorrow_at(centre, 10)).json()
    other = book(api, service, centre, tomorrow_at(centre, 11)).json()
    token = {"missing": None, "wrong": "x" * 43, "other_booking": other["manage_token"]}[token_case]
    headers = manage(token) if token else {}
    url = f"/api/v1/appointments/{mine['reference']}/"
    if action == "detail":
        response = api.get(url, **headers)
    else:
        body = {"verify": {"code": "123456"}, "cancel": {}, "reschedule": {"start": mine["end"]}}[action]
        response = api.post(f"{url}{action}/", body, format="json", **headers)
    unknown = api.get("/api/v1/appointments/ZZZZ-ZZZZ/", **manage(mine["manage_token"]))

    assert response.status_code == 404
    assert response.json() == unknown.json()
    assert Appointment.objects.get(reference=mine["reference"]).status == AppointmentStatus.HELD


def test_a_reference_is_matched_without_regard_to_case(api):
    service, centre = bookable_setup()
    body = book(api, service, centre, tomorrow_at(centre, 10)).json()

    response = api.get(f"/api/v1/appointments/{body['reference'].lower()}/", **manage(body["manage_token"]))

    assert response.status_code == 200


def test_reschedule_moves_the_booking_and_frees_the_old_time(api):
    service, centre = bookable_setup(counters=1)
    old, new = tomorrow_at(centre, 10), tomorrow_at(centre, 14)
    body = book(api, service, centre, old).json()

    response = api.post(
        f"/api/v1/appointments/{body['reference']}/reschedule/",
        {"start": new.isoformat()},
        format="json",
        **manage(body["manage_token"]),
    )

    assert response.status_code == 200, response.json()
    assert response.json()["start"] == new.isoformat()
    assert book(api, service, centre, old).status_code == 201


def test_reschedule_to_a_taken_time_is_409_with_nearest(api):
    service, centre = bookable_setup(counters=1)
    body = book(api, service, centre, tomorrow_at(centre, 10)).json()
    book(api, service, centre, tomorrow_at(centre, 14))

    response = api.post(
        f"/api/v1/appointments/{body['reference']}/reschedule/",
        {"start": tomorrow_at(centre, 14).isoformat()},
        format="json",
        **manage(body["manage_token"]),
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_taken"
    assert response.json()["error"]["nearest"]


@pytest.mark.parametrize("action", ["cancel", "reschedule"])
def test_cancel_and_reschedule_close_at_the_cut_off(api, settings, action):
    # given: a booking tomorrow at noon (12 to 36 hours ahead, whatever the time of day the
    # test runs); the cut-off is 48 hours, so it has passed
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "CHANGE_CUTOFF_MINUTES": 48 * 60}
    service, centre = bookable_setup()
    soon = tomorrow_at(centre, 12)
    body = book(api, service, centre, soon).json()
    assert "reference" in body, body
    # when
    payload = {"start": tomorrow_at(centre, 12, days=2).isoformat()} if action == "reschedule" else {}
    response = api.post(
        f"/api/v1/appointments/{body['reference']}/{action}/?lang=az",
        payload,
        format="json",
        **manage(body["manage_token"]),
    )
    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_late_to_change"
    assert response.json()["error"]["message"] == translated(MESSAGES["too_late_to_change"], "az", minutes=48 * 60)
    assert Appointment.objects.get().starts_at == soon


def test_cancelling_twice_is_a_clear_409(api):
    service, centre = bookable_setup()
    body = book(api, service, centre, tomorrow_at(centre, 10)).json()
    url = f"/api/v1/appointments/{body['reference']}/cancel/"

    assert api.post(url, **manage(body["manage_token"])).status_code == 200
    again = api.post(url, **manage(body["manage_token"]))

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "illegal_transition"


# --- Rate limits through the API -------------------------------------------------------------------


def test_booking_is_rate_limited_per_client_with_retry_after_and_a_message(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking_create": "2/m"}
    service, centre = bookable_setup(counters=3)
    client, neighbour = new_client(), new_client()

    answers = [book(client, service, centre, tomorrow_at(centre, 10)).status_code for _ in range(3)]
    limited = book(client, service, centre, tomorrow_at(centre, 11))

    assert answers == [201, 201, 429]
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    assert limited.json()["error"]["retry_after"] == int(limited["Retry-After"])
    assert book(neighbour, service, centre, tomorrow_at(centre, 12)).status_code == 201


def test_code_attempts_are_limited_per_booking_across_client_addresses(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "code_attempt_booking": "3/600"}
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "CODE_MAX_ATTEMPTS": 100}
    service, centre = bookable_setup()
    body = book(new_client(), service, centre, tomorrow_at(centre, 10)).json()
    url = f"/api/v1/appointments/{body['reference']}/verify/"

    # each attempt from a different address: only the per-booking limit can stop them
    answers = [
        new_client().post(url, {"code": "000001"}, format="json", **manage(body["manage_token"])).status_code
        for _ in range(4)
    ]

    assert answers[:3] == [400, 400, 400]
    assert answers[3] == 429


# --- Nothing produces a 5xx -------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)


@hypothesis_settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    data=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "service": st.sampled_from(["svc", "", "x" * 200]) | json_values,
                "centre": st.sampled_from(["ctr", ""]) | json_values,
                "start": st.sampled_from(
                    ["2026-03-02T10:00:00+04:00", "9999-12-31T23:59-12:00", "0001-01-01T00:00+14:00"]
                )
                | st.datetimes().map(lambda d: d.isoformat())
                | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
                | json_values,
                "full_name": st.text(max_size=200) | json_values,
                "fin": st.text(max_size=10) | json_values,
                "phone": st.text(alphabet="+0123456789 ", max_size=20) | json_values,
                "email": st.text(max_size=60) | json_values,
                "language": st.sampled_from(["az", "en", "ru", "xx"]) | json_values,
            },
        ),
    ),
    idempotency_key=st.none() | st.text(max_size=200),
)
def test_random_json_bodies_never_produce_a_server_error(bookable, data, idempotency_key):
    service, centre = bookable
    if isinstance(data, dict):
        data = {
            key: (service.code if value == "svc" else centre.code if value == "ctr" else value)
            for key, value in data.items()
        }
    headers = {}
    if idempotency_key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key.encode("utf-8", "replace").decode("latin-1", "replace")
    response = new_client().post("/api/v1/appointments/", json.dumps(data), content_type="application/json", **headers)
    assert response.status_code < 500, response.content
    assert response.status_code in (201, 400, 409, 422, 429)
    assert set(response.json()["error"]) >= {"code", "message"} if response.status_code != 201 else True


@pytest.fixture
def bookable():
    return bookable_setup()


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    query=st.dictionaries(
        st.sampled_from(["service", "centre", "date", "city", "lang"]),
        st.sampled_from(["svc", "ctr", "2026-03-02", "0001-01-01", "9999-12-31", "", "az"]) | st.text(max_size=30),
    ),
    earliest=st.booleans(),
)
def test_random_availability_queries_never_produce_a_server_error(bookable, query, earliest):
    service, centre = bookable
    query = {key: service.code if v == "svc" else centre.code if v == "ctr" else v for key, v in query.items()}
    url = "/api/v1/availability/earliest/" if earliest else "/api/v1/availability/"

    response = new_client().get(url, query)

    assert response.status_code in (200, 400), response.content


def test_availability_is_rate_limited_per_client(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "availability": "2/m"}
    service, centre = bookable_setup()
    client = new_client()
    query = {"service": service.code, "centre": centre.code, "date": str(tomorrow_at(centre, 9).date())}

    answers = [client.get("/api/v1/availability/", query).status_code for _ in range(3)]
    earliest = client.get("/api/v1/availability/earliest/", {"service": service.code})

    assert answers == [200, 200, 429]
    assert earliest.status_code == 429
    assert earliest["Retry-After"]
