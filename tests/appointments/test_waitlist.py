"""The waitlist: join, an offer when a time is freed, accept, expiry passes it on, races."""

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.utils import translation

from appointments import availability
from appointments.models import Appointment, AppointmentStatus, Notification, WaitlistEntry, WaitlistStatus
from appointments.services import appointment_book, appointment_cancel
from appointments.waitlist import (
    OfferNotAvailable,
    WaitlistDuplicate,
    WaitlistError,
    waitlist_join,
    waitlist_leave,
    waitlist_offer_accept,
    waitlist_time_freed,
    waitlists_expire_offers,
    waitlists_offer_free_times,
)
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def full_day(settings):
    """One counter open 09:00-10:00 tomorrow, a 20-minute service, no walk-in share: three times, all booked."""
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "WALK_IN_SHARE": 0, "SLOT_STEP_MINUTES": 20}
    service, centre = bookable_setup(counters=1, duration=20, opens=dt.time(9), closes=dt.time(10))
    booked = [
        appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 9, m), **citizen())
        for m in (0, 20, 40)
    ]
    day = tomorrow_at(centre, 9).date()
    assert availability.day_slots(service=service, centre=centre, day=day) == []
    return service, centre, day, booked


def join(service, centre, day, person=None, **overrides):
    details = {**(person or citizen()), "first_day": day, "last_day": day, **overrides}
    return waitlist_join(service=service, centre=centre, **details)


def offer_token(entry) -> str:
    body = Notification.objects.get(appointment=entry.offered_appointment, kind="waitlist_offer", channel="sms").body
    return re.search(r"/waitlist/([^/\s]+)/", body).group(1)


def test_joining_returns_a_waiting_entry_and_a_private_token(full_day):
    service, centre, day, _booked = full_day
    entry, token = join(service, centre, day)
    assert entry.status == WaitlistStatus.WAITING
    assert len(token) >= 40
    assert entry.manage_token_hash != token


def test_the_same_fin_or_phone_cannot_wait_twice_for_one_service_and_centre(full_day):
    service, centre, day, _booked = full_day
    person = citizen()
    join(service, centre, day, person)
    with pytest.raises(WaitlistDuplicate) as same_fin:
        join(service, centre, day, {**citizen(), "fin": person["fin"]})
    with pytest.raises(WaitlistDuplicate) as same_phone:
        join(service, centre, day, {**citizen(), "phone": person["phone"]})
    assert same_fin.value.status_code == same_phone.value.status_code == 409
    assert "already on the waitlist" in same_fin.value.message
    assert WaitlistEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"fin": "12"}, "fin"), ({"phone": "12345"}, "phone"), ({"full_name": " "}, "full_name")],
)
def test_bad_details_are_refused_with_a_message_for_the_field(full_day, overrides, field):
    service, centre, day, _booked = full_day
    with pytest.raises(WaitlistError) as refused:
        join(service, centre, day, **overrides)
    assert refused.value.fields[field]
    assert WaitlistEntry.objects.count() == 0


def test_days_in_the_wrong_order_in_the_past_or_too_far_ahead_are_refused(full_day):
    service, centre, day, _booked = full_day
    with pytest.raises(WaitlistError, match="must not be before"):
        join(service, centre, day, first_day=day, last_day=day - dt.timedelta(days=1))
    with pytest.raises(WaitlistError, match="past"):
        join(service, centre, day, first_day=day - dt.timedelta(days=3))
    with pytest.raises(WaitlistError, match="days ahead"):
        join(service, centre, day, last_day=day + dt.timedelta(days=400))


def test_a_cancelled_time_is_offered_to_the_first_in_line(full_day, django_capture_on_commit_callbacks):
    # given: two citizens wait, the first joined first
    service, centre, day, booked = full_day
    first, _t1 = join(service, centre, day)
    second, _t2 = join(service, centre, day)
    # when: someone gives up the 09:20 time
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=booked[1].appointment)
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.OFFERED
    assert second.status == WaitlistStatus.WAITING
    offered = first.offered_appointment
    assert offered.status == AppointmentStatus.HELD
    assert offered.starts_at == tomorrow_at(centre, 9, 20)
    assert offered.fin == first.fin
    assert offered.hold_expires_at == first.offer_expires_at
    # no SMS code for an offer, but the offer SMS with an accept link
    kinds = set(Notification.objects.filter(appointment=offered).values_list("kind", flat=True))
    assert kinds == {"waitlist_offer"}
    assert "/waitlist/" in Notification.objects.get(appointment=offered).body


