"""Forms of the staff pages. They shape input; the booking rules are the services' to check."""

from django import forms
from django.utils.translation import gettext_lazy as _

from asan_portal import model_choices
from asan_portal.dates import DateFormField
from centres.models import Counter
from services.models import Service
from services.search import service_search

from .forms import CitizenDetailsForm
from .models import STAFF_CANCEL_DETAILS_MAX, AppointmentStatus, StaffCancelReason


class CounterChoiceField(model_choices.ModelChoiceField):
    def label_from_instance(self, obj):
        label = _("Counter %(number)s") % {"number": obj.number}
        return f"{label} · {obj.label}" if obj.label else label


class ServiceChoiceField(model_choices.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name  # in the page's language (str() is the Azerbaijani name)


DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _centre_services(centre):
    return Service.objects.filter(offers__centre=centre, offers__is_active=True, bookable_online=True).order_by(
        "name_az"
    )


class DayFilterForm(forms.Form):
    date = DateFormField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), required=False)
    counter = CounterChoiceField(label=_("Counter"), queryset=Counter.objects.none(), required=False)
    service = model_choices.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False)
    q = forms.CharField(
        label=_("Find by reference, FIN or phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All"))] + list(AppointmentStatus.choices)
        self.fields["counter"].queryset = Counter.objects.filter(centre=centre).order_by("number")
        self.fields["counter"].empty_label = _("All")
        self.fields["service"].queryset = _centre_services(centre)
        self.fields["service"].empty_label = _("All")


class SlotChoiceForm(forms.Form):
    """A free start time, offered as the ISO times of the free slots."""

    start = forms.ChoiceField(label=_("Time"))

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = [
            (slot.starts_at.isoformat(), f"{slot.starts_at:%H:%M}–{slot.ends_at:%H:%M}") for slot in slots
        ]


class PhoneInBookingForm(CitizenDetailsForm):
    """A booking taken by phone: time, then who is coming (the citizen's details as online)."""

    start = forms.ChoiceField(label=_("Time"))
    field_order = ["start", "full_name", "fin", "phone", "email", "language"]

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = [
            (slot.starts_at.isoformat(), f"{slot.starts_at:%H:%M}–{slot.ends_at:%H:%M}") for slot in slots
        ]


class SlotSearchForm(forms.Form):
    service = ServiceChoiceField(label=_("Service"), queryset=Service.objects.none())
    date = DateFormField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    # What was typed in the page's "Find a service" box: keeps the list narrowed after "Show free times".
    service_q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, centre, service_query: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        services = _centre_services(centre)
        if service_query.strip():
            # The catalogue's folding search: "sexsiyyet" finds "şəxsiyyət".
            found = service_search(service_query, queryset=services)
            services = services.filter(pk__in=[s.pk for s in found])
            if found and not self.is_bound:
                self.initial.setdefault("service", found[0].pk)  # the best match, ready for the keyboard
        self.fields["service"].queryset = services


class CounterClosureForm(forms.Form):
    counter = CounterChoiceField(label=_("Counter"), queryset=Counter.objects.none())
    starts_at = forms.DateTimeField(
        label=_("Closed from"), widget=DATETIME_LOCAL, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    ends_at = forms.DateTimeField(
        label=_("Closed until"), widget=DATETIME_LOCAL, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    reason = forms.CharField(label=_("Reason (for colleagues)"), max_length=200, required=False)

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counter"].queryset = Counter.objects.filter(centre=centre, is_active=True).order_by("number")


class StaffCancelForm(forms.Form):
    """Why the booking is cancelled: the citizen is told it by SMS (issue 12.4)."""

    reason = forms.ChoiceField(
        label=_("Reason the citizen will be told"),
        choices=StaffCancelReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the reason the citizen will be told.")},
    )
    reason_details = forms.CharField(
        label=_("In your own words (optional; required for another reason)"),
        required=False,
        max_length=STAFF_CANCEL_DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": STAFF_CANCEL_DETAILS_MAX}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, not at import, so it is in the language of the request.
        self.fields["reason_details"].help_text = _(
            "Up to %(max)d characters; sent to the citizen by SMS as you write it."
        ) % {"max": STAFF_CANCEL_DETAILS_MAX}

    def clean(self):
        data = super().clean()
        if data.get("reason") == StaffCancelReason.OTHER and not (data.get("reason_details") or "").strip():
            self.add_error("reason_details", _("Write the reason the citizen will be told."))
        return data


class ClosureShortenForm(forms.Form):
    """A counter closure's new, earlier end (issue 12.5)."""

    ends_at = forms.DateTimeField(
        label=_("New end"), widget=DATETIME_LOCAL, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
