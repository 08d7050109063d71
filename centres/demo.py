"""Load the demo centres from centres/demo_data/centres.json (shape: centres/demo_data/README.md).

Besides what the file says (cities, centres, weekly hours, holidays, closures, mobile
routes) the loader derives, by the rules below, which services each centre offers and how
its hall of counters is laid out, and it creates one demo user per staff role.

Idempotent like the catalogue loader: rows are upserted by natural keys (code,
(centre, weekday, opens_at), (centre, date), (centre, number)), compared before writing,
and written in bulk with their history rows.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone, translation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from asan_portal import roles
from asan_portal.azerbaijani import fold
from asan_portal.i18n import LANGUAGE_CODES, translated_columns
from asan_portal.page_cache import catalogue_version_bump
from services.models import Provider, ProviderKind, Service

from .models import (
    Centre,
    CentreKind,
    CentreService,
    City,
    Closure,
    Counter,
    MobileStop,
    OpeningHours,
    PublicHoliday,
    StaffMembership,
    StaffRole,
)

DEMO_FILE = Path(__file__).resolve().parent / "demo_data" / "centres.json"
BATCH_SIZE = 1000
MOBILE_DAYS_AHEAD = 30
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Which services a centre offers, by its "offers" profile (see demo_data/README.md).
UTILITY_CATEGORIES = {"utilities"}
UTILITIES_CENTRE_CATEGORIES = {"utilities", "banking-insurance", "telecom-post"}
BAKU_ONLY_CATEGORIES = {"consular"}  # legalisation and apostille stay in the capital
MOBILE_CATEGORIES = {"identity-documents", "travel-documents", "residence-registration", "certificates-records"}
MOBILE_NOTARY_WORDS = ("etibarname", "power of attorney", "доверенност")
OFFER_PROFILES = ("baku", "regional", "utilities", "mobile")
COUNTER_LIMITS = {"stationary": (12, 40), "mobile": (3, 5)}

DEMO_PASSWORD = "asan-demo-2026"  # noqa: S105 - printed on purpose: demo logins for a local portal  # nosec B105
DEMO_MANAGED_CENTRE = "baku-1"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None  # a group from asan_portal.roles; None for the superuser
    superuser: bool = False
    membership: str | None = None  # StaffRole at DEMO_MANAGED_CENTRE


DEMO_USERS = [
    DemoUser("admin", "Admin", "ASAN", None, superuser=True),
    DemoUser("catalogue", "Leyla", "Həsənova", roles.CATALOGUE_ADMIN),
    DemoUser("official", "Rəşad", "Quliyev", roles.OFFICIAL),
    DemoUser("manager", "Aysel", "Məmmədova", roles.CENTRE_MANAGER, membership=StaffRole.MANAGER),
    DemoUser("operator", "Elvin", "Əliyev", roles.OPERATOR, membership=StaffRole.OPERATOR),
    DemoUser("coordinator", "Nigar", "İsmayılova", roles.VOLUNTEER_COORDINATOR),
]


class CentresDemoDataError(Exception):
    """centres.json is malformed; the message names the record."""


@dataclass
class CentresLoadResult:
    cities: int = 0
    centres: int = 0
    holidays: int = 0
    offers: int = 0
    counters: int = 0
    stops: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], model, number: int) -> None:
        if number:
            with translation.override("en"):
                name = str(model._meta.verbose_name_plural)
            bucket[name] = bucket.get(name, 0) + number


# Parsing -------------------------------------------------------------------------------


def _fail(what: str, message: str):
    raise CentresDemoDataError(f"{DEMO_FILE.name}: {what}: {message}")


def _texts(what: str, record: dict, key: str, *, required: bool = False) -> dict[str, str]:
    value = record.get(key) or {}
    if not isinstance(value, dict):
        _fail(what, f"'{key}' must be an object with az/en/ru texts")
    if required and not (value.get("az") or "").strip():
        _fail(what, f"'{key}' needs an Azerbaijani text ('az')")
    return {f"{key}_{code}": (value.get(code) or "").strip() for code in LANGUAGE_CODES}


def _time(what: str, text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except (TypeError, ValueError):
        _fail(what, f"{text!r} is not a time like 09:00")


def _period(what: str, text) -> tuple[dt.time, dt.time]:
    if not isinstance(text, str) or text.count("-") != 1:
        _fail(what, f"{text!r} is not a period like 09:00-19:00")
    start, end = (_time(what, part.strip()) for part in text.split("-"))
    if end <= start:
        _fail(what, f"{text!r} ends before it starts")
    return start, end


def _weekdays(what: str, key: str) -> list[int]:
    """ "mon" -> [0]; "mon-fri" -> [0..4]."""
    first, _sep, last = key.partition("-")
    if first not in WEEKDAYS or (last and last not in WEEKDAYS):
        _fail(what, f"{key!r} is not a weekday or a range like mon-fri")
    start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
    if end < start:
        _fail(what, f"{key!r} runs backwards")
    return list(range(start, end + 1))


def _weekly_hours(what: str, spec: dict) -> set[tuple[int, dt.time, dt.time]]:
    if not isinstance(spec, dict):
        _fail(what, "'hours' must be a template name or an object of weekday: [periods]")
    hours = set()
    for key, periods in spec.items():
        for weekday in _weekdays(what, key):
            for period in periods if isinstance(periods, list) else [periods]:
                hours.add((weekday, *_period(what, period)))
    return hours


def _coordinate(what: str, value, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except InvalidOperation:
        _fail(what, f"{value!r} is not a coordinate")
    if abs(number) > limit:
        _fail(what, f"{value!r} is out of range")
    return number


def centres_read_demo(path: Path | None = None) -> dict:
    """Parse and check centres.json; returns plain dicts ready for the loader."""
    path = Path(path or DEMO_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise CentresDemoDataError(f"{path.name}: cannot read: {error}") from error

    templates = {
        name: _weekly_hours(f"hours template {name}", spec) for name, spec in data.get("hours_templates", {}).items()
    }
    cities = []
    for record in data.get("cities", []):
        cities.append(
            {"code": record.get("code"), **_texts(f"city {record.get('code')}", record, "name", required=True)}
        )
    city_codes = {city["code"] for city in cities}

    centres, seen = [], set()
    for record in data.get("centres", []):
        code = record.get("code")
        what = f"centre {code}"
        if not code or code in seen:
            _fail(what, "missing or duplicate code")
        seen.add(code)
        kind = record.get("kind", CentreKind.CENTRE)
        if kind not in CentreKind.values:
            _fail(what, f"kind must be one of {CentreKind.values}")
        if record.get("city") not in city_codes:
            _fail(what, f"unknown city {record.get('city')!r}")
        profile = record.get("offers")
        if profile not in OFFER_PROFILES:
            _fail(what, f"'offers' must be one of {OFFER_PROFILES}")
        low, high = COUNTER_LIMITS["mobile" if kind == CentreKind.MOBILE else "stationary"]
        counters = record.get("counters", low)
        if not isinstance(counters, int) or not low <= counters <= high:
            _fail(what, f"'counters' must be {low}..{high}")
        hours = record.get("hours", {})
        if isinstance(hours, str):
            if hours not in templates:
                _fail(what, f"unknown hours template {hours!r}")
            hours = templates[hours]
        else:
            hours = _weekly_hours(what, hours)
        route = []
        for stop in record.get("route", []):
            stop_what = f"{what} route stop {stop.get('weekday')}"
            weekdays = _weekdays(stop_what, stop.get("weekday", ""))
            starts_at, ends_at = _period(stop_what, stop.get("hours"))
            for weekday in weekdays:
                route.append(
                    {
                        "weekday": weekday,
                        "starts_at": starts_at,
                        "ends_at": ends_at,
                        "latitude": _coordinate(stop_what, stop.get("latitude"), 90),
                        "longitude": _coordinate(stop_what, stop.get("longitude"), 180),
                        **_texts(stop_what, stop, "place", required=True),
                    }
                )
        if kind == CentreKind.MOBILE and not route:
            _fail(what, "a mobile unit needs a weekly 'route'")
        if kind != CentreKind.MOBILE and not hours:
            _fail(what, "a centre needs 'hours'")
        centres.append(
            {
                "code": code,
                "kind": kind,
                "city": record["city"],
                "phone": record.get("phone", ""),
                "email": record.get("email", ""),
                "timezone": record.get("timezone", "Asia/Baku"),
                "latitude": _coordinate(what, record.get("latitude"), 90),
                "longitude": _coordinate(what, record.get("longitude"), 180),
                "is_active": True,
                **_texts(what, record, "name", required=True),
                **_texts(what, record, "address"),
                "_hours": hours,
                "_route": route,
                "_profile": profile,
                "_with_utilities": bool(record.get("with_utilities", False)),
                "_counters": counters,
            }
        )

    holidays = []
    for record in data.get("holidays", []):
        try:
            day = dt.date.fromisoformat(record.get("date", ""))
        except (TypeError, ValueError):
            _fail(f"holiday {record.get('date')!r}", "date must be YYYY-MM-DD")
        holidays.append({"date": day, **_texts(f"holiday {day}", record, "name", required=True)})

    closures = []
    for record in data.get("closures", []):
        what = f"closure at {record.get('centre')}"
        if record.get("centre") not in seen:
            _fail(what, "unknown centre")
        starts_in, days = record.get("starts_in_days"), record.get("days", 1)
        if not isinstance(starts_in, int) or starts_in < 0 or not isinstance(days, int) or days < 1:
            _fail(what, "'starts_in_days' must be >= 0 and 'days' >= 1")
        closures.append(
            {
                "centre": record["centre"],
                "starts_in": starts_in,
                "days": days,
                **_texts(what, record, "reason", required=True),
            }
        )
    return {"cities": cities, "centres": centres, "holidays": holidays, "closures": closures}


# Which services, which counters ------------------------------------------------------


def _offered(profile: str, with_utilities: bool, services: list[Service]) -> list[Service]:
    """The rules of demo_data/README.md: what a centre of this profile offers."""

    def utility(service):
        return service.category.code in UTILITY_CATEGORIES

    if profile == "baku":
        return [s for s in services if with_utilities or not utility(s)]
    if profile == "regional":
        return [
            s for s in services if s.category.code not in BAKU_ONLY_CATEGORIES and (with_utilities or not utility(s))
        ]
    if profile == "utilities":
        return [s for s in services if s.category.code in UTILITIES_CENTRE_CATEGORIES]
    # mobile: the everyday documents, plus powers of attorney from the notary
    chosen = []
    for s in services:
        if s.category.code in MOBILE_CATEGORIES:
            chosen.append(s)
        elif s.category.code == "notary":
            text = f"{fold(s.name_az)} {s.name_en.lower()} {s.name_ru.lower()}"
            if any(word in text for word in MOBILE_NOTARY_WORDS):
                chosen.append(s)
    return chosen


def counter_plan(services: list[Service], total: int) -> list[tuple[str, list[int]]]:
    """Lay out `total` counters like an ASAN hall: desks grouped by provider.

    Each provider whose services the centre offers gets at least one counter labelled with
    its name; the rest go, one at a time, to the provider with the most services per
    counter. With more providers than counters the smallest ones share the last desk.
    Returns [({label_az, label_en, label_ru}, [service ids])] in counter-number order; deterministic for the same input.
    """
    by_provider: dict[int, list[Service]] = {}
    for service in services:
        by_provider.setdefault(service.provider_id, []).append(service)
    providers: list[Provider] = sorted(
        {s.provider_id: s.provider for s in services}.values(),
        key=lambda p: (p.kind != ProviderKind.STATE, -len(by_provider[p.pk]), p.code),
    )
    if not providers:
        return []
    desks: list[tuple[dict, list[int]]] = []
    if len(providers) > total:
        for provider in providers[: total - 1]:
            desks.append((_labels(provider), [s.pk for s in by_provider[provider.pk]]))
        rest = providers[total - 1 :]
        desks.append((_labels(*rest), [s.pk for p in rest for s in by_provider[p.pk]]))
        counts = [1] * len(desks)
    else:
        desks = [(_labels(p), [s.pk for s in by_provider[p.pk]]) for p in providers]
        counts = [1] * len(desks)
        for _extra in range(total - len(desks)):
            busiest = max(range(len(desks)), key=lambda i: (len(desks[i][1]) / counts[i], -i))
            counts[busiest] += 1
    plan = []
    for (labels, service_ids), count in zip(desks, counts, strict=True):
        plan += [(labels, sorted(service_ids))] * count
    return plan


def _labels(*providers: Provider) -> dict[str, str]:
    """A counter's label in each language: the names of the providers it serves (at most 100
    characters; an empty English or Russian label falls back to the Azerbaijani one)."""
    labels = {}
    for code in LANGUAGE_CODES:
        names = [getattr(p, f"name_{code}") for p in providers]
        label = ", ".join(names) if all(names) else ""
        labels[f"label_{code}"] = label if len(label) <= 100 else label[:99] + "…"
    return labels


# Loading -----------------------------------------------------------------------------


def _sync_by_key(model, wanted: dict, existing: dict, fields: list[str], result: CentresLoadResult) -> dict:
    """Create rows missing from `existing` and update those whose `fields` differ; both dicts by natural key."""
    to_create, to_update = [], []
    for key, values in wanted.items():
        obj = existing.get(key)
        if obj is None:
            obj = model(**values)
            to_create.append(obj)
            existing[key] = obj
        elif any(getattr(obj, model._meta.get_field(name).attname) != _plain(values[name]) for name in fields):
            for name in fields:
                setattr(obj, name, values[name])
            to_update.append(obj)
    has_history = hasattr(model, "history")
    if to_create:
        if has_history:
            bulk_create_with_history(to_create, model, batch_size=BATCH_SIZE, default_change_reason="load_demo")
        else:
            model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        if has_history:
            bulk_update_with_history(to_update, model, fields, batch_size=BATCH_SIZE, default_change_reason="load_demo")
        else:
            model.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    result.count(result.created, model, len(to_create))
    result.count(result.updated, model, len(to_update))
    return existing


def _plain(value):
    return value.pk if hasattr(value, "_meta") else value


def _load_places(data: dict, result: CentresLoadResult) -> dict[str, Centre]:
    city_fields = [f"name_{code}" for code in LANGUAGE_CODES]
    cities = _sync_by_key(
        City,
        {row["code"]: row for row in data["cities"]},
        {c.code: c for c in City.objects.all()},
        city_fields,
        result,
    )
    rows = {}
    for row in data["centres"]:
        values = {k: v for k, v in row.items() if not k.startswith("_")}
        values["city"] = cities[row["city"]]
        rows[row["code"]] = values
    centre_fields = [name for name in next(iter(rows.values())) if name != "code"] if rows else []
    return _sync_by_key(Centre, rows, {c.code: c for c in Centre.objects.filter(code__in=rows)}, centre_fields, result)


def _load_hours(data: dict, centres: dict[str, Centre], result: CentresLoadResult) -> None:
    wanted = {}
    for row in data["centres"]:
        centre = centres[row["code"]]
        for weekday, opens_at, closes_at in row["_hours"]:
            wanted[centre.pk, weekday, opens_at] = {
                "centre": centre,
                "weekday": weekday,
                "opens_at": opens_at,
                "closes_at": closes_at,
            }
    existing = {
        (h.centre_id, h.weekday, h.opens_at): h
        for h in OpeningHours.objects.filter(centre__in=[c.pk for c in centres.values()])
    }
    stale = [h.pk for key, h in existing.items() if key not in wanted]
    if stale:
        # Queryset delete still records history: simple_history listens to post_delete.
        OpeningHours.objects.filter(pk__in=stale).delete()
        result.count(result.deleted, OpeningHours, len(stale))
    existing = {key: h for key, h in existing.items() if key in wanted}
    _sync_by_key(OpeningHours, wanted, existing, ["closes_at"], result)


def _load_holidays(data: dict, result: CentresLoadResult) -> None:
    fields = [f"name_{code}" for code in LANGUAGE_CODES]
    rows = {row["date"]: row for row in data["holidays"]}
    existing = {h.date: h for h in PublicHoliday.objects.filter(date__in=rows)}
    _sync_by_key(PublicHoliday, rows, existing, fields, result)


def _load_closures(data: dict, centres: dict[str, Centre], today: dt.date, result: CentresLoadResult) -> None:
    """A demo closure is kept while it lies ahead; once past, a new one is planned from today."""
    to_create = []
    for row in data["closures"]:
        centre = centres[row["centre"]]
        upcoming = Closure.objects.filter(centre=centre, reason_az=row["reason_az"], ends_on__gte=today).exists()
        if not upcoming:
            starts_on = today + dt.timedelta(days=row["starts_in"])
            to_create.append(
                Closure(
                    centre=centre,
                    starts_on=starts_on,
                    ends_on=starts_on + dt.timedelta(days=row["days"] - 1),
                    **{f"reason_{code}": row[f"reason_{code}"] for code in LANGUAGE_CODES},
                )
            )
    if to_create:
        bulk_create_with_history(to_create, Closure, default_change_reason="load_demo")
        result.count(result.created, Closure, len(to_create))


def _load_stops(data: dict, centres: dict[str, Centre], today: dt.date, result: CentresLoadResult) -> None:
    """Dated stops for the next MOBILE_DAYS_AHEAD days from each unit's weekly route (none on holidays)."""
    last = today + dt.timedelta(days=MOBILE_DAYS_AHEAD - 1)
    holidays = set(PublicHoliday.objects.filter(date__range=(today, last)).values_list("date", flat=True))
    wanted = {}
    for row in data["centres"]:
        if not row["_route"]:
            continue
        centre = centres[row["code"]]
        by_weekday = {stop["weekday"]: stop for stop in row["_route"]}
        for offset in range(MOBILE_DAYS_AHEAD):
            day = today + dt.timedelta(days=offset)
            stop = by_weekday.get(day.weekday())
            if stop and day not in holidays:
                values = {k: v for k, v in stop.items() if k != "weekday"}
                wanted[centre.pk, day] = {"centre": centre, "date": day, **values}
    existing = {
        (s.centre_id, s.date): s
        for s in MobileStop.objects.filter(centre__in=[c.pk for c in centres.values()], date__range=(today, last))
    }
    fields = ["starts_at", "ends_at", "latitude", "longitude"] + [f"place_{code}" for code in LANGUAGE_CODES]
    _sync_by_key(MobileStop, wanted, existing, fields, result)
    result.stops = len(wanted)


