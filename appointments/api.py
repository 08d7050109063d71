"""Booking REST API: free times, booking, SMS code, and the private manage token.

One view per action, each with its own input and output serializers. Views stay thin: check
the rate limit, parse, make one call to `availability` or `services`, format. Every refusal is
a DomainError (or a DRF error) that asan_portal.api turns into the common error shape, in the
request's language (`?lang=` or Accept-Language).

The manage token travels in the `X-Manage-Token` header, never in a URL (URLs end up in logs).
A reference with a wrong or missing token answers 404, the same as an unknown reference, so
neither references nor tokens can be probed.
"""

import hmac

from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from asan_portal.api import BAD_REQUEST_RESPONSE, LANGUAGE_PARAMETER, ErrorSerializer, LocalisedApiMixin
from asan_portal.ratelimit import RateLimited, ratelimit_enforce
from centres.models import City
from centres.selectors import centre_get_with_hours
from services.models import Service

from . import availability
from .errors import MESSAGES, NotBookable
from .idempotency import idempotency_key_clean, idempotent_call, request_fingerprint
from .links import manage_url
from .serializers import (
    AppointmentCreateInputSerializer,
    AppointmentCreateOutputSerializer,
    AppointmentRescheduleInputSerializer,
    AppointmentSerializer,
    AppointmentVerifyInputSerializer,
    AvailabilityDayInputSerializer,
    AvailabilityDayOutputSerializer,
    AvailabilityEarliestInputSerializer,
    AvailabilityEarliestOutputSerializer,
    SlotSerializer,
)
from .services import (
    appointment_book,
    appointment_cancel,
    appointment_get_by_token,
    appointment_reschedule,
    appointment_verify,
)

MANAGE_TOKEN_HEADER = "X-Manage-Token"  # noqa: S105 - a header name, not a secret  # nosec B105
IDEMPOTENCY_SCOPE = "appointments.create"


class ManageTokenAuthentication(BaseAuthentication):
    """Marks the views that need the private manage token (for the OpenAPI schema).

    It authenticates no user: the view itself matches the token against the reference."""

    def authenticate(self, request):
        return None


class ManageTokenScheme(OpenApiAuthenticationExtension):
    target_class = ManageTokenAuthentication
    name = "ManageToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": MANAGE_TOKEN_HEADER,
            "description": "The private token returned once when the booking was made (`manage_token`).",
        }


# --- Documentation-only shapes of some error answers --------------------------------------


class _SlotTakenDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    nearest = SlotSerializer(many=True, required=False, help_text="The nearest free times (when the time was taken).")


class SlotTakenErrorSerializer(serializers.Serializer):
    error = _SlotTakenDetailSerializer()


class _RateLimitedDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait; also in Retry-After.")


class RateLimitedErrorSerializer(serializers.Serializer):
    error = _RateLimitedDetailSerializer()


RATE_LIMITED_RESPONSE = OpenApiResponse(
    RateLimitedErrorSerializer,
    description="Too many requests from this client (or for this booking). The `Retry-After` header says "
    "how many seconds to wait.",
    examples=[
        OpenApiExample(
            "Rate limited",
            value={
                "error": {
                    "code": "rate_limited",
                    "message": "Too many attempts from your connection. Please try again in 1 min.",
                    "fields": {},
                    "retry_after": 42,
                }
            },
        )
    ],
)
NOT_FOUND_BOOKING_RESPONSE = OpenApiResponse(
    ErrorSerializer, description="No booking has this reference, or the manage token does not match it."
)
CONFLICT_RESPONSE = OpenApiResponse(
    SlotTakenErrorSerializer,
    description="`slot_taken`: the time was just taken (`nearest` lists free times); `limit_reached` / "
    "`limit_per_day`: over the per-citizen limits; `too_late_to_change`, `illegal_transition`, `hold_expired`.",
    examples=[
        OpenApiExample(
            "Just taken",
            value={
                "error": {
                    "code": "slot_taken",
                    "message": "Sorry, this time was just taken by someone else. Please choose another time.",
                    "fields": {},
                    "nearest": [
                        {"start": "2026-03-02T10:20:00+04:00", "end": "2026-03-02T10:40:00+04:00", "places_left": 1}
                    ],
                }
            },
        )
    ],
)
BOOKING_BAD_REQUEST_RESPONSE = OpenApiResponse(
    ErrorSerializer,
    description="A field is not valid (`validation_error`, with `fields`), or a booking rule refused: "
    "`past`, `outside_booking_window` (too soon or too far ahead), `not_bookable`, `not_offered`, `wrong_code`.",
    examples=[
        OpenApiExample(
            "Bad FIN",
            value={
                "error": {
                    "code": "validation_error",
                    "message": "Some fields are not valid. Check them and try again.",
                    "fields": {
                        "fin": [
                            "The personal ID number (FIN) has 7 Latin letters and digits, as printed on your ID card."
                        ]
                    },
                }
            },
        )
    ],
)
MANAGE_TOKEN_PARAMETER = OpenApiParameter(
    "reference", OpenApiTypes.STR, OpenApiParameter.PATH, description="The booking reference, e.g. `ACDE-FH79`."
)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID) per intended booking. Repeating the request with the same key and "
    "body returns the first answer (status and body) instead of booking twice; the same key with a different "
    "body is refused with 422. Keys are kept for 24 hours.",
)
APPOINTMENT_EXAMPLE = {
    "reference": "ACDE-FH79",
    "status": "held",
    "service": "passport-issue",
    "service_name": "Issuing a passport",
    "centre": "baku-1",
    "centre_name": "Baku ASAN service centre No. 1",
    "start": "2026-03-02T10:00:00+04:00",
    "end": "2026-03-02T10:20:00+04:00",
    "hold_expires_at": "2026-03-01T15:10:00+04:00",
    "language": "en",
    "needs_rescheduling": False,
}


