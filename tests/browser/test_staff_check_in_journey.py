"""Issue 12.1: a booking checked in from the staff day list enters the queue. At the booking's
time the operator opens the booking at the desk and presses "Check in": the page shows the
ticket number, and at counter 1 "Call next" calls that citizen before the walk-ins who came
earlier."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from appointments import queue
from appointments.errors import BookingError
from appointments.models import Appointment, Ticket
from appointments.services import appointment_book
from centres.models import Counter, StaffRole
from tests.appointments.factories import citizen, tomorrow_at
from tests.appointments.queue_factories import operator_at
from tests.browser.axe_check import axe_clean
from tests.browser.conftest import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1440, "height": 900}


def _booking_due_now(centre, service, operator) -> Appointment:
    """A confirmed booking moved to start two minutes ago (the live server runs on the real clock)."""
    for days in range(1, 8):
        try:
            appointment = appointment_book(
                service=service,
                centre=centre,
                starts_at=tomorrow_at(centre, 11, days=days),
                booked_by=operator,
                **citizen(),
            ).appointment
            break
        except BookingError:
            continue
    starts_at = (timezone.now() - dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=starts_at, ends_at=starts_at + appointment.duration, local_date=starts_at.astimezone(centre.tz).date()
    )
    appointment.refresh_from_db()
    return appointment


def test_a_booking_checked_in_at_the_desk_is_called_before_walk_ins(browser: Browser, site, catalogue):
    centre, passport = catalogue.baku, catalogue.passport
    operator = operator_at(centre, role=StaffRole.OPERATOR, username="operator-desk")
    booking = _booking_due_now(centre, passport, operator)
    walk_ins = [queue.ticket_issue(centre=centre, service=passport) for _ in range(2)]
    counter = Counter.objects.filter(centre=centre, services=passport).order_by("number").first()

    desk = signed_in_context(browser, site, operator, DESK).new_page()
    desk.goto(f"{site}/en/staff/appointments/{centre.code}/{booking.reference}/")
    axe_clean(desk, "staff-booking-before-check-in")
    desk.get_by_role("button", name="Check in").click()

    ticket = Ticket.objects.get(appointment=booking)
    expect(desk.locator("[data-ticket-code]")).to_have_text(ticket.display_code)
    expect(desk.get_by_text(f"Checked in. Queue ticket {ticket.display_code}")).to_be_visible()
    axe_clean(desk, "staff-booking-checked-in")

    desk.goto(f"{site}/en/queue/{centre.code}/counter/{counter.pk}/")
    desk.get_by_role("button", name="Sign in at this counter").click()
    call = desk.get_by_role("button", name="Call next")
    expect(call).to_be_enabled()
    call.click()
    expect(desk.locator("[data-current-code]")).to_have_text(ticket.display_code)
    axe_clean(desk, "counter-called-booking")

    ticket.refresh_from_db()
    assert ticket.status == "called" and ticket.counter == counter
    assert all(Ticket.objects.get(pk=w.pk).status == "waiting" for w in walk_ins)
