"""The citizen's booking journey, without an account, one plain server-rendered page per step:

service -> centre (earliest free time each) -> date (month calendar) -> time -> details
-> SMS code -> confirmation; then the private manage page (cancel, move, .ics).

Until the SMS code confirms it, the held booking is known only by the manage token kept in
the session; the token appears in a URL (the manage link) only once the booking is
confirmed, and that URL only grants the session the booking and redirects to its clean pages
(booking/<reference>/..., docs/adr/0019). Opening any page only shows: every change is a button that POSTs with CSRF.
The rules live in appointments.services; a refusal (BookingError) is shown with its
translated message and a 4xx status, never a 500.
"""

import calendar as month_calendar
import datetime as dt
import math

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from asan_portal.alphabetical import alphabetical
from asan_portal.dates import DateInvalid, date_from_path, date_parse
from asan_portal.private_links import (
    PrivateLinkMissing,
    private_link_grant,
    private_link_revoke,
    private_link_token,
    see_other,
)
from asan_portal.ratelimit import ratelimit_hit
from centres.hours import holiday_dates, open_periods
from centres.models import CentreService
from centres.selectors import centre_get_with_hours, centre_list
from services.models import RequiredDocument
from services.selectors import service_get, service_list

from . import availability, policy
from .calendar import appointment_ics
from .errors import MESSAGES, BookingError, InvalidDetails, SlotTaken
from .forms import BookableServiceSearchForm, CitizenDetailsForm, VerificationCodeForm, WaitlistForm
from .models import AppointmentStatus
from .qr import qr_svg
from .services import (
    appointment_book,
    appointment_cancel,
    appointment_get_by_token,
    appointment_reschedule,
    appointment_resend_code,
    appointment_verify,
)
from .waitlist import waitlist_join

SESSION_TOKEN = "appointments_held_token"  # noqa: S105 - a session key's name, not a secret  # nosec B105
S = AppointmentStatus


# --- small helpers -------------------------------------------------------------------------


def _rate_limited(request, scope: str, *, key: str | None = None) -> BookingError | None:
    """The refusal (HTTP 429, translated) when `request` is over the limit for `scope`, else None.

    Counted in the shared cache by asan_portal.ratelimit, keyed on the real client address."""
    result = ratelimit_hit(request, scope, key=key)
    if result.allowed:
        return None
    refusal = BookingError(result.message, code="rate_limited")
    refusal.status_code = 429
    return refusal


def _private(response: HttpResponse) -> HttpResponse:
    """Pages that show a private link or personal details: never cached, never indexed.

    These pages' URLs carry no token (the private link itself is served through
    asan_portal.private_links.no_referrer, which overrides this): "same-origin" keeps the URL
    from other sites, while "no-referrer" would make Chromium send "Origin: null" with our own
    forms, which the CSRF check refuses."""
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _bookable_service(code: str):
    service = service_get(code)
    if not service.bookable_online or not service.is_active:
        raise Http404
    return service


def _bookable_centre(service, code: str):
    centre = centre_get_with_hours(code)
    if not CentreService.objects.filter(centre=centre, service=service, is_active=True).exists():
        raise Http404
    return centre


def _parse_day(value: str) -> dt.date:
    return date_from_path(value)


def _parse_start(centre, day: str, time: str) -> dt.datetime:
    """The aware local start from "YYYY-MM-DD" and "HH:MM" in the URL; 404 when malformed."""
    parsed_day = _parse_day(day)
    try:
        parsed_time = dt.time.fromisoformat(time)
    except (TypeError, ValueError):
        raise Http404 from None
    if len(time) != 5:
        raise Http404
    return dt.datetime.combine(parsed_day, parsed_time, tzinfo=centre.tz)


def _time_kwargs(centre, starts_at: dt.datetime) -> dict:
    local = starts_at.astimezone(centre.tz)
    return {"day": local.date().isoformat(), "time": f"{local:%H:%M}"}


