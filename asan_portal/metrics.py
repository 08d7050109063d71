"""Prometheus metrics: request latency, outbox and queue lengths, task and send failures.

Counters and the histogram live in this process (or, under gunicorn and Celery's prefork
pool, in files under PROMETHEUS_MULTIPROC_DIR that every process of the host shares, see
docs/observability.md). Queue lengths are not counted as events: `DatabaseCollector` reads
them from the database at scrape time, with one small COUNT ... GROUP BY each.
"""

import hmac
import os
import time

from django.conf import settings
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

REQUEST_LATENCY = Histogram(
    "asan_http_request_duration_seconds",
    "Time from the first middleware to the response, by route name, method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter(
    "asan_celery_tasks_total",
    "Celery tasks finished, by task name and outcome (success, failure).",
    ["task", "outcome"],
)
NOTIFICATION_SEND_FAILURES = Counter(
    "asan_notification_send_failures_total",
    "Attempts to hand a notification to its gateway that failed (each retry counts).",
    ["channel"],
)

# Only these: the unbounded rest of a request's method (anything a client sends) would make
# a new time series for each value.
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _view_label(request) -> str:
    # The route's name, never the raw path: paths carry tokens and ids, one series each.
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or "unnamed"


class RequestMetricsMiddleware:
    """First in MIDDLEWARE, so the time includes every other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in _METHODS else "other"
        REQUEST_LATENCY.labels(
            view=_view_label(request), method=method, status=f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response


def task_finished(*, task_name: str, outcome: str) -> None:
    TASKS.labels(task=task_name, outcome=outcome).inc()


def notification_send_failed(*, channel: str) -> None:
    NOTIFICATION_SEND_FAILURES.labels(channel=channel).inc()


class DatabaseCollector:
    """Queue lengths read at scrape time: outbox messages still to send or given up, waiting tickets."""

    def collect(self):
        from django.db.models import Count

        from appointments.models import Notification, NotificationStatus, Ticket, TicketStatus

        outbox = GaugeMetricFamily(
            "asan_outbox_messages", "Outbox notifications waiting to be sent or given up, by status.", labels=["status"]
        )
        # Sent and skipped rows grow forever and say nothing about a backlog: not counted.
        # The (status, send_after) index serves this count.
        watched = (NotificationStatus.PENDING, NotificationStatus.FAILED)
        counts = dict(
            Notification.objects.filter(status__in=watched)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        for status in watched:
            outbox.add_metric([status], counts.get(status, 0))
        yield outbox

        waiting = GaugeMetricFamily(
            "asan_queue_waiting_tickets", "Tickets waiting in today's queue, by centre.", labels=["centre"]
        )
        rows = (
            Ticket.objects.filter(date=timezone.localdate(), status=TicketStatus.WAITING)
            .values_list("centre__code")
            .annotate(n=Count("pk"))
            .values_list("centre__code", "n")
        )
        for centre, count in rows:
            waiting.add_metric([centre], count)
        yield waiting


def metrics_access_allowed(request) -> bool:
    """The bearer token METRICS["TOKEN"], or a client address in METRICS["ALLOWED_IPS"].

    The address is the client's as the rate limits see it (asan_portal.ratelimit.client_ip):
    behind a proxy on the same host every request arrives from 127.0.0.1, so a forwarded
    request counts as local only through the trusted proxies' X-Forwarded-For entry."""
    from .ratelimit import client_ip

    token = settings.METRICS["TOKEN"]
    authorization = request.headers.get("Authorization", "")
    if token and authorization.startswith("Bearer "):
        return hmac.compare_digest(authorization.removeprefix("Bearer ").encode(), token.encode())
    forwarded = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META
    if forwarded and not settings.TRUSTED_PROXY_COUNT:
        return False
    return client_ip(request) in set(settings.METRICS["ALLOWED_IPS"])


class _ProcessMetrics:
    # This process's own metrics, when not in multiprocess mode.
    def collect(self):
        yield from REGISTRY.collect()


def metrics_render() -> bytes:
    """The text exposition of every metric: this host's processes and the database's queue lengths."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector())
    return generate_latest(registry)
