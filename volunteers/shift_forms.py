"""Forms of the shift pages. They parse and type the input; the rules (dates in the past,
capacity, overlap ...) are volunteers/shifts.py's, whose refusals the views put back on the form."""

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from asan_portal import model_choices

from .models import Shift, ShiftRole, Volunteer
from .shifts import MAX_NEEDED, MESSAGES, NOTES_MAX_LENGTH, REASON_MAX_LENGTH, shift_label

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _needed_range_message() -> str:
    return str(MESSAGES["needed"]) % {"max": MAX_NEEDED}


NEEDED_RANGE = lazy(_needed_range_message, str)()  # translated when shown, not at import
NEEDED_ERRORS = {
    "min_value": NEEDED_RANGE,
    "max_value": NEEDED_RANGE,
    "invalid": _("Enter a whole number."),
    "required": _("Enter how many volunteers are needed."),
}


WEEK_RANGE_YEARS = 5


class WeekRangeMixin:
    """A week within five years either way: far dates mean a typo (and year 1 or 9999 would
    overflow the previous/next week links)."""

    def clean_week(self):
        week = self.cleaned_data.get("week")
        if week is not None and abs((week - timezone.localdate()).days) > WEEK_RANGE_YEARS * 366:
            raise forms.ValidationError(
                _("Choose a week within %(years)s years from today.") % {"years": WEEK_RANGE_YEARS}
            )
        return week


class WeekForm(WeekRangeMixin, forms.Form):
    """?week=YYYY-MM-DD on the coordinator's week page (any day of the week)."""

    week = forms.DateField(
        label=_("Week of"),
        required=False,
        widget=DATE_INPUT,
        error_messages={"invalid": _("Enter a date like 2026-12-07.")},
    )


class ShiftCreateForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=DATE_INPUT, error_messages={"invalid": _("Enter a date like 2026-12-07.")}
    )
    start_time = forms.TimeField(
        label=_("Starts"), widget=TIME_INPUT, error_messages={"invalid": _("Enter a time like 09:00.")}
    )
    end_time = forms.TimeField(
        label=_("Ends"), widget=TIME_INPUT, error_messages={"invalid": _("Enter a time like 13:00.")}
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=ShiftRole.choices, error_messages={"invalid_choice": _("Choose one of the roles.")}
    )
    needed = forms.IntegerField(
        label=_("Volunteers needed"), min_value=1, max_value=MAX_NEEDED, initial=2, error_messages=NEEDED_ERRORS
    )
    notes = forms.CharField(
        label=_("Notes for the volunteers"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.TextInput,
    )


class GenerateWeekForm(WeekRangeMixin, forms.Form):
    week = forms.DateField(widget=forms.HiddenInput, error_messages={"invalid": _("Enter a date like 2026-12-07.")})


class NeededForm(forms.Form):
    needed = forms.IntegerField(
        label=_("Volunteers needed"), min_value=1, max_value=MAX_NEEDED, error_messages=NEEDED_ERRORS
    )


class AssignForm(forms.Form):
    volunteer = model_choices.ModelChoiceField(
        label=_("Volunteer"),
        queryset=Volunteer.objects.none(),
        empty_label=_("Choose a volunteer"),
        error_messages={
            "required": _("Choose a volunteer."),
            "invalid_choice": _("Choose one of the volunteers of this centre."),
        },
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = candidates


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the volunteer is told)"),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": _("Give a reason: the volunteer is told.")},
    )


class ShiftChoiceField(model_choices.ModelChoiceField):
    def label_from_instance(self, obj: Shift) -> str:
        return f"{shift_label(obj)} ({obj.taken}/{obj.needed})"


class MoveForm(forms.Form):
    to_shift = ShiftChoiceField(
        label=pgettext_lazy("volunteer shift", "Move to"),
        queryset=Shift.objects.none(),
        empty_label=_("Choose a shift"),
        error_messages={
            "required": _("Choose the shift to move to."),
            "invalid_choice": _("Choose one of the listed shifts."),
        },
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_shift"].queryset = targets
