"""Reads of the satisfaction figures for the officials' dashboard, the open-data page and the API.

Every figure comes from the daily roll-ups (CentreDay, ServiceDay, NationalServiceDay,
StaffDay), never from the ratings or tickets themselves, so a dashboard costs the same with a
thousand ratings or ten million (docs/adr/0014). Service and provider figures of the whole
country read NationalServiceDay (a row per service a day) rather than summing every centre's
ServiceDay rows: that is what keeps a year's country-wide ranking cheap. The sums are taken in the database (one GROUP BY per call); rates and
averages are computed here from the sums, so every page, export and API answer agrees.

Figures (every selector returns the same keys, see `FIGURE_KEYS`):
- satisfaction_rate = ratings of SATISFIED_FROM (4) or more / all ratings;
- response_rate = ratings / completed visits;
- no_show_rate = online bookings missed / (kept + missed);
- average_wait_minutes = measured waits' total / their number;
- p90_wait_minutes from the summed wait histogram, interpolated linearly inside its bucket.
  When the 90th percentile falls in the open last bucket ("over 120 minutes") its lower edge is
  reported and `p90_wait_open_ended` is True: the true value is at least that.
"""

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import Min, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from asan_portal.i18n import DEFAULT_LANGUAGE, active_language

from .models import (
    ASPECTS,
    METRIC_FIELDS,
    WAIT_BUCKET_EDGES,
    WAIT_BUCKET_FIELDS,
    CentreDay,
    NationalServiceDay,
    ServiceDay,
    StaffDay,
)

GROUP_BY_PERIODS = ("day", "week", "month")
BREAKDOWN_KEYS = ("centre", "service", "provider", "counter", "operator")
# Only these breakdowns may be shown to the public: no counter or operator level.
PUBLIC_BREAKDOWN_KEYS = ("centre", "service", "provider")

COUNT_KEYS = ("visits", "ratings", "satisfied", "waits", "bookings_kept", "bookings_missed", "no_shows")
RATE_KEYS = ("satisfaction_rate", "response_rate", "no_show_rate")
AVERAGE_KEYS = ("average_score", "average_wait_minutes", "p90_wait_minutes")
ASPECT_KEYS = tuple(f"aspect_{aspect}" for aspect in ASPECTS)
FIGURE_KEYS = COUNT_KEYS + RATE_KEYS + AVERAGE_KEYS + ASPECT_KEYS + ("p90_wait_open_ended",)
# Orders a breakdown accepts: a figure, "-figure" for the largest first, or the name.
ORDERABLE_KEYS = ("name",) + COUNT_KEYS + RATE_KEYS + AVERAGE_KEYS


@dataclass(frozen=True)
class StatsFilter:
    """Which roll-up rows a figure covers. `centre_ids=None` means every centre; a centre
    manager's filter lists their own centres (an empty tuple then covers nothing)."""

    first_day: dt.date
    last_day: dt.date
    centre_ids: tuple[int, ...] | None = None
    service_id: int | None = None
    provider_id: int | None = None

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def previous(self) -> "StatsFilter":
        """The period of the same length just before this one, same centres and services."""
        last = self.first_day - dt.timedelta(days=1)
        return replace(self, first_day=last - dt.timedelta(days=self.days - 1), last_day=last)


# --- from sums to figures -----------------------------------------------------------------------


def _ratio(numerator, denominator, digits=4):
    if not denominator:
        return None
    return round(numerator / denominator, digits)


def wait_percentile_minutes(histogram: list[int], fraction: float = 0.9) -> tuple[float | None, bool]:
    """The `fraction` percentile of waits from bucket counts (one per WAIT_BUCKET_FIELDS).

    Linear interpolation inside the bucket that holds the rank; the first bucket starts at 0.
    Returns (minutes, open_ended): in the open last bucket the lower edge is returned and
    open_ended is True (the percentile is at least that)."""
    total = sum(histogram)
    if not total:
        return None, False
    rank = fraction * total
    lower = 0
    seen = 0
    for index, count in enumerate(histogram):
        if index == len(WAIT_BUCKET_EDGES):
            return float(lower), True
        upper = WAIT_BUCKET_EDGES[index]
        if count and seen + count >= rank:
            return round(lower + (rank - seen) / count * (upper - lower), 1), False
        seen += count
        lower = upper
    return float(lower), True  # not reached: the buckets hold every wait


def figures_from_sums(sums: dict) -> dict:
    """Rates and averages from the summed roll-up columns (any missing column counts as 0)."""
    s = {name: sums.get(name) or 0 for name in METRIC_FIELDS}
    p90, open_ended = wait_percentile_minutes([s[name] for name in WAIT_BUCKET_FIELDS])
    figures = {key: s[key] for key in COUNT_KEYS}
    figures.update(
        satisfaction_rate=_ratio(s["satisfied"], s["ratings"]),
        response_rate=_ratio(s["ratings"], s["visits"]),
        no_show_rate=_ratio(s["bookings_missed"], s["bookings_kept"] + s["bookings_missed"]),
        average_score=_ratio(s["score_sum"], s["ratings"], 2),
        average_wait_minutes=_ratio(s["wait_seconds"], s["waits"] * 60, 1),
        p90_wait_minutes=p90,
        p90_wait_open_ended=open_ended,
    )
    for aspect in ASPECTS:
        figures[f"aspect_{aspect}"] = _ratio(s[f"{aspect}_sum"], s[f"{aspect}_count"], 2)
    return figures


