"""Volunteers: applications, shifts per centre, sign-ups with a waitlist, attendance.

Invariants the database keeps (docs/adr/0015):
- a shift never takes more volunteers than it needs: `Shift.taken` counts the signed-up
  places, is changed only with the shift row locked (volunteers/shifts.py), and a check
  constraint refuses `taken > needed`;
- a volunteer holds a shift at most once (partial unique constraint) and never two
  overlapping shifts: a PostgreSQL exclusion constraint on the volunteer and the time range
  of their signed-up places (migration 0002; on SQLite writes are serialised and the service
  checks first);
- one pending application per e-mail address.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from centres.models import Centre


class Education(models.TextChoices):
    SECONDARY = "secondary", _("Secondary school")
    VOCATIONAL = "vocational", _("Vocational school")
    STUDENT = "student", _("University student")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree or higher")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")


class VolunteerApplication(models.Model):
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("mobile number"), max_length=16)
    date_of_birth = models.DateField(_("date of birth"))
    education = models.CharField(_("education"), max_length=12, choices=Education.choices)
    institution = models.CharField(_("school or university"), max_length=200, blank=True)
    # Language codes (az, en, ru, tr, de, fr, ar, ...) the applicant can help citizens in.
    languages = models.JSONField(_("languages spoken"), default=list)
    skills = models.TextField(_("skills and experience"), max_length=2000, blank=True)
    preferred_centres = models.ManyToManyField(Centre, related_name="+", verbose_name=_("preferred centres"))
    # Weekdays (Weekday values) the applicant can usually come, and a free-text note.
    available_weekdays = models.JSONField(_("days usually available"), default=list)
    availability_note = models.CharField(_("availability details"), max_length=300, blank=True)
    consent_at = models.DateTimeField(_("consent to data processing given at"))
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="az")

    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for not approving"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer application")
        verbose_name_plural = _("volunteer applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=Q(status="submitted"), name="volunteer_application_one_pending"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="volunteer_rejection_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.get_status_display()})"


class Volunteer(models.Model):
    """An approved volunteer, with the account they sign in with."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer")
    application = models.OneToOneField(
        VolunteerApplication, on_delete=models.PROTECT, null=True, blank=True, related_name="volunteer"
    )
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("mobile number"), max_length=16)
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="az")
    centres = models.ManyToManyField(Centre, related_name="volunteers", verbose_name=_("centres"))
    is_active = models.BooleanField(_("active"), default=True)
    programme_started_on = models.DateField(_("programme started on"))
    programme_completed_on = models.DateField(_("programme completed on"), null=True, blank=True)
    # Secret part of the personal iCal feed URL (a calendar program cannot sign in).
    calendar_token = models.CharField(max_length=43, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name


class ShiftRole(models.TextChoices):
    ENTRANCE = "entrance", _("Entrance guidance")
    E_SERVICES = "e_services", _("E-services help")
    QUEUE = "queue", _("Queue and kiosk help")
    INFORMATION = "information", _("Information desk")
    ACCESSIBILITY = "accessibility", _("Help for elderly and disabled citizens")


class ShiftTemplate(models.Model):
    """One line of a centre's weekly pattern, from which a week of shifts is made."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="shift_templates")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))
    role = models.CharField(_("role"), max_length=16, choices=ShiftRole.choices)
    needed = models.PositiveSmallIntegerField(_("volunteers needed"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("weekly shift pattern")
        verbose_name_plural = _("weekly shift patterns")
        ordering = ["centre", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="shift_template_ends_after_start"),
            models.CheckConstraint(condition=Q(needed__gte=1), name="shift_template_needs_someone"),
        ]

    def __str__(self):
        return f"{self.centre} {self.get_weekday_display()} {self.start_time:%H:%M} {self.get_role_display()}"


class Shift(models.Model):
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("centre"))
    date = models.DateField(_("date"))  # the centre's local date of starts_at
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    role = models.CharField(_("role"), max_length=16, choices=ShiftRole.choices)
    needed = models.PositiveSmallIntegerField(_("volunteers needed"))
    # Signed-up places; changed only under the shift's row lock (volunteers/shifts.py).
    taken = models.PositiveSmallIntegerField(_("places taken"), default=0)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    template = models.ForeignKey(ShiftTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "centre", "role"]
        indexes = [models.Index(fields=["centre", "date"], name="shift_centre_date")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(needed__gte=1), name="shift_needs_someone"),
            models.CheckConstraint(condition=Q(taken__lte=F("needed")), name="shift_never_over_filled"),
            # A template makes at most one shift per day, so generating a week twice is harmless.
            models.UniqueConstraint(
                fields=["template", "date"], condition=Q(template__isnull=False), name="shift_one_per_template_day"
            ),
        ]

    def __str__(self):
        return f"{self.centre} {self.date} {self.get_role_display()}"

    @property
    def free_places(self) -> int:
        return max(self.needed - self.taken, 0)

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    WAITLISTED = "waitlisted", _("On the waitlist")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REMOVED = "removed", _("Removed by the coordinator")


ACTIVE_SIGNUP_STATUSES = (SignupStatus.SIGNED_UP, SignupStatus.WAITLISTED)


class Attendance(models.TextChoices):
    PENDING = "pending", _("Not yet")
    PRESENT = "present", _("Came on time")
    LATE = "late", _("Came late")
    MISSED = "missed", _("Did not come")


class ShiftSignup(models.Model):
    """A volunteer's place on a shift (or on its waitlist), and what happened on the day."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups", verbose_name=_("shift"))
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="signups", verbose_name=_("volunteer")
    )
    status = models.CharField(_("status"), max_length=12, choices=SignupStatus.choices)
    # Copied from the shift, for the overlap constraint (a constraint sees one table only).
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attendance = models.CharField(_("attendance"), max_length=8, choices=Attendance.choices, default=Attendance.PENDING)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    minutes_served = models.PositiveIntegerField(_("minutes served"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)  # the waitlist is served in this order
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shift sign-up")
        verbose_name_plural = _("shift sign-ups")
        ordering = ["shift", "created_at", "pk"]
        indexes = [models.Index(fields=["volunteer", "starts_at"], name="signup_volunteer_start")]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(status__in=["signed_up", "waitlisted"]),
                name="signup_once_per_shift",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="signup_ends_after_start"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False),
                name="signup_out_after_in",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer} on {self.shift} ({self.get_status_display()})"
