"""Ratings of visits, complaints and suggestions, and the daily satisfaction roll-ups.

- A visit is a completed queue ticket (appointments.Ticket). It can be rated once: the
  rating's one-to-one link to the ticket makes a second rating impossible in the database.
- The private link in the SMS carries a token whose hash only is kept (RatingInvitation).
- Dashboards read only the roll-ups (CentreDay, ServiceDay, NationalServiceDay, StaffDay),
  never the ratings, so their cost grows with the days and keys read, not with the number of
  ratings (docs/adr/0014). feedback/rollups.py keeps them current and can rebuild any day.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from appointments.models import Ticket
from centres.models import Centre, Counter
from services.models import Provider, Service

SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
# A rating of 4 or 5 counts as "satisfied"; the satisfaction rate is satisfied / ratings.
SATISFIED_FROM = 4
# The optional aspects a citizen may score besides the overall score: field prefix -> label.
ASPECTS = {
    "waiting": _("Waiting time"),
    "courtesy": _("Staff courtesy"),
    "competence": _("Staff competence"),
    "premises": _("The centre itself"),
}
# Upper edges (minutes) of the wait-time histogram kept in every roll-up row; the last bucket
# is "more than the last edge". The 90th percentile is read from the summed histogram.
WAIT_BUCKET_EDGES = (2, 5, 10, 15, 20, 30, 45, 60, 90, 120)
WAIT_BUCKET_FIELDS = [f"wait_upto_{edge}" for edge in WAIT_BUCKET_EDGES] + [f"wait_over_{WAIT_BUCKET_EDGES[-1]}"]


def _score_field(verbose_name, *, optional=False):
    return models.PositiveSmallIntegerField(verbose_name, validators=SCORE_VALIDATORS, null=optional, blank=optional)


class RatingChannel(models.TextChoices):
    LINK = "link", _("Private link (SMS or e-mail)")
    COUNTER = "counter", _("Tablet at the counter")


class RatingInvitation(models.Model):
    """The private link sent after a visit. Opening it shows the form; only submitting rates."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating_invitation")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rating invitation")
        verbose_name_plural = _("rating invitations")

    def __str__(self):
        return f"{self.ticket} until {self.expires_at:%Y-%m-%d}"


class Rating(models.Model):
    # One rating per visit, kept by the database.
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="rating", verbose_name=_("visit"))
    # Copied from the ticket when rated, so roll-ups and reports need no join through tickets.
    visit_date = models.DateField(_("day of the visit"))  # the centre's local day (ticket.date)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("centre"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("service"))
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("provider"))
    counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings", verbose_name=_("counter")
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    score = _score_field(_("overall score"))
    waiting_score = _score_field(ASPECTS["waiting"], optional=True)
    courtesy_score = _score_field(ASPECTS["courtesy"], optional=True)
    competence_score = _score_field(ASPECTS["competence"], optional=True)
    premises_score = _score_field(ASPECTS["premises"], optional=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)

    channel = models.CharField(_("given by"), max_length=8, choices=RatingChannel.choices)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="az")
    created_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["visit_date", "centre"], name="rating_day_centre")]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5)
                & (Q(waiting_score__isnull=True) | Q(waiting_score__gte=1, waiting_score__lte=5))
                & (Q(courtesy_score__isnull=True) | Q(courtesy_score__gte=1, courtesy_score__lte=5))
                & (Q(competence_score__isnull=True) | Q(competence_score__gte=1, competence_score__lte=5))
                & (Q(premises_score__isnull=True) | Q(premises_score__gte=1, premises_score__lte=5)),
                name="rating_scores_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.ticket}: {self.score}/5"

    @property
    def is_satisfied(self) -> bool:
        return self.score >= SATISFIED_FROM


# --- complaints and suggestions ----------------------------------------------------------------


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    THANKS = "thanks", _("Thanks")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("In review")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Complaint(models.Model):
    """A complaint, suggestion or thanks about a centre, handled by that centre's manager."""

    tracking_number = models.CharField(_("tracking number"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ComplaintKind.choices)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("centre"))
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("service")
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("mobile number"), max_length=16, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="az")
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("text"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    answer = models.TextField(_("answer"), max_length=4000, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint or suggestion")
        verbose_name_plural = _("complaints and suggestions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["centre", "status"], name="complaint_centre_status")]
        constraints = [
            # An answered or closed complaint has its answer on record; a citizen is told it.
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(answer=""),
                name="complaint_answered_has_answer",
            ),
            # Until it is closed: a year after closing the contact is erased (asan_portal/retention.py).
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email="") | Q(status="closed"), name="complaint_has_contact"
            ),
        ]

    def __str__(self):
        return self.tracking_number


