"""Grow the dashboard scenario's ratings to `--ratings` in PostgreSQL; prints one JSON object.

Run by bench.run with DJANGO_SETTINGS_MODULE=asan_portal.settings.bench, after migrate and
load_demo --no-history, first with --ratings 1000000 and then with --ratings 10000000 (it only
adds what is missing). Everything is written by PostgreSQL itself in chunks of a million, one
statement each (INSERT ... SELECT FROM generate_series, the ratings from the tickets just
inserted through a data-modifying CTE), into the real tables with every constraint and index:

- one completed ticket per rating, spread over the year ending yesterday and over every offer
  of every stationary centre (each (centre, service) handled by one of its counters, worked by a
  bench operator of that centre); number = the series number, so (centre, date, letter, number)
  stays unique; scores about 97.5% 4-5, a third of them with aspects;
- the roll-ups of the year, replaced by one GROUP BY per roll-up table over tickets and
  ratings (the country's service rows by one over the centres' service rows): the same sums as
  feedback.rollups.rollups_rebuild gives (no bookings here; no call events either, so no
  waits, except on the day measured below);
- then the cost of aggregating one day: the `call` events of the middle day of the year are
  added (so its waits are measured like a real day's) and `rollups_rebuild` of that day is timed,
  three times.

It also signs in a bench official (session cookie for the load generator) and names the paths
measured: the dashboard page and GET /api/v1/stats/satisfaction/ for the last 30 and 365 days.
"""

import argparse
import datetime as dt
import json
import statistics
import sys
import time

import django

CHUNK = 1_000_000
TOKEN_PREFIX = "bench-"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.prepare_dashboard")
    parser.add_argument("--ratings", type=int, required=True, help="total bench ratings wanted")
    parser.add_argument("--chunk", type=int, default=CHUNK)
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


COMBOS_SQL = """
CREATE TABLE IF NOT EXISTS bench_combo AS
SELECT (row_number() OVER (ORDER BY o.centre_id, o.service_id) - 1)::int AS idx,
       o.centre_id, o.service_id, s.provider_id, cat.ticket_letter AS letter,
       (SELECT min(cs.counter_id) FROM centres_counter_services cs
          JOIN centres_counter c ON c.id = cs.counter_id
         WHERE c.centre_id = o.centre_id AND cs.service_id = o.service_id AND c.is_active) AS counter_id,
       NULL::int AS operator_id
FROM centres_centreservice o
JOIN centres_centre ce ON ce.id = o.centre_id AND ce.kind <> 'mobile' AND ce.is_active
JOIN services_service s ON s.id = o.service_id
JOIN services_category cat ON cat.id = s.category_id
WHERE o.is_active
  AND EXISTS (SELECT 1 FROM centres_counter_services cs JOIN centres_counter c ON c.id = cs.counter_id
               WHERE c.centre_id = o.centre_id AND cs.service_id = o.service_id AND c.is_active)
"""

# One chunk of tickets [%(start)s, %(stop)s] and a rating for each. The series number g picks
# the day (g mod days), the offer (a multiplicative hash of g) and the minute of the day.
CHUNK_SQL = """
WITH plan AS (
    SELECT g,
           %(first_day)s::date + (g %% %(days)s)::int AS day,
           c.centre_id, c.service_id, c.provider_id, c.letter, c.counter_id, c.operator_id
    FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS g
    JOIN bench_combo c ON c.idx = ((g * 7919) %% %(combos)s)
),
tickets AS (
    INSERT INTO appointments_ticket (
        centre_id, service_id, date, letter, number, public_token, status, queued_at, issued_at,
        called_at, started_at, completed_at, counter_id, operator_id, recalls, outcome, phone,
        language, near_notified)
    SELECT centre_id, service_id, day, letter, g, %(prefix)s || g, 'completed',
           q, q, q + w, q + w + interval '40 seconds', q + w + interval '11 minutes',
           counter_id, operator_id, 0, '', '', 'az', false
    FROM (
        SELECT p.*,
               ((p.day + time '09:00') AT TIME ZONE 'Asia/Baku') + ((p.g %% 540) * interval '1 minute') AS q,
               ((60 + (p.g * 31) %% 900) * interval '1 second') AS w
        FROM plan p
    ) AS timed
    RETURNING id, date, centre_id, service_id, counter_id, operator_id, number, completed_at
)
INSERT INTO feedback_rating (
    ticket_id, visit_date, centre_id, service_id, provider_id, counter_id, operator_id, score,
    waiting_score, courtesy_score, competence_score, premises_score, comment, channel, language,
    created_at)
SELECT t.id, t.date, t.centre_id, t.service_id, s.provider_id, t.counter_id, t.operator_id, r.score,
       CASE WHEN t.number %% 3 = 0 THEN r.score END,
       CASE WHEN t.number %% 3 = 0 THEN r.score END,
       CASE WHEN t.number %% 6 = 0 THEN r.score END,
       CASE WHEN t.number %% 6 = 0 THEN GREATEST(1, r.score - 1) END,
       '', CASE WHEN t.number %% 10 < 7 THEN 'link' ELSE 'counter' END, 'az',
       t.completed_at + interval '1 hour'
FROM tickets t
JOIN services_service s ON s.id = t.service_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN (t.number * 37) %% 1000 < 880 THEN 5
                WHEN (t.number * 37) %% 1000 < 975 THEN 4
                WHEN (t.number * 37) %% 1000 < 985 THEN 3
                WHEN (t.number * 37) %% 1000 < 992 THEN 2
                ELSE 1 END AS score
) AS r
"""


