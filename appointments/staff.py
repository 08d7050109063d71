"""Writes made by centre staff: a booking on a citizen's behalf, closing a counter.

Permission checks (the staff member works at the centre, may act there) are the caller's:
staff views use centres.permissions.centre_for_staff_or_404 and staff_can_act below.
"""

import datetime as dt
import logging
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asan_portal.roles import OFFICIAL, user_has_role
from centres.models import Centre, Counter, StaffRole
from services.models import Service

from . import services as booking
from .errors import BookingError
from .links import manage_url
from .models import Appointment, AppointmentStatus, CounterClosure
from .notifications import notification_enqueue

logger = logging.getLogger(__name__)


class ClosureRefused(BookingError):
    code = "closure_refused"


CLOSURE_MESSAGES = {
    "order": _("The end of the closure must be after its start."),
    "past": _("The closure must end in the future."),
    "other_centre": _("This counter belongs to another centre."),
}


def staff_can_act(user, centre: Centre, *, roles=(StaffRole.OPERATOR, StaffRole.MANAGER)) -> bool:
    """May `user` change bookings at `centre`? Superusers and the centre's own staff may;
    officials (and other cross-centre roles) only look."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return centre.memberships.filter(user=user, role__in=roles).exists()


def staff_is_read_only(user, centre: Centre) -> bool:
    return user_has_role(user, OFFICIAL) and not staff_can_act(user, centre)


def staff_appointment_book(
    *,
    user,
    service: Service,
    centre: Centre,
    starts_at: dt.datetime,
    full_name: str,
    fin: str,
    phone: str,
    email: str = "",
    language: str = "az",
    now: dt.datetime | None = None,
) -> booking.BookingResult:
    """A booking taken by phone: the same rules as online, confirmed at once (no SMS code,
    the staff member spoke to the citizen); the citizen gets the confirmation SMS with the
    manage link. Raises the same BookingErrors as appointment_book."""
    result = booking.appointment_book(
        service=service,
        centre=centre,
        starts_at=starts_at,
        full_name=full_name,
        fin=fin,
        phone=phone,
        email=email,
        language=language,
        booked_by=user,
        now=now,
    )
    logger.info("Appointment %s booked by phone by user %s", result.appointment.reference, user.pk)
    return result


@transaction.atomic
def counter_close(
    *,
    counter: Counter,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str = "",
    by=None,
    now: dt.datetime | None = None,
) -> tuple[CounterClosure, list[Appointment]]:
    """Close `counter` from `starts_at` to `ends_at`: no new bookings there then
    (availability skips the period), and every active booking still to come in the period
    is flagged `needs_rescheduling` and its citizen sent an SMS with a fresh manage link to
    choose a new time (docs/adr/0011). Returns the closure and the flagged bookings."""
    now = now or timezone.now()
    tz = counter.centre.tz
    if timezone.is_naive(starts_at):
        starts_at = starts_at.replace(tzinfo=tz)
    if timezone.is_naive(ends_at):
        ends_at = ends_at.replace(tzinfo=tz)
    if ends_at <= starts_at:
        raise ClosureRefused(CLOSURE_MESSAGES["order"], fields={"ends_at": [str(CLOSURE_MESSAGES["order"])]})
    if ends_at <= now:
        raise ClosureRefused(CLOSURE_MESSAGES["past"], fields={"ends_at": [str(CLOSURE_MESSAGES["past"])]})
    # Same lock as the booking service: a booking racing this closure either commits first
    # (and is flagged below) or waits and then sees the closure.
    booking._lock_counters([counter.pk])
    closure = CounterClosure.objects.create(
        counter=counter, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=by
    )
    affected = list(
        Appointment.objects.select_for_update(of=("self",))
        .select_related("centre", "service")
        .filter(
            counter=counter,
            status__in=[AppointmentStatus.HELD, AppointmentStatus.CONFIRMED],
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
            starts_at__gte=now,
        )
        .order_by("starts_at")
    )
    for appointment in affected:
        # Only a hash of the citizen's manage token is stored: the SMS carries a fresh one,
        # which replaces the old link (docs/adr/0011).
        token = secrets.token_urlsafe(32)
        appointment.needs_rescheduling = True
        appointment.manage_token_hash = booking.token_hash(token)
        appointment.save(update_fields=["needs_rescheduling", "manage_token_hash", "updated_at"])
        notification_enqueue(
            appointment=appointment,
            kind="reschedule_needed",
            dedup_suffix=f"closure-{closure.pk}",
            context={"link": manage_url(appointment, token)},
        )
    logger.info(
        "Counter %s closed %s–%s by user %s; %s bookings flagged",
        counter.pk,
        starts_at.isoformat(),
        ends_at.isoformat(),
        getattr(by, "pk", None),
        len(affected),
    )
    return closure, affected
