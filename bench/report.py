"""The Markdown table of a benchmark run (bench/results/latest.md, latest-dashboard.md)."""

from bench.targets import CACHEABLE, COMPUTED, CONTENDED, target_check

KIND_LABELS = {
    "bare": "GET bare view (no DB)",
    "bare_write": "POST one-row write",
    "availability": "GET /api/v1/availability/",
    "book": "POST /api/v1/appointments/",
    "call_next": "POST /api/v1/counters/{id}/call-next/",
    "ticket_start": "POST /api/v1/tickets/{id}/start/",
    "ticket_complete": "POST /api/v1/tickets/{id}/complete/",
    "ticket_poll": "GET /api/v1/tickets/{token}/",
    "display_poll": "GET display feed.json",
    "dashboard_30": "GET dashboard page, 30 days",
    "dashboard_365": "GET dashboard page, 365 days",
    "stats_30": "GET /api/v1/stats/satisfaction/, 30 days",
    "stats_365": "GET /api/v1/stats/satisfaction/, 365 days",
    "search_page": "GET /{lang}/services/?q= (search page)",
    "search_api": "GET /api/v1/services/?search=",
    "service_page": "GET /{lang}/services/{code}/",
    "centre_page": "GET /{lang}/centres/{code}/",
    "earliest": "GET /api/v1/availability/earliest/",
}
SCENARIO_TITLES = {
    "all": "booking, queue and pages",
    "booking": "booking",
    "queue": "queue",
    "pages": "public pages",
    "dashboard": "dashboard",
}
TARGETS_EXPLAINED = (
    "Targets (`bench/targets.py`, ADR 17) bound each row's p50 by a multiple of the bare view's p50 per client "
    "(in a closed loop latency grows with the clients waiting, so 320 clients may wait 3.2 times longer than 100): "
    f"≤ {CACHEABLE:g}× for answers that are the same for everyone for a while and can be cached (service and "
    f"centre pages, the display feed, a live ticket); ≤ {COMPUTED:g}× for reads that must be computed fresh from "
    "a handful of queries (search, availability, earliest times) and single-ticket updates; "
    f"≤ {CONTENDED:g}× for writes that queue on a few locked rows by design (a booking rush, call-next); ≤ 2× for "
    "the one-row write. A missed target is work to do, not a failed run."
)


def _answers(statuses: dict) -> str:
    return ", ".join(f"{status}×{count}" for status, count in statuses.items())


def _queries(queries: dict) -> str:
    parts = []
    for status, spread in queries.items():
        if spread["min"] == spread["max"]:
            parts.append(f"{status}: {spread['min']}")
        else:
            parts.append(f"{status}: {spread['min']}–{spread['max']} (median {spread['median']})")
    return "; ".join(parts)


