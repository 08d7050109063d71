"""Staff pages for bookings: who sees and does what (role x centre), the day's list, one
booking's actions, phone-in bookings and closing a counter."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from appointments import availability
from appointments.models import AppointmentStatus, CounterClosure, Notification, StaffCancelReason
from appointments.services import appointment_book, appointment_get_by_token
from asan_portal.roles import CENTRE_MANAGER, OFFICIAL, OPERATOR, role_grant
from centres.models import StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(django_user_model):
    """Centres A and B offering one service on two counters; an operator and a manager of A,
    an official, a superuser and a user with no role; one confirmed booking at each centre."""
    service, centre_a = bookable_setup(counters=2)
    centre_b_service, centre_b = bookable_setup(counters=1)

    def user(name, role=None, centre=None, membership=None, **extra):
        u = django_user_model.objects.create_user(username=name, password="pw", **extra)
        if role:
            role_grant(user=u, role=role)
        if centre:
            StaffMembership.objects.create(user=u, centre=centre, role=membership)
        return u

    people = {
        "operator": user("operator", OPERATOR, centre_a, StaffRole.OPERATOR),
        "manager": user("manager", CENTRE_MANAGER, centre_a, StaffRole.MANAGER),
        "official": user("official", OFFICIAL),
        "superuser": user("root", is_superuser=True, is_staff=True),
        "nobody": user("nobody"),
    }
    booking_a = appointment_book(
        service=service,
        centre=centre_a,
        starts_at=tomorrow_at(centre_a, 10),
        booked_by=people["superuser"],
        **citizen(),
    ).appointment
    booking_b = appointment_book(
        service=centre_b_service,
        centre=centre_b,
        starts_at=tomorrow_at(centre_b, 10),
        booked_by=people["superuser"],
        **citizen(),
    ).appointment
    return {"service": service, "a": centre_a, "b": centre_b, "booking_a": booking_a, "booking_b": booking_b, **people}


def day_url(centre, **query):
    url = reverse("appointments_staff:day", kwargs={"centre": centre.code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def detail_url(appointment, name="detail"):
    return reverse(
        f"appointments_staff:{name}", kwargs={"centre": appointment.centre.code, "reference": appointment.reference}
    )


# --- who may see and do what ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    a = world["a"]
    urls = [
        reverse("appointments_staff:home"),
        day_url(a),
        detail_url(world["booking_a"]),
        reverse("appointments_staff:book", kwargs={"centre": a.code}),
        reverse("appointments_staff:close_counter", kwargs={"centre": a.code}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("login") in response["Location"]
    response = client.post(detail_url(world["booking_a"], "cancel"))
    assert response.status_code == 302
    world["booking_a"].refresh_from_db()
    assert world["booking_a"].status == AppointmentStatus.CONFIRMED


@pytest.mark.parametrize(
    ("who", "own_centre", "other_centre"),
    [
        ("operator", 200, 404),
        ("manager", 200, 404),
        ("official", 200, 200),
        ("superuser", 200, 200),
        ("nobody", 404, 404),
    ],
)
def test_staff_see_only_their_own_centres(client, world, who, own_centre, other_centre):
    verified_login(client, world[who])
    assert client.get(day_url(world["a"])).status_code == own_centre
    assert client.get(day_url(world["b"])).status_code == other_centre
    assert client.get(detail_url(world["booking_a"])).status_code == own_centre
    assert client.get(detail_url(world["booking_b"])).status_code == other_centre


@pytest.mark.parametrize(
    ("who", "status_a", "status_b"),
    [
        ("operator", 302, 404),
        ("manager", 302, 404),
        ("official", 403, 403),
        ("superuser", 302, 302),
        ("nobody", 404, 404),
    ],
)
def test_only_the_centres_own_staff_may_act_and_officials_only_look(client, world, who, status_a, status_b):
    verified_login(client, world[who])
    reason = {"reason": "citizen_request"}
    assert client.post(detail_url(world["booking_a"], "cancel"), reason).status_code == status_a
    assert client.post(detail_url(world["booking_b"], "cancel"), reason).status_code == status_b
    world["booking_a"].refresh_from_db()
    world["booking_b"].refresh_from_db()
    assert (world["booking_a"].status == AppointmentStatus.CANCELLED) == (status_a == 302)
    assert (world["booking_b"].status == AppointmentStatus.CANCELLED) == (status_b == 302)


def test_an_official_sees_no_action_buttons(client, world):
    client.force_login(world["official"])
    page = client.get(detail_url(world["booking_a"])).content.decode()
    assert "Cancel booking" not in page
    assert "but not change them" in page


def test_a_user_without_a_staff_role_cannot_open_the_staff_home(client, world):
    client.force_login(world["nobody"])
    assert client.get(reverse("appointments_staff:home")).status_code == 403
    client.force_login(world["operator"])
    response = client.get(reverse("appointments_staff:home"))
    assert response.status_code == 302 and response["Location"] == day_url(world["a"])


@pytest.mark.parametrize(("who", "expected"), [("manager", 200), ("operator", 403), ("official", 403)])
def test_only_managers_close_counters(client, world, who, expected):
    verified_login(client, world[who])
    a = world["a"]
    url = reverse("appointments_staff:close_counter", kwargs={"centre": a.code})
    start = tomorrow_at(a, 9)
    response = client.post(
        url,
        {
            "counter": a.counters.get(number=1).pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == (302 if expected == 200 else 403)
    assert CounterClosure.objects.exists() == (expected == 200)


# --- the day's list --------------------------------------------------------------------------


def test_the_day_list_masks_fin_and_phone_except_the_last_characters(client, world):
    client.force_login(world["operator"])
    booking = world["booking_a"]
    page = client.get(day_url(world["a"], date=booking.local_date.isoformat())).content.decode()
    assert booking.reference in page
    assert booking.fin not in page
    assert booking.phone not in page
    assert "•••••" + booking.fin[-2:] in page
    assert booking.phone[-4:] in page


def test_the_day_list_filters_by_status_counter_and_service(client, world):
    client.force_login(world["operator"])
    a, day = world["a"], world["booking_a"].local_date.isoformat()
    other = appointment_book(
        service=world["service"], centre=a, starts_at=tomorrow_at(a, 10), **citizen()
    ).appointment  # held, on the other counter
    assert other.counter_id != world["booking_a"].counter_id

    def refs(**query):
        content = client.get(day_url(a, date=day, **query)).content.decode()
        return {ref for ref in (world["booking_a"].reference, other.reference) if ref in content}

    assert refs() == {world["booking_a"].reference, other.reference}
    assert refs(status="held") == {other.reference}
    assert refs(status="confirmed") == {world["booking_a"].reference}
    assert refs(counter=other.counter_id) == {other.reference}
    assert refs(service=world["service"].pk) == {world["booking_a"].reference, other.reference}


@pytest.mark.parametrize("field", ["reference", "fin", "phone"])
def test_staff_find_a_booking_by_reference_fin_or_phone(client, world, field):
    client.force_login(world["operator"])
    booking = world["booking_a"]
    typed = {
        "reference": booking.reference.replace("-", "").lower(),
        "fin": booking.fin.lower(),
        "phone": "0" + booking.phone[4:],
    }
    page = client.get(day_url(world["a"], q=typed[field])).content.decode()
    assert detail_url(booking) in page
    # a booking at another centre is never found from this one
    page_b = client.get(day_url(world["a"], q=world["booking_b"].reference)).content.decode()
    assert detail_url(world["booking_b"]) not in page_b
    assert "0 appointments" in page_b


def test_search_for_something_that_is_no_reference_fin_or_phone_says_so(client, world):
    client.force_login(world["operator"])
    response = client.get(day_url(world["a"], q="hello?"))
    assert response.status_code == 200
    assert "Type a booking reference" in response.content.decode()


def test_the_day_list_costs_the_same_queries_however_many_bookings(client, world):
    client.force_login(world["operator"])
    a = world["a"]
    day = world["booking_a"].local_date.isoformat()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(day_url(a, date=day)).status_code == 200
        return len(captured)

    before = queries()
    for hour in (11, 12, 13, 14):
        appointment_book(service=world["service"], centre=a, starts_at=tomorrow_at(a, hour), **citizen())
    assert queries() == before


@pytest.mark.parametrize(
    ("query", "status"),
    [
        # A filter that is not valid shows today with the field's message, as a 400 (issue 12.14).
        ({"date": "garbage"}, 400),
        ({"date": "9999-12-31"}, 400),
        ({"counter": "999999"}, 400),
        ({"counter": "12345678901234567890"}, 400),
        ({"status": "nope"}, 400),
        ({"service": "x"}, 400),
        ({"q": "' OR 1=1 --"}, 200),
    ],
)
def test_odd_filters_never_give_a_server_error(client, world, query, status):
    client.force_login(world["operator"])
    assert client.get(day_url(world["a"], **query)).status_code == status


# --- one booking: check in, cancel, move -------------------------------------------------------


def test_check_in_before_the_window_shows_the_rule(client, world):
    client.force_login(world["operator"])
    response = client.post(detail_url(world["booking_a"], "check_in"), follow=True)
    assert "Check-in opens 30 minutes before" in response.content.decode()
    world["booking_a"].refresh_from_db()
    assert world["booking_a"].status == AppointmentStatus.CONFIRMED


def test_check_in_within_the_window(client, world, settings):
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "CHECK_IN_EARLY_MINUTES": 3 * 24 * 60}
    client.force_login(world["operator"])
    response = client.post(detail_url(world["booking_a"], "check_in"))
    assert response.status_code == 302
    world["booking_a"].refresh_from_db()
    assert world["booking_a"].status == AppointmentStatus.CHECKED_IN
    assert world["booking_a"].checked_in_at is not None


def test_staff_cancel_and_the_citizen_is_told(client, world):
    client.force_login(world["operator"])
    client.post(detail_url(world["booking_a"], "cancel"), {"reason": "citizen_request"})
    world["booking_a"].refresh_from_db()
    assert world["booking_a"].status == AppointmentStatus.CANCELLED
    assert Notification.objects.filter(appointment=world["booking_a"], kind="cancellation").exists()
    again = client.post(detail_url(world["booking_a"], "cancel"), {"reason": "citizen_request"}, follow=True)
    assert "no longer active" in again.content.decode()


# --- cancelling asks to confirm and for the reason the citizen is told (issue 12.4) ------------


def test_the_cancel_button_opens_a_confirmation_and_cancels_nothing(client, world):
    booking = world["booking_a"]
    client.force_login(world["operator"])
    detail = client.get(detail_url(booking)).content.decode()
    # The booking's page links to the confirmation; no form there posts a cancellation.
    assert f'href="{detail_url(booking, "cancel")}"' in detail
    assert f'action="{detail_url(booking, "cancel")}"' not in detail
    page = client.get(detail_url(booking, "cancel"))
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == AppointmentStatus.CONFIRMED
    assert not Notification.objects.filter(appointment=booking, kind="cancellation").exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose the reason the citizen will be told."),
        ({"reason": "other", "reason_details": "  "}, "Write the reason the citizen will be told."),
        ({"reason": "no-such-reason"}, "Select a valid choice."),
        ({"reason": "other", "reason_details": "x" * 161}, "at most 160 characters"),
    ],
)
def test_cancelling_without_a_valid_reason_is_a_form_error(client, world, data, error):
    booking = world["booking_a"]
    client.force_login(world["operator"])
    response = client.post(detail_url(booking, "cancel"), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == AppointmentStatus.CONFIRMED
    assert not Notification.objects.filter(appointment=booking, kind="cancellation").exists()


def test_the_citizen_is_told_the_reason_in_their_language_and_it_is_audited(client, world):
    from centres.models import AuditEntry

    booking = world["booking_a"]  # booked in Azerbaijani
    client.force_login(world["manager"])
    response = client.post(
        detail_url(booking, "cancel"), {"reason": "centre_unavailable", "reason_details": "the operator is ill"}
    )
    assert response.status_code == 302
    sms = Notification.objects.get(appointment=booking, kind="cancellation", channel="sms")
    with translation.override("az"):
        label = str(StaffCancelReason.CENTRE_UNAVAILABLE.label)
    assert f"{label}: the operator is ill" in sms.body
    entry = AuditEntry.objects.get(action="booking_cancel", object_id=str(booking.pk))
    assert entry.details == {"reason": "centre_unavailable", "details": "the operator is ill"}
    assert entry.actor == world["manager"]


def test_another_reason_sends_the_staff_members_words_only(client, world):
    booking = world["booking_a"]
    client.force_login(world["operator"])
    client.post(detail_url(booking, "cancel"), {"reason": "other", "reason_details": "Pasport masası təmirdədir"})
    sms = Notification.objects.get(appointment=booking, kind="cancellation", channel="sms")
    assert sms.body.endswith("Pasport masası təmirdədir")


def test_an_official_cannot_open_the_cancellation(client, world):
    client.force_login(world["official"])
    assert client.get(detail_url(world["booking_a"], "cancel")).status_code == 403


def test_staff_move_a_booking_to_a_free_time(client, world):
    client.force_login(world["operator"])
    booking = world["booking_a"]
    page = client.get(detail_url(booking, "move"))
    assert page.status_code == 200
    new_start = tomorrow_at(world["a"], 15)
    response = client.post(
        detail_url(booking, "move"), {"date": new_start.date().isoformat(), "start": new_start.isoformat()}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == new_start
    assert Notification.objects.filter(appointment=booking, kind="change").exists()


@pytest.mark.parametrize("data", [{}, {"date": "nope", "start": "nope"}, {"start": "2001-01-01T10:00:00+04:00"}])
def test_moving_to_a_time_that_is_not_free_is_refused_without_a_server_error(client, world, data):
    client.force_login(world["operator"])
    response = client.post(detail_url(world["booking_a"], "move"), data)
    assert response.status_code == 400
    world["booking_a"].refresh_from_db()
    assert world["booking_a"].starts_at == tomorrow_at(world["a"], 10)


def test_an_unknown_reference_is_a_404(client, world):
    client.force_login(world["operator"])
    assert (
        client.get(
            reverse("appointments_staff:detail", kwargs={"centre": world["a"].code, "reference": "NOPE"})
        ).status_code
        == 404
    )


# --- phone-in bookings -------------------------------------------------------------------------


def phone_in(client, world, start, **details):
    a = world["a"]
    data = {
        "service": world["service"].pk,
        "date": start.date().isoformat(),
        "start": start.isoformat(),
        "language": "en",
        **citizen(),
        **details,
    }
    return client.post(reverse("appointments_staff:book", kwargs={"centre": a.code}), data)


def test_a_phone_in_booking_is_confirmed_at_once_and_the_citizen_gets_an_sms(client, world):
    client.force_login(world["operator"])
    start = tomorrow_at(world["a"], 12)
    page = client.get(
        reverse("appointments_staff:book", kwargs={"centre": world["a"].code}),
        {"service": world["service"].pk, "date": start.date().isoformat()},
    )
    assert start.isoformat() in page.content.decode()
    response = phone_in(client, world, start)
    assert response.status_code == 302
    booking = world["a"].appointments.get(starts_at=start)
    assert booking.status == AppointmentStatus.CONFIRMED
    assert booking.booked_by == world["operator"]
    sms = Notification.objects.get(appointment=booking, kind="confirmation", channel="sms")
    assert sms.recipient == booking.phone
    assert "/appointments/manage/" in sms.body


def test_a_phone_in_booking_with_a_bad_fin_is_refused_with_the_message(client, world):
    client.force_login(world["operator"])
    response = phone_in(client, world, tomorrow_at(world["a"], 12), fin="12")
    assert response.status_code == 400
    assert "7 Latin letters and digits" in response.content.decode()


def test_a_phone_in_booking_of_a_taken_time_is_refused(client, world):
    client.force_login(world["operator"])
    start = tomorrow_at(world["a"], 12)
    assert phone_in(client, world, start).status_code == 302
    assert phone_in(client, world, start).status_code == 302  # the second counter
    response = phone_in(client, world, start)
    assert response.status_code == 400  # no longer among the free times offered
    assert world["a"].appointments.filter(starts_at=start).count() == 2


# --- closing a counter -------------------------------------------------------------------------


def test_closing_a_counter_flags_its_bookings_notifies_the_citizens_and_removes_its_times(client, world):
    # given: counter 1 has the 10:00 booking; both counters are free at 11:00
    a, booking = world["a"], world["booking_a"]
    counter = booking.counter
    day = booking.local_date
    before = {s.starts_at: s.places_left for s in availability.day_slots(service=world["service"], centre=a, day=day)}
    assert before[tomorrow_at(a, 11)] == 2
    # when: the manager closes that counter 09:00-12:00
    client.force_login(world["manager"])
    response = client.post(
        reverse("appointments_staff:close_counter", kwargs={"centre": a.code}),
        {
            "counter": counter.pk,
            "starts_at": tomorrow_at(a, 9).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": tomorrow_at(a, 12).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Printer repair",
        },
        follow=True,
    )
    # then
    assert response.status_code == 200
    assert "1 bookings need a new time" in response.content.decode()
    closure = CounterClosure.objects.get()
    assert (closure.starts_at, closure.ends_at) == (tomorrow_at(a, 9), tomorrow_at(a, 12))
    booking.refresh_from_db()
    assert booking.needs_rescheduling
    assert booking.status == AppointmentStatus.CONFIRMED
    sms = Notification.objects.get(appointment=booking, kind="reschedule_needed", channel="sms")
    token = re.search(r"/manage/([^/\s]+)/", sms.body).group(1)
    assert appointment_get_by_token(token) == booking
    after = {s.starts_at: s.places_left for s in availability.day_slots(service=world["service"], centre=a, day=day)}
    assert after[tomorrow_at(a, 11)] == 1
    assert all(
        counter.pk not in s.counter_ids
        for s in availability.day_slots(service=world["service"], centre=a, day=day)
        if s.starts_at < tomorrow_at(a, 12)
    )
    assert after[tomorrow_at(a, 13)] == 2  # after the closure, both counters again


def test_closing_the_only_counter_leaves_no_times_in_the_period(world):
    from appointments.staff import counter_close

    b = world["b"]
    counter = world["booking_b"].counter
    day = world["booking_b"].local_date
    counter_close(counter=counter, starts_at=tomorrow_at(b, 9), ends_at=tomorrow_at(b, 18), by=world["superuser"])
    assert availability.day_slots(service=world["booking_b"].service, centre=b, day=day) == []
    assert (
        availability.days_with_room(service=world["booking_b"].service, centre=b, first_day=day, last_day=day)[day] == 0
    )


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [((12, 0), (11, 0), "must be after its start"), (None, None, "This field is required")],
)
def test_a_closure_with_a_bad_period_is_refused_with_a_message(client, world, starts, ends, message):
    client.force_login(world["manager"])
    a = world["a"]
    data = {"counter": a.counters.get(number=1).pk}
    if starts:
        data["starts_at"] = tomorrow_at(a, *starts).strftime("%Y-%m-%dT%H:%M")
        data["ends_at"] = tomorrow_at(a, *ends).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("appointments_staff:close_counter", kwargs={"centre": a.code}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CounterClosure.objects.exists()


def test_a_closure_in_the_past_is_refused(world):
    from appointments.staff import ClosureRefused, counter_close

    a = world["a"]
    with pytest.raises(ClosureRefused, match="end in the future"):
        counter_close(
            counter=a.counters.first(),
            starts_at=tomorrow_at(a, 9, days=-3),
            ends_at=tomorrow_at(a, 10, days=-3),
        )


# --- a closure racing bookings -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_booking_racing_a_counter_closure_is_either_flagged_or_refused(settings, monkeypatch):
    """Bookings and a closure of the only counter start together. Each booking in the closed
    period either committed first (and is then flagged for a new time) or sees the closure
    and is refused: none is left unflagged in the closed period."""
    import threading
    import time

    # Widen the gap between "the time is free" and the booking's commit, where a closure
    # that does not take the counter lock would slip through unnoticed.
    real_slot_at = availability.slot_at

    def slow_slot_at(**kwargs):
        slot = real_slot_at(**kwargs)
        time.sleep(0.1)
        return slot

    monkeypatch.setattr(availability, "slot_at", slow_slot_at)

    from appointments.errors import BookingError
    from appointments.models import ACTIVE_STATUSES, Appointment
    from appointments.staff import counter_close

    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "WALK_IN_SHARE": 0, "SLOT_STEP_MINUTES": 20}
    service, centre = bookable_setup(counters=1, duration=20, opens=dt.time(9), closes=dt.time(17))
    counter = centre.counters.get()
    closed_from, closed_until = tomorrow_at(centre, 9), tomorrow_at(centre, 17)
    starts = [closed_from + dt.timedelta(minutes=20 * k) for k in range(24)]
    people = [citizen() for _ in starts]
    errors, barrier = [], threading.Barrier(len(starts) + 1)

    def book(i):
        try:
            barrier.wait()
            appointment_book(service=service, centre=centre, starts_at=starts[i], **people[i])
        except BookingError:
            pass
        except Exception as error:  # noqa: BLE001 - any other outcome is a failure to report
            errors.append(repr(error))
        finally:
            connection.close()

    def close():
        try:
            barrier.wait()
            time.sleep(0.05)  # while the first booking is between its check and its commit
            counter_close(counter=counter, starts_at=closed_from, ends_at=closed_until)
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(len(starts))]
    threads.insert(len(threads) // 2, threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    in_period = Appointment.objects.filter(
        counter=counter, status__in=ACTIVE_STATUSES, starts_at__lt=closed_until, ends_at__gt=closed_from
    )
    assert not in_period.filter(needs_rescheduling=False).exists()
    assert availability.day_slots(service=service, centre=centre, day=closed_from.date()) == []
