"""/healthz, /metrics, request ids in the logs, JSON log lines and masked personal numbers."""

import json
import logging
import re
import socket
import time
import uuid
from types import SimpleNamespace

import pytest
from celery import shared_task
from django.core.cache import cache
from django.utils import timezone
from prometheus_client import REGISTRY

from appointments import queue
from appointments.models import NotificationChannel, NotificationStatus
from appointments.notifications import message_enqueue, notifications_send_due
from asan_portal import health, logs
from asan_portal.celery import beat_schedule
from asan_portal.health import heartbeat_write
from asan_portal.logs import JsonFormatter, PiiMaskingFilter, RequestIdFilter, request_id_bind, request_id_unbind
from asan_portal.pii import text_mask
from asan_portal.tasks import heartbeat
from tests.appointments.queue_factories import queue_setup

pytestmark = pytest.mark.django_db

logger = logging.getLogger("tests.observability")


@pytest.fixture(autouse=True)
def own_heartbeat_key(monkeypatch):
    """A heartbeat key of this test's own: test runs sharing the Redis cannot see each other's."""
    monkeypatch.setattr(health, "HEARTBEAT_KEY", f"health:worker-heartbeat:test-{uuid.uuid4().hex}")
    yield
    cache.delete(health.HEARTBEAT_KEY)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def frozen_redis():
    """A "Redis" that accepts connections (the kernel completes them) but never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


# --- /healthz ------------------------------------------------------------------------------


def test_healthz_is_ok_when_the_database_redis_and_a_fresh_heartbeat_are(client):
    heartbeat_write()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert (body["database"], body["redis"], body["worker"]) == ("ok", "ok", "ok")
    assert body["worker_heartbeat_age_seconds"] < 5


def test_healthz_answers_503_quickly_when_redis_is_not_listening(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_free_port()}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    body = response.json()
    assert body["redis"] == "unavailable"
    assert body["database"] == "ok"
    assert body["status"] == "unavailable"
    # Names states only: no address, port or error text for a stranger to read.
    assert "127.0.0.1" not in response.content.decode()


def test_healthz_answers_within_its_timeout_when_redis_is_frozen(client, settings, frozen_redis):
    settings.REDIS_URL = frozen_redis
    settings.HEALTH = {**settings.HEALTH, "TIMEOUT_SECONDS": 0.5}
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["redis"] == "unavailable"


def test_a_stale_heartbeat_is_degraded_but_keeps_the_web_process_in_the_load_balancer(client, settings):
    settings.HEALTH = {**settings.HEALTH, "WORKER_STALE_SECONDS": 120}
    heartbeat_write(now=time.time() - 121)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["worker"] == "stale"


def test_no_heartbeat_at_all_is_stale(client):
    cache.delete(health.HEARTBEAT_KEY)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == "stale"
    assert "worker_heartbeat_age_seconds" not in response.json()


def test_without_redis_configured_healthz_says_so_and_stays_200(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured", "worker": "not configured"}


def test_the_heartbeat_task_writes_the_time_and_beat_runs_it_every_30_seconds():
    cache.delete(health.HEARTBEAT_KEY)
    heartbeat.delay()
    assert abs(cache.get(health.HEARTBEAT_KEY) - time.time()) < 5
    entry = next(e for e in beat_schedule().values() if e["task"] == "asan_portal.heartbeat")
    assert entry["schedule"] == 30


# --- /metrics ------------------------------------------------------------------------------


def _sample(text: str, name: str, **labels) -> float | None:
    """The value of one sample in the text exposition, or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        series, value = line.rsplit(" ", 1)
        found = dict(re.findall(r'(\w+)="([^"]*)"', series.partition("{")[2]))
        if series.partition("{")[0] == name and all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


