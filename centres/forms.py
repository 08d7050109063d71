"""The filter form of the public centre list (read-only, GET)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from asan_portal.alphabetical import alphabetical
from services.selectors import service_list

from .models import City


class CentreFilterForm(forms.Form):
    city = forms.ChoiceField(label=_("City or region"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cities = alphabetical(City.objects.filter(centres__is_active=True).distinct())
        self.fields["city"].choices = [("", _("All cities and regions")), *((c.code, c.name) for c in cities)]
        services = alphabetical(service_list())
        self.fields["service"].choices = [("", _("All services")), *((s.code, s.name) for s in services)]

    def filters(self) -> dict:
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that validated
        return {"city": data.get("city") or None, "service": data.get("service") or None}
