"""Reads of the catalogue, with related rows fetched up front (no N+1 in pages or the API)."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from .models import Category, FeeOption, Provider, RequiredDocument, Service
from .search import service_search


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
    return queryset.order_by("name_az")


def service_get(code: str) -> Service:
    queryset = (
        Service.objects.public()
        .select_related("provider", "category")
        .prefetch_related(
            Prefetch("documents", queryset=RequiredDocument.objects.order_by("position", "id")),
            Prefetch("fee_options", queryset=FeeOption.objects.order_by("position", "fee_azn")),
        )
    )
    return get_object_or_404(queryset, code=code)


def provider_list() -> QuerySet:
    return Provider.objects.filter(is_active=True).order_by("name_az")


def category_list() -> QuerySet:
    return Category.objects.order_by("position", "name_az")
