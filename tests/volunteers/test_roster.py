"""The roster of a centre by week (page and CSV), the coverage view, a volunteer's page, history,
totals and certificate, and who may open each."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation

from tests.centres.factories import CentreFactory
from tests.volunteers.conftest import shift_around
from tests.volunteers.factories import ShiftFactory, ShiftSignupFactory, VolunteerFactory
from volunteers import attendance, selectors
from volunteers.models import Attendance, ShiftRole, ShiftSignup, SignupStatus

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 9)


@pytest.fixture
def week():
    """A centre's week: Monday two shifts (one full, one with a gap and a waitlist), Wednesday one."""
    centre = CentreFactory()
    morning = ShiftFactory(centre=centre, date=MONDAY, start=dt.time(9), end=dt.time(13), needed=2)
    afternoon = ShiftFactory(
        centre=centre, date=MONDAY, start=dt.time(14), end=dt.time(18), needed=3, role=ShiftRole.E_SERVICES
    )
    wednesday = ShiftFactory(centre=centre, date=MONDAY + dt.timedelta(days=2), needed=1)
    people = [VolunteerFactory(centres=[centre], full_name=f"Könüllü {n}") for n in range(5)]
    ShiftSignupFactory(shift=morning, volunteer=people[0])
    ShiftSignupFactory(shift=morning, volunteer=people[1])
    ShiftSignupFactory(shift=afternoon, volunteer=people[2])
    ShiftSignupFactory(shift=afternoon, volunteer=people[3], status=SignupStatus.WAITLISTED)
    ShiftSignupFactory(shift=afternoon, volunteer=people[4], status=SignupStatus.WITHDRAWN)
    ShiftFactory(date=MONDAY, needed=4)  # another centre's shift: never on this roster
    return {"centre": centre, "morning": morning, "afternoon": afternoon, "wednesday": wednesday, "people": people}


def roster_url(centre, week="2026-03-11", lang="en"):
    return f"/{lang}/volunteers/coordinator/roster/{centre.code}/?week={week}"


# --- the selectors -------------------------------------------------------------------------


def test_the_roster_has_seven_days_with_shifts_people_and_waitlists(week, django_assert_num_queries):
    with django_assert_num_queries(2):
        days = selectors.roster_week(centre=week["centre"], week_start=MONDAY + dt.timedelta(days=3))

    assert [day.date for day in days] == [MONDAY + dt.timedelta(days=n) for n in range(7)]
    monday = days[0]
    assert [item.shift for item in monday.shifts] == [week["morning"], week["afternoon"]]
    afternoon = monday.shifts[1]
    assert [s.volunteer for s in afternoon.signed] == [week["people"][2]]
    assert [s.volunteer for s in afternoon.waitlisted] == [week["people"][3]]
    assert (afternoon.gap, monday.shifts[0].gap) == (2, 0)
    assert f"{afternoon.starts:%H:%M}-{afternoon.ends:%H:%M}" == "14:00-18:00"
    assert [len(day.shifts) for day in days] == [2, 0, 1, 0, 0, 0, 0]


def test_coverage_counts_needed_and_signed_per_day_and_role(week):
    days = selectors.coverage_week(centre=week["centre"], week_start=MONDAY)

    monday, wednesday = days[0], days[2]
    assert (monday.needed, monday.signed, monday.waitlisted, monday.gap) == (5, 3, 1, 2)
    assert [(r.role, r.needed, r.signed, r.gap) for r in monday.roles] == [
        (ShiftRole.E_SERVICES, 3, 1, 2),
        (ShiftRole.ENTRANCE, 2, 2, 0),
    ]
    assert (wednesday.needed, wednesday.signed, wednesday.gap) == (1, 0, 1)
    assert days[1].roles == [] and days[1].gap == 0


def test_a_full_role_does_not_hide_an_empty_one(week):
    # Monday: entrance over-covered would still leave e-services short; the day's gap is per role.
    days = selectors.coverage_week(centre=week["centre"], week_start=MONDAY)
    assert days[0].gap == sum(role.gap for role in days[0].roles) == 2


