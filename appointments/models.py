"""Appointments (online bookings), the waitlist, and the outbox of notifications.

Which invariants the database keeps, and how (docs/adr/0008):
- a counter never holds two overlapping active appointments: a PostgreSQL exclusion
  constraint on (counter, [starts_at, ends_at)) for active statuses (migration 0002);
  on the embedded SQLite, writes are serialised (IMMEDIATE transactions) and the
  service checks first;
- one active booking per FIN, service and local day (and the same per phone): partial
  unique constraints, portable to SQLite;
- a notification is sent at most once: a unique de-duplication key per message.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from asan_portal.i18n import TranslatedField
from centres.models import Centre, Counter
from services.models import Service


class StaffCancelReason(models.TextChoices):
    """Why staff cancelled a booking; the label is what the citizen reads in the SMS (issue 12.4)."""

    CENTRE_UNAVAILABLE = "centre_unavailable", _("The centre cannot serve you at that time")
    CITIZEN_REQUEST = "citizen_request", _("You asked us to cancel it")
    SERVICE_UNAVAILABLE = "service_unavailable", _("The service is not available at this centre then")
    DUPLICATE = "duplicate", _("You have another booking for this service")
    OTHER = "other", _("Another reason (write it below)")


STAFF_CANCEL_DETAILS_MAX = 160


class AppointmentStatus(models.TextChoices):
    HELD = "held", _("Waiting for the SMS code")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Not confirmed in time")
    LAPSED = "lapsed", _("Missed (arrived too late or not at all)")


# Statuses that occupy counter time; the others free it.
ACTIVE_STATUSES = (AppointmentStatus.HELD, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)


class Appointment(models.Model):
    reference = models.CharField(_("booking reference"), max_length=16, unique=True)
    # Only a hash of the private manage token is kept; the token itself is shown once.
    manage_token_hash = models.CharField(max_length=64, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="appointments")
    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The centre-local date of starts_at, kept for the per-day limits and the staff day view.
    local_date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.HELD
    )

    full_name = models.CharField(_("full name"), max_length=150)
    fin = models.CharField(_("personal ID number (FIN)"), max_length=7)
    phone = models.CharField(_("mobile number"), max_length=16)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="az")

    hold_expires_at = models.DateTimeField(_("held until"), null=True, blank=True)
    verification_code_hash = models.CharField(max_length=64, blank=True)
    verification_attempts = models.PositiveSmallIntegerField(default=0)
    verification_codes_sent = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Set when the counter was closed for the appointment's time; staff offer a new time.
    needs_rescheduling = models.BooleanField(_("needs a new time"), default=False)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Staff member who booked on the citizen's behalf."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["centre", "local_date"]),
            models.Index(fields=["counter", "starts_at"]),
            models.Index(fields=["fin", "status"]),
            models.Index(fields=["phone", "status"]),
            models.Index(fields=["status", "hold_expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"),
            models.UniqueConstraint(
                fields=["fin", "service", "local_date"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="appointment_one_per_fin_service_day",
            ),
            models.UniqueConstraint(
                fields=["phone", "service", "local_date"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="appointment_one_per_phone_service_day",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at


class CitizenBookingLock(models.Model):
    """One row per FIN and per phone, locked (SELECT ... FOR UPDATE) while a booking for that
    person is written, so "at most N active bookings" holds under concurrent requests."""

    key = models.CharField(max_length=32, unique=True)

    class Meta:
        verbose_name = _("citizen booking lock")

    def __str__(self):
        return self.key


class IdempotencyRecord(models.Model):
    """The first answer to a request carrying an Idempotency-Key, replayed for repeats."""

    key = models.CharField(max_length=128)
    scope = models.CharField(max_length=64)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")]

    def __str__(self):
        return f"{self.scope}:{self.key}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a time")
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class WaitlistEntry(models.Model):
    """A citizen waiting for a time to free up for a service at a centre within some days."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="waitlist_entries")
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="waitlist_entries")
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    full_name = models.CharField(_("full name"), max_length=150)
    fin = models.CharField(_("personal ID number (FIN)"), max_length=7)
    phone = models.CharField(_("mobile number"), max_length=16)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="az")
    status = models.CharField(max_length=16, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING)
    offered_appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_offer"
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    manage_token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="waitlist_days_in_order"),
            models.UniqueConstraint(
                fields=["fin", "service", "centre"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_one_per_fin_service_centre",
            ),
        ]

    def __str__(self):
        return f"{self.service.code} @ {self.centre.code}: {self.first_day}–{self.last_day}"


class NotificationChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed after all retries")
    SKIPPED = "skipped", _("Not needed any more")


class Notification(models.Model):
    """The outbox: every message is a row written in the same transaction as the change it
    reports, then relayed by Celery. `dedup_key` makes a second send of the same message
    impossible; `status` and `attempts` make retries visible."""

    dedup_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=8, choices=NotificationChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="az")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    ticket = models.ForeignKey("Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    # Not before this time (reminders); pending rows whose time has come are relayed.
    send_after = models.DateTimeField(_("send after"))
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["status", "send_after"])]

    def __str__(self):
        return f"{self.kind} → {self.recipient} ({self.status})"


