"""Writes to bookings. Pages, the API, staff screens and tasks all come through here.

Who checks what: these functions enforce the booking rules (window, limits, state
machine) and leave permissions to the caller (views check the manage token or the staff
member's centre). Every function is atomic. The database has the last word on overlaps
(exclusion constraint) and per-day duplicates (partial unique constraints); the checks
here exist to give a clear message first.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from centres.audit import audit_record
from centres.hours import open_periods
from centres.models import Centre, CentreService, Counter
from core.db_errors import is_deadlock
from services.models import Service

from . import availability, policy
from .citizens import citizen_details_clean
from .errors import (
    MESSAGES,
    IllegalTransition,
    InvalidDetails,
    LimitReached,
    NotBookable,
    OutsideWindow,
    SlotTaken,
    TooLateToChange,
    TooManyAttempts,
    WrongCode,
)
from .models import (
    ACTIVE_STATUSES,
    STAFF_CANCEL_DETAILS_MAX,
    Appointment,
    AppointmentStatus,
    CitizenBookingLock,
    StaffCancelReason,
)
from .notifications import notification_enqueue
from .signals import appointment_moved

S = AppointmentStatus

# The state machine: status -> statuses it may move to. Checked in one place, `_move`.
TRANSITIONS = {
    S.HELD: {S.CONFIRMED, S.CANCELLED, S.EXPIRED},
    S.CONFIRMED: {S.CHECKED_IN, S.CANCELLED, S.LAPSED},
    S.CHECKED_IN: {S.COMPLETED, S.LAPSED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
    S.EXPIRED: set(),
    S.LAPSED: set(),
}

# References avoid letters and digits that are easy to confuse when read aloud or typed.
REFERENCE_ALPHABET = "ACDEFHJKLMNPRTUVWXY3479"
REFERENCE_LENGTH = 8


@dataclass(frozen=True)
class BookingResult:
    appointment: Appointment
    manage_token: str  # shown to the citizen once; only its hash is stored
    code: str | None = None  # the SMS code, for the development log and tests only


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(appointment_id: int, code: str) -> str:
    message = f"{appointment_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{body[:4]}-{body[4:]}"


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def appointment_get_by_token(token: str) -> Appointment | None:
    """The appointment a private manage link points at, or None."""
    if not token or len(token) > 100:
        return None
    return (
        Appointment.objects.select_related("service__provider", "centre__city", "counter")
        .filter(manage_token_hash=token_hash(token))
        .first()
    )


def _move(appointment: Appointment, to: str, *, now: dt.datetime, **fields) -> None:
    if to not in TRANSITIONS[appointment.status]:
        raise IllegalTransition(MESSAGES["not_active"], extra={"status": appointment.status})
    from_status = appointment.status
    appointment.status = to
    for name, value in fields.items():
        setattr(appointment, name, value)
    appointment.save(update_fields=["status", "updated_at", *fields])
    appointment_moved.send(sender=Appointment, appointment=appointment, from_status=from_status, to_status=to, now=now)


def _check_window(*, service: Service, centre: Centre, starts_at: dt.datetime, now: dt.datetime) -> None:
    if not service.bookable_online:
        raise NotBookable(MESSAGES["not_bookable"])
    if not CentreService.objects.filter(centre=centre, service=service, is_active=True).exists():
        raise NotBookable(MESSAGES["not_offered"], code="not_offered")
    if starts_at <= now:
        raise OutsideWindow(MESSAGES["past"], code="past")
    earliest, last_day = availability.booking_window(centre, now)
    if starts_at < earliest:
        raise OutsideWindow(MESSAGES["too_soon"] % {"minutes": int(policy.min_lead().total_seconds() // 60)})
    if starts_at.astimezone(centre.tz).date() > last_day:
        raise OutsideWindow(MESSAGES["too_far"] % {"days": policy.max_days_ahead()})
    if not _is_open_for(centre, starts_at, availability.service_duration(service)):
        raise OutsideWindow(MESSAGES["closed"], code="closed")


def _is_open_for(centre: Centre, starts_at: dt.datetime, duration: dt.timedelta) -> bool:
    """Is the centre open for the whole appointment (a closed day or hour gets its own message)?"""
    starts_utc = starts_at.astimezone(dt.UTC)
    ends_utc = starts_utc + duration
    day = starts_at.astimezone(centre.tz).date()
    return any(opens <= starts_utc and ends_utc <= closes for opens, closes in open_periods(centre, day))


def _lock_citizen(fin: str, phone: str) -> None:
    """Serialise concurrent bookings by the same person (FIN or phone), in a fixed order."""
    keys = sorted({f"fin:{fin}", f"phone:{phone}"})
    for key in keys:
        CitizenBookingLock.objects.get_or_create(key=key)
    list(CitizenBookingLock.objects.select_for_update().filter(key__in=keys).order_by("key"))


def _lock_counters(counter_ids) -> None:
    """Serialise writers to the same counters, in id order (no deadlocks between them).

    FOR NO KEY UPDATE does not block the foreign-key checks of other inserts. Without
    this lock the exclusion constraint still refuses overlaps, but concurrent writers
    would wait on each other's uncommitted rows and could deadlock when moving bookings."""
    list(Counter.objects.select_for_update(no_key=True).filter(pk__in=sorted(counter_ids)).order_by("pk").values("pk"))


