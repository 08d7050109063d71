"""A real Celery worker (with its embedded beat) on a real Redis, against the test database.

Eager mode hides what matters here: serialisation, commit ordering, redelivery and a broker
that is down or frozen. The test starts its own redis-server on a free port, so stopping or
freezing it disturbs nobody, and a worker process whose DATABASE_URL is this test database.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from appointments.models import Appointment, Notification, NotificationStatus, SmsLogEntry
from appointments.services import appointment_book
from asan_portal.celery import app as celery_app
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.faults.servers import (
    RedisServer,
    current_database_url,
    drop_broker_connections,
    free_port,
    start_worker,
    stop_process,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

QUICK = 3.0  # seconds: generous for a booking; a call waiting on a dead broker takes far longer


@pytest.fixture(scope="module")
def broker(django_db_setup, tmp_path_factory):
    server = RedisServer(free_port())
    server.start()
    yield server
    server.thaw() if server.process.poll() is None else None
    server.stop()


@pytest.fixture
def worker(broker, tmp_path):
    """`celery worker --beat` as `make worker` runs it, on the test database and our Redis.

    One per test, so a test that wants no beat relaying behind its back (the worker-lost
    test) can have that."""
    process, log = _start_worker(tmp_path, broker.url, beat=True)
    yield log
    _stop_worker(process)


def _start_worker(workdir: Path, broker_url: str, *, beat: bool, extra_env: dict | None = None):
    return start_worker(workdir, broker_url, current_database_url(), beat=beat, extra_env=extra_env)


def _stop_worker(process):
    stop_process(process)


@pytest.fixture
def publish_to(broker):
    """This process publishes to the test's Redis through the broker, as the web process does."""
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = getattr(broker, "publish_url", broker.url)
    celery_app.conf.task_always_eager = False
    _drop_broker_connections()
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
    _drop_broker_connections()


_drop_broker_connections = drop_broker_connections
_wait_for = wait_for


def _book():
    service, centre = bookable_setup()
    started = time.monotonic()
    result = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen())
    return result, time.monotonic() - started


class _Booked:
    """What a test needs of a booking made over HTTP."""

    def __init__(self, appointment):
        self.appointment = appointment


def _book_over_http(client):
    """A citizen's POST to the booking API, as a phone would send it."""
    service, centre = bookable_setup()
    started = time.monotonic()
    response = client.post(
        "/api/v1/appointments/",
        {
            "service": service.code,
            "centre": centre.code,
            "start": tomorrow_at(centre, 10).isoformat(),
            **citizen(),
        },
        content_type="application/json",
    )
    took = time.monotonic() - started
    assert response.status_code == 201, response.content
    return _Booked(Appointment.objects.get(reference=response.json()["reference"])), took


def _delivered(result) -> int:
    return SmsLogEntry.objects.filter(notification__appointment=result.appointment).count()


def test_a_real_worker_delivers_the_code_by_sms(worker, publish_to):
    # when: a citizen books; the booking's transaction commits and nudges the worker
    result, took = _book()
    # then
    assert took < QUICK
    _wait_for(lambda: _delivered(result), 20, "the worker to send the SMS")
    entry = SmsLogEntry.objects.get(notification__appointment=result.appointment)
    assert result.code in entry.body
    assert Notification.objects.get(pk=entry.notification_id).status == NotificationStatus.SENT
    assert "appointments.notifications_relay_due" in worker.read_text()


def test_with_redis_stopped_a_booking_returns_at_once_and_its_sms_goes_out_once_redis_is_back(
    broker, worker, publish_to, client
):
    # given: the broker is down
    broker.stop()
    try:
        # when: a citizen books through the API
        result, took = _book_over_http(client)
        # then: the booking did not wait, and its message waits in PostgreSQL, not in Redis
        assert took < QUICK
        time.sleep(2)
        assert _delivered(result) == 0
        assert Notification.objects.get(appointment=result.appointment).status == NotificationStatus.PENDING
    finally:
        broker.start()
    # when Redis is back, the worker reconnects and beat's relay sends it, once
    _wait_for(lambda: _delivered(result), 60, "the SMS after Redis came back")
    time.sleep(3)  # a few more relay runs
    assert _delivered(result) == 1


def test_with_redis_frozen_a_booking_still_returns_at_once(broker, worker, publish_to):
    # given: Redis accepts connections but never answers
    broker.freeze()
    try:
        # when: two bookings in a row (the second finds a nudge already stuck)
        first, first_took = _book()
        second, second_took = _book()
    finally:
        broker.thaw()
    # then
    assert first_took < QUICK
    assert second_took < QUICK
    _wait_for(lambda: _delivered(first) and _delivered(second), 60, "the SMS after Redis thawed")
    time.sleep(2)
    assert (_delivered(first), _delivered(second)) == (1, 1)


def test_a_task_whose_worker_dies_mid_send_is_redelivered_and_sends_once(broker, tmp_path, publish_to):
    """Late acks + reject_on_worker_lost: the relay whose pool process is killed after the
    gateway took the message but before the commit runs again; the killed transaction rolls
    back, so the message is recorded once. No beat here: only redelivery can send it."""
    broker.publish_url = broker.url.replace("/0", "/1")  # a fresh queue: no leftovers of other tests
    celery_app.conf.broker_url = broker.publish_url
    _drop_broker_connections()
    process, log = _start_worker(
        tmp_path,
        broker.publish_url,
        beat=False,
        extra_env={"SMS_BACKEND": "tests.appointments.worker_settings.StallingLogBackend"},
    )
    try:
        result, took = _book()
        assert took < QUICK
        _wait_for(lambda: "notifications_relay_due" in log.read_text(), 20, "the worker to take the relay task")
        time.sleep(1.5)  # inside the stall: the SMS log row is written, not yet committed
        (child,) = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        os.kill(int(child), signal.SIGKILL)
        _wait_for(lambda: _delivered(result), 30, "the redelivered relay to send the SMS")
        time.sleep(1)
        assert _delivered(result) == 1
        message = Notification.objects.get(appointment=result.appointment)
        assert (message.status, message.attempts) == (NotificationStatus.SENT, 1)
        assert "WorkerLostError" in log.read_text()
    finally:
        del broker.publish_url
        _stop_worker(process)
