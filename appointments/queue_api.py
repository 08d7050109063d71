"""Queue REST API for kiosks, waiting-room displays and counter devices (under /api/v1/).

Who is who:
- A **kiosk**, a **desk** or a **counter device** is signed in (session + CSRF, like every staff
  page) with a staff account of its centre: operators and managers work the queue of their own
  centres, officials only read, anybody else gets 404 for a centre's counters, tickets and queue
  (appointments/queue_permissions.py).
- **Checking in a booking** needs its reference *and* the FIN it was booked with. The API cannot
  tell a self-service kiosk from a desk, and at a kiosk a stranger could type someone else's
  reference; at a desk the operator reads the FIN off the ID card.
- The **citizen's live ticket** (`GET /tickets/{public_token}/`) needs no account: the long random
  token printed in the QR code is the key, and the answer holds nothing personal.

Views stay thin: look up, check the centre, one call to appointments.queue, format. Every refusal
is a DomainError (QueueError / BookingError) or a DRF error in the common error shape, in the
request's language (`?lang=` or Accept-Language).
"""

import hmac
import re

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from asan_portal.api import BAD_REQUEST_RESPONSE, LANGUAGE_PARAMETER, ErrorSerializer, LocalisedApiMixin
from centres.models import Centre, Counter
from services.models import Service

from . import queue, queue_selectors
from .models import Appointment, PriorityGroup, Ticket
from .queue_permissions import IsQueueStaff
from .queue_serializers import (
    AppointmentCheckInInputSerializer,
    PublicTicketSerializer,
    QueueSnapshotSerializer,
    TicketCompleteInputSerializer,
    TicketIssueInputSerializer,
    TicketIssueOutputSerializer,
    TicketSerializer,
    TicketTransferInputSerializer,
    snapshot_data,
)

TAGS = ["queue"]

# --- Documentation of the refusals ---------------------------------------------------------------

BAD_REQUEST = OpenApiResponse(
    ErrorSerializer,
    description="A field is not valid (`validation_error`, with `fields`), or a queue rule refused it "
    "(e.g. `not_offered`: the centre does not offer the service).",
)
NOT_SIGNED_IN = OpenApiResponse(
    ErrorSerializer,
    description="Not signed in (`not_authenticated`), not staff (`permission_denied`), or an official "
    "trying to act on a queue they may only read.",
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="No such object, or it belongs to a centre the signed-in user does not work at "
    "(the same answer, so codes and ids cannot be probed).",
)
CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description="The ticket's state does not allow this step (`illegal_transition`), the counter still "
    "has a ticket (`counter_busy`), the operator is not signed in at the counter (`no_open_session`), "
    "or a no-show before enough recalls (`too_few_recalls`).",
    examples=[
        OpenApiExample(
            "Illegal step",
            value={
                "error": {
                    "code": "illegal_transition",
                    "message": "This ticket is Served, so this cannot be done now.",
                    "fields": {},
                }
            },
        )
    ],
)
CENTRE_CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The centre's code.")
COUNTER_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The counter's id.")
TICKET_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The ticket's id.")
ISSUED_EXAMPLE = {
    "id": 812,
    "display_code": "B-042",
    "letter": "B",
    "number": 42,
    "status": "waiting",
    "status_label": "Waiting",
    "service": "passport-issue",
    "service_name": "Issuing a passport",
    "centre_name": "Baku ASAN service centre No. 1",
    "counter_number": None,
    "issued_at": "2026-03-02T10:04:11+04:00",
    "called_at": None,
    "due_at": None,
    "appointment": None,
    "ahead": 5,
    "estimated_wait_minutes": 18,
    "public_token": "Yq3…",  # nosec B105  # an example value in the API schema
    "live_url": "https://asan.example/az/queue/ticket/Yq3…/",
}


# --- Shared plumbing ----------------------------------------------------------------------------


class QueueStaffApiMixin(LocalisedApiMixin):
    """Signed-in staff of the centre; the object's centre is checked with check_object_permissions."""

    permission_classes = [IsQueueStaff]


