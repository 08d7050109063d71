"""Lifting or shortening a counter closure (issue 12.5): who may, which bookings are valid
again, who is told (once), what is refused, audited, and a double submit racing itself."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from appointments.models import AppointmentStatus, CounterClosure, Notification, NotificationStatus
from appointments.services import appointment_book
from appointments.staff import ClosureRefused, counter_close, counter_closure_change
from asan_portal.roles import CENTRE_MANAGER, OPERATOR, role_grant
from centres.models import AuditEntry, StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def staff(django_user_model, name, role, centre, membership):
    user = django_user_model.objects.create_user(username=name, password="pw-long-enough-1")
    role_grant(user=user, role=role)
    StaffMembership.objects.create(user=user, centre=centre, role=membership)
    return user


@pytest.fixture
def desk(django_user_model):
    """One counter, bookings at 10:00, 11:00 and 14:00 tomorrow, all under a 09:00-16:00
    closure whose "choose a new time" SMS went out."""
    service, centre = bookable_setup(counters=1)
    _other_service, other = bookable_setup(counters=1)
    manager = staff(django_user_model, "manager", CENTRE_MANAGER, centre, StaffRole.MANAGER)
    # Taken by phone (booked_by), so confirmed at once.
    bookings = [
        appointment_book(
            service=service, centre=centre, starts_at=tomorrow_at(centre, hour), booked_by=manager, **citizen()
        ).appointment
        for hour in (10, 11, 14)
    ]
    assert {b.status for b in bookings} == {AppointmentStatus.CONFIRMED}
    counter = centre.counters.get()
    closure, flagged = counter_close(
        counter=counter, starts_at=tomorrow_at(centre, 9), ends_at=tomorrow_at(centre, 16), by=manager
    )
    assert len(flagged) == 3
    Notification.objects.filter(kind="reschedule_needed").update(status=NotificationStatus.SENT)
    return {
        "centre": centre,
        "other": other,
        "counter": counter,
        "closure": closure,
        "bookings": bookings,
        "manager": manager,
        "operator": staff(django_user_model, "operator", OPERATOR, centre, StaffRole.OPERATOR),
        "other_manager": staff(django_user_model, "other", CENTRE_MANAGER, other, StaffRole.MANAGER),
    }


def told(booking):
    return Notification.objects.filter(appointment=booking, kind="closure_lifted", channel="sms").count()


def refresh(bookings):
    for booking in bookings:
        booking.refresh_from_db()
    return bookings


def test_shortening_frees_the_bookings_after_the_new_end_and_tells_only_their_citizens(desk):
    ten, eleven, two = desk["bookings"]
    closure, released = counter_closure_change(
        closure_id=desk["closure"].pk,
        centre=desk["centre"],
        ends_at=tomorrow_at(desk["centre"], 12),
        by=desk["manager"],
    )
    assert released == [two]
    assert closure.ends_at == tomorrow_at(desk["centre"], 12)
    refresh(desk["bookings"])
    assert (ten.needs_rescheduling, eleven.needs_rescheduling, two.needs_rescheduling) == (True, True, False)
    assert (told(ten), told(eleven), told(two)) == (0, 0, 1)
    sms = Notification.objects.get(appointment=two, kind="closure_lifted", channel="sms")
    assert two.reference in sms.body and sms.status == NotificationStatus.PENDING


def test_lifting_a_closure_not_yet_begun_removes_it_and_tells_every_flagged_citizen_once(desk):
    closure, released = counter_closure_change(
        closure_id=desk["closure"].pk, centre=desk["centre"], ends_at=None, by=desk["manager"]
    )
    assert closure is None and not CounterClosure.objects.exists()
    assert len(released) == 3
    assert [told(b) for b in refresh(desk["bookings"])] == [1, 1, 1]
    assert not any(b.needs_rescheduling for b in desk["bookings"])
    # A second lift (a double submit) is refused and texts nobody again.
    with pytest.raises(ClosureRefused):
        counter_closure_change(closure_id=desk["closure"].pk, centre=desk["centre"], ends_at=None, by=desk["manager"])
    assert [told(b) for b in desk["bookings"]] == [1, 1, 1]


def test_lifting_a_closure_under_way_ends_it_now_and_keeps_its_past(desk):
    centre = desk["centre"]
    now = tomorrow_at(centre, 10, 30)
    closure, released = counter_closure_change(
        closure_id=desk["closure"].pk, centre=centre, ends_at=None, by=desk["manager"], now=now
    )
    assert closure.ends_at == now and closure.starts_at == tomorrow_at(centre, 9)
    # 10:00 has begun: not told; 11:00 and 14:00 are valid again.
    assert [b.reference for b in released] == [b.reference for b in desk["bookings"][1:]]


def test_a_citizen_whose_sms_never_went_out_is_not_told_and_the_old_sms_is_dropped(desk):
    ten = desk["bookings"][0]
    Notification.objects.filter(appointment=ten, kind="reschedule_needed").update(status=NotificationStatus.PENDING)
    counter_closure_change(closure_id=desk["closure"].pk, centre=desk["centre"], ends_at=None, by=desk["manager"])
    assert told(ten) == 0
    statuses = set(
        Notification.objects.filter(appointment=ten, kind="reschedule_needed").values_list("status", flat=True)
    )
    assert statuses == {NotificationStatus.SKIPPED}


def test_a_booking_moved_or_cancelled_meanwhile_is_not_told(desk):
    ten, eleven, _two = desk["bookings"]
    ten.needs_rescheduling = False  # the citizen chose a new time
    ten.save(update_fields=["needs_rescheduling"])
    eleven.status = AppointmentStatus.CANCELLED
    eleven.save(update_fields=["status"])
    _closure, released = counter_closure_change(
        closure_id=desk["closure"].pk, centre=desk["centre"], ends_at=None, by=desk["manager"]
    )
    assert [b.pk for b in released] == [desk["bookings"][2].pk]
    assert told(ten) == told(eleven) == 0


def test_a_booking_still_under_another_closure_stays_flagged(desk):
    centre = desk["centre"]
    counter_close(counter=desk["counter"], starts_at=tomorrow_at(centre, 13), ends_at=tomorrow_at(centre, 15))
    _closure, released = counter_closure_change(
        closure_id=desk["closure"].pk, centre=centre, ends_at=None, by=desk["manager"]
    )
    two = desk["bookings"][2]
    assert two not in released
    two.refresh_from_db()
    assert two.needs_rescheduling and told(two) == 0


@pytest.mark.parametrize(
    ("hour", "message"),
    [
        (16, "earlier than the closure's current end"),
        (17, "earlier than the closure's current end"),
        (9, "after the closure's start"),
        (8, "after the closure's start"),
    ],
)
def test_a_new_end_outside_the_closure_is_refused(desk, hour, message):
    with pytest.raises(ClosureRefused, match=message):
        counter_closure_change(
            closure_id=desk["closure"].pk,
            centre=desk["centre"],
            ends_at=tomorrow_at(desk["centre"], hour),
            by=desk["manager"],
        )
    assert not Notification.objects.filter(kind="closure_lifted").exists()


def test_a_new_end_in_the_past_is_refused(desk):
    centre = desk["centre"]
    with pytest.raises(ClosureRefused, match="in the future"):
        counter_closure_change(
            closure_id=desk["closure"].pk,
            centre=centre,
            ends_at=tomorrow_at(centre, 10),
            by=desk["manager"],
            now=tomorrow_at(centre, 11),
        )


def test_a_closure_of_another_centre_is_refused_like_a_missing_one(desk):
    with pytest.raises(ClosureRefused):
        counter_closure_change(closure_id=desk["closure"].pk, centre=desk["other"], ends_at=None, by=desk["manager"])
    assert CounterClosure.objects.exists()


def test_the_change_is_audited_with_who_and_which_bookings(desk):
    counter_closure_change(
        closure_id=desk["closure"].pk,
        centre=desk["centre"],
        ends_at=tomorrow_at(desk["centre"], 12),
        by=desk["manager"],
    )
    entry = AuditEntry.objects.get(action="closure_shorten")
    assert entry.actor == desk["manager"] and entry.centre == desk["centre"]
    assert entry.details["released"] == [desk["bookings"][2].reference]
    assert entry.details["ends_at_after"] == tomorrow_at(desk["centre"], 12).isoformat()


# --- the page ----------------------------------------------------------------------------------


def lift_url(desk, centre=None):
    code = (centre or desk["centre"]).code
    return reverse("appointments_staff:close_counter_lift", kwargs={"centre": code, "closure": desk["closure"].pk})


def shorten_url(desk):
    return reverse(
        "appointments_staff:close_counter_shorten",
        kwargs={"centre": desk["centre"].code, "closure": desk["closure"].pk},
    )


def test_only_the_centres_manager_may_lift_from_the_page(client, desk):
    client.force_login(desk["operator"])
    assert client.post(lift_url(desk)).status_code == 403
    client.force_login(desk["other_manager"])
    assert client.post(lift_url(desk)).status_code == 404
    assert client.post(lift_url(desk, desk["other"])).status_code == 400
    assert CounterClosure.objects.exists()
    client.force_login(desk["manager"])
    assert client.get(lift_url(desk)).status_code == 405
    response = client.post(lift_url(desk), follow=True)
    assert "The closure is lifted. 3 bookings are valid again" in response.content.decode()
    assert not CounterClosure.objects.exists()


def test_shortening_from_the_page_and_a_refusal_is_a_400_with_the_message(client, desk):
    client.force_login(desk["manager"])
    page = client.get(reverse("appointments_staff:close_counter", kwargs={"centre": desk["centre"].code}))
    assert shorten_url(desk) in page.content.decode()
    new_end = tomorrow_at(desk["centre"], 12).strftime("%Y-%m-%dT%H:%M")
    assert client.post(shorten_url(desk), {"ends_at": new_end}).status_code == 302
    again = client.post(shorten_url(desk), {"ends_at": new_end})
    assert again.status_code == 400
    assert "earlier than the closure&#x27;s current end" in again.content.decode()
    assert client.post(shorten_url(desk), {"ends_at": "tomorrow"}).status_code == 400
    assert told(desk["bookings"][2]) == 1


@pytest.mark.django_db(transaction=True)
def test_two_lifts_at_once_release_and_text_each_citizen_once(desk):
    barrier = threading.Barrier(2)
    outcomes = []

    def lift():
        try:
            barrier.wait()
            counter_closure_change(
                closure_id=desk["closure"].pk, centre=desk["centre"], ends_at=None, by=desk["manager"]
            )
            outcomes.append("lifted")
        except ClosureRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=lift) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lifted", "refused"]
    assert [told(b) for b in desk["bookings"]] == [1, 1, 1]