def test_accepting_an_offer_confirms_the_booking_once(full_day, django_capture_on_commit_callbacks):
    service, centre, day, booked = full_day
    entry, _token = join(service, centre, day)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=booked[0].appointment)
    entry.refresh_from_db()
    token = offer_token(entry)

    appointment, manage_token = waitlist_offer_accept(entry=entry, token=token)

    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.BOOKED
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert Notification.objects.filter(appointment=appointment, kind="confirmation").exists()
    from appointments.services import appointment_get_by_token

    assert appointment_get_by_token(manage_token) == appointment
    with pytest.raises(OfferNotAvailable) as again:
        waitlist_offer_accept(entry=entry, token=token)
    assert again.value.code == "already_booked"


def test_a_wrong_token_cannot_accept(full_day, django_capture_on_commit_callbacks):
    service, centre, day, booked = full_day
    entry, _token = join(service, centre, day)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=booked[0].appointment)
    entry.refresh_from_db()
    with pytest.raises(OfferNotAvailable) as refused:
        waitlist_offer_accept(entry=entry, token="guess")
    assert refused.value.code == "unknown_link"
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED


def test_an_expired_offer_passes_to_the_next_in_line(full_day, django_capture_on_commit_callbacks):
    # given: the first in line got an offer and let it run out
    service, centre, day, booked = full_day
    first, _t1 = join(service, centre, day)
    second, _t2 = join(service, centre, day)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=booked[2].appointment)
    first.refresh_from_db()
    token = offer_token(first)
    later = first.offer_expires_at  # the moment it runs out (the next offer runs out later)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert waitlists_expire_offers(now=later) == 1
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.EXPIRED
    assert Appointment.objects.get(pk=first.offered_appointment_id).status == AppointmentStatus.EXPIRED
    assert second.status == WaitlistStatus.OFFERED
    assert second.offered_appointment.starts_at == tomorrow_at(centre, 9, 40)
    with pytest.raises(OfferNotAvailable) as too_late:
        waitlist_offer_accept(entry=first, token=token)
    assert too_late.value.code == "offer_expired"
    assert "run out" in too_late.value.message
    # a second run finds nothing more to do
    assert waitlists_expire_offers(now=later) == 0


def test_an_offer_is_refused_after_its_time_even_before_the_beat_runs(full_day, django_capture_on_commit_callbacks):
    service, centre, day, booked = full_day
    entry, _token = join(service, centre, day)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=booked[0].appointment)
    entry.refresh_from_db()
    with pytest.raises(OfferNotAvailable):
        waitlist_offer_accept(
            entry=entry, token=offer_token(entry), now=entry.offer_expires_at + dt.timedelta(minutes=1)
        )


def test_leaving_with_an_offer_gives_the_time_to_the_next(full_day, django_capture_on_commit_callbacks):
    service, centre, day, booked = full_day
    first, _t1 = join(service, centre, day)
    second, _t2 = join(service, centre, day)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=booked[0].appointment)
    first.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        waitlist_leave(entry=first, token=offer_token(first))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.CANCELLED
    assert second.status == WaitlistStatus.OFFERED


def test_a_citizen_over_the_limit_is_passed_over(full_day, settings, django_capture_on_commit_callbacks):
    service, centre, day, booked = full_day
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "MAX_ACTIVE_PER_CITIZEN": 1}
    busy_person = citizen()
    other_service, other_centre = bookable_setup()
    appointment_book(service=other_service, centre=other_centre, starts_at=tomorrow_at(other_centre, 12), **busy_person)
    first, _t1 = join(service, centre, day, busy_person)
    second, _t2 = join(service, centre, day)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=booked[0].appointment)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.WAITING
    assert second.status == WaitlistStatus.OFFERED


def test_nothing_happens_when_nobody_waits_for_that_day(full_day):
    service, centre, day, _booked = full_day
    join(service, centre, day + dt.timedelta(days=1), first_day=day + dt.timedelta(days=1))
    assert waitlist_time_freed(service_id=service.pk, centre_id=centre.pk, local_date=day) is None


def test_the_sweep_offers_a_time_left_free_once_and_then_does_nothing(full_day):
    # given: a time is freed but its own run never happens (the commit hook is not run here)
    service, centre, day, booked = full_day
    first, _t1 = join(service, centre, day)
    second, _t2 = join(service, centre, day)
    appointment_cancel(appointment=booked[1].appointment)
    first.refresh_from_db()
    assert first.status == WaitlistStatus.WAITING

    # when: the beat's sweep runs twice
    offered = [waitlists_offer_free_times(), waitlists_offer_free_times()]

    # then: the first in line got the time, once; the second still waits
    first.refresh_from_db()
    second.refresh_from_db()
    assert offered == [1, 0]
    assert (first.status, second.status) == (WaitlistStatus.OFFERED, WaitlistStatus.WAITING)
    assert first.offered_appointment.starts_at == tomorrow_at(centre, 9, 20)
    assert availability.day_slots(service=service, centre=centre, day=day) == []


