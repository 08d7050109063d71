"""PostgreSQL restarted under load (issue 7): clean 503s while it is away, and the same web
processes answer 200 again by themselves once it is back.

The test has a PostgreSQL cluster of its own (initdb, a free port; the shared server is never
touched), migrated and filled with the demo data, and gunicorn with the production settings
(two workers, persistent connections with health checks: tests/faults/portal_settings.py).
A few threads read the catalogue page, a service page, the earliest-time API and the
satisfaction statistics API without pause while PostgreSQL is stopped (`-m fast`, which cuts
every open connection), kept down for DOWN_SECONDS and started again.
"""

import contextlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
import requests

from tests.faults.servers import (
    ROOT,
    PostgresCluster,
    RedisServer,
    clean_env,
    pool_children,
    start_portal,
    stop_process,
    wait_for,
)

pytestmark = pytest.mark.slow

THREADS = 4
DOWN_SECONDS = 3  # PostgreSQL is away this long: every reader meets it at least once
REQUEST_BOUND = 5.0  # no answer may take longer (a hung request would)
RECOVERY_BOUND = 5.0  # all answers are 200 again this soon after PostgreSQL accepts connections
AFTER_SECONDS = 10  # the load goes on this long after the restart


@dataclass
class Answer:
    started: float
    took: float
    path: str
    status: int | None
    retry_after: str | None
    body: str
    error: str = ""


@pytest.fixture
def portal():
    """The cluster, its migrated demo database, a Redis and gunicorn; all removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="asan-faults-pg-"))  # postgres must reach it: not pytest's 0700 tmp
    cluster = PostgresCluster(workdir)  # chowned to postgres by init(); root still writes the logs here
    redis_server = RedisServer()
    process = None
    try:
        cluster.init()
        cluster.start()
        cluster.create_database("asan")
        redis_server.start()
        env = clean_env(
            DJANGO_SETTINGS_MODULE="tests.faults.portal_settings",
            SECRET_KEY="faults-test-" + "x" * 50,
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=cluster.url("asan"),
            REDIS_URL=redis_server.url,
        )
        for command in (["migrate", "--no-input", "-v", "0"], ["load_demo", "--no-history"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, done.stderr[-3000:]
        process, url, log = start_portal(
            workdir,
            database_url=cluster.url("asan"),
            redis_url=redis_server.url,
            extra_env={"RATE_LIMIT_AVAILABILITY": "1000000/m"},
        )
        yield cluster, process, url, log
    finally:
        stop_process(process)
        redis_server.stop()
        with contextlib.suppress(AssertionError, subprocess.SubprocessError):
            cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _paths(cluster: PostgresCluster) -> list[str]:
    connection = psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="asan")
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT code FROM services_service WHERE is_published AND is_active AND bookable_online ORDER BY code"
            )
            service = cursor.fetchone()[0]
            cursor.execute("SELECT code FROM centres_centre WHERE is_active ORDER BY code")
            centre = cursor.fetchone()[0]
    finally:
        connection.close()
    return [
        "/az/services/",
        f"/az/services/{service}/",
        f"/api/v1/availability/earliest/?service={service}",
        f"/api/v1/stats/satisfaction/?centre={centre}",
    ]


def _read(url: str, path: str) -> Answer:
    started = time.monotonic()
    try:
        response = requests.get(url + path, timeout=REQUEST_BOUND * 2)
    except requests.RequestException as error:
        return Answer(started, time.monotonic() - started, path, None, None, "", error=repr(error))
    return Answer(
        started,
        time.monotonic() - started,
        path,
        response.status_code,
        response.headers.get("Retry-After"),
        response.text,
    )


def _is_clean_503(answer: Answer) -> bool:
    if answer.status != 503 or answer.retry_after is None or "Traceback" in answer.body:
        return False
    if answer.path.startswith("/api/"):
        return '"code":"unavailable"' in answer.body.replace(" ", "")
    return '<html lang="az"' in answer.body


def test_postgresql_restarted_under_load_gives_clean_503s_and_the_same_processes_recover(portal):
    cluster, gunicorn, url, log = portal
    paths = _paths(cluster)
    answers: list[Answer] = []
    stop = threading.Event()

    def reader(offset: int):
        n = offset
        while not stop.is_set():
            answers.append(_read(url, paths[n % len(paths)]))
            n += 1

    # given: every page answers under load
    for path in paths:
        assert _read(url, path).status == 200, (path, log.read_text()[-3000:])
    web_workers = sorted(pool_children(gunicorn))
    threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: sum(a.status == 200 for a in answers) >= 20, 30, "load before the restart")
        # when: PostgreSQL stops (cutting every connection), stays away a moment, and starts again
        down_at = time.monotonic()
        cluster.stop("fast")
        time.sleep(DOWN_SECONDS)  # the outage itself, not a wait for a result
        cluster.start()
        up_at = time.monotonic()
        wait_for(lambda: time.monotonic() - up_at > AFTER_SECONDS, AFTER_SECONDS + 5, "the load after the restart")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_BOUND * 3)

    # then: every request was answered, in time, with 200 or a clean 503 ...
    assert [a.error for a in answers if a.error] == []
    assert {a.status for a in answers} <= {200, 503}, {(a.status, a.path) for a in answers}
    unavailable = [a for a in answers if a.status == 503]
    assert unavailable, "no request met the restart: the test proved nothing"
    assert all(_is_clean_503(a) for a in unavailable), [a.body[:300] for a in unavailable if not _is_clean_503(a)]
    assert max(a.took for a in answers) < REQUEST_BOUND
    assert all(a.status == 200 for a in answers if a.started + a.took < down_at)
    # ... and the same processes answer 200 again soon, with nothing done by hand
    last_503 = max(a.started + a.took for a in unavailable)
    recovered_after = max(0.0, last_503 - up_at)
    assert recovered_after < RECOVERY_BOUND
    after = [a for a in answers if a.started > up_at + RECOVERY_BOUND]
    assert after and all(a.status == 200 for a in after)
    assert sorted(pool_children(gunicorn)) == web_workers
    assert "Traceback" not in log.read_text()

    print(
        f"\nFAULTS postgres restart under load ({THREADS} readers, down {DOWN_SECONDS} s): {len(answers)} requests, "
        f"{len(unavailable)} answered 503 + Retry-After, none 500 or unanswered; max latency "
        f"{max(a.took for a in answers):.2f} s (503s max {max(a.took for a in unavailable):.2f} s); "
        f"all 200 again {recovered_after:.2f} s after PostgreSQL was back, same {len(web_workers)} gunicorn workers"
    )
