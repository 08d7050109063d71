"""CSV and Excel files of a dashboard view: its headline figures and its breakdown rows.

Numbers are written as numbers (rates in per cent, one decimal, as on the page). Text that a
spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return) is
prefixed with an apostrophe, so a centre or service name can never run as a formula on an
official's computer (CSV/formula injection).
"""

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .stats_display import HEADLINE_FIGURES, TABLE_FIGURES, figure_number

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_safe(value):
    """The cell value to write: numbers unchanged, formula-like text behind an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_sections(*, title: str, period: str, filters: list[tuple[str, str]], compare: dict, rows, by_label: str):
    """The file's content as two tables: (summary rows, breakdown rows), each a list of lists
    whose first row is the header."""
    summary = [[title], [_("Period"), period]]
    summary += [[label, value] for label, value in filters]
    summary.append([])
    summary.append([_("Figure"), _("This period"), _("Previous period"), _("Change from the previous period")])
    for figure in HEADLINE_FIGURES:
        now = figure_number(compare["current"][figure.key], figure.kind)
        before = figure_number(compare["previous"][figure.key], figure.kind)
        # The rounded figures' difference, as on the page; none where stats_compare has none.
        has_change = compare["change"][figure.key] is not None and now is not None and before is not None
        change = round(now - before, 2) if has_change else None
        summary.append([str(figure.label), now, before, change])

    header = [by_label, _("Code")] + [str(figure.label) for figure in TABLE_FIGURES]
    breakdown = [header]
    for row in rows:
        breakdown.append([row["name"], row["code"]] + [figure_number(row[f.key], f.kind) for f in TABLE_FIGURES])
    return summary, breakdown


def csv_response(filename: str, summary, breakdown) -> HttpResponse:
    buffer = io.StringIO()
    # A byte-order mark so that Excel opens the UTF-8 file with Azerbaijani letters intact.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in [*summary, [], *breakdown]:
        writer.writerow(["" if value is None else spreadsheet_safe(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, summary, breakdown, *, breakdown_title: str) -> HttpResponse:
    workbook = Workbook()
    sheets = [(workbook.active, _("Summary"), summary), (workbook.create_sheet(), breakdown_title, breakdown)]
    for sheet, sheet_title, rows in sheets:
        # Sheet titles: at most 31 characters, none of []:*?/\
        sheet.title = "".join(c for c in str(sheet_title) if c not in "[]:*?/\\")[:31]
        for row in rows:
            sheet.append([spreadsheet_safe(value) for value in row])
        header_row = 1 if sheet_title == breakdown_title else len(summary) - len(HEADLINE_FIGURES)
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
