import datetime as dt
import zoneinfo

import pytest

from centres.hours import holiday_dates, open_periods, opening_status, weekly_hours
from centres.models import CentreKind, Closure, MobileStop, PublicHoliday
from centres.selectors import centre_get, centre_list
from tests.centres.factories import CentreFactory, weekday_hours

pytestmark = pytest.mark.django_db

BAKU = zoneinfo.ZoneInfo("Asia/Baku")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def baku(*args):
    return dt.datetime(*args, tzinfo=BAKU)


@pytest.fixture
def centre():
    """A Baku centre open Monday to Saturday, 09:00-19:00 (like the real ones)."""
    centre = CentreFactory()
    weekday_hours(centre)
    return centre


def test_open_on_a_weekday_in_baku_time_until_seven(centre):
    # given Wednesday 25.11.2026, 10:00 in Baku (06:00 UTC)
    at = dt.datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

    status = opening_status(centre, at)

    assert status.is_open
    assert status.closes_at == baku(2026, 11, 25, 19, 0)
    assert status.closes_at.utcoffset() == dt.timedelta(hours=4)


def test_closed_before_nine_baku_time_although_utc_says_otherwise(centre):
    # 08:30 in Baku is 04:30 UTC: a server clock in UTC must not decide "open".
    status = opening_status(centre, baku(2026, 11, 25, 8, 30))

    assert not status.is_open
    assert status.next_opens_at == baku(2026, 11, 25, 9, 0)


def test_closing_time_itself_is_closed(centre):
    status = opening_status(centre, baku(2026, 11, 25, 19, 0))

    assert not status.is_open
    assert status.next_opens_at == baku(2026, 11, 26, 9, 0)


def test_naive_datetime_is_refused(centre):
    with pytest.raises(ValueError):
        opening_status(centre, dt.datetime(2026, 11, 25, 10, 0))


def test_closed_on_a_public_holiday_and_opens_the_next_working_day(centre):
    # given Victory Day, Monday 08.11.2027, and Flag Day on Tuesday 09.11.2027
    PublicHoliday.objects.create(date=dt.date(2027, 11, 8), name_az="Zəfər Günü")
    PublicHoliday.objects.create(date=dt.date(2027, 11, 9), name_az="Dövlət Bayrağı Günü")

    status = opening_status(centre, baku(2027, 11, 8, 12, 0))

    assert not status.is_open
    assert status.next_opens_at == baku(2027, 11, 10, 9, 0)
    assert open_periods(centre, dt.date(2027, 11, 8)) == []
    assert open_periods(centre, dt.date(2027, 11, 10)) == [(baku(2027, 11, 10, 9, 0), baku(2027, 11, 10, 19, 0))]


def test_next_opening_across_a_weekend_and_a_holiday(centre):
    # given Saturday evening 27.11.2027 after closing, Sunday closed, Monday a holiday
    PublicHoliday.objects.create(date=dt.date(2027, 11, 29), name_az="Sınaq bayramı")

    status = opening_status(centre, baku(2027, 11, 27, 19, 30))

    assert not status.is_open
    assert status.next_opens_at == baku(2027, 11, 30, 9, 0)


def test_holidays_passed_in_are_used_instead_of_the_database(centre):
    monday = dt.date(2026, 11, 30)
    at = baku(2026, 11, 30, 10, 0)

    assert opening_status(centre, at).is_open
    status = opening_status(centre, at, holidays={monday})

    assert not status.is_open
    assert status.next_opens_at == baku(2026, 12, 1, 9, 0)


def test_closed_during_a_closure_and_open_after_it(centre):
    Closure.objects.create(centre=centre, starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 2))

    during = opening_status(centre, baku(2026, 12, 1, 11, 0))
    after = opening_status(centre, baku(2026, 12, 3, 11, 0))

    assert not during.is_open
    assert during.next_opens_at == baku(2026, 12, 3, 9, 0)
    assert after.is_open


def test_closure_of_one_centre_does_not_close_another(centre):
    other = CentreFactory()
    weekday_hours(other)
    Closure.objects.create(centre=other, starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 1))

    assert opening_status(centre, baku(2026, 12, 1, 11, 0)).is_open
    assert not opening_status(other, baku(2026, 12, 1, 11, 0)).is_open


def test_lunch_break_splits_the_day():
    centre = CentreFactory()
    weekday_hours(centre, opens=dt.time(9), closes=dt.time(13), weekdays=range(5))
    weekday_hours(centre, opens=dt.time(14), closes=dt.time(18), weekdays=range(5))

    at_lunch = opening_status(centre, baku(2026, 11, 25, 13, 30))
    afternoon = opening_status(centre, baku(2026, 11, 25, 15, 0))

    assert not at_lunch.is_open
    assert at_lunch.next_opens_at == baku(2026, 11, 25, 14, 0)
    assert afternoon.is_open
    assert afternoon.closes_at == baku(2026, 11, 25, 18, 0)
    assert weekly_hours(centre)[2] == (2, [(dt.time(9), dt.time(13)), (dt.time(14), dt.time(18))])
    assert weekly_hours(centre)[6] == (6, [])


