"""Arrival rules as ASAN runs them (settings.APPOINTMENTS, read through policy):

- check-in opens CHECK_IN_EARLY_MINUTES before the time (30 by default);
- up to LATE_GRACE_MINUTES late (10) the citizen is still checked in;
- later than that the booking lapses and the citizen is told to take a walk-in ticket.

This module only records the arrival (`checked_in_at`, or the lapse). It is not a check-in on
its own: the one check-in service, for the desk (staff pages), the kiosk and the API alike, is
appointments.queue.ticket_check_in_appointment, which calls `arrival_record` and gives the
citizen a ticket in the line. A check-in that stopped here left the citizen checked in with no
ticket, never called (issue 12.1); tests/appointments/test_check_in.py keeps every other module
from calling `arrival_record`.
Status changes go through the state machine in appointments.services (TRANSITIONS).
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _

from centres.audit import audit_record

from . import policy
from . import services as booking
from .errors import MESSAGES, BookingError, IllegalTransition
from .models import Appointment, AppointmentStatus

logger = logging.getLogger(__name__)
S = AppointmentStatus


class TooEarlyToCheckIn(BookingError):
    code = "too_early_to_check_in"


class ArrivedTooLate(BookingError):
    code = "lapsed"
    status_code = 409


ARRIVAL_MESSAGES = {
    "too_early": _("Check-in opens %(minutes)s minutes before the booked time, at %(time)s. Please wait until then."),
    "too_late": _(
        "You are more than %(minutes)s minutes late, so the booking has lapsed. "
        "Please take a ticket for the walk-in queue."
    ),
    "not_confirmed": _("Only a confirmed booking can be checked in."),
}


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def check_in_opens_at(appointment: Appointment) -> dt.datetime:
    return appointment.starts_at - policy.check_in_early()


def lapses_after(appointment: Appointment) -> dt.datetime:
    return appointment.starts_at + policy.late_grace()


def arrival_record(*, appointment: Appointment, by, now: dt.datetime | None = None) -> Appointment:
    """Record the citizen's arrival for a CONFIRMED booking (`by`: the staff member, or None
    for a kiosk). Called only by appointments.queue.ticket_check_in_appointment, which also
    issues the ticket: call that one. Too early: TooEarlyToCheckIn, nothing changes. Too late: the booking lapses
    (committed) and ArrivedTooLate is raised. Permission checks are the caller's."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("centre", "service")
            .get(pk=appointment.pk)
        )
        if appointment.status == S.CHECKED_IN:
            return appointment  # a second press changes nothing
        if S.CHECKED_IN not in booking.TRANSITIONS[appointment.status]:
            raise IllegalTransition(
                ARRIVAL_MESSAGES["not_confirmed"] if appointment.status == S.HELD else MESSAGES["not_active"]
            )
        if now < check_in_opens_at(appointment):
            opens = check_in_opens_at(appointment).astimezone(appointment.centre.tz)
            raise TooEarlyToCheckIn(
                ARRIVAL_MESSAGES["too_early"]
                % {"minutes": _minutes(policy.check_in_early()), "time": time_format(opens, "H:i")}
            )
        late = now > lapses_after(appointment)
        if late:
            booking._move(appointment, S.LAPSED, now=now)
        else:
            booking._move(appointment, S.CHECKED_IN, now=now, checked_in_at=now)
        logger.info(
            "Appointment %s %s by user %s",
            appointment.reference,
            "lapsed at check-in" if late else "checked in",
            getattr(by, "pk", None),
        )
        if by is not None and not late:
            audit_record(actor=by, action="booking_check_in", obj=appointment, centre=appointment.centre, now=now)
    if late:
        raise ArrivedTooLate(ARRIVAL_MESSAGES["too_late"] % {"minutes": _minutes(policy.late_grace())})
    return appointment


def appointments_lapse_late(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Confirmed bookings whose citizen has not checked in within the grace period lapse
    (they may still queue as walk-ins). Run by beat (tasks.appointments_lapse_late); the one
    implementation. Idempotent and bounded; rows another worker holds are skipped this run."""
    now = now or timezone.now()
    cutoff = now - policy.late_grace()
    ids = list(
        Appointment.objects.filter(status=S.CONFIRMED, starts_at__lt=cutoff).values_list("pk", flat=True)[:batch]
    )
    lapsed = 0
    for pk in ids:
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, status=S.CONFIRMED, starts_at__lt=cutoff)
                .first()
            )
            if appointment is None:
                continue  # checked in, cancelled or taken by another run meanwhile
            booking._move(appointment, S.LAPSED, now=now)
            lapsed += 1
    return lapsed
