"""Load the demo catalogue from services/demo_data/*.json (format: services/demo_data/README.md).

Everything is upserted by `code`, compared field by field first, so a second run writes
nothing and leaves no new history rows. New and changed rows go to the database in bulk
(with their history rows), which keeps a full load of a few hundred services to a second.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from asan_portal.i18n import LANGUAGE_CODES
from asan_portal.page_cache import catalogue_version_bump

from .models import Category, DaysKind, FeeOption, Provider, ProviderKind, RequiredDocument, Service, code_validator
from .search import service_search_text

DEMO_DATA_DIR = Path(__file__).resolve().parent / "demo_data"
CATEGORIES_FILE = "categories.json"
BATCH_SIZE = 500

SERVICE_TEXT_FIELDS = ["name", "summary", "description", "eligibility", "output", "legal_basis"]
PROVIDER_TEXT_FIELDS = ["name", "description"]


class DemoDataError(Exception):
    """The demo data is malformed; the message names the file and the record."""


@dataclass
class CatalogueLoadResult:
    categories: int = 0
    providers: int = 0
    services: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], model, number: int) -> None:
        if number:
            with translation.override("en"):
                name = str(model._meta.verbose_name_plural)
            bucket[name] = bucket.get(name, 0) + number


def _fail(path: Path, what: str, message: str):
    raise DemoDataError(f"{path.name}: {what}: {message}")


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DemoDataError(f"{path.name}: not valid JSON: {error}") from error


def _code(path: Path, what: str, value) -> str:
    if not isinstance(value, str) or not value:
        _fail(path, what, "missing 'code'")
    try:
        code_validator(value)
    except ValidationError:
        _fail(path, what, f"code {value!r} must be lower-case Latin letters, digits and single hyphens")
    return value


def _translations(path: Path, what: str, record: dict, key: str, *, required: bool = False) -> dict[str, str]:
    """{"az": ..., "en": ..., "ru": ...} -> {"<key>_az": ..., ...}; Azerbaijani is required when the field is."""
    value = record.get(key) or {}
    if isinstance(value, str):
        value = {"az": value}
    if not isinstance(value, dict):
        _fail(path, what, f"'{key}' must be an object with az/en/ru texts")
    unknown = set(value) - set(LANGUAGE_CODES)
    if unknown:
        _fail(path, what, f"'{key}' has unknown languages {sorted(unknown)}")
    if required and not (value.get("az") or "").strip():
        _fail(path, what, f"'{key}' needs an Azerbaijani text ('az')")
    return {f"{key}_{code}": (value.get(code) or "").strip() for code in LANGUAGE_CODES}


def _decimal(path: Path, what: str, value, key: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        _fail(path, what, f"'{key}' is not a number: {value!r}")
    if not number.is_finite() or number < 0:
        _fail(path, what, f"'{key}' must be 0 or more, not {value!r}")
    return number.quantize(Decimal("0.01"))


def _int(path: Path, what: str, value, key: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        _fail(path, what, f"'{key}' must be a whole number >= {minimum}, not {value!r}")
    return value


def _days_kind(path: Path, what: str, value, key: str) -> str:
    if value not in DaysKind.values:
        _fail(path, what, f"'{key}' must be one of {DaysKind.values}, not {value!r}")
    return value


def _check_lengths(path: Path, what: str, model, row: dict) -> None:
    for name, value in row.items():
        if not isinstance(value, str):
            continue
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if limit and len(value) > limit:
            _fail(path, what, f"'{name}' is longer than {limit} characters")


def _parse_categories(path: Path) -> list[dict]:
    data = _read_json(path)
    if not isinstance(data, list):
        raise DemoDataError(f"{path.name}: expected a list of categories")
    rows, seen = [], set()
    for position, record in enumerate(data, start=1):
        what = f"category #{position}"
        if not isinstance(record, dict):
            _fail(path, what, "expected an object")
        code = _code(path, what, record.get("code"))
        what = f"category {code}"
        if code in seen:
            _fail(path, what, "duplicate code")
        seen.add(code)
        letter = record.get("ticket_letter", "A")
        if not (isinstance(letter, str) and len(letter) == 1 and "A" <= letter <= "Z"):
            _fail(path, what, f"'ticket_letter' must be one capital letter A-Z, not {letter!r}")
        rows.append(
            {
                "code": code,
                "position": position,
                "ticket_letter": letter,
                **_translations(path, what, record, "name", required=True),
            }
        )
    return rows


def _parse_provider(path: Path, record) -> dict:
    if not isinstance(record, dict):
        _fail(path, "provider", "expected an object")
    code = _code(path, "provider", record.get("code"))
    what = f"provider {code}"
    kind = record.get("kind", ProviderKind.STATE)
    if kind not in ProviderKind.values:
        _fail(path, what, f"'kind' must be one of {ProviderKind.values}, not {kind!r}")
    row = {"code": code, "kind": kind, "website": (record.get("website") or "").strip(), "is_active": True}
    for key in PROVIDER_TEXT_FIELDS:
        row.update(_translations(path, what, record, key, required=key == "name"))
    _check_lengths(path, what, Provider, row)
    return row


def _parse_service(path: Path, record) -> dict:
    if not isinstance(record, dict):
        _fail(path, "service", "expected an object")
    code = _code(path, "service", record.get("code"))
    what = f"service {code}"
    for key in ("provider", "category"):
        if not isinstance(record.get(key), str) or not record[key]:
            _fail(path, what, f"missing '{key}'")
    row = {
        "code": code,
        "provider": record["provider"],
        "category": record["category"],
        "keywords": (record.get("keywords") or "").strip(),
        "fee_azn": _decimal(path, what, record.get("fee_azn", "0"), "fee_azn"),
        "duration_minutes": _int(path, what, record.get("duration_minutes", 15), "duration_minutes", minimum=5),
        "processing_days": _int(path, what, record.get("processing_days", 0), "processing_days"),
        "processing_days_kind": _days_kind(
            path, what, record.get("processing_days_kind", DaysKind.WORKING), "processing_days_kind"
        ),
        "bookable_online": bool(record.get("bookable_online", True)),
        "popularity": _int(path, what, record.get("popularity", 0), "popularity"),
        "is_published": True,
        "is_active": True,
    }
    for key in SERVICE_TEXT_FIELDS:
        row.update(_translations(path, what, record, key, required=key == "name"))
    _check_lengths(path, what, Service, row)
    documents = record.get("documents") or []
    if not isinstance(documents, list):
        _fail(path, what, "'documents' must be a list")
    row["documents"] = []
    for n, doc in enumerate(documents, start=1):
        texts = tuple(_translations(path, f"{what} document #{n}", {"d": doc}, "d", required=True).values())
        if any(len(text) > 400 for text in texts):
            _fail(path, f"{what} document #{n}", "longer than 400 characters")
        row["documents"].append(texts)
    options = record.get("fee_options") or []
    if not isinstance(options, list):
        _fail(path, what, "'fee_options' must be a list")
    row["fee_options"] = []
    for n, option in enumerate(options, start=1):
        option_what = f"{what} fee option #{n}"
        if not isinstance(option, dict):
            _fail(path, option_what, "expected an object")
        row["fee_options"].append(
            (
                _decimal(path, option_what, option.get("fee_azn"), "fee_azn"),
                _int(path, option_what, option.get("processing_days", 0), "processing_days"),
                _days_kind(path, option_what, option.get("days_kind", DaysKind.WORKING), "days_kind"),
                *_translations(path, option_what, option, "label").values(),
            )
        )
    return row


def catalogue_read_demo(directory: Path | None = None) -> tuple[list[dict], list[dict], list[dict]]:
    """Parse and cross-check the demo files; (categories, providers, services) as plain dicts.

    Raises DemoDataError naming the file and the provider or service code on any bad record.
    """
    directory = Path(directory or DEMO_DATA_DIR)
    categories_path = directory / CATEGORIES_FILE
    if not categories_path.exists():
        raise DemoDataError(f"{CATEGORIES_FILE}: missing in {directory}")
    categories = _parse_categories(categories_path)
    category_codes = {row["code"] for row in categories}

    providers: dict[str, dict] = {}
    services: dict[str, dict] = {}
    origin: dict[tuple[str, str], Path] = {}
    for path in sorted(directory.glob("*.json")):
        if path.name == CATEGORIES_FILE:
            continue
        data = _read_json(path)
        if not isinstance(data, dict):
            raise DemoDataError(f"{path.name}: expected an object with 'providers' and 'services'")
        for record in data.get("providers") or []:
            row = _parse_provider(path, record)
            if row["code"] in providers:
                first = origin["provider", row["code"]].name
                _fail(path, f"provider {row['code']}", f"code already used in {first}")
            providers[row["code"]] = row
            origin["provider", row["code"]] = path
        for record in data.get("services") or []:
            row = _parse_service(path, record)
            if row["code"] in services:
                first = origin["service", row["code"]].name
                _fail(path, f"service {row['code']}", f"code already used in {first}")
            services[row["code"]] = row
            origin["service", row["code"]] = path

    for code, row in services.items():
        path = origin["service", code]
        if row["provider"] not in providers:
            _fail(path, f"service {code}", f"unknown provider {row['provider']!r}")
        if row["category"] not in category_codes:
            _fail(path, f"service {code}", f"unknown category {row['category']!r} (see {CATEGORIES_FILE})")
    return categories, list(providers.values()), list(services.values())


def _current(obj, name: str):
    field = obj._meta.get_field(name)
    # Compare foreign keys by id: reading `obj.provider` would cost a query per row.
    return getattr(obj, field.attname)


def _wanted(value):
    return value.pk if isinstance(value, models.Model) else value


def _upsert(model, rows: list[dict], fields: list[str], result: CatalogueLoadResult, *, now=None) -> dict[str, object]:
    """Create missing rows and update changed ones (by code), with history; return {code: instance}."""
    existing = {obj.code: obj for obj in model.objects.filter(code__in=[row["code"] for row in rows])}
    to_create, to_update = [], []
    for row in rows:
        obj = existing.get(row["code"])
        if obj is None:
            obj = model(**{name: row[name] for name in ["code", *fields]})
            to_create.append(obj)
            existing[row["code"]] = obj
            continue
        if any(_current(obj, name) != _wanted(row[name]) for name in fields):
            for name in fields:
                setattr(obj, name, row[name])
            to_update.append(obj)
    if to_create:
        bulk_create_with_history(to_create, model, batch_size=BATCH_SIZE, default_change_reason="load_demo")
    if to_update:
        update_fields = list(fields)
        if now is not None:
            for obj in to_update:
                obj.updated_at = now
            update_fields.append("updated_at")
        bulk_update_with_history(
            to_update, model, update_fields, batch_size=BATCH_SIZE, default_change_reason="load_demo"
        )
    result.count(result.created, model, len(to_create))
    result.count(result.updated, model, len(to_update))
    return existing


def _sync_children(services: dict[str, Service], rows: list[dict], result: CatalogueLoadResult) -> None:
    """Replace a service's documents / fee options only when the ordered list differs."""
    ids = [service.pk for service in services.values()]
    have_docs: dict[int, list[tuple]] = {}
    for doc in RequiredDocument.objects.filter(service_id__in=ids).order_by("position", "id"):
        have_docs.setdefault(doc.service_id, []).append((doc.name_az, doc.name_en, doc.name_ru))
    have_fees: dict[int, list[tuple]] = {}
    for fee in FeeOption.objects.filter(service_id__in=ids).order_by("position", "fee_azn", "id"):
        have_fees.setdefault(fee.service_id, []).append(
            (fee.fee_azn, fee.processing_days, fee.processing_days_kind, fee.label_az, fee.label_en, fee.label_ru)
        )
    stale_docs, stale_fees, new_docs, new_fees = [], [], [], []
    for row in rows:
        service = services[row["code"]]
        if have_docs.get(service.pk, []) != row["documents"]:
            stale_docs.append(service.pk)
            new_docs += [
                RequiredDocument(service=service, position=n, name_az=az, name_en=en, name_ru=ru)
                for n, (az, en, ru) in enumerate(row["documents"], start=1)
            ]
        if have_fees.get(service.pk, []) != row["fee_options"]:
            stale_fees.append(service.pk)
            new_fees += [
                FeeOption(
                    service=service,
                    position=n,
                    fee_azn=fee,
                    processing_days=days,
                    processing_days_kind=kind,
                    label_az=az,
                    label_en=en,
                    label_ru=ru,
                )
                for n, (fee, days, kind, az, en, ru) in enumerate(row["fee_options"], start=1)
            ]
    for model, stale, new in ((RequiredDocument, stale_docs, new_docs), (FeeOption, stale_fees, new_fees)):
        if stale:
            model.objects.filter(service_id__in=stale).delete()
        if new:
            bulk_create_with_history(new, model, batch_size=BATCH_SIZE, default_change_reason="load_demo")
        result.count(result.created, model, len(new))