def period_has_data(figures: dict) -> bool:
    """Whether anything was counted in the period: a visit, a rating, a wait or a booking kept
    or missed. A period before the portal's first roll-up has only zeros."""
    return any(figures.get(key) for key in COUNT_KEYS)


def figures_comparable(current: dict, previous: dict) -> bool:
    """The one rule for every change figure (cards, exports, API): two periods are compared
    only when both have data. Against an empty period every count would "rise" by all of
    itself ("visits +87,603") while the rates already had nothing to compare with."""
    return period_has_data(current) and period_has_data(previous)


def figures_change(current: dict, previous: dict) -> dict:
    """current - previous for every number; None when either side has none, and for every
    number when the periods are not comparable (figures_comparable). Rates change in
    fractions (0.05 = 5 percentage points)."""
    comparable = figures_comparable(current, previous)
    change = {}
    for key in COUNT_KEYS + RATE_KEYS + AVERAGE_KEYS + ASPECT_KEYS:
        now, before = current.get(key), previous.get(key)
        change[key] = None if not comparable or now is None or before is None else round(now - before, 4)
    return change


# --- the queries --------------------------------------------------------------------------------


def _sum_expressions():
    return {name: Coalesce(Sum(name), 0) for name in METRIC_FIELDS}


def _rows(model, f: StatsFilter, *, service_filters: bool = True, per_centre: bool = False):
    """The roll-up rows the filter covers. ServiceDay rows of every centre are read from
    NationalServiceDay (the same sums, a row per service a day) unless the caller needs them
    per centre."""
    if model is ServiceDay and f.centre_ids is None and not per_centre:
        model = NationalServiceDay
    rows = model.objects.filter(day__gte=f.first_day, day__lte=f.last_day)
    if f.centre_ids is not None:
        rows = rows.filter(centre_id__in=f.centre_ids)
    if service_filters and f.service_id is not None:
        rows = rows.filter(service_id=f.service_id)
    if service_filters and f.provider_id is not None:
        rows = rows.filter(provider_id=f.provider_id)
    return rows


def _summary_rows(f: StatsFilter, *, per_centre: bool = False):
    """CentreDay answers a whole centre; a service or provider filter needs ServiceDay."""
    if f.service_id is None and f.provider_id is None:
        return _rows(CentreDay, f)
    return _rows(ServiceDay, f, per_centre=per_centre)


def stats_summary(f: StatsFilter) -> dict:
    """The headline figures of the filter's days (one query)."""
    return figures_from_sums(_summary_rows(f).aggregate(**_sum_expressions()))


def stats_compare(f: StatsFilter) -> dict:
    """The figures of `f` and of the period of equal length before it, with the change (two
    queries). `comparable` is False, and every change None, when either period has no data."""
    previous_filter = f.previous()
    current = stats_summary(f)
    previous = stats_summary(previous_filter)
    return {
        "current": current,
        "previous": previous,
        "comparable": figures_comparable(current, previous),
        "change": figures_change(current, previous),
        "previous_first_day": previous_filter.first_day,
        "previous_last_day": previous_filter.last_day,
    }


def period_start(day: dt.date, group_by: str) -> dt.date:
    if group_by == "week":
        return day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday, like TruncWeek
    if group_by == "month":
        return day.replace(day=1)
    return day


def _next_period(start: dt.date, group_by: str) -> dt.date:
    if group_by == "week":
        return start + dt.timedelta(days=7)
    if group_by == "month":
        return (start + dt.timedelta(days=32)).replace(day=1)
    return start + dt.timedelta(days=1)


