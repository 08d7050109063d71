"""Writes to the day's queue: tickets, counter sessions and call-next (docs/adr/0013).

Every function is keyword-only and atomic, takes `now=None`, records a TicketEvent for each
step of a ticket, and raises QueueError subclasses (appointments.queue_errors) with a
translated message and a 4xx status. Views check per-centre permissions first; these
functions refuse an operator or counter from another centre too (defence in depth).

What the database guarantees, whatever the Python checks say:
- ticket numbers come from the TicketNumberSeries row, locked and incremented inside the
  issuing transaction, so two kiosks never hand out the same number (and a unique
  constraint on centre/day/letter/number backs it up);
- call-next takes the first waiting ticket with SELECT ... FOR UPDATE SKIP LOCKED, so two
  counters never take the same ticket, and a partial unique constraint allows at most one
  called/serving ticket per counter.
"""

import datetime as dt
import importlib.util
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from centres.models import Centre, CentreService, Counter
from centres.permissions import centres_for_user
from services.models import Service

from . import services as booking
from .arrival import ArrivedTooLate, arrival_record
from .citizens import phone_normalise
from .models import (
    AT_COUNTER_STATUSES,
    Appointment,
    AppointmentStatus,
    CounterSession,
    CounterSessionStatus,
    PriorityGroup,
    Ticket,
    TicketEvent,
    TicketNumberSeries,
    TicketStatus,
)
from .queue_errors import (
    QUEUE_MESSAGES,
    CounterBusy,
    IllegalTicketAction,
    InvalidTicketDetails,
    NoOpenSession,
    ServiceNotOffered,
    SessionConflict,
    TooFewRecalls,
    WrongCentre,
)
from .signals import ticket_moved

logger = logging.getLogger(__name__)
T = TicketStatus
SESSION = CounterSessionStatus

# The ticket's state machine: status -> statuses it may move to. Checked in one place, `_move`.
# CALLED -> CALLED is a recall; CALLED/SERVING -> WAITING is a transfer (the place in line is kept).
TICKET_TRANSITIONS = {
    T.WAITING: {T.CALLED, T.NOT_SERVED, T.CANCELLED},
    T.CALLED: {T.CALLED, T.SERVING, T.NO_SHOW, T.WAITING, T.NOT_SERVED},
    T.SERVING: {T.COMPLETED, T.WAITING, T.NOT_SERVED},
    T.COMPLETED: set(),
    T.NO_SHOW: set(),
    T.NOT_SERVED: set(),
    T.CANCELLED: set(),
}
FINAL_STATUSES = (T.COMPLETED, T.NO_SHOW, T.NOT_SERVED, T.CANCELLED)
OPEN_STATUSES = (T.WAITING, T.CALLED, T.SERVING)
LIVE_SESSION = (SESSION.OPEN, SESSION.PAUSED)
# Sorts tickets without a priority group after every priority group.
NO_PRIORITY_RANK = 32767


def queue_setting(name: str):
    return settings.QUEUE[name]


def centre_today(centre: Centre, now: dt.datetime) -> dt.date:
    return now.astimezone(centre.tz).date()


# --- helpers -------------------------------------------------------------------------------


def _check_staff(operator, centre_id: int) -> None:
    if operator is None or not centres_for_user(operator).filter(pk=centre_id).exists():
        raise WrongCentre(QUEUE_MESSAGES["wrong_centre"])


def _event(ticket: Ticket, action: str, from_status: str, *, now: dt.datetime, operator=None, counter_id=None) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        from_status=from_status,
        to_status=ticket.status,
        counter_id=counter_id or ticket.counter_id,
        operator=operator,
        service_id=ticket.service_id,
        at=now,
    )


def _illegal(ticket: Ticket) -> IllegalTicketAction:
    return IllegalTicketAction(
        QUEUE_MESSAGES["illegal"] % {"status": T(ticket.status).label}, extra={"status": ticket.status}
    )


