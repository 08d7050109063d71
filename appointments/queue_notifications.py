"""The queue's SMS: "your turn is near" and "please come to counter N".

They go through the same outbox as the booking messages (appointments/notifications.py,
docs/adr/0009): a Notification row with a unique `dedup_key`, written in a transaction, then
relayed by the worker after a nudge on commit. The queue services (appointments/queue.py)
call these two functions with `transaction.on_commit` after a call, a recall or anything else
that moves the line, so a message never reports a change that was rolled back.

- `ticket_called_notify`: one SMS per call and per recall ("ticket:<id>:called:<recalls>").
  The relay skips it when the ticket is no longer called by the time it would go out.
- `queue_near_notify`: once per ticket ("ticket:<id>:near"), when at most
  QUEUE["NEAR_AHEAD"] people are ahead. The ticket's `near_notified` flag is set by a
  conditional UPDATE, which takes the row lock: of two concurrent runs only one sees the flag
  still down, and the unique key backs that up.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from centres.models import Counter
from services.models import Service

from .models import Notification, NotificationChannel, Ticket, TicketStatus
from .notifications import relay_nudge

logger = logging.getLogger(__name__)

CALLED = "ticket_called"
NEAR = "ticket_near"
TICKET_KINDS = (CALLED, NEAR)


def ticket_texts(kind: str, ticket: Ticket, context: dict) -> tuple[str, str]:
    """(subject, body) of a queue message, in the active language."""
    code = ticket.display_code
    centre = ticket.centre.name
    if kind == CALLED:
        counter = context["counter"]
        return (
            _("Ticket %(code)s: your turn") % {"code": code},
            _("ASAN: ticket %(code)s, please come to counter %(counter)s (%(centre)s).")
            % {"code": code, "counter": counter, "centre": centre},
        )
    if kind == NEAR:
        return (
            _("Ticket %(code)s: your turn is near") % {"code": code},
            _("ASAN: ticket %(code)s, your turn is near: %(ahead)s ahead of you. Please stay close to the hall.")
            % {"code": code, "ahead": context["ahead"]},
        )
    raise ValueError(f"Unknown queue notification kind: {kind}")


def _enqueue(*, ticket: Ticket, kind: str, key: str, context: dict, now: dt.datetime) -> Notification | None:
    """Write one SMS row for the ticket (None when this exact message is already queued)."""
    with translation.override(ticket.language):
        subject, body = ticket_texts(kind, ticket, context)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                dedup_key=key,
                kind=kind,
                channel=NotificationChannel.SMS,
                recipient=ticket.phone,
                language=ticket.language,
                subject=subject,
                body=body,
                ticket=ticket,
                send_after=now,
            )
    except IntegrityError:
        return None  # already queued: the key says this exact message exists
    transaction.on_commit(relay_nudge)
    return notification


@transaction.atomic
def ticket_called_notify(*, ticket: Ticket, now: dt.datetime | None = None) -> Notification | None:
    """Queue "please come to counter N" for a ticket that is called, once per call or recall.

    Reads the ticket afresh (the caller runs it after commit): nothing is queued for a ticket
    without a phone, or one that is not CALLED any more. Permissions are the caller's business
    (the operator who called it)."""
    fresh = Ticket.objects.select_related("centre", "counter").filter(pk=ticket.pk).first()
    if fresh is None or not fresh.phone or fresh.status != TicketStatus.CALLED or fresh.counter is None:
        return None
    return _enqueue(
        ticket=fresh,
        kind=CALLED,
        key=f"ticket:{fresh.pk}:called:{fresh.recalls}",
        context={"counter": fresh.counter.number},
        now=now or timezone.now(),
    )


@transaction.atomic
def queue_near_notify(*, centre, date: dt.date, now: dt.datetime | None = None) -> list[Notification]:
    """Queue "your turn is near" for waiting tickets of `centre` on `date` that now have at most
    QUEUE["NEAR_AHEAD"] people ahead, have a phone and were not told yet. Once per ticket, even
    when two runs overlap. No permission check: the queue services call it after commit.

    Runs after every call, so it must stay cheap with thousands waiting. A ticket's place
    counts the waiting tickets of the services its counters also handle, in the call order; so
    only tickets among the first NEAR_AHEAD + 1 of that order (widened by the few tickets
    transferred to one counter in particular, which may not count) can be near. Only those,
    not told yet and with a phone, are counted exactly, by queue_selectors.ticket_position."""
    from .queue import call_order  # the queue services import this module lazily, too
    from .queue_selectors import ticket_position

    now = now or timezone.now()
    limit = settings.QUEUE["NEAR_AHEAD"]
    waiting = Ticket.objects.filter(centre=centre, date=date, status=TicketStatus.WAITING)
    targeted = list(waiting.filter(target_counter__isnull=False).values_list("pk", flat=True))
    candidate_ids = set(targeted)
    for service_id in waiting.order_by().values_list("service_id", flat=True).distinct():
        counters = Counter.objects.filter(centre=centre, is_active=True, services=service_id)
        # A list, not a subquery: the planner would re-run a subquery for every waiting row.
        competing = list(
            Service.objects.filter(counters__in=counters).order_by().values_list("pk", flat=True).distinct()
        )
        head = call_order(waiting.filter(service_id__in=competing), now=now).values_list(
            "pk", "service_id", "target_counter_id"
        )[: limit + 1 + len(targeted)]
        candidate_ids.update(pk for pk, service, target in head if service == service_id and target is None)
    candidates = {
        ticket.pk: ticket
        for ticket in waiting.filter(pk__in=candidate_ids, near_notified=False)
        .exclude(phone="")
        .select_related("centre", "service", "priority_group")
    }
    created = []
    for ticket in sorted(candidates.values(), key=lambda item: item.pk):
        ahead, _wait = ticket_position(ticket, now=now)
        if ahead > limit:
            continue
        # The row lock of this UPDATE decides between concurrent runs: the second one waits,
        # then finds the flag up (or the ticket called meanwhile) and matches nothing.
        claimed = Ticket.objects.filter(pk=ticket.pk, status=TicketStatus.WAITING, near_notified=False).update(
            near_notified=True
        )
        if not claimed:
            continue
        notification = _enqueue(
            ticket=ticket, kind=NEAR, key=f"ticket:{ticket.pk}:near", context={"ahead": ahead}, now=now
        )
        if notification is not None:
            created.append(notification)
    return created


def ticket_no_longer_needed(notification: Notification) -> str:
    """Why the relay should skip a queue message now ("" when it should still go out).

    A "come to counter N" for a ticket that was started, finished, transferred or closed, or
    that has been recalled since (the newer call has its own message), would send the citizen
    to the wrong place; "your turn is near" is pointless once the ticket left the line."""
    ticket = notification.ticket
    if notification.kind == CALLED:
        if ticket is None or ticket.status != TicketStatus.CALLED:
            return "ticket is not called any more"
        if notification.dedup_key != f"ticket:{ticket.pk}:called:{ticket.recalls}":
            return "ticket was called again since"
    if notification.kind == NEAR and (ticket is None or ticket.status != TicketStatus.WAITING):
        return "ticket is not waiting any more"
    return ""
