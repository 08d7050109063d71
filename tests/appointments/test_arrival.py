"""Arrival rules: check-in opens 30 minutes before; more than 10 minutes late, the booking lapses."""

import datetime as dt

import pytest
from django.utils import translation

from appointments.arrival import ArrivedTooLate, TooEarlyToCheckIn, arrival_record
from appointments.errors import IllegalTransition
from appointments.models import AppointmentStatus
from appointments.services import appointment_book, appointment_cancel
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_user(username="operator", password="x")


@pytest.fixture
def confirmed(operator):
    service, centre = bookable_setup()
    result = appointment_book(
        service=service, centre=centre, starts_at=tomorrow_at(centre, 11), booked_by=operator, **citizen()
    )
    assert result.appointment.status == AppointmentStatus.CONFIRMED
    return result.appointment


@pytest.mark.parametrize("minutes_before", [30, 1, 0, -10])
def test_check_in_is_open_from_30_minutes_before_to_10_minutes_after(confirmed, operator, minutes_before):
    now = confirmed.starts_at - dt.timedelta(minutes=minutes_before)
    checked_in = arrival_record(appointment=confirmed, by=operator, now=now)
    confirmed.refresh_from_db()
    assert checked_in.status == confirmed.status == AppointmentStatus.CHECKED_IN
    assert confirmed.checked_in_at == now


def test_31_minutes_early_is_refused_and_changes_nothing(confirmed, operator):
    with pytest.raises(TooEarlyToCheckIn) as refused:
        arrival_record(appointment=confirmed, by=operator, now=confirmed.starts_at - dt.timedelta(minutes=31))
    confirmed.refresh_from_db()
    assert confirmed.status == AppointmentStatus.CONFIRMED
    assert confirmed.checked_in_at is None
    assert "30 minutes before" in refused.value.message
    assert "10:30" in refused.value.message  # 11:00 local, less 30 minutes


def test_11_minutes_late_the_booking_lapses_and_the_citizen_is_sent_to_the_walk_in_queue(confirmed, operator):
    with pytest.raises(ArrivedTooLate) as refused:
        arrival_record(appointment=confirmed, by=operator, now=confirmed.starts_at + dt.timedelta(minutes=11))
    confirmed.refresh_from_db()
    assert confirmed.status == AppointmentStatus.LAPSED  # committed, though the call refused
    assert confirmed.checked_in_at is None
    assert refused.value.status_code == 409
    assert "walk-in queue" in refused.value.message


def test_the_windows_follow_the_settings(confirmed, operator, settings):
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "CHECK_IN_EARLY_MINUTES": 15, "LATE_GRACE_MINUTES": 5}
    with pytest.raises(TooEarlyToCheckIn):
        arrival_record(appointment=confirmed, by=operator, now=confirmed.starts_at - dt.timedelta(minutes=16))
    with pytest.raises(ArrivedTooLate):
        arrival_record(appointment=confirmed, by=operator, now=confirmed.starts_at + dt.timedelta(minutes=6))


def test_a_second_check_in_changes_nothing(confirmed, operator):
    first = arrival_record(appointment=confirmed, by=operator, now=confirmed.starts_at)
    again = arrival_record(appointment=confirmed, by=operator, now=confirmed.starts_at + dt.timedelta(minutes=5))
    assert again.checked_in_at == first.checked_in_at


def test_unconfirmed_or_cancelled_bookings_cannot_check_in(operator):
    service, centre = bookable_setup()
    held = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen()).appointment
    with pytest.raises(IllegalTransition, match="Only a confirmed booking"):
        arrival_record(appointment=held, by=operator, now=held.starts_at)
    appointment_cancel(appointment=held)
    with pytest.raises(IllegalTransition, match="no longer active"):
        arrival_record(appointment=held, by=operator, now=held.starts_at)


def test_refusals_are_in_the_active_language(operator):
    service, centre = bookable_setup()
    held = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen()).appointment
    appointment_cancel(appointment=held)
    with translation.override("az"), pytest.raises(IllegalTransition) as azerbaijani:
        arrival_record(appointment=held, by=operator, now=held.starts_at)
    assert "aktiv deyil" in azerbaijani.value.message


def test_bookings_not_checked_in_lapse_after_the_grace_period_once(confirmed, operator):
    from appointments.arrival import appointments_lapse_late

    assert appointments_lapse_late(now=confirmed.starts_at + dt.timedelta(minutes=10)) == 0
    assert appointments_lapse_late(now=confirmed.starts_at + dt.timedelta(minutes=11)) == 1
    confirmed.refresh_from_db()
    assert confirmed.status == AppointmentStatus.LAPSED
    assert appointments_lapse_late(now=confirmed.starts_at + dt.timedelta(minutes=12)) == 0


def test_a_checked_in_booking_never_lapses(confirmed, operator):
    from appointments.arrival import appointments_lapse_late

    arrival_record(appointment=confirmed, by=operator, now=confirmed.starts_at)
    assert appointments_lapse_late(now=confirmed.starts_at + dt.timedelta(hours=2)) == 0
    confirmed.refresh_from_db()
    assert confirmed.status == AppointmentStatus.CHECKED_IN