def _check_limits(*, fin: str, phone: str, service: Service, local_date: dt.date, exclude: int | None = None) -> None:
    active = Appointment.objects.filter(status__in=ACTIVE_STATUSES).filter(Q(fin=fin) | Q(phone=phone))
    if exclude:
        active = active.exclude(pk=exclude)
    if active.filter(service=service, local_date=local_date).exists():
        raise LimitReached(MESSAGES["limit_day"], code="limit_per_day")
    if active.count() >= policy.max_active_per_citizen():
        raise LimitReached(MESSAGES["limit_active"] % {"limit": policy.max_active_per_citizen()})


def _slot_taken(*, service, centre, starts_at, now) -> SlotTaken:
    nearest = availability.nearest_free_slots(service=service, centre=centre, around=starts_at, now=now)
    return SlotTaken(
        MESSAGES["slot_taken"],
        extra={
            "nearest": [
                {"start": s.starts_at.isoformat(), "end": s.ends_at.isoformat(), "places_left": s.places_left}
                for s in nearest
            ]
        },
    )


def _is_overlap_violation(error: IntegrityError) -> bool:
    return "appointment_no_overlap_per_counter" in str(error)


class _Contended(Exception):
    """PostgreSQL broke a deadlock between two writers of overlapping rows by failing this one."""


@contextmanager
def _refusing_on_deadlock():
    """A savepoint around inserting or moving a booking; a deadlock in it becomes _Contended.

    Two transactions writing overlapping rows at once each check the exclusion constraint
    against the other's uncommitted row and wait for it; PostgreSQL breaks the cycle by
    failing one of them. The counter lock (_lock_counters) keeps the booking services out
    of that cycle; should a writer ever reach the table without it, the one PostgreSQL
    picks is rolled back to here and told the time was taken (the other one holds it), so
    the citizen gets the 409, never a 500 (tests/appointments/test_booking_races.py)."""
    try:
        with transaction.atomic():
            yield
    except OperationalError as error:
        if is_deadlock(error):
            raise _Contended from error
        raise


def _place(appointment: Appointment, counter_ids: tuple[int, ...]) -> bool:
    """Save `appointment` on the first of `counter_ids` the database accepts; False if none does."""
    for counter_id in counter_ids:
        appointment.counter_id = counter_id
        try:
            with transaction.atomic():
                appointment.save()
            return True
        except IntegrityError as error:
            if _is_overlap_violation(error):
                appointment.pk = None
                continue  # another request took this counter a moment ago: try the next one
            if "appointment_one_per_" in str(error):
                raise LimitReached(MESSAGES["limit_day"], code="limit_per_day") from error
            raise
    return False


def _move_to(appointment: Appointment, counter_ids: tuple[int, ...]) -> bool:
    """Save the moved `appointment` (an existing row) on the first of `counter_ids` the
    database accepts; False if none does."""
    for counter_id in counter_ids:
        appointment.counter_id = counter_id
        try:
            with transaction.atomic():
                appointment.save()
            return True
        except IntegrityError as error:
            if not _is_overlap_violation(error):
                raise
    return False


