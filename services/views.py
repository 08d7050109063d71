"""Public catalogue pages: the searchable service list and one service's page."""

import datetime as dt

from django.core.paginator import Paginator
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views import View

from asan_portal.page_cache import PagePart, next_change, page_part
from centres.hours import holiday_dates, opening_status
from centres.selectors import centres_offering

from .forms import ServiceFilterForm
from .selectors import service_get, service_list

PAGE_SIZE = 20


class ServiceListView(View):
    """Search and filters; an htmx request gets only the results fragment, so filtering needs no reload."""

    def get(self, request):
        form = ServiceFilterForm(request.GET)
        filters = form.filters()
        paginator = Paginator(service_list(**filters), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {"form": form, "page": page, "filters": filters, "querystring": query.urlencode()}
        if request.htmx and not request.htmx.boosted:
            response = render(request, "services/partials/service_results.html", context)
        else:
            response = render(request, "services/service_list.html", context)
        patch_vary_headers(response, ("HX-Request",))
        return response


class ServiceDetailView(View):
    """The page's catalogue part is the same for every citizen in a language, so it is cached (asan_portal.page_cache)."""

    def get(self, request, code):
        part = page_part(
            page="service",
            code=code,
            origin=request.build_absolute_uri("/"),
            build=lambda: _service_part(request, code),
        )
        return render(request, "services/service_detail.html", {"part": part})


def _service_part(request, code) -> PagePart:
    service = service_get(code)
    centres = list(centres_offering(service))
    now = timezone.now()
    today = timezone.localdate(now)
    holidays = holiday_dates(today, today + dt.timedelta(days=14))
    offices = [
        (centre, opening_status(centre, now, holidays=holidays), _booking_url(service, centre)) for centre in centres
    ]
    context = {
        "service": service,
        "documents": list(service.documents.all()),
        "fee_options": list(service.fee_options.all()),
        "offices": offices,
        "booking_url": _booking_url(service),
    }
    return PagePart(
        title=service.name,
        description=service.summary or service.name,
        content=render_to_string("services/partials/service_page_content.html", context),
        json_ld=service_json_ld(request, service, centres),
        valid_until=next_change(
            [status for _centre, status, _url in offices],
            now=now,
            timezones=[timezone.get_current_timezone(), *(centre.tz for centre in centres)],
        ),
    )


def _booking_url(service, centre=None) -> str | None:
    """The online booking journey for this service (at this centre), or None if it cannot be booked online."""
    if not service.bookable_online:
        return None
    try:
        if centre is not None:
            return reverse("appointments:book_date", kwargs={"service": service.code, "centre": centre.code})
        return reverse("appointments:book_centre", kwargs={"service": service.code})
    except NoReverseMatch:  # the booking journey is not installed
        return None


def service_json_ld(request, service, centres) -> dict:
    """schema.org GovernmentService for search engines; rendered with the `json_ld` filter (escaped)."""
    provider = service.provider
    provider_data = {
        "@type": "GovernmentOrganization" if provider.kind == "state" else "Organization",
        "name": provider.name,
    }
    if provider.website:
        provider_data["url"] = provider.website
    channels = []
    for centre in centres:
        location = {
            "@type": "GovernmentOffice",
            "name": centre.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": centre.address,
                "addressLocality": centre.city.name,
                "addressCountry": "AZ",
            },
        }
        if centre.latitude is not None and centre.longitude is not None:
            location["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": str(centre.latitude),
                "longitude": str(centre.longitude),
            }
        channel = {
            "@type": "ServiceChannel",
            "name": centre.name,
            "serviceUrl": request.build_absolute_uri(reverse("centres:detail", kwargs={"code": centre.code})),
            "serviceLocation": location,
        }
        if centre.phone:
            channel["servicePhone"] = {"@type": "ContactPoint", "telephone": centre.phone}
        channels.append(channel)
    fee_options = list(service.fee_options.all())
    if fee_options:
        offers = [
            {"@type": "Offer", "name": option.label, "price": f"{option.fee_azn:.2f}", "priceCurrency": "AZN"}
            for option in fee_options
        ]
    else:
        offers = [{"@type": "Offer", "price": f"{service.fee_azn:.2f}", "priceCurrency": "AZN"}]
    return {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": service.name,
        "description": service.summary or service.description,
        "serviceType": service.category.name,
        "url": request.build_absolute_uri(reverse("services:detail", kwargs={"code": service.code})),
        "provider": provider_data,
        "areaServed": {"@type": "Country", "name": "Azerbaijan"},
        "availableChannel": channels,
        "offers": offers,
    }
