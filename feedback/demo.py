"""A year of demo visits and ratings, so the dashboards have something to show.

`visits_history_load_demo(days=365, seed=...)` writes, for every stationary demo centre and
every day it was open in the `days` before today (Baku), the queue tickets of the day (served
visits and a few no-shows, each with its `call` event, which the roll-ups measure the wait
from), online bookings kept and missed, and the ratings the citizens gave; then the roll-ups
of those days.

The shape follows the real service: closed on Sundays, public holidays and closures; busier
centres in Baku and on weekday mornings; waits mostly 2-15 minutes with a tail; a summer bump;
services drawn from what each centre offers, weighted by their popularity; about 68% of
visits rated, nearly all with 4 or 5.

Fast enough for `make run` on SQLite (about 110,000 visits a year): rows are built as plain
tuples and written with multi-row INSERTs in large batches (no model instances, no save(), no
signals). The roll-up rows are counted while the rows are made and written the same way;
`rollups.rollups_rebuild` day by day would take minutes on SQLite for a year. The counting
follows feedback/rollups.py (tests/feedback/test_demo_history.py checks that a rebuild gives
the same rows); days that already had other visits or bookings are rebuilt with
`rollups_rebuild` itself.

Deterministic: each centre's day draws from its own random.Random(seed, centre, day), so a
later run that adds the days since the last one produces what a single run would have.
Idempotent: demo tickets carry a public token starting with DEMO_TOKEN_PREFIX; a second run
only adds the days after the last demo day (none on the same day).
"""

import datetime as dt
import hashlib
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus, Ticket, TicketEvent, TicketStatus
from centres.models import Centre, CentreKind, CentreService, Closure, Counter, OpeningHours, PublicHoliday

from . import rollups
from .models import (
    ASPECTS,
    METRIC_FIELDS,
    ROLLUP_KEYS,
    ROLLUP_MODELS,
    SATISFIED_FROM,
    WAIT_BUCKET_EDGES,
    WAIT_BUCKET_FIELDS,
    CentreDay,
    NationalServiceDay,
    Rating,
    RatingChannel,
    ServiceDay,
    StaffDay,
)

DEMO_TOKEN_PREFIX = "demo-"  # noqa: S105 - marks demo tickets, not a secret  # nosec B105
DEMO_OPERATOR_PREFIX = "demo-op-"
DEFAULT_SEED = 2026
# Visits served in a year at all demo centres together (no-shows and missed bookings come on top).
VISITS_PER_YEAR = 90_000
BATCH_SIZE = 5000
FLUSH_EVERY = 20_000  # tickets kept in memory before they are written

# Shape of the demand.
SATURDAY_FACTOR = 0.55
BAKU_FACTOR = 1.6
UTILITIES_FACTOR = 0.6
MORNING_WEIGHTS = ((12, 1.5), (14, 1.1), (16, 1.0), (24, 0.7))  # (until hour, weight of arrivals)
NO_SHOW_SHARE = 0.03
BOOKED_SHARE = 0.22  # of visits, came with an online booking
MISSED_BOOKING_SHARE = 0.08  # of bookings, the citizen never came
RATED_SHARE = 0.68
ASPECTS_SHARE = 0.45
COMMENT_SHARE = 0.05
COUNTER_CHANNEL_SHARE = 0.3
LANGUAGES = (("az", 0.78), ("ru", 0.17), ("en", 0.05))
OPERATORS_PER_CENTRE = 8
# The TicketEvent action of a first call (what appointments.queue records and the roll-ups read).
CALL_ACTION = "call"

FIRST_NAMES = [
    "Elvin", "Aysel", "Rəşad", "Günel", "Orxan", "Nərmin", "Tural", "Leyla", "Kamran", "Səbinə",
    "Fərid", "Lamiyə", "Ramin", "Aynur", "Emin", "Könül", "Murad", "Şəbnəm", "Vüsal", "Zəhra",
]  # fmt: skip
LAST_NAMES = [
    "Əliyev", "Məmmədova", "Həsənov", "Quliyeva", "İsmayılov", "Hüseynova", "Abbasov", "Babayeva",
    "Kərimov", "Rəhimova", "Nəsirov", "Sultanova", "Cəfərov", "Mustafayeva", "Əhmədov", "Qasımova",
]  # fmt: skip

