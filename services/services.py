"""Writes to the catalogue. Admin, CSV import and the demo loader all come through here."""

from .models import Service
from .search import service_search_text


def service_refresh_search_text(*, service: Service) -> None:
    """Recompute the folded search text after the service (or its provider/category) changed."""
    text = service_search_text(service)
    if text != service.search_text:
        service.search_text = text
        Service.objects.filter(pk=service.pk).update(search_text=text)