@transaction.atomic
def catalogue_load_demo(*, directory: Path | None = None, now: dt.datetime | None = None) -> CatalogueLoadResult:
    """Upsert the demo categories, providers and services (with documents, fees and search text).

    Idempotent: unchanged rows are not written. Raises DemoDataError, before writing
    anything, when a file is malformed. Management commands call it; no permission checks.
    """
    categories, providers, services = catalogue_read_demo(directory)
    now = now or timezone.now()
    result = CatalogueLoadResult(categories=len(categories), providers=len(providers), services=len(services))

    category_objs = _upsert(
        Category, categories, ["name_az", "name_en", "name_ru", "position", "ticket_letter"], result
    )
    provider_fields = ["kind", "website", "is_active"] + [
        f"{key}_{lang}" for key in PROVIDER_TEXT_FIELDS for lang in LANGUAGE_CODES
    ]
    provider_objs = _upsert(Provider, providers, provider_fields, result)

    service_fields = [
        "provider",
        "category",
        "keywords",
        "fee_azn",
        "duration_minutes",
        "processing_days",
        "processing_days_kind",
        "bookable_online",
        "popularity",
        "is_published",
        "is_active",
        "search_text",
    ] + [f"{key}_{lang}" for key in SERVICE_TEXT_FIELDS for lang in LANGUAGE_CODES]
    service_rows = []
    for row in services:
        row = dict(row, provider=provider_objs[row["provider"]], category=category_objs[row["category"]])
        # The search text is built from an unsaved instance so it can be compared and written in bulk.
        row["search_text"] = service_search_text(Service(**{k: row[k] for k in service_fields if k != "search_text"}))
        service_rows.append(row)
    service_objs = _upsert(Service, service_rows, service_fields, result, now=now)
    _sync_children(service_objs, service_rows, result)
    # Bulk writes send no signals: the cached service and centre pages are renewed here.
    catalogue_version_bump()
    return result
