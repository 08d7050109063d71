"""Public, read-only REST API of the service centres: where, when open, what they offer."""

import datetime as dt

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from asan_portal.api import (
    BAD_REQUEST_RESPONSE,
    LANGUAGE_PARAMETER,
    NOT_FOUND_RESPONSE,
    PAGE_NOT_FOUND_RESPONSE,
    LocalisedApiMixin,
)
from services.filters import CodeFilterField
from services.models import Service

from . import selectors
from .hours import holiday_dates
from .models import CentreKind, City, PublicHoliday
from .serializers import CentreDetailSerializer, CentreListItemSerializer

# opening_status looks two weeks ahead; a day either side covers any centre's time zone.
_OPENING_HORIZON_DAYS = 16
UPCOMING_HOLIDAYS_DAYS = 90


class CentreKindFilterField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if str(data) not in self.choice_strings_to_values:
            raise serializers.ValidationError(
                _("“%(kind)s” is not a kind of centre. Use one of: %(kinds)s.")
                % {"kind": data, "kinds": ", ".join(CentreKind.values)}
            )
        return super().to_internal_value(data)


class CentreListFilters(serializers.Serializer):
    city = CodeFilterField(
        queryset=City.objects.all(),
        unknown_message=gettext_lazy("There is no city or region with the code “%(code)s”."),
        help_text=gettext_lazy("Only centres in this city or region (its code)."),
    )
    service = CodeFilterField(
        queryset=Service.objects.public(),
        unknown_message=gettext_lazy("There is no public service with the code “%(code)s”."),
        help_text=gettext_lazy("Only centres offering this service (its code)."),
    )
    kind = CentreKindFilterField(
        choices=CentreKind.choices, required=False, help_text=gettext_lazy("Only centres of this kind.")
    )


def _opening_context(now: dt.datetime) -> dict:
    today = timezone.localdate(now)
    holidays = holiday_dates(today - dt.timedelta(days=1), today + dt.timedelta(days=_OPENING_HORIZON_DAYS))
    return {"now": now, "holidays": holidays}


class CentreListApi(LocalisedApiMixin, ListAPIView):
    """Active centres, by city, service offered and kind; `open_now` at the time of the request."""

    serializer_class = CentreListItemSerializer
    filter_backends = []

    def get_queryset(self):
        filters = CentreListFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.centre_list(**filters.validated_data)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_opening_context(timezone.now())}

    @extend_schema(
        operation_id="centres_list",
        summary="List service centres, with whether each is open now",
        parameters=[CentreListFilters, LANGUAGE_PARAMETER],
        responses={200: CentreListItemSerializer(many=True), 400: BAD_REQUEST_RESPONSE, 404: PAGE_NOT_FOUND_RESPONSE},
        tags=["centres"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CentreDetailApi(LocalisedApiMixin, RetrieveAPIView):
    """An active centre with its week, upcoming closures, holidays and mobile stops, counters and services."""

    serializer_class = CentreDetailSerializer

    def get_object(self):
        code = self.kwargs["code"]
        try:
            centre = selectors.centre_get(code)
        except Http404:
            raise exceptions.NotFound(
                _("There is no service centre with the code “%(code)s”.") % {"code": code}
            ) from None
        today = timezone.localdate(timezone.now(), centre.tz)
        # Prefetched by the selector; past entries are of no use to a citizen planning a visit.
        centre.upcoming_closures = [c for c in centre.closures.all() if c.ends_on >= today]
        centre.upcoming_stops = [s for s in centre.stops.all() if s.date >= today]
        centre.upcoming_public_holidays = list(
            PublicHoliday.objects.filter(
                date__range=(today, today + dt.timedelta(days=UPCOMING_HOLIDAYS_DAYS))
            ).order_by("date")
        )
        centre.offered_services = [o.service for o in centre.offers.all() if o.service.provider.is_active]
        public = {service.pk for service in centre.offered_services}
        for counter in centre.counters.all():
            counter.public_service_codes = sorted(s.code for s in counter.services.all() if s.pk in public)
        return centre

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_opening_context(timezone.now())}

    @extend_schema(
        operation_id="centres_retrieve",
        summary="One centre: weekly hours, closures, holidays, mobile stops, counters, services, open now",
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The centre's code."),
            LANGUAGE_PARAMETER,
        ],
        responses={200: CentreDetailSerializer, 400: BAD_REQUEST_RESPONSE, 404: NOT_FOUND_RESPONSE},
        tags=["centres"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
