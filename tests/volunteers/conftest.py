"""Fixtures shared by the volunteer tests: a coordinator, another staff user, shifts placed
around a chosen instant."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from asan_portal.roles import OFFICIAL, VOLUNTEER_COORDINATOR, role_grant
from tests.centres.factories import CentreFactory
from tests.volunteers.factories import ShiftFactory


@pytest.fixture
def coordinator(django_user_model):
    user = django_user_model.objects.create_user("coordinator-test", password="asan-demo-2026")  # noqa: S106
    role_grant(user=user, role=VOLUNTEER_COORDINATOR)
    return user


@pytest.fixture
def official(django_user_model):
    """Staff of another role: may not use the coordinator's pages."""
    user = django_user_model.objects.create_user("official-test", password="asan-demo-2026")  # noqa: S106
    role_grant(user=user, role=OFFICIAL)
    return user


def shift_around(start: dt.datetime, *, hours: float = 4, centre=None, **kwargs):
    """A shift starting at `start` (aware) and lasting `hours`, with its centre-local date."""
    centre = centre or CentreFactory()
    end = start + dt.timedelta(hours=hours)
    return ShiftFactory(
        centre=centre,
        date=timezone.localtime(start, centre.tz).date(),
        starts_at=start,
        ends_at=end,
        **kwargs,
    )


@pytest.fixture(autouse=True)
def english():
    """The rules' messages are checked in English; a page test picks its language by the URL's
    prefix (/az/, /en/), which the middleware activates for that request."""
    with translation.override("en"):
        yield
