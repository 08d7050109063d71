"""Cells written to CSV or Excel files that staff open in a spreadsheet program.

A text cell that begins with = + - @ (or a tab or carriage return) is read by Excel and
LibreOffice as a formula, so a citizen's comment or a volunteer's name could run one on a
coordinator's machine ("CSV injection"). Every export writes its text cells through
`spreadsheet_cell`, which puts an apostrophe in front of such a text: spreadsheets show the
text as typed. Our own CSV import takes the apostrophe off again (`spreadsheet_cell_read`),
so an export can be imported back unchanged; a text that itself begins with apostrophes before
such a character gets one more, so that reading back is exact for every text.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """The value to write: numbers, dates and None unchanged; risky text with a leading apostrophe."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_cell_read(text: str) -> str:
    """Undo `spreadsheet_cell` for a cell read back from one of our own exports."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text
