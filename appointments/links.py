"""Absolute links that go into messages (the private manage link)."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation


def manage_url(appointment, manage_token: str) -> str:
    with translation.override(appointment.language):
        path = reverse("appointments:manage", kwargs={"token": manage_token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"
