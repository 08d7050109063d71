"""The public open-data page of citizen satisfaction (/<lang>/open-data/satisfaction/).

Anyone may read it: the same headline figures as the officials' dashboard, the trend, and
tables per centre, provider and service, all aggregated from the daily roll-ups. Nothing at
counter or operator level is published. The same figures as JSON: /api/v1/stats/satisfaction/.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.views import View

from .stats import PUBLIC_BREAKDOWN_KEYS, stats_breakdown, stats_compare
from .stats_display import TABLE_FIGURES, headline_cards
from .stats_forms import StatsFilterForm
from .views_dashboard import breakdown_name_labels, breakdown_titles, period_text, table_rows, trend_context


class OpenDataSatisfactionView(View):
    template_name = "feedback/open_data.html"

    def get(self, request):
        form = StatsFilterForm(request.GET)
        context = {"form": form, "table_figures": TABLE_FIGURES}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        f = form.stats_filter()
        compare = stats_compare(f)
        tables = [
            {
                "by": by,
                "title": breakdown_titles()[by],
                "name_label": breakdown_name_labels()[by],
                "rows": table_rows(stats_breakdown(f, by, order="-visits")),
            }
            for by in PUBLIC_BREAKDOWN_KEYS
        ]
        querystring = form.querystring()
        context.update(
            period=period_text(f.first_day, f.last_day),
            previous_period=period_text(compare["previous_first_day"], compare["previous_last_day"]),
            cards=headline_cards(compare),
            ratings_behind=compare["current"]["ratings"],
            ratings_behind_text=number_format(compare["current"]["ratings"], force_grouping=True),
            tables=tables,
            api_url=f"{reverse('api:stats-satisfaction')}?{querystring}",
            **trend_context(f, form.cleaned_data["group_by"]),
        )
        return render(request, self.template_name, context)