# Short comments citizens leave, by language and mood.
COMMENTS = {
    "az": {
        "good": [
            "Çox sürətli və nəzakətli xidmət, təşəkkür edirəm!",
            "Hər şey aydın izah olundu.",
            "Növbə tez keçdi, əməkdaş çox mehriban idi.",
            "Əla təşkil olunub.",
            "Sənədlərim bir gündə hazır oldu.",
        ],
        "bad": [
            "Növbədə çox gözlədim.",
            "Kondisioner işləmirdi, zal isti idi.",
            "Əməkdaş tələsirdi, sualıma tam cavab almadım.",
            "Elektron növbə lövhəsi işləmirdi.",
        ],
    },
    "en": {
        "good": [
            "Quick and friendly service, thank you!",
            "Everything was explained clearly.",
            "Much faster than I expected.",
            "Very well organised centre.",
        ],
        "bad": [
            "I waited too long in the queue.",
            "The hall was too hot.",
            "The operator was in a hurry and did not answer my question.",
        ],
    },
    "ru": {
        "good": [
            "Быстро и вежливо, спасибо!",
            "Всё понятно объяснили.",
            "Очередь прошла быстро, сотрудник очень любезный.",
            "Отличная организация.",
        ],
        "bad": [
            "Слишком долго ждал в очереди.",
            "В зале было жарко.",
            "Сотрудник торопился, на вопрос толком не ответил.",
        ],
    },
}


@dataclass
class VisitsHistoryResult:
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    days: int = 0
    visits: int = 0
    no_shows: int = 0
    bookings: int = 0
    ratings: int = 0
    operators_created: int = 0
    rollup_rows: int = 0
    seconds: float = 0.0
    up_to_date: bool = False


@dataclass
class _CentrePlan:
    centre: Centre
    weight: float
    periods: dict[int, list[tuple[dt.time, dt.time]]]  # weekday -> open periods
    services: list  # (service, letter, provider_id, duration_minutes, [counter ids])
    cum_weights: list[float]
    counter_index: dict[int, int]  # counter id -> its place at the centre (operators rotate by day)
    operators: list[int]
    quality: float  # 0 (a little worse) .. 1 (excellent): shifts the share of low scores


def _centre_weight(centre: Centre, counters: int) -> float:
    weight = float(counters)
    if centre.city.code == "baku":
        weight *= BAKU_FACTOR
    if centre.kind == CentreKind.UTILITIES:
        weight *= UTILITIES_FACTOR
    return weight


def _season(day: dt.date) -> float:
    """A summer bump (passports and documents before the holidays) and a quiet January."""
    return 1.0 + 0.15 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365)


def _weekday_factor(day: dt.date) -> float:
    return SATURDAY_FACTOR if day.weekday() == 5 else 1.0


def _demo_operators(centres: list[Centre]) -> tuple[dict[int, list[int]], int]:
    """A handful of operators per centre (users who cannot log in); the demo `operator` user
    joins them at its own centre. Returns {centre id: [user ids]} and how many were created."""
    users = get_user_model()
    wanted = {}
    for centre in centres:
        for n in range(1, OPERATORS_PER_CENTRE + 1):
            rng = random.Random(f"operator-{centre.code}-{n}")  # nosec B311  # seeded demo data, not security
            wanted[f"{DEMO_OPERATOR_PREFIX}{centre.code}-{n}"] = (centre.pk, rng)
    existing = dict(users.objects.filter(username__in=wanted).values_list("username", "pk"))
    missing = []
    for username in wanted.keys() - existing.keys():
        rng = wanted[username][1]
        missing.append(
            users(
                username=username,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                password=make_password(None),  # unusable: these people never sign in
                is_active=True,
            )
        )
    if missing:
        users.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        existing = dict(users.objects.filter(username__in=wanted).values_list("username", "pk"))
    by_centre = defaultdict(list)
    for username in sorted(wanted):
        by_centre[wanted[username][0]].append(existing[username])
    demo_operator = users.objects.filter(username="operator").values_list("pk", flat=True).first()
    baku_1 = next((c for c in centres if c.code == "baku-1"), None)
    if demo_operator and baku_1:
        by_centre[baku_1.pk][0] = demo_operator
    return by_centre, len(missing)


