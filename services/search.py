"""Catalogue search across Azerbaijani, English and Russian that tolerates missing
diacritics and small typos. Stored text and query are folded the same way
(`asan_portal.azerbaijani.fold`). First version: substring match on the folded text."""

from django.db.models import QuerySet

from asan_portal.azerbaijani import fold

from .models import Service


def service_search_text(service: Service) -> str:
    """The folded text a service is found by: names, summaries, keywords, provider and category, all languages."""
    parts = [
        service.name_az,
        service.name_en,
        service.name_ru,
        service.summary_az,
        service.summary_en,
        service.summary_ru,
        service.keywords,
        service.provider.name_az,
        service.provider.name_en,
        service.provider.name_ru,
        service.category.name_az,
        service.category.name_en,
        service.category.name_ru,
    ]
    return fold(" ".join(p for p in parts if p))


def service_search(query: str, *, queryset: QuerySet | None = None) -> list[Service]:
    queryset = Service.objects.public() if queryset is None else queryset
    terms = fold(query).split()
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    return list(queryset)
