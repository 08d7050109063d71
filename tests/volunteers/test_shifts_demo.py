"""The demo shift patterns: made for the demo centres that exist, and running twice changes nothing."""

import datetime as dt

import pytest

from tests.centres.factories import CentreFactory, weekday_hours
from volunteers.demo_shifts import shifts_load_demo
from volunteers.models import Shift, ShiftTemplate

pytestmark = pytest.mark.django_db


def test_demo_shifts_are_idempotent():
    centre = CentreFactory(code="baku-1")
    weekday_hours(centre)  # Monday to Saturday
    CentreFactory(code="elsewhere")
    now = dt.datetime(2026, 12, 2, 8, tzinfo=centre.tz)  # a Wednesday morning

    first = shifts_load_demo(now=now)
    second = shifts_load_demo(now=now)

    assert first.templates_created == ShiftTemplate.objects.count() == 5 * 3 + 1
    assert second.templates_created == second.shifts_created == 0
    assert first.shifts_created == second.shifts_existing == Shift.objects.count()
    # This week from Wednesday (3 working days + Saturday), then two full weeks (5 days + Saturday).
    assert Shift.objects.count() == (3 * 3 + 1) + 2 * (5 * 3 + 1)
    assert not Shift.objects.exclude(centre=centre).exists()