# --- Shared plumbing ------------------------------------------------------------------------


class BookingApiMixin(LocalisedApiMixin):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, RateLimited) and response is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response


def _service_or_400(code: str) -> Service:
    service = Service.objects.public().filter(code=code).first()
    if service is None:
        raise exceptions.ValidationError(
            {"service": [_("There is no public service with the code “%(code)s”.") % {"code": code}]}
        )
    return service


def _centre_or_400(code: str):
    try:
        return centre_get_with_hours(code)
    except Http404:
        raise exceptions.ValidationError(
            {"centre": [_("There is no service centre with the code “%(code)s”.") % {"code": code}]}
        ) from None


def _appointment_for(request, reference: str):
    """The booking named by `reference` whose manage token is in the header, or 404."""
    ratelimit_enforce(request, "manage")
    appointment = appointment_get_by_token(request.headers.get(MANAGE_TOKEN_HEADER, ""))
    wanted = (reference or "").strip().upper()[:32]
    if appointment is None or not hmac.compare_digest(appointment.reference.encode(), wanted.encode()):
        raise exceptions.NotFound(_("No booking matches this reference and token."))
    return appointment


def _appointment_data(appointment) -> dict:
    return dict(AppointmentSerializer(appointment).data)


# --- Availability ---------------------------------------------------------------------------


class AvailabilityDayApi(BookingApiMixin, APIView):
    """Free start times for a service at a centre on one day."""

    @extend_schema(
        operation_id="availability_day",
        summary="Free times for a service at a centre on a date",
        description="Each free time has `start` and `end` (ISO 8601 with the centre's UTC offset) and "
        "`places_left` (how many counters are free then). Days outside the booking window have no times.",
        parameters=[AvailabilityDayInputSerializer, LANGUAGE_PARAMETER],
        responses={
            200: AvailabilityDayOutputSerializer,
            400: BAD_REQUEST_RESPONSE,
            429: RATE_LIMITED_RESPONSE,
        },
        examples=[
            OpenApiExample(
                "Two free times",
                response_only=True,
                value={
                    "service": "passport-issue",
                    "centre": "baku-1",
                    "date": "2026-03-02",
                    "timezone": "Asia/Baku",
                    "slots": [
                        {"start": "2026-03-02T10:00:00+04:00", "end": "2026-03-02T10:20:00+04:00", "places_left": 2},
                        {"start": "2026-03-02T10:10:00+04:00", "end": "2026-03-02T10:30:00+04:00", "places_left": 1},
                    ],
                },
            )
        ],
        tags=["booking"],
    )
    def get(self, request):
        ratelimit_enforce(request, "availability")
        query = AvailabilityDayInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        service = _service_or_400(query.validated_data["service"])
        centre = _centre_or_400(query.validated_data["centre"])
        if not service.bookable_online:
            raise NotBookable(MESSAGES["not_bookable"])
        if not availability.service_counter_ids(service=service, centre=centre):
            raise NotBookable(MESSAGES["not_offered"], code="not_offered")
        day = query.validated_data["date"]
        slots = availability.day_slots(service=service, centre=centre, day=day)
        data = {
            "service": service.code,
            "centre": centre.code,
            "date": day,
            "timezone": centre.timezone,
            "slots": slots,
        }
        return Response(AvailabilityDayOutputSerializer(data).data)


