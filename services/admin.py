"""Catalogue administration: translations side by side, history of every change, CSV in and out.

Every model admin derives from SimpleHistoryAdmin, so each object has a History page; the
HistoryRequestMiddleware records the signed-in user on every save made here.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from centres.models import CentreService
from core.admin_inlines import LabelledListEditableMixin, LabelledTabularInline

from . import services as catalogue_services
from .catalogue_csv import COLUMNS, catalogue_export_csv_bytes, catalogue_import_csv
from .models import Category, FeeOption, Provider, RequiredDocument, Service


def _translated_row(name: str) -> tuple[str, str, str]:
    return (f"{name}_az", f"{name}_en", f"{name}_ru")


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_az", "name_en", "name_ru", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name_az", "name_en", "name_ru"]
    # Agencies' sites are all https; this is also Django 6's default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["code", "kind", "website", "is_active"]}),
        (_("Name"), {"fields": [_translated_row("name")]}),
        (_("Description"), {"fields": [_translated_row("description")]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The provider's names are part of each of its services' search text.
        catalogue_services.provider_refresh_search_texts(provider=obj)


@admin.register(Category)
class CategoryAdmin(LabelledListEditableMixin, SimpleHistoryAdmin):
    list_display = ["code", "name_az", "name_en", "name_ru", "position"]
    list_editable = ["position"]
    search_fields = ["code", "name_az", "name_en", "name_ru"]
    fieldsets = [
        (None, {"fields": ["code", "position"]}),
        (_("Name"), {"fields": [_translated_row("name")]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The category's names are part of each of its services' search text.
        catalogue_services.category_refresh_search_texts(category=obj)


class RequiredDocumentInline(LabelledTabularInline):
    model = RequiredDocument
    fields = ["position", "name_az", "name_en", "name_ru"]
    ordering = ["position", "id"]
    extra = 0


class FeeOptionInline(LabelledTabularInline):
    model = FeeOption
    fields = ["position", "fee_azn", "processing_days", "processing_days_kind", "label_az", "label_en", "label_ru"]
    ordering = ["position", "fee_azn"]
    extra = 0


class CentreServiceInline(LabelledTabularInline):
    model = CentreService
    fields = ["centre", "is_active"]
    autocomplete_fields = ["centre"]
    extra = 0
    verbose_name = _("centre that offers this service")
    verbose_name_plural = _("centres that offer this service")


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV with the same columns as the export."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    change_list_template = "admin/services/service/change_list.html"
    list_display = [
        "code",
        "name_az",
        "provider",
        "category",
        "fee_azn",
        "duration_minutes",
        "bookable_online",
        "is_published",
        "is_active",
        "updated_at",
    ]
    list_filter = ["provider", "category", "is_published", "bookable_online", "is_active"]
    list_select_related = ["provider", "category"]
    search_fields = ["code", "name_az", "name_en", "name_ru", "keywords", "provider__code", "category__code"]
    autocomplete_fields = ["provider", "category"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RequiredDocumentInline, FeeOptionInline, CentreServiceInline]
    actions = ["export_selected_csv"]
    fieldsets = [
        (None, {"fields": ["code", ("provider", "category")]}),
        (
            _("Texts (Azerbaijani / English / Russian)"),
            {
                "fields": [
                    _translated_row("name"),
                    _translated_row("summary"),
                    _translated_row("description"),
                    _translated_row("eligibility"),
                    _translated_row("output"),
                    _translated_row("legal_basis"),
                    "keywords",
                ]
            },
        ),
        (
            _("Fee and time"),
            {"fields": ["fee_azn", "duration_minutes", ("processing_days", "processing_days_kind")]},
        ),
        (
            _("Publication"),
            {"fields": [("bookable_online", "is_published", "is_active"), ("created_at", "updated_at")]},
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the inlines too, so the search text matches what was saved as a whole.
        catalogue_services.service_refresh_search_text(service=form.instance)

    # --- CSV ------------------------------------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("export-csv/", self.admin_site.admin_view(self.export_csv_view), name=f"{prefix}_export_csv"),
            path("import-csv/", self.admin_site.admin_view(self.import_csv_view), name=f"{prefix}_import_csv"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context=extra_context)

    def _csv_response(self, services=None) -> HttpResponse:
        filename = f"asan-catalogue-{timezone.localdate():%Y-%m-%d}.csv"
        response = HttpResponse(catalogue_export_csv_bytes(services=services), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description=_("Export selected services as CSV"), permissions=["view"])
    def export_selected_csv(self, request, queryset):
        return self._csv_response(services=queryset)

    def export_csv_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._csv_response()

    def import_csv_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        result = None
        if request.method == "POST":
            form = CatalogueImportForm(request.POST, request.FILES)
            if form.is_valid():
                result = catalogue_import_csv(file=form.cleaned_data["file"], user=request.user)
                if result.ok:
                    self.message_user(
                        request,
                        _(
                            "Import finished: %(created)d services created, %(updated)d updated, %(unchanged)d unchanged."
                        )
                        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                        messages.SUCCESS,
                    )
                    return redirect(reverse(f"{self.admin_site.name}:services_service_changelist"))
        else:
            form = CatalogueImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import services from CSV"),
            "form": form,
            "result": result,
            "columns": COLUMNS,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/services/service/import_csv.html", context)
