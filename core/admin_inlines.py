"""Admin forms drawn as tables whose fields have accessible names.

Django's tabular inline (and a changelist's `list_editable` columns) draws each row's fields in
table cells with the column's title in the header and no <label>, so a screen reader meets
"edit text, blank" 178 times on a service's page (axe-core: "Form elements must have labels",
critical). Every visible field of every row, the "Delete?" box included, gets an aria-label with
its column's title.
"""

from django import forms
from django.contrib import admin


def _inner_widget(widget: forms.Widget) -> forms.Widget:
    # RelatedFieldWidgetWrapper (the "+" and pencil links) draws the widget it wraps.
    return getattr(widget, "widget", widget)


class _LabelledFormSetMixin:
    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, field in form.fields.items():
            widget = _inner_widget(field.widget)
            if widget.is_hidden:
                continue
            widget.attrs["aria-label"] = str(field.label or name)


def labelled(formset: type) -> type:
    """`formset` whose forms' fields carry aria-labels."""
    return type(formset.__name__, (_LabelledFormSetMixin, formset), {})


class LabelledTabularInline(admin.TabularInline):
    """A TabularInline whose fields are named for assistive technology."""

    def get_formset(self, request, obj=None, **kwargs):
        return labelled(super().get_formset(request, obj, **kwargs))


class LabelledListEditableMixin:
    """For a ModelAdmin with `list_editable`: the changelist's fields are named too."""

    def get_changelist_formset(self, request, **kwargs):
        return labelled(super().get_changelist_formset(request, **kwargs))
