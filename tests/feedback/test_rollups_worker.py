"""The reconcile task through a real Celery worker on a real Redis (eager mode would hide
argument serialisation and the worker's own database connection): two deliveries of the same
run, as a redelivery or a second beat would make, leave the rows the incremental path wrote."""

import datetime as dt
import re

import pytest

from feedback.models import CentreDay, ServiceDay, StaffDay
from feedback.tasks import rollups_reconcile
from tests.appointments.test_worker import _start_worker, _stop_worker, _wait_for, broker, publish_to  # noqa: F401
from tests.feedback.rollup_scenario import FIRST_DAY, World, at, rate, snapshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SUCCEEDED = re.compile(r"feedback\.rollups_reconcile\[[^\]]+\] succeeded")


def test_a_worker_rebuilds_lost_rows_and_a_second_delivery_changes_nothing(broker, publish_to, tmp_path):  # noqa: F811
    # given: a day with a rated visit at each centre, its roll-up rows then lost
    world = World()
    for desk, centre, service in (
        (world.desk_a1, world.centre_a, world.service_a1),
        (world.desk_b, world.centre_b, world.service_b),
    ):
        ticket = desk.serve(centre=centre, service=service, issued=at(FIRST_DAY, 10), wait=dt.timedelta(minutes=7))
        rate(ticket, 5, now=at(FIRST_DAY, 11), waiting=4)
    expected = snapshot()
    for model in (CentreDay, ServiceDay, StaffDay):
        model.objects.all().delete()

    # when: the task is published twice with ISO dates, as beat or a redelivery would
    process, log = _start_worker(tmp_path, broker.url, beat=False)
    try:
        for _ in range(2):
            rollups_reconcile.delay(FIRST_DAY.isoformat(), FIRST_DAY.isoformat())
        _wait_for(lambda: len(SUCCEEDED.findall(log.read_text())) >= 2, 60, "both runs to succeed")
    finally:
        _stop_worker(process)

    # then
    assert len(SUCCEEDED.findall(log.read_text())) == 2
    assert snapshot() == expected
