"""An SMS gateway that times out, then answers 503, then heals (issue 7): retried with backoff,
never flooded, each message delivered once.

A real worker with its beat relays every second to a real local HTTP gateway (tests/faults/
servers.py). For TIMEOUT_PHASE seconds the gateway holds each request past the backend's
timeout, then answers 503 until BAD_SECONDS, then 200. The backoff is shortened through its
settings (NOTIFICATIONS_BACKOFF_SECONDS); the gateway's own timestamps show each message's
attempts spaced by at least the backoff, and a relay run stops after RELAY_STOP_AFTER_FAILURES
failures in a row, so the bad minute costs a bounded number of requests.
"""

import re
import time

import pytest

from appointments.models import Notification, NotificationStatus
from appointments.services import appointment_book
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.faults.servers import (
    RedisServer,
    SmsGateway,
    current_database_url,
    publishing_to,
    start_worker,
    stop_process,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MESSAGES = 8
BACKOFF = [2, 4, 8]
STOP_AFTER = 3
SEND_TIMEOUT = 1.0
TIMEOUT_PHASE = 6.0  # seconds from the first booking: the gateway hangs past the timeout
BAD_SECONDS = 20.0  # ... then answers 503 until here, then heals
SLACK = 0.5  # between the relay's clock reading and the request reaching the gateway


def _attempts_allowed(window: float) -> int:
    """Most attempts one message can make in `window` seconds with the backoff (minus slack)."""
    attempts, at = 1, 0.0
    for step in range(len(BACKOFF) * 100):
        at += BACKOFF[min(step, len(BACKOFF) - 1)] - SLACK
        if at > window:
            break
        attempts += 1
    return attempts


def test_a_failing_gateway_is_retried_with_backoff_without_flooding_and_each_message_arrives_once(tmp_path):
    redis_server = RedisServer()
    redis_server.start()
    worker = None
    # Published for the whole test: the nudge after each booking is sent from a thread, later.
    with SmsGateway() as gateway, publishing_to(redis_server.url):
        try:
            started = time.monotonic()

            def failing_then_healed(number):
                elapsed = time.monotonic() - started
                if elapsed < TIMEOUT_PHASE:
                    return ("sleep", SEND_TIMEOUT * 2)
                return 503 if elapsed < BAD_SECONDS else 200

            gateway.behaviour = failing_then_healed
            worker, log = start_worker(
                tmp_path,
                redis_server.url,
                current_database_url(),
                beat=True,
                extra_env=gateway.env()
                | {
                    "SMS_GATEWAY_TIMEOUT": str(SEND_TIMEOUT),
                    "NOTIFICATIONS_BACKOFF_SECONDS": ",".join(map(str, BACKOFF)),
                    "NOTIFICATIONS_RELAY_STOP_AFTER_FAILURES": str(STOP_AFTER),
                },
            )
            # given: citizens book while the gateway is failing
            service, centre = bookable_setup(counters=2)
            started = time.monotonic()
            for n in range(MESSAGES):
                appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 9 + n), **citizen())
            expected = set(Notification.objects.filter(channel="sms").values_list("dedup_key", flat=True))
            assert len(expected) == MESSAGES

            # when the gateway heals, every message is delivered
            try:
                wait_for(lambda: set(gateway.delivered()) == expected, BAD_SECONDS + 60, "every SMS after healing")
            except AssertionError as error:
                state = list(Notification.objects.values_list("dedup_key", "status", "attempts", "last_error"))
                answers = [(round(r["at"] - started, 1), r["message_id"][-30:], r["answer"]) for r in gateway.requests]
                raise AssertionError(f"{error}\n{state}\n{answers}\n{log.read_text()[-4000:]}") from None
            runs = len(re.findall(r"notifications_relay_due\[[^\]]+\] succeeded", log.read_text()))
            wait_for(
                lambda: len(re.findall(r"notifications_relay_due\[[^\]]+\] succeeded", log.read_text())) >= runs + 3,
                30,
                "three more relay runs",
            )
        finally:
            stop_process(worker)
            redis_server.stop()

    # then: once each ...
    delivered = gateway.delivered()
    assert set(delivered) == expected and set(delivered.values()) == {1}, delivered
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    # ... after attempts spaced by at least the backoff, growing step by step
    attempts = gateway.attempts()
    gaps = {}
    for message_id, times in attempts.items():
        gaps[message_id] = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        for step, gap in enumerate(gaps[message_id]):
            assert gap >= BACKOFF[min(step, len(BACKOFF) - 1)] - SLACK, (message_id, gaps[message_id])
    assert all(len(times) >= 3 for times in attempts.values())  # each met the timeouts and the 503s
    # ... with no flood: a bounded number of requests while the gateway was bad, and relay runs
    # that stopped after STOP_AFTER failures in a row
    bad_requests = [r for r in gateway.requests if r["answer"] != 200]
    allowed = MESSAGES * _attempts_allowed(BAD_SECONDS)
    assert len(bad_requests) <= allowed
    failures_per_run = [int(n) for n in re.findall(r"'failed': (\d+)", log.read_text())]
    assert max(failures_per_run) == STOP_AFTER

    longest = max(gaps.values(), key=len)
    print(
        f"\nFAULTS sms gateway {TIMEOUT_PHASE:.0f} s timing out + {BAD_SECONDS - TIMEOUT_PHASE:.0f} s of 503: "
        f"{MESSAGES} messages, {len(bad_requests)} failed requests (bound {allowed}; a relay every second "
        f"unchecked would make ~{int(MESSAGES * BAD_SECONDS)}), runs stopped after {max(failures_per_run)} failures; "
        f"gaps of one message {', '.join(f'{g:.1f}' for g in longest)} s (backoff {BACKOFF}); each delivered once"
    )
