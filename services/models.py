"""The service catalogue: who provides what, what to bring, what it costs, how long it takes.

Field names follow the EU's CPSV-AP vocabulary where one exists (competent authority =
provider, cost = fee, processing time, output), so the catalogue maps cleanly onto other
public-service registries and onto schema.org's GovernmentService.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from asan_portal.i18n import TranslatedField

code_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lower-case Latin letters, digits and single hyphens, e.g. 'id-card-issue'."),
)


class ProviderKind(models.TextChoices):
    STATE = "state", _("State agency")
    PRIVATE = "private", _("Private company")


class Provider(models.Model):
    """A state agency or private company whose staff serve citizens in the centres."""

    code = models.SlugField(_("code"), max_length=64, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=ProviderKind.choices, default=ProviderKind.STATE)
    name_az = models.CharField(_("name (Azerbaijani)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    description_az = models.TextField(_("description (Azerbaijani)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    name = TranslatedField()
    description = TranslatedField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name_az"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self):
        return self.name_az


class Category(models.Model):
    """A life situation or topic that groups services (identity documents, family, property ...)."""

    code = models.SlugField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name_az = models.CharField(_("name (Azerbaijani)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Queue tickets of this category's services start with this letter ("B-042").
    ticket_letter = models.CharField(
        _("ticket letter"),
        max_length=1,
        default="A",
        validators=[RegexValidator(r"^[A-Z]$", _("One capital Latin letter, A to Z."))],
    )

    name = TranslatedField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name_az"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name_az


class DaysKind(models.TextChoices):
    WORKING = "working", _("working days")
    CALENDAR = "calendar", _("calendar days")


class ServiceQuerySet(models.QuerySet):
    def public(self):
        """Services a citizen may see: published, active, from an active provider."""
        return self.filter(is_published=True, is_active=True, provider__is_active=True)


class Service(models.Model):
    code = models.SlugField(_("code"), max_length=100, unique=True, validators=[code_validator])
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="services", verbose_name=_("provider")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="services", verbose_name=_("category")
    )

    name_az = models.CharField(_("name (Azerbaijani)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=300, blank=True)
    summary_az = models.CharField(_("summary (Azerbaijani)"), max_length=400, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=400, blank=True)
    summary_ru = models.CharField(_("summary (Russian)"), max_length=400, blank=True)
    description_az = models.TextField(_("description (Azerbaijani)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    eligibility_az = models.TextField(_("who may apply (Azerbaijani)"), blank=True)
    eligibility_en = models.TextField(_("who may apply (English)"), blank=True)
    eligibility_ru = models.TextField(_("who may apply (Russian)"), blank=True)
    output_az = models.CharField(_("result (Azerbaijani)"), max_length=300, blank=True)
    output_en = models.CharField(_("result (English)"), max_length=300, blank=True)
    output_ru = models.CharField(_("result (Russian)"), max_length=300, blank=True)
    legal_basis_az = models.TextField(_("legal basis (Azerbaijani)"), blank=True)
    legal_basis_en = models.TextField(_("legal basis (English)"), blank=True)
    legal_basis_ru = models.TextField(_("legal basis (Russian)"), blank=True)
    keywords = models.CharField(
        _("search keywords"),
        max_length=500,
        blank=True,
        help_text=_("Other words citizens use for this service, in any language, separated by commas."),
    )

    fee_azn = models.DecimalField(
        _("fee (AZN)"), max_digits=9, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("time at the counter (minutes)"), default=15, validators=[MinValueValidator(5)]
    )
    processing_days = models.PositiveSmallIntegerField(
        _("time to result (days)"), default=0, help_text=_("0 means the result is ready the same day.")
    )
    processing_days_kind = models.CharField(
        _("kind of days"), max_length=16, choices=DaysKind.choices, default=DaysKind.WORKING
    )
    popularity = models.PositiveIntegerField(
        _("popularity"),
        default=0,
        help_text=_("Roughly how many applications a year. Ranks equally good search matches and popular services."),
    )
    bookable_online = models.BooleanField(_("can be booked online"), default=True)
    is_published = models.BooleanField(_("published"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Folded text of every language, maintained by services.services.service_refresh_search_text.
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    name = TranslatedField()
    summary = TranslatedField()
    description = TranslatedField()
    eligibility = TranslatedField()
    output = TranslatedField()
    legal_basis = TranslatedField()
    history = HistoricalRecords()
    objects = ServiceQuerySet.as_manager()

    # Shown on the service's own page only: lists (search, a centre's services) defer them.
    LONG_TEXT_FIELDS = (
        "description_az",
        "description_en",
        "description_ru",
        "eligibility_az",
        "eligibility_en",
        "eligibility_ru",
        "legal_basis_az",
        "legal_basis_en",
        "legal_basis_ru",
        "search_text",
    )

    class Meta:
        ordering = ["name_az"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [models.Index(fields=["is_published", "is_active"])]

    def __str__(self):
        return self.name_az

    @property
    def is_free(self) -> bool:
        return self.fee_azn == 0 and not self.fee_options.exists()


class FeeOption(models.Model):
    """A price for a speed: e.g. a passport costs 40, 80 or 160 AZN for 10, 5 or 1 working days."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="fee_options")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    fee_azn = models.DecimalField(_("fee (AZN)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])
    processing_days = models.PositiveSmallIntegerField(_("time to result (days)"), default=0)
    processing_days_kind = models.CharField(
        _("kind of days"), max_length=16, choices=DaysKind.choices, default=DaysKind.WORKING
    )
    label_az = models.CharField(_("label (Azerbaijani)"), max_length=200, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    label_ru = models.CharField(_("label (Russian)"), max_length=200, blank=True)

    label = TranslatedField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "fee_azn"]
        verbose_name = _("fee option")
        verbose_name_plural = _("fee options")

    def __str__(self):
        return f"{self.fee_azn} AZN / {self.processing_days}"


class RequiredDocument(models.Model):
    """One item of the ordered list of what to bring."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name_az = models.CharField(_("document (Azerbaijani)"), max_length=400)
    name_en = models.CharField(_("document (English)"), max_length=400, blank=True)
    name_ru = models.CharField(_("document (Russian)"), max_length=400, blank=True)

    name = TranslatedField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")

    def __str__(self):
        return self.name_az
