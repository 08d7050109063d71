"""What every API endpoint shares: pagination and one error shape.

Every error answer looks like
``{"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}``
so kiosks, apps and other registries handle failures in one place.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .i18n import LANGUAGE_CODES, translated_value


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class DomainError(Exception):
    """A rule of the domain refused the request; views turn it into a 4xx."""

    code = "invalid"
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message, *, code=None, fields=None, extra=None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}


def error_response(*, code, message, status_code, fields=None, extra=None, headers=None):
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    body["error"].update(extra or {})
    return Response(body, status=status_code, headers=headers)


def _flatten_fields(detail):
    if isinstance(detail, dict):
        return {key: [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in detail.items()}
    return {}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return error_response(
            code=exc.code, message=exc.message, status_code=exc.status_code, fields=exc.fields, extra=exc.extra
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        message = _("Some fields are not valid. Check them and try again.")
        if isinstance(exc.detail, list) and exc.detail:
            message = str(exc.detail[0])
        code = "validation_error"
    else:
        detail = getattr(exc, "detail", "")
        message = str(detail) if not isinstance(detail, dict | list) else _("The request could not be processed.")
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        fields = {}
    return error_response(
        code=code, message=message, status_code=response.status_code, fields=fields, headers=dict(response.items())
    )


# --- Shared by the public read-only API (catalogue, centres) --------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable reason, e.g. `not_found`, `validation_error`.")
    message = serializers.CharField(help_text="A sentence for people, in the request language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-parameter messages when the input was not valid.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error answer (documentation only)."""

    error = ErrorDetailSerializer()


NOT_FOUND_RESPONSE = OpenApiResponse(ErrorSerializer, description="No object has this code.")
PAGE_NOT_FOUND_RESPONSE = OpenApiResponse(ErrorSerializer, description="There is no page with this number.")
BAD_REQUEST_RESPONSE = OpenApiResponse(ErrorSerializer, description="A query parameter is not valid.")

LANGUAGE_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=LANGUAGE_CODES,
    description="Language of the localised fields; overrides Accept-Language. Default: az.",
)


class LocalisedApiMixin:
    """Answer in the language asked for with `?lang=`, else Accept-Language, else Azerbaijani.

    The language is active for the whole request (serializers and error messages), and
    an unknown `lang` is a 400 in the common error shape.
    """

    def dispatch(self, request, *args, **kwargs):
        language = request.GET.get("lang")
        if language in LANGUAGE_CODES:
            with translation.override(language):
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        language = request.query_params.get("lang")
        if language is not None and language not in LANGUAGE_CODES:
            raise exceptions.ValidationError(
                {"lang": [_("Choose one of these languages: %(codes)s.") % {"codes": ", ".join(LANGUAGE_CODES)}]}
            )
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response


class TranslationsSerializer(serializers.Serializer):
    """The same text in every language of the portal (documentation of `*_i18n` fields)."""

    az = serializers.CharField()
    en = serializers.CharField()
    ru = serializers.CharField()


@extend_schema_field(OpenApiTypes.STR)
class LocalisedField(serializers.Field):
    """A translated attribute in the request language, falling back to Azerbaijani.

    `name = LocalisedField()` reads `name_az`/`name_en`/`name_ru` of the object.
    """

    def __init__(self, field: str | None = None, **kwargs):
        self.translated_field = field
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.translated_field = self.translated_field or field_name

    def to_representation(self, value):
        return translated_value(value, self.translated_field)


@extend_schema_field(TranslationsSerializer)
class TranslationsField(serializers.Field):
    """Every translation of an attribute: `name_i18n = TranslationsField("name")`."""

    def __init__(self, field: str, **kwargs):
        self.translated_field = field
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return {code: getattr(value, f"{self.translated_field}_{code}", "") or "" for code in LANGUAGE_CODES}


# --- Fields whose documented format must match what they really send ----------------------


@extend_schema_field(
    {"type": "string", "anyOf": [{"format": "email"}, {"maxLength": 0}], "description": "Empty when not known."}
)
class OptionalEmailField(serializers.CharField):
    """An e-mail address or "" (format `email` alone would call the empty string invalid). Output only."""


@extend_schema_field(
    {"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}], "description": "Empty when not known."}
)
class OptionalURLField(serializers.CharField):
    """A web address or "" (format `uri` alone would call the empty string invalid). Output only."""


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "09:00"})
class ClockTimeField(serializers.TimeField):
    """A local time of day as `HH:MM` (OpenAPI's `time` format wants seconds and an offset)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


def schema_document_unsupported_media_type(result, generator, request, public):
    """drf-spectacular post-processing: every operation that reads a body may answer 415 (in the
    common error shape) when the body's Content-Type is none of its parsers', or is missing.

    Schemathesis found it on the ticket transfer: a malformed multipart body answered 415, which
    no operation documented."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault(
                    "415",
                    {
                        "description": "The body's Content-Type is not one this operation reads.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
