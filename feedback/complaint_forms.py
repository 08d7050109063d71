"""Forms of the complaint pages. They only shape input: the rules (contact, lengths, phone,
the workflow) are checked by feedback.complaints, whose refusals the views put next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from asan_portal.alphabetical import AlphabeticalChoiceField
from centres.models import Centre
from services.models import Service

from .complaints import COMPLAINT_TRANSITIONS
from .models import ComplaintKind, ComplaintStatus


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you want to send?"),
        choices=ComplaintKind.choices,
        initial=ComplaintKind.COMPLAINT,
        widget=forms.RadioSelect,
    )
    centre = AlphabeticalChoiceField(
        label=_("Service centre"),
        queryset=Centre.objects.public(),
        empty_label=_("Choose a centre"),
        error_messages={"required": _("Choose the centre your message is about.")},
    )
    service = AlphabeticalChoiceField(
        label=_("Service (optional)"),
        queryset=Service.objects.public(),
        required=False,
        empty_label=_("No particular service"),
    )
    ticket_code = forms.CharField(
        label=_("Ticket number (optional)"),
        max_length=10,
        required=False,
        help_text=_("From your queue ticket, e.g. A-012."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=25,
        required=False,
        help_text=_("E.g. +994 50 123 45 67. Give a mobile number or an e-mail, or both."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email", "inputmode": "email"}),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(
        label=_("Message text"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, when, and at which counter if you know it."),
    )
    consent = forms.BooleanField(
        label=_("I agree that the centre uses my name and contact details to handle and answer this message."),
        error_messages={"required": _("We need your agreement to handle the message.")},
    )


class ComplaintTrackForm(forms.Form):
    number = forms.CharField(
        label=_("Tracking number"),
        max_length=20,
        help_text=_("As in the SMS or e-mail we sent, e.g. SK-7QF4-9KD2."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    contact = forms.CharField(
        label=_("Mobile number or e-mail"),
        max_length=254,
        help_text=_("The one you gave with your message."),
    )


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + ComplaintStatus.choices, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All"))] + ComplaintKind.choices, required=False)
    centre = AlphabeticalChoiceField(
        label=_("Centre"), queryset=Centre.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args, centres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres


class ComplaintMoveForm(forms.Form):
    """One step of the workflow other than answering (which has its own form). Any known status
    is accepted here: whether the step is allowed is the service's decision (a clear 409)."""

    to_status = forms.ChoiceField(label=_("Move to"), choices=ComplaintStatus.choices)
    note = forms.CharField(
        label=_("Note for the history (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ComplaintStatus.choices)
        # What the page offers: the allowed steps, answering aside.
        self.moves = [
            (value, labels[value])
            for value in COMPLAINT_TRANSITIONS.get(complaint.status, ())
            if value != ComplaintStatus.ANSWERED
        ]
        self.fields["to_status"].widget.choices = self.moves


class ComplaintAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the citizen"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent in full by e-mail; the SMS says it was answered and links to the tracking page."),
    )
    note = forms.CharField(
        label=_("Internal note (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
