"""Catalogue content in three languages.

Each translated attribute is stored as three columns (`name_az`, `name_en`, `name_ru`),
and a `TranslatedField("name")` on the model reads the one for the active language,
falling back to Azerbaijani, which is always filled in. See docs/adr/0002.
"""

from django.conf import settings
from django.utils.translation import get_language

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
DEFAULT_LANGUAGE = settings.LANGUAGE_CODE


def active_language() -> str:
    code = (get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return code if code in LANGUAGE_CODES else DEFAULT_LANGUAGE


def translated_value(obj, field: str, language: str | None = None) -> str:
    language = language or active_language()
    value = getattr(obj, f"{field}_{language}", "")
    if not value and language != DEFAULT_LANGUAGE:
        value = getattr(obj, f"{field}_{DEFAULT_LANGUAGE}", "")
    return value


def translated_columns(field: str) -> list[str]:
    return [f"{field}_{code}" for code in LANGUAGE_CODES]


class TranslatedField:
    """Read-only attribute that returns the active language's column."""

    def __init__(self, field: str | None = None):
        self.field = field

    def __set_name__(self, owner, name):
        self.field = self.field or name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return translated_value(obj, self.field)
