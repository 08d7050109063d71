"""Throwaway real servers for the fault tests: Redis, PostgreSQL, gunicorn, Celery workers and an
SMS gateway, each on a free port of 127.0.0.1 and each this test's own, so stopping, freezing or
restarting one disturbs nobody else (the shared PostgreSQL and Redis are never touched).

Every process is started in its own session (process group) and stopped by its id, also when a
test fails.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
# Variables of the pytest process that must not leak into the servers it starts.
OUTER_ONLY = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_", "TEST_DATABASE_NAME", "PYTEST_", "CACHE_KEY_PREFIX")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, *, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def clean_env(**extra: str) -> dict:
    """The environment for a server process: ours without the test run's Django/Celery settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(OUTER_ONLY)}
    return env | {"PYTHONPATH": str(ROOT)} | extra


def stop_process(process: subprocess.Popen | None, *, timeout: float = 20) -> None:
    """TERM the process group we started (gunicorn's and Celery's children with it), then KILL."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGCONT)  # a frozen server cannot act on TERM
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- Redis ---------------------------------------------------------------------------------------


class RedisServer:
    """A throwaway redis-server that the tests may stop, restart, freeze and thaw."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        wait_for(lambda: self._pings(client), 10, "redis-server to answer")

    @staticmethod
    def _pings(client) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def stop(self):
        stop_process(self.process, timeout=10)

    def freeze(self):
        self.process.send_signal(signal.SIGSTOP)  # still accepts TCP (the kernel does), never answers

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)


def current_database_url() -> str:
    """The URL of the database this pytest run uses (its test database, once set up)."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


# --- Celery --------------------------------------------------------------------------------------


def start_worker(
    workdir: Path, broker_url: str, database_url: str, *, beat: bool, extra_env: dict | None = None, name: str = ""
):
    """`celery worker [--beat]` as `make worker` runs it, on this database and broker.

    Returns (process, log path); the log says what the worker ran."""
    name = name or f"worker-{workdir.name}"
    log = workdir / f"{name}.log"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="tests.appointments.worker_settings",
        DATABASE_URL=database_url,
        REDIS_URL=broker_url,
        NOTIFICATIONS_RELAY_EVERY_SECONDS="1",
        CELERY_BEAT_SCHEDULE_FILENAME=str(workdir / f"{name}-beat-schedule"),
    ) | (extra_env or {})
    command = [
        str(BIN / "celery"),
        "-A",
        "asan_portal",
        "worker",
        *(["--beat"] if beat else []),
        "--loglevel=INFO",
        f"--concurrency={2 if beat else 1}",
        "--without-gossip",
        "--without-mingle",
        f"--hostname={name}@%h",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_for(lambda: "ready." in log.read_text() or process.poll() is not None, 60, "the worker to start")
    assert process.poll() is None, log.read_text()[-3000:]
    return process, log


def pool_children(process: subprocess.Popen) -> list[int]:
    """The pids of a worker's pool processes (the ones that run tasks)."""
    found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


@contextlib.contextmanager
def publishing_to(broker_url: str):
    """This process publishes tasks to `broker_url`, as a web process does (not eagerly)."""
    from asan_portal.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = False
    drop_broker_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        drop_broker_connections()


def drop_broker_connections():
    # kombu keeps one pool per broker URL; forget the cached one so the next publish picks
    # the pool of the URL now configured.
    from asan_portal.celery import app

    app._pool = None
    app.amqp._producer_pool = None


# --- the portal over HTTP ------------------------------------------------------------------------


def start_portal(workdir: Path, *, database_url: str, redis_url: str, workers: int = 2, extra_env: dict | None = None):
    """gunicorn with asan_portal/gunicorn_conf.py and the production settings (tests.faults.
    portal_settings). Returns (process, base URL, log path)."""
    port = free_port()
    log = workdir / f"gunicorn-{port}.log"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="tests.faults.portal_settings",
        SECRET_KEY="faults-test-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        CONN_MAX_AGE="60",
        REDIS_URL=redis_url,
        WEB_CONCURRENCY=str(workers),
        GUNICORN_ACCESS_LOG="-",
        LOG_FORMAT="plain",
        SMS_BACKEND="appointments.sms.LogBackend",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    ) | (extra_env or {})
    command = [str(BIN / "gunicorn"), "-c", "python:asan_portal.gunicorn_conf", "--bind", f"127.0.0.1:{port}"]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "asan_portal.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"

    def answers():
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    wait_for(answers, 60, "gunicorn to listen")
    return process, url, log


# --- PostgreSQL ----------------------------------------------------------------------------------


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (initdb as the postgres user), on a free port,
    with its socket in its own directory, that the test may stop and start."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.log = directory / "postgres.log"

    def _as_postgres(self, *command: str, timeout: float = 120) -> None:
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1",
            "-w",
            action,
            *options,
        )

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(["chown", "-R", "postgres:postgres", str(self.directory)], check=True)
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self, mode: str = "immediate") -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", mode)

    def create_database(self, name: str) -> None:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


# --- an SMS gateway ------------------------------------------------------------------------------


class SmsGateway:
    """A real HTTP SMS gateway on a free port that records every request it gets (time, message
    id, the answer it gave). `behaviour(request_number)` decides each answer: an HTTP status, or
    ("sleep", seconds) to hold the request past the sender's timeout; by default 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.behaviour = lambda number: 200
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with gateway._lock:
                    number = len(gateway.requests)
                    answer = gateway.behaviour(number)
                    record = {"at": time.monotonic(), "message_id": body["message_id"], "answer": answer}
                    gateway.requests.append(record)
                if isinstance(answer, tuple):
                    time.sleep(answer[1])
                    answer = 200  # too late: the sender has given up; it will try again
                with contextlib.suppress(OSError):
                    self.send_response(answer)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}' if answer < 300 else b'{"error": "unavailable"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> Counter:
        """How many times each message id was accepted (answered 200 in time)."""
        with self._lock:
            return Counter(r["message_id"] for r in self.requests if r["answer"] == 200)

    def attempts(self) -> dict[str, list[float]]:
        with self._lock:
            found: dict[str, list[float]] = {}
            for r in self.requests:
                found.setdefault(r["message_id"], []).append(r["at"])
            return found

    def env(self) -> dict:
        """What a worker needs to send through this gateway."""
        return {"SMS_BACKEND": "appointments.sms.HttpGatewayBackend", "SMS_GATEWAY_URL": self.url}
