"""The citizen's booking pages, step by step, with the Django test client."""

import datetime as dt
import ipaddress
import random
import re

import icalendar
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import resolve, reverse
from django.utils import translation

from appointments import availability
from appointments.citizens import fin_normalise
from appointments.models import Appointment, AppointmentStatus, SmsLogEntry, WaitlistEntry
from appointments.notifications import notifications_send_due
from appointments.services import appointment_book, appointment_verify
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.services.factories import RequiredDocumentFactory

pytestmark = pytest.mark.django_db

DETAILS = {"full_name": "Aynur Məmmədova", "fin": "5zx8k2m", "phone": "050 123 45 67", "email": "", "language": "en"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the limiter counts in the shared cache: start every test at zero
    yield
    cache.clear()


def url(name, lang="en", **kwargs):
    with translation.override(lang):
        return reverse(f"appointments:{name}", kwargs=kwargs)


def details_url(service, centre, start, lang="en"):
    local = start.astimezone(centre.tz)
    return url(
        "book_details",
        lang,
        service=service.code,
        centre=centre.code,
        day=local.date().isoformat(),
        time=f"{local:%H:%M}",
    )


def book_held(client, service, centre, start, details=DETAILS, lang="en"):
    return client.post(details_url(service, centre, start, lang), details)


def sms_code(phone="+994501234567"):
    notifications_send_due()  # what the worker does after commit (tests run inside one transaction)
    body = SmsLogEntry.objects.filter(recipient=phone).order_by("-id").first().body
    return re.search(r"\b(\d{6})\b", body).group(1)


def confirmed(client, service, centre, start, details=DETAILS):
    """Book through the pages and confirm with the code from the SMS log; returns the manage token."""
    book_held(client, service, centre, start, details)
    client.post(url("book_verify"), {"code": sms_code()})
    return client.session["appointments_held_token"]


# --- service and centre ----------------------------------------------------------------------


def test_the_service_pages_book_button_arrives_at_the_centre_step(client):
    service, centre = bookable_setup()
    response = client.get(url("book") + f"?service={service.code}")
    assert response.status_code == 302
    assert response["Location"] == url("book_centre", service=service.code)


def test_the_service_step_finds_only_services_that_can_be_booked(client):
    service, _centre = bookable_setup()
    other, _ = bookable_setup()
    other.bookable_online = False
    other.save()
    response = client.get(url("book"), {"q": "Service"})
    text = response.content.decode()
    assert service.name_en in text
    assert other.name_en not in text


def test_a_service_that_cannot_be_booked_online_has_no_booking_pages(client):
    service, centre = bookable_setup()
    service.bookable_online = False
    service.save()
    assert client.get(url("book_centre", service=service.code)).status_code == 404
    assert client.get(url("book_date", service=service.code, centre=centre.code)).status_code == 404


def test_each_centre_shows_its_earliest_free_time(client):
    service, centre = bookable_setup()
    earliest = availability.earliest_slots(service=service, centres=[centre])[0].slot.starts_at
    response = client.get(url("book_centre", service=service.code))
    assert response.status_code == 200
    text = response.content.decode()
    assert centre.name_en in text
    assert f"{earliest:%d.%m.%Y}, {earliest:%H:%M}" in text
    assert url("book_date", service=service.code, centre=centre.code) in text


# --- date and time ---------------------------------------------------------------------------


def test_the_calendar_links_days_with_room_and_says_which_days_are_closed(client):
    # given a centre open Monday to Friday only
    service, centre = bookable_setup(weekdays=range(5))
    tomorrow = dt.datetime.now(centre.tz).date() + dt.timedelta(days=1)
    month = tomorrow.replace(day=1)
    # when
    response = client.get(url("book_date", service=service.code, centre=centre.code), {"month": f"{month:%Y-%m}"})
    # then every weekday in the window is a link and every Sunday says "Closed" in words
    assert response.status_code == 200
    cells = {cell["day"]: cell for week in response.context["weeks"] for cell in week if cell["state"] != "other"}
    text = response.content.decode()
    for day, cell in cells.items():
        if day < tomorrow:
            continue
        if day.weekday() >= 5 and day <= tomorrow + dt.timedelta(days=29):
            assert cell["state"] == "closed"
        elif day <= tomorrow + dt.timedelta(days=29):
            assert cell["state"] == "free", day
            assert cell["url"] in text
    assert "Closed" in text
    assert "times" in text


def test_a_fully_booked_day_is_marked_full(client):
    service, centre = bookable_setup(duration=60, opens=dt.time(9), closes=dt.time(11))
    # 2 open hours, 30% kept for walk-ins: one 60-minute booking fills the bookable share
    appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 9), **citizen())
    day = tomorrow_at(centre, 9).date()
    response = client.get(url("book_date", service=service.code, centre=centre.code), {"month": f"{day:%Y-%m}"})
    cell = next(c for week in response.context["weeks"] for c in week if c["day"] == day)
    assert cell["state"] == "full"
    assert "Full" in response.content.decode()