def _move(ticket: Ticket, to: str, *, action: str, now: dt.datetime, operator=None, **fields) -> None:
    """The one place a ticket changes status: checks the table, saves, records the step
    (with the counter it happened at, even when the step takes the ticket off the counter)."""
    if to not in TICKET_TRANSITIONS[ticket.status]:
        raise _illegal(ticket)
    from_status, from_counter = ticket.status, ticket.counter_id
    ticket.status = to
    for name, value in fields.items():
        setattr(ticket, name, value)
    try:
        with transaction.atomic():
            ticket.save(update_fields=["status", *fields])
    except IntegrityError as error:
        if "ticket_one_at_a_counter" in str(error):
            held = _ticket_at(ticket.counter_id)
            code = held.display_code if held else ""
            raise CounterBusy(QUEUE_MESSAGES["counter_busy"] % {"code": code}) from error
        raise
    _event(ticket, action, from_status, now=now, operator=operator, counter_id=from_counter)
    ticket_moved.send(sender=Ticket, ticket=ticket, from_status=from_status, to_status=to, now=now)


def _locked_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("centre", "service").get(pk=ticket.pk)


def _next_number(centre: Centre, day: dt.date, letter: str) -> int:
    """Take the next number of the day's series from its locked row (never from memory)."""
    TicketNumberSeries.objects.get_or_create(centre=centre, date=day, letter=letter)
    series = TicketNumberSeries.objects.select_for_update().get(centre=centre, date=day, letter=letter)
    series.last_number += 1
    series.save(update_fields=["last_number"])
    return series.last_number


def _check_offered(centre: Centre, service: Service) -> None:
    if not CentreService.objects.filter(centre=centre, service=service, is_active=True).exists():
        raise ServiceNotOffered(QUEUE_MESSAGES["not_offered"])
    if not Counter.objects.filter(centre=centre, is_active=True, services=service).exists():
        raise ServiceNotOffered(QUEUE_MESSAGES["no_counter"], code="no_counter")


def _new_ticket(*, centre, service, now, **fields) -> Ticket:
    day = centre_today(centre, now)
    letter = service.category.ticket_letter
    ticket = Ticket.objects.create(
        centre=centre,
        service=service,
        date=day,
        letter=letter,
        number=_next_number(centre, day, letter),
        public_token=secrets.token_urlsafe(24),
        status=T.WAITING,
        queued_at=now,
        issued_at=now,
        **fields,
    )
    _event(ticket, "issue", "", now=now)
    return ticket


def _notify_after_commit(ticket: Ticket, *, called: bool) -> None:
    """Tell the citizen (and those next in line) after commit, if the notifications module exists."""
    if importlib.util.find_spec("appointments.queue_notifications") is None:
        return
    ticket_id, day = ticket.pk, ticket.date

    def send():
        from . import queue_notifications

        fresh = Ticket.objects.select_related("centre", "service", "counter").get(pk=ticket_id)
        if called:
            queue_notifications.ticket_called_notify(ticket=fresh)
        queue_notifications.queue_near_notify(centre=fresh.centre, date=day)

    transaction.on_commit(send, robust=True)


# --- tickets -------------------------------------------------------------------------------


@transaction.atomic
def ticket_issue(
    *,
    centre: Centre,
    service: Service,
    priority_group: PriorityGroup | None = None,
    phone: str = "",
    language: str = "az",
    now: dt.datetime | None = None,
) -> Ticket:
    """A walk-in ticket (kiosk or reception desk) for `service` at `centre`, numbered per
    centre, day and letter. Raises ServiceNotOffered or InvalidTicketDetails. Anyone may
    take a ticket; the caller decides who may set a priority group."""
    now = now or timezone.now()
    _check_offered(centre, service)
    if priority_group is not None and (priority_group.centre_id != centre.pk or not priority_group.is_active):
        raise InvalidTicketDetails(
            QUEUE_MESSAGES["wrong_priority_group"],
            fields={"priority_group": [str(QUEUE_MESSAGES["wrong_priority_group"])]},
        )
    if phone:
        try:
            phone = phone_normalise(phone)
        except ValidationError as error:
            raise InvalidTicketDetails(
                QUEUE_MESSAGES["phone"], fields={"phone": [str(QUEUE_MESSAGES["phone"])]}
            ) from error
    if language not in dict(settings.LANGUAGES):
        language = "az"
    return _new_ticket(
        centre=centre, service=service, now=now, priority_group=priority_group, phone=phone, language=language
    )


