"""The Markdown table of a benchmark run (bench/results/latest.md)."""

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
}


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
    baseline = next((row for row in rows if row["kind"] == "bare"), None)
    target, settings, after = result["target"], result["settings"], result["after"]
    lines = [
        f"# Benchmark (booking and queue) {result['timestamp']}",
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
        "| Phase | Request | Clients | Requests | req/s | p50 ms | p95 ms | p99 ms | max ms | Answers | Errors "
        "| SQL queries per answer | req/s ÷ bare | p50 ÷ bare |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|",
    ]
    for row in rows:
        ratio_rps = ratio_p50 = "–"
        if baseline and baseline["rps"] and baseline["p50_ms"]:
            ratio_rps = f"{row['rps'] / baseline['rps']:.2f}"
            ratio_p50 = f"{row['p50_ms'] / baseline['p50_ms']:.1f}"
        lines.append(
            f"| {row['phase']} | {KIND_LABELS.get(row['kind'], row['kind'])} | {row.get('concurrency', '')} "
            f"| {row['requests']} | {row['rps']:.0f} "
            f"| {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.0f} "
            f"| {_answers(row['statuses'])} | {row['errors'] + row['unexpected']} | {_queries(row['queries'])} "
            f"| {ratio_rps} | {ratio_p50} |"
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
    return "\n".join(lines)
