"""The trend chart's left axis: every tick names exactly the number of visits at its height."""

import datetime as dt

import pytest

from feedback.charts import trend_chart


def _series(visits):
    start = dt.date(2026, 3, 1)
    return [(start + dt.timedelta(days=i), {"visits": v, "satisfaction_rate": None}) for i, v in enumerate(visits)]


@pytest.mark.parametrize("tallest", [0, 1, 3, 5, 7, 10, 13, 25, 41, 50, 99, 101, 250, 999, 1001, 4567, 123_456])
def test_visit_ticks_are_whole_evenly_spaced_and_reach_the_tallest_bar(tallest):
    chart = trend_chart(_series([tallest, tallest // 2]), "day")
    ticks = chart["visit_ticks"]
    values = [int(tick["text"].replace("\xa0", "").replace(",", "").replace(" ", "")) for tick in ticks]
    step = values[1]
    assert values == [step * index for index in range(len(ticks))]
    assert values[-1] >= tallest
    # The tallest bar's top sits where the axis says its number is.
    plot_height = chart["bottom"] - chart["top"]
    bar = chart["bars"][0]
    assert bar["height"] == pytest.approx(plot_height * tallest / values[-1], abs=0.1)
    # And it fills most of the height: the axis is not much taller than the data.
    if tallest >= 4:
        assert tallest / values[-1] > 0.6
