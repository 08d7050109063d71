"""Volunteers in the admin, for the volunteer coordinator (model permissions in asan_portal.roles).

Applications are decided on the coordinator's review page (volunteers/applications.py makes the
account and tells the applicant), so the admin shows them read-only.
"""

from django.contrib import admin

from .models import Shift, ShiftSignup, ShiftTemplate, Volunteer, VolunteerApplication


@admin.register(VolunteerApplication)
class VolunteerApplicationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "status", "created_at"]
    list_filter = ["status", "preferred_centres"]
    search_fields = ["full_name", "email", "phone"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "is_active", "programme_started_on", "programme_completed_on"]
    list_filter = ["is_active", "centres"]
    search_fields = ["full_name", "email", "phone"]
    filter_horizontal = ["centres"]
    raw_id_fields = ["user", "application"]
    exclude = ["calendar_token"]


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin):
    list_display = ["centre", "weekday", "start_time", "end_time", "role", "needed", "is_active"]
    list_filter = ["centre", "weekday", "role", "is_active"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["centre", "date", "starts_at", "ends_at", "role", "needed", "taken"]
    list_filter = ["centre", "role"]
    date_hierarchy = "date"
    # Shifts are made and changed on the coordinator's shift pages (volunteers/shifts.py): times
    # are copied onto sign-ups, `taken` is kept under the shift's row lock and changing `needed`
    # serves the waitlist. Here only the notes may change.
    readonly_fields = ["centre", "date", "starts_at", "ends_at", "role", "needed", "taken", "template", "created_by"]

    def has_add_permission(self, request):
        return False


@admin.register(ShiftSignup)
class ShiftSignupAdmin(admin.ModelAdmin):
    list_display = ["shift", "volunteer", "status", "attendance", "checked_in_at", "checked_out_at", "minutes_served"]
    list_filter = ["status", "attendance", "shift__centre"]
    raw_id_fields = ["shift", "volunteer"]
    # Sign-ups change through volunteers/shifts.py and attendance.py (capacity, waitlist, hours).

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