def live_url(ticket: Ticket) -> str:
    """Absolute link to the citizen's live ticket (printed as a QR code), in the ticket's language.

    Points at the live page when the project has one, else at this API's public answer."""
    with translation.override(ticket.language):
        try:
            path = reverse("queue:ticket", kwargs={"token": ticket.public_token})
        except NoReverseMatch:
            path = reverse("api:ticket-public", kwargs={"public_token": ticket.public_token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _issued(ticket: Ticket, *, status_code=status.HTTP_201_CREATED) -> Response:
    ticket = _ticket_loaded(ticket.pk)
    context = {"position": queue_selectors.ticket_position(ticket), "live_url": live_url(ticket)}
    return Response(TicketIssueOutputSerializer(ticket, context=context).data, status=status_code)


def _tickets():
    return Ticket.objects.select_related("centre", "service", "counter", "priority_group", "appointment")


def _ticket_loaded(pk: int) -> Ticket:
    return _tickets().get(pk=pk)


def _field_error(field: str, message: str):
    return exceptions.ValidationError({field: [message]})


# --- Kiosk and desk: tickets and check-in -----------------------------------------------------------


class TicketIssueApi(QueueStaffApiMixin, APIView):
    """A walk-in citizen takes a ticket at a kiosk or a reception desk."""

    @extend_schema(
        operation_id="queue_ticket_issue",
        summary="Issue a walk-in ticket (kiosk or reception desk of the centre)",
        description="The number restarts each day per centre and service letter. `public_token` / `live_url` "
        "open the citizen's live ticket (print them as a QR code); `ahead` and `estimated_wait_minutes` say how "
        "long the wait may be. A `phone` gets an SMS when the turn is near and when the ticket is called.",
        request=TicketIssueInputSerializer,
        parameters=[CENTRE_CODE, LANGUAGE_PARAMETER],
        responses={201: TicketIssueOutputSerializer, 400: BAD_REQUEST, 403: NOT_SIGNED_IN, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "Walk-in",
                request_only=True,
                value={"service": "passport-issue", "priority_group": "elderly", "phone": "+994501234567"},
            ),
            OpenApiExample("Ticket", response_only=True, status_codes=["201"], value=ISSUED_EXAMPLE),
        ],
        tags=TAGS,
    )
    def post(self, request, code):
        centre = get_object_or_404(Centre, code=code)
        self.check_object_permissions(request, centre)
        payload = TicketIssueInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        service = Service.objects.filter(code=data["service"]).first()
        if service is None:
            raise _field_error(
                "service", _("There is no service with the code “%(code)s”.") % {"code": data["service"]}
            )
        priority_group = None
        if data.get("priority_group"):
            priority_group = PriorityGroup.objects.filter(
                centre=centre, code=data["priority_group"], is_active=True
            ).first()
            if priority_group is None:
                raise _field_error(
                    "priority_group",
                    _("This centre has no priority group with the code “%(code)s”.") % {"code": data["priority_group"]},
                )
        ticket = queue.ticket_issue(
            centre=centre,
            service=service,
            priority_group=priority_group,
            phone=data.get("phone") or "",
            language=data.get("language") or translation.get_language() or "az",
        )
        return _issued(ticket)


class AppointmentCheckInApi(QueueStaffApiMixin, APIView):
    """A citizen with a booking arrives: check in and get a ticket called at the booked time."""

    @extend_schema(
        operation_id="queue_appointment_check_in",
        summary="Check in a booking and issue its ticket (kiosk or desk of the booking's centre)",
        description="Needs the booking reference and the FIN it was booked with (a kiosk cannot be told from a "
        "desk, and a reference alone could be someone else's). Check-in opens 30 minutes before the booked time; "
        "more than 10 minutes late the booking lapses (`lapsed`, 409) and the citizen takes a walk-in ticket. "
        "Checking in again answers 200 with the same ticket.",
        request=AppointmentCheckInInputSerializer,
        parameters=[
            OpenApiParameter(
                "reference", OpenApiTypes.STR, OpenApiParameter.PATH, description="The booking reference."
            ),
            LANGUAGE_PARAMETER,
        ],
        responses={
            200: TicketIssueOutputSerializer,
            201: TicketIssueOutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`validation_error`, or `too_early_to_check_in` (check-in opens 30 minutes ahead).",
            ),
            403: NOT_SIGNED_IN,
            404: OpenApiResponse(
                ErrorSerializer,
                description="No booking of the user's centres has this reference and FIN.",
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`lapsed` (too late: take a walk-in ticket) or `illegal_transition` (not confirmed, "
                "cancelled, ...).",
            ),
        },
        examples=[OpenApiExample("FIN", request_only=True, value={"fin": "5ZX8K2P"})],
        tags=TAGS,
    )
    def post(self, request, reference):
        wanted = (reference or "").strip().upper()[:32]
        appointment = Appointment.objects.select_related("centre", "service").filter(reference=wanted).first()
        if appointment is None:
            raise Http404
        self.check_object_permissions(request, appointment)
        payload = AppointmentCheckInInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        fin = re.sub(r"\s+", "", payload.validated_data["fin"]).upper()
        if not hmac.compare_digest(fin.encode(), appointment.fin.upper().encode()):
            raise exceptions.NotFound(_("No booking matches this reference and FIN."))
        existed = Ticket.objects.filter(appointment=appointment).exists()
        ticket = queue.ticket_check_in_appointment(appointment=appointment, by=request.user)
        return _issued(ticket, status_code=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


# --- Counters -----------------------------------------------------------------------------------


class CounterCallNextApi(QueueStaffApiMixin, APIView):
    """The operator signed in at the counter calls the next citizen."""

    @extend_schema(
        operation_id="queue_counter_call_next",
        summary="Call the next ticket to this counter (204 when nobody is waiting)",
        description="The next ticket is the first of: booked visits that are due, then priority groups by rank, "
        "then first come, among the services this counter handles. Two counters never get the same ticket. "
        "The operator must be signed in at the counter, and its previous ticket finished.",
        request=None,
        parameters=[COUNTER_ID, LANGUAGE_PARAMETER],
        responses={
            200: TicketSerializer,
            204: OpenApiResponse(description="Nobody is waiting for this counter."),
            400: BAD_REQUEST_RESPONSE,
            403: NOT_SIGNED_IN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
        tags=TAGS,
    )
    def post(self, request, pk):
        counter = get_object_or_404(Counter.objects.select_related("centre"), pk=pk)
        self.check_object_permissions(request, counter)
        ticket = queue.ticket_call_next(counter=counter, operator=request.user)
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(TicketSerializer(_ticket_loaded(ticket.pk)).data)


# --- One ticket's steps at the counter ------------------------------------------------------------


class _TicketActionApi(QueueStaffApiMixin, APIView):
    """Look the ticket up, check its centre, run one step of the state machine, answer the ticket."""

    input_serializer = None

    def post(self, request, pk):
        ticket = get_object_or_404(_tickets(), pk=pk)
        self.check_object_permissions(request, ticket)
        data = {}
        if self.input_serializer is not None:
            payload = self.input_serializer(data=request.data)
            payload.is_valid(raise_exception=True)
            data = payload.validated_data
        ticket = self.act(ticket=ticket, operator=request.user, data=data)
        return Response(TicketSerializer(_ticket_loaded(ticket.pk)).data)

    def act(self, *, ticket, operator, data):
        raise NotImplementedError


def _action_schema(operation_id: str, summary: str, description: str, request=None):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        request=request,
        parameters=[TICKET_ID, LANGUAGE_PARAMETER],
        responses={200: TicketSerializer, 400: BAD_REQUEST, 403: NOT_SIGNED_IN, 404: NOT_FOUND, 409: CONFLICT},
        tags=TAGS,
    )


class TicketRecallApi(_TicketActionApi):
    @_action_schema(
        "queue_ticket_recall",
        "Call the ticket again (the citizen has not come yet)",
        "Shown on the display and sent by SMS again; counts towards the recalls needed for a no-show.",
    )
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, ticket, operator, data):
        return queue.ticket_recall(ticket=ticket, operator=operator)


class TicketStartApi(_TicketActionApi):
    @_action_schema("queue_ticket_start", "Start serving the called citizen", "The citizen is at the counter.")
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, ticket, operator, data):
        return queue.ticket_start(ticket=ticket, operator=operator)


