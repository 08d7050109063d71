"""A Celery worker killed in the middle of a task that writes many rows (issue 7): the roll-up
reconcile (feedback.rollups_reconcile) of two days, killed half-way through the second day.

No hook in the code: the test holds a row lock on one of the second day's ServiceDay rows from
a connection of its own, so the task rebuilds the first day (committed), then the second day's
CentreDay rows (not committed), and waits on that lock, which the test sees in pg_stat_activity.
There either the pool process running the task is SIGKILLed (the task is acks_late with
reject_on_worker_lost, so the worker hands it out again), or the whole worker is, and a new
worker takes the unacknowledged task after the broker's visibility timeout (shortened by
tests/faults/worker_settings.py). The killed transaction rolls back when its backend finds the
client gone. In the end the rows are exactly what one clean run gives.
"""

import contextlib
import datetime as dt
import os
import re
import signal

import psycopg2
import pytest
from django.db import connection
from django.db.models import F

from feedback.models import CentreDay, ServiceDay, StaffDay
from feedback.tasks import rollups_reconcile
from tests.faults.servers import (
    RedisServer,
    current_database_url,
    pool_children,
    publishing_to,
    start_worker,
    stop_process,
    wait_for,
)
from tests.feedback.rollup_scenario import FIRST_DAY, World, play_day, snapshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

DAYS = [FIRST_DAY, FIRST_DAY + dt.timedelta(days=1)]
TASK = "feedback.rollups_reconcile"


def _harness_connection():
    settings = connection.settings_dict
    return psycopg2.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"]
    )


def _day(rows: dict, day) -> dict:
    return {model: [row for row in found if row["day"] == day] for model, found in rows.items()}


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE 'DELETE FROM%%feedback_serviceday%%'"
        )
        return cursor.fetchone()[0] > 0


def _received(log) -> list[str]:
    return re.findall(rf"Task {TASK}\[([^\]]+)\] received", log.read_text())


def _succeeded(log) -> int:
    return len(re.findall(rf"{TASK}\[[^\]]+\] succeeded", log.read_text()))


@pytest.mark.parametrize("killed", ["pool process", "whole worker"])
def test_a_reconcile_whose_worker_is_killed_mid_task_runs_again_and_leaves_exactly_one_clean_result(tmp_path, killed):
    # given: two days of visits, bookings and ratings, and their roll-ups as one clean run gives them
    world = World()
    for variant, day in enumerate(DAYS):
        play_day(world, day, variant=variant)
    clean = snapshot()
    # ... then spoilt, so that the rebuild has something to put right on both days
    for model in (CentreDay, ServiceDay, StaffDay):
        model.objects.update(visits=F("visits") + 1000)
    spoilt = snapshot()
    assert spoilt != clean

    redis_server = RedisServer()
    redis_server.start()
    holder = _harness_connection()
    worker = new_worker = None
    try:
        with holder.cursor() as cursor:  # a transaction left open: the row stays locked
            cursor.execute("SELECT id FROM feedback_serviceday WHERE day = %s LIMIT 1 FOR UPDATE", [DAYS[1]])
        worker, log = start_worker(tmp_path, redis_server.url, current_database_url(), beat=False, name="first")
        with publishing_to(redis_server.url):
            rollups_reconcile.apply_async(args=[DAYS[0].isoformat(), DAYS[1].isoformat()])

        # when: the task is half-way through the second day, it is killed
        wait_for(_waiting_on_a_lock, 60, "the task to reach the second day's ServiceDay rows")
        midway = snapshot()
        assert _day(midway, DAYS[0]) == _day(clean, DAYS[0])  # the first day is done and committed
        assert _day(midway, DAYS[1]) == _day(spoilt, DAYS[1])  # nothing of the second day is visible
        if killed == "pool process":
            # the worker survives and hands the task out again (reject_on_worker_lost)
            (child,) = pool_children(worker)
            os.kill(child, signal.SIGKILL)
            wait_for(lambda: "WorkerLostError" in log.read_text(), 30, "the worker to notice its lost process")
            holder.rollback()
            runs_in = log
        else:
            # nothing of the worker is left; a new one takes the unacknowledged task once its
            # visibility timeout (shortened here to 5 s) has passed
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            holder.rollback()
            new_worker, runs_in = start_worker(
                tmp_path,
                redis_server.url,
                current_database_url(),
                beat=False,
                name="second",
                extra_env={"DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings", "FAULTS_VISIBILITY_TIMEOUT": "5"},
            )

        # then: the task is delivered again and finishes, once
        wait_for(lambda: _succeeded(runs_in), 60, "the task to run again")
        deliveries = _received(log) + (_received(runs_in) if runs_in is not log else [])
        assert len(deliveries) == 2 and deliveries[0] == deliveries[1], deliveries  # the same task, twice
        assert _succeeded(log) + (_succeeded(runs_in) if runs_in is not log else 0) == 1
        assert snapshot() == clean
    finally:
        with contextlib.suppress(psycopg2.Error):
            holder.rollback()
        holder.close()
        stop_process(new_worker)
        stop_process(worker)
        redis_server.stop()
    print(
        f"\nFAULTS worker killed mid-task ({killed}): {TASK} of {len(DAYS)} days killed inside day 2 (day 1 "
        f"committed, day 2 untouched), delivered again and run once more ({len(deliveries)} deliveries, 1 success); "
        f"{sum(len(rows) for rows in clean.values())} roll-up rows exactly as one clean run"
    )
