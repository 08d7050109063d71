"""The filter form of the public centre list (read-only, GET)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from asan_portal.azerbaijani import sort_key
from services.selectors import service_list

from .models import City


class CentreFilterForm(forms.Form):
    city = forms.ChoiceField(label=_("City or region"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cities = City.objects.filter(centres__is_active=True).distinct().order_by("name_az")
        self.fields["city"].choices = [("", _("All cities and regions")), *((c.code, c.name) for c in cities)]
        services = sorted(service_list(), key=lambda s: sort_key(s.name))
        self.fields["service"].choices = [("", _("All services")), *((s.code, s.name) for s in services)]

    def filters(self) -> dict:
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that validated
        return {"city": data.get("city") or None, "service": data.get("service") or None}
