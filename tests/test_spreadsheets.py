"""Exported cells cannot run as spreadsheet formulas, and our own import reads them back exactly."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asan_portal.spreadsheets import spreadsheet_cell, spreadsheet_cell_read
from services.catalogue_csv import catalogue_export_csv
from tests.services.factories import ServiceFactory


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"])
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Pasport", "", "'quoted", 12, None, 3.5])
def test_ordinary_values_are_written_unchanged(value):
    assert spreadsheet_cell(value) == value


@given(st.text(alphabet=st.sampled_from(list("'=+-@\t\rab ")), max_size=12))
def test_reading_back_gives_the_exact_text(text):
    written = spreadsheet_cell(text)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert spreadsheet_cell_read(written) == text


@pytest.mark.django_db
def test_catalogue_export_neutralises_a_formula_in_a_description():
    ServiceFactory(code="risky", description_en='=HYPERLINK("http://evil.invalid","click")')

    row = next(csv.DictReader(io.StringIO(catalogue_export_csv())))

    assert row["description_en"] == '\'=HYPERLINK("http://evil.invalid","click")'
