"""The read-replica router (installed by settings.production when DATABASE_REPLICA_URL is set):
only the dashboards' roll-up reads leave the primary. tests/test_deployment.py runs it for real."""

import pytest

from appointments.models import Appointment, Notification
from asan_portal.db_router import DashboardReplicaRouter
from feedback.models import CentreDay, Rating, ServiceDay, StaffDay

router = DashboardReplicaRouter()


@pytest.mark.parametrize("model", [CentreDay, ServiceDay, StaffDay])
def test_roll_up_reads_go_to_the_replica_and_their_writes_to_the_primary(model):
    assert router.db_for_read(model) == "replica"
    assert router.db_for_write(model) is None


@pytest.mark.parametrize("model", [Appointment, Notification, Rating])
def test_every_other_read_stays_on_the_primary(model):
    assert router.db_for_read(model) is None


def test_the_replica_is_never_migrated():
    assert router.allow_migrate("replica", "feedback", model_name="centreday") is False
    assert router.allow_migrate("default", "feedback", model_name="centreday") is None
