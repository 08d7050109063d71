"""The satisfaction figures read from known roll-up rows (feedback.stats)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from centres.models import Counter
from feedback.stats import (
    StatsFilter,
    breakdown_rankings,
    stats_breakdown,
    stats_compare,
    stats_series,
    stats_summary,
    wait_percentile_minutes,
)
from tests.centres.factories import CentreFactory
from tests.feedback.stats_factories import both_days, centre_day, service_day, staff_day
from tests.services.factories import ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 2)  # a Monday


def days(first, last, **kwargs):
    return StatsFilter(first_day=first, last_day=last, **kwargs)


def test_summary_adds_up_days_and_computes_rates():
    # given two days of one centre
    centre = CentreFactory()
    centre_day(
        centre,
        D,
        visits=10,
        ratings=5,
        satisfied=4,
        score_sum=21,
        bookings_kept=3,
        bookings_missed=1,
        wait_seconds=6000,
        courtesy_count=2,
        courtesy_sum=9,
    )
    centre_day(centre, D + dt.timedelta(days=1), visits=10, ratings=5, satisfied=2, score_sum=15, wait_seconds=6000)
    # and a day outside the range that must not count
    centre_day(centre, D + dt.timedelta(days=2), visits=99, ratings=99, satisfied=0, score_sum=99)

    # when
    figures = stats_summary(days(D, D + dt.timedelta(days=1)))

    # then
    assert figures["visits"] == 20
    assert figures["ratings"] == 10
    assert figures["satisfied"] == 6
    assert figures["satisfaction_rate"] == 0.6
    assert figures["average_score"] == 3.6
    assert figures["response_rate"] == 0.5
    assert figures["no_show_rate"] == 0.25
    assert figures["average_wait_minutes"] == 10.0
    assert figures["aspect_courtesy"] == 4.5
    assert figures["aspect_waiting"] is None


def test_no_ratings_gives_no_rates_rather_than_zero():
    centre = CentreFactory()
    centre_day(centre, D, visits=0)
    figures = stats_summary(days(D, D))
    assert figures["ratings"] == 0
    assert figures["satisfaction_rate"] is None
    assert figures["response_rate"] is None
    assert figures["average_score"] is None
    assert figures["no_show_rate"] is None
    assert figures["p90_wait_minutes"] is None


def test_centre_filter_and_empty_centre_list():
    mine, other = CentreFactory(), CentreFactory()
    centre_day(mine, D, visits=7, ratings=2, satisfied=1, score_sum=7)
    centre_day(other, D, visits=100, ratings=50, satisfied=50, score_sum=250)
    assert stats_summary(days(D, D, centre_ids=(mine.pk,)))["visits"] == 7
    assert stats_summary(days(D, D))["visits"] == 107
    assert stats_summary(days(D, D, centre_ids=()))["visits"] == 0


def test_service_or_provider_filter_reads_service_rows():
    centre = CentreFactory()
    provider = ProviderFactory()
    passport, licence = ServiceFactory(provider=provider), ServiceFactory()
    centre_day(centre, D, visits=30, ratings=10, satisfied=5, score_sum=35)
    service_day(centre, passport, D, visits=20, ratings=8, satisfied=6, score_sum=32)
    service_day(centre, licence, D, visits=10, ratings=2, satisfied=0, score_sum=3)

    by_service = stats_summary(days(D, D, service_id=passport.pk))
    by_provider = stats_summary(days(D, D, provider_id=provider.pk))

    assert by_service["visits"] == 20
    assert by_service["satisfaction_rate"] == 0.75
    assert by_provider["visits"] == 20


@pytest.mark.parametrize(
    ("histogram", "expected"),
    [
        # all 10 waits in (5, 10]: rank 9 of 10 -> 5 + 9/10 * 5
        ([0, 0, 10], (9.5, False)),
        # 5 in [0, 2], 5 in (2, 5]: rank 9 is the 4th of the second bucket -> 2 + 4/5 * 3
        ([5, 5], (4.4, False)),
        # exactly at a bucket's upper edge
        ([9, 1], (2.0, False)),
        # the open last bucket reports its lower edge and says so
        ([0] * 10 + [10], (120.0, True)),
        ([], (None, False)),
    ],
)
def test_p90_interpolates_inside_the_bucket(histogram, expected):
    assert wait_percentile_minutes(histogram + [0] * (11 - len(histogram))) == expected


def test_p90_from_the_histogram_summed_over_rows():
    one, two = CentreFactory(), CentreFactory()
    centre_day(one, D, visits=5, histogram=[5])  # five waits of at most 2 minutes
    centre_day(two, D, visits=5, histogram=[0, 5])  # five of 2 to 5 minutes
    figures = stats_summary(days(D, D))
    assert figures["p90_wait_minutes"] == 4.4
    assert figures["p90_wait_open_ended"] is False


def test_compare_with_the_previous_period_of_equal_length():
    centre = CentreFactory()
    # previous period: D-10 .. D-1; current: D .. D+9
    centre_day(centre, D - dt.timedelta(days=10), visits=40, ratings=20, satisfied=10, score_sum=70)
    centre_day(centre, D - dt.timedelta(days=11), visits=1000, ratings=0)  # before both periods
    centre_day(centre, D + dt.timedelta(days=9), visits=50, ratings=20, satisfied=16, score_sum=86)

    result = stats_compare(days(D, D + dt.timedelta(days=9)))

    assert result["previous_first_day"] == D - dt.timedelta(days=10)
    assert result["previous_last_day"] == D - dt.timedelta(days=1)
    assert result["previous"]["visits"] == 40
    assert result["current"]["visits"] == 50
    assert result["change"]["visits"] == 10
    assert result["change"]["satisfaction_rate"] == pytest.approx(0.3)  # 0.8 - 0.5
    assert result["change"]["average_score"] == pytest.approx(0.8)  # 4.3 - 3.5
    assert result["change"]["no_show_rate"] is None


def test_no_change_against_an_empty_period_on_either_side():
    centre = CentreFactory()
    centre_day(centre, D, visits=50, ratings=20, satisfied=16, score_sum=86)

    # the previous period (D-1) has nothing: no count "rises" by all of itself
    after_nothing = stats_compare(days(D, D))
    assert after_nothing["comparable"] is False
    assert after_nothing["previous"]["visits"] == 0
    assert set(after_nothing["change"].values()) == {None}

    # and a period with nothing is not a fall to zero from the one before it
    before_nothing = stats_compare(days(D + dt.timedelta(days=1), D + dt.timedelta(days=1)))
    assert before_nothing["comparable"] is False
    assert set(before_nothing["change"].values()) == {None}

    # one rating-less visit the day before is data: the counts compare again
    centre_day(centre, D - dt.timedelta(days=1), visits=1)
    after_something = stats_compare(days(D, D))
    assert after_something["comparable"] is True
    assert after_something["change"]["visits"] == 49
    assert after_something["change"]["satisfaction_rate"] is None  # no ratings the day before


def test_series_by_day_fills_gaps():
    centre = CentreFactory()
    centre_day(centre, D, visits=3)
    centre_day(centre, D + dt.timedelta(days=2), visits=5)
    series = stats_series(days(D, D + dt.timedelta(days=2)), group_by="day")
    assert [(start, figures["visits"]) for start, figures in series] == [
        (D, 3),
        (D + dt.timedelta(days=1), 0),
        (D + dt.timedelta(days=2), 5),
    ]


def test_series_by_week_starts_on_monday():
    centre = CentreFactory()
    centre_day(centre, D - dt.timedelta(days=1), visits=1, ratings=1, satisfied=1, score_sum=5)  # Sunday
    centre_day(centre, D, visits=2, ratings=1, satisfied=0, score_sum=2)  # Monday
    centre_day(centre, D + dt.timedelta(days=6), visits=4, ratings=1, satisfied=1, score_sum=4)  # Sunday
    series = stats_series(days(D - dt.timedelta(days=1), D + dt.timedelta(days=6)), group_by="week")
    assert [start for start, _ in series] == [D - dt.timedelta(days=7), D]
    assert [figures["visits"] for _, figures in series] == [1, 6]
    assert series[1][1]["satisfaction_rate"] == 0.5


def test_series_by_month():
    centre = CentreFactory()
    centre_day(centre, dt.date(2026, 1, 31), visits=1)
    centre_day(centre, dt.date(2026, 2, 1), visits=2)
    centre_day(centre, dt.date(2026, 2, 28), visits=3)
    centre_day(centre, dt.date(2026, 4, 1), visits=4)
    series = stats_series(days(dt.date(2026, 1, 15), dt.date(2026, 4, 10)), group_by="month")
    assert [(start, figures["visits"]) for start, figures in series] == [
        (dt.date(2026, 1, 1), 1),
        (dt.date(2026, 2, 1), 5),
        (dt.date(2026, 3, 1), 0),
        (dt.date(2026, 4, 1), 4),
    ]


def test_series_refuses_an_unknown_period():
    with pytest.raises(ValueError):
        stats_series(days(D, D), group_by="year")


def test_breakdown_by_centre_orders_and_names_in_the_active_language():
    best, middle, worst, quiet = (CentreFactory() for _ in range(4))
    centre_day(best, D, visits=10, ratings=10, satisfied=9, score_sum=46)
    centre_day(middle, D, visits=30, ratings=10, satisfied=6, score_sum=38)
    centre_day(worst, D, visits=20, ratings=10, satisfied=2, score_sum=25)
    centre_day(quiet, D, visits=5, ratings=1, satisfied=0, score_sum=1)  # too few ratings to rank

    with translation.override("en"):
        ranked = stats_breakdown(days(D, D), by="centre", order="-satisfaction_rate", min_ratings=5)
        by_volume = stats_breakdown(days(D, D), by="centre", order="-visits", limit=2)
        bottom = stats_breakdown(days(D, D), by="centre", order="satisfaction_rate", min_ratings=5, limit=1)

    assert [row["id"] for row in ranked] == [best.pk, middle.pk, worst.pk]
    assert ranked[0]["name"] == best.name_en
    assert ranked[0]["code"] == best.code
    assert ranked[0]["satisfaction_rate"] == 0.9
    assert [row["id"] for row in by_volume] == [middle.pk, worst.pk]
    assert [row["id"] for row in bottom] == [worst.pk]


def test_breakdown_rows_without_the_figure_go_last():
    rated, unrated = CentreFactory(), CentreFactory()
    centre_day(rated, D, visits=1, ratings=1, satisfied=0, score_sum=1)
    centre_day(unrated, D, visits=1)
    for order in ("satisfaction_rate", "-satisfaction_rate"):
        assert [row["id"] for row in stats_breakdown(days(D, D), order=order)] == [rated.pk, unrated.pk]


def test_breakdown_falls_back_to_azerbaijani_names():
    centre = CentreFactory(name_ru="")
    centre_day(centre, D, visits=1)
    with translation.override("ru"):
        [row] = stats_breakdown(days(D, D), by="centre")
    assert row["name"] == centre.name_az


def test_breakdown_by_service_and_provider():
    centre = CentreFactory()
    agency = ProviderFactory()
    one, two, elsewhere = ServiceFactory(provider=agency), ServiceFactory(provider=agency), ServiceFactory()
    service_day(centre, one, D, visits=10, ratings=4, satisfied=4, score_sum=20)
    service_day(centre, two, D, visits=5, ratings=4, satisfied=0, score_sum=8)
    service_day(centre, elsewhere, D, visits=1, ratings=1, satisfied=1, score_sum=5)

    services = stats_breakdown(days(D, D), by="service", order="-visits")
    providers = stats_breakdown(days(D, D), by="provider", order="-visits")

    assert [row["id"] for row in services] == [one.pk, two.pk, elsewhere.pk]
    assert providers[0]["id"] == agency.pk
    assert providers[0]["visits"] == 15
    assert providers[0]["satisfaction_rate"] == 0.5


def test_breakdown_by_counter_and_operator_from_staff_rows():
    centre = CentreFactory()
    counter = Counter.objects.create(centre=centre, number=3, label_az="Pasport")
    operator = get_user_model().objects.create_user("op1", first_name="Aysel", last_name="Məmmədova")
    staff_day(centre, counter, operator, D, visits=8, ratings=4, satisfied=3, score_sum=17)

    [counter_row] = stats_breakdown(days(D, D), by="counter")
    [operator_row] = stats_breakdown(days(D, D), by="operator")

    assert counter_row["name"] == "#3 Pasport"
    assert counter_row["visits"] == 8
    assert operator_row["name"] == "Aysel Məmmədova"
    assert operator_row["satisfaction_rate"] == 0.75


def test_breakdown_refuses_unknown_key_or_order():
    with pytest.raises(ValueError):
        stats_breakdown(days(D, D), by="city")
    with pytest.raises(ValueError):
        stats_breakdown(days(D, D), order="-comment")


@pytest.mark.parametrize("centres", [1, 12])
def test_queries_do_not_grow_with_the_rows(centres, django_assert_max_num_queries):
    service = ServiceFactory()
    for _ in range(centres):
        centre = CentreFactory()
        for offset in range(5):
            both_days(centre, service, D + dt.timedelta(days=offset), visits=3, ratings=1, satisfied=1, score_sum=5)
    f = days(D, D + dt.timedelta(days=30))

    with django_assert_max_num_queries(1):
        assert stats_summary(f)["visits"] == 15 * centres
    with django_assert_max_num_queries(2):
        stats_compare(f)
    with django_assert_max_num_queries(1):
        stats_series(f, group_by="week")
    with django_assert_max_num_queries(1):
        assert len(stats_breakdown(f, by="centre")) == centres
    with django_assert_max_num_queries(1):
        stats_breakdown(f, by="service")
    with django_assert_max_num_queries(1):
        stats_breakdown(days(D, D, service_id=service.pk), by="centre")


def _ranked(*rates):
    return [{"id": n, "visits": 100 - n, "ratings": 50, "satisfaction_rate": rate} for n, rate in enumerate(rates)]


def test_rankings_top_bottom_and_busiest():
    rows = _ranked(0.9, 0.5, 0.7, 0.8, 0.6, 0.95, 0.85) + [
        {"id": 99, "visits": 500, "ratings": 3, "satisfaction_rate": 0.1}  # too few ratings to rank
    ]
    result = breakdown_rankings(rows, min_ratings=20, size=3)
    assert [row["id"] for row in result["top"]] == [5, 0, 6]
    assert [row["id"] for row in result["bottom"]] == [1, 4, 2]
    assert [row["id"] for row in result["busiest"]] == [99, 0, 1]
    assert result["ranked"] == 7


@pytest.mark.parametrize(("count", "top", "bottom"), [(0, 0, 0), (1, 1, 0), (2, 1, 1), (3, 2, 1), (5, 3, 2)])
def test_rankings_never_list_a_row_as_both_best_and_worst(count, top, bottom):
    result = breakdown_rankings(_ranked(*[0.5 + n / 100 for n in range(count)]), min_ratings=1, size=5)
    assert (len(result["top"]), len(result["bottom"])) == (top, bottom)
    assert not {row["id"] for row in result["top"]} & {row["id"] for row in result["bottom"]}


def test_country_wide_service_figures_come_from_the_countrys_rows_and_equal_the_centres_sum():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    north, south = CentreFactory(), CentreFactory()
    agency = ProviderFactory()
    passport = ServiceFactory(provider=agency)
    service_day(north, passport, D, visits=20, ratings=8, satisfied=6, score_sum=32, histogram=[4, 16])
    service_day(south, passport, D, visits=10, ratings=2, satisfied=2, score_sum=10, histogram=[10])
    every_centre = days(D, D, centre_ids=(north.pk, south.pk))

    with CaptureQueriesContext(connection) as country_queries:
        country = stats_breakdown(days(D, D), by="service")
        country_summary = stats_summary(days(D, D, provider_id=agency.pk))
    with CaptureQueriesContext(connection) as centre_queries:
        centres = stats_breakdown(every_centre, by="service")

    assert country == centres
    assert country[0]["visits"] == 30
    assert country[0]["satisfaction_rate"] == 0.8
    assert country_summary["visits"] == 30
    assert all("feedback_nationalserviceday" in query["sql"] for query in country_queries.captured_queries)
    assert all("feedback_serviceday" in query["sql"] for query in centre_queries.captured_queries)


def test_the_centre_breakdown_of_one_service_still_reads_each_centres_rows():
    north, south = CentreFactory(), CentreFactory()
    passport = ServiceFactory()
    service_day(north, passport, D, visits=20, ratings=8, satisfied=6, score_sum=32)
    service_day(south, passport, D, visits=10, ratings=2, satisfied=2, score_sum=10)

    rows = stats_breakdown(days(D, D, service_id=passport.pk), by="centre", order="-visits")

    assert [(row["id"], row["visits"]) for row in rows] == [(north.pk, 20), (south.pk, 10)]
