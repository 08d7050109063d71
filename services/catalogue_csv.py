"""The whole catalogue as one CSV file, out and back in.

Export writes one row per service; import validates the whole file before it writes
anything, so a file with one bad row changes nothing and the administrator sees every
problem at once (line, column, message). Documents travel as three columns whose items
are joined with " | "; fee options and centre offers are not part of the file and are left
as they are.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from asan_portal.spreadsheets import spreadsheet_cell, spreadsheet_cell_read

from .models import Category, DaysKind, Provider, RequiredDocument, Service
from .services import service_refresh_search_text

LANGUAGES = ("az", "en", "ru")
TRANSLATED_FIELDS = ("name", "summary", "description", "eligibility", "output", "legal_basis")
DOCUMENT_SEPARATOR = " | "
MAX_FILE_BYTES = 10 * 1024 * 1024
CHANGE_REASON = "CSV import"

COLUMNS: list[str] = [
    "code",
    "provider",
    "category",
    *[f"{name}_{lang}" for name in TRANSLATED_FIELDS for lang in LANGUAGES],
    "keywords",
    "fee_azn",
    "duration_minutes",
    "processing_days",
    "processing_days_kind",
    "bookable_online",
    "is_published",
    "is_active",
    *[f"documents_{lang}" for lang in LANGUAGES],
]
TEXT_COLUMNS = [f"{name}_{lang}" for name in TRANSLATED_FIELDS for lang in LANGUAGES] + ["keywords"]
BOOLEAN_COLUMNS = ["bookable_online", "is_published", "is_active"]
INTEGER_COLUMNS = ["duration_minutes", "processing_days"]
TRUE_WORDS = {"true", "1", "yes", "y", "bəli", "да"}
FALSE_WORDS = {"false", "0", "no", "n", "xeyr", "нет"}
FEE_PATTERN = re.compile(r"^\d{1,7}(?:[.,]\d{1,2})?$")


# --- export -----------------------------------------------------------------------------


def _services_for_export(services: Iterable[Service] | None):
    queryset = Service.objects.all() if services is None else Service.objects.filter(pk__in=[s.pk for s in services])
    return (
        queryset.select_related("provider", "category")
        .prefetch_related(Prefetch("documents", queryset=RequiredDocument.objects.order_by("position", "id")))
        .order_by("code")
    )


def _format_bool(value: bool) -> str:
    return "true" if value else "false"


def catalogue_export_csv(*, services: Iterable[Service] | None = None) -> str:
    """The catalogue (every service, or just `services`) as CSV text, header first, sorted by code."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for service in _services_for_export(services):
        documents = list(service.documents.all())
        row = {
            "code": service.code,
            "provider": service.provider.code,
            "category": service.category.code,
            "keywords": service.keywords,
            "fee_azn": f"{service.fee_azn:.2f}",
            "duration_minutes": str(service.duration_minutes),
            "processing_days": str(service.processing_days),
            "processing_days_kind": service.processing_days_kind,
            "bookable_online": _format_bool(service.bookable_online),
            "is_published": _format_bool(service.is_published),
            "is_active": _format_bool(service.is_active),
        }
        for column in TEXT_COLUMNS:
            row[column] = getattr(service, column)
        for lang in LANGUAGES:
            names = [getattr(document, f"name_{lang}") for document in documents]
            # A language with no translated item at all is written empty rather than as " |  | ".
            row[f"documents_{lang}"] = DOCUMENT_SEPARATOR.join(names) if any(names) else ""
        writer.writerow([spreadsheet_cell(row[column]) for column in COLUMNS])
    return buffer.getvalue()


def catalogue_export_csv_bytes(*, services: Iterable[Service] | None = None) -> bytes:
    """The export as bytes for a download. The UTF-8 byte-order mark makes spreadsheet programs
    read ə, ş and Cyrillic correctly instead of guessing a legacy code page; import accepts it."""
    return catalogue_export_csv(services=services).encode("utf-8-sig")


# --- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One problem in the file. `line` is the physical line in the file (1 = header), 0 for the file as a whole."""

    line: int
    column: str
    message: str


@dataclass
class CatalogueImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _ParsedRow:
    line: int
    values: dict  # model field -> value
    documents: list[dict]  # [{"name_az": .., "name_en": .., "name_ru": ..}]


def _read_bytes(file) -> bytes:
    if isinstance(file, bytes):
        return file
    if isinstance(file, str):
        return file.encode("utf-8")
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_FILE_BYTES + 1)
    return data.encode("utf-8") if isinstance(data, str) else data


def _decode(data: bytes, errors: list[ImportProblem]) -> str | None:
    if len(data) > MAX_FILE_BYTES:
        errors.append(ImportProblem(0, "", _("The file is larger than 10 MB.")))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(
            ImportProblem(
                line,
                "",
                _("The file is not UTF-8 text (byte %(offset)d). Save it as “CSV UTF-8” and try again.")
                % {"offset": exc.start},
            )
        )
        return None
    if not text.strip():
        errors.append(ImportProblem(0, "", _("The file is empty.")))
        return None
    if "\x00" in text:
        errors.append(ImportProblem(0, "", _("The file contains NUL characters; it is not a CSV text file.")))
        return None
    return text


