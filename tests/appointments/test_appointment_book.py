import pytest

from appointments import availability
from appointments.errors import InvalidDetails, LimitReached, OutsideWindow, SlotTaken, WrongCode
from appointments.models import Appointment, AppointmentStatus, Notification, SmsLogEntry
from appointments.services import appointment_book, appointment_cancel, appointment_reschedule, appointment_verify
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at

pytestmark = pytest.mark.django_db


def test_online_booking_is_held_until_the_sms_code_confirms_it(django_capture_on_commit_callbacks):
    # given
    service, centre = bookable_setup()
    start = tomorrow_at(centre, 10)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = appointment_book(service=service, centre=centre, starts_at=start, **citizen())
    # then
    assert result.appointment.status == AppointmentStatus.HELD
    sms = SmsLogEntry.objects.get()
    assert result.code in sms.body
    appointment_verify(appointment=result.appointment, code=result.code, manage_token=result.manage_token)
    result.appointment.refresh_from_db()
    assert result.appointment.status == AppointmentStatus.CONFIRMED
    assert Notification.objects.filter(appointment=result.appointment, kind="confirmation").count() == 1


def test_a_taken_time_is_refused_with_the_nearest_free_times():
    service, centre = bookable_setup(counters=1)
    start = tomorrow_at(centre, 10)
    appointment_book(service=service, centre=centre, starts_at=start, **citizen())
    with pytest.raises(SlotTaken) as refused:
        appointment_book(service=service, centre=centre, starts_at=start, **citizen())
    assert refused.value.status_code == 409
    assert refused.value.extra["nearest"]
    assert all(s["start"] != start.isoformat() for s in refused.value.extra["nearest"])


def test_two_counters_take_two_bookings_at_the_same_time():
    service, centre = bookable_setup(counters=2)
    start = tomorrow_at(centre, 11)
    first = appointment_book(service=service, centre=centre, starts_at=start, **citizen())
    second = appointment_book(service=service, centre=centre, starts_at=start, **citizen())
    assert first.appointment.counter_id != second.appointment.counter_id
    assert availability.slot_at(service=service, centre=centre, starts_at=start) is None


def test_cancelling_frees_the_time():
    service, centre = bookable_setup(counters=1)
    start = tomorrow_at(centre, 12)
    booked = appointment_book(service=service, centre=centre, starts_at=start, **citizen())
    appointment_cancel(appointment=booked.appointment)
    assert availability.slot_at(service=service, centre=centre, starts_at=start) is not None


def test_one_booking_per_citizen_per_service_and_day():
    service, centre = bookable_setup(counters=2)
    person = citizen()
    appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **person)
    with pytest.raises(LimitReached):
        appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 14), **person)


def test_wrong_code_is_refused_and_counted():
    service, centre = bookable_setup()
    booked = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen())
    wrong = "000000" if booked.code != "000000" else "111111"
    with pytest.raises(WrongCode):
        appointment_verify(appointment=booked.appointment, code=wrong, manage_token=booked.manage_token)
    booked.appointment.refresh_from_db()
    assert booked.appointment.verification_attempts == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("fin", "12"), ("fin", "ABC-DEF1"), ("phone", "12345"), ("phone", "+994 12 555 55 55"), ("full_name", "  ")],
)
def test_bad_details_are_refused_with_a_message_for_the_field(field, value):
    service, centre = bookable_setup()
    details = citizen() | {field: value}
    with pytest.raises(InvalidDetails) as refused:
        appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **details)
    assert field in refused.value.fields


def test_a_time_in_the_past_is_refused():
    service, centre = bookable_setup()
    with pytest.raises(OutsideWindow):
        appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10, days=-1), **citizen())


def test_a_move_that_loses_its_first_counter_to_a_rival_moves_the_same_booking_to_the_next(monkeypatch):
    # given: two counters; A holds 10:00 on one of them, B is booked at 11:00
    service, centre = bookable_setup(counters=2)
    first = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen())
    moving = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 11), **citizen())
    taken = first.appointment.counter_id
    other = next(c for c in availability.service_counter_ids(service=service, centre=centre) if c != taken)
    real_slot_at = availability.slot_at

    def slot_read_just_before_a_rival_booked(**kwargs):
        # availability was read a moment before A's booking: both counters looked free
        slot = real_slot_at(**kwargs)
        return availability.Slot(slot.starts_at, slot.ends_at, 2, (taken, other))

    monkeypatch.setattr(availability, "slot_at", slot_read_just_before_a_rival_booked)

    # when: B moves to 10:00; the database refuses the first counter
    moved = appointment_reschedule(appointment=moving.appointment, starts_at=tomorrow_at(centre, 10))

    # then: the same booking, now on the other counter; no second row
    assert moved.pk == moving.appointment.pk
    assert (moved.counter_id, moved.starts_at) == (other, tomorrow_at(centre, 10))
    assert Appointment.objects.count() == 2