def ticket_check_in_appointment(*, appointment: Appointment, by=None, now: dt.datetime | None = None) -> Ticket:
    """Check a booking in (the arrival rules of appointments/arrival.py) and give it a ticket
    that is called from the appointment's time on, ahead of walk-ins. A second check-in
    returns the same ticket. Too late: the booking lapses (committed) and ArrivedTooLate is
    raised; too early: TooEarlyToCheckIn. Permission checks are the caller's."""
    now = now or timezone.now()
    refusal = None
    with transaction.atomic():
        try:
            appointment = arrival_record(appointment=appointment, by=by, now=now)
        except ArrivedTooLate as error:
            refusal = error  # the lapse is kept: raise after commit
        if refusal is None:
            # arrival_record locked the booking row: concurrent check-ins wait here.
            existing = Ticket.objects.filter(appointment=appointment).first()
            if existing is not None:
                return existing
            if appointment.status != AppointmentStatus.CHECKED_IN:
                raise IllegalTicketAction(QUEUE_MESSAGES["not_checked_in"])
            return _new_ticket(
                centre=appointment.centre,
                service=appointment.service,
                now=now,
                appointment=appointment,
                due_at=appointment.starts_at,
                phone=appointment.phone,
                language=appointment.language,
            )
    raise refusal


# --- counter sessions ----------------------------------------------------------------------


@transaction.atomic
def counter_session_open(*, counter: Counter, operator, now: dt.datetime | None = None) -> CounterSession:
    """Sign `operator` in at `counter` (of their own centre). Signing in again at the same
    counter returns the live session. Raises WrongCentre or SessionConflict (counter taken,
    or the operator is signed in elsewhere)."""
    now = now or timezone.now()
    counter = Counter.objects.select_for_update(no_key=True).get(pk=counter.pk)
    _check_staff(operator, counter.centre_id)
    if not counter.is_active:
        raise SessionConflict(QUEUE_MESSAGES["counter_inactive"], code="counter_inactive")
    live = CounterSession.objects.filter(status__in=LIVE_SESSION).select_related("counter")
    mine = live.filter(operator=operator).first()
    if mine is not None:
        if mine.counter_id == counter.pk:
            return mine
        raise SessionConflict(QUEUE_MESSAGES["operator_elsewhere"] % {"number": mine.counter.number})
    if live.filter(counter=counter).exists():
        raise SessionConflict(QUEUE_MESSAGES["counter_taken"], code="counter_taken")
    try:
        with transaction.atomic():
            return CounterSession.objects.create(counter=counter, operator=operator, opened_at=now)
    except IntegrityError as error:  # a simultaneous sign-in won
        raise SessionConflict(QUEUE_MESSAGES["counter_taken"], code="counter_taken") from error


def _locked_session(session: CounterSession) -> CounterSession:
    return CounterSession.objects.select_for_update(of=("self",)).select_related("counter").get(pk=session.pk)


def _ticket_at(counter_id: int) -> Ticket | None:
    return Ticket.objects.filter(counter_id=counter_id, status__in=AT_COUNTER_STATUSES).first()


def _refuse_if_busy(counter_id: int) -> None:
    held = _ticket_at(counter_id)
    if held is not None:
        raise CounterBusy(QUEUE_MESSAGES["counter_busy"] % {"code": held.display_code}, extra={"ticket": held.pk})


@transaction.atomic
def counter_session_pause(*, session: CounterSession, now: dt.datetime | None = None) -> CounterSession:
    """A break: the counter calls no tickets until resumed. Not while a ticket is at the counter."""
    session = _locked_session(session)
    if session.status != SESSION.OPEN:
        raise SessionConflict(QUEUE_MESSAGES["session_not_open"], code="session_not_open")
    _refuse_if_busy(session.counter_id)
    session.status = SESSION.PAUSED
    session.save(update_fields=["status"])
    return session


@transaction.atomic
def counter_session_resume(*, session: CounterSession, now: dt.datetime | None = None) -> CounterSession:
    session = _locked_session(session)
    if session.status != SESSION.PAUSED:
        raise SessionConflict(QUEUE_MESSAGES["session_not_paused"], code="session_not_paused")
    session.status = SESSION.OPEN
    session.save(update_fields=["status"])
    return session