@transaction.atomic
def appointment_book(
    *,
    service: Service,
    centre: Centre,
    starts_at: dt.datetime,
    full_name: str,
    fin: str,
    phone: str,
    email: str = "",
    language: str = "az",
    booked_by=None,
    hold_until: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> BookingResult:
    """Book `service` at `centre` at `starts_at` for a citizen.

    Online bookings are HELD until the citizen enters the SMS code (appointment_verify);
    a staff member booking on a citizen's behalf (`booked_by`) confirms at once.
    `hold_until` (waitlist offers) holds the time until then and sends no SMS code: the
    caller sends its own message and confirms the booking itself (appointments/waitlist.py).
    Raises InvalidDetails, NotBookable, OutsideWindow, LimitReached or SlotTaken (409,
    with the nearest free times). Permission checks are the caller's."""
    now = now or timezone.now()
    try:
        details = citizen_details_clean(full_name=full_name, fin=fin, phone=phone, email=email, language=language)
    except ValidationError as error:
        raise InvalidDetails(MESSAGES.get("invalid", ""), fields=error.message_dict) from error
    if timezone.is_naive(starts_at):
        starts_at = starts_at.replace(tzinfo=centre.tz)
    _check_window(service=service, centre=centre, starts_at=starts_at, now=now)
    local_date = starts_at.astimezone(centre.tz).date()
    _lock_citizen(details["fin"], details["phone"])
    _check_limits(fin=details["fin"], phone=details["phone"], service=service, local_date=local_date)
    _lock_counters(availability.service_counter_ids(service=service, centre=centre))

    slot = availability.slot_at(service=service, centre=centre, starts_at=starts_at, now=now)
    if slot is None:
        raise _slot_taken(service=service, centre=centre, starts_at=starts_at, now=now)

    try:
        with _refusing_on_deadlock():
            return _book_on(
                slot,
                service=service,
                centre=centre,
                starts_at=starts_at,
                local_date=local_date,
                details=details,
                booked_by=booked_by,
                hold_until=hold_until,
                now=now,
            )
    except _Contended:
        raise _slot_taken(service=service, centre=centre, starts_at=starts_at, now=now) from None


def _book_on(slot, *, service, centre, starts_at, local_date, details, booked_by, hold_until, now) -> BookingResult:
    """appointment_book's writes, once the time is known to be free (inside its savepoint)."""
    manage_token = secrets.token_urlsafe(32)
    held = booked_by is None
    appointment = Appointment(
        reference=_new_reference(),
        manage_token_hash=token_hash(manage_token),
        service=service,
        centre=centre,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        local_date=local_date,
        status=S.HELD if held else S.CONFIRMED,
        hold_expires_at=(hold_until or now + policy.hold_duration()) if held else None,
        verified_at=None if held else now,
        booked_by=booked_by,
        **details,
    )
    if not _place(appointment, slot.counter_ids):
        raise _slot_taken(service=service, centre=centre, starts_at=starts_at, now=now)

    code = None
    if held and hold_until is None:
        code = _new_code()
        appointment.verification_code_hash = _code_hash(appointment.pk, code)
        appointment.verification_codes_sent = 1
        appointment.save(update_fields=["verification_code_hash", "verification_codes_sent"])
        notification_enqueue(
            appointment=appointment, kind="verification_code", dedup_suffix="1", context={"code": code}
        )
    elif not held:
        _enqueue_confirmation(appointment, manage_token, now=now)
    return BookingResult(appointment=appointment, manage_token=manage_token, code=code)


def _enqueue_confirmation(appointment: Appointment, manage_token: str, *, now: dt.datetime | None = None) -> None:
    from .links import manage_url

    notification_enqueue(
        appointment=appointment, kind="confirmation", context={"link": manage_url(appointment, manage_token)}
    )
    _enqueue_reminders(appointment, dedup_suffix=appointment.starts_at.isoformat(), now=now)


def _enqueue_reminders(appointment: Appointment, *, dedup_suffix: str, now: dt.datetime | None = None) -> None:
    """Day-before (at the configured local time) and shortly-before reminders, for this start time.

    `now` is the caller's clock (the services take `now=`), so a booking made at a given moment
    gets the reminders that are still ahead of that moment."""
    local_start = appointment.starts_at.astimezone(appointment.centre.tz)
    day_before = dt.datetime.combine(
        local_start.date() - dt.timedelta(days=1), policy.reminder_day_before_at(), tzinfo=appointment.centre.tz
    )
    # Subtract in UTC: on the wall clock, minutes before a clock change are an hour off.
    soon = appointment.starts_at.astimezone(dt.UTC) - policy.reminder_before()
    now = now or timezone.now()
    if day_before > now:
        notification_enqueue(
            appointment=appointment, kind="reminder_day_before", dedup_suffix=dedup_suffix, send_after=day_before
        )
    if soon > now:
        notification_enqueue(appointment=appointment, kind="reminder_soon", dedup_suffix=dedup_suffix, send_after=soon)


def appointment_verify(*, appointment: Appointment, code: str, manage_token: str, now: dt.datetime | None = None):
    """Confirm a HELD booking with the SMS code. Raises WrongCode, TooManyAttempts or IllegalTransition.

    A wrong attempt is counted (and committed) before the refusal is raised; the last allowed
    wrong attempt cancels the hold, so a guessed code cannot keep hoarding the time."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("centre", "service")
            .get(pk=appointment.pk)
        )
        refusal = _verify_locked(appointment, code=code, manage_token=manage_token, now=now)
    if refusal is not None:
        raise refusal
    return appointment


def _verify_locked(appointment: Appointment, *, code: str, manage_token: str, now: dt.datetime):
    """The verification step on a locked row; returns the refusal to raise after commit, if any."""
    if appointment.status == S.CONFIRMED:
        return None  # a repeated submit of the right code changes nothing
    if appointment.status != S.HELD:
        return IllegalTransition(MESSAGES["not_active"])
    if appointment.hold_expires_at and appointment.hold_expires_at <= now:
        _move(appointment, S.EXPIRED, now=now)
        _on_time_freed(appointment)
        return IllegalTransition(MESSAGES["code_expired"], code="hold_expired")
    candidate = "".join(ch for ch in (code or "") if ch.isdigit())
    if not hmac.compare_digest(_code_hash(appointment.pk, candidate), appointment.verification_code_hash):
        appointment.verification_attempts += 1
        appointment.save(update_fields=["verification_attempts", "updated_at"])
        if appointment.verification_attempts >= policy.code_max_attempts():
            _move(appointment, S.CANCELLED, now=now, cancelled_at=now)
            _on_time_freed(appointment)
            return TooManyAttempts(MESSAGES["too_many_attempts"])
        return WrongCode(MESSAGES["wrong_code"], fields={"code": [str(MESSAGES["wrong_code"])]})
    _move(appointment, S.CONFIRMED, now=now, verified_at=now, hold_expires_at=None)
    _enqueue_confirmation(appointment, manage_token, now=now)
    return None


@transaction.atomic
def appointment_resend_code(*, appointment: Appointment, now: dt.datetime | None = None) -> str:
    """Send a new SMS code for a HELD booking (at most CODE_MAX_SENDS in all)."""
    now = now or timezone.now()
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("centre", "service").get(pk=appointment.pk)
    )
    if appointment.status != S.HELD or (appointment.hold_expires_at and appointment.hold_expires_at <= now):
        raise IllegalTransition(MESSAGES["code_expired"], code="hold_expired")
    if appointment.verification_codes_sent >= policy.code_max_sends():
        raise TooManyAttempts(MESSAGES["too_many_sends"], code="too_many_sends")
    code = _new_code()
    appointment.verification_code_hash = _code_hash(appointment.pk, code)
    appointment.verification_codes_sent += 1
    appointment.save(update_fields=["verification_code_hash", "verification_codes_sent", "updated_at"])
    notification_enqueue(
        appointment=appointment,
        kind="verification_code",
        dedup_suffix=str(appointment.verification_codes_sent),
        context={"code": code},
    )
    return code


def _check_change_allowed(appointment: Appointment, now: dt.datetime, *, by_staff: bool) -> None:
    if appointment.status not in (S.HELD, S.CONFIRMED):
        raise IllegalTransition(MESSAGES["not_active"])
    if not by_staff and appointment.starts_at - policy.change_cutoff() < now:
        raise TooLateToChange(
            MESSAGES["too_late_to_change"] % {"minutes": int(policy.change_cutoff().total_seconds() // 60)}
        )


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    by_staff=None,
    reason: str = "",
    reason_details: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Cancel an active booking (citizens until the cut-off; staff any time). Frees the time.

    Staff give a `reason` (StaffCancelReason) and may add words (`reason_details`, required
    for OTHER): the citizen's SMS says it and the audit entry keeps it. InvalidDetails when
    the reason is missing or not one of the list for a staff page (the staff page requires one)."""
    now = now or timezone.now()
    reason_details = (reason_details or "").strip()
    if reason or reason_details:
        _check_cancel_reason(reason, reason_details)
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("centre", "service").get(pk=appointment.pk)
    )
    _check_change_allowed(appointment, now, by_staff=by_staff is not None)
    was_confirmed = appointment.status == S.CONFIRMED
    _move(appointment, S.CANCELLED, now=now, cancelled_at=now)
    if was_confirmed:
        context = {"reason": reason, "details": reason_details} if reason else {}
        notification_enqueue(appointment=appointment, kind="cancellation", context=context)
    _on_time_freed(appointment)
    if by_staff is not None:
        details = {"reason": reason, "details": reason_details} if reason else {}
        audit_record(
            actor=by_staff,
            action="booking_cancel",
            obj=appointment,
            centre=appointment.centre,
            details=details,
            now=now,
        )
    return appointment


