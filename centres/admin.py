"""Centres, hours, closures, counters and staff in the admin.

Model permissions (asan_portal.roles) decide what a role may do; `CentreScopedAdminMixin`
decides where: operators and centre managers only see the rows of their own centres and only
managers change them, while cross-centre roles see everything their permissions allow.
"""

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from asan_portal.roles import CENTRE_MANAGER, OPERATOR, role_grant
from core.admin_inlines import LabelledTabularInline

from .audit import audit_trail
from .models import (
    AuditEntry,
    Centre,
    CentreService,
    City,
    Closure,
    Counter,
    MobileStop,
    OpeningHours,
    PublicHoliday,
    StaffMembership,
    StaffRole,
)
from .permissions import centres_for_admin, user_has_all_centres


def _translated_row(name: str) -> tuple[str, str, str]:
    return (f"{name}_az", f"{name}_en", f"{name}_ru")


class CentreScopedAdminMixin:
    """Limit an admin to the centres of the signed-in staff member. `centre_path` leads from the
    model to its centre ("pk" for Centre itself)."""

    centre_path = "centre"

    def _centre_of(self, obj) -> Centre:
        return obj if self.centre_path == "pk" else getattr(obj, self.centre_path)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if user_has_all_centres(request.user):
            return queryset
        return queryset.filter(**{f"{self.centre_path}__in": centres_for_admin(request.user)})

    def _may_manage(self, request, obj) -> bool:
        if obj is None or user_has_all_centres(request.user):
            return True
        return centres_for_admin(request.user, manage=True).filter(pk=self._centre_of(obj).pk).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_manage(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "centre" and not user_has_all_centres(request.user):
            kwargs["queryset"] = centres_for_admin(request.user, manage=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_az", "name_en", "name_ru"]
    search_fields = ["code", "name_az", "name_en", "name_ru"]
    fieldsets = [(None, {"fields": ["code", _translated_row("name")]})]


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name_az", "name_en", "name_ru"]
    date_hierarchy = "date"
    search_fields = ["name_az", "name_en", "name_ru"]
    fieldsets = [(None, {"fields": ["date", _translated_row("name")]})]


class OpeningHoursInline(LabelledTabularInline):
    model = OpeningHours
    fields = ["weekday", "opens_at", "closes_at"]
    extra = 0


class ClosureInline(LabelledTabularInline):
    model = Closure
    fields = ["starts_on", "ends_on", "reason_az", "reason_en", "reason_ru"]
    extra = 0


class MobileStopInline(LabelledTabularInline):
    model = MobileStop
    fields = ["date", "starts_at", "ends_at", "place_az", "place_en", "place_ru", "latitude", "longitude"]
    extra = 0


class CentreServiceInline(LabelledTabularInline):
    model = CentreService
    fields = ["service", "is_active"]
    autocomplete_fields = ["service"]
    extra = 0


class CounterInline(LabelledTabularInline):
    model = Counter
    fields = ["number", "label_az", "label_en", "label_ru", "is_active"]
    show_change_link = True  # the services a counter handles are edited on its own page
    extra = 0


@admin.register(Centre)
class CentreAdmin(CentreScopedAdminMixin, SimpleHistoryAdmin):
    centre_path = "pk"
    list_display = ["code", "name_az", "kind", "city", "phone", "is_active"]
    list_filter = ["kind", "city", "is_active"]
    list_select_related = ["city"]
    search_fields = ["code", "name_az", "name_en", "name_ru", "address_az", "address_en", "address_ru"]
    autocomplete_fields = ["city"]
    inlines = [OpeningHoursInline, ClosureInline, MobileStopInline, CentreServiceInline, CounterInline]
    fieldsets = [
        (None, {"fields": ["code", ("kind", "city"), "is_active"]}),
        (_("Name and address"), {"fields": [_translated_row("name"), _translated_row("address")]}),
        (_("Location and contact"), {"fields": [("latitude", "longitude"), ("phone", "email"), "timezone"]}),
    ]


@admin.register(Closure)
class ClosureAdmin(CentreScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["centre", "starts_on", "ends_on", "reason_az"]
    list_filter = ["centre"]
    list_select_related = ["centre"]
    date_hierarchy = "starts_on"
    fieldsets = [(None, {"fields": ["centre", ("starts_on", "ends_on"), _translated_row("reason")]})]


@admin.register(Counter)
class CounterAdmin(CentreScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["centre", "number", "label_text", "is_active"]
    list_filter = ["centre", "is_active"]
    list_select_related = ["centre"]
    search_fields = ["centre__code", "centre__name_az", "label_az", "label_en", "label_ru"]
    filter_horizontal = ["services"]
    fields = ["centre", "number", _translated_row("label"), "is_active", "services"]

    @admin.display(description=_("label"), ordering="label_az")
    def label_text(self, counter):
        """The label in the administrator's language (Azerbaijani when not translated)."""
        return counter.label


@admin.register(StaffMembership)
class StaffMembershipAdmin(CentreScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["user", "centre", "role"]
    list_filter = ["role", "centre"]
    list_select_related = ["user", "centre"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "centre__code"]
    autocomplete_fields = ["user", "centre"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A membership without the matching role would scope a user who cannot do anything there.
        role_grant(user=obj.user, role=CENTRE_MANAGER if obj.role == StaffRole.MANAGER else OPERATOR)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: an audit trail nobody can edit.

    Officials see it through their view permission on every project model (asan_portal.roles).
    The other places staff actions are recorded are listed in centres/audit.py."""

    list_display = ("at", "actor_username", "action", "object_type", "object_id", "centre", "ip")
    list_filter = ("action", "centre")
    search_fields = ("actor_username", "object_id", "request_id")
    date_hierarchy = "at"
    list_select_related = ("centre",)
    change_list_template = "admin/centres/auditentry/change_list.html"

    def get_urls(self):
        trail = path("trail/", self.admin_site.admin_view(self.trail_view), name="centres_auditentry_trail")
        return [trail, *super().get_urls()]

    def trail_view(self, request):
        """Every recorded staff action of the last days, from all the tables that record one
        (centres/audit.py), newest first; for whoever may read the audit entries."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = min(max(int(request.GET.get("days", 7)), 1), 90)
        except ValueError:
            days = 7
        centre = Centre.objects.filter(code=request.GET.get("centre", "")).first()
        now = timezone.now()
        rows = audit_trail(since=now - dt.timedelta(days=days), until=now, centre=centre)
        codes = dict(Centre.objects.values_list("pk", "code"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("All staff actions"),
            "rows": [(row, codes.get(row.centre_id, "")) for row in rows],
            "days": days,
            "centre": centre,
            "centres": Centre.objects.order_by("code"),
        }
        return TemplateResponse(request, "admin/centres/auditentry/trail.html", context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
