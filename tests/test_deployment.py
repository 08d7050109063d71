"""The deployment of docs/deploy.md, for real: two web processes, two Celery workers and one beat
against one PostgreSQL database and one Redis, and a citizen and a member of staff who hop
between the two web processes on every request without noticing.

Everything runs as in production (asan_portal.settings.deploy_test: the production settings on
plain HTTP, since there is no TLS proxy here), started the way the systemd units in
docs/deploy/ start it: `manage.py migrate`, `load_demo`, `collectstatic`, then gunicorn with
asan_portal/gunicorn_conf.py, `celery worker` twice and `celery beat` once. The database
(test_asan_deploy_<pid>) and the Redis server (a redis-server on a free port) are this test's
own, created here and removed at the end; every process runs in its own process group and is
stopped by its id, also when a test fails. The test reads PostgreSQL directly only as the
harness: the SMS code the worker "sent" (the SMS log backend) and what was recorded.
"""

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import redis
import requests

from bench.run import Stack, free_port
from centres.demo import DEMO_PASSWORD
from feedback.models import CentreDay
from tests.appointments.factories import citizen

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SETTINGS = "asan_portal.settings.deploy_test"
POSTGRES_URL = os.environ.get("DEPLOY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CENTRE = "baku-1"  # the demo operator's centre
HTTP_TIMEOUT = 15
# Variables of the outer environment that must not leak into the deployment's processes.
OUTER_ONLY = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_", "TEST_DATABASE_NAME", "PYTEST_", "CACHE_KEY_PREFIX")


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Deployment:
    """The running topology: where the web processes answer, and the harness's SQL."""

    def __init__(self, stack: Stack, database_url: str, replica_url: str, web_urls: list[str], workers: list[str]):
        self.stack = stack
        self.database_url = database_url
        self.replica_url = replica_url
        self.web_urls = web_urls
        self.workers = workers

    def sql(self, query: str, params=(), *, replica: bool = False) -> list[tuple]:
        url = self.replica_url if replica else self.database_url
        with contextlib.closing(_connect(url)) as connection, connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def logs(self, lines: int = 40) -> str:
        return "\n".join(
            f"----- {name} (last {lines} lines) -----\n{self.stack.log_tail(name, lines)}"
            for name in self.stack.processes
        )

    def check_alive(self) -> None:
        stopped = [name for name, process in self.stack.processes.items() if process.poll() is not None]
        assert not stopped, f"stopped: {stopped}\n{self.logs()}"


def _connect(url: str):
    parts = urlparse(url)
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=parts.path.lstrip("/"),
        connect_timeout=5,
    )
    connection.autocommit = True
    return connection


def _admin(statement: str) -> None:
    with contextlib.closing(_connect(POSTGRES_URL)) as connection, connection.cursor() as cursor:
        cursor.execute(statement)