def stats_series(f: StatsFilter, group_by: str = "day") -> list[tuple[dt.date, dict]]:
    """(first day of the period, figures) for every day, week or month the filter touches, gaps
    included (as zeros), oldest first (one query). The first and last periods may be partial."""
    if group_by not in GROUP_BY_PERIODS:
        raise ValueError(f"group_by must be one of {GROUP_BY_PERIODS}")
    rows = _summary_rows(f)
    if group_by == "day":
        grouped = rows.values("day").annotate(**_sum_expressions()).order_by()
        sums_by_period = {row["day"]: row for row in grouped}
    else:
        truncate = TruncWeek("day") if group_by == "week" else TruncMonth("day")
        grouped = rows.annotate(period=truncate).values("period").annotate(**_sum_expressions()).order_by()
        sums_by_period = {_as_date(row["period"]): row for row in grouped}
    series = []
    start = period_start(f.first_day, group_by)
    while start <= f.last_day:
        series.append((start, figures_from_sums(sums_by_period.get(start, {}))))
        start = _next_period(start, group_by)
    return series


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# How each breakdown groups its rows: the roll-up table, the key column, and the columns that
# give the key's display name (read in the same query, so a breakdown stays one query).
_BREAKDOWNS = {
    "centre": (None, "centre_id", ("centre__code", "centre__name_az", "centre__name_en", "centre__name_ru")),
    "service": (
        ServiceDay,
        "service_id",
        ("service__code", "service__name_az", "service__name_en", "service__name_ru"),
    ),
    "provider": (
        ServiceDay,
        "provider_id",
        ("provider__code", "provider__name_az", "provider__name_en", "provider__name_ru"),
    ),
    "counter": (
        StaffDay,
        "counter_id",
        ("counter__number", "counter__label_az", "counter__label_en", "counter__label_ru", "centre__code"),
    ),
    "operator": (
        StaffDay,
        "operator_id",
        ("operator__username", "operator__first_name", "operator__last_name"),
    ),
}


def _display(by: str, row: dict) -> tuple[str, str]:
    """(code, name) of a breakdown row in the active language (Azerbaijani when not translated)."""
    if by in ("centre", "service", "provider"):
        language = active_language()
        name = row[f"{by}__name_{language}"] or row[f"{by}__name_{DEFAULT_LANGUAGE}"]
        return row[f"{by}__code"], name
    if by == "counter":
        label = row[f"counter__label_{active_language()}"] or row[f"counter__label_{DEFAULT_LANGUAGE}"]
        name = f"#{row['counter__number']}" + (f" {label}" if label else "")
        return f"{row['centre__code']}-{row['counter__number']}", name
    full_name = f"{row['operator__first_name']} {row['operator__last_name']}".strip()
    return row["operator__username"], full_name or row["operator__username"]


def _order_key(order: str):
    descending = order.startswith("-")
    key = order.lstrip("-")
    if key not in ORDERABLE_KEYS:
        raise ValueError(f"order must be one of {ORDERABLE_KEYS}, optionally with '-'")

    def sort_key(row):
        value = row["name"].casefold() if key == "name" else row[key]
        # Rows without the figure (no ratings, no waits) go last in either direction.
        if value is None:
            return (1, 0)
        return (0, -value if descending and key != "name" else value)

    return sort_key, descending and key == "name"


def stats_breakdown(
    f: StatsFilter,
    by: str = "centre",
    *,
    order: str = "-visits",
    limit: int | None = None,
    min_ratings: int = 0,
) -> list[dict]:
    """One row per centre, service, provider, counter or operator with its figures (one query).

    Each row: "id", "code", "name" (in the active language) and every figure. Counter and
    operator rows come from StaffDay, which has no service: the service and provider filters
    do not apply to them. They are for staff pages only, never for public outputs.
    `min_ratings` leaves out rows with fewer ratings (rankings by satisfaction need enough).
    """
    if by not in _BREAKDOWNS:
        raise ValueError(f"by must be one of {BREAKDOWN_KEYS}")
    model, key, name_columns = _BREAKDOWNS[by]
    if model is None:
        rows = _summary_rows(f, per_centre=True)
    else:
        rows = _rows(model, f, service_filters=model is not StaffDay)
    # Grouped by the key alone: the names ride along as Min() of a value that is the same in
    # the whole group. Grouping by the wide name columns too sorted every row by them (3x slower
    # over a year of rows).
    names = {column: Min(column) for column in name_columns}
    grouped = rows.values(key).annotate(**names, **_sum_expressions()).order_by()
    result = []
    for row in grouped:
        figures = figures_from_sums(row)
        if figures["ratings"] < min_ratings:
            continue
        code, name = _display(by, row)
        result.append({"id": row[key], "code": code, "name": name, **figures})
    sort_key, reverse = _order_key(order)
    result.sort(key=sort_key, reverse=reverse)
    return result[:limit] if limit is not None else result


def breakdown_rankings(rows: list[dict], *, min_ratings: int, size: int = 5) -> dict:
    """Top and bottom by satisfaction (rows with at least `min_ratings` ratings, so one unhappy
    citizen does not sink a quiet service) and the busiest, from one stats_breakdown() result.
    With fewer than 2 x size ranked rows the ranking is split in two halves, so no row is both
    among the best and among the worst (a lone ranked row counts as top)."""
    ranked = [row for row in rows if row["ratings"] >= min_ratings and row["satisfaction_rate"] is not None]
    by_rate = sorted(ranked, key=lambda row: (-row["satisfaction_rate"], -row["ratings"]))
    top_size = min(size, (len(by_rate) + 1) // 2)
    bottom_size = min(size, len(by_rate) - top_size)
    return {
        "top": by_rate[:top_size],
        "bottom": list(reversed(by_rate[len(by_rate) - bottom_size :])),
        "busiest": sorted(rows, key=lambda row: -row["visits"])[:size],
        "ranked": len(ranked),
    }