class AvailabilityEarliestApi(BookingApiMixin, APIView):
    """The earliest free time of a service at each centre, soonest first."""

    @extend_schema(
        operation_id="availability_earliest",
        summary="Where a service is soonest: the earliest free time at each centre",
        parameters=[AvailabilityEarliestInputSerializer, LANGUAGE_PARAMETER],
        responses={200: AvailabilityEarliestOutputSerializer, 400: BAD_REQUEST_RESPONSE, 429: RATE_LIMITED_RESPONSE},
        examples=[
            OpenApiExample(
                "Two centres",
                response_only=True,
                value={
                    "service": "passport-issue",
                    "results": [
                        {
                            "centre": {"code": "baku-1", "name": "Baku ASAN service centre No. 1", "city": "baku"},
                            "start": "2026-03-02T10:00:00+04:00",
                            "end": "2026-03-02T10:20:00+04:00",
                            "places_left": 2,
                        }
                    ],
                },
            )
        ],
        tags=["booking"],
    )
    def get(self, request):
        ratelimit_enforce(request, "availability")
        query = AvailabilityEarliestInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        service = _service_or_400(query.validated_data["service"])
        city = query.validated_data.get("city") or None
        if city and not City.objects.filter(code=city).exists():
            raise exceptions.ValidationError(
                {"city": [_("There is no city or region with the code “%(code)s”.") % {"code": city}]}
            )
        if not service.bookable_online:
            raise NotBookable(MESSAGES["not_bookable"])
        results = availability.earliest_slots(service=service, city=city)
        return Response(AvailabilityEarliestOutputSerializer({"service": service.code, "results": results}).data)


# --- Booking ----------------------------------------------------------------------------------


class AppointmentCreateApi(BookingApiMixin, APIView):
    """Book a free time. The booking is held until the SMS code is entered (verify)."""

    @extend_schema(
        operation_id="appointments_create",
        summary="Book a time (held until the SMS code confirms the phone)",
        description="Sends a 6-digit code by SMS to `phone`; confirm with `POST /appointments/{reference}/verify/` "
        "before `hold_expires_at`, or the time is freed. The answer's `manage_token` is shown only once: send it "
        "as `X-Manage-Token` to read, confirm, cancel or move the booking. `start` without an offset is read as "
        "the centre's local time.",
        request=AppointmentCreateInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER, LANGUAGE_PARAMETER],
        responses={
            201: AppointmentCreateOutputSerializer,
            400: BOOKING_BAD_REQUEST_RESPONSE,
            409: CONFLICT_RESPONSE,
            422: OpenApiResponse(ErrorSerializer, description="The Idempotency-Key was used for another request."),
            429: RATE_LIMITED_RESPONSE,
        },
        examples=[
            OpenApiExample(
                "Booking",
                request_only=True,
                value={
                    "service": "passport-issue",
                    "centre": "baku-1",
                    "start": "2026-03-02T10:00:00+04:00",
                    "full_name": "Aysel Məmmədova",
                    "fin": "5ZX8K2P",
                    "phone": "+994501234567",
                    "email": "",
                    "language": "az",
                },
            ),
            OpenApiExample(
                "Held",
                response_only=True,
                status_codes=["201"],
                value={
                    **APPOINTMENT_EXAMPLE,
                    "manage_token": "q0S1…",  # nosec B105  # an example value in the API schema
                    "manage_url": "https://asan.example/en/appointments/manage/q0S1…/",
                },
            ),
        ],
        tags=["booking"],
    )
    def post(self, request):
        ratelimit_enforce(request, "booking_create")
        key = idempotency_key_clean(request.headers.get("Idempotency-Key"))
        if key is None:
            status_code, body = self._book(request)
            return Response(body, status=status_code)
        answer = idempotent_call(
            scope=IDEMPOTENCY_SCOPE,
            key=key,
            fingerprint=request_fingerprint(method=request.method, path=request.path, data=request.data),
            work=lambda: self._book(request),
        )
        response = Response(answer.body, status=answer.status)
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _book(self, request) -> tuple[int, dict]:
        payload = AppointmentCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        service = _service_or_400(data["service"])
        centre = _centre_or_400(data["centre"])
        result = appointment_book(
            service=service,
            centre=centre,
            starts_at=data["start"],
            full_name=data["full_name"],
            fin=data["fin"],
            phone=data["phone"],
            email=data.get("email") or "",
            language=data.get("language") or translation.get_language() or "az",
        )
        body = _appointment_data(result.appointment)
        body["manage_token"] = result.manage_token
        body["manage_url"] = manage_url(result.appointment, result.manage_token)
        return status.HTTP_201_CREATED, body


