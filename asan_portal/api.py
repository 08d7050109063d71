"""What every API endpoint shares: pagination and one error shape.

Every error answer looks like
``{"error": {"code": "...", "message": "...", "fields": {"name": ["..."]}}}``
so kiosks, apps and other registries handle failures in one place.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


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
