"""Visits to rate, made through the real queue services (issue, call, start, complete), so the
rating invitation comes from the same signal as in production."""

import datetime as dt
import re
from urllib.parse import urlsplit

from django.utils import timezone

from appointments import queue
from appointments.models import Notification, Ticket
from centres.models import Counter
from feedback import ratings
from feedback.models import RatingInvitation
from tests.appointments.queue_factories import operator_at, queue_setup

LINK = re.compile(r"https?://\S+/feedback/[A-Za-z0-9_-]+/")


def visit_desk(*, letter="A"):
    """A centre with one service, counter 1 and an operator signed in there: (counter, operator)."""
    service, centre = queue_setup(counters=1, letter=letter)
    counter = Counter.objects.select_related("centre").get(centre=centre, number=1)
    operator = operator_at(centre)
    queue.counter_session_open(counter=counter, operator=operator)
    return counter, operator


def completed_visit(
    *, counter=None, operator=None, phone="+994501234567", language="az", now=None, service=None
) -> Ticket:
    """A walk-in ticket issued, called, started and completed at `counter` (a new desk when
    None). `now` is the completion time (default: now)."""
    if counter is None:
        counter, operator = visit_desk()
    now = now or timezone.now()
    service = service or counter.services.first()
    # Issued 15 minutes before `now`, but never before the centre's local midnight: a queue day
    # ends at midnight, so a ticket of yesterday could not be called today (CI may run at 00:10).
    midnight = dt.datetime.combine(now.astimezone(counter.centre.tz).date(), dt.time(), tzinfo=counter.centre.tz)
    issued = max(now - dt.timedelta(minutes=15), midnight)
    span = now - issued
    ticket = queue.ticket_issue(centre=counter.centre, service=service, phone=phone, language=language, now=issued)
    called = queue.ticket_call_next(counter=counter, operator=operator, now=issued + span * 2 / 3)
    assert called.pk == ticket.pk
    queue.ticket_start(ticket=called, operator=operator, now=issued + span * 11 / 15)
    queue.ticket_complete(ticket=called, operator=operator, now=now)
    return Ticket.objects.select_related("centre", "service", "counter").get(pk=ticket.pk)


def link_from_message(ticket, channel="sms") -> str:
    """The path (with language prefix) of the rating link in the invitation sent to the citizen."""
    message = Notification.objects.get(ticket=ticket, kind=ratings.INVITATION_KIND, channel=channel)
    return urlsplit(LINK.search(message.body).group(0)).path


def token_from_message(ticket, channel="sms") -> str:
    return link_from_message(ticket, channel).rstrip("/").rsplit("/", 1)[1]


def fresh_invitation(ticket, *, now=None) -> str:
    """Replace the ticket's invitation with a new one and return its raw token (for visits
    whose citizen left no phone or e-mail, or to control `expires_at` through `now`)."""
    RatingInvitation.objects.filter(ticket=ticket).delete()
    _invitation, token = ratings.rating_invitation_create(ticket=ticket, now=now or timezone.now())
    return token
