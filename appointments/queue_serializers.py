"""Input and output shapes of the queue API (one pair per action; no rules in here).

Inputs check types and formats only; whether a step is allowed is appointments.queue's (its
state machine), so the counter pages and the API refuse the same things. Outputs read the
ticket and, where given, its place in line from the serializer context (`position`:
`(ahead, estimated_wait)` from queue_selectors.ticket_position).
"""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from asan_portal.i18n import translated_value

from .models import AT_COUNTER_STATUSES, TicketStatus
from .serializers import LANGUAGE_CHOICES, CodeField, LocalTimeField


def _minutes(delta: dt.timedelta | None) -> int | None:
    if delta is None:
        return None
    return max(0, round(delta.total_seconds() / 60))


# --- Inputs -----------------------------------------------------------------------------------


class TicketIssueInputSerializer(serializers.Serializer):
    service = CodeField(help_text=_("The service's code."))
    priority_group = CodeField(
        required=False,
        allow_blank=True,
        help_text=_(
            "Code of one of the centre's priority groups (disability, elderly, ...), if the citizen is in one."
        ),
    )
    phone = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Mobile number for the “your turn is near” and “come to counter” SMS, e.g. +994501234567."),
    )
    language = serializers.ChoiceField(
        choices=LANGUAGE_CHOICES, required=False, help_text=_("Language of the SMS; default: the request's language.")
    )


class AppointmentCheckInInputSerializer(serializers.Serializer):
    fin = serializers.CharField(
        max_length=20,
        help_text=_(
            "The personal ID number (FIN) the booking was made with: typed by the citizen at a kiosk, "
            "read off the ID card at a desk."
        ),
    )


class TicketCompleteInputSerializer(serializers.Serializer):
    outcome = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("How the visit ended, in a few words."),
    )


class TicketTransferInputSerializer(serializers.Serializer):
    service = CodeField(required=False, help_text=_("Code of the service to send the citizen to."))
    counter = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Id of a counter of the same centre to send the citizen to.")
    )

    def validate(self, attrs):
        if not attrs.get("service") and not attrs.get("counter"):
            raise serializers.ValidationError(_("Choose a service or a counter to transfer the ticket to."))
        return attrs


# --- Outputs ----------------------------------------------------------------------------------


class _PositionMixin(serializers.Serializer):
    ahead = serializers.SerializerMethodField(help_text=_("How many tickets will be called before this one."))
    estimated_wait_minutes = serializers.SerializerMethodField(
        help_text=_("Estimated minutes until the call, from recent service times and open counters; null if unknown.")
    )

    def _position(self):
        return self.context.get("position") or (None, None)

    def get_ahead(self, ticket) -> int | None:
        return self._position()[0]

    def get_estimated_wait_minutes(self, ticket) -> int | None:
        return _minutes(self._position()[1])


class PublicTicketSerializer(_PositionMixin):
    """What anyone holding the ticket's link sees: nothing personal (no phone, no name, no FIN)."""

    display_code = serializers.CharField(help_text=_("The number to say and show, e.g. B-042."))
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    service_name = serializers.SerializerMethodField()
    centre_name = serializers.SerializerMethodField()
    counter_number = serializers.SerializerMethodField(help_text=_("The counter to go to, once called."))
    issued_at = LocalTimeField()
    called_at = LocalTimeField(allow_null=True)

    def get_service_name(self, ticket) -> str:
        return translated_value(ticket.service, "name")

    def get_centre_name(self, ticket) -> str:
        return translated_value(ticket.centre, "name")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_counter_number(self, ticket) -> int | None:
        if ticket.status in AT_COUNTER_STATUSES and ticket.counter_id:
            return ticket.counter.number
        return None


class TicketIssueOutputSerializer(PublicTicketSerializer):
    """A new ticket, as the kiosk prints it."""

    id = serializers.IntegerField()
    letter = serializers.CharField()
    number = serializers.IntegerField()
    public_token = serializers.CharField(help_text=_("Opens the citizen's live ticket; print it as a QR code."))
    live_url = serializers.SerializerMethodField(help_text=_("The citizen's live ticket page (for the QR code)."))
    service = serializers.CharField(source="service.code")
    appointment = serializers.CharField(source="appointment.reference", allow_null=True, default=None)
    due_at = LocalTimeField(allow_null=True, help_text=_("For a booked visit: called from this time on."))

    def get_live_url(self, ticket) -> str:
        return self.context["live_url"]


