"""Masking citizens' personal numbers (FIN, mobile number) and private-link secrets in free text.

The one place for the rules:
- the logging filter (asan_portal/logs.py) runs every message through `text_mask`, which also
  hides the tokens of private links (a 404 for /appointments/manage/<token>/ logs the path);
  gunicorn's access log does the same with `link_tokens_redact` (asan_portal/gunicorn_conf.py);
- staff read the texts sent to citizens (the outbox and the SMS log in the admin) through
  `message_redact`, which hides the links' tokens and the SMS codes (appointments/admin.py,
  docs/adr/0019). Only a superuser sees a message as it was sent.
Staff lists on screen show only the last characters of a FIN or phone instead
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


# A private link's secret: a path segment (or query value) of 16 or more URL-safe characters with
# at least one capital or digit. The portal's tokens (secrets.token_urlsafe: manage, rating, live
# ticket, iCal feed; Django's password token "<time>-<hex>") all are; slugs are lower case. A
# long slug with a digit is hidden too, which costs only a little readability. Only after "/" or
# "=": a class name in a log line (PermissionDenied) is not a link.
LINK_TOKEN_IN_TEXT = re.compile(r"(?<=[/=])(?=[A-Za-z0-9_-]*[A-Z0-9])[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])")
LINK_TOKEN_HIDDEN = "[hidden]"  # noqa: S105 - the placeholder, not a secret  # nosec B105
# The SMS confirmation code: six digits standing alone (appointments.services._new_code). Dates
# (07.12.2026), times, ticket codes (A012), references (ABCD-EFGH) and phone numbers (12 digits) stay.
SMS_CODE_IN_TEXT = re.compile(r"(?<!\d)(?<!\d[.:])\d{6}(?!\d)(?![.:]\d)")
SMS_CODE_HIDDEN = "******"


def link_tokens_redact(text: str) -> str:
    """`text` with the secret of every private link (manage, rating, ticket, calendar, password) hidden."""
    return LINK_TOKEN_IN_TEXT.sub(LINK_TOKEN_HIDDEN, text)


def message_redact(text: str) -> str:
    """A message to a citizen as staff may read it: links' tokens and SMS codes hidden.

    The one redaction for message texts, used by every place that shows one (the admin's outbox
    and SMS log: list, change page, the entry's name)."""
    return SMS_CODE_IN_TEXT.sub(SMS_CODE_HIDDEN, link_tokens_redact(text or ""))


def text_mask(text: str) -> str:
    """`text` with every Azerbaijani mobile number, every FIN-like token and every private link's token masked."""
    text = PHONE_IN_TEXT.sub(phone_mask, text)
    text = FIN_IN_TEXT.sub(lambda match: fin_mask(match[0]), text)
    return link_tokens_redact(text)