class ComplaintEvent(models.Model):
    """One step of a complaint's workflow, for the history shown to the manager."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, choices=ComplaintStatus.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.complaint}: {self.from_status} -> {self.to_status}"


# --- daily roll-ups ----------------------------------------------------------------------------


def _counter():
    return models.PositiveIntegerField(default=0)


class RollupMetrics(models.Model):
    """What one roll-up row counts for its day. Every column is a sum, so rows add up across
    days, centres and services; rates and averages are computed from the sums when read."""

    visits = _counter()  # tickets completed
    no_shows = _counter()  # tickets called but the citizen did not come
    bookings_kept = _counter()  # online bookings whose citizen checked in
    bookings_missed = _counter()  # online bookings that lapsed without a check-in
    waits = _counter()  # completed visits with a measured wait (queued -> first call)
    wait_seconds = models.BigIntegerField(default=0)
    ratings = _counter()
    score_sum = _counter()
    satisfied = _counter()  # ratings of SATISFIED_FROM or more
    waiting_count = _counter()
    waiting_sum = _counter()
    courtesy_count = _counter()
    courtesy_sum = _counter()
    competence_count = _counter()
    competence_sum = _counter()
    premises_count = _counter()
    premises_sum = _counter()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{type(self).__name__} {self.day}"


for _bucket in WAIT_BUCKET_FIELDS:
    RollupMetrics.add_to_class(_bucket, _counter())

# Every summable column of a roll-up row, in a fixed order.
METRIC_FIELDS = [f.name for f in RollupMetrics._meta.local_fields if f.name != "updated_at"]


class CentreDay(RollupMetrics):
    day = models.DateField()
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("daily figures of a centre")
        verbose_name_plural = _("daily figures of centres")
        constraints = [models.UniqueConstraint(fields=["day", "centre"], name="centreday_unique")]


class ServiceDay(RollupMetrics):
    day = models.DateField()
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("daily figures of a service")
        verbose_name_plural = _("daily figures of services")
        constraints = [models.UniqueConstraint(fields=["day", "centre", "service"], name="serviceday_unique")]
        indexes = [
            models.Index(fields=["day", "service"], name="serviceday_day_service"),
            models.Index(fields=["day", "provider"], name="serviceday_day_provider"),
            # One centre's (or a manager's few centres') rows of a period: the drill-down.
            models.Index(fields=["centre", "day"], name="serviceday_centre_day"),
        ]


class NationalServiceDay(RollupMetrics):
    """One service's day across every centre: the sum of that day's ServiceDay rows.

    Country-wide service and provider figures read it: about one row per service a day,
    where ServiceDay has one per centre and service (20-30 times more), and a year's ranking
    summed those (docs/adr/0014)."""

    day = models.DateField()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("daily figures of a service in the whole country")
        verbose_name_plural = _("daily figures of services in the whole country")
        constraints = [models.UniqueConstraint(fields=["day", "service"], name="nationalserviceday_unique")]


class StaffDay(RollupMetrics):
    """Per counter and operator; visits without a known counter or operator are left out here
    (they still count in CentreDay and ServiceDay)."""

    day = models.DateField()
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="+")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("daily figures of a counter and operator")
        verbose_name_plural = _("daily figures of counters and operators")
        constraints = [models.UniqueConstraint(fields=["day", "centre", "counter", "operator"], name="staffday_unique")]
        indexes = [models.Index(fields=["centre", "day"], name="staffday_centre_day")]


ROLLUP_MODELS = (CentreDay, ServiceDay, NationalServiceDay, StaffDay)
# The key columns of each roll-up, besides the day.
ROLLUP_KEYS = {
    CentreDay: ("centre_id",),
    ServiceDay: ("centre_id", "service_id"),
    NationalServiceDay: ("service_id",),
    StaffDay: ("centre_id", "counter_id", "operator_id"),
}
