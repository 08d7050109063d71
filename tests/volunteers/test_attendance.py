"""Attendance (volunteers/attendance.py and its pages): check-in window, late, check-out and the
minutes served, the clean-up after shifts, the centre's QR code, the coordinator's buttons and
"programme completed"."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.volunteers.conftest import shift_around
from tests.volunteers.factories import ShiftSignupFactory, VolunteerFactory
from volunteers import attendance
from volunteers.errors import (
    AlreadyCheckedIn,
    AlreadyCheckedOut,
    CheckInNotOpen,
    NoCurrentShift,
    NotCheckedIn,
    NotSignedUp,
)
from volunteers.models import Attendance, ShiftSignup, SignupStatus

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)  # 09:00 in Baku
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def signup():
    shift = shift_around(START, hours=4)
    return ShiftSignupFactory(shift=shift, volunteer=VolunteerFactory(centres=[shift.centre]))


def fresh(signup) -> ShiftSignup:
    return ShiftSignup.objects.get(pk=signup.pk)


# --- check-in: the window and lateness ------------------------------------------------------


def test_check_in_opens_thirty_minutes_before_the_start(signup):
    with pytest.raises(CheckInNotOpen) as refusal:
        attendance.signup_check_in(signup=signup, by=None, now=START - 31 * MIN)
    assert refusal.value.status_code == 409
    assert "30 minutes before" in refusal.value.message
    assert fresh(signup).checked_in_at is None

    attendance.signup_check_in(signup=signup, by=None, now=START - 30 * MIN)

    assert fresh(signup).attendance == Attendance.PRESENT


@pytest.mark.parametrize(
    ("minutes_after_start", "expected"),
    [(0, Attendance.PRESENT), (10, Attendance.PRESENT), (11, Attendance.LATE), (200, Attendance.LATE)],
)
def test_arriving_more_than_ten_minutes_after_the_start_is_late(signup, minutes_after_start, expected):
    attendance.signup_check_in(signup=signup, by=None, now=START + minutes_after_start * MIN)

    assert fresh(signup).attendance == expected
    assert fresh(signup).checked_in_at == START + minutes_after_start * MIN


def test_the_window_and_lateness_follow_the_settings(signup, settings):
    settings.VOLUNTEERS = {**settings.VOLUNTEERS, "CHECK_IN_OPENS_MINUTES": 60, "LATE_AFTER_MINUTES": 0}

    attendance.signup_check_in(signup=signup, by=None, now=START - 59 * MIN)
    assert fresh(signup).attendance == Attendance.PRESENT

    other = ShiftSignupFactory(shift=signup.shift, volunteer=VolunteerFactory())
    attendance.signup_check_in(signup=other, by=None, now=START + MIN)
    assert fresh(other).attendance == Attendance.LATE


def test_no_check_in_once_the_shift_has_ended(signup):
    with pytest.raises(CheckInNotOpen, match="ended"):
        attendance.signup_check_in(signup=signup, by=None, now=START + dt.timedelta(hours=4))


def test_checking_in_twice_is_refused_clearly(signup):
    attendance.signup_check_in(signup=signup, by=None, now=START)

    with pytest.raises(AlreadyCheckedIn) as refusal:
        attendance.signup_check_in(signup=signup, by=None, now=START + 5 * MIN)

    assert refusal.value.status_code == 409
    assert "already checked in (at 09:00)" in refusal.value.message
    assert fresh(signup).checked_in_at == START


@pytest.mark.parametrize("status", [SignupStatus.WAITLISTED, SignupStatus.WITHDRAWN, SignupStatus.REMOVED])
def test_only_a_signed_up_place_can_be_checked_in(signup, status):
    ShiftSignup.objects.filter(pk=signup.pk).update(status=status)

    with pytest.raises(NotSignedUp):
        attendance.signup_check_in(signup=signup, by=None, now=START)


# --- check-out and the minutes served ---------------------------------------------------------


@pytest.mark.parametrize(
    ("check_in", "check_out", "minutes"),
    [
        (START - 20 * MIN, START + dt.timedelta(hours=4, minutes=30), 240),  # early and late earn nothing extra
        (START + 15 * MIN, START + dt.timedelta(hours=3, minutes=30), 195),
        (START, START + 59 * MIN + dt.timedelta(seconds=59), 59),  # whole minutes only
        (START - 25 * MIN, START - 5 * MIN, 0),  # left before the start: nothing inside the shift
    ],
)
def test_minutes_served_count_only_time_inside_the_shift(signup, check_in, check_out, minutes):
    attendance.signup_check_in(signup=signup, by=None, now=check_in)

    attendance.signup_check_out(signup=signup, by=None, now=check_out)

    row = fresh(signup)
    assert (row.checked_out_at, row.minutes_served) == (check_out, minutes)


def test_check_out_needs_a_check_in_first(signup):
    with pytest.raises(NotCheckedIn) as refusal:
        attendance.signup_check_out(signup=signup, by=None, now=START + MIN)
    assert refusal.value.status_code == 409
    assert fresh(signup).checked_out_at is None


def test_checking_out_twice_is_refused_and_keeps_the_first(signup):
    attendance.signup_check_in(signup=signup, by=None, now=START)
    attendance.signup_check_out(signup=signup, by=None, now=START + dt.timedelta(hours=2))

    with pytest.raises(AlreadyCheckedOut, match="already checked out"):
        attendance.signup_check_out(signup=signup, by=None, now=START + dt.timedelta(hours=3))

    assert fresh(signup).minutes_served == 120


# --- after the shift: missed places and forgotten check-outs ------------------------------


def test_a_place_nobody_checked_in_to_is_missed_an_hour_after_the_end(signup):
    end = signup.ends_at

    assert attendance.shifts_mark_missed(now=end + 59 * MIN).missed == 0
    assert fresh(signup).attendance == Attendance.PENDING

    result = attendance.shifts_mark_missed(now=end + 61 * MIN)

    assert result.missed == 1
    assert fresh(signup).attendance == Attendance.MISSED
    assert attendance.shifts_mark_missed(now=end + 120 * MIN) == attendance.MarkResult(missed=0, checked_out=0)


def test_withdrawn_and_waitlisted_places_are_never_missed(signup):
    waiting = ShiftSignupFactory(shift=signup.shift, status=SignupStatus.WAITLISTED)
    ShiftSignup.objects.filter(pk=signup.pk).update(status=SignupStatus.WITHDRAWN)

    attendance.shifts_mark_missed(now=signup.ends_at + dt.timedelta(hours=3))

    assert fresh(signup).attendance == Attendance.PENDING
    assert fresh(waiting).attendance == Attendance.PENDING


def test_a_forgotten_check_out_ends_at_the_shift_end_two_hours_later(signup):
    attendance.signup_check_in(signup=signup, by=None, now=START + 30 * MIN)
    end = signup.ends_at

    assert attendance.shifts_mark_missed(now=end + 119 * MIN).checked_out == 0
    result = attendance.shifts_mark_missed(now=end + 121 * MIN)

    row = fresh(signup)
    assert result.checked_out == 1
    assert (row.checked_out_at, row.minutes_served, row.attendance) == (end, 210, Attendance.LATE)
    assert attendance.signup_was_checked_out_automatically(row)
    assert attendance.shifts_mark_missed(now=end + 300 * MIN).checked_out == 0


def test_the_history_says_when_the_check_out_was_automatic(client, signup):
    attendance.signup_check_in(signup=signup, by=None, now=START)
    attendance.shifts_mark_missed(now=signup.ends_at + dt.timedelta(hours=3))
    client.force_login(signup.volunteer.user)

    page = client.get(reverse("volunteers:me"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "checked out automatically at the end of the shift" in page


# --- the centre's QR code -----------------------------------------------------------------


def _now_shift(volunteer, *, starts_in=dt.timedelta(minutes=5), hours=3):
    shift = shift_around(timezone.now() + starts_in, hours=hours, centre=volunteer.centres.first())
    return ShiftSignupFactory(shift=shift, volunteer=volunteer)


def _qr_url(centre, token=None, lang="en"):
    token = token or attendance.centre_check_in_token(centre)
    return f"/{lang}/volunteers/check-in/{centre.code}/{token}/"


def test_the_centre_token_is_stable_per_centre_and_voided_by_a_new_version(settings):
    volunteer = VolunteerFactory()
    centre = volunteer.centres.first()
    token = attendance.centre_check_in_token(centre)
    assert attendance.centre_check_in_token(centre) == token
    assert attendance.centre_check_in_token(VolunteerFactory().centres.first()) != token

    settings.VOLUNTEERS = {**settings.VOLUNTEERS, "CHECK_IN_QR_VERSION": 2}

    assert not attendance.centre_check_in_token_is_valid(centre, token)


def test_scanning_checks_in_then_out(client):
    volunteer = VolunteerFactory()
    signup = _now_shift(volunteer)
    client.force_login(volunteer.user)
    url = _qr_url(signup.shift.centre)

    page = client.get(url)
    assert page.status_code == 200
    assert "Check in now" in page.content.decode()
    assert fresh(signup).checked_in_at is None  # opening the page changes nothing

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:me")
    assert fresh(signup).attendance == Attendance.PRESENT

    assert "Check out now" in client.get(url).content.decode()
    client.post(url)
    assert fresh(signup).checked_out_at is not None


def test_a_forged_or_old_token_gets_a_clear_404_page(client, settings):
    volunteer = VolunteerFactory()
    signup = _now_shift(volunteer)
    client.force_login(volunteer.user)
    centre = signup.shift.centre

    for url in (_qr_url(centre, token="0" * 32), f"/en/volunteers/check-in/no-such-centre/{'0' * 32}/"):
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 404
            assert "check-in link is not valid" in response.content.decode()
    settings.VOLUNTEERS = {**settings.VOLUNTEERS, "CHECK_IN_QR_VERSION": 9}
    assert client.post(_qr_url(centre, token=attendance.centre_check_in_token(centre))).status_code == 302
    assert fresh(signup).checked_in_at is not None


def test_the_token_of_one_centre_does_not_open_another(client):
    volunteer = VolunteerFactory()
    signup = _now_shift(volunteer)
    other = VolunteerFactory().centres.first()
    client.force_login(volunteer.user)

    response = client.post(_qr_url(signup.shift.centre, token=attendance.centre_check_in_token(other)))

    assert response.status_code == 404
    assert fresh(signup).checked_in_at is None


def test_no_current_shift_is_said_clearly(client):
    volunteer = VolunteerFactory()
    later = _now_shift(volunteer, starts_in=dt.timedelta(hours=5))
    client.force_login(volunteer.user)
    url = _qr_url(later.shift.centre)

    assert "You have no shift at this centre now" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 404
    assert "You have no shift at this centre now" in response.content.decode()
    assert fresh(later).checked_in_at is None


def test_the_scan_service_refuses_without_a_current_shift():
    volunteer = VolunteerFactory()
    with pytest.raises(NoCurrentShift):
        attendance.signup_scan_qr(volunteer=volunteer, centre=volunteer.centres.first())


def test_the_qr_page_needs_a_signed_in_volunteer(client, coordinator):
    volunteer = VolunteerFactory()
    signup = _now_shift(volunteer)
    url = _qr_url(signup.shift.centre)

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]

    client.force_login(coordinator)  # a coordinator is not a volunteer
    assert client.post(url).status_code == 403
    assert fresh(signup).checked_in_at is None


def test_the_poster_is_for_coordinators(client, coordinator, official):
    centre = VolunteerFactory().centres.first()
    url = reverse("volunteers:check-in-poster", kwargs={"centre": centre.code})

    client.force_login(official)
    assert client.get(url).status_code == 403

    client.force_login(coordinator)
    page = client.get(url).content.decode()
    assert "<svg" in page
    assert attendance.centre_check_in_token(centre) in page


# --- the coordinator's buttons ------------------------------------------------------------


def test_the_coordinator_checks_a_volunteer_in_and_out(client, coordinator):
    volunteer = VolunteerFactory()
    signup = _now_shift(volunteer, starts_in=-dt.timedelta(minutes=1))
    client.force_login(coordinator)

    response = client.post(reverse("volunteers:signup-check-in", kwargs={"pk": signup.pk}))
    assert response.status_code == 302
    assert reverse("volunteers:roster", kwargs={"centre": signup.shift.centre.code}) in response["Location"]
    assert fresh(signup).attendance == Attendance.PRESENT

    again = client.post(reverse("volunteers:signup-check-in", kwargs={"pk": signup.pk}), HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    assert "already checked in" in again.content.decode()

    client.post(reverse("volunteers:signup-check-out", kwargs={"pk": signup.pk}))
    assert fresh(signup).checked_out_at is not None


def test_the_attendance_buttons_refuse_everyone_but_coordinators(client, official):
    volunteer = VolunteerFactory()
    signup = _now_shift(volunteer, starts_in=-dt.timedelta(minutes=1))
    url = reverse("volunteers:signup-check-in", kwargs={"pk": signup.pk})

    assert client.post(url).status_code == 302  # anonymous: to the login page
    for user in (volunteer.user, official):
        client.force_login(user)
        assert client.post(url).status_code == 403
    assert fresh(signup).checked_in_at is None


# --- programme completed -------------------------------------------------------------------


def test_the_coordinator_marks_the_programme_completed(client, coordinator):
    volunteer = VolunteerFactory(programme_started_on=dt.date(2025, 9, 1))
    url = reverse("volunteers:coordinator-volunteer", kwargs={"pk": volunteer.pk})
    client.force_login(coordinator)

    response = client.post(url, {"completed_on": "2026-01-31"})

    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.programme_completed_on == dt.date(2026, 1, 31)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31.01.2026", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
        ("2025-08-31", "cannot end before it started"),
        ("2999-01-01", "cannot be in the future"),
    ],
)
def test_a_wrong_completion_date_gets_a_clear_400(client, coordinator, value, message):
    volunteer = VolunteerFactory(programme_started_on=dt.date(2025, 9, 1))
    client.force_login(coordinator)

    response = client.post(
        reverse("volunteers:coordinator-volunteer", kwargs={"pk": volunteer.pk}),
        {"completed_on": value},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.programme_completed_on is None


def test_only_coordinators_mark_the_programme_completed(client, official):
    volunteer = VolunteerFactory()
    url = reverse("volunteers:coordinator-volunteer", kwargs={"pk": volunteer.pk})
    for user in (volunteer.user, official):
        client.force_login(user)
        assert client.post(url, {"completed_on": timezone.localdate().isoformat()}).status_code == 403
        assert client.get(url).status_code == 403
    volunteer.refresh_from_db()
    assert volunteer.programme_completed_on is None


# --- two check-ins of the same place at the same moment -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_check_ins_of_one_place_at_once_record_one():
    volunteer = VolunteerFactory()
    signup = _now_shift(volunteer)
    barrier = threading.Barrier(2)
    outcomes = []

    def press(method):
        try:
            barrier.wait()
            attendance.signup_check_in(signup=signup, by=None, method=method)
            outcomes.append("in")
        except AlreadyCheckedIn:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(method,)) for method in ("qr", "coordinator")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["in", "refused"]
