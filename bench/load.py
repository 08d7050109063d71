"""The load generator: many concurrent clients over HTTP/1.1 to 127.0.0.1, in its own process.

Reads a plan (JSON) on stdin and writes the measurements (JSON) on stdout. It never imports
Django, so it shares nothing with the server but the socket. A closed loop: each of
`concurrency` clients sends its next request when the previous answer is in, for `warmup`
seconds (not counted) and then `duration` seconds. A request counts in the latency figures when
it started inside the measured window (it is waited for); throughput counts the answers that
arrived inside the window, whenever their request started.

Every loop is bounded: by the clock, by `max_requests` per phase and by a per-request timeout.
The client is a few lines of asyncio rather than a library: one connection per request (the
gunicorn sync workers close it after each answer), no parsing beyond the status line and the
X-Queries header, so it costs little CPU beside the server on a small machine.
"""

import asyncio
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from urllib.parse import urlencode

HOST = "127.0.0.1"
EXPECTED = {
    "bare": {200},
    "bare_write": {200},
    "availability": {200},
    "book": {201, 409},
    # The queue (bench.prepare_queue builds its counters, operators and tickets).
    "call_next": {200, 201, 204},
    "ticket_start": {200},
    "ticket_complete": {200},
    "ticket_poll": {200},
    "display_poll": {200},
    # The dashboard scenario (bench.prepare_dashboard names the paths; the page needs a session).
    "dashboard_30": {200},
    "dashboard_365": {200},
    "stats_30": {200},
    "stats_365": {200},
    # The public pages (bench.prepare_pages names the services, centres and searches).
    "search_page": {200},
    "search_api": {200},
    "service_page": {200},
    "centre_page": {200},
    "earliest": {200},
}
# Languages of the pages read, Azerbaijani (the default) most.
PAGE_LANGUAGES = (("az", 4), ("en", 1), ("ru", 1))


class Citizens:
    """A new citizen (FIN, mobile number, client address) for every booking request."""

    def __init__(self, seed: int):
        self.n = seed

    def next(self) -> dict:
        self.n += 1
        n = self.n
        fin = "B" + _base36(n).rjust(6, "0")
        return {
            "full_name": f"Bench Citizen {n}",
            "fin": fin[-7:],
            "phone": f"+99450{n % 10_000_000:07d}",
            "address": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}",
        }


def _base36(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


def build_request(kind: str, target: dict, citizens: Citizens, rng: random.Random) -> tuple[str, str, bytes, str]:
    """(method, path, body, client address) for one request of `kind`."""
    person = citizens.next()
    if kind in target.get("paths", {}):
        return "GET", target["paths"][kind], b"", person["address"]
    if kind == "bare":
        return "GET", "/bench/bare/", b"", person["address"]
    if kind == "bare_write":
        return "POST", "/bench/bare-write/", b"", person["address"]
    if kind == "availability":
        path = f"/api/v1/availability/?service={target['service']}&centre={target['centre']}&date={target['date']}"
        return "GET", path, b"", person["address"]
    if kind == "book":
        body = {
            "service": target["service"],
            "centre": target["centre"],
            "start": rng.choice(target["starts"]),
            "full_name": person["full_name"],
            "fin": person["fin"],
            "phone": person["phone"],
            "language": "en",
        }
        return "POST", "/api/v1/appointments/", json.dumps(body).encode(), person["address"]
    if kind in PAGE_KINDS:
        return "GET", page_path(kind, target["pages"], rng), b"", person["address"]
    raise ValueError(f"unknown request kind {kind!r}")


PAGE_KINDS = ("search_page", "search_api", "service_page", "centre_page", "earliest")


def page_path(kind: str, pages: dict, rng: random.Random) -> str:
    """A public read of `kind` over the services, centres and searches of bench.prepare_pages."""
    language = rng.choices([code for code, _ in PAGE_LANGUAGES], [weight for _, weight in PAGE_LANGUAGES])[0]
    if kind == "search_page":
        search = rng.choice(pages["searches"])
        return f"/{search['lang']}/services/?{urlencode({'q': search['q']})}"
    if kind == "search_api":
        search = rng.choice(pages["searches"])
        return f"/api/v1/services/?{urlencode({'search': search['q'], 'lang': search['lang']})}"
    if kind == "service_page":
        return f"/{language}/services/{rng.choice(pages['services'])}/"
    if kind == "centre_page":
        return f"/{language}/centres/{rng.choice(pages['centres'])}/"
    if kind == "earliest":
        return f"/api/v1/availability/earliest/?{urlencode({'service': rng.choice(pages['bookable'])})}"
    raise ValueError(f"unknown page kind {kind!r}")


async def http(
    port: int, method: str, path: str, body: bytes, address: str, timeout: float, *, headers: str = "", answer=None
) -> tuple[int, int | None]:
    """One request on a fresh connection; (status, X-Queries or None). `headers` are extra header
    lines (a signed-in device's cookie); `answer`, a list, receives the raw body when given."""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n"
        f"X-Forwarded-For: {address}\r\nAccept: application/json\r\n{headers}"
    )
    if method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    try:
        writer.write(head.encode() + b"\r\n" + body)
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    if answer is not None:
        answer.append(raw.split(b"\r\n\r\n", 1)[-1])
    header_block = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(header_block[0].split(" ", 2)[1])
    queries = None
    for line in header_block[1:]:
        name, _sep, value = line.partition(":")
        if name.strip().lower() == "x-queries":
            queries = int(value.strip())
    return status, queries


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), math.ceil(fraction * len(sorted_values))))
    return sorted_values[rank - 1]


