"""Template filters of the satisfaction pages (dashboard, open data)."""

from django import template

from feedback.stats_display import figure_text

register = template.Library()


@register.filter
def figure(value, kind):
    """A figure written as on the headline cards: `{{ row.satisfaction_rate|figure:"percent" }}`."""
    return figure_text(value, kind)


@register.filter
def may_drill(code, codes):
    """Whether the centre `code` has a drill-down for this user (`codes` None means every centre)."""
    return codes is None or code in codes