def _local(centre, value: dt.datetime) -> dt.datetime:
    return value.astimezone(centre.tz)


def _nearest_from(refusal: SlotTaken, centre) -> list[dt.datetime]:
    starts = []
    for item in refusal.extra.get("nearest", []):
        try:
            starts.append(dt.datetime.fromisoformat(item["start"]).astimezone(centre.tz))
        except (KeyError, TypeError, ValueError):
            continue
    return starts


def _month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def _add_months(value: dt.date, months: int) -> dt.date:
    index = value.year * 12 + value.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _session_appointment(request):
    token = request.session.get(SESSION_TOKEN)
    appointment = appointment_get_by_token(token) if token else None
    return appointment, token


def _no_booking_in_progress(request):
    return render(
        request,
        "appointments/refused.html",
        {
            "title": _("No booking in progress"),
            "message": _(
                "We could not find a booking waiting for its code in this browser. "
                "If you have confirmed it, use the link in the SMS. Otherwise, please book again."
            ),
        },
        status=404,
    )


def _hold_context(appointment, now: dt.datetime) -> dict:
    if not appointment.hold_expires_at:
        return {}
    seconds = max(0, (appointment.hold_expires_at - now).total_seconds())
    return {
        "hold_until": _local(appointment.centre, appointment.hold_expires_at),
        "hold_minutes": math.ceil(seconds / 60),
        "hold_over": seconds <= 0,
    }


def _can_change(appointment, now: dt.datetime) -> bool:
    return appointment.status in (S.HELD, S.CONFIRMED) and appointment.starts_at - policy.change_cutoff() >= now


def _documents(service) -> list[str]:
    return [str(doc.name) for doc in RequiredDocument.objects.filter(service=service).order_by("position", "id")]


def _manage_absolute(request, token: str) -> str:
    return request.build_absolute_uri(reverse("appointments:manage", kwargs={"token": token}))


# --- the month calendar, shared by booking and moving -------------------------------------


def month_calendar_context(*, service, centre, month: dt.date | None, day_url, now: dt.datetime | None = None) -> dict:
    """Weeks of day cells for a month: each day free (with how many times), full, closed or not bookable.

    `day_url(date) -> str` links a day with room; `month` None means the month of the first day with room."""
    now = now or timezone.now()
    earliest, last_day = availability.booking_window(centre, now)
    first_day = earliest.astimezone(centre.tz).date()
    first_month, last_month = _month_start(first_day), _month_start(last_day)
    if month is None:
        room = availability.days_with_room(
            service=service, centre=centre, first_day=first_day, last_day=last_day, now=now
        )
        with_room = [day for day, count in sorted(room.items()) if count]
        month = _month_start(with_room[0]) if with_room else first_month
    month = min(max(_month_start(month), first_month), last_month)
    month_end = _add_months(month, 1) - dt.timedelta(days=1)
    room = availability.days_with_room(service=service, centre=centre, first_day=month, last_day=month_end, now=now)
    holidays = holiday_dates(month, month_end)
    weeks = []
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        cells = []
        for day in week:
            if day.month != month.month:
                cells.append({"day": day, "state": "other"})
                continue
            count = room.get(day)
            if count is None:
                state = "outside"
            elif count:
                state = "free"
            elif open_periods(centre, day, holidays=holidays):
                state = "full"
            else:
                state = "closed"
            cells.append(
                {"day": day, "state": state, "count": count or 0, "url": day_url(day) if state == "free" else ""}
            )
        weeks.append(cells)
    return {
        "month": month,
        "weeks": weeks,
        "weekdays": [WEEKDAYS_ABBR[i] for i in range(7)],
        "previous_month": _add_months(month, -1) if month > first_month else None,
        "next_month": _add_months(month, 1) if month < last_month else None,
        "free_days": sum(1 for count in room.values() if count),
    }


