"""Output shapes of the centres API. Read-only: they format what selectors and
`centres.hours` computed; the views pass the clock and the holidays in the context."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from asan_portal.api import ClockTimeField, LocalisedField, OptionalEmailField, TranslationsField
from services.serializers import CityRefSerializer, ProviderRefSerializer

from .hours import opening_status, weekly_hours
from .models import CentreKind, Weekday


class OpeningStatusSerializer(serializers.Serializer):
    is_open = serializers.BooleanField()
    closes_at = serializers.DateTimeField(allow_null=True, help_text="While open: when the current period ends.")
    next_opens_at = serializers.DateTimeField(
        allow_null=True, help_text="While closed: the next opening within two weeks, if any."
    )


@extend_schema_field(OpeningStatusSerializer)
class OpenNowField(serializers.Field):
    """Open at the moment of the request, from hours, holidays, closures and mobile stops."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, centre):
        status = opening_status(centre, self.context["now"], holidays=self.context["holidays"])
        return OpeningStatusSerializer(status).data


class CentreListItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=CentreKind.values)
    name = LocalisedField()
    name_i18n = TranslationsField("name")
    address = LocalisedField()
    address_i18n = TranslationsField("address")
    city = CityRefSerializer()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    phone = serializers.CharField()
    email = OptionalEmailField()
    timezone = serializers.CharField()
    open_now = OpenNowField()


class PeriodSerializer(serializers.Serializer):
    opens_at = ClockTimeField()
    closes_at = ClockTimeField()


class WeekdayHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 = Monday … 6 = Sunday.")
    weekday_name = serializers.CharField(help_text="In the request language.")
    periods = PeriodSerializer(many=True, help_text="Empty when closed all day.")


@extend_schema_field(WeekdayHoursSerializer(many=True))
class WeeklyHoursField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, centre):
        return [
            {
                "weekday": weekday,
                "weekday_name": str(Weekday(weekday).label),
                "periods": PeriodSerializer([{"opens_at": o, "closes_at": c} for o, c in periods], many=True).data,
            }
            for weekday, periods in weekly_hours(centre)
        ]


class ClosureSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = LocalisedField()
    reason_i18n = TranslationsField("reason")


class PublicHolidaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name = LocalisedField()
    name_i18n = TranslationsField("name")


class MobileStopSerializer(serializers.Serializer):
    date = serializers.DateField()
    starts_at = ClockTimeField()
    ends_at = ClockTimeField()
    place = LocalisedField()
    place_i18n = TranslationsField("place")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


class CounterSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    label = LocalisedField(help_text="What the counter is for, in the request language (may be empty).")
    label_i18n = TranslationsField("label")
    services = serializers.ListField(
        child=serializers.CharField(), source="public_service_codes", help_text="Codes of the services handled here."
    )


class CentreServiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = LocalisedField()
    name_i18n = TranslationsField("name")
    provider = ProviderRefSerializer()


class CentreDetailSerializer(CentreListItemSerializer):
    weekly_hours = WeeklyHoursField()
    upcoming_closures = ClosureSerializer(many=True)
    upcoming_public_holidays = PublicHolidaySerializer(many=True)
    mobile_stops = MobileStopSerializer(many=True, source="upcoming_stops", help_text="Mobile units only.")
    counters = CounterSerializer(many=True)
    services = CentreServiceSerializer(many=True, source="offered_services")
