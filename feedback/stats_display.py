"""How the satisfaction figures are labelled and written for people: the dashboard's headline
cards, the columns of its tables and of the exports. One list, so the page, the CSV and the
Excel file call each figure the same and round it the same way."""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from .stats import period_has_data

COUNT, PERCENT, SCORE, MINUTES = "count", "percent", "score", "minutes"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str
    # +1 when a rise is good news, -1 when a fall is, 0 when neither (volume).
    better: int
    note: str = ""


HEADLINE_FIGURES = [
    Figure("visits", _("Visits served"), COUNT, 0, _("completed at a counter")),
    Figure("satisfaction_rate", _("Satisfaction rate"), PERCENT, +1, _("share of ratings of 4 or 5")),
    Figure("average_score", _("Average score"), SCORE, +1, _("out of 5")),
    Figure("response_rate", _("Response rate"), PERCENT, +1, _("ratings per visit served")),
    Figure("average_wait_minutes", _("Average wait"), MINUTES, -1, _("from ticket to call")),
    Figure("p90_wait_minutes", _("90th-percentile wait"), MINUTES, -1, _("9 in 10 citizens waited at most this")),
    Figure("no_show_rate", _("No-show rate"), PERCENT, -1, _("online bookings missed")),
    Figure("ratings", _("Ratings received"), COUNT, +1, _("one per visit at most")),
]
HEADLINE_BY_KEY = {figure.key: figure for figure in HEADLINE_FIGURES}

# Columns of the breakdown tables and exports, after the name.
TABLE_FIGURES = [
    Figure("visits", _("Visits served"), COUNT, 0),
    Figure("ratings", _("Ratings"), COUNT, +1),
    Figure("satisfaction_rate", _("Satisfaction rate (%)"), PERCENT, +1),
    Figure("average_score", _("Average score"), SCORE, +1),
    Figure("response_rate", _("Response rate (%)"), PERCENT, +1),
    Figure("average_wait_minutes", _("Average wait (min)"), MINUTES, -1),
    Figure("p90_wait_minutes", _("90th-percentile wait (min)"), MINUTES, -1),
    Figure("no_show_rate", _("No-show rate (%)"), PERCENT, -1),
]


def figure_number(value, kind: str):
    """The number as people read it (a rate in per cent, one decimal), or None."""
    if value is None:
        return None
    if kind == PERCENT:
        return round(value * 100, 1)
    if kind == COUNT:
        return int(value)
    if kind == SCORE:
        return round(value, 2)
    return round(value, 1)


def figure_text(value, kind: str, *, open_ended: bool = False) -> str:
    """The figure written for the page, in the active language's number format; "–" when none."""
    number = figure_number(value, kind)
    if number is None:
        return "–"
    if kind == COUNT:
        return number_format(number, force_grouping=True)
    if kind == PERCENT:
        return f"{number_format(number, 1)}%"
    if kind == SCORE:
        return number_format(number, 2)
    text = number_format(number, 1)
    return f"{'≥ ' if open_ended else ''}{text} {_('min')}"


def change_text(figure: Figure, change) -> str:
    """The change from the previous period in words and with its sign: never colour alone."""
    if change is None:
        return str(_("no figure to compare"))
    number = figure_number(abs(change), figure.kind)
    if not number:
        return str(_("no change"))
    sign = "+" if change > 0 else "−"
    if figure.kind == PERCENT:
        # Percentage points, abbreviated: "+3.2 pp" (a rate's change is not a per cent of it).
        amount = _("%(amount)s pp") % {"amount": number_format(number, 1)}
    elif figure.kind == COUNT:
        amount = number_format(number, force_grouping=True)
    elif figure.kind == SCORE:
        amount = number_format(number, 2)
    else:
        amount = f"{number_format(number, 1)} {_('min')}"
    return f"{sign}{amount}"


def change_tone(figure: Figure, change) -> str:
    """ "better", "worse" or "neutral", for the arrow's colour and its hidden word."""
    if not change or not figure.better:
        return "neutral"
    return "better" if change * figure.better > 0 else "worse"


def _relative(figure: Figure, change, previous) -> str:
    """For counts, the change as a share of the previous figure too: " (+1.4%)"."""
    if figure.kind != COUNT or not change or not previous:
        return ""
    share = round(change / previous * 100, 1)
    return f" ({'+' if share > 0 else '−'}{number_format(abs(share), 1, force_grouping=True)}%)"


def headline_cards(compare: dict) -> list[dict]:
    """The dashboard's headline cards from stats_compare()."""
    current, previous, change = compare["current"], compare["previous"], compare["change"]
    previous_has_data = period_has_data(previous)
    cards = []
    for figure in HEADLINE_FIGURES:
        difference = change.get(figure.key)
        open_ended = figure.key == "p90_wait_minutes" and current["p90_wait_open_ended"]
        arrow = (
            "" if not difference or figure_number(abs(difference), figure.kind) == 0 else "▲" if difference > 0 else "▼"
        )
        cards.append(
            {
                "figure": figure,
                "value": figure_text(current[figure.key], figure.kind, open_ended=open_ended),
                "previous": figure_text(
                    previous[figure.key],
                    figure.kind,
                    open_ended=figure.key == "p90_wait_minutes" and previous["p90_wait_open_ended"],
                )
                if previous_has_data
                else str(_("no data")),
                "change": change_text(figure, difference) + _relative(figure, difference, previous[figure.key]),
                "arrow": arrow,
                "tone": change_tone(figure, difference) if arrow else "neutral",
                "open_ended": open_ended,
                "comparable": compare["comparable"],
            }
        )
    return cards


def table_row(figures: dict) -> list[str]:
    """The TABLE_FIGURES of one row, written for the page."""
    return [
        figure_text(
            figures[f.key], f.kind, open_ended=f.key == "p90_wait_minutes" and figures.get("p90_wait_open_ended")
        )
        for f in TABLE_FIGURES
    ]
