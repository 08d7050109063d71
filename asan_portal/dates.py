"""The one rule for a date that comes from a request: URL path, query string, form or API (issue 12.14).

Python's dates run from 0001-01-01 to 9999-12-31, so a date near either end parses, and then the
next day, a week's Monday, a month's end or a conversion between time zones steps outside that
range: an OverflowError and a 500. Every date the portal takes from outside is therefore parsed
here, and one outside EARLIEST..LATEST (far from both ends, wide enough for a date of birth and
any booking, shift or statistic) is refused exactly like a malformed one:

- a date in a URL path (`/book/<service>/<centre>/<day>/`): `date_from_path`, a 404;
- a date in a query string or a posted field: `date_parse`, which raises `DateInvalid` (a
  ValueError with a message) for the page to answer 400 with that message;
- a date in a Django form: `DateFormField`; in an API serializer: `DateApiField` (400 in the
  common error shape).

A view with narrower rules (the booking window, statistics since 2000) checks them after this.
"""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy
from rest_framework import serializers

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)
# Exactly YYYY-MM-DD: Python also reads "20260302" and "2026-W10-1", which nobody means here.
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# The same sentences as the statistics' date fields (feedback/stats_forms.py).
INVALID_MESSAGE = gettext_lazy("Write the date as YYYY-MM-DD, e.g. 2026-03-21.")
RANGE_MESSAGE = gettext_lazy("Choose a day between %(first)s and %(last)s.")


def _range_message() -> str:
    return RANGE_MESSAGE % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}


class DateInvalid(ValueError):
    """A date from a request that is malformed (code "invalid") or outside EARLIEST..LATEST
    (code "date_range"); `message` says which to a person."""

    def __init__(self, message, *, code="invalid"):
        super().__init__(message)
        self.message = str(message)
        self.code = code


def date_in_range(day: dt.date) -> bool:
    return EARLIEST <= day <= LATEST


def date_parse(value) -> dt.date:
    """The date written as YYYY-MM-DD in `value`, or DateInvalid with a message for people."""
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value.strip()):
        raise DateInvalid(INVALID_MESSAGE)
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise DateInvalid(INVALID_MESSAGE) from None
    if not date_in_range(day):
        raise DateInvalid(_range_message(), code="date_range")
    return day


def date_from_path(value) -> dt.date:
    """A date that is part of a URL path: a malformed or out-of-range one is a page that does not exist."""
    try:
        return date_parse(value)
    except DateInvalid:
        raise Http404 from None


class DateFormField(forms.DateField):
    """Django's DateField, refusing dates outside EARLIEST..LATEST with a message."""

    default_error_messages = {"invalid": INVALID_MESSAGE}

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not date_in_range(day):
            raise ValidationError(_range_message(), code="date_range")
        return day


class DateApiField(serializers.DateField):
    """DRF's DateField, refusing dates outside EARLIEST..LATEST with a message."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not date_in_range(day):
            raise serializers.ValidationError(_range_message(), code="date_range")
        return day