def _check_header(header: list[str], errors: list[ImportProblem]) -> list[str] | None:
    names = [name.strip() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    unknown = [name for name in names if name not in COLUMNS]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if "code" not in names and "name_az" not in names:
        errors.append(
            ImportProblem(
                1,
                "",
                _("The first line must be the header with the column names (%(columns)s).")
                % {"columns": ", ".join(COLUMNS)},
            )
        )
        return None
    if missing:
        errors.append(ImportProblem(1, "", _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}))
    if unknown:
        errors.append(ImportProblem(1, "", _("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}))
    if duplicated:
        errors.append(
            ImportProblem(1, "", _("Columns given more than once: %(columns)s.") % {"columns": ", ".join(duplicated)})
        )
    return None if (missing or unknown or duplicated) else names


def _parse_bool(raw: str) -> bool | None:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _split_documents(raw: str) -> list[str]:
    raw = raw.strip()
    return [item.strip() for item in raw.split("|")] if raw else []


def _parse_row(
    line: int,
    cells: dict[str, str],
    *,
    providers: dict[str, Provider],
    categories: dict[str, Category],
    existing: dict[str, Service],
    errors: list[ImportProblem],
) -> _ParsedRow | None:
    row_errors: list[ImportProblem] = []

    def error(column: str, message: str) -> None:
        row_errors.append(ImportProblem(line, column, message))

    values: dict = {}
    code = cells["code"].strip()
    values["code"] = code
    if not code:
        error("code", _("The service code is missing."))

    provider_code = cells["provider"].strip()
    if not provider_code:
        error("provider", _("The provider code is missing."))
    elif provider_code not in providers:
        error("provider", _("Unknown provider code “%(code)s”.") % {"code": provider_code})
    else:
        values["provider"] = providers[provider_code]

    category_code = cells["category"].strip()
    if not category_code:
        error("category", _("The category code is missing."))
    elif category_code not in categories:
        error("category", _("Unknown category code “%(code)s”.") % {"code": category_code})
    else:
        values["category"] = categories[category_code]

    for column in TEXT_COLUMNS:
        values[column] = cells[column].strip()
    if not values["name_az"]:
        error("name_az", _("The Azerbaijani name is missing; every service needs one."))

    fee = cells["fee_azn"].strip()
    if not FEE_PATTERN.match(fee):
        error(
            "fee_azn",
            _("“%(value)s” is not a fee: write the amount in manats, e.g. 12.50 (0 for a free service).")
            % {"value": fee},
        )
    else:
        try:
            values["fee_azn"] = Decimal(fee.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
            error("fee_azn", _("“%(value)s” is not a fee.") % {"value": fee})

    for column in INTEGER_COLUMNS:
        raw = cells[column].strip()
        if not raw.isascii() or not raw.isdigit():
            error(column, _("“%(value)s” is not a whole number of zero or more.") % {"value": raw})
        else:
            values[column] = int(raw)

    kind = cells["processing_days_kind"].strip().lower()
    if kind not in DaysKind.values:
        error(
            "processing_days_kind",
            _("“%(value)s” is not a kind of days: use %(choices)s.")
            % {"value": kind, "choices": " / ".join(DaysKind.values)},
        )
    else:
        values["processing_days_kind"] = kind

    for column in BOOLEAN_COLUMNS:
        parsed = _parse_bool(cells[column])
        if parsed is None:
            error(column, _("“%(value)s” is not true or false.") % {"value": cells[column].strip()})
        else:
            values[column] = parsed

    documents = {lang: _split_documents(cells[f"documents_{lang}"]) for lang in LANGUAGES}
    if any(not item for item in documents["az"]):
        error("documents_az", _("A document has no Azerbaijani name (two separators in a row?)."))
    for lang in ("en", "ru"):
        if documents[lang] and len(documents[lang]) != len(documents["az"]):
            error(
                f"documents_{lang}",
                _("%(count)d documents listed, but %(az)d in documents_az: leave it empty or give one per document.")
                % {"count": len(documents[lang]), "az": len(documents["az"])},
            )
    max_document = RequiredDocument._meta.get_field("name_az").max_length
    for lang in LANGUAGES:
        if any(len(item) > max_document for item in documents[lang]):
            error(
                f"documents_{lang}",
                _("A document name is longer than %(max)d characters.") % {"max": max_document},
            )

    # The model's own validators (lengths, code shape, minimums) for whatever parsed cleanly.
    failed_columns = {e.column for e in row_errors}
    instance = existing.get(code) or Service()
    for name, value in values.items():
        setattr(instance, name, value)
    exclude = ["search_text", *failed_columns]
    if "provider" not in values:
        exclude.append("provider")
    if "category" not in values:
        exclude.append("category")
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                error(name if name in COLUMNS else "", message)

    if row_errors:
        errors.extend(row_errors)
        return None
    document_rows = [
        {f"name_{lang}": (documents[lang][index] if index < len(documents[lang]) else "") for lang in LANGUAGES}
        for index in range(len(documents["az"]))
    ]
    return _ParsedRow(line=line, values=values, documents=document_rows)


def catalogue_validate_csv(*, file) -> tuple[list[_ParsedRow], list[ImportProblem]]:
    """Read and check the whole file without writing. Returns the parsed rows and every error found."""
    errors: list[ImportProblem] = []
    text = _decode(_read_bytes(file), errors)
    if text is None:
        return [], errors

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    last_line = 0
    try:
        for record in reader:
            records.append((last_line + 1, record))
            last_line = reader.line_num
    except csv.Error as exc:
        errors.append(ImportProblem(reader.line_num, "", _("The file is not valid CSV: %(error)s") % {"error": exc}))
        return [], errors

    records = [(line, record) for line, record in records if any(cell.strip() for cell in record)]
    if not records:
        errors.append(ImportProblem(0, "", _("The file is empty.")))
        return [], errors
    header_line, header = records[0]
    names = _check_header(header, errors)
    if names is None:
        return [], errors
    if len(records) == 1:
        errors.append(ImportProblem(header_line, "", _("The file has a header but no services.")))
        return [], errors

    codes = {record[names.index("code")].strip() for _line, record in records[1:] if len(record) == len(names)}
    providers = {p.code: p for p in Provider.objects.all()}
    categories = {c.code: c for c in Category.objects.all()}
    existing = {s.code: s for s in Service.objects.filter(code__in=codes)}

    parsed: list[_ParsedRow] = []
    first_line_of_code: dict[str, int] = {}
    for line, record in records[1:]:
        if len(record) != len(names):
            errors.append(
                ImportProblem(
                    line,
                    "",
                    _("This row has %(count)d fields but the header has %(expected)d.")
                    % {"count": len(record), "expected": len(names)},
                )
            )
            continue
        cells = {name: spreadsheet_cell_read(value) for name, value in zip(names, record, strict=True)}
        code = cells["code"].strip()
        if code and code in first_line_of_code:
            errors.append(
                ImportProblem(
                    line,
                    "code",
                    _("The code “%(code)s” is already used on line %(line)d of this file.")
                    % {"code": code, "line": first_line_of_code[code]},
                )
            )
        elif code:
            first_line_of_code[code] = line
        row = _parse_row(line, cells, providers=providers, categories=categories, existing=existing, errors=errors)
        if row is not None:
            parsed.append(row)
    errors.sort(key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    return parsed, errors


def _save_with_history(instance, *, user) -> None:
    instance._history_user = user
    instance._change_reason = CHANGE_REASON
    instance.save()


def _delete_with_history(instance, *, user) -> None:
    instance._history_user = user
    instance._change_reason = CHANGE_REASON
    instance.delete()


@transaction.atomic
def catalogue_import_csv(*, file, user) -> CatalogueImportResult:
    """Upsert services by code from a catalogue CSV (the format `catalogue_export_csv` writes).

    The whole file is validated first; if any row is bad nothing is written and the result
    lists every error. Otherwise each service is created or updated, its documents replaced by
    the file's, and its search text refreshed, all in one transaction, with history rows that
    name `user`. The caller checks that `user` may add and change services.
    """
    rows, errors = catalogue_validate_csv(file=file)
    if errors:
        return CatalogueImportResult(errors=errors)

    result = CatalogueImportResult()
    # Lock the rows we update so a concurrent admin edit waits instead of being overwritten halfway.
    existing = {
        s.code: s
        for s in Service.objects.select_for_update()
        .filter(code__in=[row.values["code"] for row in rows])
        .order_by("pk")
    }
    try:
        with transaction.atomic():
            for row in rows:
                service = existing.get(row.values["code"])
                is_new = service is None
                if is_new:
                    service = Service()
                fields_changed = is_new or any(getattr(service, name) != value for name, value in row.values.items())
                for name, value in row.values.items():
                    setattr(service, name, value)
                if fields_changed:
                    _save_with_history(service, user=user)
                documents_changed = _replace_documents(service, row.documents, user=user)
                if fields_changed:
                    service_refresh_search_text(service=service)
                if is_new:
                    result.created += 1
                elif fields_changed or documents_changed:
                    result.updated += 1
                else:
                    result.unchanged += 1
    except IntegrityError:
        # Another import or admin created one of these codes after we validated.
        return CatalogueImportResult(
            errors=[ImportProblem(0, "code", _("Someone else changed the catalogue at the same time; try again."))]
        )
    return result


def _replace_documents(service: Service, documents: list[dict], *, user) -> bool:
    """Make the service's documents exactly `documents`; True if anything changed."""
    current = list(service.documents.order_by("position", "id"))
    wanted = [{"position": index, **names} for index, names in enumerate(documents)]
    unchanged = len(current) == len(wanted) and all(
        all(getattr(doc, key) == value for key, value in want.items())
        for doc, want in zip(current, wanted, strict=True)
    )
    if unchanged:
        # Re-importing the same file should not fill the history with delete/create pairs.
        return False
    for document in current:
        _delete_with_history(document, user=user)
    for want in wanted:
        _save_with_history(RequiredDocument(service=service, **want), user=user)
    return True
