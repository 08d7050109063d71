import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asan_portal.azerbaijani import fold
from services.catalogue_csv import COLUMNS, catalogue_export_csv, catalogue_export_csv_bytes, catalogue_import_csv
from services.models import RequiredDocument, Service
from tests.services.factories import CategoryFactory, ProviderFactory, RequiredDocumentFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source text; the default language is Azerbaijani."""
    with translation.override("en"):
        yield


@pytest.fixture
def importer():
    return get_user_model().objects.create_user("catalogue-importer", password="x")  # noqa: S106


@pytest.fixture
def provider():
    return ProviderFactory(code="internal-affairs", name_az="Daxili İşlər Nazirliyi")


@pytest.fixture
def category():
    return CategoryFactory(code="identity-documents")


def make_row(**overrides) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        code="id-card-issue",
        provider="internal-affairs",
        category="identity-documents",
        name_az="Şəxsiyyət vəsiqəsinin verilməsi",
        name_en="Issue of an identity card",
        name_ru="Выдача удостоверения личности",
        keywords="vesiqe, ID, удостоверение",
        fee_azn="5.00",
        duration_minutes="15",
        processing_days="10",
        processing_days_kind="working",
        bookable_online="true",
        is_published="true",
        is_active="true",
        documents_az="Doğum haqqında şəhadətnamə | Foto",
        documents_en="Birth certificate | Photo",
        documents_ru="Свидетельство о рождении | Фото",
    )
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, str]], columns: list[str] = COLUMNS, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode(encoding)


def problems(result) -> set[tuple[int, str]]:
    return {(problem.line, problem.column) for problem in result.errors}


def test_import_creates_services_with_ordered_documents_and_history_naming_the_user(importer, provider, category):
    # given
    data = csv_bytes(
        [
            make_row(),
            make_row(
                code="passport-issue", name_az="Pasportun verilməsi", documents_az="", documents_en="", documents_ru=""
            ),
        ]
    )

    # when
    result = catalogue_import_csv(file=io.BytesIO(data), user=importer)

    # then
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 0)
    service = Service.objects.get(code="id-card-issue")
    assert service.provider == provider
    assert service.category == category
    assert service.fee_azn == Decimal("5.00")
    assert service.processing_days == 10
    assert service.bookable_online is True
    assert [(d.position, d.name_az, d.name_en) for d in service.documents.order_by("position")] == [
        (0, "Doğum haqqında şəhadətnamə", "Birth certificate"),
        (1, "Foto", "Photo"),
    ]
    assert Service.objects.get(code="passport-issue").documents.count() == 0
    assert fold("vəsiqəsinin") in service.search_text
    assert fold("Daxili İşlər") in service.search_text
    record = service.history.latest()
    assert record.history_type == "+"
    assert record.history_user == importer
    assert record.history_change_reason == "CSV import"
    assert all(d.history.latest().history_user == importer for d in service.documents.all())


def test_import_updates_by_code_and_replaces_documents(importer, provider, category):
    # given
    service = ServiceFactory(code="id-card-issue", provider=provider, category=category, name_en="Old name")
    RequiredDocumentFactory.create_batch(3, service=service)
    other = ServiceFactory(code="untouched-service")
    data = csv_bytes(
        [make_row(name_en="ID card", fee_azn="7,50", documents_az="Foto", documents_en="", documents_ru="")]
    )

    # when
    result = catalogue_import_csv(file=io.BytesIO(data), user=importer)

    # then
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    service.refresh_from_db()
    assert service.name_en == "ID card"
    assert service.fee_azn == Decimal("7.50")
    assert list(service.documents.values_list("name_az", "name_en")) == [("Foto", "")]
    assert RequiredDocument.history.filter(history_type="-", history_user=importer).count() == 3
    latest = service.history.latest()
    assert (latest.history_type, latest.history_user, latest.name_en) == ("~", importer, "ID card")
    assert fold("ID card") in service.search_text
    other.refresh_from_db()
    assert other.name_az.startswith("Xidmət")


def test_reimporting_the_same_file_reports_unchanged_and_adds_no_history(importer, provider, category):
    data = csv_bytes([make_row()])
    assert catalogue_import_csv(file=io.BytesIO(data), user=importer).created == 1
    history_before = Service.history.count() + RequiredDocument.history.count()

    result = catalogue_import_csv(file=io.BytesIO(data), user=importer)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert Service.history.count() + RequiredDocument.history.count() == history_before


def test_invalid_file_changes_nothing_and_lists_every_bad_row(importer, provider, category):
    # given: one existing service that a good row of the file would rename
    existing = ServiceFactory(code="id-card-issue", provider=provider, category=category, name_en="Before")
    RequiredDocumentFactory(service=existing, name_az="Köhnə sənəd")
    rows = [
        make_row(name_en="After"),  # line 2: fine on its own
        make_row(code="a-1", provider="no-such-agency"),  # line 3
        make_row(code="a-2", fee_azn="five"),  # line 4
        make_row(code="a-3", name_az="  "),  # line 5
        make_row(code="id-card-issue", is_published="perhaps"),  # line 6: duplicate of line 2, and a bad boolean
        make_row(code="a-4", bookable_online="maybe", is_active="nope"),  # line 7: two bad columns
        make_row(code="a-5", category="nowhere", fee_azn="-3", processing_days_kind="hours"),  # line 8
        make_row(code="Bad Code!", duration_minutes="1"),  # line 9: model validators
        make_row(code="a-6", documents_en="Only one"),  # line 10: 1 English document for 2 Azerbaijani
        make_row(code="a-7"),  # line 11: fine
    ]
    counts_before = (Service.objects.count(), RequiredDocument.objects.count(), Service.history.count())

    # when
    result = catalogue_import_csv(file=io.BytesIO(csv_bytes(rows)), user=importer)

    # then: nothing written ...
    assert not result.ok
    assert (result.created, result.updated) == (0, 0)
    assert (Service.objects.count(), RequiredDocument.objects.count(), Service.history.count()) == counts_before
    existing.refresh_from_db()
    assert existing.name_en == "Before"
    assert list(existing.documents.values_list("name_az", flat=True)) == ["Köhnə sənəd"]
    assert not Service.objects.filter(code="a-7").exists()
    # ... and every bad row reported, with its line and column
    assert problems(result) == {
        (3, "provider"),
        (4, "fee_azn"),
        (5, "name_az"),
        (6, "code"),
        (6, "is_published"),
        (7, "bookable_online"),
        (7, "is_active"),
        (8, "category"),
        (8, "fee_azn"),
        (8, "processing_days_kind"),
        (9, "code"),
        (9, "duration_minutes"),
        (10, "documents_en"),
    }
    messages = {(p.line, p.column): p.message for p in result.errors}
    assert "no-such-agency" in messages[(3, "provider")]
    assert "line 2" in messages[(6, "code")]
    assert "Azerbaijani name" in messages[(5, "name_az")]


def test_line_numbers_count_physical_lines_of_multiline_cells(importer, provider, category):
    rows = [make_row(description_az="Birinci sətir\nikinci sətir\nüçüncü"), make_row(code="x-1", fee_azn="abc")]

    result = catalogue_import_csv(file=io.BytesIO(csv_bytes(rows)), user=importer)

    assert problems(result) == {(5, "fee_azn")}


def test_row_with_wrong_number_of_fields_is_reported(importer, provider, category):
    data = csv_bytes([make_row()]) + b"just-a-code,internal-affairs\r\n"

    result = catalogue_import_csv(file=io.BytesIO(data), user=importer)

    assert problems(result) == {(3, "")}
    assert "2 fields" in result.errors[0].message
    assert Service.objects.count() == 0


@pytest.mark.parametrize(
    ("columns", "expected_words"),
    [
        ([c for c in COLUMNS if c != "fee_azn"], ["Missing", "fee_azn"]),
        ([*COLUMNS, "colour"], ["Unknown", "colour"]),
        ([*COLUMNS, "code"], ["more than once", "code"]),
    ],
    ids=["missing-column", "unknown-column", "duplicate-column"],
)
def test_header_errors_are_reported_on_line_one(importer, provider, category, columns, expected_words):
    result = catalogue_import_csv(file=io.BytesIO(csv_bytes([make_row()], columns=columns)), user=importer)

    assert problems(result) == {(1, "")}
    assert all(word in result.errors[0].message for word in expected_words)
    assert Service.objects.count() == 0


def test_file_without_header_is_refused(importer, provider, category):
    data = csv_bytes([make_row()]).split(b"\r\n", 1)[1]  # drop the header line

    result = catalogue_import_csv(file=io.BytesIO(data), user=importer)

    assert problems(result) == {(1, "")}
    assert "header" in result.errors[0].message
    assert Service.objects.count() == 0


def test_file_not_in_utf8_is_refused_with_the_line_of_the_first_bad_byte(importer, provider, category):
    # Windows-1251 (a Cyrillic code page) can write these rows; the Russian text is not valid UTF-8.
    plain = {"name_az": "Pasport", "documents_az": "Foto", "documents_en": "", "documents_ru": ""}
    rows = [make_row(**plain, keywords="pasport", name_ru="Pasport"), make_row(**plain, code="x-2", name_ru="Виза")]
    data = csv_bytes(rows, encoding="cp1251")

    result = catalogue_import_csv(file=io.BytesIO(data), user=importer)

    assert not result.ok
    assert result.errors[0].line == 3
    assert "UTF-8" in result.errors[0].message
    assert Service.objects.count() == 0


@pytest.mark.parametrize("data", [b"", b"\r\n  \r\n"], ids=["zero-bytes", "blank-lines"])
def test_empty_file_is_refused(importer, data):
    result = catalogue_import_csv(file=io.BytesIO(data), user=importer)

    assert [p.message for p in result.errors] == ["The file is empty."]


def test_header_only_file_is_refused(importer, provider, category):
    result = catalogue_import_csv(file=io.BytesIO(csv_bytes([])), user=importer)

    assert not result.ok
    assert "no services" in result.errors[0].message


def test_byte_order_mark_from_spreadsheets_is_accepted(importer, provider, category):
    data = csv_bytes([make_row()], encoding="utf-8-sig")

    result = catalogue_import_csv(file=io.BytesIO(data), user=importer)

    assert result.ok, result.errors
    assert Service.objects.filter(code="id-card-issue").exists()


def test_export_has_the_header_and_one_row_per_service():
    service = ServiceFactory(code="b-service", fee_azn=Decimal("40"), bookable_online=False)
    RequiredDocumentFactory(service=service, position=1, name_az="İkinci", name_en="Second", name_ru="")
    RequiredDocumentFactory(service=service, position=0, name_az="Birinci", name_en="First", name_ru="")
    ServiceFactory(code="a-service")

    rows = list(csv.DictReader(io.StringIO(catalogue_export_csv())))

    assert [row["code"] for row in rows] == ["a-service", "b-service"]
    exported = rows[1]
    assert exported["provider"] == service.provider.code
    assert exported["fee_azn"] == "40.00"
    assert exported["bookable_online"] == "false"
    assert exported["documents_az"] == "Birinci | İkinci"
    assert exported["documents_en"] == "First | Second"
    assert exported["documents_ru"] == ""
    assert catalogue_export_csv_bytes().startswith("\ufeffcode,".encode())


def test_export_then_import_restores_the_catalogue(importer):
    # given: an exported catalogue ...
    services = ServiceFactory.create_batch(3, description_az='Vergül, "dırnaq" və\nyeni sətir')
    RequiredDocumentFactory(service=services[0], position=0)
    RequiredDocumentFactory(service=services[0], position=1, name_en="", name_ru="Паспорт")
    exported = catalogue_export_csv_bytes()
    # ... that is then changed by hand
    Service.objects.filter(pk=services[1].pk).update(name_en="Changed", fee_azn=Decimal("99"), is_published=False)
    services[0].documents.first().delete()

    # when
    result = catalogue_import_csv(file=io.BytesIO(exported), user=importer)

    # then
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    assert catalogue_export_csv_bytes() == exported


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(
        alphabet=st.sampled_from(list("abcçəğıiİöşüz ЖжЁё,;\"'\n\t|.-0123456789")), min_size=1, max_size=60
    ).map(str.strip),
    fee=st.decimals(min_value=0, max_value=9999, places=2, allow_nan=False, allow_infinity=False),
)
def test_round_trip_keeps_any_text_and_fee(importer, text, fee):
    # The import strips cells, and " | " splits documents: keep the generated text clear of both.
    service = ServiceFactory(
        code="round-trip", description_ru=text, keywords=text.replace("\n", " ")[:500], fee_azn=fee
    )
    exported = catalogue_export_csv_bytes()
    Service.objects.filter(pk=service.pk).update(description_ru="", keywords="", fee_azn=Decimal("1"))

    result = catalogue_import_csv(file=io.BytesIO(exported), user=importer)

    assert result.ok, result.errors
    service.refresh_from_db()
    assert (service.description_ru, service.keywords, service.fee_azn) == (
        text,
        text.replace("\n", " ")[:500].strip(),
        fee,
    )
    Service.objects.filter(pk=service.pk).delete()