class TicketCompleteApi(_TicketActionApi):
    input_serializer = TicketCompleteInputSerializer

    @_action_schema(
        "queue_ticket_complete",
        "Finish serving the ticket, with an outcome",
        "Frees the counter for the next call.",
        request=TicketCompleteInputSerializer,
    )
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, ticket, operator, data):
        return queue.ticket_complete(ticket=ticket, operator=operator, outcome=data.get("outcome", ""))


class TicketNoShowApi(_TicketActionApi):
    @_action_schema(
        "queue_ticket_no_show",
        "Mark that the called citizen did not come",
        "Allowed once the ticket has been recalled the configured number of times (2 by default).",
    )
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, ticket, operator, data):
        return queue.ticket_no_show(ticket=ticket, operator=operator)


class TicketTransferApi(_TicketActionApi):
    input_serializer = TicketTransferInputSerializer

    @_action_schema(
        "queue_ticket_transfer",
        "Send the citizen to another service or counter, keeping their place in line",
        "The ticket waits again with its first place in line (`queued_at`); with a `counter` only that counter "
        "calls it.",
        request=TicketTransferInputSerializer,
    )
    def post(self, request, pk):
        return super().post(request, pk)

    def act(self, *, ticket, operator, data):
        service = None
        if data.get("service"):
            service = Service.objects.filter(code=data["service"]).first()
            if service is None:
                raise _field_error(
                    "service", _("There is no service with the code “%(code)s”.") % {"code": data["service"]}
                )
        counter = None
        if data.get("counter"):
            # Only the ticket's own centre: another centre's counter is "not here", not "not yours".
            counter = Counter.objects.filter(centre=ticket.centre_id, pk=data["counter"]).first()
            if counter is None:
                raise _field_error("counter", _("This centre has no counter with this id."))
        return queue.ticket_transfer(ticket=ticket, operator=operator, service=service, counter=counter)


