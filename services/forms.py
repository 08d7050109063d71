"""The filter form of the public service list (read-only, GET)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from asan_portal.alphabetical import alphabetical
from centres.selectors import centre_list

from .selectors import category_list, provider_list


def _choices(objects, empty_label):
    return [("", empty_label), *((obj.code, obj.name) for obj in objects)]


class ServiceFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search services"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "inputmode": "search"}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    provider = forms.ChoiceField(label=_("Agency or company"), required=False)
    centre = forms.ChoiceField(label=_("Service centre"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _choices(category_list(), _("All categories"))
        self.fields["provider"].choices = _choices(alphabetical(provider_list()), _("All agencies and companies"))
        # Only names and codes are needed here, not the hours the selector prefetches.
        centres = alphabetical(centre_list().prefetch_related(None))
        self.fields["centre"].choices = _choices(centres, _("All centres"))

    def filters(self) -> dict:
        """The cleaned filters as keyword arguments for `service_list`; invalid values are ignored."""
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that validated
        return {
            "query": (data.get("q") or "").strip(),
            "provider": data.get("provider") or None,
            "category": data.get("category") or None,
            "centre": data.get("centre") or None,
        }
