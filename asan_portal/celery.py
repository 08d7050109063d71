"""The Celery app. Settings come from Django's CELERY_* settings; the beat schedule is code.

Run exactly one beat (`make worker` starts a worker with an embedded beat; in production run
one `celery beat` process beside any number of workers). Every scheduled task is idempotent
and claims rows with SKIP LOCKED, so an accidental second beat only doubles the load.
"""

import os

from celery import Celery, signals
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asan_portal.settings.local")

app = Celery("asan_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _every(seconds: float) -> dict:
    # A run that could not start before the next one is due is pointless: let it expire
    # rather than pile up in the broker while workers are down.
    return {"schedule": seconds, "options": {"expires": max(seconds, 5)}}


def beat_schedule() -> dict:
    from django.conf import settings

    relay_every = float(settings.NOTIFICATIONS["RELAY_EVERY_SECONDS"])
    return {
        # /healthz reads its time: "worker": "stale" when no worker has run it for a while.
        "worker-heartbeat": {"task": "asan_portal.heartbeat", **_every(30)},
        "relay-due-notifications": {"task": "appointments.notifications_relay_due", **_every(relay_every)},
        "expire-unconfirmed-holds": {"task": "appointments.appointments_expire_holds", **_every(30)},
        "lapse-late-bookings": {"task": "appointments.appointments_lapse_late", **_every(60)},
        "expire-waitlist-offers": {"task": "appointments.waitlists_expire_offers", **_every(60)},
        # The safety net under the offer each freed time makes at once (appointments/waitlist.py).
        "offer-free-times-to-waitlists": {"task": "appointments.waitlists_offer_free_times", **_every(300)},
        "purge-idempotency-records": {"task": "appointments.idempotency_records_purge", **_every(3600)},
        # Rebuilds yesterday and today from the raw data; two runs at once serialise per day.
        "reconcile-satisfaction-rollups": {"task": "feedback.rollups_reconcile", **_every(15 * 60)},
        # Volunteers: reminders the day before a shift (deduplicated by outbox key), and after
        # each shift the missed places and forgotten check-outs.
        "volunteer-shift-reminders": {"task": "volunteers.shift_reminders_send", **_every(900)},
        "volunteer-shifts-mark-missed": {"task": "volunteers.shifts_mark_missed", **_every(900)},
        # Nightly, when the centres are closed: personal data past its retention time is anonymised.
        "purge-personal-data": {
            "task": "asan_portal.personal_data_purge",
            "schedule": crontab(hour=3, minute=15),
            "options": {"expires": 3600},
        },
    }


@app.on_after_configure.connect
def _install_beat_schedule(sender, **kwargs):
    sender.conf.beat_schedule = beat_schedule()


@signals.setup_logging.connect
def _use_django_logging(**kwargs):
    # Workers log like the web processes (task id on each line, numbers masked, JSON in
    # production) instead of Celery's own configuration.
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