# --- The centre's live queue -------------------------------------------------------------------------


class CentreQueueApi(QueueStaffApiMixin, APIView):
    """The centre manager's live view of today's queue."""

    @extend_schema(
        operation_id="queue_centre_snapshot",
        summary="Today's queue at a centre: waiting per service, waits, counters, served and no-shows",
        parameters=[CENTRE_CODE, LANGUAGE_PARAMETER],
        responses={200: QueueSnapshotSerializer, 400: BAD_REQUEST_RESPONSE, 403: NOT_SIGNED_IN, 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, code):
        centre = get_object_or_404(Centre, code=code)
        self.check_object_permissions(request, centre)
        snapshot = queue_selectors.queue_snapshot(centre=centre)
        return Response(QueueSnapshotSerializer(snapshot_data(snapshot)).data)


# --- The citizen's live ticket (public) ---------------------------------------------------------------


class TicketPublicApi(LocalisedApiMixin, APIView):
    """The citizen's ticket, opened from the QR code: status, place in line, counter when called."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="queue_ticket_public",
        summary="The citizen's live ticket (no account: the token from the QR code)",
        description="Poll it every few seconds. Holds nothing personal: the number, status, how many are ahead, "
        "the estimated wait and, once called, the counter to go to.",
        parameters=[
            OpenApiParameter(
                "public_token", OpenApiTypes.STR, OpenApiParameter.PATH, description="The token in the QR code."
            ),
            LANGUAGE_PARAMETER,
        ],
        responses={
            200: PublicTicketSerializer,
            400: BAD_REQUEST_RESPONSE,
            404: OpenApiResponse(ErrorSerializer, description="No such ticket."),
        },
        tags=TAGS,
    )
    def get(self, request, public_token):
        ticket = queue_selectors.ticket_get_public(public_token[:64])
        if ticket is None:
            raise exceptions.NotFound(_("There is no ticket with this link."))
        context = {"position": queue_selectors.ticket_position(ticket)}
        return Response(PublicTicketSerializer(ticket, context=context).data)
