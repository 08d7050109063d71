"""Daily satisfaction roll-ups: kept current as visits and ratings happen, rebuildable from raw data
(docs/adr/0014-satisfaction-rollups.md).

Two paths write the rows of CentreDay, ServiceDay, NationalServiceDay and StaffDay, and must
agree exactly:

- the incremental path adds one event's deltas with one SQL upsert per roll-up table, inside
  the transaction of the event (`rollup_ticket_moved`, `rollup_appointment_moved` from the
  signal receivers in feedback/receivers.py, `rollup_rating` from the rating service);
- `rollups_rebuild` recomputes whole days from tickets, bookings and ratings with GROUP BY
  queries; the beat task feedback.rollups_reconcile runs it for yesterday and today.
  NationalServiceDay is not read from raw data: a day's rows are the sums of that day's
  ServiceDay rows (`national_rows_refresh`), taken after those are rebuilt.

The day of a row is the centre's local day: ticket.date for visits and no-shows,
appointment.local_date for bookings, rating.visit_date (= the ticket's day) for ratings.

A rebuild of a day and the deltas of that day never interleave: on PostgreSQL the rebuild
holds an exclusive transaction-level advisory lock on the day, each delta a shared one
(deltas do not block each other; the upsert itself is atomic). SQLite serialises writers anyway.
"""

import datetime as dt
import functools
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, F, FilteredRelation, Func, IntegerField, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus, Ticket, TicketEvent, TicketStatus
from centres.models import Centre
from services.models import Service

from .models import (
    ASPECTS,
    METRIC_FIELDS,
    ROLLUP_KEYS,
    SATISFIED_FROM,
    WAIT_BUCKET_EDGES,
    WAIT_BUCKET_FIELDS,
    CentreDay,
    NationalServiceDay,
    Rating,
    ServiceDay,
    StaffDay,
)

# First key of pg_advisory_xact_lock(int, int) for the roll-up day locks (ADR 14); the second
# key is the day's ordinal. Nothing else in the project takes advisory locks in this namespace.
DAY_LOCK_NAMESPACE = 140014
# The action of the TicketEvent that first calls a ticket. A recall keeps called_at, but a
# transfer sends the ticket back to the line and the next call overwrites it: the wait is
# measured from queued_at (kept by a transfer) to the FIRST call, read from the events.
CALL_ACTION = "call"


# --- the day lock -------------------------------------------------------------------------------


def _lock_day(day: dt.date, *, exclusive: bool) -> None:
    """Take the day's advisory lock until the end of the transaction (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [DAY_LOCK_NAMESPACE, day.toordinal()])


# --- the incremental path -----------------------------------------------------------------------


# Columns written when a row is created but not part of its unique key.
_INSERT_ONLY = {CentreDay: (), ServiceDay: ("provider_id",), NationalServiceDay: ("provider_id",), StaffDay: ()}
# The order every transaction touches the tables in, so none waits on another's rows in reverse.
_TABLE_ORDER = (CentreDay, ServiceDay, NationalServiceDay, StaffDay)


@functools.cache
def _upsert_sql(model) -> str:
    """INSERT ... ON CONFLICT (day, keys) DO UPDATE SET col = table.col + EXCLUDED.col for
    every metric column; works on PostgreSQL and SQLite >= 3.24. Values are bound parameters.
    Parameters: the day, the key columns, the insert-only columns, the metrics, updated_at."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_columns = [model._meta.get_field(name).column for name in ("day", *ROLLUP_KEYS[model])]
    insert_only = [model._meta.get_field(name).column for name in _INSERT_ONLY[model]]
    columns = [*key_columns, *insert_only, *METRIC_FIELDS, "updated_at"]
    additions = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in METRIC_FIELDS)
    # Only identifiers from the models' _meta are formatted in; every value is a parameter.
    return (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608  # nosec B608  # quoted column names from _meta, values are parameters
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) "
        f"DO UPDATE SET {additions}, {quote('updated_at')} = EXCLUDED.{quote('updated_at')}"
    )


def _add(*, day: dt.date, deltas: dict, centre_id: int, service_id: int, provider_id: int, counter_id, operator_id):
    """Add `deltas` to the day's rows of the centre, the service (at the centre and in the
    country) and (when both are known) the counter and operator. Tables are always touched in
    _TABLE_ORDER, so two transactions never wait on each other's rows in opposite orders."""
    unknown = set(deltas) - set(METRIC_FIELDS)
    if unknown:
        raise ValueError(f"not roll-up metrics: {sorted(unknown)}")
    _lock_day(day, exclusive=False)
    metrics = [deltas.get(name, 0) for name in METRIC_FIELDS]
    now = timezone.now()
    keys = {
        CentreDay: [centre_id],
        ServiceDay: [centre_id, service_id, provider_id],
        NationalServiceDay: [service_id, provider_id],
        StaffDay: [centre_id, counter_id, operator_id],
    }
    with connection.cursor() as cursor:
        for model in _TABLE_ORDER:
            if model is StaffDay and (counter_id is None or operator_id is None):
                continue
            cursor.execute(_upsert_sql(model), [day, *keys[model], *metrics, now])