def _manage(env: dict, *arguments: str, timeout: float = 300) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}"


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _redis_answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def deployment():
    """Start the topology of docs/deploy.md; stop and remove all of it afterwards, whatever happens."""
    workdir = Path(tempfile.mkdtemp(prefix="asan-deploy-"))
    stack = Stack(workdir)
    database = f"test_asan_deploy_{os.getpid()}"
    database_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{database}"
    # The dashboards' read replica: a copy of the primary taken after the demo data is in (the
    # test writes to it directly to tell the two apart; real replication is PostgreSQL's job).
    replica = f"{database}_replica"
    replica_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{replica}"
    created = False
    try:
        for name in (replica, database):
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{database}"')
        created = True
        redis_port = free_port()
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        stack.start(
            "redis",
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            os.environ.copy(),
        )
        _wait_for(lambda: _redis_answers(redis_url), 20, "redis-server to answer")

        env = {key: value for key, value in os.environ.items() if not key.startswith(OUTER_ONLY)}
        env |= {
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "CONN_MAX_AGE": "60",
            "REDIS_URL": redis_url,
            "STATIC_ROOT": str(workdir / "static"),
            "CELERY_BEAT_SCHEDULE_FILENAME": str(workdir / "celerybeat-schedule"),
            "SMS_BACKEND": "appointments.sms.LogBackend",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            # Beat relays every second on top of the nudge after each commit: both workers
            # race for the same messages all the time, which is what "sent once" must survive.
            "NOTIFICATIONS_RELAY_EVERY_SECONDS": "1",
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "INFO",
        }
        # The deploy steps of docs/deploy.md; collectstatic needs no database, so it runs meanwhile.
        collect = stack.start("collectstatic", [sys.executable, "manage.py", "collectstatic", "--no-input"], env)
        _manage(env, "migrate", "--no-input", "-v", "0")
        _manage(env, "load_demo", "--no-history")
        assert collect.wait(timeout=300) == 0, stack.log_tail("collectstatic")
        del stack.processes["collectstatic"]  # done: from here on, every process must stay up
        _admin(f'CREATE DATABASE "{replica}" TEMPLATE "{database}"')
        env["DATABASE_REPLICA_URL"] = replica_url

        ports = [free_port(), free_port()]
        for name, port in zip(("web-a", "web-b"), ports, strict=True):
            stack.start(
                name,
                [str(BIN / "gunicorn"), "-c", "python:asan_portal.gunicorn_conf", "--bind", f"127.0.0.1:{port}"]
                + ["asan_portal.wsgi:application"],
                env,
            )
        workers = ["worker-1", "worker-2"]
        for name in workers:
            stack.start(
                name,
                [str(BIN / "celery"), "-A", "asan_portal", "worker", "--loglevel", "INFO", "--concurrency", "2"]
                + ["--hostname", f"{name}@%h", "--without-gossip", "--without-mingle"],
                env,
            )
        stack.start("beat", [str(BIN / "celery"), "-A", "asan_portal", "beat", "--loglevel", "INFO"], env)

        web_urls = [f"http://127.0.0.1:{port}" for port in ports]
        running = Deployment(stack, database_url, replica_url, web_urls, workers)
        try:
            for url in web_urls:
                _wait_for(lambda url=url: running.check_alive() or _answers(f"{url}/healthz"), 60, f"{url}/healthz")
            for name in workers:
                _wait_for(
                    lambda name=name: running.check_alive() or " ready." in stack.log_tail(name, 200),
                    60,
                    f"{name} to be ready",
                )
        except AssertionError as error:
            raise AssertionError(f"{error}\n{running.logs()}") from None
        yield running
    finally:
        stack.stop()
        if created:
            for name in (replica, database):
                with contextlib.suppress(psycopg2.Error):
                    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def logs_on_failure(deployment: Deployment):
    """A failing step shows what the servers and workers said."""
    try:
        yield
    except Exception as error:
        raise AssertionError(f"{error}\n\n{deployment.logs()}") from error


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf(page: requests.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, f"no CSRF token on {page.url}"
    return found.group(1)


def _bookable_service(deployment: Deployment) -> str:
    """A public, bookable service that active counters of the centre handle."""
    (row,) = deployment.sql(
        """
        SELECT s.code FROM services_service s
        JOIN centres_counter_services cs ON cs.service_id = s.id
        JOIN centres_counter c ON c.id = cs.counter_id
        JOIN centres_centre ce ON ce.id = c.centre_id
        WHERE ce.code = %s AND c.is_active AND s.bookable_online AND s.is_published AND s.is_active
        GROUP BY s.code ORDER BY count(*) DESC, s.code LIMIT 1
        """,
        (CENTRE,),
    )
    return row[0]


def _sms_code(deployment: Deployment, phone: str) -> str | None:
    rows = deployment.sql(
        """
        SELECT e.body FROM appointments_smslogentry e
        JOIN appointments_notification n ON n.id = e.notification_id
        JOIN appointments_appointment a ON a.id = n.appointment_id
        WHERE a.phone = %s AND n.kind = 'verification_code'
        """,
        (phone,),
    )
    if not rows:
        return None
    return re.search(r"\b(\d{6})\b", rows[0][0]).group(1)


def test_a_citizen_books_hopping_between_the_two_web_processes_and_gets_each_sms_once(deployment):
    a, b = deployment.web_urls
    browser = requests.Session()
    person = citizen(990001)
    with logs_on_failure(deployment):
        # The API on B: the service's earliest free time at the centre.
        service = _bookable_service(deployment)
        earliest = browser.get(f"{b}/api/v1/availability/earliest/", params={"service": service}, timeout=HTTP_TIMEOUT)
        assert earliest.status_code == 200, earliest.text
        slot = next(result for result in earliest.json()["results"] if result["centre"]["code"] == CENTRE)
        start = dt.datetime.fromisoformat(slot["start"])  # in the centre's own offset
        details = f"/az/appointments/book/{service}/{CENTRE}/{start:%Y-%m-%d}/{start:%H:%M}/"

        # The form on A; the details posted to B with A's CSRF cookie and token.
        form = browser.get(a + details, timeout=HTTP_TIMEOUT)
        assert form.status_code == 200, form.text[:2000]
        posted = browser.post(
            b + details,
            data={**person, "email": "", "language": "az", "csrfmiddlewaretoken": _csrf(form)},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        assert posted.status_code == 302, posted.text[:3000]
        verify_path = urlparse(posted.headers["Location"]).path
        assert verify_path == "/az/appointments/book/confirm/"
        assert "sessionid" in browser.cookies

        # The code page on A knows the booking B held (the session is shared, not in B's memory).
        verify = browser.get(a + verify_path, timeout=HTTP_TIMEOUT)
        assert verify.status_code == 200, verify.text[:2000]
        code = _wait_for(lambda: _sms_code(deployment, person["phone"]), 30, "a worker to send the SMS code")

        # The code typed on B, with the token of A's page.
        confirmed = browser.post(
            b + verify_path,
            data={"code": code, "csrfmiddlewaretoken": _csrf(verify)},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        assert confirmed.status_code == 302, confirmed.text[:3000]
        done_path = urlparse(confirmed.headers["Location"]).path
        assert done_path == "/az/appointments/book/done/"

        # The confirmation on A.
        done = browser.get(a + done_path, timeout=HTTP_TIMEOUT)
        assert done.status_code == 200, done.text[:2000]
        ((reference, status),) = deployment.sql(
            "SELECT reference, status FROM appointments_appointment WHERE phone = %s", (person["phone"],)
        )
        assert status == "confirmed"
        assert reference in done.text

        # Every SMS of this booking due by now (the code, the confirmation; not the reminders)
        # goes out once, though both workers relay every second and after each commit.
        def all_sent():
            rows = deployment.sql(
                """
                SELECT n.kind, n.status, (SELECT count(*) FROM appointments_smslogentry e WHERE e.notification_id = n.id)
                FROM appointments_notification n JOIN appointments_appointment a ON a.id = n.appointment_id
                WHERE a.reference = %s AND n.channel = 'sms' AND n.send_after <= now() ORDER BY n.id
                """,
                (reference,),
            )
            return rows if rows and all(row[1] == "sent" for row in rows) else None

        _wait_for(all_sent, 30, "every SMS of the booking to be sent")
        time.sleep(3)  # a few more relay runs on both workers: nothing may go out again
        sent = all_sent()
        assert [kind for kind, _status, _count in sent][:1] == ["verification_code"]
        assert [count for _kind, _status, count in sent] == [1] * len(sent), sent

        # Both workers took relay tasks from the one broker.
        for name in deployment.workers:
            _wait_for(
                lambda name=name: "notifications_relay_due" in deployment.stack.log_tail(name, 2000),
                30,
                f"{name} to run a relay",
            )
        deployment.check_alive()


def test_staff_sign_in_on_one_web_process_and_work_and_sign_out_on_the_other(deployment):
    a, b = deployment.web_urls
    staff_page = f"/az/staff/appointments/{CENTRE}/"
    browser = requests.Session()
    with logs_on_failure(deployment):
        login = browser.get(f"{a}/az/accounts/login/", timeout=HTTP_TIMEOUT)
        assert login.status_code == 200
        signed_in = browser.post(
            f"{a}/az/accounts/login/",
            data={"username": "operator", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": _csrf(login)},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        assert signed_in.status_code == 302, signed_in.text[:3000]

        # The staff page on B: the session A started.
        page = browser.get(b + staff_page, allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert page.status_code == 200, page.text[:2000]
        assert 'action="/az/accounts/logout/"' in page.text  # rendered for a signed-in user
        # ... which B refuses to a browser without it.
        anonymous = requests.get(b + staff_page, allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert anonymous.status_code in (302, 403)

        # Signing out on B ends the session on A too.
        signed_out = browser.post(
            f"{b}/az/accounts/logout/",
            data={"csrfmiddlewaretoken": _csrf(page)},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        assert signed_out.status_code == 302, signed_out.text[:2000]
        after = browser.get(a + staff_page, allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert after.status_code in (302, 403)
        deployment.check_alive()


def test_the_dashboard_figures_come_from_the_read_replica(deployment):
    """Roll-up reads go to DATABASE_REPLICA_URL: a day that only the replica has is what the
    stats API reports, through either web process; the primary has no such row."""
    a, b = deployment.web_urls
    yesterday = dt.datetime.now(ZoneInfo("Asia/Baku")).date() - dt.timedelta(days=1)
    counts = ", ".join(["0"] * len(ROLLUP_COUNTS))
    with logs_on_failure(deployment):
        deployment.sql(
            f"""
            INSERT INTO feedback_centreday (day, centre_id, visits, updated_at, {", ".join(ROLLUP_COUNTS)})
            SELECT %s, id, 937, now(), {counts} FROM centres_centre WHERE code = %s
            """,
            (yesterday, CENTRE),
            replica=True,
        )
        for url in (a, b):
            answer = requests.get(
                f"{url}/api/v1/stats/satisfaction/",
                params={"centre": CENTRE, "from": yesterday.isoformat(), "to": yesterday.isoformat()},
                timeout=HTTP_TIMEOUT,
            )
            assert answer.status_code == 200, answer.text[:2000]
            assert answer.json()["summary"]["visits"] == 937
        assert deployment.sql("SELECT count(*) FROM feedback_centreday WHERE day = %s", (yesterday,)) == [(0,)]


# The counters of a CentreDay row besides visits (all NOT NULL, no default).
ROLLUP_COUNTS = [
    field.column
    for field in CentreDay._meta.concrete_fields
    if field.column not in ("id", "day", "centre_id", "visits", "updated_at")
]


def test_production_keeps_no_state_in_a_process():
    """Sessions and the cache (rate limits, locks) of the production settings live in PostgreSQL
    and Redis; nothing is in one process's memory."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(OUTER_ONLY)}
    env |= {
        "DJANGO_SETTINGS_MODULE": "asan_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.az",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/asan_portal",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'session': s.SESSION_ENGINE, 'caches': [c['BACKEND'] for c in s.CACHES.values()], "
        "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, "
        "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["session"] in (
        "asan_portal.sessions",
        "django.contrib.sessions.backends.cached_db",
        "django.contrib.sessions.backends.db",
    )
    assert found["caches"] == ["django.core.cache.backends.redis.RedisCache"]
    assert found["eager"] is False
    assert found["broker"].startswith("redis://")
    assert found["conn_max_age"] > 0