class TicketSerializer(serializers.Serializer):
    """A ticket as the counter works it."""

    id = serializers.IntegerField()
    display_code = serializers.CharField()
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    service = serializers.CharField(source="service.code")
    service_name = serializers.SerializerMethodField()
    centre = serializers.CharField(source="centre.code")
    counter = serializers.IntegerField(source="counter_id", allow_null=True, help_text=_("Id of the counter."))
    counter_number = serializers.SerializerMethodField()
    target_counter = serializers.IntegerField(source="target_counter_id", allow_null=True)
    priority_group = serializers.SerializerMethodField()
    appointment = serializers.SerializerMethodField()
    due_at = LocalTimeField(allow_null=True)
    queued_at = LocalTimeField()
    issued_at = LocalTimeField()
    called_at = LocalTimeField(allow_null=True)
    started_at = LocalTimeField(allow_null=True)
    completed_at = LocalTimeField(allow_null=True)
    recalls = serializers.IntegerField()
    outcome = serializers.CharField()

    def get_service_name(self, ticket) -> str:
        return translated_value(ticket.service, "name")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_counter_number(self, ticket) -> int | None:
        return ticket.counter.number if ticket.counter_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_priority_group(self, ticket) -> str | None:
        return ticket.priority_group.code if ticket.priority_group_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_appointment(self, ticket) -> str | None:
        return ticket.appointment.reference if ticket.appointment_id else None


# --- The centre's queue (manager's live view) --------------------------------------------------


class WaitingPerServiceSerializer(serializers.Serializer):
    service = serializers.CharField(help_text=_("The service's code."))
    service_name = serializers.CharField()
    waiting = serializers.IntegerField()
    longest_wait_minutes = serializers.IntegerField(allow_null=True)


class CountersSummarySerializer(serializers.Serializer):
    open = serializers.IntegerField(help_text=_("Counters with an operator signed in, not on a break."))
    busy = serializers.IntegerField(help_text=_("Counters calling or serving a ticket."))
    paused = serializers.IntegerField(help_text=_("Counters whose operator is on a break."))


class CounterStateSerializer(serializers.Serializer):
    counter = serializers.IntegerField(help_text=_("Id of the counter."))
    number = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["closed", "open", "busy", "paused"])
    ticket = serializers.CharField(allow_null=True, help_text=_("Display code of the ticket at the counter."))


class QueueSnapshotSerializer(serializers.Serializer):
    centre = serializers.CharField()
    date = serializers.DateField()
    waiting = serializers.IntegerField(help_text=_("Tickets waiting now."))
    waiting_per_service = WaitingPerServiceSerializer(many=True)
    longest_wait_minutes = serializers.IntegerField(allow_null=True, help_text=_("Longest wait to a call today."))
    average_wait_minutes = serializers.IntegerField(allow_null=True, help_text=_("Average wait to a call today."))
    counters = CountersSummarySerializer()
    counter_states = CounterStateSerializer(many=True)
    issued_today = serializers.IntegerField()
    served_today = serializers.IntegerField()
    no_shows_today = serializers.IntegerField()
    not_served_today = serializers.IntegerField(help_text=_("Closed as not served at the end of the day."))


def snapshot_data(snapshot) -> dict:
    """queue_selectors.QueueSnapshot in the API's shape (waits in whole minutes)."""
    return {
        "centre": snapshot.centre.code,
        "date": snapshot.date,
        "waiting": snapshot.waiting,
        "waiting_per_service": [
            {
                "service": row.service.code,
                "service_name": translated_value(row.service, "name"),
                "waiting": row.waiting,
                "longest_wait_minutes": _minutes(row.longest_wait),
            }
            for row in snapshot.services
        ],
        "longest_wait_minutes": _minutes(snapshot.longest_wait),
        "average_wait_minutes": _minutes(snapshot.average_wait),
        "counters": {
            "open": snapshot.counters_open,
            "busy": snapshot.counters_busy,
            "paused": snapshot.counters_paused,
        },
        "counter_states": [
            {
                "counter": state.counter.pk,
                "number": state.counter.number,
                "state": state.state,
                "ticket": state.ticket.display_code if state.ticket else None,
            }
            for state in snapshot.counters
        ],
        "issued_today": snapshot.issued,
        "served_today": snapshot.served,
        "no_shows_today": snapshot.no_shows,
        "not_served_today": snapshot.not_served,
    }
