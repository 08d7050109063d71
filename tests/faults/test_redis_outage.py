"""Redis out for a minute during bookings (issue 7): stopped, and frozen (accepting connections,
never answering).

The portal is gunicorn with the production settings (two workers, tests/faults/portal_settings.py)
on a redis-server of the test's own (cache, rate limits, sessions, broker) and on this test's
database; a real Celery worker with its beat sends SMS through a real local HTTP gateway. Every
few seconds of the outage a citizen books through the API and another through the booking form
(form page, post, code page). Every booking must be answered at once, nothing may be lost, and
once Redis is back each booking's SMS must reach the gateway exactly once.

While Redis is out, the rate limits fail open (asan_portal/ratelimit.py: allowed, logged, and the
cache is not asked again for 30 s), so the limit of two bookings an hour that refuses the third
one before the outage refuses nobody during it. The outage lasts FAULTS_OUTAGE_SECONDS (60).
"""

import os
import re
import statistics
import time

import pytest
import requests

from appointments.models import Appointment, Notification
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.faults.servers import (
    RedisServer,
    SmsGateway,
    current_database_url,
    start_portal,
    start_worker,
    stop_process,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OUTAGE_SECONDS = float(os.environ.get("FAULTS_OUTAGE_SECONDS", 60))
EVERY_SECONDS = 4  # one API booking and one form booking per round
# "Fast": a booking waits at most one cache socket timeout (0.5 s, settings) when Redis is frozen,
# once per web process per 30 s (the breaker); a call waiting on a dead broker takes far longer.
FAST_SECONDS = 1.5
BOOKINGS_PER_HOUR = 2  # the booking rate limit in force (per client address)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Stack:
    def __init__(self, redis_server, gateway, portal_url, worker_log):
        self.redis = redis_server
        self.gateway = gateway
        self.url = portal_url
        self.worker_log = worker_log


@pytest.fixture
def stack(tmp_path):
    redis_server = RedisServer()
    redis_server.start()
    portal = worker = None
    with SmsGateway() as gateway:
        try:
            portal, url, _log = start_portal(
                tmp_path,
                database_url=current_database_url(),
                redis_url=redis_server.url,
                extra_env={
                    "RATE_LIMIT_BOOKING_CREATE": f"{BOOKINGS_PER_HOUR}/h",
                    "APPOINTMENTS_WALK_IN_SHARE": "0",
                },
            )
            worker, worker_log = start_worker(
                tmp_path, redis_server.url, current_database_url(), beat=True, extra_env=gateway.env()
            )
            yield Stack(redis_server, gateway, url, worker_log)
        finally:
            stop_process(worker)
            stop_process(portal)
            redis_server.stop()


class Bookings:
    """Books at distinct times of one service and centre, and keeps what each answer took."""

    def __init__(self, url: str):
        self.url = url
        self.service, self.centre = bookable_setup(counters=2)
        self.slot = 0
        self.references: list[str] = []
        self.took: list[float] = []

    def _next_start(self):
        slot, self.slot = self.slot, self.slot + 1
        minutes = 20 * (slot % 24)  # 09:00 ... 16:40, then the next day
        return tomorrow_at(self.centre, 9 + minutes // 60, minutes % 60, days=1 + slot // 24)

    def _timed(self, call, *args, **kwargs) -> requests.Response:
        started = time.monotonic()
        response = call(*args, timeout=30, **kwargs)
        self.took.append(time.monotonic() - started)
        return response

    def by_api(self) -> requests.Response:
        person = citizen()
        body = {"service": self.service.code, "centre": self.centre.code, "start": self._next_start().isoformat()}
        response = self._timed(requests.post, f"{self.url}/api/v1/appointments/", json=body | person)
        if response.status_code == 201:
            self.references.append(response.json()["reference"])
        return response

    def by_form(self) -> None:
        """The citizen's pages: the form, the post that holds the time, the page asking for the code."""
        browser = requests.Session()
        start = self._next_start()
        details = (
            f"{self.url}/az/appointments/book/{self.service.code}/{self.centre.code}/{start:%Y-%m-%d}/{start:%H:%M}/"
        )
        form = self._timed(browser.get, details)
        assert form.status_code == 200, form.text[:2000]
        person = citizen()
        posted = self._timed(
            browser.post,
            details,
            data={**person, "email": "", "language": "az", "csrfmiddlewaretoken": CSRF_FIELD.search(form.text)[1]},
            allow_redirects=False,
        )
        assert posted.status_code == 302, posted.text[:3000]
        code_page = self._timed(browser.get, self.url + posted.headers["Location"])
        assert code_page.status_code == 200, code_page.text[:2000]
        self.references.append(Appointment.objects.get(phone=person["phone"]).reference)

    def summary(self) -> str:
        return (
            f"{len(self.took)} requests, max {max(self.took):.2f} s, "
            f"median {statistics.median(self.took):.3f} s, {len(self.references)} bookings"
        )


def _relay_runs(worker_log) -> int:
    return len(re.findall(r"notifications_relay_due\[[^\]]+\] succeeded", worker_log.read_text()))


def _book_through_an_outage(stack: Stack, *, break_redis, mend_redis, label: str) -> None:
    bookings = Bookings(stack.url)
    # given: with Redis up, the booking limit is counted and refuses the third booking of the hour
    assert [bookings.by_api().status_code for _ in range(BOOKINGS_PER_HOUR + 1)] == [201] * BOOKINGS_PER_HOUR + [429]
    wait_for(lambda: len(stack.gateway.delivered()) == BOOKINGS_PER_HOUR, 30, "the SMS of the bookings before")
    before = len(bookings.references)

    # when: Redis goes away for a minute while citizens keep booking
    break_redis()
    broken_at = time.monotonic()
    try:
        answers = []
        while time.monotonic() - broken_at < OUTAGE_SECONDS:
            round_started = time.monotonic()
            answers.append(bookings.by_api().status_code)
            bookings.by_form()
            time.sleep(max(0.0, EVERY_SECONDS - (time.monotonic() - round_started)))
        sent_during_outage = len(stack.gateway.delivered()) - before
    finally:
        mend_redis()
    mended_at = time.monotonic()

    # then: every booking was taken at once (the limit failed open), none was lost ...
    during = bookings.took[BOOKINGS_PER_HOUR + 1 :]
    assert answers == [201] * len(answers)
    assert max(during) < FAST_SECONDS, sorted(during)[-5:]
    assert sorted(Appointment.objects.values_list("reference", flat=True)) == sorted(bookings.references)
    assert sent_during_outage == 0  # the messages waited in PostgreSQL, not in Redis
    # ... and once Redis is back, each booking's SMS reaches the gateway exactly once
    expected = set(Notification.objects.filter(channel="sms").values_list("dedup_key", flat=True))
    assert len(expected) == len(bookings.references)
    wait_for(lambda: set(stack.gateway.delivered()) == expected, 120, "every SMS after Redis came back")
    all_sent_after = time.monotonic() - mended_at
    runs = _relay_runs(stack.worker_log)
    wait_for(lambda: _relay_runs(stack.worker_log) >= runs + 3, 30, "three more relay runs")
    delivered = stack.gateway.delivered()
    assert set(delivered.values()) == {1}, delivered.most_common(3)
    assert set(delivered) == expected

    print(
        f"\nFAULTS redis {label} {OUTAGE_SECONDS:.0f} s: {len(answers)} API + {len(answers)} form bookings during the "
        f"outage, all taken; requests during it: {len(during)}, max {max(during):.2f} s, median "
        f"{statistics.median(during):.3f} s; {len(expected)} SMS each delivered once, the last "
        f"{all_sent_after:.1f} s after Redis returned"
    )


def test_with_redis_stopped_for_a_minute_bookings_are_taken_at_once_and_each_sms_goes_out_once_after(stack):
    _book_through_an_outage(stack, break_redis=stack.redis.stop, mend_redis=stack.redis.start, label="stopped")


def test_with_redis_frozen_for_a_minute_bookings_are_taken_at_once_and_each_sms_goes_out_once_after(stack):
    _book_through_an_outage(stack, break_redis=stack.redis.freeze, mend_redis=stack.redis.thaw, label="frozen")