class SmsLogEntry(models.Model):
    """What the development SMS backend 'sent': staff read it in the admin (and tests read codes)."""

    recipient = models.CharField(max_length=16)
    body = models.TextField()
    notification = models.ForeignKey(Notification, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("SMS log entry")
        verbose_name_plural = _("SMS log")

    def __str__(self):
        # The admin shows this name to everyone who may open the row (title, breadcrumbs, history):
        # redacted first (links and codes), then cut, so no part of a token is left.
        from asan_portal.pii import message_redact

        return f"{self.recipient}: {message_redact(self.body)[:40]}"


class CounterClosure(models.Model):
    """A counter is closed for a period (staff shortage, repairs ...): no bookings there then.

    Bookings already made in the period are flagged `needs_rescheduling` and their citizens
    told by SMS (appointments/staff.py, docs/adr/0011)."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="closures", verbose_name=_("counter"))
    starts_at = models.DateTimeField(_("closed from"))
    ends_at = models.DateTimeField(_("closed until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("counter closure")
        verbose_name_plural = _("counter closures")
        indexes = [models.Index(fields=["counter", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="counter_closure_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.counter}: {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


# --- The day's queue (appointments/queue.py writes these) ---------------------------------


class PriorityGroup(models.Model):
    """People a centre serves ahead of the line (disability, elderly, pregnant, veterans ...)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="priority_groups")
    code = models.SlugField(_("code"), max_length=40)
    name_az = models.CharField(_("name (Azerbaijani)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=120, blank=True)
    # Lower is served first among priority tickets.
    rank = models.PositiveSmallIntegerField(_("rank"), default=1)
    is_active = models.BooleanField(_("active"), default=True)
    # Set up by centre managers in the admin (appointments/admin.py), like counters and closures.
    history = HistoricalRecords()

    name = TranslatedField()

    class Meta:
        ordering = ["centre", "rank", "code"]
        verbose_name = _("priority group")
        verbose_name_plural = _("priority groups")
        constraints = [models.UniqueConstraint(fields=["centre", "code"], name="priority_group_code_unique")]

    def __str__(self):
        return f"{self.centre.code}: {self.name_az}"


class TicketNumberSeries(models.Model):
    """The last number handed out for a letter at a centre on a day. Numbers come from this
    row, updated under a row lock, never from a counter in a process's memory."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    letter = models.CharField(max_length=1)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "date", "letter"], name="ticket_series_unique"),
        ]

    def __str__(self):
        return f"{self.centre_id} {self.date} {self.letter}{self.last_number}"


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called to a counter")
    SERVING = "serving", _("Being served")
    COMPLETED = "completed", _("Served")
    NO_SHOW = "no_show", _("Did not come")
    NOT_SERVED = "not_served", _("Not served (end of day)")
    CANCELLED = "cancelled", _("Cancelled")


# A counter works one ticket at a time: these statuses hold it.
AT_COUNTER_STATUSES = (TicketStatus.CALLED, TicketStatus.SERVING)


class Ticket(models.Model):
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="tickets")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tickets")
    # The centre-local day the ticket belongs to; numbers restart each day.
    date = models.DateField(_("date"))
    letter = models.CharField(_("letter"), max_length=1)
    number = models.PositiveIntegerField(_("number"))
    public_token = models.CharField(max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.WAITING)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="ticket"
    )
    # For a checked-in appointment: called from this time on, ahead of walk-ins.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    priority_group = models.ForeignKey(
        PriorityGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    # Place in line: the issue time, kept when the ticket is transferred.
    queued_at = models.DateTimeField(_("in line since"))
    counter = models.ForeignKey(Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when transferred to one counter in particular; else any counter handling the service.
    target_counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="transferred_tickets"
    )
    recalls = models.PositiveSmallIntegerField(_("recalls"), default=0)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    phone = models.CharField(_("mobile number"), max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="az")
    near_notified = models.BooleanField(default=False)
    issued_at = models.DateTimeField(_("issued at"))
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        indexes = [
            models.Index(fields=["centre", "date", "status"]),
            models.Index(fields=["counter", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["centre", "date", "letter", "number"], name="ticket_number_unique"),
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(status__in=AT_COUNTER_STATUSES),
                name="ticket_one_at_a_counter",
            ),
        ]

    def __str__(self):
        return self.display_code

    @property
    def display_code(self) -> str:
        return f"{self.letter}-{self.number:03d}"


class CounterSessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAUSED = "paused", _("On a break")
    CLOSED = "closed", _("Closed")


class CounterSession(models.Model):
    """An operator signed in at a counter. One live session per counter and per operator."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="sessions")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="counter_sessions")
    status = models.CharField(max_length=8, choices=CounterSessionStatus.choices, default=CounterSessionStatus.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("counter session")
        verbose_name_plural = _("counter sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["counter"], condition=~Q(status="closed"), name="counter_session_one_live_per_counter"
            ),
            models.UniqueConstraint(
                fields=["operator"], condition=~Q(status="closed"), name="counter_session_one_live_per_operator"
            ),
        ]

    def __str__(self):
        return f"{self.counter} / {self.operator} ({self.status})"


class TicketEvent(models.Model):
    """Every step of a ticket, with its time, counter and operator (feeds waiting-time statistics)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    counter = models.ForeignKey(Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"])]

    def __str__(self):
        return f"{self.ticket_id} {self.action} {self.at:%H:%M:%S}"
