"""The data migration that fills the country's service rows from the rows already rolled up."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from feedback.models import METRIC_FIELDS, NationalServiceDay
from tests.centres.factories import CentreFactory
from tests.feedback.stats_factories import service_day
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

fill = importlib.import_module("feedback.migrations.0004_fill_national_service_day").fill


def test_the_migration_gives_each_past_day_the_sums_the_rebuild_would_give():
    north, south = CentreFactory(), CentreFactory()
    passport, licence = ServiceFactory(), ServiceFactory()
    days = [dt.date(2026, 3, 2), dt.date(2026, 3, 3)]
    for day in days:
        service_day(north, passport, day, visits=20, ratings=8, satisfied=6, score_sum=32, histogram=[4, 16])
        service_day(south, passport, day, visits=10, ratings=2, satisfied=2, score_sum=10, histogram=[10])
        service_day(south, licence, day, visits=3, ratings=1, satisfied=1, score_sum=5)
    expected = {
        (row.day, row.service_id, row.provider_id): {name: getattr(row, name) for name in METRIC_FIELDS}
        for row in NationalServiceDay.objects.all()
    }
    assert len(expected) == 4  # kept by the factories as the rebuild keeps them
    NationalServiceDay.objects.all().delete()  # as before the upgrade

    fill(apps, None)

    filled = {
        (row.day, row.service_id, row.provider_id): {name: getattr(row, name) for name in METRIC_FIELDS}
        for row in NationalServiceDay.objects.all()
    }
    assert filled == expected
    assert filled[(days[0], passport.pk, passport.provider_id)]["visits"] == 30


def test_the_migration_replaces_rows_already_there_rather_than_failing_on_them():
    centre, passport = CentreFactory(), ServiceFactory()
    day = dt.date(2026, 3, 2)
    service_day(centre, passport, day, visits=20, ratings=8, satisfied=6, score_sum=32)
    NationalServiceDay.objects.filter(day=day).update(visits=999)  # a row the deltas wrote, say

    fill(apps, None)

    [row] = NationalServiceDay.objects.all()
    assert row.visits == 20
