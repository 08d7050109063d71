"""The shift pages: the volunteer's list with sign up / waitlist / withdraw, and the coordinator's
week and shift pages. Every refusal is a 4xx page with a clear message; nothing answers 500."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.centres.factories import CentreFactory, weekday_hours
from tests.volunteers.factories import (
    ShiftFactory,
    ShiftSignupFactory,
    ShiftTemplateFactory,
    VolunteerFactory,
    baku_today,
)
from volunteers import shifts
from volunteers.models import Shift, ShiftRole, ShiftSignup, SignupStatus

pytestmark = pytest.mark.django_db

S = SignupStatus
IN_THREE_DAYS = baku_today() + dt.timedelta(days=3)


def url(name, **kwargs):
    with translation.override("en"):
        return reverse(f"volunteers:{name}", kwargs=kwargs or None)


@pytest.fixture
def centre():
    return CentreFactory()


@pytest.fixture
def volunteer(centre):
    return VolunteerFactory(centres=[centre])


@pytest.fixture
def volunteer_client(client, volunteer):
    client.force_login(volunteer.user)
    return client


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def make_shift(centre, *, start=9, end=13, needed=2, date=IN_THREE_DAYS, **extra):
    return ShiftFactory(centre=centre, date=date, start=dt.time(start), end=dt.time(end), needed=needed, **extra)


# --- who may open them ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, centre):
    shift = make_shift(centre)
    for address in (url("shifts"), url("coordinator-shifts"), url("coordinator-shift", pk=shift.pk)):
        response = client.get(address)
        assert response.status_code == 302
        assert "next=" in response["Location"]
    assert client.post(url("shift-sign-up", pk=shift.pk)).status_code == 302
    assert not ShiftSignup.objects.exists()


def test_accounts_that_are_not_volunteers_get_403(client, official):
    client.force_login(official)
    assert client.get(url("shifts")).status_code == 403


def test_volunteers_cannot_open_the_coordinator_pages(volunteer_client, centre):
    shift = make_shift(centre)
    assert volunteer_client.get(url("coordinator-shifts")).status_code == 403
    assert volunteer_client.get(url("coordinator-shifts-week", centre=centre.code)).status_code == 403
    assert volunteer_client.post(url("coordinator-shift-needed", pk=shift.pk), {"needed": 9}).status_code == 403
    shift.refresh_from_db()
    assert shift.needed == 2


# --- the volunteer's page ---------------------------------------------------------------------


def test_the_list_shows_the_volunteers_centres_only_by_day(volunteer_client, centre):
    mine = make_shift(centre, notes="Entrance B")
    full = make_shift(centre, start=14, end=18, needed=1)
    ShiftSignupFactory(shift=full, volunteer=VolunteerFactory(centres=[centre]))
    elsewhere = make_shift(CentreFactory())
    too_far = make_shift(centre, date=baku_today() + dt.timedelta(days=40))

    response = volunteer_client.get(url("shifts"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="shift-{mine.pk}"' in page and "Entrance B" in page
    assert f'id="shift-{full.pk}"' in page and "Join the waitlist" in page
    assert f'id="shift-{elsewhere.pk}"' not in page
    assert f'id="shift-{too_far.pk}"' not in page
    assert "2 places free" in page


def test_sign_up_then_withdraw_without_javascript(volunteer_client, volunteer, centre):
    shift = make_shift(centre)

    response = volunteer_client.post(url("shift-sign-up", pk=shift.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("shifts")
    page = response.content.decode()
    assert "You are signed up" in page
    signup = ShiftSignup.objects.get(volunteer=volunteer, shift=shift)
    assert f'id="my-signup-{signup.pk}"' in page

    response = volunteer_client.post(url("shift-withdraw", pk=signup.pk), follow=True)

    assert "You have withdrawn" in response.content.decode()
    signup.refresh_from_db(), shift.refresh_from_db()
    assert (signup.status, shift.taken) == (S.WITHDRAWN, 0)


def test_a_full_shift_puts_the_volunteer_on_the_waitlist(volunteer_client, volunteer, centre):
    shift = make_shift(centre, needed=1)
    ShiftSignupFactory(shift=shift, volunteer=VolunteerFactory(centres=[centre]))

    response = volunteer_client.post(url("shift-sign-up", pk=shift.pk), follow=True)

    assert "on its waitlist" in response.content.decode()
    assert ShiftSignup.objects.get(volunteer=volunteer).status == S.WAITLISTED


@pytest.mark.parametrize("htmx", [False, True])
def test_refusals_come_back_as_the_page_with_a_4xx_and_the_message(volunteer_client, volunteer, centre, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    held = make_shift(centre, start=9, end=13)
    clashing = make_shift(centre, start=12, end=16)
    other_centre = make_shift(CentreFactory())
    shifts.shift_sign_up(shift=held, volunteer=volunteer)

    overlap = volunteer_client.post(url("shift-sign-up", pk=clashing.pk), **headers)
    again = volunteer_client.post(url("shift-sign-up", pk=held.pk), **headers)
    not_mine = volunteer_client.post(url("shift-sign-up", pk=other_centre.pk), **headers)
    missing = volunteer_client.post(url("shift-sign-up", pk=999999), **headers)

    assert overlap.status_code == 409
    assert "You already have a shift at that time: " in overlap.content.decode()
    assert again.status_code == 409 and "already signed up" in again.content.decode()
    assert not_mine.status_code == 403 and "do not volunteer at this centre" in not_mine.content.decode()
    assert missing.status_code == 404
    assert ShiftSignup.objects.filter(volunteer=volunteer).count() == 1


def test_sign_up_after_the_cut_off_is_refused_with_409(volunteer_client, volunteer, centre, settings):
    settings.VOLUNTEERS = {**settings.VOLUNTEERS, "SIGNUP_CUTOFF_HOURS": 24 * 5}  # every shift is past it
    shift = make_shift(centre)

    page = volunteer_client.get(url("shifts")).content.decode()
    response = volunteer_client.post(url("shift-sign-up", pk=shift.pk))

    assert "Sign-up has closed" in page
    assert response.status_code == 409
    assert "closed 120 hours before it starts" in response.content.decode()
    assert not ShiftSignup.objects.exists()


def test_withdrawing_someone_elses_signup_is_a_404(volunteer_client, centre):
    other = ShiftSignupFactory(shift=make_shift(centre), volunteer=VolunteerFactory(centres=[centre]))
    assert volunteer_client.post(url("shift-withdraw", pk=other.pk)).status_code == 404
    other.refresh_from_db()
    assert other.status == S.SIGNED_UP


def test_actions_answer_405_to_get(volunteer_client, centre):
    shift = make_shift(centre)
    assert volunteer_client.get(url("shift-sign-up", pk=shift.pk)).status_code == 405


# --- the coordinator's pages ------------------------------------------------------------------


def test_coordinator_week_page_lists_the_shifts_of_the_week(coordinator_client, centre):
    monday = shifts.week_start_of(IN_THREE_DAYS)
    shift = make_shift(centre)
    later = make_shift(centre, date=monday + dt.timedelta(days=8))

    response = coordinator_client.get(url("coordinator-shifts-week", centre=centre.code), {"week": str(IN_THREE_DAYS)})

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="shift-{shift.pk}"' in page
    assert f'id="shift-{later.pk}"' not in page
    assert coordinator_client.get(url("coordinator-shifts")).status_code == 200
    assert coordinator_client.get(url("coordinator-shifts-week", centre="no-such-centre")).status_code == 404


@pytest.mark.parametrize(
    ("week", "message"),
    [("next tuesday", "Enter a date like"), ("0001-01-01", "within 5 years"), ("9999-12-31", "within 5 years")],
)
def test_a_week_that_is_not_a_usable_date_is_a_400(coordinator_client, centre, week, message):
    response = coordinator_client.get(url("coordinator-shifts-week", centre=centre.code), {"week": week})
    generate = coordinator_client.post(url("coordinator-shifts-generate", centre=centre.code), {"week": week})
    assert response.status_code == 400 and generate.status_code == 400
    assert message in response.content.decode()


def create_data(**overrides):
    return {
        "date": str(IN_THREE_DAYS),
        "start_time": "09:00",
        "end_time": "13:00",
        "role": ShiftRole.ENTRANCE,
        "needed": "3",
        "notes": "",
        **overrides,
    }


def test_coordinator_creates_a_shift(coordinator_client, centre, coordinator):
    response = coordinator_client.post(url("coordinator-shift-create", centre=centre.code), create_data())

    assert response.status_code == 302
    shift = Shift.objects.get(centre=centre)
    assert (shift.needed, shift.created_by, shift.date) == (3, coordinator, IN_THREE_DAYS)
    assert f"week={shifts.week_start_of(IN_THREE_DAYS):%Y-%m-%d}" in response["Location"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": ""}, "This field is required"),
        ({"date": "31.02.2026"}, "Enter a date like"),
        ({"start_time": "nine"}, "Enter a time like 09:00"),
        ({"end_time": "08:00"}, "The shift must end after it starts"),
        ({"needed": "0"}, "from 1 to 50"),
        ({"needed": "500"}, "from 1 to 50"),
        ({"needed": "two"}, "Enter a whole number"),
        ({"role": "cook"}, "Choose one of the roles"),
        ({"date": str(baku_today() - dt.timedelta(days=2))}, "The date must not be in the past"),
        ({"notes": "x" * 301}, "300"),
        ({"date": "9999-12-31"}, "up to 366 days ahead"),
    ],
)
def test_each_invalid_shift_input_is_a_400_with_its_message(coordinator_client, centre, overrides, message):
    response = coordinator_client.post(url("coordinator-shift-create", centre=centre.code), create_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Shift.objects.exists()


def test_generate_the_week_twice_reports_what_was_made(coordinator_client, centre):
    weekday_hours(centre)
    ShiftTemplateFactory(centre=centre, weekday=0)
    ShiftTemplateFactory(centre=centre, weekday=6)  # Sunday: closed
    monday = shifts.week_start_of(baku_today()) + dt.timedelta(days=7)
    address = url("coordinator-shifts-generate", centre=centre.code)

    first = coordinator_client.post(address, {"week": str(monday)}, follow=True).content.decode()
    second = coordinator_client.post(address, {"week": str(monday)}, follow=True).content.decode()
    bad = coordinator_client.post(address, {"week": "soon"})

    assert "1 shifts made from the weekly pattern; 0 were there already." in first
    assert "the centre is closed" in first
    assert "0 shifts made from the weekly pattern; 1 were there already." in second
    assert Shift.objects.filter(centre=centre).count() == 1
    assert bad.status_code == 400


def test_coordinator_assigns_changes_needed_removes_and_moves(coordinator_client, centre):
    shift = make_shift(centre, needed=1)
    target = make_shift(centre, date=IN_THREE_DAYS + dt.timedelta(days=1))
    first, second = VolunteerFactory(centres=[centre]), VolunteerFactory(centres=[centre])

    page = coordinator_client.get(url("coordinator-shift", pk=shift.pk))
    assert page.status_code == 200 and first.full_name in page.content.decode()

    assert (
        coordinator_client.post(url("coordinator-shift-assign", pk=shift.pk), {"volunteer": first.pk}).status_code
        == 302
    )
    full = coordinator_client.post(url("coordinator-shift-assign", pk=shift.pk), {"volunteer": second.pk})
    assert full.status_code == 409 and "This shift is full" in full.content.decode()

    below = coordinator_client.post(url("coordinator-shift-needed", pk=shift.pk), {"needed": "0"})
    assert below.status_code == 400
    assert coordinator_client.post(url("coordinator-shift-needed", pk=shift.pk), {"needed": "2"}).status_code == 302
    assert (
        coordinator_client.post(url("coordinator-shift-assign", pk=shift.pk), {"volunteer": second.pk}).status_code
        == 302
    )
    refused = coordinator_client.post(url("coordinator-shift-needed", pk=shift.pk), {"needed": "1"})
    assert refused.status_code == 409 and "2 volunteers are signed up" in refused.content.decode()

    first_place = ShiftSignup.objects.get(volunteer=first, status=S.SIGNED_UP)
    second_place = ShiftSignup.objects.get(volunteer=second, status=S.SIGNED_UP)
    no_reason = coordinator_client.post(url("coordinator-signup-remove", pk=first_place.pk), {"reason": " "})
    assert no_reason.status_code == 400 and "Give a reason" in no_reason.content.decode()
    assert (
        coordinator_client.post(url("coordinator-signup-remove", pk=first_place.pk), {"reason": "Ill"}).status_code
        == 302
    )
    bad_target = coordinator_client.post(url("coordinator-signup-move", pk=second_place.pk), {"to_shift": "abc"})
    assert bad_target.status_code == 400 and "Choose one of the listed shifts" in bad_target.content.decode()
    moved = coordinator_client.post(url("coordinator-signup-move", pk=second_place.pk), {"to_shift": target.pk})
    assert moved.status_code == 302

    shift.refresh_from_db(), target.refresh_from_db(), second_place.refresh_from_db()
    assert (shift.taken, target.taken, second_place.shift_id) == (0, 1, target.pk)


def test_unknown_volunteer_or_signup_is_a_4xx(coordinator_client, centre):
    shift = make_shift(centre)
    assert (
        coordinator_client.post(url("coordinator-shift-assign", pk=shift.pk), {"volunteer": "99999"}).status_code == 400
    )
    assert coordinator_client.post(url("coordinator-shift-assign", pk=shift.pk), {}).status_code == 400
    assert coordinator_client.post(url("coordinator-signup-remove", pk=99999), {"reason": "x"}).status_code == 404
    assert coordinator_client.get(url("coordinator-shift", pk=99999)).status_code == 404


def test_list_and_coordinator_pages_cost_the_same_queries_for_more_shifts(client, volunteer, centre, coordinator):
    day = baku_today() + dt.timedelta(days=2)

    def add_shifts(hours):
        for hour in hours:
            shift = make_shift(centre, date=day, start=hour, end=hour + 1, needed=2)
            ShiftSignupFactory(shift=shift, volunteer=VolunteerFactory(centres=[centre]))
            shifts.shift_sign_up(shift=shift, volunteer=volunteer)

    def queries(address, user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(address).status_code == 200
        return len(captured)

    week_address = f"{url('coordinator-shifts-week', centre=centre.code)}?week={day}"
    add_shifts(range(8, 10))
    few = (queries(url("shifts"), volunteer.user), queries(week_address, coordinator))
    add_shifts(range(10, 18))
    many = (queries(url("shifts"), volunteer.user), queries(week_address, coordinator))

    assert many == few
