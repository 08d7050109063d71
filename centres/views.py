"""Public centre pages: the list (filters, open-now badges, "nearest to me") and one centre's page."""

import datetime as dt
from itertools import groupby

from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View

from asan_portal.alphabetical import alphabetical
from asan_portal.azerbaijani import sort_key
from asan_portal.page_cache import PagePart, next_change, page_part

from .forms import CentreFilterForm
from .hours import holiday_dates, opening_status, weekly_hours
from .models import PublicHoliday, Weekday
from .selectors import centre_get_with_services, centre_list

# How far ahead the centre page lists holidays, closures and mobile stops.
UPCOMING_DAYS = 60


class CentreListView(View):
    def get(self, request):
        form = CentreFilterForm(request.GET)
        # By city, then by name within a city: the sort is stable, so the name order survives.
        centres = alphabetical(alphabetical(centre_list(**form.filters())), label=lambda centre: centre.city.name)
        now = timezone.now()
        today = timezone.localdate(now)
        holidays = holiday_dates(today, today + dt.timedelta(days=14))
        offices = [(centre, opening_status(centre, now, holidays=holidays)) for centre in centres]
        return render(request, "centres/centre_list.html", {"form": form, "offices": offices})


class CentreDetailView(View):
    """The page's catalogue part is the same for every citizen in a language, so it is cached (asan_portal.page_cache)."""

    def get(self, request, code):
        part = page_part(
            page="centre", code=code, origin=request.build_absolute_uri("/"), build=lambda: _centre_part(code)
        )
        return render(request, "centres/centre_detail.html", {"part": part})


def _centre_part(code) -> PagePart:
    centre = centre_get_with_services(code)
    now = timezone.now()
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=UPCOMING_DAYS)
    holidays = list(PublicHoliday.objects.filter(date__range=(today, horizon)).order_by("date"))
    status = opening_status(
        centre,
        now,
        holidays={h.date for h in holidays if h.date <= today + dt.timedelta(days=14)},
    )
    hours = [(Weekday(weekday).label, periods) for weekday, periods in weekly_hours(centre)]
    context = {
        "centre": centre,
        "status": status,
        "hours": hours,
        "today_weekday": Weekday(today.weekday()).label,
        "holidays": holidays,
        "closures": [c for c in centre.closures.all() if today <= c.ends_on and c.starts_on <= horizon],
        "stops": [s for s in centre.stops.all() if today <= s.date <= horizon],
        "service_groups": _services_by_category(centre),
    }
    return PagePart(
        title=centre.name,
        content=render_to_string("centres/partials/centre_page_content.html", context),
        valid_until=next_change([status], now=now, timezones=[timezone.get_current_timezone(), centre.tz]),
    )


def _services_by_category(centre) -> list[tuple]:
    """[(category, [service, ...]), ...] in catalogue order, services alphabetical in the active language.

    Each service gets its `page_url`. A big centre lists hundreds of services, so the link is
    reversed once and the code filled in, and each topic's sort key is computed once.
    """
    page_url = reverse("services:detail", kwargs={"code": _CODE_SLOT})
    topic_keys = {}
    for service in centre.offered_services:
        service.page_url = page_url.replace(_CODE_SLOT, service.code)
        category = service.category
        if category.pk not in topic_keys:
            topic_keys[category.pk] = (category.position, sort_key(category.name_az))
    services = sorted(centre.offered_services, key=lambda s: (topic_keys[s.category.pk], sort_key(s.name)))
    return [(category, list(items)) for category, items in groupby(services, key=lambda s: s.category)]


# Stands for a service's code in its reversed page address (a valid code, so it reverses).
_CODE_SLOT = "code-slot"
