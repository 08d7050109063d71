"""Service centres, what they offer, when they are open, and their counters."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from asan_portal.i18n import TranslatedField
from services.models import Service, code_validator


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


class City(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name_az = models.CharField(_("name (Azerbaijani)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=120, blank=True)

    name = TranslatedField()

    class Meta:
        ordering = ["name_az"]
        verbose_name = _("city or region")
        verbose_name_plural = _("cities and regions")

    def __str__(self):
        return self.name_az


class CentreKind(models.TextChoices):
    CENTRE = "centre", _("ASAN service centre")
    UTILITIES = "utilities", _("ASAN Kommunal (utilities) centre")
    MOBILE = "mobile", _("Mobile ASAN unit")


class CentreQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_active=True)


class Centre(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=CentreKind.choices, default=CentreKind.CENTRE)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="centres", verbose_name=_("city or region"))
    name_az = models.CharField(_("name (Azerbaijani)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    address_az = models.CharField(_("address (Azerbaijani)"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    address_ru = models.CharField(_("address (Russian)"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Wall-clock times (hours, appointments) are local to the centre.
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Baku", validators=[validate_timezone])
    is_active = models.BooleanField(_("active"), default=True)
    services = models.ManyToManyField(
        Service, through="CentreService", related_name="centres", verbose_name=_("services offered")
    )

    name = TranslatedField()
    address = TranslatedField()
    history = HistoricalRecords()
    objects = CentreQuerySet.as_manager()

    class Meta:
        ordering = ["city__name_az", "name_az"]
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")

    def __str__(self):
        return self.name_az

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def is_mobile(self) -> bool:
        return self.kind == CentreKind.MOBILE


class CentreService(models.Model):
    """A centre offers a service (catalogue data, edited as an inline on both sides)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="offers", verbose_name=_("centre"))
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="offers", verbose_name=_("service"))
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service offered at a centre")
        verbose_name_plural = _("services offered at centres")
        constraints = [models.UniqueConstraint(fields=["centre", "service"], name="centre_service_unique")]

    def __str__(self):
        return f"{self.centre} — {self.service}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One open period on a weekday; a day may have several (e.g. around a lunch break)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["weekday", "opens_at"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="opening_hours_closes_after_opens"),
            models.UniqueConstraint(fields=["centre", "weekday", "opens_at"], name="opening_hours_unique_start"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class PublicHoliday(models.Model):
    """A national non-working day: every centre is closed."""

    date = models.DateField(_("date"), unique=True)
    name_az = models.CharField(_("name (Azerbaijani)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)

    name = TranslatedField()

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self):
        return f"{self.date:%d.%m.%Y} {self.name_az}"


class Closure(models.Model):
    """A centre is closed on these days (repairs, a local event ...)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="closures")
    starts_on = models.DateField(_("first day closed"))
    ends_on = models.DateField(_("last day closed"))
    reason_az = models.CharField(_("reason (Azerbaijani)"), max_length=200, blank=True)
    reason_en = models.CharField(_("reason (English)"), max_length=200, blank=True)
    reason_ru = models.CharField(_("reason (Russian)"), max_length=200, blank=True)

    reason = TranslatedField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="closure_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.centre}: {self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"


class MobileStop(models.Model):
    """Where a mobile unit stands on a date; it is open only at its stops."""

    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="stops", limit_choices_to={"kind": CentreKind.MOBILE}
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    place_az = models.CharField(_("place (Azerbaijani)"), max_length=200)
    place_en = models.CharField(_("place (English)"), max_length=200, blank=True)
    place_ru = models.CharField(_("place (Russian)"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    place = TranslatedField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "starts_at"]
        verbose_name = _("mobile unit stop")
        verbose_name_plural = _("mobile unit stops")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="mobile_stop_ends_after_start"),
            models.UniqueConstraint(fields=["centre", "date"], name="mobile_stop_one_per_day"),
        ]

    def __str__(self):
        return f"{self.centre} {self.date:%d.%m.%Y} {self.place_az}"


class Counter(models.Model):
    """A service point (desk) in a centre, and the services its operators handle."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("number"))
    # What the desk is for ("State Migration Service"), in each language (docs/adr/0002).
    label_az = models.CharField(_("label (Azerbaijani)"), max_length=100, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    label_ru = models.CharField(_("label (Russian)"), max_length=100, blank=True)
    services = models.ManyToManyField(Service, related_name="counters", blank=True, verbose_name=_("services"))
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    label = TranslatedField()

    class Meta:
        ordering = ["centre", "number"]
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        constraints = [models.UniqueConstraint(fields=["centre", "number"], name="counter_number_unique")]

    def __str__(self):
        return f"{self.centre.code} #{self.number}"


class StaffRole(models.TextChoices):
    OPERATOR = "operator", _("Counter operator")
    MANAGER = "manager", _("Centre manager")


class StaffMembership(models.Model):
    """Scopes a staff member to a centre: operators and managers see only their own centres."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="centre_memberships")
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=StaffRole.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("centre staff membership")
        verbose_name_plural = _("centre staff memberships")
        constraints = [models.UniqueConstraint(fields=["user", "centre", "role"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.centre.code} ({self.role})"


class AuditEntry(models.Model):
    """A staff action that no other table records (centres/audit.py says which do).

    Written inside the service that acts, in its transaction; never changed afterwards.
    In centres/ because staff are scoped to centres, and `centre` is how the list is read."""

    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too: the record must still say who after the account is deleted.
    actor_username = models.CharField(_("who"), max_length=150)
    action = models.CharField(_("action"), max_length=40)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64)
    centre = models.ForeignKey(
        Centre, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("centre")
    )
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("staff action")
        verbose_name_plural = _("staff actions (audit trail)")
        indexes = [models.Index(fields=["centre", "at"], name="audit_centre_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}#{self.object_id}"
