"""Checking and normalising what a citizen types: name, FIN, mobile number, e-mail."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

FIN_PATTERN = re.compile(r"^[A-Z0-9]{7}$")
# Azerbaijani mobile operator codes (Azercell, Bakcell, Nar, Naxtel ...).
MOBILE_CODES = {"10", "50", "51", "55", "60", "70", "77", "99"}


def fin_normalise(value: str) -> str:
    fin = re.sub(r"\s+", "", value or "").upper()
    if not FIN_PATTERN.match(fin):
        raise ValidationError(
            _("The personal ID number (FIN) has 7 Latin letters and digits, as printed on your ID card.")
        )
    return fin


def phone_normalise(value: str) -> str:
    """Return +994XXXXXXXXX for any usual way of writing an Azerbaijani mobile number."""
    digits = re.sub(r"[\s\-().]", "", value or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("994"):
        digits = digits[3:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if not (digits.isdigit() and len(digits) == 9 and digits[:2] in MOBILE_CODES):
        raise ValidationError(_("Enter an Azerbaijani mobile number, e.g. +994 50 123 45 67."))
    return f"+994{digits}"


# Characters that draw nothing: controls, format characters (zero-width space and joiners, the
# bidi marks, embeddings, overrides and isolates, the BOM, soft hyphen), surrogates, private-use
# and unassigned code points, and the other default-ignorable ones that are not in those
# categories (combining grapheme joiner, Hangul fillers, variation selectors, tags). Azerbaijani
# and Russian names need none of them once composed (NFC): ə, ğ, ı, İ, ö, ş, ü, ç, й, ё are letters.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_INVISIBLE_CODE_POINTS = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0000-\U000e0fff]"
)


def invisible_strip(value: str) -> str:
    """The text composed (NFC) and without characters that show nothing, so that length rules
    count what a person sees and no bidi override can reorder what staff read. Whitespace is kept."""
    text = unicodedata.normalize("NFC", value or "")
    text = _INVISIBLE_CODE_POINTS.sub("", text)
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)


def name_normalise(value: str) -> str:
    """A person's name as every form and API stores it (booking, waitlist, complaints, volunteer
    applications): invisible characters removed, whitespace collapsed, then the length rules."""
    name = " ".join(invisible_strip(value).split())
    if len(name) < 3 or len(name) > 150 or not any(ch.isalpha() for ch in name):
        raise ValidationError(_("Enter your full name as on your ID card."))
    return name


def email_normalise(value: str) -> str:
    email = (value or "").strip()
    if email:
        validate_email(email)
    return email


def citizen_details_clean(*, full_name: str, fin: str, phone: str, email: str = "", language: str = "az") -> dict:
    """Normalised details, or ValidationError with a message per field."""
    from django.conf import settings

    cleaned, errors = {}, {}
    for field, function, value in (
        ("full_name", name_normalise, full_name),
        ("fin", fin_normalise, fin),
        ("phone", phone_normalise, phone),
        ("email", email_normalise, email),
    ):
        try:
            cleaned[field] = function(value)
        except ValidationError as error:
            errors[field] = error.messages
    languages = [code for code, _name in settings.LANGUAGES]
    cleaned["language"] = language if language in languages else settings.LANGUAGE_CODE
    if errors:
        raise ValidationError(errors)
    return cleaned
