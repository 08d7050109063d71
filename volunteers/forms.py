"""Forms of the application and review pages. They only shape input: the rules (age, mobile
number, consent, one pending application) are checked by volunteers.applications, whose refusals
the views put next to the fields."""

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from appointments.citizens import email_normalise, name_normalise, phone_normalise
from asan_portal.alphabetical import AlphabeticalMultipleChoiceField
from asan_portal.dates import DateFormField
from centres.models import Centre

from .applications import VOLUNTEER_LANGUAGES, baku_today, date_of_birth_problem
from .models import ApplicationStatus, Education, Weekday

CONSENT_TEXT = _(
    "We keep your name, contact details, date of birth and answers only to review your application "
    "and, if you are approved, to plan your shifts and record your hours of service. Only the volunteer "
    "coordinators of ASAN xidmət see them; they are not given to anyone else."
)


class ApplicationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    date_of_birth = DateFormField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter your date of birth."), "invalid": _("Enter a real date.")},
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=25,
        help_text=_("E.g. +994 50 123 45 67."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("If you are approved, you sign in with this address."),
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email", "inputmode": "email"}),
    )
    education = forms.ChoiceField(
        label=_("Education"),
        choices=[("", _("Choose"))] + Education.choices,
        error_messages={"required": _("Choose your education from the list.")},
    )
    institution = forms.CharField(label=_("School or university (optional)"), max_length=200, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages you can help citizens in"),
        choices=VOLUNTEER_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language you can help citizens in.")},
    )
    skills = forms.CharField(
        label=_("Skills and experience (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. computer skills, helping elderly people, earlier volunteering."),
    )
    preferred_centres = AlphabeticalMultipleChoiceField(
        label=_("Centres where you would like to help"),
        queryset=Centre.objects.public(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one centre where you would like to help.")},
    )
    available_weekdays = forms.TypedMultipleChoiceField(
        label=_("Days you can usually come"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one day you can usually come.")},
    )
    availability_note = forms.CharField(
        label=_("Times or other details (optional)"),
        max_length=300,
        required=False,
        help_text=_("E.g. mornings only, or not during exams in June."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that ASAN xidmət keeps these details to review my application and, if I am approved, "
            "to organise my shifts."
        ),
        error_messages={
            "required": _("We can only consider your application with your consent to keep these details.")
        },
        widget=forms.CheckboxInput(attrs={"aria-describedby": "consent-text"}),
    )

    # The same rules as volunteers.applications, so every field's problem shows at the first try.
    def clean_full_name(self):
        return name_normalise(self.cleaned_data["full_name"])

    def clean_phone(self):
        return phone_normalise(self.cleaned_data["phone"])

    def clean_email(self):
        return email_normalise(self.cleaned_data["email"]).lower()

    def clean_date_of_birth(self):
        date_of_birth = self.cleaned_data["date_of_birth"]
        problem = date_of_birth_problem(date_of_birth, today=baku_today())
        if problem:
            raise forms.ValidationError(problem)
        return date_of_birth

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("About you"), "full_name", "date_of_birth", "education", "institution"),
            Fieldset(_("How we reach you"), "phone", "email"),
            Fieldset(_("How you can help"), "languages", "skills"),
            Fieldset(
                _("Where and when"),
                "preferred_centres",
                InlineCheckboxes("available_weekdays"),
                "availability_note",
            ),
            Fieldset(
                _("Your consent"),
                HTML(format_html('<p class="small" id="consent-text">{}</p>', CONSENT_TEXT)),
                "consent",
            ),
            Submit("submit", _("Send my application"), css_class="btn-lg"),
        )


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + ApplicationStatus.choices, required=False)


class ApplicationRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the applicant is told)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the reason: the applicant is told why.")},
    )


class PasswordForgotForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("The address you sign in with."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
    )
