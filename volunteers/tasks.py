"""Celery tasks of the volunteers app (beat runs them: asan_portal/celery.py).

Each calls one service and is safe to run twice or in two workers at once: the reminders are
deduplicated by their outbox key, the clean-up after shifts guards on the state it changes and
skips rows another run holds.
"""

from celery import shared_task

_LIMITS = {"acks_late": True, "reject_on_worker_lost": True, "soft_time_limit": 55, "time_limit": 60}


@shared_task(name="volunteers.shift_reminders_send", ignore_result=True, **_LIMITS)
def shift_reminders_send() -> int:
    """Queue the day-before reminders of shifts starting 18 to 30 hours from now."""
    from .reminders import shift_reminders_queue

    return shift_reminders_queue()


@shared_task(name="volunteers.shifts_mark_missed", ignore_result=True, **_LIMITS)
def shifts_mark_missed() -> dict:
    """Places nobody checked in to are missed; forgotten check-outs end at the shift's end."""
    from .attendance import shifts_mark_missed as mark_missed

    result = mark_missed()
    return {"missed": result.missed, "checked_out": result.checked_out}
