"""Admin for feedback. Complaints are read here (officials: all centres; managers: theirs);
they are moved and answered only on the staff pages, through feedback.complaints, so every
step is recorded and the citizen is told."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from appointments.admin import ReadOnlyCentreScopedAdmin
from core.admin_inlines import LabelledTabularInline

from .models import Complaint, ComplaintEvent


class ComplaintEventInline(LabelledTabularInline):
    model = ComplaintEvent
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyCentreScopedAdmin):
    list_display = ["tracking_number", "created_at", "status", "kind", "centre", "subject", "answered_at"]
    list_filter = ["status", "kind", "language", "centre"]
    list_select_related = ["centre"]
    search_fields = ["tracking_number", "subject"]
    date_hierarchy = "created_at"
    inlines = [ComplaintEventInline]
    readonly_fields = ["staff_page"]

    @admin.display(description=_("Handle on the staff page"))
    def staff_page(self, obj):
        url = reverse("complaints_staff:detail", kwargs={"number": obj.tracking_number})
        return format_html('<a href="{}">{}</a>', url, obj.tracking_number)
