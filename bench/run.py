"""Orchestrates `make bench`: builds the stack, runs the load generator, reports, cleans up.

1. A PostgreSQL database of its own (BENCH_DATABASE_URL, default asan_bench: dropped and
   created), migrate, load_demo, and the table of the bare write view.
2. A real Celery worker and gunicorn (settings.bench: persistent connections, Redis cache and
   broker on a Redis database number of its own) on a free port of 127.0.0.1.
3. The load generator (bench.load) in a separate process: baselines (a bare view, a one-row
   write), availability, a booking rush on one day's times at one centre, and both at once;
   then the day's queue (bench.prepare_queue: 50 counters with signed-in operators and
   thousands of waiting tickets): citizens polling their live tickets and displays polling the
   feed, counters calling next (call-next, start, complete), and both at once; then the public
   pages (bench.prepare_pages): catalogue search (page and API), service pages, centre pages,
   earliest-time look-ups, and all of them at once.
4. `--scenario dashboard`: after the baselines, the ratings grow in bulk (bench.prepare_dashboard:
   1 million, then 10 million, with their roll-ups), and at each size the dashboard page and the
   stats API are read for the last 30 and 365 days by a few signed-in clients; the time to
   rebuild one day's roll-ups is measured at each size too.
5. After the load: the outbox drains through the worker, and SQL confirms that no counter
   holds overlapping appointments, no ticket was called twice and none was lost. Then everything started here is stopped and dropped.
Each row is judged against its target, a ratio to the bare view (bench.targets, ADR 17).
Results: bench/results/<timestamp>.json and bench/results/latest.md (latest-dashboard.md for the
dashboard scenario), also printed.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from bench.load import PAGE_KINDS
from bench.report import markdown_report
from bench.targets import targets_for

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SETTINGS = "asan_portal.settings.bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/asan_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
ACTIVE = ("held", "confirmed", "checked_in")
# TicketEvent.action of a first call (a recall is recorded under its own action).
QUEUE_CALL_ACTION = "call"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=100, help="concurrent clients (default 100)")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per phase (default 15)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=6.0,
        help="unmeasured seconds before each phase (default 6; longer than a slow answer)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap on requests per phase")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds")
    parser.add_argument("--keep-db", action="store_true", help="leave the benchmark database for inspection")
    parser.add_argument(
        "--scenario",
        choices=["all", "booking", "queue", "pages", "dashboard"],
        default="all",
        help="which phases (baselines always run; 'all' is booking, queue and pages, the dashboard runs on its own)",
    )
    parser.add_argument("--queue-counters", type=int, default=50, help="counters calling next (default 50)")
    parser.add_argument("--queue-tickets", type=int, default=2000, help="tickets issued beforehand (default 2000)")
    parser.add_argument("--ticket-pollers", type=int, default=300, help="citizens polling their ticket (default 300)")
    parser.add_argument("--display-pollers", type=int, default=20, help="waiting-room displays (default 20)")
    parser.add_argument(
        "--dashboard-sizes",
        default="1000000,10000000",
        help="ratings in the database for each round of the dashboard scenario (default 1000000,10000000)",
    )
    parser.add_argument(
        "--dashboard-clients",
        type=int,
        default=4,
        help="signed-in officials reading at once (default 4, one per worker)",
    )
    args = parser.parse_args(argv)
    if not (1 <= args.concurrency <= 1000 and 0 < args.duration <= 300 and 0 <= args.warmup <= 60):
        parser.error("concurrency 1-1000, duration up to 300 s, warm-up up to 60 s")
    return args


QUEUE_ROLE_KINDS = {
    "counters": ("call_next", "ticket_start", "ticket_complete"),
    "ticket_pollers": ("ticket_poll",),
    "display_pollers": ("display_poll",),
}


def phases(args=None) -> list[dict]:
    """The phases of a scenario, each with the target of each of its request kinds (bench.targets)."""
    scenario = getattr(args, "scenario", "all")
    chosen = [
        {"name": "baseline", "mix": [{"kind": "bare", "weight": 1}]},
        {"name": "baseline-write", "mix": [{"kind": "bare_write", "weight": 1}]},
    ]
    if scenario in ("all", "booking"):
        chosen += [
            {"name": "availability", "mix": [{"kind": "availability", "weight": 1}]},
            {"name": "booking-rush", "mix": [{"kind": "book", "weight": 1}]},
            {
                "name": "rush+availability",
                "mix": [{"kind": "book", "weight": 1}, {"kind": "availability", "weight": 1}],
            },
        ]
    if scenario in ("all", "queue"):
        pollers = {
            "ticket_pollers": getattr(args, "ticket_pollers", 300),
            "display_pollers": getattr(args, "display_pollers", 20),
        }
        counters = {"counters": getattr(args, "queue_counters", 50)}
        chosen += [
            {"name": "queue-polling", "roles": pollers},
            {"name": "queue-call-next", "roles": counters},
            {"name": "call-next+polling", "roles": counters | pollers},
        ]
    if scenario in ("all", "pages"):
        # The public reads (bench.prepare_pages picks the services, centres and searches).
        chosen += [
            {
                "name": "catalogue-search",
                "mix": [{"kind": "search_page", "weight": 1}, {"kind": "search_api", "weight": 1}],
            },
            {"name": "service-page", "mix": [{"kind": "service_page", "weight": 1}]},
            {"name": "centre-page", "mix": [{"kind": "centre_page", "weight": 1}]},
            {"name": "earliest", "mix": [{"kind": "earliest", "weight": 1}]},
            {"name": "pages-mixed", "mix": [{"kind": kind, "weight": 1} for kind in PAGE_KINDS]},
        ]
    for phase in chosen:
        phase["target"] = targets_for(phase_kinds(phase))
    return chosen


def phase_kinds(phase: dict) -> list[str]:
    """The request kinds a phase sends: its mix, or what its queue roles do."""
    if "roles" in phase:
        return [kind for role, n in phase["roles"].items() if n for kind in QUEUE_ROLE_KINDS[role]]
    return [entry["kind"] for entry in phase["mix"]]


DASHBOARD_KINDS = ("dashboard_30", "dashboard_365", "stats_30", "stats_365")


def _size_label(size: int) -> str:
    return f"{size / 1_000_000:g}M" if size >= 1_000_000 else f"{size:,}"


# A year's dashboard takes seconds per answer: a longer warm-up and window, so that requests
# start inside the window and enough of them finish.
SLOW_PHASE = {"dashboard_365": {"warmup": 25.0, "duration": 60.0}}


def dashboard_phases(size: int, clients: int) -> list[dict]:
    """One phase per page and range, all at the same number of ratings."""
    return [
        {"name": f"{kind.replace('_', '-')}d@{_size_label(size)}", "mix": [{"kind": kind, "weight": 1}]}
        | {"concurrency": clients}
        | SLOW_PHASE.get(kind, {})
        for kind in DASHBOARD_KINDS
    ]


def latest_name(scenario: str) -> str:
    """The dashboard's rounds take an hour and run on their own, so their table has a file of its
    own and a run of the other scenarios does not overwrite it (nor the other way round)."""
    return "latest-dashboard.md" if scenario == "dashboard" else "latest.md"


def run_load(plan: dict, env: dict) -> dict:
    """One run of the load generator (its own process, bounded); its measurements."""
    bound = (
        sum(
            phase.get("warmup", plan["warmup"]) + phase.get("duration", plan["duration"]) + plan["timeout"]
            for phase in plan["phases"]
        )
        + 60
    )
    load = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        cwd=ROOT,
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        timeout=bound,
        env={key: value for key, value in env.items() if key != "DJANGO_SETTINGS_MODULE"},
    )
    sys.stderr.write(load.stderr)
    if load.returncode != 0:
        raise RuntimeError("The load generator failed:\n" + load.stderr)
    return json.loads(load.stdout)


def dashboard_rounds(args, plan: dict, env: dict) -> tuple[list[dict], list[dict]]:
    """For each size: grow the ratings (bench.prepare_dashboard), then read the dashboard and
    the stats API. Returns the phases measured and what each preparation reported."""
    measured, prepared = [], []
    for size in [int(part) for part in args.dashboard_sizes.split(",") if part.strip()]:
        print(f"Dashboard: growing the ratings to {size:,} in bulk (progress below) ...", flush=True)
        process = subprocess.run(
            [sys.executable, "-m", "bench.prepare_dashboard", "--ratings", str(size)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            timeout=4 * 3600,
        )
        if process.returncode != 0:
            raise RuntimeError(f"Could not prepare {size:,} ratings (see the output above)")
        info = json.loads(process.stdout)
        prepared.append({key: value for key, value in info.items() if key != "session"} | {"size": size})
        cookie = f"Cookie: sessionid={info['session']}\r\n"
        round_plan = plan | {
            "target": plan["target"] | {"paths": info["paths"]},
            "headers": {"dashboard_30": cookie, "dashboard_365": cookie},
            "phases": dashboard_phases(size, args.dashboard_clients),
        }
        print(f"Dashboard at {info['ratings']:,} ratings: {len(round_plan['phases'])} phases ...", flush=True)
        phases_measured = run_load(round_plan, env)["phases"]
        for phase in phases_measured:
            for row in phase["rows"]:
                print(
                    f"  {row['phase']}: p50 {row['p50_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms, "
                    f"{row['rps']:.1f} req/s, answers {row['statuses']}, queries {row['queries']}",
                    flush=True,
                )
        measured += phases_measured
    return measured, prepared


# --- the processes this run starts -------------------------------------------------------------


class Stack:
    """Processes started here, each in its own process group; stopped by their ids only."""

    def __init__(self, logdir: Path):
        self.logdir = logdir
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes.clear()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(stack: Stack, port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stack.processes["gunicorn"].poll() is not None:
            raise RuntimeError("gunicorn stopped:\n" + stack.log_tail("gunicorn"))
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time:\n" + stack.log_tail("gunicorn"))


# --- database and Redis ---------------------------------------------------------------------------


def _connect(url: str, dbname: str | None = None):
    import psycopg2

    parts = urlparse(url)
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=dbname or parts.path.lstrip("/"),
        connect_timeout=5,
    )
    connection.autocommit = True
    return connection


def _database_name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if not name.startswith("asan_bench"):
        raise SystemExit(f"Refusing to drop {name!r}: the benchmark database's name must start with asan_bench.")
    return name


def database_recreate(url: str) -> None:
    name = _database_name(url)
    with contextlib.closing(_connect(url, dbname="postgres")) as admin, admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    name = _database_name(url)
    with contextlib.closing(_connect(url, dbname="postgres")) as admin, admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(url: str, query: str, params=()) -> list[tuple]:
    with contextlib.closing(_connect(url)) as connection, connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def redis_flush(url: str) -> None:
    """Empty the benchmark's own Redis database (never database 0, the development one)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    if int(client.connection_pool.connection_kwargs.get("db", 0)) == 0:
        raise SystemExit(
            "BENCH_REDIS_URL must name a Redis database of its own (not 0), e.g. redis://127.0.0.1:6379/12"
        )
    client.flushdb()
    client.close()