def wait_bucket(seconds: int) -> str:
    """The histogram column of a wait: upper edges in minutes, inclusive; over the last edge,
    the last column."""
    for edge, field in zip(WAIT_BUCKET_EDGES, WAIT_BUCKET_FIELDS, strict=False):
        if seconds <= edge * 60:
            return field
    return WAIT_BUCKET_FIELDS[-1]


def _wait_seconds(ticket: Ticket) -> int | None:
    """Whole seconds from joining the line to the first call (None when never called)."""
    first_call = TicketEvent.objects.filter(ticket_id=ticket.pk, action=CALL_ACTION).aggregate(at=Min("at"))["at"]
    if first_call is None or ticket.queued_at is None:
        return None
    return max(0, (first_call - ticket.queued_at) // dt.timedelta(seconds=1))


def _provider_id(service_id: int) -> int:
    return Service.objects.values_list("provider_id", flat=True).get(pk=service_id)


def rollup_ticket_moved(*, ticket: Ticket, from_status: str, to_status: str) -> None:
    """Count a ticket that was just completed (a visit, with its wait) or marked no-show, in the
    rows of ticket.date (same transaction as the change)."""
    if to_status == TicketStatus.COMPLETED:
        deltas = {"visits": 1}
        seconds = _wait_seconds(ticket)
        if seconds is not None:
            deltas.update({"waits": 1, "wait_seconds": seconds, wait_bucket(seconds): 1})
    elif to_status == TicketStatus.NO_SHOW:
        deltas = {"no_shows": 1}
    else:
        return
    _add_with_provider(
        day=ticket.date,
        deltas=deltas,
        centre_id=ticket.centre_id,
        service_id=ticket.service_id,
        counter_id=ticket.counter_id,
        operator_id=ticket.operator_id,
    )


def rollup_appointment_moved(*, appointment: Appointment, from_status: str, to_status: str) -> None:
    """Count a booking that was just checked in (kept), or lapsed without a check-in (missed),
    in the rows of its local day; bookings have no counter/operator row."""
    if to_status == AppointmentStatus.CHECKED_IN:
        deltas = {"bookings_kept": 1}
    elif to_status == AppointmentStatus.LAPSED and from_status == AppointmentStatus.CONFIRMED:
        deltas = {"bookings_missed": 1}
    else:
        return
    _add_with_provider(
        day=appointment.local_date,
        deltas=deltas,
        centre_id=appointment.centre_id,
        service_id=appointment.service_id,
        counter_id=None,
        operator_id=None,
    )


def rating_deltas(rating: Rating) -> dict:
    deltas = {"ratings": 1, "score_sum": rating.score, "satisfied": int(rating.score >= SATISFIED_FROM)}
    for aspect in ASPECTS:
        value = getattr(rating, f"{aspect}_score")
        if value is not None:
            deltas[f"{aspect}_count"] = 1
            deltas[f"{aspect}_sum"] = value
    return deltas


def rollup_rating(rating: Rating) -> None:
    """Count a just-created rating in the rows of its visit's day (call it in the rating's
    transaction, so the rating and its count commit together)."""
    _add(
        day=rating.visit_date,
        deltas=rating_deltas(rating),
        centre_id=rating.centre_id,
        service_id=rating.service_id,
        provider_id=rating.provider_id,
        counter_id=rating.counter_id,
        operator_id=rating.operator_id,
    )


def _add_with_provider(*, service_id: int, **kwargs) -> None:
    _add(service_id=service_id, provider_id=_provider_id(service_id), **kwargs)


# --- the rebuild from raw data ------------------------------------------------------------------


class _WholeSeconds(Func):
    """Whole seconds from `start` to `end` (floored), as the incremental path computes them."""

    output_field = BigIntegerField()

    def __init__(self, end, start):
        super().__init__(end, start)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM (%(expressions)s)))::bigint", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra):
        # django_timestamp_diff is the microseconds function Django registers on SQLite.
        return self.as_sql(compiler, connection, template="(django_timestamp_diff(%(expressions)s) / 1000000)")


