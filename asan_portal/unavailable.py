"""A database that cannot be reached (restarting, failing over, out of connections) is a
passing state, not a bug: the request is answered 503 with Retry-After and a short "try
again" message, in the request's language, instead of a 500 with a traceback in the log.

The one rule (`database_unavailable`) is used in two places: `DatabaseUnavailableMiddleware`
for errors raised by views (and the templates they render), and `asan_portal.views.server_error`
for errors raised outside views (e.g. a session written by a middleware), which Django hands
to the 500 handler. Neither answer touches the database, the session or the cache. The next
request reconnects by itself (CONN_HEALTH_CHECKS; docs/faults.md).
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

# What a client is told to wait: a restart or a failover takes a few seconds.
RETRY_AFTER_SECONDS = 5


def database_unavailable(error: BaseException | None) -> bool:
    """The rule: Django's connection-level errors (not integrity or programming errors)."""
    return isinstance(error, OperationalError | InterfaceError)


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """503 + Retry-After: the API's error shape for /api/, a self-contained page otherwise."""
    logger.warning("Database unavailable, answered 503: %s: %s", type(error).__name__, str(error).strip()[:200])
    message = gettext("The service is temporarily unavailable. Please try again in a few seconds.")
    if request.path.startswith("/api/"):
        body = {"error": {"code": "unavailable", "message": message, "fields": {}}}
        response = JsonResponse(body, status=503)
    else:
        # No request in the context: no context processor may reach the session or the database.
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a view's lost database connection into the 503 of `unavailable_response`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_unavailable(exception):
            return unavailable_response(request, exception)
        return None