def _check_cancel_reason(reason: str, details: str) -> None:
    if reason not in StaffCancelReason.values:
        message = _("Choose the reason the citizen will be told.")
        raise InvalidDetails(message, fields={"reason": [str(message)]})
    if reason == StaffCancelReason.OTHER and not details:
        message = _("Write the reason the citizen will be told.")
        raise InvalidDetails(message, fields={"reason_details": [str(message)]})
    if len(details) > STAFF_CANCEL_DETAILS_MAX:
        message = _("Keep the reason to %(max)d characters: it is sent by SMS.") % {"max": STAFF_CANCEL_DETAILS_MAX}
        raise InvalidDetails(message, fields={"reason_details": [str(message)]})


@transaction.atomic
def appointment_reschedule(
    *, appointment: Appointment, starts_at: dt.datetime, by_staff=None, now: dt.datetime | None = None
) -> Appointment:
    """Move an active booking to another free time at the same centre (until the cut-off)."""
    now = now or timezone.now()
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("centre", "service", "counter")
        .get(pk=appointment.pk)
    )
    _check_change_allowed(appointment, now, by_staff=by_staff is not None)
    centre, service = appointment.centre, appointment.service
    if timezone.is_naive(starts_at):
        starts_at = starts_at.replace(tzinfo=centre.tz)
    _check_window(service=service, centre=centre, starts_at=starts_at, now=now)
    local_date = starts_at.astimezone(centre.tz).date()
    _lock_citizen(appointment.fin, appointment.phone)
    _check_limits(
        fin=appointment.fin, phone=appointment.phone, service=service, local_date=local_date, exclude=appointment.pk
    )
    _lock_counters({appointment.counter_id, *availability.service_counter_ids(service=service, centre=centre)})
    slot = availability.slot_at(
        service=service, centre=centre, starts_at=starts_at, now=now, exclude_appointment=appointment
    )
    if slot is None:
        raise _slot_taken(service=service, centre=centre, starts_at=starts_at, now=now)
    old = (appointment.counter_id, appointment.starts_at, appointment.ends_at)
    appointment.starts_at, appointment.ends_at, appointment.local_date = slot.starts_at, slot.ends_at, local_date
    appointment.needs_rescheduling = False
    try:
        with _refusing_on_deadlock():
            placed = _move_to(appointment, slot.counter_ids)
    except _Contended:
        placed = False
    if not placed:
        appointment.counter_id, appointment.starts_at, appointment.ends_at = old
        raise _slot_taken(service=service, centre=centre, starts_at=starts_at, now=now)
    if appointment.status == S.CONFIRMED:
        notification_enqueue(appointment=appointment, kind="change", dedup_suffix=slot.starts_at.isoformat())
        _enqueue_reminders(appointment, dedup_suffix=slot.starts_at.isoformat(), now=now)
    _on_time_freed(appointment)
    if by_staff is not None:
        audit_record(
            actor=by_staff,
            action="booking_move",
            obj=appointment,
            centre=centre,
            details={"from": old[1].isoformat(), "to": appointment.starts_at.isoformat()},
            now=now,
        )
    return appointment


def appointments_expire_holds(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Unconfirmed bookings whose hold ran out give their time back. Idempotent; bounded."""
    now = now or timezone.now()
    expired = 0
    ids = list(Appointment.objects.filter(status=S.HELD, hold_expires_at__lte=now).values_list("pk", flat=True)[:batch])
    for pk in ids:
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, status=S.HELD, hold_expires_at__lte=now)
                .select_related("centre", "service")
                .first()
            )
            if appointment is None:
                continue
            _move(appointment, S.EXPIRED, now=now)
            _on_time_freed(appointment)
            expired += 1
    return expired


def _on_time_freed(appointment: Appointment) -> None:
    """A time became free: let the waitlist know (after commit, so the time really is free)."""
    try:
        from .waitlist import waitlist_time_freed
    except ImportError:
        return
    service_id, centre_id, local_date = appointment.service_id, appointment.centre_id, appointment.local_date
    transaction.on_commit(
        lambda: waitlist_time_freed(service_id=service_id, centre_id=centre_id, local_date=local_date)
    )
