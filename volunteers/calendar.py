"""A volunteer's personal iCalendar feed (.ics, RFC 5545): their signed-up shifts, upcoming and
of the last month, for a calendar program to subscribe to.

Built like appointments/calendar.py (same escaping and folding): times in UTC with "Z", so no
VTIMEZONE block is needed; the UID of a shift's event is stable across fetches, so a calendar
updates the event instead of adding a copy, and a withdrawn place simply disappears.
"""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from appointments.calendar import _escape, _fold, _utc

from .attendance import check_in_opens_before
from .models import Volunteer
from .selectors import volunteer_calendar_signups


def _host() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "asan.local"


def volunteer_ics(volunteer: Volunteer, *, my_page_url: str, now=None) -> str:
    """The .ics text of `volunteer`'s shifts, in their language."""
    host = _host()
    opens_minutes = int(check_in_opens_before().total_seconds() // 60)
    stamp = _utc(now or timezone.now())
    content = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ASAN xidmet//Volunteers//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    with translation.override(volunteer.language):
        content.append(f"X-WR-CALNAME:{_escape(_('ASAN volunteer shifts'))}")
        for signup in volunteer_calendar_signups(volunteer=volunteer, now=now):
            shift = signup.shift
            centre = shift.centre
            local_start = timezone.localtime(shift.starts_at, centre.tz)
            local_end = timezone.localtime(shift.ends_at, centre.tz)
            summary = _("Volunteer shift: %(role)s") % {"role": shift.get_role_display()}
            location = ", ".join(part for part in (centre.name, centre.address) if part)
            lines = [
                _("Role: %(role)s") % {"role": shift.get_role_display()},
                _("Time: %(start)s–%(end)s (local time)")
                % {"start": date_format(local_start, "d.m.Y H:i"), "end": date_format(local_end, "H:i")},
                _("Check in at the centre (its QR code) from %(minutes)s minutes before the start.")
                % {"minutes": opens_minutes},
                _("Your shifts: %(link)s") % {"link": my_page_url},
            ]
            if shift.notes:
                lines.append(shift.notes)
            content += [
                "BEGIN:VEVENT",
                f"UID:volunteer-shift-{shift.pk}-{volunteer.pk}@{host}",
                f"DTSTAMP:{stamp}",
                f"DTSTART:{_utc(shift.starts_at)}",
                f"DTEND:{_utc(shift.ends_at)}",
                f"SUMMARY:{_escape(summary)}",
                f"LOCATION:{_escape(location)}",
                f"DESCRIPTION:{_escape(chr(10).join(lines))}",
                f"URL:{_escape(my_page_url)}",
                "STATUS:CONFIRMED",
                "END:VEVENT",
            ]
    content.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in content) + "\r\n"
