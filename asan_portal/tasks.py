"""Celery tasks of the portal itself (beat runs them, asan_portal/celery.py)."""

from celery import shared_task

from .health import heartbeat_write


@shared_task(name="asan_portal.heartbeat", ignore_result=True, soft_time_limit=10, time_limit=15)
def heartbeat() -> None:
    """Proves a worker is taking tasks: /healthz reports "stale" when this has not run for a while."""
    heartbeat_write()