def _plans(seed: int) -> tuple[list[_CentrePlan], int]:
    centres = list(
        Centre.objects.filter(is_active=True).exclude(kind=CentreKind.MOBILE).select_related("city").order_by("code")
    )
    periods = defaultdict(lambda: defaultdict(list))
    for hours in OpeningHours.objects.filter(centre__in=centres).order_by("opens_at"):
        periods[hours.centre_id][hours.weekday].append((hours.opens_at, hours.closes_at))
    counters_of = defaultdict(lambda: defaultdict(list))
    counter_ids = defaultdict(set)
    links = Counter.services.through.objects.filter(counter__centre__in=centres, counter__is_active=True)
    for centre_id, counter_id, service_id in links.values_list("counter__centre_id", "counter_id", "service_id"):
        counters_of[centre_id][service_id].append(counter_id)
        counter_ids[centre_id].add(counter_id)
    offers = (
        CentreService.objects.filter(centre__in=centres, is_active=True, service__is_active=True)
        .select_related("service__category")
        .order_by("centre_id", "service__code")
    )
    services_of = defaultdict(list)
    for offer in offers:
        counters = sorted(counters_of[offer.centre_id].get(offer.service_id, ()))
        if counters:
            service = offer.service
            services_of[offer.centre_id].append(
                (service, service.category.ticket_letter, service.provider_id, service.duration_minutes, counters)
            )
    operators, created = _demo_operators(centres)
    plans = []
    for centre in centres:
        services = services_of[centre.pk]
        if not services or not periods[centre.pk]:
            continue
        # Popular services dominate, but every offered one turns up now and then.
        weights = [service.popularity + 3000 for service, *_rest in services]
        rng = random.Random(f"{seed}-quality-{centre.code}")  # nosec B311  # seeded demo data, not security
        plans.append(
            _CentrePlan(
                centre=centre,
                weight=_centre_weight(centre, len(counter_ids[centre.pk])),
                periods=dict(periods[centre.pk]),
                services=services,
                cum_weights=list(accumulate(weights)),
                counter_index={pk: n for n, pk in enumerate(sorted(counter_ids[centre.pk]))},
                operators=operators[centre.pk],
                quality=rng.random(),
            )
        )
    return plans, created


def _closed_days(first_day: dt.date, last_day: dt.date) -> tuple[set[dt.date], dict[int, set[dt.date]]]:
    holidays = set(PublicHoliday.objects.filter(date__range=(first_day, last_day)).values_list("date", flat=True))
    closures = defaultdict(set)
    for closure in Closure.objects.filter(starts_on__lte=last_day, ends_on__gte=first_day):
        day = max(closure.starts_on, first_day)
        while day <= min(closure.ends_on, last_day):
            closures[closure.centre_id].add(day)
            day += dt.timedelta(days=1)
    return holidays, closures


def _arrival_slots(periods: list[tuple[dt.time, dt.time]]) -> tuple[list[int], list[float]]:
    """Quarter hours of the open periods (minutes after midnight) and their cumulative weights:
    mornings are busier."""
    starts, weights = [], []
    for opens, closes in periods:
        minute = opens.hour * 60 + opens.minute
        end = closes.hour * 60 + closes.minute - 15  # the last quarter hour before closing
        while minute < end:
            starts.append(minute)
            weights.append(next(weight for until, weight in MORNING_WEIGHTS if minute < until * 60))
            minute += 15
    return starts, list(accumulate(weights))


def _wait_seconds(rng: random.Random, busy: float) -> int:
    """Mostly 2-15 minutes (median about 6), a tail up to two hours on a bad day."""
    draw = rng.random()
    if draw < 0.01:
        return rng.randint(60 * 60, 120 * 60)
    if draw < 0.07:
        return rng.randint(15 * 60, 60 * 60)
    return max(30, int(rng.lognormvariate(math.log(6 * 60 * busy), 0.55)))


def _score(rng: random.Random, plan: _CentrePlan, wait: int) -> int:
    unhappy = 0.008 + 0.03 * (1 - plan.quality) + (0.08 if wait > 30 * 60 else 0.0)
    if rng.random() < unhappy:
        return rng.choices((1, 2, 3), (3, 2, 5))[0]
    return 5 if rng.random() < 0.84 + 0.1 * plan.quality else 4