def _load_offers_and_counters(data: dict, centres: dict[str, Centre], result: CentresLoadResult) -> None:
    services = list(
        Service.objects.filter(is_published=True, is_active=True)
        .select_related("provider", "category")
        .order_by("code")
    )
    centre_ids = [c.pk for c in centres.values()]
    have_offers = set(CentreService.objects.filter(centre__in=centre_ids).values_list("centre_id", "service_id"))
    new_offers = []
    wanted_counters, wanted_links, keep_numbers = {}, set(), {}
    for row in data["centres"]:
        centre = centres[row["code"]]
        offered = _offered(row["_profile"], row["_with_utilities"], services)
        new_offers += [CentreService(centre=centre, service=s) for s in offered if (centre.pk, s.pk) not in have_offers]
        plan = counter_plan(offered, row["_counters"])
        keep_numbers[centre.pk] = len(plan)
        for number, (labels, service_ids) in enumerate(plan, start=1):
            wanted_counters[centre.pk, number] = {"centre": centre, "number": number, **labels, "is_active": True}
            wanted_links.update(((centre.pk, number), service_id) for service_id in service_ids)
        result.offers += len(offered)
    if new_offers:
        bulk_create_with_history(new_offers, CentreService, batch_size=BATCH_SIZE, default_change_reason="load_demo")
        result.count(result.created, CentreService, len(new_offers))

    existing = {(c.centre_id, c.number): c for c in Counter.objects.filter(centre__in=centre_ids)}
    # Counters beyond the plan are switched off, not deleted: tickets and shifts may point at them.
    extra = [c for key, c in existing.items() if key not in wanted_counters and c.is_active]
    for counter in extra:
        counter.is_active = False
    if extra:
        bulk_update_with_history(extra, Counter, ["is_active"], default_change_reason="load_demo")
        result.count(result.updated, Counter, len(extra))
    counters = _sync_by_key(Counter, wanted_counters, existing, [*translated_columns("label"), "is_active"], result)
    result.counters = len(wanted_counters)

    # Counter <-> service links: the plain M2M table, synchronised as a set of pairs.
    through = Counter.services.through
    planned_ids = {counters[key].pk for key in wanted_counters}
    wanted_pairs = {(counters[key].pk, service_id) for key, service_id in wanted_links}
    have_pairs = {
        (link.counter_id, link.service_id): link.pk
        for link in through.objects.filter(counter_id__in=planned_ids).only("pk", "counter_id", "service_id")
    }
    stale = [pk for pair, pk in have_pairs.items() if pair not in wanted_pairs]
    if stale:
        through.objects.filter(pk__in=stale).delete()
        result.deleted["counter services"] = len(stale)
    missing = [through(counter_id=c, service_id=s) for c, s in wanted_pairs - have_pairs.keys()]
    if missing:
        through.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        result.created["counter services"] = len(missing)