def test_history_and_totals_of_a_volunteer():
    volunteer = VolunteerFactory()
    centre = volunteer.centres.first()
    start = dt.datetime(2026, 2, 2, 5, tzinfo=dt.UTC)
    on_time = ShiftSignupFactory(volunteer=volunteer, shift=shift_around(start, centre=centre))
    late = ShiftSignupFactory(volunteer=volunteer, shift=shift_around(start + dt.timedelta(days=1), centre=centre))
    missed = ShiftSignupFactory(volunteer=volunteer, shift=shift_around(start + dt.timedelta(days=2), centre=centre))
    ShiftSignupFactory(
        volunteer=volunteer, shift=shift_around(start + dt.timedelta(days=3), centre=centre), status="withdrawn"
    )
    attendance.signup_check_in(signup=on_time, by=None, now=start)
    attendance.signup_check_out(signup=on_time, by=None, now=start + dt.timedelta(hours=4))
    attendance.signup_check_in(signup=late, by=None, now=start + dt.timedelta(days=1, minutes=30))
    attendance.signup_check_out(signup=late, by=None, now=start + dt.timedelta(days=1, hours=4))
    attendance.shifts_mark_missed(now=start + dt.timedelta(days=10))

    history = list(selectors.volunteer_history(volunteer=volunteer, now=start + dt.timedelta(days=10)))
    totals = selectors.volunteer_totals(volunteer=volunteer)

    assert history == [missed, late, on_time]
    assert ShiftSignup.objects.get(pk=missed.pk).attendance == Attendance.MISSED
    assert (totals.minutes, totals.shifts_done, totals.late, totals.missed) == (240 + 210, 2, 1, 1)
    assert totals.hours_and_minutes == (7, 30)
    assert list(selectors.volunteer_centres_served(volunteer=volunteer)) == [centre]


# --- the roster page -----------------------------------------------------------------------


def test_the_coordinator_sees_the_week_with_names_roles_and_gaps(client, coordinator, week):
    client.force_login(coordinator)

    response = client.get(roster_url(week["centre"]))

    page = response.content.decode()
    assert response.status_code == 200
    for person in week["people"][:4]:
        assert person.full_name in page
    assert week["people"][4].full_name not in page  # withdrawn
    assert "E-services help" in page and "14:00–18:00" in page
    assert "2 places free" in page
    assert week["people"][0].phone in page


@pytest.mark.parametrize("value", ["2026-13-01", "next week", "09.03.2026"])
def test_a_wrong_week_gets_a_clear_400(client, coordinator, week, value):
    client.force_login(coordinator)

    with translation.override("en"):  # the URL's language prefix decides the page's language
        coverage = f"{reverse('volunteers:coverage')}?centre={week['centre'].code}&week={value}"
    for url in (roster_url(week["centre"], week=value), coverage):
        response = client.get(url)
        assert response.status_code == 400
        assert "YYYY-MM-DD" in response.content.decode()
    csv_response = client.get(
        reverse("volunteers:roster-csv", kwargs={"centre": week["centre"].code}) + f"?week={value}"
    )
    assert csv_response.status_code == 400


def test_an_unknown_centre_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(roster_url(type("C", (), {"code": "no-such-centre"}))).status_code == 404
    response = client.get("/en/volunteers/coordinator/coverage/?centre=no-such-centre")
    assert response.status_code == 404
    assert "no centre with this code" in response.content.decode()


def test_the_roster_without_a_week_shows_this_week(client, coordinator, week):
    client.force_login(coordinator)
    response = client.get(f"/en/volunteers/coordinator/roster/{week['centre'].code}/")
    assert response.status_code == 200
    assert response.context["week"].weekday() == 0


@pytest.mark.parametrize("name", ["volunteers:roster", "volunteers:roster-csv", "volunteers:check-in-poster"])
def test_coordinator_pages_refuse_others(client, official, week, name):
    url = reverse(name, kwargs={"centre": week["centre"].code})

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for user in (official, week["people"][0].user):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_the_coverage_page_refuses_others(client, official, week):
    url = f"{reverse('volunteers:coverage')}?centre={week['centre'].code}"
    assert client.get(url).status_code == 302
    client.force_login(official)
    assert client.get(url).status_code == 403


def test_the_roster_has_check_in_buttons_for_today_only(client, coordinator):
    from django.utils import timezone

    volunteer = VolunteerFactory()
    today = shift_around(timezone.now() + dt.timedelta(minutes=10), centre=volunteer.centres.first())
    signup = ShiftSignupFactory(shift=today, volunteer=volunteer)
    client.force_login(coordinator)

    page = client.get(roster_url(today.centre, week=today.date.isoformat())).content.decode()

    assert reverse("volunteers:signup-check-in", kwargs={"pk": signup.pk}) in page
    other_week = client.get(roster_url(today.centre, week=(today.date + dt.timedelta(days=7)).isoformat()))
    assert reverse("volunteers:signup-check-in", kwargs={"pk": signup.pk}) not in other_week.content.decode()


