"""Reads of the day's queue: the manager's live view, the citizen's ticket page, the
waiting-room display. Queries are built here (with their joins) so pages and the API agree."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, Q
from django.utils import timezone

from centres.models import Centre, Counter
from services.models import Service
from services.search import service_search

from .models import AT_COUNTER_STATUSES, CounterSession, CounterSessionStatus, Ticket, TicketEvent, TicketStatus
from .queue import LIVE_SESSION, NO_PRIORITY_RANK, call_order, centre_today

T = TicketStatus


@dataclass(frozen=True)
class ServiceQueue:
    service: Service
    waiting: int
    longest_wait: dt.timedelta | None  # the longest a ticket waiting now has waited


@dataclass(frozen=True)
class CounterState:
    counter: Counter
    state: str  # "closed", "open" (free), "busy" (a ticket called or being served), "paused"
    operator: object | None = None
    ticket: Ticket | None = None


@dataclass(frozen=True)
class QueueSnapshot:
    centre: Centre
    date: dt.date
    waiting: int
    services: list[ServiceQueue]
    longest_wait: dt.timedelta | None  # today, called tickets and those still waiting
    average_wait: dt.timedelta | None  # today, issue to (last) call, tickets already called
    counters_open: int  # signed in and not on a break (free or busy)
    counters_busy: int
    counters_paused: int
    counters: list[CounterState] = field(default_factory=list)
    issued: int = 0
    served: int = 0
    no_shows: int = 0
    not_served: int = 0


@dataclass(frozen=True)
class FeedItem:
    event_id: int  # changes with every call and recall: the display chimes on a new one
    ticket_id: int
    display_code: str
    counter_number: int | None
    called_at: dt.datetime
    status: str
    recall: bool


def _wait(expression_from, expression_to):
    return ExpressionWrapper(F(expression_to) - F(expression_from), output_field=DurationField())


def queue_snapshot(*, centre: Centre, date: dt.date | None = None, now: dt.datetime | None = None) -> QueueSnapshot:
    """The centre manager's live view of one day (today by default)."""
    now = now or timezone.now()
    date = date or centre_today(centre, now)
    day = Ticket.objects.filter(centre=centre, date=date)
    counts = day.aggregate(
        issued=Count("pk"),
        waiting=Count("pk", filter=Q(status=T.WAITING)),
        served=Count("pk", filter=Q(status=T.COMPLETED)),
        no_shows=Count("pk", filter=Q(status=T.NO_SHOW)),
        not_served=Count("pk", filter=Q(status=T.NOT_SERVED)),
        average_wait=Avg(_wait("issued_at", "called_at"), filter=Q(called_at__isnull=False)),
    )
    waiting = day.filter(status=T.WAITING)
    oldest_waiting = waiting.order_by("queued_at").values_list("queued_at", flat=True).first()
    longest_called = (
        day.filter(called_at__isnull=False)
        .annotate(wait=_wait("issued_at", "called_at"))
        .order_by("-wait")
        .values_list("wait", flat=True)
        .first()
    )
    candidates = [w for w in (longest_called, (now - oldest_waiting) if oldest_waiting else None) if w is not None]

    per_service = []
    rows = waiting.values("service").annotate(n=Count("pk"), oldest=Min("queued_at")).order_by("service")
    services = Service.objects.in_bulk([row["service"] for row in rows])
    for row in rows:
        per_service.append(
            ServiceQueue(service=services[row["service"]], waiting=row["n"], longest_wait=now - row["oldest"])
        )
    per_service.sort(key=lambda item: (-item.waiting, item.service.pk))

    sessions = {
        s.counter_id: s
        for s in CounterSession.objects.filter(counter__centre=centre, status__in=LIVE_SESSION).select_related(
            "operator"
        )
    }
    at_counter = {
        t.counter_id: t
        for t in Ticket.objects.filter(centre=centre, status__in=AT_COUNTER_STATUSES).select_related("service")
    }
    states = []
    for counter in Counter.objects.filter(centre=centre, is_active=True).order_by("number"):
        session = sessions.get(counter.pk)
        ticket = at_counter.get(counter.pk)
        if session is None:
            state = "busy" if ticket else "closed"
        elif ticket is not None:
            state = "busy"
        elif session.status == CounterSessionStatus.PAUSED:
            state = "paused"
        else:
            state = "open"
        states.append(
            CounterState(counter=counter, state=state, operator=session.operator if session else None, ticket=ticket)
        )
    return QueueSnapshot(
        centre=centre,
        date=date,
        waiting=counts["waiting"],
        services=per_service,
        longest_wait=max(candidates) if candidates else None,
        average_wait=counts["average_wait"],
        counters_open=sum(1 for s in states if s.state in ("open", "busy")),
        counters_busy=sum(1 for s in states if s.state == "busy"),
        counters_paused=sum(1 for s in states if s.state == "paused"),
        counters=states,
        issued=counts["issued"],
        served=counts["served"],
        no_shows=counts["no_shows"],
        not_served=counts["not_served"],
    )


def ticket_get_public(token: str) -> Ticket | None:
    """The ticket a QR code points at (no login: the token is the secret), or None."""
    if not token or len(token) > 64:
        return None
    return (
        Ticket.objects.select_related("centre__city", "service", "counter", "priority_group")
        .filter(public_token=token)
        .first()
    )