def test_the_month_switch_answers_htmx_with_the_calendar_only(client):
    service, centre = bookable_setup()
    response = client.get(url("book_date", service=service.code, centre=centre.code), headers={"HX-Request": "true"})
    text = response.content.decode()
    assert 'id="booking-calendar"' in text
    assert "<html" not in text


def test_the_times_page_lists_free_times_as_links_to_the_details_step(client):
    service, centre = bookable_setup()
    start = tomorrow_at(centre, 10)
    response = client.get(url("book_time", service=service.code, centre=centre.code, day=start.date().isoformat()))
    assert response.status_code == 200
    assert details_url(service, centre, start) in response.content.decode()


def test_malformed_dates_and_times_are_not_found(client):
    service, centre = bookable_setup()
    assert client.get(url("book_time", service=service.code, centre=centre.code, day="2026-13-45")).status_code == 404
    bad = url("book_details", service=service.code, centre=centre.code, day="2026-01-02", time="25:99")
    assert client.get(bad).status_code == 404
    assert client.post(bad, DETAILS).status_code == 404


# --- details, code, confirmation -------------------------------------------------------------


def test_the_details_form_offers_the_page_language_and_explains_the_fin(client):
    service, centre = bookable_setup()
    response = client.get(details_url(service, centre, tomorrow_at(centre, 10), lang="ru"))
    assert response.status_code == 200
    assert response.context["form"].initial["language"] == "ru"
    assert "FİN" in response.content.decode()


def test_details_hold_the_time_and_send_a_code_without_putting_the_token_in_a_url(client):
    service, centre = bookable_setup()
    response = book_held(client, service, centre, tomorrow_at(centre, 10))
    assert response.status_code == 302
    assert response["Location"] == url("book_verify")
    appointment = Appointment.objects.get()
    assert appointment.status == AppointmentStatus.HELD
    assert appointment.fin == "5ZX8K2M"
    assert appointment.phone == "+994501234567"
    assert appointment.language == "en"
    assert re.fullmatch(r"\d{6}", sms_code())
    page = client.get(url("book_verify"))
    assert page.status_code == 200
    assert client.session["appointments_held_token"] not in page.content.decode()
    assert "until" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fin", "12", "7 Latin letters and digits"),
        ("phone", "+994 12 555 55 55", "Azerbaijani mobile number"),
        ("full_name", "..", "full name as on your ID card"),
        ("email", "not-an-email", "valid email"),
    ],
)
def test_bad_details_are_shown_next_to_their_field_with_400(client, field, value, message):
    service, centre = bookable_setup()
    response = book_held(client, service, centre, tomorrow_at(centre, 10), DETAILS | {field: value})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert not Appointment.objects.exists()


def test_bad_details_are_refused_in_azerbaijani_on_the_azerbaijani_page(client):
    service, centre = bookable_setup()
    response = book_held(client, service, centre, tomorrow_at(centre, 10), DETAILS | {"fin": "12"}, lang="az")
    assert response.status_code == 400
    with translation.override("az"), pytest.raises(ValidationError) as expected:
        fin_normalise("12")
    assert expected.value.messages[0] in response.context["form"].errors["fin"]
    assert "7 Latin letters" not in expected.value.messages[0]


def test_a_time_just_taken_answers_409_with_the_nearest_free_times(client):
    service, centre = bookable_setup(counters=1)
    start = tomorrow_at(centre, 10)
    appointment_book(service=service, centre=centre, starts_at=start, **citizen())
    response = book_held(client, service, centre, start)
    assert response.status_code == 409
    text = response.content.decode()
    assert "just taken" in text
    assert response.context["nearest"]
    for near, link in response.context["nearest"]:
        assert near != start
        assert link in text
    assert url("waitlist", service=service.code, centre=centre.code) in text


def test_a_time_in_the_past_is_refused_with_400(client):
    service, centre = bookable_setup()
    response = book_held(client, service, centre, tomorrow_at(centre, 10, days=-1))
    assert response.status_code == 400
    assert "already passed" in response.content.decode()