def test_the_sweep_offers_only_the_days_each_entry_waits_for_and_runs_on_the_beat(full_day):
    from asan_portal.celery import beat_schedule

    # given: a time freed on the full day, and one citizen who waits only for the next day
    service, centre, day, booked = full_day
    next_day = day + dt.timedelta(days=1)
    entry, _token = join(service, centre, next_day, first_day=next_day)
    appointment_cancel(appointment=booked[0].appointment)

    # when
    offered = waitlists_offer_free_times()

    # then: a time of the day they wait for (nothing was booked then), and the freed time stays free
    entry.refresh_from_db()
    assert offered == 1
    assert entry.offered_appointment.local_date == next_day
    assert [slot.starts_at for slot in availability.day_slots(service=service, centre=centre, day=day)] == [
        tomorrow_at(centre, 9)
    ]
    assert "appointments.waitlists_offer_free_times" in {item["task"] for item in beat_schedule().values()}


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_concurrent_freed_times_never_offer_one_entry_twice_or_one_time_twice(settings):
    # given: three free times on each of two days and eight citizens waiting for either day
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "WALK_IN_SHARE": 0, "SLOT_STEP_MINUTES": 20}
    service, centre = bookable_setup(counters=1, duration=20, opens=dt.time(9), closes=dt.time(10))
    days = [tomorrow_at(centre, 9).date(), tomorrow_at(centre, 9, days=2).date()]
    assert [len(availability.day_slots(service=service, centre=centre, day=d)) for d in days] == [3, 3]
    entries = [join(service, centre, days[0], last_day=days[1])[0] for _ in range(8)]
    errors = []
    workers = 12
    barrier = threading.Barrier(workers)

    # when: twelve workers are told at once that a time was freed, half for each day
    def worker(index):
        try:
            barrier.wait()
            waitlist_time_freed(service_id=service.pk, centre_id=centre.pk, local_date=days[index % 2])
        except Exception as error:  # noqa: BLE001 - any error is a failure to report
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then: the runs themselves offered every free time (a run that found its candidates locked
    # waited for them instead of giving up), and the beat's sweep finds nothing left to offer
    assert errors == []
    offered_by_the_runs = WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED).count()
    assert waitlists_offer_free_times() == 0
    assert offered_by_the_runs == 6

    # and: six offers, to six different entries, each holding exactly one time, no time twice,
    # and no free time left on either day while entries still wait for it
    assert [availability.day_slots(service=service, centre=centre, day=d) for d in days] == [[], []]
    offered = list(WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED))
    held = list(Appointment.objects.filter(status=AppointmentStatus.HELD))
    assert len(offered) == 6
    assert len(held) == 6
    assert sorted(e.offered_appointment_id for e in offered) == sorted(a.pk for a in held)
    assert len({a.fin for a in held}) == 6, "an entry was offered two times"
    assert len({a.starts_at for a in held}) == 6
    assert WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING).count() == len(entries) - 6


# --- the offer link page -------------------------------------------------------------------


def offer_url(token):
    from django.urls import reverse

    return reverse("appointments:waitlist_offer", kwargs={"token": token})


def test_opening_the_offer_link_only_shows_and_the_button_accepts(client, full_day, django_capture_on_commit_callbacks):
    service, centre, day, booked = full_day
    entry, _token = join(service, centre, day, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=booked[1].appointment)
    entry.refresh_from_db()
    token = offer_token(entry)
    # a link scanner opening the page changes nothing
    page = client.get(offer_url(token))
    assert page.status_code == 200
    assert "Accept this time" in page.content.decode()
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED
    # the citizen presses the button
    response = client.post(offer_url(token), {"action": "accept"})
    assert response.status_code == 302
    # straight to the new booking's clean page, which this session may open (docs/adr/0019)
    assert "/appointments/booking/" in response["Location"]
    assert client.get(response["Location"]).status_code == 200
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.BOOKED
    # pressing again explains, without a server error
    again = client.post(offer_url(token), {"action": "accept"})
    assert again.status_code == 409
    assert "already accepted" in again.content.decode()


def test_an_unknown_offer_link_is_a_404(client, full_day):
    assert client.get(offer_url("not-a-token")).status_code == 404
    assert client.post(offer_url("not-a-token"), {"action": "accept"}).status_code == 404


def test_leaving_the_waitlist_from_the_link(client, full_day, django_capture_on_commit_callbacks):
    service, centre, day, booked = full_day
    entry, _token = join(service, centre, day)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=booked[0].appointment)
    entry.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(offer_url(offer_token(entry)), {"action": "leave"})
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.CANCELLED
    assert Appointment.objects.get(pk=entry.offered_appointment_id).status == AppointmentStatus.CANCELLED
