"""The filters of the satisfaction figures, parsed in one place for the officials' dashboard,
the public open-data page and the stats API, so they accept and refuse the same input.

Parameter names are the API's: from, to, centre, service, provider (codes), group_by.
"""

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asan_portal.alphabetical import AlphabeticalChoiceField
from centres.models import Centre
from services.models import Provider, Service

from .stats import StatsFilter

# A longer range would still be cheap (roll-ups), but a trend by day over years is unreadable
# and an API answer that large is a mistake more often than a wish.
MAX_RANGE_DAYS = 2 * 366
DEFAULT_RANGE_DAYS = 30
# Days near year 1 or 9999 overflow the date arithmetic (30 days before, the period before),
# and no figures are anywhere near them.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)

PERIOD_CHOICES = [
    ("day", _("By day")),
    ("week", _("By week")),
    ("month", _("By month")),
]
BREAKDOWN_CHOICES = [
    ("centre", _("By centre")),
    ("service", _("By service")),
    ("provider", _("By provider")),
]

MESSAGES = {
    "date": _("Write the date as YYYY-MM-DD, e.g. 2026-03-21."),
    "date_range": _("Choose a day between %(first)s and %(last)s."),
    "order": _("The first day must not be after the last day."),
    "too_long": _("Choose at most %(days)s days."),
    "centre": _("There is no centre with this code."),
    "service": _("There is no service with this code."),
    "provider": _("There is no provider with this code."),
    "group_by": _("Choose one of: %(choices)s."),
}


def default_last_day() -> dt.date:
    """Yesterday in Baku: today's figures are still growing."""
    return timezone.localdate() - dt.timedelta(days=1)


def default_group_by(first_day: dt.date, last_day: dt.date) -> str:
    """A trend that fits on a screen: days up to three months, weeks up to a year, then months."""
    days = (last_day - first_day).days + 1
    if days <= 92:
        return "day"
    return "week" if days <= 366 else "month"


def _with_default_days(data):
    """The query with the default range filled in where a day is missing, so the form shows
    the days the figures are for (30 days up to yesterday; `from` 30 days before a given `to`)."""
    data = data.copy()
    if not data.get("to"):
        data["to"] = default_last_day().isoformat()
    if not data.get("from"):
        try:
            last_day = dt.date.fromisoformat(data["to"])
            data["from"] = (last_day - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1)).isoformat()
        except (ValueError, OverflowError):
            return data  # `to` itself is refused, with its own message
    return data


class _CodeChoiceField(AlphabeticalChoiceField):
    def __init__(self, queryset, *, label, message, **kwargs):
        super().__init__(
            queryset,
            to_field_name="code",
            required=False,
            label=label,
            empty_label=_("All"),
            error_messages={"invalid_choice": message},
            **kwargs,
        )


class StatsFilterForm(forms.Form):
    """A GET form; `centres` limits the centres (a manager's own), `group_by_choices` what the
    page or API can group by. `stats_filter()` gives the StatsFilter of a valid form."""

    def __init__(self, data=None, *, centres=None, group_by_choices=PERIOD_CHOICES, **kwargs):
        if data is not None:
            data = _with_default_days(data)
        super().__init__(data, **kwargs)
        self.limited_centres = centres
        date_widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        date_errors = {"invalid": MESSAGES["date"]}
        in_range = MESSAGES["date_range"] % {"first": EARLIEST_DAY.isoformat(), "last": LATEST_DAY.isoformat()}
        date_validators = [MinValueValidator(EARLIEST_DAY, in_range), MaxValueValidator(LATEST_DAY, in_range)]
        # "from" is a Python keyword, so these two are added here rather than declared.
        self.fields["from"] = forms.DateField(
            label=_("From"),
            required=False,
            input_formats=["%Y-%m-%d"],
            widget=date_widget,
            error_messages=date_errors,
            validators=date_validators,
        )
        self.fields["to"] = forms.DateField(
            label=_("To"),
            required=False,
            input_formats=["%Y-%m-%d"],
            widget=date_widget,
            error_messages=date_errors,
            validators=date_validators,
        )
        self.fields["centre"] = _CodeChoiceField(
            centres if centres is not None else Centre.objects.all(),
            label=_("Centre"),
            message=MESSAGES["centre"],
        )
        self.fields["provider"] = _CodeChoiceField(
            Provider.objects.all(), label=_("Provider"), message=MESSAGES["provider"]
        )
        self.fields["service"] = _CodeChoiceField(
            Service.objects.all(), label=_("Service"), message=MESSAGES["service"]
        )
        self.fields["group_by"] = forms.ChoiceField(
            label=_("Group by"),
            required=False,
            choices=[("", _("Automatic"))] + list(group_by_choices),
            error_messages={
                "invalid_choice": MESSAGES["group_by"] % {"choices": ", ".join(key for key, _l in group_by_choices)}
            },
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        last_day = cleaned.get("to") or default_last_day()
        first_day = cleaned.get("from") or last_day - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if first_day > last_day:
            self.add_error("from", MESSAGES["order"])
        elif (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
            self.add_error("from", MESSAGES["too_long"] % {"days": MAX_RANGE_DAYS})
        cleaned["first_day"], cleaned["last_day"] = first_day, last_day
        cleaned["group_by"] = cleaned.get("group_by") or default_group_by(first_day, last_day)
        return cleaned

    def stats_filter(self) -> StatsFilter:
        data = self.cleaned_data
        if data.get("centre") is not None:
            centre_ids = (data["centre"].pk,)
        elif self.limited_centres is not None:
            centre_ids = tuple(self.limited_centres.values_list("pk", flat=True))
        else:
            centre_ids = None
        return StatsFilter(
            first_day=data["first_day"],
            last_day=data["last_day"],
            centre_ids=centre_ids,
            service_id=data["service"].pk if data.get("service") else None,
            provider_id=data["provider"].pk if data.get("provider") else None,
        )

    def field_errors(self) -> dict[str, list[str]]:
        """Errors keyed by parameter name, for the API's error shape."""
        return {name: [str(message) for message in messages] for name, messages in self.errors.items()}

    def querystring(self) -> str:
        """The valid filters as a query string (for export links and drill-down links)."""
        data = self.cleaned_data
        params = {
            "from": data["first_day"].isoformat(),
            "to": data["last_day"].isoformat(),
            "group_by": data["group_by"],
        }
        for name in ("centre", "provider", "service"):
            if data.get(name) is not None:
                params[name] = data[name].code
        return urlencode(params)