@transaction.atomic
def counter_session_close(*, session: CounterSession, now: dt.datetime | None = None) -> CounterSession:
    """Sign out. Not while a ticket is at the counter (finish or transfer it first)."""
    now = now or timezone.now()
    session = _locked_session(session)
    if session.status == SESSION.CLOSED:
        raise SessionConflict(QUEUE_MESSAGES["session_closed"], code="session_closed")
    _refuse_if_busy(session.counter_id)
    session.status = SESSION.CLOSED
    session.closed_at = now
    session.save(update_fields=["status", "closed_at"])
    return session


# --- call-next and the ticket's life at the counter ----------------------------------------


def call_order(queryset, *, now: dt.datetime):
    """Waiting tickets in the order counters call them: due appointments (by their time),
    then priority groups (by rank), then first come (place in line). Shared with
    queue_selectors.ticket_position so "how many ahead" agrees with who is called."""
    return queryset.annotate(
        _due_rank=Case(When(due_at__isnull=False, then=Value(0)), default=Value(1), output_field=IntegerField()),
        _priority_rank=Coalesce("priority_group__rank", Value(NO_PRIORITY_RANK)),
    ).order_by("_due_rank", "due_at", "_priority_rank", "queued_at", "pk")


def callable_tickets(*, counter: Counter, now: dt.datetime):
    """Tickets `counter` may call now: its centre's waiting tickets of today, for services it
    handles, not transferred to another counter, appointments only from their time."""
    service_ids = counter.services.values("pk")
    return Ticket.objects.filter(
        centre_id=counter.centre_id,
        date=centre_today(counter.centre, now),
        status=T.WAITING,
        service_id__in=service_ids,
    ).filter(
        Q(target_counter__isnull=True) | Q(target_counter=counter),
        Q(due_at__isnull=True) | Q(due_at__lte=now),
    )


