"""Structured logs: a request id on every line, JSON in production, personal numbers masked.

- `RequestIdMiddleware` takes a sane X-Request-ID from the proxy (or makes one), keeps it in a
  context variable for the request and answers it in the same header.
- `RequestIdFilter` puts `request_id` (and `task_id` inside a Celery task) on every record.
- `PiiMaskingFilter` masks FINs and mobile numbers in the message (asan_portal/pii.py).
- `JsonFormatter` writes one JSON object a line (LOG_FORMAT=json), for log shipping.

The filters sit on the handlers (settings LOGGING), so every record that is written passes
through them, whichever logger it came from; Celery workers use the same configuration.
"""

import contextvars
import datetime as dt
import json
import logging
import re
import uuid

from .pii import text_mask

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from outside: short and harmless in a log line or a header.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def request_id_get() -> str:
    """The id of the request (or Celery task) being handled; empty outside of both."""
    return _request_id.get()


def request_id_bind(value: str) -> contextvars.Token:
    return _request_id.set(value)


def request_id_unbind(token: contextvars.Token) -> None:
    _request_id.reset(token)


def request_id_from_header(value: str | None) -> str:
    """The proxy's id when it looks sane (so one id follows a request through nginx and us), else a new one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        # Not unbound on the way out: Django logs "Not Found" and other 4xx answers after the
        # last middleware returned. `request_id_forget` clears it when the response is closed.
        request_id_bind(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def request_id_forget(**kwargs) -> None:
    """On request_finished (connected in apps.py): lines logged between requests have no id."""
    _request_id.set("")


def _current_task_id() -> str:
    from celery import current_task

    # current_task is a proxy that is falsy outside a task; eager tasks have an id too.
    if current_task and current_task.request and current_task.request.id:
        return current_task.request.id
    return ""


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_get() or "-"
        if not getattr(record, "task_id", ""):
            record.task_id = _current_task_id() or "-"
        return True


class PiiMaskingFilter(logging.Filter):
    """Masks FINs and mobile numbers in the formatted message and in the exception text.

    The message is formatted here (args merged in) so a number passed as an argument is masked
    too; the record then carries the masked text and no args."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "pii_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = text_mask(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = text_mask(record.exc_text)
        record.pii_masked = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request and task ids."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "task_id": getattr(record, "task_id", "-"),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- Celery: a task logs with the id of the request that queued it --------------------------
# Connected in apps.py. The id travels as a message header; an eager task runs inside the
# request itself and already has it.


def task_publishing(headers=None, **kwargs) -> None:
    """before_task_publish: put the current request's id on the message."""
    request_id = request_id_get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


def task_starting(task=None, **kwargs) -> None:
    """task_prerun in a worker: bind the id the message carries (if it is sane)."""
    if task is None or task.request.is_eager:
        return
    request_id = getattr(task.request, "request_id", None)
    request_id_bind(request_id if isinstance(request_id, str) and _SANE_REQUEST_ID.fullmatch(request_id) else "")


def task_finished(task=None, **kwargs) -> None:
    """task_postrun in a worker: the next task starts without an id."""
    if task is not None and not task.request.is_eager:
        request_id_bind("")
