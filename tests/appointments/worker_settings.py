"""Settings for the real Celery worker that tests/appointments/test_worker.py starts: the test
settings, but tasks go through the broker (the test settings run them in-process)."""

from asan_portal.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False


class StallingLogBackend:
    """Writes the SMS log row, then stalls before the relay can commit: the window in which a
    worker that dies has 'sent' a message it has not yet marked SENT (docs/adr/0009)."""

    def send(self, **kwargs):
        import time

        from appointments.sms import LogBackend

        LogBackend().send(**kwargs)
        time.sleep(3)
