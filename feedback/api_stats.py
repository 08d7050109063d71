"""Open data: GET /api/v1/stats/satisfaction/ — the public satisfaction figures, aggregated and
anonymous (by period, centre, service or provider; never by counter or operator).

The filters are parsed by the same form as the dashboard and the open-data page
(feedback.stats_forms), and the figures come from the same selectors (feedback.stats), so the
three never disagree. Bad parameters answer 400 in the common error shape.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from asan_portal.api import BAD_REQUEST_RESPONSE, LANGUAGE_PARAMETER, DomainError, LocalisedApiMixin

from .stats import PUBLIC_BREAKDOWN_KEYS, stats_breakdown, stats_compare, stats_series
from .stats_forms import BREAKDOWN_CHOICES, MAX_RANGE_DAYS, PERIOD_CHOICES, StatsFilterForm

API_GROUP_BY_CHOICES = PERIOD_CHOICES + BREAKDOWN_CHOICES


class StatsQueryInvalid(DomainError):
    code = "validation_error"
    status_code = status.HTTP_400_BAD_REQUEST


class FiguresSerializer(serializers.Serializer):
    visits = serializers.IntegerField(help_text="Visits served (queue tickets completed).")
    ratings = serializers.IntegerField(help_text="Ratings received for those visits (at most one per visit).")
    satisfied = serializers.IntegerField(help_text="Ratings of 4 or 5.")
    waits = serializers.IntegerField(help_text="Visits with a measured wait (ticket to first call).")
    bookings_kept = serializers.IntegerField(help_text="Online bookings whose citizen checked in.")
    bookings_missed = serializers.IntegerField(help_text="Online bookings that lapsed without a check-in.")
    no_shows = serializers.IntegerField(help_text="Tickets called whose citizen did not come to the counter.")
    satisfaction_rate = serializers.FloatField(
        allow_null=True, help_text="satisfied / ratings, 0 to 1; null without ratings."
    )
    response_rate = serializers.FloatField(allow_null=True, help_text="ratings / visits; null without visits.")
    no_show_rate = serializers.FloatField(
        allow_null=True, help_text="bookings_missed / (bookings_kept + bookings_missed); null without bookings."
    )
    average_score = serializers.FloatField(allow_null=True, help_text="Mean overall score, 1 to 5.")
    average_wait_minutes = serializers.FloatField(allow_null=True, help_text="Mean wait in minutes.")
    p90_wait_minutes = serializers.FloatField(
        allow_null=True,
        help_text="90th-percentile wait in minutes, interpolated inside a histogram bucket "
        "(edges 2, 5, 10, 15, 20, 30, 45, 60, 90, 120 minutes).",
    )
    p90_wait_open_ended = serializers.BooleanField(
        help_text="True when the 90th percentile lies beyond 120 minutes: p90_wait_minutes is then 120, a lower bound."
    )
    aspect_waiting = serializers.FloatField(allow_null=True, help_text="Mean score for the waiting time.")
    aspect_courtesy = serializers.FloatField(allow_null=True, help_text="Mean score for staff courtesy.")
    aspect_competence = serializers.FloatField(allow_null=True, help_text="Mean score for staff competence.")
    aspect_premises = serializers.FloatField(allow_null=True, help_text="Mean score for the centre itself.")


class StatsRowSerializer(FiguresSerializer):
    period = serializers.DateField(
        allow_null=True, help_text="First day of the day, ISO week (Monday) or month; null when grouped by a key."
    )
    code = serializers.CharField(allow_null=True, help_text="The centre's, service's or provider's code.")
    name = serializers.CharField(allow_null=True, help_text="Its name in the request language.")


class _PeriodFieldsMixin:
    """Adds "from" and "to" (Python keywords, so they cannot be declared as attributes) first."""

    def get_fields(self):
        return {
            "from": serializers.DateField(source="first_day", help_text="First day (Baku), inclusive."),
            "to": serializers.DateField(source="last_day", help_text="Last day (Baku), inclusive."),
            **super().get_fields(),
        }


class PreviousPeriodSerializer(_PeriodFieldsMixin, serializers.Serializer):
    summary = FiguresSerializer()
    comparable = serializers.BooleanField(
        help_text="Whether both periods have data; when false the two should not be compared "
        "(every count of an empty period is 0)."
    )


class StatsSatisfactionSerializer(_PeriodFieldsMixin, serializers.Serializer):
    centre = serializers.CharField(allow_null=True)
    service = serializers.CharField(allow_null=True)
    provider = serializers.CharField(allow_null=True)
    group_by = serializers.ChoiceField(choices=[key for key, _label in API_GROUP_BY_CHOICES])
    summary = FiguresSerializer(help_text="The whole period.")
    previous = PreviousPeriodSerializer(help_text="The period of the same length just before, for comparison.")
    rows = StatsRowSerializer(many=True)


def _code_parameter(name, what):
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=f"Only this {what} (code).")


class StatsSatisfactionApi(LocalisedApiMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        operation_id="stats_satisfaction",
        summary="Citizen satisfaction and service figures (open data)",
        description="Aggregated, anonymous figures from the daily roll-ups: visits served, ratings, "
        "the satisfaction rate (the share of ratings of 4 or 5 among all ratings), the average score, the "
        "response rate (ratings per visit served), average and 90th-percentile wait, the no-show rate of "
        "online bookings, and the mean score of each optional aspect. `summary` covers the whole range, "
        "`previous` the range of the same length just before it, `rows` one entry per day, ISO week, "
        f"month, centre, service or provider (`group_by`). Days are Baku days; at most {MAX_RANGE_DAYS} "
        "days per request. Counter and operator figures are never published.",
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                OpenApiParameter.QUERY,
                description="First day (default: 30 days before `to`).",
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Last day (default: yesterday in Baku)."
            ),
            _code_parameter("centre", "centre"),
            _code_parameter("service", "service"),
            _code_parameter("provider", "provider"),
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=[key for key, _label in API_GROUP_BY_CHOICES],
                description="Rows per period or per key. Default: day up to 92 days, week up to 366, else month.",
            ),
            LANGUAGE_PARAMETER,
        ],
        responses={200: StatsSatisfactionSerializer, 400: BAD_REQUEST_RESPONSE},
        examples=[
            OpenApiExample(
                "Unknown centre",
                status_codes=["400"],
                response_only=True,
                value={
                    "error": {
                        "code": "validation_error",
                        "message": "There is no centre with this code.",
                        "fields": {"centre": ["There is no centre with this code."]},
                    }
                },
            )
        ],
        tags=["open data"],
    )
    def get(self, request):
        form = StatsFilterForm(request.query_params, group_by_choices=API_GROUP_BY_CHOICES)
        if not form.is_valid():
            fields = form.field_errors()
            first = next(iter(fields.values()), [_("The request could not be processed.")])[0]
            raise StatsQueryInvalid(first, fields=fields)
        f = form.stats_filter()
        group_by = form.cleaned_data["group_by"]
        compare = stats_compare(f)
        if group_by in PUBLIC_BREAKDOWN_KEYS:
            rows = [{"period": None, **row} for row in stats_breakdown(f, group_by, order="-visits")]
        else:
            rows = [
                {"period": start, "code": None, "name": None, **figures}
                for start, figures in stats_series(f, group_by=group_by)
            ]
        data = {
            "first_day": f.first_day,
            "last_day": f.last_day,
            "centre": _code(form, "centre"),
            "service": _code(form, "service"),
            "provider": _code(form, "provider"),
            "group_by": group_by,
            "summary": compare["current"],
            "previous": {
                "first_day": compare["previous_first_day"],
                "last_day": compare["previous_last_day"],
                "summary": compare["previous"],
                "comparable": compare["comparable"],
            },
            "rows": rows,
        }
        return Response(StatsSatisfactionSerializer(data).data)


def _code(form, name):
    chosen = form.cleaned_data.get(name)
    return chosen.code if chosen is not None else None