def test_over_the_limit_of_active_bookings_is_refused_with_409(client, settings):
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "MAX_ACTIVE_PER_CITIZEN": 1}
    service, centre = bookable_setup(counters=2)
    appointment_book(
        service=service,
        centre=centre,
        starts_at=tomorrow_at(centre, 10),
        full_name="Aynur",
        fin="5ZX8K2M",
        phone="+994501234567",
    )
    response = book_held(client, service, centre, tomorrow_at(centre, 12, days=2))
    assert response.status_code == 409
    assert "active bookings" in response.content.decode()


def test_too_many_booking_posts_are_refused_with_429(client, settings):
    # An hour's window, so the three posts never straddle a window edge (the sliding window
    # weighs the previous one less as time passes), and an address of this test's own, since
    # the counters live in a Redis shared with other runs.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking_create": "2/h"}
    client.defaults["REMOTE_ADDR"] = str(ipaddress.IPv4Address((10 << 24) | random.getrandbits(24)))
    service, centre = bookable_setup()
    bad = DETAILS | {"fin": "1"}
    statuses = [book_held(client, service, centre, tomorrow_at(centre, 10), bad).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert "Too many attempts" in book_held(client, service, centre, tomorrow_at(centre, 10), bad).content.decode()


def test_the_right_code_confirms_and_the_confirmation_page_shows_what_a_citizen_needs(client):
    service, centre = bookable_setup()
    RequiredDocumentFactory(service=service, name_en="Receipt for the state fee")
    book_held(client, service, centre, tomorrow_at(centre, 10))
    response = client.post(url("book_verify"), {"code": sms_code()})
    assert response.status_code == 302
    assert response["Location"] == url("book_done")
    appointment = Appointment.objects.get()
    assert appointment.status == AppointmentStatus.CONFIRMED
    token = client.session["appointments_held_token"]
    done = client.get(url("book_done"))
    text = done.content.decode()
    assert appointment.reference in text
    assert "<svg" in text and "qr-code" in text
    assert "Receipt for the state fee" in text
    assert url("manage", token=token) in text  # the private link to keep, shown and in the QR code
    # The .ics link is the booking's clean one: this session already holds the token.
    assert url("manage_ics", reference=appointment.reference) in text
    assert client.get(url("manage_ics", reference=appointment.reference)).status_code == 200
    assert "openstreetmap.org" in text
    assert done["Referrer-Policy"] == "same-origin"
    assert "no-store" in done["Cache-Control"]


def test_a_wrong_code_is_refused_next_to_the_field_with_400(client):
    service, centre = bookable_setup()
    book_held(client, service, centre, tomorrow_at(centre, 10))
    wrong = "000000" if sms_code() != "000000" else "111111"
    response = client.post(url("book_verify"), {"code": wrong})
    assert response.status_code == 400
    assert "The code is not right" in " ".join(response.context["form"].errors["code"])
    assert Appointment.objects.get().status == AppointmentStatus.HELD


def test_too_many_wrong_codes_free_the_time_and_answer_429(client, settings):
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "CODE_MAX_ATTEMPTS": 2}
    service, centre = bookable_setup()
    book_held(client, service, centre, tomorrow_at(centre, 10))
    wrong = "000000" if sms_code() != "000000" else "111111"
    client.post(url("book_verify"), {"code": wrong})
    response = client.post(url("book_verify"), {"code": wrong})
    assert response.status_code == 429
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED


