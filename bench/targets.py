"""What each request of the benchmark may cost, as a ratio to the bare view of the same run (ADR 17).

A target bounds a row's p50 latency by a multiple of the bare view's p50, per client: in a closed
loop at saturation latency = clients ÷ throughput (Little's law), so a phase with 320 clients may
wait 3.2 times longer than the baseline's 100 for the same cost. "p50 ≤ 10× bare" thus reads
"costs at most ten bare views". Ratios, not milliseconds, so a target holds on any machine.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    p50_ratio: float
    why: str


# Cacheable: the same answer for everyone (per language) until staff change something, or for a
# few seconds; a cache hit costs about a bare view plus one Redis round trip.
CACHEABLE = 3.0
# Computed reads: a handful of queries (the one-row write shows what one costs: under one bare
# view more) and a small answer built from them.
COMPUTED = 10.0
# Contended writes: row locks on a few hot rows, the outbox row, and on a lost booking the
# nearest free times; they queue behind each other by design.
CONTENDED = 30.0

TARGETS = {
    "bare_write": Target(2.0, "one INSERT and its commit: one PostgreSQL round trip on top of the bare view"),
    "service_page": Target(CACHEABLE, "the same page for everyone in a language until the catalogue changes"),
    "centre_page": Target(CACHEABLE, "the same page for everyone in a language; its open-now badge is per minute"),
    "display_poll": Target(CACHEABLE, "every display of a hall shows the same feed, a few seconds old at most"),
    "ticket_poll": Target(CACHEABLE, "a ticket changes when it is called; a few seconds old is fine"),
    "search_page": Target(COMPUTED, "depends on the words typed: a few queries and the ranking of the matches"),
    "search_api": Target(COMPUTED, "the search page's selector without the page around it"),
    "availability": Target(COMPUTED, "must be fresh during a rush: a handful of queries"),
    "earliest": Target(COMPUTED, "must be fresh: a fixed handful of queries for all centres and days"),
    "ticket_start": Target(COMPUTED, "one ticket's conditional update and its event"),
    "ticket_complete": Target(COMPUTED, "one ticket's conditional update and its event"),
    "book": Target(CONTENDED, "locks the contended counters; a loser (409) also looks up the nearest times"),
    "call_next": Target(CONTENDED, "SKIP LOCKED over the waiting line, the call event and the SMS outbox"),
}


def targets_for(kinds) -> dict:
    """{kind: {"p50_ratio", "why"}} of the kinds that have a target (JSON for the load plan)."""
    return {kind: vars(TARGETS[kind]) for kind in kinds if kind in TARGETS}


def target_check(row: dict, target: dict | None, baseline: dict | None) -> tuple[str, bool | None]:
    """("≤ 10×: 7.2× met", True) for a row against its target; (text, None) when it cannot be judged."""
    if not target:
        return "–", None
    bound = f"≤ {target['p50_ratio']:g}×"
    if not baseline or not baseline.get("p50_ms") or not row.get("requests"):
        return f"{bound}: not measured", None
    per_client = (row["p50_ms"] / row["concurrency"]) / (baseline["p50_ms"] / baseline["concurrency"])
    met = per_client <= target["p50_ratio"]
    return f"{bound}: {per_client:.1f}× {'met' if met else 'missed'}", met
