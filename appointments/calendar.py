"""An iCalendar (.ics, RFC 5545) file for one appointment, so a citizen can add it to their calendar.

Times are written in UTC (with "Z"), which every calendar converts to the reader's zone
without needing a VTIMEZONE block; the local time shows in the description too."""

import datetime as dt

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Appointment


def _escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets (RFC 5545 3.1), never inside a character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        limit = 75 if not out else 74  # continuation lines start with a space
        if len(current) + len(encoded) > limit:
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def appointment_ics(appointment: Appointment, *, manage_link: str, documents=(), language: str | None = None) -> str:
    """The .ics text for `appointment`, in `language` (default: the citizen's)."""
    with translation.override(language or appointment.language):
        local_start = appointment.starts_at.astimezone(appointment.centre.tz)
        lines = [
            _("Booking reference: %(ref)s") % {"ref": appointment.reference},
            _("Time: %(when)s (local time)") % {"when": date_format(local_start, "d.m.Y H:i")},
        ]
        if documents:
            lines.append(_("Documents to bring:"))
            lines.extend(f"- {name}" for name in documents)
        lines.append(_("Check in from 30 minutes before. Arriving more than 10 minutes late cancels the booking."))
        lines.append(_("Cancel or move: %(link)s") % {"link": manage_link})
        summary = _("%(service)s at ASAN") % {"service": appointment.service.name}
        location = ", ".join(part for part in (appointment.centre.name, appointment.centre.address) if part)
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "asan.local"
    content = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ASAN xidmet//Appointments//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{appointment.reference}@{host}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(appointment.starts_at)}",
        f"DTEND:{_utc(appointment.ends_at)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(location)}",
        f"DESCRIPTION:{_escape(chr(10).join(lines))}",
        f"URL:{_escape(manage_link)}",
        "STATUS:CONFIRMED" if appointment.is_active else "STATUS:CANCELLED",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT1H",
        f"DESCRIPTION:{_escape(summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in content) + "\r\n"
