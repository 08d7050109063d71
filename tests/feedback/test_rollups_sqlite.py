"""The roll-ups on the embedded SQLite database of `make run`: the upsert (ON CONFLICT ... DO
UPDATE, SQLite >= 3.24) and the rebuild's wait arithmetic (django_timestamp_diff) give the same
rows as on PostgreSQL. Runs in a subprocess with the local settings on a fresh SQLite file."""

import pytest

from tests.test_sqlite_path import run, sqlite_env  # noqa: F401 - a fixture

pytestmark = pytest.mark.slow

SCENARIO = """
import django
django.setup()
from django.db import connection
from feedback.models import CentreDay
from feedback.rollups import rollups_rebuild
from tests.feedback.rollup_scenario import FIRST_DAY, WAITS, World, play_day, snapshot

assert connection.vendor == "sqlite"
world = World()
play_day(world, FIRST_DAY)
incremental = snapshot()
row = CentreDay.objects.get(centre=world.centre_a, day=FIRST_DAY)
assert row.visits == len(WAITS) + 2 and row.wait_seconds == sum(WAITS) + 12 * 60, (row.visits, row.wait_seconds)
rollups_rebuild(first_day=FIRST_DAY, last_day=FIRST_DAY)
assert snapshot() == incremental
rollups_rebuild(first_day=FIRST_DAY, last_day=FIRST_DAY)
assert snapshot() == incremental
print("rollups ok", {name: len(rows) for name, rows in incremental.items()})
"""


def test_deltas_and_rebuild_agree_on_sqlite(sqlite_env):  # noqa: F811 - the imported fixture
    run(["manage.py", "migrate", "--no-input", "-v", "0"], sqlite_env)
    output = run(["-c", SCENARIO], sqlite_env)
    assert "rollups ok {'CentreDay': 2, 'ServiceDay': 3, 'NationalServiceDay': 3, 'StaffDay': 3}" in output