# --- steps ------------------------------------------------------------------------------------------


def manage(env: dict, *arguments: str, timeout: float = 600) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def outbox_drain(url: str, seconds: float = 60) -> dict:
    """Wait (bounded) until the worker has relayed every due message; the outbox by status."""
    deadline = time.monotonic() + seconds
    while True:
        rows = dict(
            sql(url, "SELECT status, count(*) FROM appointments_notification WHERE send_after <= now() GROUP BY status")
        )
        if not rows.get("pending") or time.monotonic() > deadline:
            rows["seconds_waited"] = round(seconds - max(0.0, deadline - time.monotonic()), 1)
            return rows
        time.sleep(1)


def overlaps(url: str) -> int:
    """Pairs of active appointments on the same counter whose times overlap (must be 0)."""
    return sql(
        url,
        """
        SELECT count(*) FROM appointments_appointment a
        JOIN appointments_appointment b ON a.counter_id = b.counter_id AND a.id < b.id
        WHERE a.status IN %s AND b.status IN %s
          AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
        """,
        (ACTIVE, ACTIVE),
    )[0][0]


TICKET_CALLED_TWICE = """
    SELECT count(*) FROM (
        SELECT ticket_id FROM appointments_ticketevent WHERE action = %s GROUP BY ticket_id HAVING count(*) > 1
    ) AS twice
"""