def _month_param(request) -> dt.date | None:
    # A month that is not one (or far outside the calendar) shows the first month with room.
    value = request.GET.get("month", "")
    try:
        return date_parse(f"{value}-01")
    except DateInvalid:
        return None


def _render_calendar(request, template: str, context: dict):
    if request.htmx and not request.htmx.boosted:
        response = render(request, "appointments/partials/calendar.html", context)
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- booking: service, centre, date, time ---------------------------------------------------


class BookingStartView(View):
    """Step 1: which service. The service page's "Book a visit" button arrives with ?service=CODE."""

    def get(self, request):
        code = request.GET.get("service", "").strip()
        if code:
            service = _bookable_service(code)
            return redirect("appointments:book_centre", service=service.code)
        form = BookableServiceSearchForm(request.GET or None)
        query = form.cleaned_data["q"].strip() if form.is_valid() else ""
        results = []
        if query:
            results = [s for s in list(service_list(query=query))[:40] if s.bookable_online][:20]
        return render(request, "appointments/book_service.html", {"form": form, "query": query, "results": results})


class BookingCentreView(View):
    """Step 2: where. Each centre with its earliest free time, soonest first; optionally one city."""

    def get(self, request, service):
        service = _bookable_service(service)
        every_centre = list(centre_list(service=service.code))
        cities = alphabetical({c.city for c in every_centre})
        city = request.GET.get("city", "")
        centres = [c for c in every_centre if c.city.code == city] if city else every_centre
        earliest = {item.centre.pk: item.slot for item in availability.earliest_slots(service=service, centres=centres)}
        rows = [(centre, earliest.get(centre.pk)) for centre in centres]
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        rows.sort(key=lambda row: (row[1] is None, row[1].starts_at.astimezone(dt.UTC) if row[1] else far))
        context = {
            "service": service,
            "rows": rows,
            "cities": cities,
            "city": city,
            "max_days": policy.max_days_ahead(),
            "waitlist_available": True,
        }
        return render(request, "appointments/book_centre.html", context)


class BookingDateView(View):
    """Step 3: which day. A month calendar; htmx swaps only the calendar when the month changes."""

    def get(self, request, service, centre):
        service = _bookable_service(service)
        centre = _bookable_centre(service, centre)

        def day_url(day):
            return reverse(
                "appointments:book_time",
                kwargs={"service": service.code, "centre": centre.code, "day": day.isoformat()},
            )

        context = month_calendar_context(service=service, centre=centre, month=_month_param(request), day_url=day_url)
        context.update(
            service=service,
            centre=centre,
            calendar_url=reverse("appointments:book_date", kwargs={"service": service.code, "centre": centre.code}),
            waitlist_available=True,
        )
        return _render_calendar(request, "appointments/book_date.html", context)


class BookingTimeView(View):
    """Step 4: which time on the chosen day."""

    def get(self, request, service, centre, day):
        service = _bookable_service(service)
        centre = _bookable_centre(service, centre)
        day = _parse_day(day)
        slots = availability.day_slots(service=service, centre=centre, day=day)
        times = [
            (
                _local(centre, slot.starts_at),
                reverse(
                    "appointments:book_details",
                    kwargs={"service": service.code, "centre": centre.code, **_time_kwargs(centre, slot.starts_at)},
                ),
            )
            for slot in slots
        ]
        context = {
            "service": service,
            "centre": centre,
            "day": day,
            "times": times,
            "calendar_url": reverse("appointments:book_date", kwargs={"service": service.code, "centre": centre.code})
            + f"?month={day:%Y-%m}",
            "waitlist_available": True,
        }
        return render(request, "appointments/book_time.html", context)


# --- booking: details, code, confirmation ---------------------------------------------------