def markdown_report(result: dict) -> str:
    rows = [row for phase in result["phases"] for row in phase["rows"]]
    row_targets = [phase.get("target", {}).get(row["kind"]) for phase in result["phases"] for row in phase["rows"]]
    baseline = next((row for row in rows if row["kind"] == "bare"), None)
    checks = [target_check(row, goal, baseline) for row, goal in zip(rows, row_targets, strict=True)]
    target, settings, after = result["target"], result["settings"], result["after"]
    # Runs from before the scenario was recorded were the dashboard's or booking and queue.
    scenario = result.get("scenario") or ("dashboard" if result.get("dashboard") else "booking-queue")
    title = SCENARIO_TITLES.get(scenario, "booking and queue")
    lines = [
        f"# Benchmark ({title}) {result['timestamp']}",
        "",
        f"{result['machine']['cpus']} CPUs, Python {result['machine']['python']}; gunicorn "
        f"{settings['gunicorn_workers']} {settings['worker_class']} workers, persistent DB connections, "
        f"a Celery worker; {settings['concurrency']} concurrent clients over HTTP on 127.0.0.1 (closed loop, "
        f"one connection per request); {settings['warmup_s']:g} s warm-up + {settings['duration_s']:g} s "
        "measured per phase. Load generator, server, worker, PostgreSQL and Redis share the machine.",
        "",
        f"Rush target: `{target['service']}` at `{target['centre']}` on {target['date']} "
        f"({target['free_start_times']} free start times, {target['counters']} counters, "
        f"{target['duration_minutes']} min each). Every booking is a new citizen (FIN, phone, address).",
        "",
        TARGETS_EXPLAINED + _targets_tally(checks),
        "",
        "| Phase | Request | Clients | Requests | req/s | p50 ms | p95 ms | p99 ms | max ms | Answers | Errors "
        "| SQL queries per answer | req/s ÷ bare | p50 ÷ bare | Target: p50 per client ÷ bare |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---|",
    ]
    for row, (check, _met) in zip(rows, checks, strict=True):
        ratio_rps = ratio_p50 = "–"
        if baseline and baseline["rps"] and baseline["p50_ms"]:
            ratio_rps = f"{row['rps'] / baseline['rps']:.2f}"
            ratio_p50 = f"{row['p50_ms'] / baseline['p50_ms']:.1f}"
        lines.append(
            f"| {row['phase']} | {KIND_LABELS.get(row['kind'], row['kind'])} | {row.get('concurrency', '')} "
            f"| {row['requests']} | {row['rps']:.0f} "
            f"| {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.0f} "
            f"| {_answers(row['statuses'])} | {row['errors'] + row['unexpected']} | {_queries(row['queries'])} "
            f"| {ratio_rps} | {ratio_p50} | {check} |"
        )
    by_status = ", ".join(f"{status} {count}" for status, count in sorted(after["appointments_by_status"].items()))
    outbox = {key: value for key, value in after["outbox_due_by_status"].items() if key != "seconds_waited"}
    lines += [
        "",
        "Errors: connection failures, timeouts and 5xx, plus answers other than the expected ones "
        "(200; 201 or 409 for a booking). In the mixed phase each request type has about half the clients.",
        "",
        f"After the run: appointments {by_status or 'none'}; overlapping pairs on one counter (SQL): "
        f"{after['overlapping_pairs_per_counter']}; outbox of due messages {outbox} after "
        f"{after['outbox_due_by_status']['seconds_waited']} s for the worker; total {result['elapsed_s']} s.",
        "",
    ]
    queue, queue_after = result.get("queue"), after.get("queue")
    if queue and queue_after:
        tickets = ", ".join(f"{status} {count}" for status, count in sorted(queue_after["tickets_by_status"].items()))
        seen_twice = sum(phase.get("called", {}).get("called_twice", 0) for phase in result["phases"])
        lines += [
            f"Queue: `{queue['centre']}`, {queue['counters']} counters handling the same "
            f"{len(queue['services'])} services, each worked by its own operator (signed in through "
            f"`counter_session_open`, a session cookie per client); {queue['tickets_issued']} tickets issued "
            "through `ticket_issue` beforehand, every other one with a phone (so the SMS path runs). A counter "
            "client loops call-next, start, complete and stops at 204; ticket pollers read random tickets; "
            "display pollers read the public feed. Clients count all roles of the phase.",
            "",
            f"After the run: tickets {tickets}; tickets called more than once (SQL, `call` events): "
            f"{queue_after['called_twice']}, seen twice by the clients: {seen_twice}; calls recorded "
            f"{queue_after['calls_recorded']}; tickets lost: {queue_after['lost']}.",
            "",
        ]
    lines += _pages_section(result.get("pages"))
    lines += _dashboard_section(result.get("dashboard"), rows)
    return "\n".join(lines)


def _targets_tally(checks: list[tuple[str, bool | None]]) -> str:
    met = sum(outcome is True for _, outcome in checks)
    missed = sum(outcome is False for _, outcome in checks)
    return f" This run: {met} met, {missed} missed." if met or missed else ""