def test_an_expired_hold_asks_to_book_again(client):
    service, centre = bookable_setup()
    book_held(client, service, centre, tomorrow_at(centre, 10))
    Appointment.objects.update(hold_expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert "run out" in client.get(url("book_verify")).content.decode()
    response = client.post(url("book_verify"), {"code": sms_code()})
    assert response.status_code == 409
    assert Appointment.objects.get().status == AppointmentStatus.EXPIRED


def test_resend_is_a_post_that_sends_a_new_code(client):
    service, centre = bookable_setup()
    book_held(client, service, centre, tomorrow_at(centre, 10))
    assert client.get(url("book_resend")).status_code == 405
    response = client.post(url("book_resend"))
    assert response.status_code == 302
    notifications_send_due()
    assert SmsLogEntry.objects.count() == 2
    assert client.post(url("book_verify"), {"code": sms_code()}).status_code == 302


def test_without_a_booking_in_the_session_the_code_page_says_so(client):
    assert client.get(url("book_verify")).status_code == 404
    assert client.post(url("book_verify"), {"code": "123456"}).status_code == 404
    assert client.get(url("book_done")).status_code == 404


# --- the manage link -------------------------------------------------------------------------


def opened(client, token, lang="en") -> str:
    """Open the private manage link as the citizen does (from the SMS); returns the booking's reference."""
    response = client.get(url("manage", lang, token=token))
    assert response.status_code == 303
    return resolve(response["Location"]).kwargs["reference"]


def test_opening_the_manage_link_and_the_cancel_page_changes_nothing(client):
    service, centre = bookable_setup()
    token = confirmed(client, service, centre, tomorrow_at(centre, 10))
    other = Client()  # a mail or SMS scanner: no session of the citizen's, just GETs
    reference = opened(other, token)
    for name in ("booking", "manage_cancel", "manage_move", "manage_ics"):
        assert other.get(url(name, reference=reference)).status_code == 200
    assert Appointment.objects.get().status == AppointmentStatus.CONFIRMED


def test_the_manage_link_is_exchanged_for_the_session_and_a_clean_url(client):
    # given: a confirmed booking and its link, opened in a browser of its own
    service, centre = bookable_setup()
    token = confirmed(client, service, centre, tomorrow_at(centre, 10))
    citizen_browser = Client()
    # when the citizen opens the link from the SMS
    link = citizen_browser.get(url("manage", token=token))
    # then: 303 to a clean URL, the link itself never passed on as a Referer
    reference = Appointment.objects.get().reference
    assert link.status_code == 303
    assert link["Location"] == url("booking", reference=reference)
    assert token not in link["Location"]
    assert link["Referrer-Policy"] == "no-referrer"
    assert "no-store" in link["Cache-Control"]
    page = citizen_browser.get(link["Location"])
    assert page.status_code == 200 and reference in page.content.decode()
    assert token not in page.content.decode()  # no link on the page carries it
    # The pages behind it carry no token: same-origin keeps their own forms' CSRF check working.
    assert page["Referrer-Policy"] == "same-origin"
    # and the session holds the grant under a key of this booking only
    assert citizen_browser.session[f"private_link:appointment:{reference}"] == token


def test_the_clean_pages_are_not_found_in_a_session_that_did_not_open_the_link(client):
    service, centre = bookable_setup()
    token = confirmed(client, service, centre, tomorrow_at(centre, 10))
    reference = opened(client, token)
    day = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    clean = [
        url("booking", reference=reference),
        url("manage_cancel", reference=reference),
        url("manage_move", reference=reference),
        url("manage_move_time", reference=reference, day=day),
        url("manage_move_confirm", reference=reference, day=day, time="14:00"),
        url("manage_ics", reference=reference),
    ]
    stranger = Client()  # knows the reference (it is no secret), not the token
    for page in clean:
        assert client.get(page).status_code == 200, page
        response = stranger.get(page)
        assert response.status_code == 404, page
        assert "private_link_missing.html" in [t.name for t in response.templates]
    assert stranger.post(url("manage_cancel", reference=reference)).status_code == 404
    assert Appointment.objects.get().status == AppointmentStatus.CONFIRMED


def test_a_grant_stops_working_once_the_token_is_replaced(client):
    service, centre = bookable_setup()
    token = confirmed(client, service, centre, tomorrow_at(centre, 10))
    reference = opened(client, token)
    Appointment.objects.update(manage_token_hash="replaced")  # as a counter closure re-issues it
    assert client.get(url("booking", reference=reference)).status_code == 404
    assert client.get(url("manage", token=token)).status_code == 404


def test_the_cancel_button_posts_and_frees_the_time(client):
    service, centre = bookable_setup(counters=1)
    start = tomorrow_at(centre, 10)
    token = confirmed(client, service, centre, start)
    reference = opened(client, token)
    assert availability.slot_at(service=service, centre=centre, starts_at=start) is None
    response = client.post(url("manage_cancel", reference=reference))
    assert response.status_code == 302
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
    assert availability.slot_at(service=service, centre=centre, starts_at=start) is not None
    page = client.get(url("booking", reference=reference)).content.decode()
    assert "Cancelled" in page
    assert url("manage_cancel", reference=reference) not in page


def test_a_wrong_token_is_not_found(client):
    response = client.get(url("manage", token="not-a-real-token"))
    assert response.status_code == 404
    assert not [key for key in client.session.keys() if key.startswith("private_link:")]  # noqa: SIM118 - a session is not iterable
    for name in ("booking", "manage_cancel", "manage_move", "manage_ics"):
        assert client.get(url(name, reference="ABCD-EFGH")).status_code == 404
    assert client.post(url("manage_cancel", reference="ABCD-EFGH")).status_code == 404


def test_after_the_cut_off_the_buttons_become_a_sentence_and_a_cancel_post_is_refused(client):
    service, centre = bookable_setup()
    token = confirmed(client, service, centre, tomorrow_at(centre, 10))
    reference = opened(client, token)
    appointment = Appointment.objects.get()
    # the booking now starts in 30 minutes: inside the 60-minute cut-off
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=soon, ends_at=soon + dt.timedelta(minutes=20))
    page = client.get(url("booking", reference=reference))
    assert 'id="too-late"' in page.content.decode()
    assert url("manage_cancel", reference=reference) not in page.content.decode()
    response = client.post(url("manage_cancel", reference=reference))
    assert response.status_code == 409
    assert "up to 60 minutes before" in response.content.decode()
    assert Appointment.objects.get().status == AppointmentStatus.CONFIRMED