def test_metrics_from_the_host_itself_has_request_latency_by_route_name_and_queue_lengths(client):
    # given: a page seen, two messages waiting, one given up, and two tickets in today's queue
    assert client.get("/az/").status_code == 200
    for n in range(2):
        message_enqueue(
            key=f"obs-test:{n}", kind="test", channel="sms", recipient="+994501234567",
            language="az", subject="", body="hello",
        )  # fmt: skip
    given_up = message_enqueue(
        key="obs-test:failed", kind="test", channel="sms", recipient="+994501234567",
        language="az", subject="", body="hello",
    )  # fmt: skip
    given_up.status = NotificationStatus.FAILED
    given_up.save(update_fields=["status"])
    service, centre = queue_setup(letter="M")
    for _ in range(2):
        queue.ticket_issue(centre=centre, service=service, now=timezone.now())

    # when
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    count = _sample(text, "asan_http_request_duration_seconds_count", view="home", method="GET", status="2xx")
    assert count is not None and count >= 1
    assert 'view="/az/"' not in text  # route names, never raw paths
    assert _sample(text, "asan_outbox_messages", status="pending") == 2
    assert _sample(text, "asan_outbox_messages", status="failed") == 1
    assert _sample(text, "asan_queue_waiting_tickets", centre=centre.code) == 2


def test_metrics_refuses_other_addresses_without_the_token(client, settings):
    settings.METRICS = {"ALLOWED_IPS": ["127.0.0.1", "::1"], "TOKEN": "scrape-secret"}
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    wrong = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 404
    right = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert right.status_code == 200
    assert "asan_outbox_messages" in right.content.decode()


def test_no_token_configured_means_no_token_opens_it(client, settings):
    settings.METRICS = {"ALLOWED_IPS": ["127.0.0.1"], "TOKEN": ""}
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_a_request_forwarded_by_a_local_proxy_is_not_local(client, settings):
    # nginx on the same host connects from 127.0.0.1 for every visitor on the internet.
    settings.TRUSTED_PROXY_COUNT = 0
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def _task_count(task: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("asan_celery_tasks_total", {"task": task, "outcome": outcome}) or 0.0


@shared_task(name="tests.observability_fail")
def _failing_task():
    raise RuntimeError("boom")


def test_celery_task_successes_and_failures_are_counted():
    before_ok = _task_count("asan_portal.heartbeat", "success")
    before_failed = _task_count("tests.observability_fail", "failure")
    heartbeat.delay()
    # As a worker runs it: the error is recorded, not raised into the caller (eager mode would).
    failed = _failing_task.apply(throw=False)
    assert isinstance(failed.result, RuntimeError)
    assert _task_count("asan_portal.heartbeat", "success") == before_ok + 1
    assert _task_count("tests.observability_fail", "failure") == before_failed + 1


def test_notification_send_failures_are_counted(settings):
    settings.SMS_BACKEND = "appointments.sms.FailingBackend"
    message_enqueue(
        key="obs-test:fails", kind="test", channel=NotificationChannel.SMS, recipient="+994501234567",
        language="az", subject="", body="hello",
    )  # fmt: skip
    labels = {"channel": NotificationChannel.SMS}
    before = REGISTRY.get_sample_value("asan_notification_send_failures_total", labels) or 0.0
    result = notifications_send_due(now=timezone.now())
    assert result.failed == 1
    assert REGISTRY.get_sample_value("asan_notification_send_failures_total", labels) == before + 1


# --- request ids and log lines -------------------------------------------------------------


@pytest.fixture
def records(caplog):
    """caplog, with the filters of the configured console handler (settings LOGGING) on its handler."""
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    filters = [f for f in console.filters if isinstance(f, RequestIdFilter | PiiMaskingFilter)]
    assert len(filters) == 2, "LOGGING must put both filters on the console handler"
    for log_filter in filters:
        caplog.handler.addFilter(log_filter)
    caplog.set_level(logging.INFO)
    yield caplog
    for log_filter in filters:
        caplog.handler.removeFilter(log_filter)


def test_a_request_gets_a_new_id_in_the_response_and_in_its_log_lines(client, records):
    response = client.get("/az/no-such-page/")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    not_found = [r for r in records.records if r.name == "django.request"]
    assert not_found and not_found[-1].request_id == request_id
    assert client.get("/healthz")["X-Request-ID"] != request_id


def test_a_sane_incoming_request_id_is_kept_and_a_strange_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-42-abc")["X-Request-ID"] == "lb-42-abc"
    for strange in ("a" * 65, "<script>", "id with spaces", "ünïcode"):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=strange)["X-Request-ID"]
        assert answered != strange and re.fullmatch(r"[0-9a-f]{32}", answered)


