"""The fault tests' worker: tests/appointments/worker_settings.py, with a visibility timeout of
FAULTS_VISIBILITY_TIMEOUT seconds when set. A task taken by a worker that died whole (its main
process too) goes back to the queue only after this timeout (production: an hour); the test of
that case shortens it to see a new worker take the task in seconds, and lets that worker look
for such tasks every second."""

import os

from tests.appointments.worker_settings import *  # noqa: F403

if os.environ.get("FAULTS_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "visibility_timeout": int(os.environ["FAULTS_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
