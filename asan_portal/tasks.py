"""Celery tasks of the portal itself (beat runs them, asan_portal/celery.py)."""

from celery import shared_task

from .health import heartbeat_write


@shared_task(name="asan_portal.heartbeat", ignore_result=True, soft_time_limit=10, time_limit=15)
def heartbeat() -> None:
    """Proves a worker is taking tasks: /healthz reports "stale" when this has not run for a while."""
    heartbeat_write()


@shared_task(name="asan_portal.personal_data_purge", ignore_result=True, soft_time_limit=1800, time_limit=1900)
def personal_data_purge() -> dict[str, int]:
    """Nightly: anonymise personal data whose retention time is over (asan_portal/retention.py)."""
    from .retention import personal_data_purge as purge

    return purge()
