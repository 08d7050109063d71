"""Writes to the catalogue. Admin, CSV import and the demo loader all come through here."""

from django.db import transaction
from django.db.models import QuerySet

from .models import Category, Provider, Service
from .search import service_search_text


def service_refresh_search_text(*, service: Service) -> None:
    """Recompute the folded search text after the service (or its provider/category) changed."""
    text = service_search_text(service)
    if text != service.search_text:
        service.search_text = text
        Service.objects.filter(pk=service.pk).update(search_text=text)


@transaction.atomic
def services_refresh_search_texts(*, services: QuerySet | None = None) -> int:
    """Recompute the search text of `services` (default: the whole catalogue); returns how many changed.

    For bulk edits: the demo loader, a CSV import, or a rename of a provider or category,
    which appears in the search text of every service under it. No permission check:
    callers (admin, management commands) have checked already.
    """
    services = Service.objects.all() if services is None else services
    changed = []
    for service in services.select_related("provider", "category").order_by("pk"):
        text = service_search_text(service)
        if text != service.search_text:
            service.search_text = text
            changed.append(service)
    Service.objects.bulk_update(changed, ["search_text"], batch_size=500)
    return len(changed)


def provider_refresh_search_texts(*, provider: Provider) -> int:
    """Call after renaming `provider`: its name is part of its services' search text."""
    return services_refresh_search_texts(services=Service.objects.filter(provider=provider))


def category_refresh_search_texts(*, category: Category) -> int:
    """Call after renaming `category`: its name is part of its services' search text."""
    return services_refresh_search_texts(services=Service.objects.filter(category=category))