# --- the CSV export --------------------------------------------------------------------------


def test_the_csv_has_the_roster_rows_with_phones(client, coordinator, week):
    client.force_login(coordinator)

    with translation.override("en"):  # the URL's language prefix decides the CSV's language
        csv_url = reverse("volunteers:roster-csv", kwargs={"centre": week["centre"].code}) + "?week=2026-03-09"
    response = client.get(csv_url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="roster-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Date", "Starts", "Ends", "Role"] and "Mobile number" in header
    people = {row[7]: row for row in body if row[7]}
    first = people[week["people"][0].full_name]
    assert first[:7] == ["2026-03-09", "09:00", "13:00", "Entrance guidance", "2", "2", "0"]
    assert first[8] == week["people"][0].phone
    assert people[week["people"][3].full_name][10] == "On the waitlist"
    assert week["people"][4].full_name not in people
    # The Wednesday shift nobody took still has its row.
    assert any(row[0] == "2026-03-11" and row[7] == "" for row in body)


def test_formula_like_cells_are_neutralised(client, coordinator, week):
    person = week["people"][0]
    person.full_name = '=HYPERLINK("http://evil.example","x")'
    person.save()
    client.force_login(coordinator)

    response = client.get(reverse("volunteers:roster-csv", kwargs={"centre": week["centre"].code}) + "?week=2026-03-09")

    names = [row[7] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))]
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


# --- the coverage page ----------------------------------------------------------------------


def test_the_coverage_page_marks_gaps_in_words(client, coordinator, week):
    client.force_login(coordinator)

    response = client.get(f"/en/volunteers/coordinator/coverage/?centre={week['centre'].code}&week=2026-03-10")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Gap: 2 free" in page and "Covered" in page
    assert "3 of 6 places signed up this week." in page


def test_the_coverage_page_without_a_centre_offers_the_choice(client, coordinator, week):
    client.force_login(coordinator)
    response = client.get("/en/volunteers/coordinator/coverage/")
    assert response.status_code == 200
    assert week["centre"].code in response.content.decode()


# --- the volunteer's page and certificate --------------------------------------------------


