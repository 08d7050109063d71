"""Forms of the citizen's booking journey. They only shape input: the rules (FIN, phone,
limits, free times) are checked by appointments.services, whose refusals the views put
next to the fields."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from asan_portal.dates import DateFormField


def _language_choices():
    # Each language in its own name, so a citizen recognises theirs whatever the page language.
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class BookableServiceSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Which service do you need?"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "inputmode": "search"}),
    )


class CitizenDetailsForm(forms.Form):
    """Who is coming. Normalisation and validation happen in appointments.citizens (via the service)."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As on your ID card."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    fin = forms.CharField(
        label=_("Personal ID number (FIN)"),
        max_length=20,
        help_text=_(
            "7 Latin letters and digits on the photo side of your ID card. On newer cards it is labelled FİN; "
            "on older cards it is the first seven of the last eight characters in the bottom right corner."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "class": "fin-input"}
        ),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=25,
        help_text=_("An Azerbaijani mobile number, e.g. +994 50 123 45 67. We send the confirmation code to it."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail (optional)"),
        max_length=254,
        required=False,
        help_text=_("We also send the confirmation and reminders here."),
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email", "inputmode": "email"}),
    )
    language = forms.ChoiceField(
        label=_("Language of messages"),
        choices=_language_choices,
        help_text=_("SMS and e-mails about this booking come in this language."),
    )


class VerificationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        help_text=_("6 digits."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*", "class": "code-input"}
        ),
    )


class WaitlistForm(CitizenDetailsForm):
    first_day = DateFormField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    last_day = DateFormField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    field_order = ["first_day", "last_day", "full_name", "fin", "phone", "email", "language"]

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day must not be before the first day."))
        return cleaned