class BookingDetailsView(View):
    """Step 5: who is coming. The POST holds the time and sends the SMS code."""

    def _setup(self, service, centre, day, time):
        service = _bookable_service(service)
        centre = _bookable_centre(service, centre)
        return service, centre, _parse_start(centre, day, time)

    def _render(self, request, *, service, centre, starts_at, form, status=200, refusal=None, nearest=None):
        nearest_links = [
            (
                start,
                reverse(
                    "appointments:book_details",
                    kwargs={"service": service.code, "centre": centre.code, **_time_kwargs(centre, start)},
                ),
            )
            for start in (nearest or [])
        ]
        context = {
            "service": service,
            "centre": centre,
            "starts_at": starts_at,
            "ends_at": starts_at + availability.service_duration(service),
            "form": form,
            "refusal": refusal,
            "taken": isinstance(refusal, SlotTaken),
            "nearest": nearest_links,
            "hold_minutes": int(policy.hold_duration().total_seconds() // 60),
            "calendar_url": reverse("appointments:book_date", kwargs={"service": service.code, "centre": centre.code}),
            "waitlist_available": True,
        }
        return _private(render(request, "appointments/book_details.html", context, status=status))

    def get(self, request, service, centre, day, time):
        service, centre, starts_at = self._setup(service, centre, day, time)
        form = CitizenDetailsForm(initial={"language": get_language()})
        refusal, nearest = None, None
        if availability.slot_at(service=service, centre=centre, starts_at=starts_at) is None:
            refusal = SlotTaken(MESSAGES["slot_taken"])
            nearest = [
                _local(centre, slot.starts_at)
                for slot in availability.nearest_free_slots(service=service, centre=centre, around=starts_at)
            ]
        return self._render(
            request, service=service, centre=centre, starts_at=starts_at, form=form, refusal=refusal, nearest=nearest
        )

    def post(self, request, service, centre, day, time):
        service, centre, starts_at = self._setup(service, centre, day, time)
        form = CitizenDetailsForm(request.POST)
        page = {"service": service, "centre": centre, "starts_at": starts_at, "form": form}
        limited = _rate_limited(request, "booking_create")
        if limited:
            return self._render(request, **page, refusal=limited, status=limited.status_code)
        if not form.is_valid():
            return self._render(request, **page, status=400)
        try:
            result = appointment_book(service=service, centre=centre, starts_at=starts_at, **form.cleaned_data)
        except InvalidDetails as refusal:
            for field, errors in refusal.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self._render(request, **page, status=refusal.status_code)
        except SlotTaken as refusal:
            nearest = _nearest_from(refusal, centre)
            return self._render(request, **page, refusal=refusal, nearest=nearest, status=refusal.status_code)
        except BookingError as refusal:
            return self._render(request, **page, refusal=refusal, status=refusal.status_code)
        request.session[SESSION_TOKEN] = result.manage_token
        return redirect("appointments:book_verify")


class BookingVerifyView(View):
    """Step 6: the code from the SMS confirms the phone and the booking."""

    def _render(self, request, appointment, form, *, refusal=None, status=200):
        context = {
            "appointment": appointment,
            "form": form,
            "refusal": refusal,
            "local_start": _local(appointment.centre, appointment.starts_at),
            "held": appointment.status == S.HELD,
            "sends_left": max(0, policy.code_max_sends() - appointment.verification_codes_sent),
            **_hold_context(appointment, timezone.now()),
        }
        return _private(render(request, "appointments/book_verify.html", context, status=status))

    def get(self, request):
        appointment, _token = _session_appointment(request)
        if appointment is None:
            return _no_booking_in_progress(request)
        if appointment.status == S.CONFIRMED:
            return redirect("appointments:book_done")
        refusal = None
        if appointment.status != S.HELD or (
            appointment.hold_expires_at and appointment.hold_expires_at <= timezone.now()
        ):
            refusal = BookingError(MESSAGES["code_expired"])
        return self._render(request, appointment, VerificationCodeForm(), refusal=refusal)

    def post(self, request):
        appointment, token = _session_appointment(request)
        if appointment is None:
            return _no_booking_in_progress(request)
        form = VerificationCodeForm(request.POST)
        limited = _rate_limited(request, "code_attempt") or _rate_limited(
            request, "code_attempt_booking", key=appointment.reference
        )
        if limited:
            return self._render(request, appointment, form, refusal=limited, status=limited.status_code)
        if not form.is_valid():
            return self._render(request, appointment, form, status=400)
        try:
            appointment = appointment_verify(
                appointment=appointment, code=form.cleaned_data["code"], manage_token=token
            )
        except BookingError as refusal:
            if refusal.fields.get("code"):
                form.add_error("code", refusal.message)
            appointment.refresh_from_db()
            return self._render(request, appointment, form, refusal=refusal, status=refusal.status_code)
        return redirect("appointments:book_done")


class BookingResendCodeView(View):
    """Send a new SMS code (a POST: opening a link never sends anything)."""

    def post(self, request):
        appointment, _token = _session_appointment(request)
        if appointment is None:
            return _no_booking_in_progress(request)
        refusal = _rate_limited(request, "code_attempt")
        if refusal is None:
            try:
                appointment_resend_code(appointment=appointment)
            except BookingError as error:
                refusal = error
        if refusal is not None:
            appointment.refresh_from_db()
            return BookingVerifyView()._render(
                request, appointment, VerificationCodeForm(), refusal=refusal, status=refusal.status_code
            )
        messages.success(request, _("We have sent a new code to %(phone)s.") % {"phone": appointment.phone})
        return redirect("appointments:book_verify")


class BookingDoneView(View):
    """Step 7: confirmed. Reference, QR code of the manage link, what to bring, where, .ics."""

    def get(self, request):
        appointment, token = _session_appointment(request)
        if appointment is None:
            return _no_booking_in_progress(request)
        if appointment.status == S.HELD:
            return redirect("appointments:book_verify")
        manage_url = _manage_absolute(request, token)
        # This browser holds the token already: let it open the booking's clean pages (the .ics link).
        appointment_grant(request, appointment, token)
        context = {
            "appointment": appointment,
            "manage_url": manage_url,
            "qr": qr_svg(manage_url, title=_("QR code of your private booking link")),
            "documents": _documents(appointment.service),
            **_appointment_context(appointment),
        }
        return _private(render(request, "appointments/book_done.html", context))


def _appointment_context(appointment) -> dict:
    now = timezone.now()
    centre = appointment.centre
    return {
        "local_start": _local(centre, appointment.starts_at),
        "local_end": _local(centre, appointment.ends_at),
        "can_change": _can_change(appointment, now),
        "is_active": appointment.is_active,
        "cutoff_minutes": int(policy.change_cutoff().total_seconds() // 60),
        "check_in_minutes": int(policy.check_in_early().total_seconds() // 60),
        "late_minutes": int(policy.late_grace().total_seconds() // 60),
    }


# --- the private manage link ----------------------------------------------------------------
# The link in the SMS (manage/<token>/) is only an entrance: it grants this session the booking
# and redirects to the booking's clean pages (booking/<reference>/...), which carry no token and
# open only for a session holding the grant (asan_portal/private_links.py, docs/adr/0019).

GRANT = "appointment"


def appointment_grant(request, appointment, token: str) -> None:
    """Let this session open `appointment`'s clean manage pages (the holder knows its token)."""
    private_link_grant(request, kind=GRANT, key=appointment.reference, token=token)


def _granted_or_404(request, reference: str):
    """(appointment, token) for the booking this session was granted, else a 404.

    The grant holds the token: a token re-issued since (a counter closure) no longer opens it."""
    token = private_link_token(request, kind=GRANT, key=reference)
    appointment = appointment_get_by_token(token)
    if appointment is None or appointment.reference != reference:
        private_link_revoke(request, kind=GRANT, key=reference)
        raise PrivateLinkMissing
    return appointment, token


def _manage_page(appointment) -> str:
    return reverse("appointments:booking", kwargs={"reference": appointment.reference})


def _render_manage(request, appointment, *, refusal=None, status=200):
    context = {
        "appointment": appointment,
        "refusal": refusal,
        "documents": _documents(appointment.service),
        **_appointment_context(appointment),
    }
    return _private(render(request, "appointments/manage.html", context, status=status))


class AppointmentManageLinkView(View):
    """The private link itself: a known token is exchanged for a grant in the session and the
    browser sent on (303) to the booking's clean page; an unknown one is a 404."""

    def get(self, request, token):
        appointment = appointment_get_by_token(token)
        if appointment is None:
            raise Http404
        appointment_grant(request, appointment, token)
        return _private(see_other(_manage_page(appointment)))


class AppointmentManageView(View):
    """The booking's page, for the session that opened its private link. Opening it only shows; buttons POST."""

    def get(self, request, reference):
        appointment, _token = _granted_or_404(request, reference)
        return _render_manage(request, appointment)


class AppointmentCancelView(View):
    """GET asks "are you sure?"; only the POST cancels."""

    def get(self, request, reference):
        appointment, _token = _granted_or_404(request, reference)
        if not _can_change(appointment, timezone.now()):
            return redirect(_manage_page(appointment))
        context = {"appointment": appointment, **_appointment_context(appointment)}
        return _private(render(request, "appointments/manage_cancel.html", context))

    def post(self, request, reference):
        appointment, _token = _granted_or_404(request, reference)
        try:
            appointment_cancel(appointment=appointment)
        except BookingError as refusal:
            return _render_manage(request, appointment, refusal=refusal, status=refusal.status_code)
        messages.success(request, _("Your booking is cancelled. The time is free for someone else."))
        return redirect(_manage_page(appointment))


class AppointmentMoveDateView(View):
    """Moving: the calendar again, for the same service and centre."""

    def get(self, request, reference):
        appointment, _token = _granted_or_404(request, reference)
        if not _can_change(appointment, timezone.now()):
            return redirect(_manage_page(appointment))

        def day_url(day):
            return reverse("appointments:manage_move_time", kwargs={"reference": reference, "day": day.isoformat()})

        context = month_calendar_context(
            service=appointment.service, centre=appointment.centre, month=_month_param(request), day_url=day_url
        )
        context.update(
            appointment=appointment,
            service=appointment.service,
            centre=appointment.centre,
            calendar_url=reverse("appointments:manage_move", kwargs={"reference": reference}),
            **_appointment_context(appointment),
        )
        return _private(_render_calendar(request, "appointments/manage_move_date.html", context))


class AppointmentMoveTimeView(View):
    def get(self, request, reference, day):
        appointment, _token = _granted_or_404(request, reference)
        if not _can_change(appointment, timezone.now()):
            return redirect(_manage_page(appointment))
        centre = appointment.centre
        day = _parse_day(day)
        slots = availability.day_slots(
            service=appointment.service, centre=centre, day=day, exclude_appointment=appointment
        )
        times = [
            (
                _local(centre, slot.starts_at),
                reverse(
                    "appointments:manage_move_confirm",
                    kwargs={"reference": reference, **_time_kwargs(centre, slot.starts_at)},
                ),
            )
            for slot in slots
            if slot.starts_at != appointment.starts_at
        ]
        context = {
            "appointment": appointment,
            "service": appointment.service,
            "centre": centre,
            "day": day,
            "times": times,
            "calendar_url": reverse("appointments:manage_move", kwargs={"reference": reference})
            + f"?month={day:%Y-%m}",
            "moving": True,
        }
        return _private(render(request, "appointments/book_time.html", context))


class AppointmentMoveConfirmView(View):
    """GET shows old and new time and a button; the POST moves the booking."""

    def _render(self, request, appointment, starts_at, *, refusal=None, nearest=None, status=200):
        centre = appointment.centre
        context = {
            "appointment": appointment,
            "new_start": starts_at,
            "refusal": refusal,
            "nearest": [
                (
                    start,
                    reverse(
                        "appointments:manage_move_confirm",
                        kwargs={"reference": appointment.reference, **_time_kwargs(centre, start)},
                    ),
                )
                for start in (nearest or [])
            ],
            **_appointment_context(appointment),
        }
        return _private(render(request, "appointments/manage_move_confirm.html", context, status=status))

    def get(self, request, reference, day, time):
        appointment, _token = _granted_or_404(request, reference)
        if not _can_change(appointment, timezone.now()):
            return redirect(_manage_page(appointment))
        starts_at = _parse_start(appointment.centre, day, time)
        return self._render(request, appointment, starts_at)

    def post(self, request, reference, day, time):
        appointment, _token = _granted_or_404(request, reference)
        starts_at = _parse_start(appointment.centre, day, time)
        try:
            appointment_reschedule(appointment=appointment, starts_at=starts_at)
        except SlotTaken as refusal:
            nearest = _nearest_from(refusal, appointment.centre)
            return self._render(
                request, appointment, starts_at, refusal=refusal, nearest=nearest, status=refusal.status_code
            )
        except BookingError as refusal:
            return self._render(request, appointment, starts_at, refusal=refusal, status=refusal.status_code)
        messages.success(
            request,
            _("Your booking is moved to %(when)s.")
            % {"when": date_format(_local(appointment.centre, starts_at), "d.m.Y H:i")},
        )
        return redirect(_manage_page(appointment))


class AppointmentCalendarFileView(View):
    """The booking as an .ics file for the citizen's calendar (it carries the private link, which
    the citizen's calendar keeps: that is the link that opens the booking again)."""

    def get(self, request, reference):
        appointment, token = _granted_or_404(request, reference)
        text = appointment_ics(
            appointment,
            manage_link=_manage_absolute(request, token),
            documents=_documents(appointment.service),
            language=get_language(),
        )
        response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="asan-{appointment.reference}.ics"'
        return _private(response)


# --- the waitlist ---------------------------------------------------------------------------


class WaitlistJoinView(View):
    """When nothing is free: wait for a time someone gives up (offered by SMS, first come first served)."""

    def _render(self, request, service, centre, form, *, refusal=None, joined=False, entry_url="", status=200):
        context = {
            "entry_url": entry_url,
            "service": service,
            "centre": centre,
            "form": form,
            "refusal": refusal,
            "joined": joined,
            "offer_minutes": int(policy.waitlist_offer_duration().total_seconds() // 60),
        }
        return _private(render(request, "appointments/waitlist.html", context, status=status))

    def get(self, request, service, centre):
        service = _bookable_service(service)
        centre = _bookable_centre(service, centre)
        earliest, last_day = availability.booking_window(centre)
        first = earliest.astimezone(centre.tz).date()
        form = WaitlistForm(
            initial={"language": get_language(), "first_day": first, "last_day": min(last_day, first + dt.timedelta(7))}
        )
        return self._render(request, service, centre, form)

    def post(self, request, service, centre):
        service = _bookable_service(service)
        centre = _bookable_centre(service, centre)
        form = WaitlistForm(request.POST)
        limited = _rate_limited(request, "booking_create")
        if limited:
            return self._render(request, service, centre, form, refusal=limited, status=limited.status_code)
        if not form.is_valid():
            return self._render(request, service, centre, form, status=400)
        try:
            _entry, token = waitlist_join(service=service, centre=centre, **form.cleaned_data)
        except BookingError as refusal:
            for field, errors in refusal.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self._render(request, service, centre, form, refusal=refusal, status=refusal.status_code)
        entry_url = reverse("appointments:waitlist_offer", kwargs={"token": token})
        return self._render(request, service, centre, WaitlistForm(), joined=True, entry_url=entry_url)
