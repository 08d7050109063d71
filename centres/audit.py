"""The staff audit trail: who did what to which record, when, from where.

Most staff actions are already recorded where they happen, so they are read from there,
not copied (`audit_trail` unions them):

| action                                   | recorded in                                         |
|------------------------------------------|-----------------------------------------------------|
| booking on a citizen's behalf            | Appointment.booked_by, created_at                   |
| counter closures (staff page)            | CounterClosure.created_by, created_at               |
| queue: call, recall, start, complete ... | TicketEvent (operator, counter, at)                 |
| complaint status changes                 | ComplaintEvent (by, at, from/to status)             |
| volunteer application decisions          | VolunteerApplication.reviewed_by, reviewed_at      |
| coordinator assigns a volunteer          | ShiftSignup.assigned_by, created_at                 |
| anything done in the admin               | django.contrib.admin LogEntry; catalogue, centres and memberships also keep full versions (simple_history) |

Recorded nowhere else, so written here as an AuditEntry (`audit_record`, called by the
service in its transaction): a booking cancelled (with the reason the citizen is told) or
moved by staff, a counter closure lifted or shortened, a citizen checked in by
staff, a volunteer removed from a shift or moved to another, checked in or out by the
coordinator (not by their own QR scan), sent a password link or marked as having completed
the programme, a change of how many volunteers a shift needs, and a staff member's second
factor added or reset (asan_portal/second_factor.py).
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.db import models
from django.utils import timezone

from .models import AuditEntry, Centre


def _request_context() -> tuple[str | None, str]:
    """The client address and request id of the request being served, if any.

    simple_history's middleware keeps the request for the thread; tasks and commands have none."""
    from simple_history.models import HistoricalRecords

    from asan_portal.ratelimit import client_ip

    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return None, ""
    address = client_ip(request)
    return (None if address == "unknown" else address), str(getattr(request, "request_id", "") or "")[:64]


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    centre: Centre | None = None,
    details: dict | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Record one staff action. Call it inside the service's transaction, after the change."""
    ip, request_id = _request_context()
    return AuditEntry.objects.create(
        at=now or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=actor.get_username() if getattr(actor, "pk", None) else "",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        centre=centre,
        ip=ip,
        request_id=request_id,
        details=details or {},
    )


@dataclass(frozen=True)
class AuditRow:
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    centre_id: int | None
    source: str  # which table it came from


def _name(user) -> str:
    return user.get_username() if user is not None else ""


def audit_trail(*, since: dt.datetime, until: dt.datetime, centre: Centre | None = None, limit: int = 500):
    """Every recorded staff action in [since, until), newest first, from all the places above.

    Each source is one query bounded by `limit`, so the whole costs eight queries."""
    from appointments.models import Appointment, CounterClosure, TicketEvent
    from feedback.models import ComplaintEvent
    from volunteers.models import ShiftSignup, VolunteerApplication

    def scoped(queryset, field):
        return queryset.filter(**{field: centre}) if centre is not None else queryset

    rows: list[AuditRow] = []
    entries = scoped(AuditEntry.objects.filter(at__gte=since, at__lt=until), "centre").order_by("-at")[:limit]
    rows += [
        AuditRow(e.at, e.actor_username, e.action, e.object_type, e.object_id, e.centre_id, "audit") for e in entries
    ]
    events = scoped(
        TicketEvent.objects.filter(at__gte=since, at__lt=until, operator__isnull=False).select_related(
            "operator", "ticket"
        ),
        "ticket__centre",
    ).order_by("-at")[:limit]
    rows += [
        AuditRow(e.at, _name(e.operator), f"ticket_{e.action}", "appointments.ticket", str(e.ticket_id),
                 e.ticket.centre_id, "ticket_event")
        for e in events
    ]  # fmt: skip
    steps = scoped(
        ComplaintEvent.objects.filter(at__gte=since, at__lt=until, by__isnull=False).select_related("by", "complaint"),
        "complaint__centre",
    ).order_by("-at")[:limit]
    rows += [
        AuditRow(e.at, _name(e.by), f"complaint_{e.to_status}", "feedback.complaint", str(e.complaint_id),
                 e.complaint.centre_id, "complaint_event")
        for e in steps
    ]  # fmt: skip
    booked = scoped(
        Appointment.objects.filter(created_at__gte=since, created_at__lt=until, booked_by__isnull=False)
        .select_related("booked_by")
        .only("pk", "created_at", "centre_id", "booked_by__username"),
        "centre",
    ).order_by("-created_at")[:limit]
    rows += [
        AuditRow(a.created_at, _name(a.booked_by), "booking_on_behalf", "appointments.appointment", str(a.pk),
                 a.centre_id, "appointment")
        for a in booked
    ]  # fmt: skip
    closures = scoped(
        CounterClosure.objects.filter(
            created_at__gte=since, created_at__lt=until, created_by__isnull=False
        ).select_related("created_by", "counter"),
        "counter__centre",
    ).order_by("-created_at")[:limit]
    rows += [
        AuditRow(c.created_at, _name(c.created_by), "counter_closed", "appointments.counterclosure", str(c.pk),
                 c.counter.centre_id, "counter_closure")
        for c in closures
    ]  # fmt: skip
    if centre is None:  # volunteers and the admin are not scoped to one centre
        decisions = (
            VolunteerApplication.objects.filter(
                reviewed_at__gte=since, reviewed_at__lt=until, reviewed_by__isnull=False
            )
            .select_related("reviewed_by")
            .order_by("-reviewed_at")[:limit]
        )
        rows += [
            AuditRow(a.reviewed_at, _name(a.reviewed_by), f"application_{a.status}", "volunteers.volunteerapplication",
                     str(a.pk), None, "volunteer_application")
            for a in decisions
        ]  # fmt: skip
        assigned = (
            ShiftSignup.objects.filter(created_at__gte=since, created_at__lt=until, assigned_by__isnull=False)
            .select_related("assigned_by", "shift")
            .order_by("-created_at")[:limit]
        )
        rows += [
            AuditRow(s.created_at, _name(s.assigned_by), "shift_assign", "volunteers.shiftsignup", str(s.pk),
                     s.shift.centre_id, "shift_signup")
            for s in assigned
        ]  # fmt: skip
        admin = (
            LogEntry.objects.filter(action_time__gte=since, action_time__lt=until)
            .select_related("user", "content_type")
            .order_by("-action_time")[:limit]
        )
        rows += [
            AuditRow(e.action_time, _name(e.user), f"admin_{_ADMIN_ACTIONS.get(e.action_flag, 'change')}",
                     f"{e.content_type.app_label}.{e.content_type.model}" if e.content_type else "", e.object_id or "",
                     None, "admin_log")
            for e in admin
        ]  # fmt: skip
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows[:limit]


_ADMIN_ACTIONS = {1: "add", 2: "change", 3: "delete"}
