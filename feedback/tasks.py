"""Celery tasks of the feedback app (beat schedule in asan_portal/celery.py).

Like every task here they take plain values (ISO dates, ids), call one service and are safe to
run twice or in two workers at once: a rebuild replaces a day's rows under that day's
exclusive lock (feedback/rollups.py), so two runs side by side give the same rows.
"""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from centres.models import Centre

from .rollups import rollups_rebuild

_LIMITS = {"acks_late": True, "reject_on_worker_lost": True, "soft_time_limit": 240, "time_limit": 300}


def reconcile_default_days(now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """Yesterday and today in the portal's time zone (Asia/Baku): late events and a midnight
    just passed are settled by the next run."""
    today = (now or timezone.now()).astimezone(timezone.get_default_timezone()).date()
    return today - dt.timedelta(days=1), today


@shared_task(name="feedback.rollups_reconcile", ignore_result=True, **_LIMITS)
def rollups_reconcile(first_day: str | None = None, last_day: str | None = None, centre_id: int | None = None) -> int:
    """Recompute the roll-ups of [first_day, last_day] (ISO dates; by default yesterday and
    today; first_day alone: that one day) from the raw data, of one centre if given; returns
    the rows written."""
    default_first, default_last = reconcile_default_days()
    first = dt.date.fromisoformat(first_day) if first_day else default_first
    last = dt.date.fromisoformat(last_day) if last_day else (first if first_day else default_last)
    centre = Centre.objects.get(pk=centre_id) if centre_id is not None else None
    return rollups_rebuild(first_day=first, last_day=last, centre=centre)