def _pages_section(pages: dict | None) -> list[str]:
    """What the public pages' phases read."""
    if not pages:
        return []
    examples = "; ".join(f"`{example}`" for example in pages["search_examples"])
    return [
        f"Public pages: {pages['services']} public services (pages in az, en, ru, Azerbaijani four times in six), "
        f"{pages['centres']} centres, earliest times of {pages['bookable']} bookable services, "
        f"{pages['searches']} searches from the services' names (half typed without Azerbaijani letters, "
        f"some in English or Russian), e.g. {examples}.",
        "",
    ]


def _dashboard_section(dashboard: list[dict] | None, rows: list[dict]) -> list[str]:
    """The dashboard scenario: how the data was made at each size, what one day's rebuild
    costs, and each request's latency side by side across sizes (flat is the goal)."""
    if not dashboard:
        return []
    sizes_text = " and ".join(f"{info['ratings']:,}" for info in dashboard)
    lines = [
        f"## Dashboard at {sizes_text} ratings",
        "",
        "Ratings (one per completed ticket) generated in PostgreSQL by INSERT ... SELECT FROM generate_series, "
        "into the real tables with every constraint and index, spread over the year ending yesterday and every "
        "offer of every stationary centre; the year's roll-ups replaced by one GROUP BY per roll-up table. "
        "The dashboard and the stats API read only the roll-ups.",
        "",
        "| Ratings | Generated (this round) | Generation s | Roll-ups by GROUP BY s | Service-day rows "
        "| Country-wide service-day rows | One day rebuilt (`rollups_rebuild`) | Its ratings | Rebuild s (3 runs) |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for info in dashboard:
        lines.append(
            f"| {info['ratings']:,} | {info['generated']:,} | {info['generation_s']:.0f} "
            f"| {info['rollups_group_by_s']:.0f} | {info['serviceday_rows']:,} "
            f"| {info.get('national_serviceday_rows', 0):,} | {info['rebuild_day']} "
            f"| {info['rebuild_day_ratings']:,} | {', '.join(f'{s:.2f}' for s in info['rebuild_day_s'])} |"
        )
    labels = [row["phase"].rsplit("@", 1)[-1] for row in rows if row["kind"] in _DASHBOARD_KINDS]
    sizes = list(dict.fromkeys(labels))
    if len(sizes) >= 2:
        first, last = sizes[0], sizes[-1]
        lines += [
            "",
            f"| Request | p50 ms at {first} | p50 ms at {last} | p95 ms at {first} | p95 ms at {last} "
            f"| req/s at {first} | req/s at {last} | p50 {last} ÷ {first} | Target: flat (≤ {DASHBOARD_FLAT_RATIO}) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        by = {(row["kind"], row["phase"].rsplit("@", 1)[-1]): row for row in rows if row["kind"] in _DASHBOARD_KINDS}
        for kind in _DASHBOARD_KINDS:
            a, b = by.get((kind, first)), by.get((kind, last))
            if a and b:
                lines.append(
                    f"| {KIND_LABELS[kind]} | {a['p50_ms']:.0f} | {b['p50_ms']:.0f} | {a['p95_ms']:.0f} "
                    f"| {b['p95_ms']:.0f} | {a['rps']:.1f} | {b['rps']:.1f} | {b['p50_ms'] / a['p50_ms']:.2f} "
                    f"| {'met' if b['p50_ms'] / a['p50_ms'] <= DASHBOARD_FLAT_RATIO else 'missed'} |"
                )
        lines += [
            "",
            "The dashboard's target is relative to itself, not to the bare view: its cost must not follow the "
            f"number of ratings, so its p50 at the largest size may be at most {DASHBOARD_FLAT_RATIO} times "
            "the smallest's (a shared machine's noise is about that).",
        ]
    lines.append("")
    return lines


_DASHBOARD_KINDS = ("dashboard_30", "dashboard_365", "stats_30", "stats_365")
# "Flat as ratings grow" (issue 5): p50 at the largest size / p50 at the smallest.
DASHBOARD_FLAT_RATIO = 1.25