def queue_after(url: str, issued: int) -> dict:
    """The queue after the load, from SQL: tickets by status, how many were called more than once
    (must be 0) and how many of those issued are missing (must be 0)."""
    by_status = dict(sql(url, "SELECT status, count(*) FROM appointments_ticket GROUP BY status"))
    return {
        "tickets_by_status": by_status,
        "called_twice": sql(url, TICKET_CALLED_TWICE, (QUEUE_CALL_ACTION,))[0][0],
        "lost": issued - sum(by_status.values()),
        "calls_recorded": sql(
            url, "SELECT count(*) FROM appointments_ticketevent WHERE action = %s", (QUEUE_CALL_ACTION,)
        )[0][0],
    }


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "BENCH_DATABASE_URL": database_url,
        "BENCH_REDIS_URL": redis_url,
        "PYTHONPATH": str(ROOT),
    }
    bin_dir = Path(sys.executable).parent
    logdir = Path(tempfile.mkdtemp(prefix="asan-bench-"))
    stack = Stack(logdir)
    started = time.monotonic()

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        print("Checking PostgreSQL and Redis ...", flush=True)
        try:
            _connect(database_url, dbname="postgres").close()
            redis_flush(redis_url)
        except Exception as error:  # noqa: BLE001 - tell the user what is missing, plainly
            print(f"PostgreSQL or Redis is not reachable ({error}). Start them (see README) and retry.")
            return 2
        print(f"Creating {_database_name(database_url)}, migrating, loading the demo data ...", flush=True)
        database_recreate(database_url)
        manage(env, "migrate", "--no-input", "-v", "0")
        # The year of demo visits is left out: the dashboard scenario makes its own, in bulk.
        manage(env, "load_demo", "--no-history")
        sql(database_url, "CREATE TABLE bench_write (id bigserial PRIMARY KEY, written_at timestamptz NOT NULL)")
        prepared = subprocess.run(
            [sys.executable, "-m", "bench.prepare"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        if prepared.returncode != 0:
            raise RuntimeError("Could not pick the rush target:\n" + prepared.stderr)
        target = json.loads(prepared.stdout)
        print(
            f"Rush target: {target['service']} at {target['centre']} on {target['date']} "
            f"({len(target['starts'])} free start times, {target['counters']} counters, "
            f"{target['duration_minutes']} min each)",
            flush=True,
        )

        queue_plan = {"counters": [], "tokens": [], "tickets": 0, "display_path": "/"}
        if any("roles" in phase for phase in phases(args)):
            print(f"Queue: {args.queue_counters} counters with operators, {args.queue_tickets} tickets ...", flush=True)
            prepared = subprocess.run(
                [sys.executable, "-m", "bench.prepare_queue"]
                + ["--counters", str(args.queue_counters), "--tickets", str(args.queue_tickets)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            if prepared.returncode != 0:
                raise RuntimeError("Could not prepare the queue:\n" + prepared.stderr)
            queue_plan = json.loads(prepared.stdout)

        pages_plan = None
        if any(set(phase_kinds(phase)) & set(PAGE_KINDS) for phase in phases(args)):
            prepared = subprocess.run(
                [sys.executable, "-m", "bench.prepare_pages"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if prepared.returncode != 0:
                raise RuntimeError("Could not pick the pages to read:\n" + prepared.stderr)
            pages_plan = json.loads(prepared.stdout)
            print(
                f"Pages: {len(pages_plan['services'])} services ({len(pages_plan['bookable'])} bookable), "
                f"{len(pages_plan['centres'])} centres, {len(pages_plan['searches'])} searches",
                flush=True,
            )

        port = free_port()
        stack.start(
            "celery",
            [str(bin_dir / "celery"), "-A", "asan_portal", "worker", "--concurrency", "1", "--pool", "prefork"]
            + ["--without-gossip", "--without-mingle", "-l", "warning"],
            env,
        )
        stack.start(
            "gunicorn",
            [str(bin_dir / "gunicorn"), "asan_portal.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(args.workers), "--worker-class", "sync", "--backlog", "2048"]
            + ["--timeout", "60", "--log-level", "warning"],
            env,
        )
        wait_until_ready(stack, port)
        print(
            f"gunicorn ({args.workers} sync workers) and a Celery worker up on 127.0.0.1:{port}; "
            f"{len(phases(args))} phases of {args.warmup:g}+{args.duration:g} s, {args.concurrency} clients",
            flush=True,
        )

        plan = {
            "host": "127.0.0.1",
            "port": port,
            "concurrency": args.concurrency,
            "duration": args.duration,
            "warmup": args.warmup,
            "max_requests": args.max_requests,
            "timeout": args.timeout,
            "target": target | {"pages": pages_plan} if pages_plan else target,
            "queue": queue_plan,
            "phases": phases(args),
        }
        measured = run_load(plan, env)
        dashboard = None
        if args.scenario == "dashboard":
            dashboard_measured, dashboard = dashboard_rounds(args, plan, env)
            measured["phases"] += dashboard_measured

        print("Waiting for the worker to relay the outbox ...", flush=True)
        outbox = outbox_drain(database_url)
        booked = dict(sql(database_url, "SELECT status, count(*) FROM appointments_appointment GROUP BY status"))
        overlapping = overlaps(database_url)
        written = sql(database_url, "SELECT count(*) FROM bench_write")[0][0]
        queue_state = queue_after(database_url, queue_plan["tickets"]) if queue_plan["tickets"] else None
        stack.stop()

        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        result = {
            "timestamp": stamp,
            "scenario": args.scenario,
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "settings": {
                "gunicorn_workers": args.workers,
                "worker_class": "sync",
                "celery_worker_concurrency": 1,
                "concurrency": args.concurrency,
                "warmup_s": args.warmup,
                "duration_s": args.duration,
                "conn_max_age": 60,
            },
            "target": {key: value for key, value in target.items() if key != "starts"}
            | {"free_start_times": len(target["starts"])},
            "queue": {
                "centre": queue_plan.get("centre"),
                "services": queue_plan.get("services", []),
                "counters": len(queue_plan["counters"]),
                "tickets_issued": queue_plan["tickets"],
            },
            "phases": measured["phases"],
            "after": {
                "appointments_by_status": booked,
                "overlapping_pairs_per_counter": overlapping,
                "outbox_due_by_status": outbox,
                "bare_rows_written": written,
                "queue": queue_state,
            },
            "pages": {
                "services": len(pages_plan["services"]),
                "bookable": len(pages_plan["bookable"]),
                "centres": len(pages_plan["centres"]),
                "searches": len(pages_plan["searches"]),
                "search_examples": [f"{item['lang']}: {item['q']}" for item in pages_plan["searches"][:12]],
            }
            if pages_plan
            else None,
            "dashboard": dashboard,
            "elapsed_s": round(time.monotonic() - started, 1),
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
        report = markdown_report(result)
        (RESULTS / latest_name(args.scenario)).write_text(report)
        print()
        print(report)
        if overlapping:
            print("FAILED: a counter holds overlapping appointments.")
            return 1
        called_twice_seen = sum(phase.get("called", {}).get("called_twice", 0) for phase in measured["phases"])
        if queue_state and (queue_state["called_twice"] or queue_state["lost"] or called_twice_seen):
            print("FAILED: a ticket was called twice or lost.")
            return 1
        return 0
    except KeyboardInterrupt:
        print("Interrupted; cleaning up.")
        return 130
    finally:
        stack.stop()
        if not args.keep_db:
            with contextlib.suppress(Exception):
                database_drop(database_url)
        with contextlib.suppress(Exception):
            redis_flush(redis_url)
        print(f"Server and worker logs: {logdir}")