def _device_headers(device: dict) -> str:
    """Cookie and CSRF header of a signed-in device (an operator's counter, a kiosk)."""
    return f"Cookie: sessionid={device['session']}; csrftoken={device['csrf']}\r\nX-CSRFToken: {device['csrf']}\r\n"


def _ticket_id(body: bytes) -> int | None:
    """The id in a JSON answer (a called ticket), else None."""
    try:
        return int(json.loads(body.split(b"\r\n\r\n", 1)[-1] or b"null")["id"])
    except (ValueError, TypeError, KeyError):
        return None


async def run_queue_phase(plan: dict, phase: dict, rng: random.Random) -> dict:
    """Clients with a role each: counters working the line (call next, start, complete), citizens
    polling their live ticket, waiting-room displays polling the feed. A counter stops when
    call-next answers 204 (nobody waiting). Every ticket id a call-next returned is kept, so a
    ticket called twice shows up here as well as in SQL."""
    port, timeout = plan["port"], plan["timeout"]
    queue = plan["queue"]
    started = time.perf_counter()
    window_start = started + plan["warmup"]
    window_end = window_start + plan["duration"]
    issued = 0
    records = []
    failures = Counter()
    called_ids = []

    async def send(kind, method, path, *, headers="", answer=None):
        nonlocal issued
        issued += 1
        address = f"10.200.{rng.randrange(256)}.{rng.randrange(256)}"
        begin = time.perf_counter()
        try:
            status, queries = await http(port, method, path, b"", address, timeout, headers=headers, answer=answer)
        except (TimeoutError, OSError, ValueError, IndexError) as error:
            status, queries = 0, None
            failures[type(error).__name__] += 1
        records.append((kind, status, begin, time.perf_counter(), queries))
        return status

    def running() -> bool:
        return time.perf_counter() < window_end and issued < plan["max_requests"]

    async def counter_client(device):
        headers = _device_headers(device)
        while running():
            answer = []
            status = await send(
                "call_next", "POST", f"/api/v1/counters/{device['counter']}/call-next/", headers=headers, answer=answer
            )
            if status == 204:
                return  # nobody waiting any more
            ticket = _ticket_id(answer[0]) if status in (200, 201) and answer else None
            if ticket is None:
                await asyncio.sleep(0.05)
                continue
            called_ids.append(ticket)
            await send("ticket_start", "POST", f"/api/v1/tickets/{ticket}/start/", headers=headers)
            await send("ticket_complete", "POST", f"/api/v1/tickets/{ticket}/complete/", headers=headers)

    async def ticket_client():
        while running():
            await send("ticket_poll", "GET", f"/api/v1/tickets/{rng.choice(queue['tokens'])}/")

    async def display_client():
        while running():
            await send("display_poll", "GET", queue["display_path"])

    clients = []
    roles = phase["roles"]
    if roles.get("counters"):
        clients += [counter_client(device) for device in queue["counters"][: roles["counters"]]]
    clients += [ticket_client() for _ in range(roles.get("ticket_pollers", 0))]
    clients += [display_client() for _ in range(roles.get("display_pollers", 0))]
    await asyncio.gather(*clients)
    summary = summarise(phase["name"], records, window_start, window_end, plan["duration"], failures, len(clients))
    repeats = Counter(called_ids)
    summary["called"] = {"tickets": len(repeats), "called_twice": sum(1 for n in repeats.values() if n > 1)}
    return summary


