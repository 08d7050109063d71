"""Settings for the real Celery worker that tests/appointments/test_worker.py starts: the test
settings, but tasks go through the broker (the test settings run them in-process)."""

from asan_portal.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