def test_mobile_unit_is_open_only_on_its_stop_days():
    # given a Mobil ASAN bus with weekly hours it should ignore, and two stops
    unit = CentreFactory(kind=CentreKind.MOBILE)
    weekday_hours(unit)
    MobileStop.objects.create(
        centre=unit, date=dt.date(2026, 11, 26), starts_at=dt.time(10), ends_at=dt.time(17), place_az="Xırdalan"
    )
    MobileStop.objects.create(
        centre=unit, date=dt.date(2026, 12, 1), starts_at=dt.time(10), ends_at=dt.time(16), place_az="Saray"
    )

    on_stop_day = opening_status(unit, baku(2026, 11, 26, 12, 0))
    between = opening_status(unit, baku(2026, 11, 27, 12, 0))

    assert on_stop_day.is_open
    assert on_stop_day.closes_at == baku(2026, 11, 26, 17, 0)
    assert not between.is_open
    assert between.next_opens_at == baku(2026, 12, 1, 10, 0)


def test_mobile_stop_on_a_holiday_does_not_open_the_unit():
    unit = CentreFactory(kind=CentreKind.MOBILE)
    MobileStop.objects.create(
        centre=unit, date=dt.date(2026, 12, 31), starts_at=dt.time(10), ends_at=dt.time(17), place_az="Lənkəran"
    )
    PublicHoliday.objects.create(date=dt.date(2026, 12, 31), name_az="Dünya Azərbaycanlılarının Həmrəyliyi Günü")

    status = opening_status(unit, baku(2026, 12, 31, 12, 0))

    assert not status.is_open
    assert status.next_opens_at is None


def test_nothing_within_two_weeks_gives_no_next_opening(centre):
    Closure.objects.create(centre=centre, starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 1, 31))

    status = opening_status(centre, baku(2026, 12, 5, 10, 0))

    assert status == type(status)(is_open=False, closes_at=None, next_opens_at=None)


def test_berlin_centre_opens_at_nine_local_time_on_both_sides_of_the_autumn_dst_switch():
    # Summer time ends in Berlin on Sunday 25.10.2026: 09:00 is 07:00 UTC before, 08:00 UTC after.
    centre = CentreFactory(timezone="Europe/Berlin")
    weekday_hours(centre, opens=dt.time(9), closes=dt.time(17), weekdays=range(5))

    friday = open_periods(centre, dt.date(2026, 10, 23))
    monday = open_periods(centre, dt.date(2026, 10, 26))

    assert friday[0][0].astimezone(UTC) == dt.datetime(2026, 10, 23, 7, 0, tzinfo=UTC)
    assert monday[0][0].astimezone(UTC) == dt.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    # Friday after closing, the next opening is Monday 09:00 winter time.
    status = opening_status(centre, dt.datetime(2026, 10, 23, 16, 0, tzinfo=UTC))
    assert not status.is_open
    assert status.next_opens_at == dt.datetime(2026, 10, 26, 9, 0, tzinfo=BERLIN)
    assert status.next_opens_at.astimezone(UTC) == dt.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    # 07:30 UTC is 09:30 in summer (open) but 08:30 in winter (closed).
    assert opening_status(centre, dt.datetime(2026, 10, 19, 7, 30, tzinfo=UTC)).is_open
    assert not opening_status(centre, dt.datetime(2026, 10, 26, 7, 30, tzinfo=UTC)).is_open


def test_berlin_centre_across_the_spring_dst_switch():
    # Summer time starts on Sunday 29.03.2026: Monday 30.03 09:00 is 07:00 UTC.
    centre = CentreFactory(timezone="Europe/Berlin")
    weekday_hours(centre, opens=dt.time(9), closes=dt.time(17), weekdays=range(5))

    status = opening_status(centre, dt.datetime(2026, 3, 27, 17, 0, tzinfo=UTC))

    assert status.next_opens_at.astimezone(UTC) == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    closing = opening_status(centre, dt.datetime(2026, 3, 30, 14, 59, tzinfo=UTC))
    assert closing.is_open
    assert closing.closes_at.astimezone(UTC) == dt.datetime(2026, 3, 30, 15, 0, tzinfo=UTC)


def test_holiday_dates_returns_only_the_range():
    PublicHoliday.objects.create(date=dt.date(2026, 12, 31), name_az="Həmrəylik Günü")
    PublicHoliday.objects.create(date=dt.date(2027, 1, 1), name_az="Yeni il")

    assert holiday_dates(dt.date(2026, 12, 1), dt.date(2026, 12, 31)) == {dt.date(2026, 12, 31)}


def test_status_of_listed_centres_costs_no_query_per_centre(django_assert_num_queries):
    for _n in range(3):
        weekday_hours(CentreFactory())
    at = baku(2026, 11, 25, 10, 0)
    holidays = holiday_dates(at.date(), at.date() + dt.timedelta(days=14))

    # one query for the centres and one per prefetched relation, whatever the number of centres
    with django_assert_num_queries(4):
        statuses = [opening_status(c, at, holidays=holidays) for c in centre_list()]

    assert [s.is_open for s in statuses] == [True, True, True]


def test_centre_get_gives_the_same_answer_as_the_plain_model(centre):
    at = baku(2026, 11, 28, 18, 0)  # Saturday, open until 19:00

    assert opening_status(centre_get(centre.code), at) == opening_status(centre, at)
