"""Fixtures of the appointments tests."""

import pytest

from tests.appointments.queue_factories import midday_clock


@pytest.fixture(autouse=True)
def queue_day_clock(request, monkeypatch):
    """The queue tests (test_queue*.py) run at the centre's midday, not at the wall clock's time:
    run across midnight, a ticket issued before it could not be called after it."""
    if request.module.__name__.rsplit(".", 1)[-1].startswith("test_queue"):
        return midday_clock(monkeypatch)
    return None
