"""Reads for the staff pages of a centre: the day's appointments, finding one booking.

Related rows are fetched in the same query, so a list costs a fixed number of queries."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from centres.models import Centre, Counter
from services.models import Service

from .citizens import fin_normalise, phone_normalise
from .models import Appointment, CounterClosure

REFERENCE_PATTERN = re.compile(r"^([A-Z0-9]{4})-?([A-Z0-9]{4})$")
SEARCH_LIMIT = 50


def _base(centre: Centre) -> QuerySet:
    return Appointment.objects.filter(centre=centre).select_related("service", "counter", "booked_by")


def staff_day_appointments(
    *,
    centre: Centre,
    day: dt.date,
    status: str = "",
    counter: Counter | None = None,
    service: Service | None = None,
) -> QuerySet:
    """The centre's appointments on local date `day`, in time order, optionally filtered."""
    queryset = _base(centre).filter(local_date=day)
    if status:
        queryset = queryset.filter(status=status)
    if counter is not None:
        queryset = queryset.filter(counter=counter)
    if service is not None:
        queryset = queryset.filter(service=service)
    return queryset.order_by("starts_at", "counter__number")


def staff_search_kind(query: str) -> tuple[str, str] | None:
    """("reference" | "fin" | "phone", normalised value) for what staff typed, or None."""
    text = "".join((query or "").split()).upper()
    match = REFERENCE_PATTERN.match(text)
    if match:
        return "reference", f"{match.group(1)}-{match.group(2)}"
    for kind, normalise in (("fin", fin_normalise), ("phone", phone_normalise)):
        try:
            return kind, normalise(query)
        except ValidationError:
            continue
    return None


def staff_appointment_search(*, centre: Centre, query: str) -> QuerySet | None:
    """The centre's appointments (any day, latest first) matching a reference, FIN or phone;
    None when the text is none of these."""
    found = staff_search_kind(query)
    if found is None:
        return None
    kind, value = found
    return _base(centre).filter(**{kind: value}).order_by("-starts_at")[:SEARCH_LIMIT]


def staff_appointment_get_or_404(*, centre: Centre, reference: str) -> Appointment:
    """One booking of `centre`, with its queue ticket (None before check-in)."""
    return get_object_or_404(_base(centre).select_related("centre", "ticket", "ticket__counter"), reference=reference)


def staff_counter_closures(*, centre: Centre, since: dt.datetime) -> QuerySet:
    return (
        CounterClosure.objects.filter(counter__centre=centre, ends_at__gt=since)
        .select_related("counter", "created_by")
        .order_by("starts_at")
    )


def mask(value: str, keep: int) -> str:
    """All but the last `keep` characters hidden, for lists on screens others may see."""
    value = value or ""
    if len(value) <= keep:
        return value
    return "•" * min(len(value) - keep, 5) + value[-keep:]
