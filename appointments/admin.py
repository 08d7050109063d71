"""Bookings, the waitlist, the notification outbox and the SMS log in the admin.

Bookings and messages are read-only: statuses change only through appointments/services.py
(the one write a staff member may start here, cancelling, calls that service). Priority groups
are a centre's set-up, edited like its counters: managers of the centre, or cross-centre
catalogue administrators, with a history of every change. Operators and centre managers see the
rows of their own centres; cross-centre roles see all. The SMS log holds verification codes,
so only superusers and centre managers may read it, never officials or operators.

A message's text holds the citizen's private links (manage, rating) and codes, which are keys:
whoever reads one can cancel the booking or rate the visit. So every text is shown through
`asan_portal.pii.message_redact` (tokens and codes hidden) to everyone but a superuser, and never
in full to a read-only role, even one that is also a superuser (`may_read_message_secrets`).
No admin searches the texts, so a search cannot be used to probe for a token either.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from asan_portal.pii import message_redact
from asan_portal.roles import CENTRE_MANAGER, OFFICIAL
from centres.admin import CentreScopedAdminMixin
from centres.permissions import centres_for_admin, user_has_all_centres

from .errors import BookingError
from .models import Appointment, Notification, PriorityGroup, SmsLogEntry, WaitlistEntry
from .services import appointment_cancel


class ReadOnlyCentreScopedAdmin(admin.ModelAdmin):
    """Rows limited to the staff member's centres (via `centre_path`); nothing added, changed or deleted."""

    centre_path = "centre"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if user_has_all_centres(request.user):
            return queryset
        return queryset.filter(**{f"{self.centre_path}__in": centres_for_admin(request.user)})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyCentreScopedAdmin):
    list_display = ["reference", "starts_at", "centre", "service", "counter", "status", "full_name", "phone"]
    list_filter = ["status", "needs_rescheduling", "local_date", "centre"]
    list_select_related = ["centre", "service", "counter"]
    # Staff find a booking by what the citizen tells them: reference, FIN or phone number.
    search_fields = ["=reference", "=fin", "phone"]
    date_hierarchy = "local_date"
    ordering = ["-starts_at"]
    exclude = ["manage_token_hash", "verification_code_hash"]
    actions = ["cancel_selected"]

    @admin.action(description=_("Cancel the selected bookings (the citizens are told)"), permissions=["view"])
    def cancel_selected(self, request, queryset):
        cancelled = refused = 0
        for appointment in queryset.select_related("centre", "service"):
            try:
                appointment_cancel(appointment=appointment, by_staff=request.user)
            except BookingError:
                refused += 1
            else:
                cancelled += 1
        if cancelled:
            self.message_user(
                request,
                ngettext("%(count)d booking cancelled.", "%(count)d bookings cancelled.", cancelled)
                % {"count": cancelled},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d booking was not active and stays as it is.",
                    "%(count)d bookings were not active and stay as they are.",
                    refused,
                )
                % {"count": refused},
                messages.WARNING,
            )


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyCentreScopedAdmin):
    list_display = ["service", "centre", "first_day", "last_day", "status", "full_name", "phone", "created_at"]
    list_filter = ["status", "centre"]
    list_select_related = ["service", "centre"]
    search_fields = ["=fin", "phone"]
    exclude = ["manage_token_hash"]


# Roles that may look at everything but act on nothing: they never read a message's secrets.
READ_ONLY_ROLES = [OFFICIAL]


def may_read_message_secrets(user) -> bool:
    """Whether `user` may read the texts sent to citizens as they were sent (links and codes
    included): superusers only, and never one who also holds a read-only role."""
    if not (user.is_active and user.is_superuser):
        return False
    return not user.groups.filter(name__in=READ_ONLY_ROLES).exists()


class MessageTextAdminMixin:
    """Shows the `text_fields` of a message redacted (`message_redact`) on the list and the change
    page to whoever may not read its secrets.

    For them the raw fields are swapped for read-only columns that redact, so neither the form,
    the change page nor the list holds the raw text."""

    text_fields: tuple[str, ...] = ()

    def _swap(self, request, names):
        redacted = [f"{name}_redacted" for name in self.text_fields]
        if may_read_message_secrets(request.user):
            return [name for name in names if name not in redacted]
        swapped = [f"{name}_redacted" if name in self.text_fields else name for name in names]
        return list(dict.fromkeys(swapped))  # once each: the read-only columns are listed already

    def get_fields(self, request, obj=None):
        return self._swap(request, super().get_fields(request, obj))

    def get_list_display(self, request):
        return self._swap(request, super().get_list_display(request))

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *(f"{name}_redacted" for name in self.text_fields)]


def _redacted_column(field: str, label):
    def column(self, obj):
        return message_redact(getattr(obj, field))

    column.short_description = label
    return column


@admin.register(Notification)
class NotificationAdmin(MessageTextAdminMixin, ReadOnlyCentreScopedAdmin):
    centre_path = "appointment__centre"
    list_display = ["created_at", "kind", "channel", "recipient", "status", "attempts", "send_after", "sent_at"]
    list_filter = ["status", "channel", "kind", "language"]
    list_select_related = ["appointment"]
    # Never the text: a search by body would tell whoever types a guessed token whether it exists.
    search_fields = ["=appointment__reference", "recipient", "dedup_key"]
    date_hierarchy = "created_at"
    text_fields = ("body", "last_error")
    body_redacted = _redacted_column("body", _("text"))
    last_error_redacted = _redacted_column("last_error", _("last error"))


def _may_read_sms_log(user) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=CENTRE_MANAGER).exists()


@admin.register(SmsLogEntry)
class SmsLogEntryAdmin(MessageTextAdminMixin, ReadOnlyCentreScopedAdmin):
    """What the development SMS backend 'sent': superusers and centre managers only, and the
    managers read the texts with links and codes hidden."""

    centre_path = "notification__appointment__centre"
    list_display = ["created_at", "recipient", "body"]
    # Never the text (see NotificationAdmin).
    search_fields = ["recipient", "=notification__appointment__reference"]
    date_hierarchy = "created_at"
    text_fields = ("body",)
    body_redacted = _redacted_column("body", _("text"))

    def has_module_permission(self, request):
        return _may_read_sms_log(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _may_read_sms_log(request.user) and super().has_view_permission(request, obj)


@admin.register(PriorityGroup)
class PriorityGroupAdmin(CentreScopedAdminMixin, SimpleHistoryAdmin):
    """People a centre serves ahead of walk-ins; the kiosk offers the active ones, by rank."""

    list_display = ["centre", "rank", "name_az", "name_en", "name_ru", "code", "is_active"]
    list_filter = ["is_active", "centre"]
    list_select_related = ["centre"]
    search_fields = ["code", "name_az", "name_en", "name_ru", "centre__code", "centre__name_az"]
    ordering = ["centre__code", "rank", "code"]
    fieldsets = [
        (None, {"fields": ["centre", ("code", "rank"), "is_active"]}),
        (_("Name shown at the kiosk"), {"fields": [("name_az", "name_en", "name_ru")]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "rank" in form.base_fields:
            form.base_fields["rank"].help_text = _(
                "Booked visits that are due come first; then priority groups, lowest rank first; then everyone else."
            )
        return form