def _aspects(rng: random.Random, score: int, wait: int) -> dict:
    if rng.random() >= ASPECTS_SHARE:
        return {}
    if wait <= 10 * 60:
        waiting = 5
    elif wait <= 20 * 60:
        waiting = rng.choice((4, 5))
    else:
        waiting = rng.choice((2, 3, 3, 4))
    values = {"waiting_score": waiting}
    for name in ("courtesy_score", "competence_score", "premises_score"):
        values[name] = max(1, min(5, score + rng.choice((0, 0, 0, 0, -1, 1))))
    # Not every aspect is answered.
    return {name: value for name, value in values.items() if rng.random() < 0.85}


def _phone(rng: random.Random) -> str:
    return f"+994{rng.choice(('50', '51', '55', '70', '77'))}{rng.randrange(10**7):07d}"


def _wait_bucket(seconds: int) -> str:
    for edge, field in zip(WAIT_BUCKET_EDGES, WAIT_BUCKET_FIELDS, strict=False):
        if seconds <= edge * 60:
            return field
    return WAIT_BUCKET_FIELDS[-1]


class _Batch:
    """Rows of one flush, as dicts of column values, and the roll-up sums they add up to."""

    def __init__(self):
        self.tickets: list[dict] = []
        self.bookings: list[dict | None] = []  # the kept booking of each ticket, or None
        self.ratings: list[dict | None] = []  # the rating of each ticket, or None
        self.missed: list[dict] = []  # bookings that lapsed: no ticket

    def __len__(self):
        return len(self.tickets)


class _Tally:
    """The roll-up rows, summed as feedback/rollups.py defines them: per (day, centre),
    (day, centre, service) and (day, centre, counter, operator)."""

    def __init__(self):
        self.rows = {model: defaultdict(lambda: defaultdict(int)) for model in ROLLUP_MODELS}
        self.providers: dict[tuple, int] = {}

    def add(self, day, centre_id, service_id, provider_id, counter_id, operator_id, deltas: dict) -> None:
        keys = [(CentreDay, (day, centre_id)), (ServiceDay, (day, centre_id, service_id))]
        self.providers[day, centre_id, service_id] = provider_id
        if counter_id is not None and operator_id is not None:
            keys.append((StaffDay, (day, centre_id, counter_id, operator_id)))
        for model, key in keys:
            row = self.rows[model][key]
            for name, value in deltas.items():
                row[name] += value

    def model_rows(self, model, *, now: dt.datetime) -> list[dict]:
        names = ("day", *(name.removesuffix("_id") for name in ROLLUP_KEYS[model]))
        rows = []
        for key, sums in self.rows[model].items():
            row = dict(zip(names, key, strict=True)) | {name: sums.get(name, 0) for name in METRIC_FIELDS}
            if model is ServiceDay:
                row["provider"] = self.providers[key]
            row["updated_at"] = now
            rows.append(row)
        return rows


def _rating_deltas(rating: dict) -> dict:
    deltas = {"ratings": 1, "score_sum": rating["score"], "satisfied": int(rating["score"] >= SATISFIED_FROM)}
    for aspect in ASPECTS:
        value = rating.get(f"{aspect}_score")
        if value is not None:
            deltas[f"{aspect}_count"] = 1
            deltas[f"{aspect}_sum"] = value
    return deltas


