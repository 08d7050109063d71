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
from centres.audit import audit_record
from centres.models import Centre, Counter, StaffRole
from services.models import Service

from . import services as booking
from .errors import BookingError
from .links import manage_url
from .models import Appointment, AppointmentStatus, CounterClosure, Notification, NotificationStatus
from .notifications import notification_enqueue

logger = logging.getLogger(__name__)


class ClosureRefused(BookingError):
    code = "closure_refused"


CLOSURE_MESSAGES = {
    "order": _("The end of the closure must be after its start."),
    "past": _("The closure must end in the future."),
    "other_centre": _("This counter belongs to another centre."),
    "gone": _("This closure has already been lifted."),
    "over": _("This closure is already over."),
    "not_shorter": _("The new end must be earlier than the closure's current end."),
    "before_start": _("The new end must be after the closure's start; to remove the closure, lift it."),
    "shorten_past": _("The new end must be in the future; to end the closure now, lift it."),
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


@transaction.atomic
def counter_closure_change(
    *,
    closure_id: int,
    centre: Centre,
    ends_at: dt.datetime | None,
    by,
    now: dt.datetime | None = None,
) -> tuple[CounterClosure | None, list[Appointment]]:
    """Lift a counter closure (`ends_at=None`) or shorten it to end at `ends_at` (issue 12.5).

    Lifting a closure that has not begun removes it; lifting one under way ends it now. A new
    end must be after the start, in the future and earlier than the current end. The bookings
    the closure flagged that now fall outside every closure of the counter lose their flag,
    and each citizen who was sent the "choose a new time" SMS is told once that the booking
    stands (dedup key per booking and closure); a "choose a new time" SMS still waiting in
    the outbox is dropped instead. Audited. The caller checks the user manages `centre`;
    a closure of another centre is ClosureRefused like a missing one.

    Race-safe: the counter row lock is the one booking and closing take, then the closure row
    is locked and read again, so a double submit finds it lifted or already shorter and is
    refused without a second message. Returns the closure (None when deleted) and the
    bookings that are valid again."""
    now = now or timezone.now()
    gone = ClosureRefused(CLOSURE_MESSAGES["gone"], code="closure_gone")
    counter_id = (
        CounterClosure.objects.filter(pk=closure_id, counter__centre=centre)
        .values_list("counter_id", flat=True)
        .first()
    )
    if counter_id is None:
        raise gone
    booking._lock_counters([counter_id])
    closure = CounterClosure.objects.select_for_update().select_related("counter").filter(pk=closure_id).first()
    if closure is None:
        raise gone
    tz = centre.tz
    if ends_at is not None and timezone.is_naive(ends_at):
        ends_at = ends_at.replace(tzinfo=tz)
    if closure.ends_at <= now:
        raise ClosureRefused(CLOSURE_MESSAGES["over"])
    old_end = closure.ends_at
    if ends_at is None:
        action, new_end = "closure_lift", max(now, closure.starts_at)
    else:
        action, new_end = "closure_shorten", ends_at
        for rule, broken in (
            ("not_shorter", ends_at >= closure.ends_at),
            ("before_start", ends_at <= closure.starts_at),
            ("shorten_past", ends_at <= now),
        ):
            if broken:
                raise ClosureRefused(CLOSURE_MESSAGES[rule], fields={"ends_at": [str(CLOSURE_MESSAGES[rule])]})
    freed_from = max(new_end, now)
    released = _closure_released_bookings(closure, freed_from=freed_from, until=old_end)
    told = []
    for appointment in released:
        appointment.needs_rescheduling = False
        appointment.save(update_fields=["needs_rescheduling", "updated_at"])
        if _closure_sms_went_out(appointment, closure):
            notification_enqueue(appointment=appointment, kind="closure_lifted", dedup_suffix=f"closure-{closure.pk}")
            told.append(appointment.reference)
    audit_record(
        actor=by,
        action=action,
        obj=closure,
        centre=centre,
        details={
            "counter": closure.counter.number,
            "starts_at": closure.starts_at.isoformat(),
            "ends_at_before": old_end.isoformat(),
            "ends_at_after": None if new_end <= closure.starts_at else new_end.isoformat(),
            "released": [a.reference for a in released],
            "told": told,
        },
        now=now,
    )
    if new_end <= closure.starts_at:
        closure.delete()
        closure = None
    else:
        closure.ends_at = new_end
        closure.save(update_fields=["ends_at"])
    logger.info(
        "Counter closure %s %s by user %s; %s bookings valid again, %s citizens told",
        closure_id,
        action,
        getattr(by, "pk", None),
        len(released),
        len(told),
    )
    return closure, released


def _closure_released_bookings(closure: CounterClosure, *, freed_from: dt.datetime, until: dt.datetime):
    """Flagged active bookings still to come in the freed period that no other closure of the
    counter (nor what is left of this one) still covers."""
    candidates = list(
        Appointment.objects.select_for_update(of=("self",))
        .select_related("centre", "service")
        .filter(
            counter=closure.counter,
            status__in=[AppointmentStatus.HELD, AppointmentStatus.CONFIRMED],
            needs_rescheduling=True,
            starts_at__lt=until,
            ends_at__gt=freed_from,
            starts_at__gte=freed_from,
        )
        .order_by("starts_at")
    )
    others = list(
        CounterClosure.objects.filter(counter=closure.counter, ends_at__gt=freed_from)
        .exclude(pk=closure.pk)
        .values_list("starts_at", "ends_at")
    )
    return [
        appointment
        for appointment in candidates
        if not any(start < appointment.ends_at and end > appointment.starts_at for start, end in others)
    ]


def _closure_sms_went_out(appointment: Appointment, closure: CounterClosure) -> bool:
    """Was the citizen sent this closure's "choose a new time" message? Its rows are locked, so
    the relay either sent it already or, finding the booking no longer flagged, skips it; one
    still waiting is skipped here, and the citizen then needs no second message."""
    rows = list(
        Notification.objects.select_for_update()
        .filter(appointment=appointment, kind="reschedule_needed")
        .filter(dedup_key__contains=f":closure-{closure.pk}:")
    )
    if any(row.status == NotificationStatus.SENT for row in rows):
        return True
    for row in rows:
        if row.status == NotificationStatus.PENDING:
            row.status = NotificationStatus.SKIPPED
            row.save(update_fields=["status"])
    return False
