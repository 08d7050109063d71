"""The officials' dashboard (/<lang>/dashboard/): headline figures with the change from the
previous period, a trend chart with its table, rankings, a drill-down per centre, and CSV and
Excel exports of what is on screen.

Read-only for everyone. Officials and superusers see every centre; a centre manager sees only
their own centres (another centre's drill-down is a 404); anyone else signed in gets 403.
Everything comes from feedback.stats, which reads only the daily roll-ups.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views import View

from centres.models import Centre

from .charts import trend_chart
from .dashboard_permissions import dashboard_centres_for_user
from .stats import breakdown_rankings, stats_breakdown, stats_compare, stats_series
from .stats_display import TABLE_FIGURES, headline_cards, table_row
from .stats_exports import csv_response, export_sections, xlsx_response
from .stats_forms import StatsFilterForm

# Fewer ratings than this and a centre, provider or service is not ranked by satisfaction.
RANKING_MIN_RATINGS = 20
RANKING_SIZE = 5
OVERVIEW_BREAKDOWNS = ("centre", "provider", "service")
CENTRE_BREAKDOWNS = ("service", "counter", "operator")
EXPORT_FORMATS = ("csv", "xlsx")


def breakdown_titles():
    return {
        "centre": _("Centres"),
        "provider": _("Providers"),
        "service": _("Services"),
        "counter": _("Counters"),
        "operator": _("Operators"),
    }


def breakdown_name_labels():
    return {
        "centre": _("Centre"),
        "provider": _("Provider"),
        "service": _("Service"),
        "counter": _("Counter"),
        "operator": _("Operator"),
    }


def period_text(first_day, last_day) -> str:
    return f"{date_format(first_day, 'd.m.Y')} – {date_format(last_day, 'd.m.Y')}"


def trend_context(f, group_by) -> dict:
    """The chart's geometry and the same figures as table rows (for screen readers and print)."""
    series = stats_series(f, group_by=group_by)
    rows = [
        {
            # The table names the whole date (the chart's axis has room for "d.m" only).
            "label": date_format(start, "F Y" if group_by == "month" else "d.m.Y"),
            "start": start,
            "cells": table_row(figures),
        }
        for start, figures in series
    ]
    return {"chart": trend_chart(series, group_by), "trend_rows": rows, "group_by": group_by}


def table_rows(rows) -> list[dict]:
    return [{"row": row, "cells": table_row(row)} for row in rows]


class DashboardMixin(LoginRequiredMixin):
    """Sets `self.centres`: None for every centre, or the manager's own centres."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.centres = dashboard_centres_for_user(request.user)
        return super().dispatch(request, *args, **kwargs)

    def centre_or_404(self, code):
        return get_object_or_404(Centre.objects.all() if self.centres is None else self.centres, code=code)

    def filter_form(self, *, centre=None) -> StatsFilterForm:
        if centre is not None:
            # The drill-down is about one centre: the centre filter is fixed, not offered.
            form = StatsFilterForm(self.request.GET, centres=Centre.objects.filter(pk=centre.pk))
            del form.fields["centre"]
            return form
        return StatsFilterForm(self.request.GET, centres=self.centres)


class DashboardView(DashboardMixin, View):
    template_name = "feedback/dashboard.html"

    def get(self, request):
        form = self.filter_form()
        context = {"form": form, "table_figures": TABLE_FIGURES, "min_ratings": RANKING_MIN_RATINGS}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        f = form.stats_filter()
        compare = stats_compare(f)
        rankings = []
        for by in OVERVIEW_BREAKDOWNS:
            if by == "centre" and f.centre_ids is not None and len(f.centre_ids) == 1:
                continue  # a single centre has nothing to be ranked against
            ranking = breakdown_rankings(stats_breakdown(f, by), min_ratings=RANKING_MIN_RATINGS, size=RANKING_SIZE)
            rankings.append({"by": by, "title": breakdown_titles()[by], **ranking})
        context.update(
            period=period_text(f.first_day, f.last_day),
            previous_period=period_text(compare["previous_first_day"], compare["previous_last_day"]),
            cards=headline_cards(compare),
            ratings_behind=compare["current"]["ratings"],
            ratings_behind_text=number_format(compare["current"]["ratings"], force_grouping=True),
            rankings=rankings,
            querystring=form.querystring(),
            all_centres=self.centres is None,
            centre_codes=self._centre_codes(),
            **trend_context(f, form.cleaned_data["group_by"]),
        )
        return render(request, self.template_name, context)

    def _centre_codes(self):
        """Codes of the centres whose drill-down this user may open (None: all)."""
        if self.centres is None:
            return None
        return set(self.centres.values_list("code", flat=True))


class CentreDashboardView(DashboardMixin, View):
    template_name = "feedback/dashboard_centre.html"

    def get(self, request, code):
        centre = self.centre_or_404(code)
        form = self.filter_form(centre=centre)
        context = {"form": form, "centre": centre, "table_figures": TABLE_FIGURES}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        f = form.stats_filter()
        compare = stats_compare(f)
        breakdowns = [
            {
                "by": by,
                "title": breakdown_titles()[by],
                "name_label": breakdown_name_labels()[by],
                "rows": table_rows(stats_breakdown(f, by, order="-visits")),
            }
            for by in CENTRE_BREAKDOWNS
        ]
        context.update(
            period=period_text(f.first_day, f.last_day),
            previous_period=period_text(compare["previous_first_day"], compare["previous_last_day"]),
            cards=headline_cards(compare),
            ratings_behind=compare["current"]["ratings"],
            ratings_behind_text=number_format(compare["current"]["ratings"], force_grouping=True),
            breakdowns=breakdowns,
            querystring=form.querystring(),
            **trend_context(f, form.cleaned_data["group_by"]),
        )
        return render(request, self.template_name, context)


class DashboardExportView(DashboardMixin, View):
    """The current view (same filters) as CSV or Excel: headline figures and one breakdown
    (`by`, default centre; in a centre's drill-down, default service)."""

    def get(self, request, fmt, code=None):
        if fmt not in EXPORT_FORMATS:
            raise Http404
        centre = self.centre_or_404(code) if code is not None else None
        allowed = CENTRE_BREAKDOWNS if centre is not None else OVERVIEW_BREAKDOWNS
        by = request.GET.get("by") or allowed[0]
        form = self.filter_form(centre=centre)
        if by not in allowed:
            form.is_valid()
            form.add_error(None, _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)})
        if not form.is_valid():
            template = "feedback/dashboard_centre.html" if centre else "feedback/dashboard.html"
            context = {"form": form, "centre": centre, "table_figures": TABLE_FIGURES}
            return render(request, template, context, status=400)
        f = form.stats_filter()
        compare = stats_compare(f)
        rows = stats_breakdown(f, by, order="-visits")
        filters = [(_("Centre"), centre.name)] if centre else []
        for name in ("centre", "provider", "service"):
            chosen = form.cleaned_data.get(name)
            if chosen is not None:
                filters.append((str(form.fields[name].label), chosen.name))
        summary, breakdown = export_sections(
            title=_("Satisfaction and service figures"),
            period=period_text(f.first_day, f.last_day),
            filters=filters,
            compare=compare,
            rows=rows,
            by_label=breakdown_name_labels()[by],
        )
        filename = f"asan-{centre.code + '-' if centre else ''}{by}-{f.first_day:%Y%m%d}-{f.last_day:%Y%m%d}"
        if fmt == "csv":
            return csv_response(filename, summary, breakdown)
        return xlsx_response(filename, summary, breakdown, breakdown_title=breakdown_titles()[by])