class AppointmentVerifyApi(BookingApiMixin, APIView):
    """Confirm a held booking with the code sent by SMS."""

    authentication_classes = [ManageTokenAuthentication]

    @extend_schema(
        operation_id="appointments_verify",
        summary="Confirm a held booking with the SMS code",
        description="A wrong code is counted; after too many the hold is cancelled. Entering the right code "
        "again on a confirmed booking changes nothing.",
        request=AppointmentVerifyInputSerializer,
        parameters=[MANAGE_TOKEN_PARAMETER, LANGUAGE_PARAMETER],
        responses={
            200: AppointmentSerializer,
            400: BOOKING_BAD_REQUEST_RESPONSE,
            404: NOT_FOUND_BOOKING_RESPONSE,
            409: CONFLICT_RESPONSE,
            429: RATE_LIMITED_RESPONSE,
        },
        examples=[OpenApiExample("Code", request_only=True, value={"code": "123456"})],
        tags=["booking"],
    )
    def post(self, request, reference):
        ratelimit_enforce(request, "code_attempt")
        appointment = _appointment_for(request, reference)
        ratelimit_enforce(request, "code_attempt_booking", key=appointment.reference)
        payload = AppointmentVerifyInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        appointment = appointment_verify(
            appointment=appointment,
            code=payload.validated_data["code"],
            manage_token=request.headers.get(MANAGE_TOKEN_HEADER, ""),
        )
        return Response(_appointment_data(appointment))


class AppointmentDetailApi(BookingApiMixin, APIView):
    """A booking, seen by the holder of its manage token."""

    authentication_classes = [ManageTokenAuthentication]

    @extend_schema(
        operation_id="appointments_retrieve",
        summary="One booking (needs its manage token)",
        parameters=[MANAGE_TOKEN_PARAMETER, LANGUAGE_PARAMETER],
        responses={
            200: AppointmentSerializer,
            400: BAD_REQUEST_RESPONSE,
            404: NOT_FOUND_BOOKING_RESPONSE,
            429: RATE_LIMITED_RESPONSE,
        },
        examples=[OpenApiExample("Held booking", response_only=True, value=APPOINTMENT_EXAMPLE)],
        tags=["booking"],
    )
    def get(self, request, reference):
        return Response(_appointment_data(_appointment_for(request, reference)))


class AppointmentCancelApi(BookingApiMixin, APIView):
    """Cancel a booking until the cut-off before its time."""

    authentication_classes = [ManageTokenAuthentication]

    @extend_schema(
        operation_id="appointments_cancel",
        summary="Cancel a booking (needs its manage token)",
        request=None,
        parameters=[MANAGE_TOKEN_PARAMETER, LANGUAGE_PARAMETER],
        responses={
            200: AppointmentSerializer,
            400: BAD_REQUEST_RESPONSE,
            404: NOT_FOUND_BOOKING_RESPONSE,
            409: CONFLICT_RESPONSE,
            429: RATE_LIMITED_RESPONSE,
        },
        tags=["booking"],
    )
    def post(self, request, reference):
        appointment = appointment_cancel(appointment=_appointment_for(request, reference))
        return Response(_appointment_data(appointment))


class AppointmentRescheduleApi(BookingApiMixin, APIView):
    """Move a booking to another free time at the same centre, until the cut-off."""

    authentication_classes = [ManageTokenAuthentication]

    @extend_schema(
        operation_id="appointments_reschedule",
        summary="Move a booking to another free time (needs its manage token)",
        request=AppointmentRescheduleInputSerializer,
        parameters=[MANAGE_TOKEN_PARAMETER, LANGUAGE_PARAMETER],
        responses={
            200: AppointmentSerializer,
            400: BOOKING_BAD_REQUEST_RESPONSE,
            404: NOT_FOUND_BOOKING_RESPONSE,
            409: CONFLICT_RESPONSE,
            429: RATE_LIMITED_RESPONSE,
        },
        examples=[OpenApiExample("New time", request_only=True, value={"start": "2026-03-03T11:00:00+04:00"})],
        tags=["booking"],
    )
    def post(self, request, reference):
        appointment = _appointment_for(request, reference)
        payload = AppointmentRescheduleInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        appointment = appointment_reschedule(appointment=appointment, starts_at=payload.validated_data["start"])
        return Response(_appointment_data(appointment))
