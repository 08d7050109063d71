"""The volunteer's iCal feed opens in a calendar program: parsed with the icalendar package."""

import datetime as dt

import icalendar
import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from tests.volunteers.conftest import shift_around
from tests.volunteers.factories import ShiftFactory, ShiftSignupFactory, VolunteerFactory
from volunteers.models import ShiftRole, SignupStatus

pytestmark = pytest.mark.django_db


def feed_url(volunteer):
    return f"/volunteers/calendar/{volunteer.calendar_token}.ics"


def events(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def volunteer():
    return VolunteerFactory(language="en")


def test_the_feed_has_an_event_per_signed_up_shift_with_utc_times(client, volunteer):
    centre = volunteer.centres.first()
    upcoming = ShiftSignupFactory(volunteer=volunteer, shift=ShiftFactory(centre=centre, role=ShiftRole.E_SERVICES))
    recent = ShiftSignupFactory(
        volunteer=volunteer, shift=shift_around(timezone.now() - dt.timedelta(days=3), centre=centre)
    )
    ShiftSignupFactory(
        volunteer=volunteer,
        shift=ShiftFactory(centre=centre, start=dt.time(14), end=dt.time(17)),
        status=SignupStatus.WITHDRAWN,
    )
    ShiftSignupFactory(
        volunteer=volunteer,
        shift=ShiftFactory(centre=centre, start=dt.time(18), end=dt.time(20)),
        status=SignupStatus.WAITLISTED,
    )
    ShiftSignupFactory(volunteer=volunteer, shift=shift_around(timezone.now() - dt.timedelta(days=60), centre=centre))
    ShiftSignupFactory(shift=ShiftFactory(centre=centre))  # someone else's

    response = client.get(feed_url(volunteer))  # no login: the token is the key

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    found = events(response)
    assert len(found) == 2
    by_shift = {event["UID"].split("-")[2]: event for event in found.values()}
    event = by_shift[str(upcoming.shift.pk)]
    assert event.decoded("DTSTART") == upcoming.shift.starts_at
    assert event.decoded("DTEND") == upcoming.shift.ends_at
    assert event.decoded("DTSTART").tzinfo.utcoffset(None) == dt.timedelta(0)
    assert str(event["SUMMARY"]) == "Volunteer shift: E-services help"
    assert centre.address_az in str(event["LOCATION"]) and centre.name_en in str(event["LOCATION"])
    assert "(local time)" in str(event["DESCRIPTION"])
    assert str(recent.shift.pk) in by_shift


def test_the_uids_are_stable_between_fetches(client, volunteer):
    ShiftSignupFactory(volunteer=volunteer, shift=ShiftFactory(centre=volunteer.centres.first()))

    first, second = events(client.get(feed_url(volunteer))), events(client.get(feed_url(volunteer)))

    assert list(first) == list(second) and len(first) == 1


def test_the_summary_is_in_the_volunteer_language(client):
    volunteer = VolunteerFactory(language="az")
    ShiftSignupFactory(volunteer=volunteer, shift=ShiftFactory(centre=volunteer.centres.first()))

    (event,) = events(client.get(feed_url(volunteer))).values()

    with translation.override("az"):
        expected = gettext("Volunteer shift: %(role)s") % {"role": ShiftRole.ENTRANCE.label}
    assert str(event["SUMMARY"]) == expected


def test_an_empty_feed_is_still_a_valid_calendar(client, volunteer):
    calendar = icalendar.Calendar.from_ical(client.get(feed_url(volunteer)).content)
    assert calendar["VERSION"] == "2.0" and calendar.walk("VEVENT") == []


def test_a_wrong_token_or_inactive_volunteer_is_404(client, volunteer):
    assert client.get("/volunteers/calendar/not-a-token.ics").status_code == 404
    volunteer.is_active = False
    volunteer.save()
    assert client.get(feed_url(volunteer)).status_code == 404