def rollup_sql() -> list[tuple[str, str]]:
    """(table, INSERT ... SELECT ... GROUP BY) for each roll-up, the sums of rollups_rebuild:
    completed tickets and no-shows of ticket.date, ratings of rating.visit_date (= the ticket's
    day here), no waits without call events, no bookings."""
    from feedback.models import ASPECTS, METRIC_FIELDS, CentreDay, NationalServiceDay, ServiceDay, StaffDay

    expressions = dict.fromkeys(METRIC_FIELDS, "0")
    expressions |= {
        "visits": "count(*) FILTER (WHERE t.status = 'completed')",
        "no_shows": "count(*) FILTER (WHERE t.status = 'no_show')",
        "ratings": "count(r.id)",
        "score_sum": "coalesce(sum(r.score), 0)",
        "satisfied": "count(r.id) FILTER (WHERE r.score >= 4)",
    }
    for aspect in ASPECTS:
        expressions[f"{aspect}_count"] = f"count(r.{aspect}_score)"
        expressions[f"{aspect}_sum"] = f"coalesce(sum(r.{aspect}_score), 0)"
    metrics = ", ".join(METRIC_FIELDS)
    sums = ", ".join(expressions[name] for name in METRIC_FIELDS)
    statements = []
    for model, keys, select in (
        (CentreDay, "centre_id", "t.centre_id"),
        (ServiceDay, "centre_id, service_id, provider_id", "t.centre_id, t.service_id, s.provider_id"),
        (StaffDay, "centre_id, counter_id, operator_id", "t.centre_id, t.counter_id, t.operator_id"),
    ):
        table = model._meta.db_table
        statements.append(
            (
                table,
                f"INSERT INTO {table} (day, {keys}, {metrics}, updated_at) "  # noqa: S608 - names from _meta
                f"SELECT t.date, {select}, {sums}, now() "
                "FROM appointments_ticket t LEFT JOIN feedback_rating r ON r.ticket_id = t.id "
                + ("JOIN services_service s ON s.id = t.service_id " if model is ServiceDay else "")
                + "WHERE t.status IN ('completed', 'no_show') "
                + ("AND t.counter_id IS NOT NULL AND t.operator_id IS NOT NULL " if model is StaffDay else "")
                + f"GROUP BY t.date, {select}",
            )
        )
    # The country's rows: the sums of the centres' service rows of each day, as
    # feedback.rollups.national_rows_refresh takes them.
    national = NationalServiceDay._meta.db_table
    statements.append(
        (
            national,
            f"INSERT INTO {national} (day, service_id, provider_id, {metrics}, updated_at) "  # noqa: S608 - names from _meta
            f"SELECT day, service_id, min(provider_id), {', '.join(f'sum({name})' for name in METRIC_FIELDS)}, now() "
            f"FROM {ServiceDay._meta.db_table} GROUP BY day, service_id",
        )
    )
    return statements


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone, translation
    from django.utils.crypto import get_random_string

    from asan_portal.roles import OFFICIAL, OPERATOR, role_grant
    from feedback import rollups

    started = time.perf_counter()
    last_day = timezone.localdate() - dt.timedelta(days=1)
    first_day = last_day - dt.timedelta(days=364)
    users = get_user_model()

    with connection.cursor() as cursor:
        cursor.execute(COMBOS_SQL)
        cursor.execute("SELECT centre_id FROM bench_combo WHERE operator_id IS NULL GROUP BY centre_id")
        for (centre_id,) in cursor.fetchall():
            operator, _created = users.objects.get_or_create(username=f"bench-dash-operator-{centre_id}")
            role_grant(user=operator, role=OPERATOR)
            cursor.execute("UPDATE bench_combo SET operator_id = %s WHERE centre_id = %s", [operator.pk, centre_id])
        cursor.execute("SELECT count(*) FROM bench_combo")
        combos = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM feedback_rating")
        have = cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(max(number), 0) FROM appointments_ticket WHERE public_token LIKE %s", [TOKEN_PREFIX + "%"]
        )
        last_number = cursor.fetchone()[0]

    generated = 0
    generation_started = time.perf_counter()
    while have < args.ratings:
        size = min(args.chunk, args.ratings - have)
        chunk_started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                CHUNK_SQL,
                {
                    "first_day": first_day,
                    "days": 365,
                    "start": last_number + 1,
                    "stop": last_number + size,
                    "combos": combos,
                    "prefix": TOKEN_PREFIX,
                },
            )
        have += size
        generated += size
        last_number += size
        log(f"  ratings: {have:,} (+{size:,} in {time.perf_counter() - chunk_started:.0f} s)")
    generation_seconds = time.perf_counter() - generation_started

    rollups_started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, sql in rollup_sql():
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a roll-up table's name
            cursor.execute(sql)
    rollup_seconds = time.perf_counter() - rollups_started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM feedback_rating")
        ratings = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM feedback_serviceday")
        serviceday_rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM feedback_nationalserviceday")
        national_rows = cursor.fetchone()[0]
    log(
        f"  roll-ups of the year by GROUP BY: {rollup_seconds:.0f} s ({serviceday_rows:,} service-day rows,"
        f" {national_rows:,} in the whole country)"
    )

    # One day's aggregation: its call events first (a real day has them), then the rebuild.
    day = first_day + dt.timedelta(days=182)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO appointments_ticketevent "
            "(ticket_id, action, from_status, to_status, counter_id, operator_id, service_id, at) "
            "SELECT t.id, 'call', 'waiting', 'called', t.counter_id, t.operator_id, t.service_id, t.called_at "
            "FROM appointments_ticket t WHERE t.date = %s "
            "AND NOT EXISTS (SELECT 1 FROM appointments_ticketevent e WHERE e.ticket_id = t.id AND e.action = 'call')",
            [day],
        )
        cursor.execute("SELECT count(*) FROM feedback_rating WHERE visit_date = %s", [day])
        day_ratings = cursor.fetchone()[0]
    rebuild_seconds = []
    for _ in range(3):
        rebuild_started = time.perf_counter()
        rows = rollups.rollups_rebuild(first_day=day, last_day=day)
        rebuild_seconds.append(time.perf_counter() - rebuild_started)
    log(f"  rollups_rebuild of {day} ({day_ratings:,} ratings): {', '.join(f'{s:.2f}' for s in rebuild_seconds)} s")

    official, _created = users.objects.get_or_create(username="bench-official")
    official.set_password(get_random_string(24))
    official.save()
    role_grant(user=official, role=OFFICIAL)
    client = Client()
    client.force_login(official)
    session = client.cookies["sessionid"].value

    def window(days: int) -> str:
        return f"from={(last_day - dt.timedelta(days=days - 1)).isoformat()}&to={last_day.isoformat()}"

    with translation.override("az"):
        dashboard = reverse("dashboard:overview")
    stats = "/api/v1/stats/satisfaction/"
    json.dump(
        {
            "ratings": ratings,
            "generated": generated,
            "generation_s": round(generation_seconds, 1),
            "rollups_group_by_s": round(rollup_seconds, 1),
            "serviceday_rows": serviceday_rows,
            "national_serviceday_rows": national_rows,
            "combos": combos,
            "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(),
            "rebuild_day": day.isoformat(),
            "rebuild_day_ratings": day_ratings,
            "rebuild_day_rows": rows,
            "rebuild_day_s": [round(seconds, 3) for seconds in rebuild_seconds],
            "rebuild_day_median_s": round(statistics.median(rebuild_seconds), 3),
            "elapsed_s": round(time.perf_counter() - started, 1),
            "session": session,
            "paths": {
                "dashboard_30": f"{dashboard}?{window(30)}",
                "dashboard_365": f"{dashboard}?{window(365)}",
                "stats_30": f"{stats}?{window(30)}",
                "stats_365": f"{stats}?{window(365)}",
            },
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