def _measured_tickets(day: dt.date, centre_ids: list[int], columns: dict[str, str], *, staff_only: bool):
    """One row per completed or no-show ticket of the day: `columns` (alias -> field path), its
    status and its wait in whole seconds (NULL: never called), from its first call event. A
    join and GROUP BY per ticket, so the first call is looked up once per ticket."""
    tickets = Ticket.objects.filter(
        centre_id__in=centre_ids, date=day, status__in=(TicketStatus.COMPLETED, TicketStatus.NO_SHOW)
    )
    if staff_only:
        tickets = tickets.filter(counter__isnull=False, operator__isnull=False)
    return (
        tickets.annotate(calls=FilteredRelation("events", condition=Q(events__action=CALL_ACTION)))
        .order_by()
        .values("pk", "status", **{alias: F(path) for alias, path in columns.items()})
        .annotate(wait=_WholeSeconds(Min("calls__at"), F("queued_at")))
    )


def _ticket_groups(day: dt.date, centre_ids: list[int], keys: list[str], *, staff_only: bool) -> list[dict]:
    """Visits, no-shows, waits and the wait histogram per `keys` (Ticket field paths), summed
    by the database over the per-ticket rows of _measured_tickets."""
    aliases = {f"key_{index}": path for index, path in enumerate(keys)}
    inner, inner_params = _measured_tickets(day, centre_ids, aliases, staff_only=staff_only).query.sql_with_params()
    wait = "(CASE WHEN raw.wait < 0 THEN 0 ELSE raw.wait END)"  # a clock skew never makes a negative wait
    completed = "raw.status = %s"
    sums = {
        "visits": (f"SUM(CASE WHEN {completed} THEN 1 ELSE 0 END)", [TicketStatus.COMPLETED]),
        "no_shows": ("SUM(CASE WHEN raw.status = %s THEN 1 ELSE 0 END)", [TicketStatus.NO_SHOW]),
        "waits": (f"SUM(CASE WHEN {completed} AND raw.wait IS NOT NULL THEN 1 ELSE 0 END)", [TicketStatus.COMPLETED]),
        "wait_seconds": (f"COALESCE(SUM(CASE WHEN {completed} THEN {wait} END), 0)", [TicketStatus.COMPLETED]),
    }
    lower = -1
    for edge, field in zip(WAIT_BUCKET_EDGES, WAIT_BUCKET_FIELDS, strict=False):
        sums[field] = (
            f"SUM(CASE WHEN {completed} AND {wait} > %s AND {wait} <= %s THEN 1 ELSE 0 END)",
            [TicketStatus.COMPLETED, lower, edge * 60],
        )
        lower = edge * 60
    sums[WAIT_BUCKET_FIELDS[-1]] = (
        f"SUM(CASE WHEN {completed} AND {wait} > %s THEN 1 ELSE 0 END)",
        [TicketStatus.COMPLETED, lower],
    )
    key_sql = ", ".join(f"raw.{alias}" for alias in aliases)
    select = ", ".join(f"{sql} AS {field}" for field, (sql, _params) in sums.items())
    params = [param for _sql, field_params in sums.values() for param in field_params]
    # Only constants of this module are formatted in; every value is a parameter.
    sql = f"SELECT {key_sql}, {select} FROM ({inner}) raw GROUP BY {key_sql}"  # noqa: S608  # nosec B608  # module constants only, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *inner_params])
        rows = cursor.fetchall()
    names = [*keys, *sums]
    return [
        {name: int(value) if name in sums else value for name, value in zip(names, row, strict=True)} for row in rows
    ]


def _bookings(day: dt.date, centre_ids: list[int]):
    kept = Q(checked_in_at__isnull=False)
    missed = Q(status=AppointmentStatus.LAPSED, checked_in_at__isnull=True)
    bookings = Appointment.objects.filter(kept | missed, centre_id__in=centre_ids, local_date=day)
    metrics = {"bookings_kept": Count("pk", filter=kept), "bookings_missed": Count("pk", filter=missed)}
    return bookings, metrics


def _ratings(day: dt.date, centre_ids: list[int]):
    ratings = Rating.objects.filter(visit_date=day, centre_id__in=centre_ids)
    metrics = {
        "ratings": Count("pk"),
        "score_sum": Sum("score"),
        "satisfied": Count("pk", filter=Q(score__gte=SATISFIED_FROM)),
    }
    for aspect in ASPECTS:
        metrics[f"{aspect}_count"] = Count(f"{aspect}_score")
        metrics[f"{aspect}_sum"] = Coalesce(Sum(f"{aspect}_score"), Value(0), output_field=IntegerField())
    return ratings, metrics


