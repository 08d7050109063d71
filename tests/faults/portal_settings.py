"""The portal as the fault tests serve it with gunicorn: the production settings (DEBUG off,
persistent connections with health checks, Redis for the cache, rate limits, sessions and the
broker) on plain HTTP, like tests/test_deployment.py's. Static files are served from the
finders, so no collectstatic run is needed before each test."""

from asan_portal.settings.deploy_test import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