def _day_rows(plan: _CentrePlan, day: dt.date, visits: int, numbers: dict, seed: int, now, batch, tally) -> None:
    """Add one centre's day to the batch (tickets with their booking and rating, if any, and
    the bookings missed) and to the roll-up tally."""
    centre = plan.centre
    rng = random.Random(f"{seed}-{centre.code}-{day.isoformat()}")  # nosec B311  # seeded demo data, not security
    slots, slot_weights = _arrival_slots(plan.periods[day.weekday()])
    if not slots:
        return
    # In UTC from the start: cheaper to write (SQLite keeps UTC text).
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=centre.tz).astimezone(dt.UTC)
    busy = 1.2 if day.weekday() == 5 else 1.0
    languages, language_weights = zip(*LANGUAGES, strict=True)
    arrivals = sorted(
        rng.choices(slots, cum_weights=slot_weights)[0] * 60 + rng.randrange(15 * 60)
        for _ in range(int(visits * (1 + NO_SHOW_SHARE)))
    )
    for seconds in arrivals:
        service, letter, provider_id, duration, counters = rng.choices(plan.services, cum_weights=plan.cum_weights)[0]
        key = (centre.pk, day, letter)
        numbers[key] = numbers.get(key, 0) + 1
        queued_at = midnight + dt.timedelta(seconds=seconds)
        counter_id = rng.choice(counters)
        operator_id = plan.operators[(plan.counter_index[counter_id] + day.toordinal()) % len(plan.operators)]
        wait = _wait_seconds(rng, busy * (1.3 if seconds < 12 * 3600 else 1.0))
        called_at = queued_at + dt.timedelta(seconds=wait)
        language = rng.choices(languages, language_weights)[0]
        ticket = {
            "centre": centre.pk,
            "service": service.pk,
            "date": day,
            "letter": letter,
            "number": numbers[key],
            "public_token": f"{DEMO_TOKEN_PREFIX}{rng.getrandbits(128):032x}",
            "queued_at": queued_at,
            "issued_at": queued_at,
            "called_at": called_at,
            "counter": counter_id,
            "operator": operator_id,
            "language": language,
            "phone": _phone(rng) if rng.random() < 0.7 else "",
        }
        ids = (day, centre.pk, service.pk, provider_id, counter_id, operator_id)
        booking = rating = None
        if rng.random() < NO_SHOW_SHARE:
            ticket["status"] = TicketStatus.NO_SHOW
            ticket["completed_at"] = called_at + dt.timedelta(seconds=rng.randint(90, 180))
            tally.add(*ids, {"no_shows": 1})
        else:
            ticket["status"] = TicketStatus.COMPLETED
            ticket["started_at"] = called_at + dt.timedelta(seconds=rng.randint(20, 90))
            served = max(120, int(duration * 60 * rng.lognormvariate(math.log(0.8), 0.35)))
            ticket["completed_at"] = ticket["started_at"] + dt.timedelta(seconds=served)
            tally.add(*ids, {"visits": 1, "waits": 1, "wait_seconds": wait, _wait_bucket(wait): 1})
            if rng.random() < BOOKED_SHARE:
                starts_at = queued_at + dt.timedelta(minutes=rng.randint(0, 10))
                booking = _booking(rng, service, centre, counter_id, starts_at, duration, language, ticket["phone"])
                booking |= {"status": AppointmentStatus.COMPLETED, "checked_in_at": queued_at}
                ticket["due_at"] = starts_at
                tally.add(day, centre.pk, service.pk, provider_id, None, None, {"bookings_kept": 1})
                if rng.random() < MISSED_BOOKING_SHARE / (1 - MISSED_BOOKING_SHARE):
                    missed_start = midnight + dt.timedelta(minutes=rng.choices(slots, cum_weights=slot_weights)[0])
                    lapsed = _booking(rng, service, centre, counter_id, missed_start, duration, language, "")
                    batch.missed.append(lapsed | {"status": AppointmentStatus.LAPSED})
                    tally.add(day, centre.pk, service.pk, provider_id, None, None, {"bookings_missed": 1})
            if rng.random() < RATED_SHARE:
                rating = _rating(rng, plan, ticket, wait, provider_id, now)
                tally.add(*ids, _rating_deltas(rating))
        batch.tickets.append(ticket)
        batch.bookings.append(booking)
        batch.ratings.append(rating)


def _rating(rng: random.Random, plan: _CentrePlan, ticket: dict, wait: int, provider_id: int, now) -> dict:
    score = _score(rng, plan, wait)
    if rng.random() < COUNTER_CHANNEL_SHARE:
        channel, delay = RatingChannel.COUNTER, rng.randint(20, 180)
    else:
        channel, delay = RatingChannel.LINK, int(rng.expovariate(1 / (3 * 3600)))
    language = ticket["language"]
    rating = {
        "visit_date": ticket["date"],
        "centre": ticket["centre"],
        "service": ticket["service"],
        "provider": provider_id,
        "counter": ticket["counter"],
        "operator": ticket["operator"],
        "score": score,
        "channel": channel,
        "language": language,
        "created_at": min(ticket["completed_at"] + dt.timedelta(seconds=delay), now),
        **_aspects(rng, score, wait),
    }
    if rng.random() < COMMENT_SHARE or (score <= 3 and rng.random() < 0.4):
        rating["comment"] = rng.choice(COMMENTS[language]["good" if score >= 4 else "bad"])
    return rating


