"""Masking citizens' personal numbers (FIN, mobile number) in free text such as log lines.

The one place for the rule: the logging filter (asan_portal/logs.py) runs every message
through `text_mask`. Staff lists on screen show only the last characters instead
(appointments.staff_selectors.mask), because there people read them, not machines.
"""

import re

from appointments.citizens import MOBILE_CODES

_CODES = "|".join(sorted(MOBILE_CODES))
# +994 50 123 45 67, 00994501234567, 994-50-123-45-67, and the local 050 123 45 67: the ways
# appointments.citizens.phone_normalise accepts, with the separators people type.
_SEP = r"[\s\-.]?"
PHONE_IN_TEXT = re.compile(
    rf"(?<![\w+])(?:(?:\+|00)?994{_SEP}\(?|0)(?P<code>{_CODES})\)?{_SEP}"
    rf"(?P<a>\d{{3}}){_SEP}(?P<b>\d{{2}}){_SEP}(?P<c>\d{{2}})(?!\d)"
)
# Seven Latin capitals and digits (appointments.citizens.FIN_PATTERN) standing alone, with at least
# one of each: words in capitals (WAITING) and seven-digit row ids stay readable in the logs.
FIN_IN_TEXT = re.compile(r"(?<![\w-])(?=[A-Z]*\d)(?=\d*[A-Z])[0-9A-Z]{7}(?![\w-])")


def phone_mask(match: re.Match) -> str:
    # The operator code and the last four digits are enough to tell two citizens' lines apart.
    return f"+994{match['code']}***{match['b']}{match['c']}"


def fin_mask(fin: str) -> str:
    return f"{fin[:2]}***{fin[-2:]}"


def text_mask(text: str) -> str:
    """`text` with every Azerbaijani mobile number and every FIN-like token masked."""
    text = PHONE_IN_TEXT.sub(phone_mask, text)
    return FIN_IN_TEXT.sub(lambda match: fin_mask(match[0]), text)