@transaction.atomic
def ticket_call_next(*, counter: Counter, operator, now: dt.datetime | None = None) -> Ticket | None:
    """Call the next ticket to `counter`; None when nobody is waiting for it.

    The operator needs an open (not paused) session at this counter, and the counter must
    be free (CounterBusy, 409, otherwise). Concurrent calls from many counters never take the
    same ticket: rows another transaction holds are skipped (FOR UPDATE SKIP LOCKED)."""
    now = now or timezone.now()
    # Serialises double clicks at one counter; other counters are not blocked.
    counter = Counter.objects.select_for_update(no_key=True, of=("self",)).select_related("centre").get(pk=counter.pk)
    _check_staff(operator, counter.centre_id)
    if not CounterSession.objects.filter(counter=counter, operator=operator, status=SESSION.OPEN).exists():
        raise NoOpenSession(QUEUE_MESSAGES["no_open_session"])
    _refuse_if_busy(counter.pk)
    ticket = (
        call_order(callable_tickets(counter=counter, now=now), now=now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("centre", "service")
        .first()
    )
    if ticket is None:
        return None
    _move(
        ticket,
        T.CALLED,
        action="call",
        now=now,
        operator=operator,
        counter=counter,
        operator_id=getattr(operator, "pk", None),
        target_counter=None,
        called_at=now,
        recalls=0,
    )
    ticket.counter = counter
    _notify_after_commit(ticket, called=True)
    return ticket


def _at_counter(ticket: Ticket, operator) -> Ticket:
    ticket = _locked_ticket(ticket)
    _check_staff(operator, ticket.centre_id)
    return ticket


@transaction.atomic
def ticket_recall(*, ticket: Ticket, operator, now: dt.datetime | None = None) -> Ticket:
    """Call a CALLED ticket again (the display and SMS repeat the call)."""
    now = now or timezone.now()
    ticket = _at_counter(ticket, operator)
    if ticket.status != T.CALLED:
        raise _illegal(ticket)
    _move(ticket, T.CALLED, action="recall", now=now, operator=operator, recalls=ticket.recalls + 1)
    _notify_after_commit(ticket, called=True)
    return ticket


@transaction.atomic
def ticket_start(*, ticket: Ticket, operator, now: dt.datetime | None = None) -> Ticket:
    """The citizen came to the counter: service starts."""
    now = now or timezone.now()
    ticket = _at_counter(ticket, operator)
    if ticket.status != T.CALLED:
        raise _illegal(ticket)
    _move(ticket, T.SERVING, action="start", now=now, operator=operator, started_at=now)
    return ticket


@transaction.atomic
def ticket_complete(*, ticket: Ticket, operator, outcome: str = "", now: dt.datetime | None = None) -> Ticket:
    """Service done, with a short outcome note. A checked-in booking is completed too."""
    now = now or timezone.now()
    outcome = (outcome or "").strip()
    if len(outcome) > Ticket._meta.get_field("outcome").max_length:
        raise InvalidTicketDetails(
            QUEUE_MESSAGES["outcome_too_long"], fields={"outcome": [str(QUEUE_MESSAGES["outcome_too_long"])]}
        )
    ticket = _at_counter(ticket, operator)
    _move(ticket, T.COMPLETED, action="complete", now=now, operator=operator, outcome=outcome, completed_at=now)
    if ticket.appointment_id:
        appointment = Appointment.objects.select_for_update(of=("self",)).get(pk=ticket.appointment_id)
        if AppointmentStatus.COMPLETED in booking.TRANSITIONS[appointment.status]:
            booking._move(appointment, AppointmentStatus.COMPLETED, now=now)
    return ticket


@transaction.atomic
def ticket_no_show(*, ticket: Ticket, operator, now: dt.datetime | None = None) -> Ticket:
    """The citizen did not come after RECALLS_BEFORE_NO_SHOW recalls (TooFewRecalls before)."""
    now = now or timezone.now()
    ticket = _at_counter(ticket, operator)
    needed = queue_setting("RECALLS_BEFORE_NO_SHOW")
    if ticket.status != T.CALLED:
        raise _illegal(ticket)
    if ticket.recalls < needed:
        raise TooFewRecalls(QUEUE_MESSAGES["too_few_recalls"] % {"recalls": needed}, extra={"recalls": ticket.recalls})
    _move(ticket, T.NO_SHOW, action="no_show", now=now, operator=operator, completed_at=now)
    return ticket


@transaction.atomic
def ticket_transfer(
    *,
    ticket: Ticket,
    operator,
    service: Service | None = None,
    counter: Counter | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Send a called or serving ticket back to the line for another service and/or a given
    counter. The citizen keeps their number and their place (queued_at)."""
    now = now or timezone.now()
    if service is None and counter is None:
        raise InvalidTicketDetails(QUEUE_MESSAGES["transfer_target"])
    ticket = _at_counter(ticket, operator)
    if ticket.status not in AT_COUNTER_STATUSES:
        raise _illegal(ticket)
    new_service = service or ticket.service
    if service is not None:
        _check_offered(ticket.centre, service)
    if counter is not None:
        if counter.centre_id != ticket.centre_id:
            raise WrongCentre(QUEUE_MESSAGES["wrong_centre"])
        if not counter.is_active:
            raise InvalidTicketDetails(QUEUE_MESSAGES["counter_inactive"], code="counter_inactive")
        if not counter.services.filter(pk=new_service.pk).exists():
            raise InvalidTicketDetails(QUEUE_MESSAGES["transfer_counter"], code="transfer_counter")
    _move(
        ticket,
        T.WAITING,
        action="transfer",
        now=now,
        operator=operator,
        service=new_service,
        target_counter=counter,
        counter=None,
        operator_id=None,
        recalls=0,
        near_notified=False,
    )
    return ticket


# --- end of day ----------------------------------------------------------------------------


@transaction.atomic
def queue_end_of_day(*, centre: Centre, date: dt.date, now: dt.datetime | None = None) -> int:
    """Close the day's queue: tickets still waiting, called or serving become NOT_SERVED (each
    step recorded) and every live counter session of the centre is closed. Returns how many
    tickets were not served. Idempotent. Permission checks are the caller's."""
    now = now or timezone.now()
    remaining = list(
        Ticket.objects.select_for_update(of=("self",))
        .filter(centre=centre, date=date, status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    for ticket in remaining:
        _move(ticket, T.NOT_SERVED, action="end_of_day", now=now, completed_at=now)
    CounterSession.objects.filter(counter__centre=centre, status__in=LIVE_SESSION).update(
        status=SESSION.CLOSED, closed_at=now
    )
    logger.info("Queue of %s on %s closed: %s tickets not served", centre.code, date, len(remaining))
    return len(remaining)
