"""Reads of centres, with their related rows prefetched so lists cost a fixed number of queries."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from services.models import Service

from .models import Centre, CentreService, Closure, Counter, MobileStop, OpeningHours


def _with_hours(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("city").prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens_at")),
        Prefetch("closures", queryset=Closure.objects.order_by("starts_on")),
        Prefetch("stops", queryset=MobileStop.objects.order_by("date", "starts_at")),
    )


def centre_list(*, city: str | None = None, service: str | None = None, kind: str | None = None) -> QuerySet:
    """Active centres, optionally in one city (code), offering one service (code), of one kind."""
    queryset = Centre.objects.public()
    if city:
        queryset = queryset.filter(city__code=city)
    if kind:
        queryset = queryset.filter(kind=kind)
    if service:
        queryset = queryset.filter(
            offers__service__code=service, offers__is_active=True, offers__service__is_published=True
        )
    return _with_hours(queryset.distinct())


def centre_get(code: str) -> Centre:
    """An active centre with everything the API shows: hours, offered services, counters with theirs."""
    queryset = _with_hours(Centre.objects.public()).prefetch_related(
        Prefetch(
            "offers",
            queryset=CentreService.objects.filter(is_active=True, service__is_published=True, service__is_active=True)
            .select_related("service__provider", "service__category")
            .order_by("service__name_az"),
        ),
        Prefetch("counters", queryset=Counter.objects.filter(is_active=True).prefetch_related("services")),
    )
    return get_object_or_404(queryset, code=code)


def centre_get_with_services(code: str) -> Centre:
    """An active centre with its hours and, as `offered_services`, the public services it offers
    (code, names and category only), for its page.

    Only what the page lists is loaded: no counters (808 service rows at a big centre, shown
    by the API only), no providers, no long texts; a big centre's page took 76 ms in process
    with them.
    """
    centre = get_object_or_404(_with_hours(Centre.objects.public()), code=code)
    centre.offered_services = list(
        Service.objects.public()
        .filter(offers__centre=centre, offers__is_active=True)
        .select_related("category")
        .only("code", "name_az", "name_en", "name_ru", "category")
        .order_by()
    )
    return centre


def centre_get_with_hours(code: str) -> Centre:
    """An active centre with just what availability needs (hours, closures, stops): no service list."""
    return get_object_or_404(_with_hours(Centre.objects.public()), code=code)


def centres_offering(service) -> QuerySet:
    return centre_list(service=service.code)