def _ahead_of(ticket: Ticket) -> Q:
    """Rows a counter would call before `ticket`, in SQL: the call-next order (due appointments
    by time, then priority rank, then place in line, then id) as a "less than" on that key."""
    rank = ticket.priority_group.rank if ticket.priority_group_id else NO_PRIORITY_RANK
    same_due_then = Q(_priority_rank__lt=rank) | Q(_priority_rank=rank, queued_at__lt=ticket.queued_at)
    same_due_then |= Q(_priority_rank=rank, queued_at=ticket.queued_at, pk__lt=ticket.pk)
    if ticket.due_at is not None:
        return Q(due_at__lt=ticket.due_at) | (Q(due_at=ticket.due_at) & same_due_then)
    return Q(due_at__isnull=False) | (Q(due_at__isnull=True) & same_due_then)


def ticket_position(ticket: Ticket, *, now: dt.datetime | None = None) -> tuple[int, dt.timedelta | None]:
    """How many are ahead of a waiting ticket, and an estimated wait (None if unknown, e.g.
    no counter for its service is open). Ahead: waiting tickets of the same day that a counter
    handling this ticket's service would call first (the call-next order), counted in SQL.
    The estimate uses service times of the last ESTIMATE_WINDOW_MINUTES and the open counters."""
    now = now or timezone.now()
    if ticket.status != T.WAITING:
        return 0, (dt.timedelta(0) if ticket.status in AT_COUNTER_STATUSES else None)
    counters = Counter.objects.filter(centre_id=ticket.centre_id, is_active=True, services=ticket.service_id)
    if ticket.target_counter_id:
        counters = counters.filter(pk=ticket.target_counter_id)
    competing_services = Service.objects.filter(counters__in=counters).values("pk")
    ahead = (
        call_order(
            Ticket.objects.filter(
                centre_id=ticket.centre_id, date=ticket.date, status=T.WAITING, service_id__in=competing_services
            )
            .exclude(pk=ticket.pk)
            .filter(Q(target_counter__isnull=True) | Q(target_counter__in=counters)),
            now=now,
        )
        .filter(_ahead_of(ticket))
        .count()
    )

    open_counters = CounterSession.objects.filter(counter__in=counters, status=CounterSessionStatus.OPEN).count()
    if open_counters == 0:
        return ahead, None
    window = now - dt.timedelta(minutes=settings.QUEUE["ESTIMATE_WINDOW_MINUTES"])
    recent = Ticket.objects.filter(
        centre_id=ticket.centre_id, status=T.COMPLETED, completed_at__gte=window, started_at__isnull=False
    )
    average = (
        recent.filter(service_id=ticket.service_id).aggregate(a=Avg(_wait("started_at", "completed_at")))["a"]
        or recent.aggregate(a=Avg(_wait("started_at", "completed_at")))["a"]
        or dt.timedelta(minutes=ticket.service.duration_minutes or 15)
    )
    return ahead, average * ahead / open_counters


def display_feed(*, centre: Centre, limit: int | None = None, date: dt.date | None = None) -> list[FeedItem]:
    """The latest calls (and recalls) of the day for the waiting-room display, newest first,
    one line per ticket."""
    limit = limit or settings.QUEUE["DISPLAY_FEED_SIZE"]
    date = date or centre_today(centre, timezone.now())
    events = (
        TicketEvent.objects.filter(ticket__centre=centre, ticket__date=date, action__in=("call", "recall"))
        .select_related("ticket", "counter")
        .order_by("-at", "-pk")[: limit * 4]
    )
    items, seen = [], set()
    for event in events:
        if event.ticket_id in seen:
            continue
        seen.add(event.ticket_id)
        items.append(
            FeedItem(
                event_id=event.pk,
                ticket_id=event.ticket_id,
                display_code=event.ticket.display_code,
                counter_number=event.counter.number if event.counter else None,
                called_at=event.at,
                status=event.ticket.status,
                recall=event.action == "recall",
            )
        )
        if len(items) == limit:
            break
    return items


def kiosk_services(centre: Centre):
    """Services a kiosk offers: published, offered at the centre and handled by an active counter."""
    return (
        Service.objects.filter(
            offers__centre=centre,
            offers__is_active=True,
            is_published=True,
            is_active=True,
            counters__centre=centre,
            counters__is_active=True,
        )
        .select_related("category")
        .distinct()
        .order_by("category__position", "name_az")
    )


def transfer_services(centre: Centre, *, query: str = ""):
    """The services a ticket may be sent on to (the kiosk's), or those the catalogue's search
    finds for `query`, best first: it folds spelling as on the public search, so "sexsiyyet"
    finds "şəxsiyyət"."""
    services = kiosk_services(centre)
    if not query.strip():
        return services
    return service_search(query, queryset=services)


def counter_screen(*, counter: Counter, user, now: dt.datetime | None = None) -> dict:
    """What the operator's counter screen shows: the live session, the ticket at the counter,
    how many wait for the counter's services today (appointments not yet due included), and
    whether `user` is signed in at another counter."""
    now = now or timezone.now()
    live = CounterSession.objects.exclude(status=CounterSessionStatus.CLOSED)
    session = live.filter(counter=counter).select_related("operator").first()
    current = (
        Ticket.objects.filter(counter=counter, status__in=AT_COUNTER_STATUSES)
        .select_related("service", "priority_group", "appointment")
        .first()
    )
    waiting = (
        Ticket.objects.filter(
            centre_id=counter.centre_id,
            date=centre_today(counter.centre, now),
            status=T.WAITING,
            service_id__in=counter.services.values("pk"),
        )
        .filter(Q(target_counter__isnull=True) | Q(target_counter=counter))
        .count()
    )
    return {
        "counter": counter,
        "session": session,
        "my_session": session is not None and session.operator_id == user.pk,
        "other_session": live.filter(operator=user).exclude(counter=counter).select_related("counter").first(),
        "current": current,
        "waiting": waiting,
        "recalls_before_no_show": settings.QUEUE["RECALLS_BEFORE_NO_SHOW"],
    }