# How each source names the key columns of each roll-up (None: the source has no such row).
_SOURCE_KEYS = {
    "tickets": {
        CentreDay: {"centre_id": "centre_id"},
        ServiceDay: {"centre_id": "centre_id", "service_id": "service_id", "provider_id": "service__provider_id"},
        StaffDay: {"centre_id": "centre_id", "counter_id": "counter_id", "operator_id": "operator_id"},
    },
    "bookings": {
        CentreDay: {"centre_id": "centre_id"},
        ServiceDay: {"centre_id": "centre_id", "service_id": "service_id", "provider_id": "service__provider_id"},
        StaffDay: None,
    },
    "ratings": {
        CentreDay: {"centre_id": "centre_id"},
        ServiceDay: {"centre_id": "centre_id", "service_id": "service_id", "provider_id": "provider_id"},
        StaffDay: {"centre_id": "centre_id", "counter_id": "counter_id", "operator_id": "operator_id"},
    },
}


def _day_rows(model, day: dt.date, centre_ids: list[int]) -> list:
    """The model's rows of `day` at those centres, aggregated by the database from the three
    raw sources (one GROUP BY query per source)."""
    rows: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(METRIC_FIELDS, 0))
    extra: dict[tuple, dict] = {}
    for name, keys in _SOURCE_KEYS.items():
        columns = keys[model]
        if columns is None:
            continue
        staff_only = model is StaffDay
        if name == "tickets":
            groups = _ticket_groups(day, centre_ids, list(columns.values()), staff_only=staff_only)
        else:
            queryset, metrics = (_bookings if name == "bookings" else _ratings)(day, centre_ids)
            if staff_only:
                queryset = queryset.filter(counter__isnull=False, operator__isnull=False)
            groups = queryset.order_by().values(*columns.values()).annotate(**metrics)
        for group in groups:
            # The unique key; ServiceDay's provider follows from the service.
            key = tuple(group[columns[column]] for column in ROLLUP_KEYS[model])
            extra[key] = {column: group[source] for column, source in columns.items()}
            row = rows[key]
            for field in METRIC_FIELDS:
                row[field] += group.get(field, 0)
    return [model(day=day, **extra[key], **sums) for key, sums in rows.items()]


def national_rows_refresh(*, first_day: dt.date, last_day: dt.date) -> int:
    """Replace the NationalServiceDay rows of [first_day, last_day] by the sums of those days'
    ServiceDay rows (every centre); returns the rows written. The rebuild calls it for its day
    under the day's exclusive lock; bulk writers of ServiceDay rows (demo, benchmarks, tests)
    call it after writing them.

    A service keeps one provider a day here; if it moved to another provider during the day,
    the smaller provider id is kept (the incremental path keeps the first one seen)."""
    NationalServiceDay.objects.filter(day__range=(first_day, last_day)).delete()
    sums = {name: Sum(name) for name in METRIC_FIELDS}
    grouped = (
        ServiceDay.objects.filter(day__range=(first_day, last_day))
        .order_by()
        .values("day", "service_id")
        .annotate(first_provider=Min("provider_id"), **sums)
    )
    rows = [
        NationalServiceDay(
            day=group["day"],
            service_id=group["service_id"],
            provider_id=group["first_provider"],
            **{name: group[name] for name in METRIC_FIELDS},
        )
        for group in grouped
    ]
    return len(NationalServiceDay.objects.bulk_create(rows, batch_size=2000))


def _rebuild_day(day: dt.date, centre_ids: list[int]) -> int:
    written = 0
    with transaction.atomic():
        _lock_day(day, exclusive=True)
        for model in (CentreDay, ServiceDay, StaffDay):
            model.objects.filter(day=day, centre_id__in=centre_ids).delete()
            written += len(model.objects.bulk_create(_day_rows(model, day, centre_ids)))
        # The country's rows of the day follow from every centre's (the others' are current:
        # no delta of this day runs while the exclusive lock is held).
        written += national_rows_refresh(first_day=day, last_day=day)
    return written


def rollups_rebuild(*, first_day: dt.date, last_day: dt.date, centre=None) -> int:
    """Recompute every roll-up row of the days [first_day, last_day] (of one centre if given)
    from tickets, bookings and ratings; returns the rows written. Each day is replaced in its
    own transaction under the day's exclusive lock, so a rebuild running beside live deltas or
    beside another rebuild gives the same rows; running it twice gives the same rows."""
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    # The raw tables are indexed by centre then day: naming the centres lets a day's queries
    # use those indexes instead of scanning every ticket and booking ever made.
    centre_ids = [centre.pk] if centre is not None else list(Centre.objects.values_list("pk", flat=True))
    written = 0
    day = first_day
    while day <= last_day:
        written += _rebuild_day(day, centre_ids)
        day += dt.timedelta(days=1)
    return written