def test_the_volunteer_page_shows_own_shifts_history_and_hours(client):
    volunteer = VolunteerFactory()
    centre = volunteer.centres.first()
    start = dt.datetime(2026, 2, 2, 5, tzinfo=dt.UTC)
    past = ShiftSignupFactory(volunteer=volunteer, shift=shift_around(start, centre=centre))
    attendance.signup_check_in(signup=past, by=None, now=start)
    attendance.signup_check_out(signup=past, by=None, now=start + dt.timedelta(hours=2, minutes=15))
    ShiftSignupFactory(volunteer=volunteer, shift=ShiftFactory(centre=centre))  # tomorrow
    stranger = ShiftSignupFactory(shift=ShiftFactory(centre=centre))
    client.force_login(volunteer.user)

    response = client.get("/en/volunteers/me/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "2 h 15 min" in page
    assert "Upcoming shifts" in page and "Came on time" in page
    assert stranger.volunteer.full_name not in page
    assert f"/volunteers/calendar/{volunteer.calendar_token}.ics" in page
    assert response["Cache-Control"] == "private, no-store"
    assert "Certificate of service" not in page  # programme not completed


def test_the_volunteer_page_is_for_volunteers(client, coordinator):
    anonymous = client.get("/en/volunteers/me/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(coordinator)
    assert client.get("/en/volunteers/me/").status_code == 403


def test_the_coordinator_sees_any_volunteer_history(client, coordinator):
    volunteer = VolunteerFactory(full_name="Aysel Məmmədova")
    client.force_login(coordinator)
    response = client.get(reverse("volunteers:coordinator-volunteer", kwargs={"pk": volunteer.pk}))
    assert response.status_code == 200
    assert "Aysel Məmmədova" in response.content.decode()


def _completed_volunteer():
    volunteer = VolunteerFactory(
        full_name="Leyla Həsənova",
        programme_started_on=dt.date(2025, 9, 1),
        programme_completed_on=dt.date(2026, 2, 28),
    )
    start = dt.datetime(2026, 2, 2, 5, tzinfo=dt.UTC)
    signup = ShiftSignupFactory(volunteer=volunteer, shift=shift_around(start, centre=volunteer.centres.first()))
    attendance.signup_check_in(signup=signup, by=None, now=start)
    attendance.signup_check_out(signup=signup, by=None, now=start + dt.timedelta(hours=3))
    return volunteer


def test_the_certificate_shows_name_dates_hours_and_centres(client):
    volunteer = _completed_volunteer()
    client.force_login(volunteer.user)

    response = client.get(f"/en/volunteers/certificate/{volunteer.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Leyla Həsənova" in page and "3 h 0 min" in page
    assert "1 September 2025" in page and "28 February 2026" in page
    assert volunteer.centres.first().name_en in page
    assert "@page" not in page  # print rules live in the stylesheet


def test_the_certificate_follows_the_chosen_language(client):
    volunteer = _completed_volunteer()
    client.force_login(volunteer.user)

    page = client.get(f"/ru/volunteers/certificate/{volunteer.pk}/").content.decode()

    assert '<html lang="ru"' in page
    assert "февраля 2026" in page  # dates in Russian


def test_the_certificate_is_for_the_volunteer_and_coordinators(client, coordinator, official):
    volunteer = _completed_volunteer()
    url = reverse("volunteers:certificate", kwargs={"volunteer_id": volunteer.pk})

    assert client.get(url).status_code == 302
    for user, status in ((VolunteerFactory().user, 403), (official, 403), (coordinator, 200), (volunteer.user, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status


def test_no_certificate_before_the_programme_is_completed(client):
    volunteer = VolunteerFactory()
    client.force_login(volunteer.user)

    response = client.get(f"/en/volunteers/certificate/{volunteer.pk}/")

    assert response.status_code == 404
    assert "not available yet" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("+994501234567", "+994501234567"),  # a phone stays a phone
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Könüllü", "Könüllü"),
    ],
)
def test_csv_cell(value, cell):
    from volunteers.views_roster import csv_cell

    assert csv_cell(value) == cell


def test_no_check_in_button_once_a_shift_has_ended_or_was_missed(client, coordinator):
    from django.utils import timezone

    volunteer = VolunteerFactory()
    ended = shift_around(timezone.now() - dt.timedelta(hours=5), hours=4, centre=volunteer.centres.first())
    signup = ShiftSignupFactory(shift=ended, volunteer=volunteer)
    client.force_login(coordinator)

    page = client.get(roster_url(ended.centre, week=ended.date.isoformat())).content.decode()

    assert volunteer.full_name in page
    assert reverse("volunteers:signup-check-in", kwargs={"pk": signup.pk}) not in page
    assert reverse("volunteers:signup-check-out", kwargs={"pk": signup.pk}) not in page


def test_a_late_shift_past_midnight_keeps_its_check_out_button(client, coordinator):
    from django.utils import timezone

    volunteer = VolunteerFactory()
    # Started yesterday (or earlier today) and still running: checked in, not yet out.
    running = shift_around(timezone.now() - dt.timedelta(hours=23), hours=24, centre=volunteer.centres.first())
    signup = ShiftSignupFactory(shift=running, volunteer=volunteer)
    attendance.signup_check_in(signup=signup, by=None, now=running.starts_at)
    client.force_login(coordinator)

    page = client.get(roster_url(running.centre, week=running.date.isoformat())).content.decode()

    assert reverse("volunteers:signup-check-out", kwargs={"pk": signup.pk}) in page


def test_the_roster_and_volunteer_pages_cost_the_same_queries_for_more_people(client, coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url, user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    centre = CentreFactory()
    volunteer = VolunteerFactory(centres=[centre])
    shifts = [ShiftFactory(centre=centre, date=MONDAY + dt.timedelta(days=n), needed=5) for n in range(3)]
    ShiftSignupFactory(shift=shifts[0], volunteer=volunteer)
    url = roster_url(centre, week=MONDAY.isoformat())
    few_roster, few_me = queries(url, coordinator), queries("/en/volunteers/me/", volunteer.user)

    for shift in shifts:
        for _n in range(4):
            ShiftSignupFactory(shift=shift, volunteer=VolunteerFactory(centres=[centre]))
        if shift is not shifts[0]:
            ShiftSignupFactory(shift=shift, volunteer=volunteer)

    assert queries(url, coordinator) == few_roster
    assert queries("/en/volunteers/me/", volunteer.user) == few_me