def test_outside_a_request_the_log_line_says_dash(records):
    logger.info("beat tick")
    assert records.records[-1].request_id == "-"


@shared_task(name="tests.observability_log")
def _logging_task():
    logger.info("inside a task")


def test_a_celery_task_logs_with_its_task_id(records):
    result = _logging_task.delay()
    record = next(r for r in records.records if r.getMessage() == "inside a task")
    assert record.task_id == result.id


def test_a_queued_task_carries_the_request_id_to_the_worker_which_logs_with_it():
    # given: a task published during a request
    token = request_id_bind("req-7")
    headers = {}
    try:
        logs.task_publishing(headers=headers)
    finally:
        request_id_unbind(token)
    assert headers == {"request_id": "req-7"}
    # when a worker runs it (Celery puts custom headers on task.request), then after it
    task = SimpleNamespace(request=SimpleNamespace(is_eager=False, **headers))
    logs.task_starting(task=task)
    assert logs.request_id_get() == "req-7"
    logs.task_finished(task=task)
    assert logs.request_id_get() == ""
    # a strange header is not taken over
    logs.task_starting(task=SimpleNamespace(request=SimpleNamespace(is_eager=False, request_id="<x>")))
    assert logs.request_id_get() == ""


def test_the_json_formatter_writes_one_parsable_object_with_the_request_id(records):
    token = request_id_bind("req-123")
    try:
        logger.warning("booking %s held", "ABCD-EFGH")
    finally:
        request_id_unbind(token)
    line = JsonFormatter().format(records.records[-1])
    entry = json.loads(line)
    assert entry["request_id"] == "req-123"
    assert entry["message"] == "booking ABCD-EFGH held"
    assert (entry["level"], entry["logger"]) == ("WARNING", "tests.observability")
    assert "\n" not in line


def test_the_json_formatter_includes_the_masked_exception(records):
    try:
        raise ValueError("bad FIN 5AB12Z1")
    except ValueError:
        logger.exception("failed")
    entry = json.loads(JsonFormatter().format(records.records[-1]))
    assert "ValueError: bad FIN 5A***Z1" in entry["exception"]
    assert "5AB12Z1" not in entry["exception"]


def test_fins_and_phone_numbers_are_masked_in_messages_and_arguments(records):
    logger.warning("SMS to %s for FIN %s failed", "+994501234567", "5AB12Z1")
    logger.warning("citizen 050 123 45 67 / 00994551234567 / 5ZRT8K3")
    first, second = (r.getMessage() for r in records.records[-2:])
    assert first == "SMS to +99450***4567 for FIN 5A***Z1 failed"
    assert second == "citizen +99450***4567 / +99455***4567 / 5Z***K3"
    assert "1234567" not in records.text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+994 (50) 123-45-67", "+99450***4567"),
        ("994701112233", "+99470***2233"),
        # Not personal numbers: words in capitals, references, row ids, other countries' numbers.
        ("status WAITING", "status WAITING"),
        ("booking ABCD-EF12", "booking ABCD-EF12"),
        ("notification 1234567", "notification 1234567"),
        ("+79161234567", "+79161234567"),
    ],
)
def test_text_mask(text, masked):
    assert text_mask(text) == masked


def test_the_id_is_forgotten_when_the_response_is_done(client, records):
    client.get("/healthz")
    logger.info("between requests")
    assert records.records[-1].request_id == "-"