def _booking(rng, service, centre, counter_id, starts_at, duration, language, phone) -> dict:
    reference = f"D{rng.getrandbits(60):015X}"
    return {
        "reference": reference,
        "manage_token_hash": hashlib.sha256(f"demo-booking-{reference}".encode()).hexdigest(),
        "service": service.pk,
        "centre": centre.pk,
        "counter": counter_id,
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(minutes=duration),
        "local_date": starts_at.astimezone(centre.tz).date(),
        "full_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "fin": "".join(rng.choices("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", k=7)),
        "phone": phone or _phone(rng),
        "language": language,
        "verified_at": starts_at - dt.timedelta(days=rng.randint(1, 6)),
    }


# --- writing ----------------------------------------------------------------------------------


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC)


def _db_value(field, now):
    """A converter of Python values to what the database driver takes for `field`."""
    if connection.vendor == "sqlite" and isinstance(field, models.DateTimeField):
        # Django keeps SQLite datetimes as naive UTC text: the ISO form without its "+00:00".
        return lambda value: None if value is None else _utc(value).isoformat(" ")[:-6]
    if connection.vendor == "sqlite" and isinstance(field, models.DateField):
        return lambda value: None if value is None else value.isoformat()
    return None


def _insert(model, rows: list[dict], *, now: dt.datetime, returning: bool = False) -> list[int]:
    """INSERT the rows (field name or attname -> value; other columns take their defaults) with
    multi-row VALUES in chunks; the new ids in order when `returning`. Bypasses save() and
    signals on purpose: nothing listens for demo history."""
    if not rows:
        return []
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    defaults, converters = [], []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults.append(now)
        else:
            defaults.append(field.get_default())
        converters.append(_db_value(field, now))
    # Rows name their columns by field name (`centre`, holding the id).
    plan = [
        (field.name, default, convert) for field, default, convert in zip(fields, defaults, converters, strict=True)
    ]
    values = [
        [convert(row.get(name, default)) if convert else row.get(name, default) for name, default, convert in plan]
        for row in rows
    ]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)
    # The driver's own cursor and placeholders: Django's wrapper would rewrite every batch's
    # SQL and, in DEBUG, format its thousands of parameters into the query log.
    connection.ensure_connection()
    sqlite = connection.vendor == "sqlite"
    one_row = "(" + ", ".join(["?" if sqlite else "%s"] * len(fields)) + ")"
    ids = []
    cursor = connection.connection.cursor()
    try:
        if sqlite and not returning:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {one_row}", values)  # noqa: S608 - _meta names  # nosec B608
            return ids
        chunk = max(1, 30_000 // len(fields))  # under SQLite's 32,766 bound parameters
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one_row] * len(part))}"  # noqa: S608  # nosec B608  # table and column names from _meta, values are parameters
            params = [value for record in part for value in record]
            if returning:
                cursor.execute(sql + f" RETURNING {quote(model._meta.pk.column)}", params)
                ids += [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute(sql, params)
    finally:
        cursor.close()
    return ids


def _write(batch: _Batch, result: VisitsHistoryResult, now: dt.datetime) -> None:
    kept = [booking for booking in batch.bookings if booking is not None]
    booking_ids = iter(_insert(Appointment, kept, now=now, returning=True))
    _insert(Appointment, batch.missed, now=now)
    for ticket, booking in zip(batch.tickets, batch.bookings, strict=True):
        if booking is not None:
            ticket["appointment"] = next(booking_ids)
    ticket_ids = _insert(Ticket, batch.tickets, now=now, returning=True)
    events, ratings = [], []
    for ticket_id, ticket, rating in zip(ticket_ids, batch.tickets, batch.ratings, strict=True):
        # The first call: the roll-ups measure the wait from queued_at to it.
        events.append(
            {
                "ticket": ticket_id,
                "action": CALL_ACTION,
                "from_status": TicketStatus.WAITING,
                "to_status": TicketStatus.CALLED,
                "counter": ticket["counter"],
                "operator": ticket["operator"],
                "service": ticket["service"],
                "at": ticket["called_at"],
            }
        )
        if rating is not None:
            ratings.append(rating | {"ticket": ticket_id})
    _insert(TicketEvent, events, now=now)
    _insert(Rating, ratings, now=now)
    result.visits += sum(1 for ticket in batch.tickets if ticket["status"] == TicketStatus.COMPLETED)
    result.no_shows += sum(1 for ticket in batch.tickets if ticket["status"] == TicketStatus.NO_SHOW)
    result.bookings += len(kept) + len(batch.missed)
    result.ratings += len(ratings)


def _days_with_other_activity(first_day: dt.date, last_day: dt.date) -> set[dt.date]:
    """Days of the range that already have visits, bookings or ratings (a queue used yesterday):
    their roll-ups are rebuilt from all the raw rows, not just counted from the demo ones."""
    days = set(Ticket.objects.filter(date__range=(first_day, last_day)).values_list("date", flat=True).distinct())
    days |= set(
        Appointment.objects.filter(local_date__range=(first_day, last_day))
        .values_list("local_date", flat=True)
        .distinct()
    )
    return days


def demo_history_last_day() -> dt.date | None:
    """The last day of demo visits already loaded, or None."""
    return Ticket.objects.filter(public_token__startswith=DEMO_TOKEN_PREFIX).aggregate(last=Max("date"))["last"]


@transaction.atomic
def visits_history_load_demo(
    days: int = 365, *, seed: int = DEFAULT_SEED, today: dt.date | None = None, visits_per_year: int = VISITS_PER_YEAR
) -> VisitsHistoryResult:
    """Load `days` of demo visits, bookings and ratings ending yesterday (Baku) and their
    roll-ups. Days already loaded are kept: only the days after the last demo day are added, so
    a second run on the same day writes nothing. Needs the demo centres (centres_load_demo)."""
    started = time.perf_counter()
    now = timezone.now()
    today = today or timezone.localdate(now)
    last_day = today - dt.timedelta(days=1)
    first_day = today - dt.timedelta(days=days)
    loaded_until = demo_history_last_day()
    if loaded_until is not None:
        first_day = max(first_day, loaded_until + dt.timedelta(days=1))
    result = VisitsHistoryResult(first_day=first_day, last_day=last_day)
    if first_day > last_day:
        result.up_to_date = True
        result.seconds = time.perf_counter() - started
        return result
    result.days = (last_day - first_day).days + 1

    plans, result.operators_created = _plans(seed)
    holidays, closures = _closed_days(first_day, last_day)
    calendar = [first_day + dt.timedelta(days=n) for n in range(result.days)]
    open_days = {
        plan.centre.pk: [
            day
            for day in calendar
            if day.weekday() in plan.periods and day not in holidays and day not in closures[plan.centre.pk]
        ]
        for plan in plans
    }
    # Scale so that a whole year has about `visits_per_year` visits whatever the calendar.
    demand = sum(
        plan.weight * _weekday_factor(day) * _season(day) for plan in plans for day in open_days[plan.centre.pk]
    )
    scale = visits_per_year * result.days / 365 / demand if demand else 0
    busy_days = _days_with_other_activity(first_day, last_day)
    # Numbers continue after any ticket already issued on those days.
    numbers = {
        (row["centre_id"], row["date"], row["letter"]): row["top"]
        for row in Ticket.objects.filter(date__in=busy_days)
        .values("centre_id", "date", "letter")
        .annotate(top=Max("number"))
    }
    tally, batch = _Tally(), _Batch()
    for day in calendar:
        for plan in plans:
            if day not in open_days[plan.centre.pk]:
                continue
            noise = random.Random(f"{seed}-volume-{plan.centre.code}-{day.isoformat()}").uniform(0.85, 1.15)  # nosec B311  # seeded demo data, not security
            visits = round(plan.weight * _weekday_factor(day) * _season(day) * scale * noise)
            _day_rows(plan, day, visits, numbers, seed, now, batch, tally)
        if len(batch) >= FLUSH_EVERY:
            _write(batch, result, now)
            batch = _Batch()
    _write(batch, result, now)

    # The roll-ups of the range: counted here, except days that had other activity; the
    # country's rows are summed from the centres' as the rebuild does.
    for model in ROLLUP_MODELS:
        model.objects.filter(day__range=(first_day, last_day)).delete()
        if model is NationalServiceDay:
            continue
        rows = [row for row in tally.model_rows(model, now=now) if row["day"] not in busy_days]
        _insert(model, rows, now=now)
        result.rollup_rows += len(rows)
    result.rollup_rows += rollups.national_rows_refresh(first_day=first_day, last_day=last_day)
    for day in sorted(busy_days):
        result.rollup_rows += rollups.rollups_rebuild(first_day=day, last_day=day) or 0
    result.seconds = time.perf_counter() - started
    return result
