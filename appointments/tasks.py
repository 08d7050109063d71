"""Celery tasks of the appointments app.

Each task takes ids or nothing, calls one service and is safe to run twice or in two workers
at once (the services claim rows with SKIP LOCKED and guard on status), because with late
acknowledgement a task whose worker died is delivered again. JSON only; explicit time
limits, kept below the broker's visibility timeout. Beat runs them (asan_portal/celery.py).
"""

from celery import shared_task

from . import services
from .notifications import notifications_send_due

# Hard limit kills the worker process; the soft one lets the current row's transaction roll
# back first. The relay's own time budget (NOTIFICATIONS["RELAY_TIME_BUDGET_SECONDS"]) ends
# a run cleanly well before either.
_LIMITS = {"acks_late": True, "reject_on_worker_lost": True, "soft_time_limit": 55, "time_limit": 60}


@shared_task(name="appointments.notifications_relay_due", ignore_result=True, **_LIMITS)
def notifications_relay_due() -> dict:
    """Send the pending messages whose time has come (a bounded batch)."""
    result = notifications_send_due()
    return {"sent": result.sent, "skipped": result.skipped, "failed": result.failed}


@shared_task(name="appointments.appointments_expire_holds", ignore_result=True, **_LIMITS)
def appointments_expire_holds() -> int:
    """Unconfirmed bookings whose hold ran out give their time back."""
    return services.appointments_expire_holds()


@shared_task(name="appointments.appointments_lapse_late", ignore_result=True, **_LIMITS)
def appointments_lapse_late() -> int:
    """Confirmed bookings whose citizen is more than the grace period late lapse."""
    from .arrival import appointments_lapse_late as lapse_late  # the arrival rules live there

    return lapse_late()


@shared_task(name="appointments.waitlists_expire_offers", ignore_result=True, **_LIMITS)
def waitlists_expire_offers() -> int:
    """Waitlist offers not accepted in time: the time goes to the next in line."""
    from .waitlist import waitlists_expire_offers as expire_offers

    return expire_offers()


@shared_task(name="appointments.waitlists_offer_free_times", ignore_result=True, **_LIMITS)
def waitlists_offer_free_times() -> int:
    """Free times that someone waits for and nobody was offered: offer them (bounded)."""
    from .waitlist import waitlists_offer_free_times as offer_free_times

    return offer_free_times()


@shared_task(name="appointments.idempotency_records_purge", ignore_result=True, **_LIMITS)
def idempotency_records_purge() -> int:
    """Forget replayable API answers older than their retention (bounded batch)."""
    from .idempotency import idempotency_records_purge as purge

    return purge()
