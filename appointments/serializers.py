"""Input and output shapes of the booking API (one pair per action; no rules in here).

Inputs only check types and formats; the booking rules (window, limits, free times, FIN and
phone formats) are the booking service's, so pages and the API refuse the same things.
"""

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from asan_portal.dates import DateApiField
from asan_portal.i18n import translated_value

from .models import AppointmentStatus

LANGUAGE_CHOICES = [code for code, _name in settings.LANGUAGES]


class CodeField(serializers.SlugField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("error_messages", {"invalid": _("A code has only Latin letters, digits and hyphens.")})
        super().__init__(**kwargs)


class StartField(serializers.DateTimeField):
    """An ISO 8601 date and time. With an offset it is that instant; without one it is read as
    the centre's local time (the booking service applies the centre's zone)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["iso-8601"])
        super().__init__(**kwargs)

    def enforce_timezone(self, value):
        return value  # keep a naive time naive: it means the centre's wall clock, not the server's

    default_error_messages = {"out_of_range": _("Choose a time within the booking window.")}

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value) > 40:
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM]")
        parsed = super().to_internal_value(value)
        # Years near 1 or 9999 overflow when moved between time zones; no booking is near them.
        if not 2000 <= parsed.year <= 2999:
            self.fail("out_of_range")
        return parsed


@extend_schema_field(OpenApiTypes.DATETIME)
class LocalTimeField(serializers.Field):
    """A stored instant shown in the centre's zone, ISO 8601 with its offset (e.g. +04:00)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        tz = self.parent.context.get("tz") if self.parent is not None else None
        if isinstance(value, dt.datetime) and tz is not None:
            value = value.astimezone(tz)
        return value.isoformat() if value is not None else None

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        centre = getattr(instance, "centre", None)
        if centre is not None and isinstance(value, dt.datetime):
            return value.astimezone(centre.tz)
        return value


# --- Availability -----------------------------------------------------------------------


class AvailabilityDayInputSerializer(serializers.Serializer):
    service = CodeField(help_text=_("The service's code."))
    centre = CodeField(help_text=_("The centre's code."))
    date = DateApiField(
        input_formats=["%Y-%m-%d"],
        help_text=_("The centre-local date, YYYY-MM-DD."),
        error_messages={"invalid": _("Write the date as YYYY-MM-DD, e.g. 2026-03-21.")},
    )


class SlotSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField(help_text=_("Start, ISO 8601 with the centre's UTC offset."))
    end = serializers.SerializerMethodField(help_text=_("End, ISO 8601 with the centre's UTC offset."))
    places_left = serializers.IntegerField(help_text=_("How many counters are still free at this time."))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, slot) -> str:
        return slot.starts_at.isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, slot) -> str:
        return slot.ends_at.isoformat()


class AvailabilityDayOutputSerializer(serializers.Serializer):
    service = serializers.CharField(help_text=_("The service's code."))
    centre = serializers.CharField(help_text=_("The centre's code."))
    date = serializers.DateField()
    timezone = serializers.CharField(help_text=_("The centre's time zone (IANA name)."))
    slots = SlotSerializer(many=True)


class AvailabilityEarliestInputSerializer(serializers.Serializer):
    service = CodeField(help_text=_("The service's code."))
    city = CodeField(required=False, help_text=_("Only centres in this city or region (its code)."))


class CentreBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField()
    city = serializers.SerializerMethodField()

    def get_name(self, centre) -> str:
        return translated_value(centre, "name")

    def get_city(self, centre) -> str:
        return centre.city.code if centre.city_id else ""


class CentreEarliestSerializer(serializers.Serializer):
    centre = CentreBriefSerializer()
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    places_left = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, item) -> str:
        return item.slot.starts_at.isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, item) -> str:
        return item.slot.ends_at.isoformat()

    def get_places_left(self, item) -> int:
        return item.slot.places_left


class AvailabilityEarliestOutputSerializer(serializers.Serializer):
    service = serializers.CharField()
    results = CentreEarliestSerializer(many=True, help_text=_("One entry per centre with room, soonest first."))


# --- Appointments -----------------------------------------------------------------------


class AppointmentCreateInputSerializer(serializers.Serializer):
    service = CodeField(help_text=_("The service's code."))
    centre = CodeField(help_text=_("The centre's code."))
    start = StartField(help_text=_("A free start time from the availability endpoint."))
    full_name = serializers.CharField(max_length=150, help_text=_("Full name as on the ID card."))
    fin = serializers.CharField(max_length=20, help_text=_("Personal ID number (FIN): 7 Latin letters and digits."))
    phone = serializers.CharField(max_length=30, help_text=_("Azerbaijani mobile number, e.g. +994501234567."))
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=LANGUAGE_CHOICES,
        required=False,
        help_text=_("Language of the SMS and e-mails; default: the request's language."),
    )


class AppointmentSerializer(serializers.Serializer):
    """What the holder of the manage token sees of a booking."""

    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    service = serializers.CharField(source="service.code")
    service_name = serializers.SerializerMethodField()
    centre = serializers.CharField(source="centre.code")
    centre_name = serializers.SerializerMethodField()
    start = LocalTimeField(source="starts_at")
    end = LocalTimeField(source="ends_at")
    hold_expires_at = LocalTimeField(allow_null=True, help_text=_("While HELD: enter the SMS code before this."))
    language = serializers.CharField()
    needs_rescheduling = serializers.BooleanField()

    def get_service_name(self, appointment) -> str:
        return translated_value(appointment.service, "name")

    def get_centre_name(self, appointment) -> str:
        return translated_value(appointment.centre, "name")


class AppointmentCreateOutputSerializer(AppointmentSerializer):
    manage_token = serializers.CharField(
        help_text=_("Private token for the X-Manage-Token header; shown only in this answer. Keep it secret.")
    )
    manage_url = serializers.URLField(help_text=_("The private page to see, cancel or move the booking."))


class AppointmentVerifyInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=12, help_text=_("The 6-digit code from the SMS."))


class AppointmentRescheduleInputSerializer(serializers.Serializer):
    start = StartField(help_text=_("The new start: a free time at the same centre."))