async def run_phase(plan: dict, phase: dict, citizens: Citizens, rng: random.Random) -> dict:
    if "roles" in phase:
        return await run_queue_phase(plan, phase, rng)
    port, timeout = plan["port"], plan["timeout"]
    kinds = [entry["kind"] for entry in phase["mix"]]
    weights = [entry["weight"] for entry in phase["mix"]]
    concurrency = phase.get("concurrency", plan["concurrency"])
    started = time.perf_counter()
    duration = phase.get("duration", plan["duration"])
    window_start = started + phase.get("warmup", plan["warmup"])  # a slow page may need longer
    window_end = window_start + duration
    issued = 0
    records = []  # (kind, status, began, ended, queries)
    failures = Counter()

    async def client():
        nonlocal issued
        while time.perf_counter() < window_end and issued < plan["max_requests"]:
            issued += 1
            kind = rng.choices(kinds, weights)[0]
            method, path, body, address = build_request(kind, plan["target"], citizens, rng)
            headers = plan.get("headers", {}).get(kind, "")
            begin = time.perf_counter()
            try:
                status, queries = await http(port, method, path, body, address, timeout, headers=headers)
            except (TimeoutError, OSError, ValueError, IndexError) as error:
                status, queries = 0, None
                failures[type(error).__name__] += 1
            records.append((kind, status, begin, time.perf_counter(), queries))

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return summarise(phase["name"], records, window_start, window_end, duration, failures, concurrency)


def summarise(name, records, window_start, window_end, duration, failures, concurrency) -> dict:
    rows = []
    by_kind = defaultdict(list)
    for record in records:
        by_kind[record[0]].append(record)
    for kind, everything in by_kind.items():
        # Throughput: answers that arrived inside the window, whenever their request started.
        answered_in_window = sum(1 for item in everything if window_start <= item[3] <= window_end)
        # Latency and answers: requests that started inside the window (waited for to the end).
        items = [item for item in everything if item[2] >= window_start]
        latencies = sorted(item[3] - item[2] for item in items)
        statuses = Counter(item[1] for item in items)
        # Queries per answer: every request of the phase, warm-up included (a rush books early).
        queries = defaultdict(list)
        for item in everything:
            if item[4] is not None:
                queries[item[1]].append(item[4])
        errors = sum(count for status, count in statuses.items() if status == 0 or status >= 500)
        unexpected = sum(
            count for status, count in statuses.items() if status not in EXPECTED[kind] and 0 < status < 500
        )
        rows.append(
            {
                "phase": name,
                "kind": kind,
                "concurrency": concurrency,
                "requests": len(items),
                "rps": answered_in_window / duration,
                "p50_ms": percentile(latencies, 0.50) * 1000,
                "p95_ms": percentile(latencies, 0.95) * 1000,
                "p99_ms": percentile(latencies, 0.99) * 1000,
                "max_ms": latencies[-1] * 1000 if latencies else float("nan"),
                "statuses": {str(status): count for status, count in sorted(statuses.items())},
                "errors": errors,
                "unexpected": unexpected,
                "queries": {
                    str(status): {"min": min(values), "median": sorted(values)[len(values) // 2], "max": max(values)}
                    for status, values in sorted(queries.items())
                },
            }
        )
    return {"phase": name, "rows": rows, "client_failures": dict(failures)}


async def run(plan: dict) -> dict:
    if plan.get("host", HOST) != HOST:
        raise SystemExit("The load generator only talks to 127.0.0.1.")
    rng = random.Random(plan.get("seed", 1))
    citizens = Citizens(seed=plan.get("seed", 1) * 1_000_000)
    phases = []
    for phase in plan["phases"]:
        summary = await run_phase(plan, phase, citizens, rng)
        summary["target"] = phase.get("target", {})
        phases.append(summary)
        print(f"  {phase['name']}: done", file=sys.stderr, flush=True)
    return {"phases": phases}


def main() -> int:
    plan = json.load(sys.stdin)
    json.dump(asyncio.run(run(plan)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
