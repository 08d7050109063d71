"""Template helpers for the public pages: language links, safe JSON-LD, money and badges."""

import datetime as dt
import json
from decimal import Decimal

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import translate_url
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info, gettext, ngettext

register = template.Library()

# A JSON string may hold "</script>" or "<!--"; escaping these characters keeps it inert
# inside a <script> element (the same idea as Django's json_script, with our own type).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def language_links(context):
    """One entry per language: code, its own name, the current page in it, and whether it is active."""
    request = context.get("request")
    path = request.get_full_path() if request else "/"
    current = context.get("LANGUAGE_CODE")
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        url = translate_url(path, code)
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "url": url,
                "absolute_url": request.build_absolute_uri(url) if request else url,
                "is_current": code == current,
            }
        )
    return links


@register.filter
def json_ld(data) -> str:
    """Serialise `data` for a <script type="application/ld+json"> element, safe against markup in values."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=None)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - every <, > and & is escaped above  # nosec B308 B703


@register.filter
def azn(value) -> str:
    """Format an amount in manat: 40 -> "40 AZN", 2.5 -> "2.50 AZN".

    The ISO code rather than the ₼ sign: older phones and some desktop fonts lack the sign."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    text = f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
    return f"{text} AZN"


@register.filter
def processing_time(days, kind="working") -> str:
    """ "Same day", "10 working days", "30 calendar days" (plural forms per language)."""
    days = int(days or 0)
    if days == 0:
        return gettext("Same day")
    if kind == "calendar":
        return ngettext("%(count)d calendar day", "%(count)d calendar days", days) % {"count": days}
    return ngettext("%(count)d working day", "%(count)d working days", days) % {"count": days}


@register.filter
def minutes(value) -> str:
    value = int(value or 0)
    return ngettext("%(count)d minute", "%(count)d minutes", value) % {"count": value}


@register.inclusion_tag("partials/open_badge.html")
def open_badge(status, centre=None):
    """A badge that says in words (not only colour) whether a centre is open, and until or from when."""
    if status is None:
        return {"is_open": False, "text": gettext("Hours not known")}
    tz = centre.tz if centre is not None else timezone.get_current_timezone()
    if status.is_open:
        closes = status.closes_at.astimezone(tz)
        return {
            "is_open": True,
            "text": gettext("Open now"),
            "detail": gettext("until %(time)s") % {"time": f"{closes:%H:%M}"},
        }
    if status.next_opens_at is None:
        return {"is_open": False, "text": gettext("Closed")}
    opens = status.next_opens_at.astimezone(tz)
    today = timezone.localdate(timezone=tz)
    time = f"{opens:%H:%M}"
    if opens.date() == today:
        detail = gettext("opens at %(time)s") % {"time": time}
    elif opens.date() == today + dt.timedelta(days=1):
        detail = gettext("opens tomorrow at %(time)s") % {"time": time}
    else:
        detail = gettext("opens on %(date)s at %(time)s") % {"date": f"{opens:%d.%m.%Y}", "time": time}
    return {"is_open": False, "text": gettext("Closed"), "detail": detail}


@register.simple_tag
def osm_map_url(lat, lon) -> str:
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


@register.simple_tag
def osm_directions_url(lat, lon) -> str:
    # An empty start lets the citizen type theirs (or use their location) on OpenStreetMap itself.
    return f"https://www.openstreetmap.org/directions?route=%3B{lat}%2C{lon}#map=15/{lat}/{lon}"


@register.simple_tag
def my_pages_url(user) -> str:
    """The signed-in user's own starting page (the same one the sign-in lands on)."""
    from asan_portal.accounts import landing_url

    return landing_url(user)


@register.simple_tag(takes_context=True)
def staff_menu(context):
    """The signed-in staff member's menu (asan_portal/staff_menu.py), each link marked when it
    is the page being shown. Citizens and visitors get an empty list without a query."""
    from asan_portal.staff_menu import staff_menu as menu_for

    request = context.get("request")
    user = context.get("user")
    if request is None or user is None:
        return []
    groups = menu_for(user)
    return [
        {
            "title": group.title,
            "links": [
                {"label": link.label, "url": link.url, "current": link.url == request.path} for link in group.links
            ],
        }
        for group in groups
    ]