def test_moving_shows_the_calendar_then_a_confirmation_and_only_the_post_moves(client):
    service, centre = bookable_setup()
    token = confirmed(client, service, centre, tomorrow_at(centre, 10))
    reference = opened(client, token)
    new_start = tomorrow_at(centre, 14, days=2)
    calendar = client.get(url("manage_move", reference=reference))
    assert calendar.status_code == 200
    day = new_start.date().isoformat()
    assert url("manage_move_time", reference=reference, day=day) in calendar.content.decode()
    times = client.get(url("manage_move_time", reference=reference, day=day))
    confirm_url = url("manage_move_confirm", reference=reference, day=day, time="14:00")
    assert confirm_url in times.content.decode()
    assert client.get(confirm_url).status_code == 200
    assert Appointment.objects.get().starts_at == tomorrow_at(centre, 10)
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert Appointment.objects.get().starts_at == new_start


def test_moving_to_a_time_just_taken_answers_409_with_other_times(client):
    service, centre = bookable_setup(counters=1)
    token = confirmed(client, service, centre, tomorrow_at(centre, 10))
    reference = opened(client, token)
    taken = tomorrow_at(centre, 15)
    appointment_book(service=service, centre=centre, starts_at=taken, **citizen())
    response = client.post(url("manage_move_confirm", reference=reference, day=taken.date().isoformat(), time="15:00"))
    assert response.status_code == 409
    assert response.context["nearest"]
    assert Appointment.objects.get(fin="5ZX8K2M").starts_at == tomorrow_at(centre, 10)


def test_calendar_file_parses_with_icalendar(client):
    service, centre = bookable_setup()
    start = tomorrow_at(centre, 10, 30)
    token = confirmed(client, service, centre, start)
    reference = opened(client, token)
    response = client.get(url("manage_ics", reference=reference))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    event = next(iter(calendar.walk("VEVENT")))
    starts = event.decoded("DTSTART").astimezone(centre.tz)
    ends = event.decoded("DTEND").astimezone(centre.tz)
    assert (starts.hour, starts.minute) == (10, 30)
    assert starts.date() == start.date()
    assert ends - starts == dt.timedelta(minutes=20)
    assert reference in str(event.get("DESCRIPTION"))
    # The file keeps the private link (what opens the booking again from the calendar).
    assert url("manage", token=token) in str(event.get("DESCRIPTION"))
    assert str(event.get("LOCATION")).startswith(centre.name_en)


# --- the waitlist ----------------------------------------------------------------------------


def test_joining_the_waitlist(client):
    service, centre = bookable_setup()
    first = dt.datetime.now(centre.tz).date() + dt.timedelta(days=1)
    data = DETAILS | {"first_day": first.isoformat(), "last_day": (first + dt.timedelta(days=3)).isoformat()}
    page = url("waitlist", service=service.code, centre=centre.code)
    assert client.get(page).status_code == 200
    response = client.post(page, data)
    assert response.status_code == 200
    assert response.context["joined"]
    entry = WaitlistEntry.objects.get()
    assert (entry.fin, entry.first_day) == ("5ZX8K2M", first)
    again = client.post(page, data)
    assert again.status_code >= 400
    assert again.status_code < 500


def test_the_waitlist_refuses_days_in_the_wrong_order_with_400(client):
    service, centre = bookable_setup()
    first = dt.datetime.now(centre.tz).date() + dt.timedelta(days=3)
    data = DETAILS | {"first_day": first.isoformat(), "last_day": (first - dt.timedelta(days=1)).isoformat()}
    response = client.post(url("waitlist", service=service.code, centre=centre.code), data)
    assert response.status_code == 400
    assert "last_day" in response.context["form"].errors


def test_confirmed_booking_through_the_service_is_shown_on_the_manage_page(client):
    service, centre = bookable_setup()
    result = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 11), **citizen())
    appointment_verify(appointment=result.appointment, code=result.code, manage_token=result.manage_token)
    response = client.get(url("manage", token=result.manage_token), follow=True)
    assert response.status_code == 200
    assert result.appointment.reference in response.content.decode()
    assert response["X-Robots-Tag"].startswith("noindex")
