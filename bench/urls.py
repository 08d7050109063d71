"""The portal's URLs plus the benchmark's bare views (ROOT_URLCONF of settings.bench only)."""

from django.urls import path

from asan_portal.urls import handler404, handler500  # noqa: F401 - Django reads them from here
from asan_portal.urls import urlpatterns as portal_urlpatterns

from . import views

urlpatterns = [
    path("bench/bare/", views.bare, name="bench-bare"),
    path("bench/bare-write/", views.bare_write, name="bench-bare-write"),
    *portal_urlpatterns,
]
