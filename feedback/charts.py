"""Geometry of the dashboard's trend chart, drawn as inline SVG by the template
(templates/feedback/partials/trend_chart.html): visits per period as bars on the left axis,
the satisfaction rate as a line on the right axis (0-100 %). No chart library, no script:
the page prints and projects as it is, and the same numbers stand in a table beside it."""

import math

from django.utils import dateformat
from django.utils.formats import number_format

WIDTH = 960
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 64, 60, 16, 40
MAX_X_LABELS = 12
DATE_FORMATS = {"day": "d.m", "week": "d.m", "month": "M Y"}


# Steps between the left axis's five ticks (x 10^n, whole numbers only): round enough to read,
# close enough together that the tallest bar fills most of the chart.
TICK_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8)
TICK_INTERVALS = 4


def _nice_ceiling(value: float) -> int:
    """The top of the visits axis: four times the smallest nice whole step that reaches value,
    so every tick (0, step, 2 step, 3 step, top) is a whole number of visits, written exactly."""
    needed = max(value / TICK_INTERVALS, 1)
    magnitude = 10 ** math.floor(math.log10(needed))
    for factor in (*TICK_STEPS, 10):
        step = factor * magnitude
        if step >= needed and step == int(step):
            return int(step) * TICK_INTERVALS
    return int(10 * magnitude) * TICK_INTERVALS  # not reached


def period_label(start, group_by: str) -> str:
    return dateformat.format(start, DATE_FORMATS.get(group_by, "d.m.Y"))


def trend_chart(series, group_by: str) -> dict:
    """Coordinates for the template from stats_series output [(period_start, figures), ...]."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_height
    count = max(len(series), 1)
    slot = plot_width / count
    max_visits = _nice_ceiling(max((figures["visits"] for _start, figures in series), default=0))

    bars, segments, markers, labels = [], [], [], []
    segment = []
    label_every = math.ceil(count / MAX_X_LABELS)
    for index, (start, figures) in enumerate(series):
        centre_x = LEFT + slot * (index + 0.5)
        bar_height = plot_height * figures["visits"] / max_visits
        bars.append(
            {
                "x": round(centre_x - slot * 0.35, 1),
                "y": round(bottom - bar_height, 1),
                "width": round(slot * 0.7, 1),
                "height": round(bar_height, 1),
            }
        )
        rate = figures["satisfaction_rate"]
        if rate is None:
            # No ratings in this period: the line breaks rather than pretending a value.
            if segment:
                segments.append(" ".join(segment))
            segment = []
        else:
            y = round(bottom - plot_height * rate, 1)
            segment.append(f"{round(centre_x, 1)},{y}")
            markers.append({"x": round(centre_x, 1), "y": y})
        if index % label_every == 0:
            labels.append({"x": round(centre_x, 1), "text": period_label(start, group_by)})
    if segment:
        segments.append(" ".join(segment))

    visit_ticks = [
        {
            "y": round(bottom - plot_height * step / TICK_INTERVALS, 1),
            "text": number_format(max_visits * step // TICK_INTERVALS, force_grouping=True),
        }
        for step in range(TICK_INTERVALS + 1)
    ]
    rate_ticks = [{"y": round(bottom - plot_height * step / 4, 1), "text": f"{step * 25}%"} for step in range(5)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": bottom,
        "label_y": bottom + 24,
        "bars": bars,
        "segments": segments,
        "markers": markers,
        "labels": labels,
        "visit_ticks": visit_ticks,
        "rate_ticks": rate_ticks,
    }
