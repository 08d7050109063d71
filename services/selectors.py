"""Reads of the catalogue, with related rows fetched up front (no N+1 in pages or the API)."""

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Collate
from django.shortcuts import get_object_or_404

from .models import Category, FeeOption, Provider, RequiredDocument, Service
from .search import service_search

AZERBAIJANI_COLLATION = "az-x-icu"


def azerbaijani_order(field: str):
    """Order by `field` in the Azerbaijani alphabet (a b c ç d e ə f ...) where the database knows it.

    PostgreSQL has the ICU collation; the embedded SQLite falls back to code-point order.
    """
    if connection.vendor == "postgresql":
        return Collate(F(field), AZERBAIJANI_COLLATION).asc()
    return F(field).asc()


def service_list(
    *,
    query: str = "",
    provider: str | None = None,
    category: str | None = None,
    centre: str | None = None,
) -> QuerySet | list[Service]:
    """Public services filtered by provider, category and centre codes; ranked by `query` if given."""
    queryset = Service.objects.public().select_related("provider", "category")
    if provider:
        queryset = queryset.filter(provider__code=provider)
    if category:
        queryset = queryset.filter(category__code=category)
    if centre:
        queryset = queryset.filter(offers__centre__code=centre, offers__is_active=True).distinct()
    if query:
        return service_search(query, queryset=queryset)
    return queryset.order_by(azerbaijani_order("name_az"), "pk")


def service_get(code: str, *, with_centres: bool = False) -> Service:
    """A public service with documents and fee options; `with_centres` adds `offered_at`,
    the active centres offering it (with their city), ordered by city and name."""
    queryset = (
        Service.objects.public()
        .select_related("provider", "category")
        .prefetch_related(
            Prefetch("documents", queryset=RequiredDocument.objects.order_by("position", "id")),
            Prefetch("fee_options", queryset=FeeOption.objects.order_by("position", "fee_azn")),
        )
    )
    if with_centres:
        from centres.models import CentreService  # centres depends on services, not the other way round

        queryset = queryset.prefetch_related(
            Prefetch(
                "offers",
                queryset=CentreService.objects.filter(is_active=True, centre__is_active=True)
                .select_related("centre__city")
                .order_by("centre__city__name_az", "centre__name_az"),
                to_attr="active_offers",
            )
        )
    service = get_object_or_404(queryset, code=code)
    if with_centres:
        service.offered_at = [offer.centre for offer in service.active_offers]
    return service


def provider_list() -> QuerySet:
    return Provider.objects.filter(is_active=True).order_by(azerbaijani_order("name_az"), "pk")


def category_list() -> QuerySet:
    return Category.objects.order_by("position", azerbaijani_order("name_az"), "pk")


_PUBLIC_SERVICES = Q(services__is_published=True, services__is_active=True)


def provider_list_with_counts() -> QuerySet:
    """Active providers, each with `service_count`: how many public services it offers."""
    return provider_list().annotate(service_count=Count("services", filter=_PUBLIC_SERVICES))


def provider_get(code: str) -> Provider:
    """An active provider with its public services prefetched (as `public_services`)."""
    queryset = provider_list_with_counts().prefetch_related(
        Prefetch(
            "services",
            queryset=Service.objects.public().select_related("category").order_by(azerbaijani_order("name_az")),
            to_attr="public_services",
        )
    )
    return get_object_or_404(queryset, code=code)


def category_list_with_counts() -> QuerySet:
    """Categories, each with `service_count`: how many public services of active providers it holds."""
    return category_list().annotate(
        service_count=Count("services", filter=_PUBLIC_SERVICES & Q(services__provider__is_active=True))
    )