@transaction.atomic
def centres_load_demo(*, today: dt.date | None = None, path: Path | None = None) -> CentresLoadResult:
    """Upsert the demo centres and everything around them; load the catalogue first.

    `today` (the centres' local date, Baku by default) anchors mobile-unit stops and demo
    closures. Raises CentresDemoDataError before writing when centres.json is malformed.
    Called by `manage.py load_demo`; no permission checks.
    """
    data = centres_read_demo(path)
    today = today or timezone.localdate()
    result = CentresLoadResult(cities=len(data["cities"]), centres=len(data["centres"]), holidays=len(data["holidays"]))
    centres = _load_places(data, result)
    _load_hours(data, centres, result)
    _load_holidays(data, result)
    _load_closures(data, centres, today, result)
    _load_stops(data, centres, today, result)
    _load_offers_and_counters(data, centres, result)
    # Bulk writes send no signals: the cached service and centre pages are renewed here.
    catalogue_version_bump()
    return result


@transaction.atomic
def demo_users_create(*, password: str = DEMO_PASSWORD) -> list[tuple[DemoUser, bool]]:
    """One demo user per staff role; [(user spec, created?)].

    A missing user is created with `password`, which must pass AUTH_PASSWORD_VALIDATORS like any
    other; an existing one keeps its password (never reset) but gets its role group and its
    membership at Baku No. 1 if they are missing.
    """
    if Group.objects.filter(name__in=roles.ALL_ROLES).count() < len(roles.ALL_ROLES):
        roles.roles_sync()
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ALL_ROLES)}
    managed_centre = Centre.objects.get(code=DEMO_MANAGED_CENTRE)
    user_model = get_user_model()
    hashed = None
    done = []
    for spec in DEMO_USERS:
        user = user_model.objects.filter(username=spec.username).first()
        created = user is None
        if created:
            # One hash for all: hashing is deliberately slow, and these are demo accounts.
            validate_password(password, user_model(username=spec.username, first_name=spec.first_name))
            hashed = hashed or make_password(password)
            user = user_model.objects.create(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@asan-portal.invalid",
                password=hashed,
                is_staff=True,
                is_superuser=spec.superuser,
            )
        if spec.role:
            user.groups.add(groups[spec.role])
        if spec.membership:
            StaffMembership.objects.get_or_create(user=user, centre=managed_centre, role=spec.membership)
        done.append((spec, created))
    return done
