"""Staff pages for a centre's bookings: the day's list, one booking (check in, cancel, move),
a booking taken by phone, closing a counter.

Every page needs a login and fetches the centre with centre_for_staff_or_404 (someone else's
centre is a 404). Officials see every centre but only look: any POST needs staff_can_act
(the centre's own operators and managers, or a superuser); closing a counter needs a manager.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views import View

from asan_portal.alphabetical import alphabetical
from asan_portal.api import DomainError
from asan_portal.dates import DateInvalid, date_parse
from asan_portal.private_pages import private_page
from centres.models import StaffRole
from centres.permissions import centre_for_staff_or_404, centres_for_user
from centres.selectors import centre_get_with_hours

from . import availability, queue, services
from .arrival import check_in_opens_at, lapses_after
from .errors import BookingError
from .models import ACTIVE_STATUSES, AppointmentStatus
from .staff import (
    counter_close,
    counter_closure_change,
    staff_appointment_book,
    staff_can_act,
    staff_is_read_only,
)
from .staff_forms import (
    ClosureShortenForm,
    CounterClosureForm,
    DayFilterForm,
    PhoneInBookingForm,
    SlotChoiceForm,
    SlotSearchForm,
    StaffCancelForm,
)
from .staff_selectors import (
    mask,
    staff_appointment_get_or_404,
    staff_appointment_search,
    staff_counter_closures,
    staff_day_appointments,
)


@private_page
class StaffCentreMixin(LoginRequiredMixin):
    """Loads `self.centre` for the URL's centre code, or 404 when the user does not work there."""

    act_roles = (StaffRole.OPERATOR, StaffRole.MANAGER)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.centre = centre_for_staff_or_404(request.user, kwargs["centre"])
        # Hours, closures and counters prefetched for availability.
        self.centre = centre_get_with_hours(self.centre.code)
        self.can_act = staff_can_act(request.user, self.centre, roles=self.act_roles)
        if request.method == "POST" and not self.can_act:
            raise PermissionDenied
        # Times typed and shown on these pages are the centre's wall clock.
        with timezone.override(self.centre.tz):
            return super().dispatch(request, *args, **kwargs)

    def context(self, **extra):
        return {
            "centre": self.centre,
            "can_act": self.can_act,
            "read_only": staff_is_read_only(self.request.user, self.centre),
            "can_close": staff_can_act(self.request.user, self.centre, roles=(StaffRole.MANAGER,)),
            **extra,
        }


def _today(centre) -> dt.date:
    return timezone.now().astimezone(centre.tz).date()


def _parse_start(value: str, centre):
    start = parse_datetime(value or "")
    if start is None:
        return None
    return start if timezone.is_aware(start) else start.replace(tzinfo=centre.tz)


class StaffHomeView(LoginRequiredMixin, View):
    """The centres whose bookings the user may see."""

    def get(self, request):
        centres = alphabetical(centres_for_user(request.user).select_related("city"))
        if not centres:
            raise PermissionDenied
        if len(centres) == 1:
            return redirect("appointments_staff:day", centre=centres[0].code)
        return render(request, "appointments/staff/home.html", {"centres": centres})


class StaffDayView(StaffCentreMixin, View):
    def get(self, request, centre):
        form = DayFilterForm(request.GET or None, centre=self.centre)
        filters = form.cleaned_data if form.is_valid() else {}
        # A filter that is not valid (a date outside the calendar, an unknown counter) shows today
        # with the field's message, answered as the 400 it is.
        status = 400 if form.is_bound and form.errors else 200
        day = filters.get("date") or _today(self.centre)
        query = (filters.get("q") or "").strip()
        search_error = ""
        if query:
            found = staff_appointment_search(centre=self.centre, query=query)
            if found is None:
                search_error = _("Type a booking reference (ABCD-1234), a FIN (7 characters) or a mobile number.")
                rows = []
            else:
                rows = list(found)
        else:
            rows = list(
                staff_day_appointments(
                    centre=self.centre,
                    day=day,
                    status=filters.get("status") or "",
                    counter=filters.get("counter"),
                    service=filters.get("service"),
                )
            )
        for appointment in rows:
            appointment.fin_masked = mask(appointment.fin, 2)
            appointment.phone_masked = mask(appointment.phone, 4)
        context = self.context(
            form=form,
            day=day,
            previous_day=day - dt.timedelta(days=1),
            next_day=day + dt.timedelta(days=1),
            rows=rows,
            query=query,
            search_error=search_error,
            active_count=sum(1 for a in rows if a.status in ACTIVE_STATUSES),
        )
        return render(request, "appointments/staff/day.html", context, status=status)


class StaffAppointmentDetailView(StaffCentreMixin, View):
    def get(self, request, centre, reference):
        appointment = staff_appointment_get_or_404(centre=self.centre, reference=reference)
        return render(request, "appointments/staff/detail.html", self._context(appointment))

    def _context(self, appointment, **extra):
        now = timezone.now()
        return self.context(
            appointment=appointment,
            check_in_opens=check_in_opens_at(appointment),
            lapses_after=lapses_after(appointment),
            check_in_open_now=check_in_opens_at(appointment) <= now,
            is_changeable=appointment.status in (AppointmentStatus.HELD, AppointmentStatus.CONFIRMED),
            **extra,
        )


class StaffAppointmentCancelView(StaffCentreMixin, View):
    """Cancel a booking in two steps (issue 12.4): GET asks to confirm and for the reason the
    citizen is told; POST with a reason cancels. Without a reason it is a 400 with the error."""

    def _render(self, request, appointment, form, status=200):
        context = self.context(appointment=appointment, form=form)
        return render(request, "appointments/staff/cancel.html", context, status=status)

    def get(self, request, centre, reference):
        if not self.can_act:
            raise PermissionDenied
        appointment = staff_appointment_get_or_404(centre=self.centre, reference=reference)
        return self._render(request, appointment, StaffCancelForm())

    def post(self, request, centre, reference):
        appointment = staff_appointment_get_or_404(centre=self.centre, reference=reference)
        form = StaffCancelForm(request.POST)
        if not form.is_valid():
            return self._render(request, appointment, form, status=400)
        try:
            services.appointment_cancel(
                appointment=appointment,
                by_staff=request.user,
                reason=form.cleaned_data["reason"],
                reason_details=form.cleaned_data["reason_details"],
            )
        except BookingError as refusal:
            for field, errors in refusal.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not refusal.fields:
                form.add_error(None, refusal.message)
            return self._render(request, appointment, form, status=refusal.status_code)
        messages.success(request, _("The booking is cancelled and the citizen informed."))
        return redirect("appointments_staff:detail", centre=self.centre.code, reference=appointment.reference)


class StaffAppointmentActionView(StaffCentreMixin, View):
    """POST only: check in (and so a queue ticket); refusals come back as a message on the booking's page."""

    action = ""

    def post(self, request, centre, reference):
        appointment = staff_appointment_get_or_404(centre=self.centre, reference=reference)
        try:
            # The one check-in service (desk, kiosk and API alike): it gives the ticket.
            ticket = queue.ticket_check_in_appointment(appointment=appointment, by=request.user)
            messages.success(
                request,
                _("Checked in. Queue ticket %(code)s: the citizen is called at the booked time, ahead of walk-ins.")
                % {"code": ticket.display_code},
            )
        except DomainError as refusal:
            messages.error(request, refusal.message)
        return redirect("appointments_staff:detail", centre=self.centre.code, reference=appointment.reference)


class StaffAppointmentMoveView(StaffCentreMixin, View):
    """Move a booking to another free time: pick a date (GET), then a time (POST)."""

    def _render(self, request, appointment, day, form, status=200, date_error=""):
        context = self.context(appointment=appointment, day=day, form=form, date_error=date_error)
        return render(request, "appointments/staff/move.html", context, status=status)

    def _day(self, request, appointment):
        """The day asked for (?date=), else the booking's own; DateInvalid for a bad one."""
        raw = request.GET.get("date") or request.POST.get("date") or ""
        return date_parse(raw) if raw else appointment.local_date

    def _bad_day(self, request, appointment, refusal):
        day = appointment.local_date
        form = SlotChoiceForm(slots=self._slots(appointment, day))
        return self._render(request, appointment, day, form, status=400, date_error=refusal.message)

    def _slots(self, appointment, day):
        return availability.day_slots(
            service=appointment.service, centre=self.centre, day=day, exclude_appointment=appointment
        )

    def get(self, request, centre, reference):
        appointment = staff_appointment_get_or_404(centre=self.centre, reference=reference)
        try:
            day = self._day(request, appointment)
        except DateInvalid as refusal:
            return self._bad_day(request, appointment, refusal)
        return self._render(request, appointment, day, SlotChoiceForm(slots=self._slots(appointment, day)))

    def post(self, request, centre, reference):
        appointment = staff_appointment_get_or_404(centre=self.centre, reference=reference)
        try:
            day = self._day(request, appointment)
        except DateInvalid as refusal:
            return self._bad_day(request, appointment, refusal)
        form = SlotChoiceForm(request.POST, slots=self._slots(appointment, day))
        if not form.is_valid():
            return self._render(request, appointment, day, form, status=400)
        try:
            services.appointment_reschedule(
                appointment=appointment,
                starts_at=_parse_start(form.cleaned_data["start"], self.centre),
                by_staff=request.user,
            )
        except BookingError as refusal:
            form.add_error(None, refusal.message)
            return self._render(request, appointment, day, form, status=refusal.status_code)
        messages.success(request, _("The booking is moved and the citizen informed."))
        return redirect("appointments_staff:detail", centre=self.centre.code, reference=appointment.reference)


class StaffPhoneInBookingView(StaffCentreMixin, View):
    """A booking taken by phone: choose service and date, then a time and the citizen's details."""

    def _search(self, data):
        query = (data.get("service_q") or "").strip()[:100]
        # Only "Find a service" typed (no service chosen yet): narrow the list, show no errors.
        bound = data if (data.get("service") or (data.get("date") and not query)) else None
        search = SlotSearchForm(
            bound, centre=self.centre, service_query=query, initial={"service_q": query, "date": data.get("date")}
        )
        slots = []
        if search.is_valid():
            slots = availability.day_slots(
                service=search.cleaned_data["service"], centre=self.centre, day=search.cleaned_data["date"]
            )
        return search, slots

    def _render(self, request, search, slots, form, status=200):
        query = (request.GET.get("service_q") or request.POST.get("service_q") or "").strip()[:100]
        context = self.context(search=search, slots=slots, form=form, service_q=query)
        return render(request, "appointments/staff/book.html", context, status=status)

    def get(self, request, centre):
        search, slots = self._search(request.GET)
        status = 400 if search.is_bound and search.errors else 200
        return self._render(request, search, slots, PhoneInBookingForm(slots=slots), status=status)

    def post(self, request, centre):
        search, slots = self._search(request.POST)
        form = PhoneInBookingForm(request.POST, slots=slots)
        if not (search.is_valid() and form.is_valid()):
            return self._render(request, search, slots, form, status=400)
        details = {k: form.cleaned_data[k] for k in ("full_name", "fin", "phone", "email", "language")}
        try:
            result = staff_appointment_book(
                user=request.user,
                service=search.cleaned_data["service"],
                centre=self.centre,
                starts_at=_parse_start(form.cleaned_data["start"], self.centre),
                **details,
            )
        except BookingError as refusal:
            for field, errors in refusal.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not refusal.fields:
                form.add_error(None, refusal.message)
            return self._render(request, search, slots, form, status=refusal.status_code)
        messages.success(
            request,
            _("Booked: %(reference)s. The citizen gets the confirmation by SMS.")
            % {"reference": result.appointment.reference},
        )
        return redirect("appointments_staff:detail", centre=self.centre.code, reference=result.appointment.reference)


class StaffCounterCloseView(StaffCentreMixin, View):
    """Close a counter for a period (managers): its bookings then are flagged, citizens told."""

    act_roles = (StaffRole.MANAGER,)

    def _render(self, request, form, status=200, **extra):
        context = self.context(
            form=form, closures=staff_counter_closures(centre=self.centre, since=timezone.now()), **extra
        )
        return render(request, "appointments/staff/close_counter.html", context, status=status)

    def get(self, request, centre):
        return self._render(request, CounterClosureForm(centre=self.centre))

    def post(self, request, centre):
        form = CounterClosureForm(request.POST, centre=self.centre)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        try:
            _closure, flagged = counter_close(
                counter=data["counter"],
                # Typed as the centre's wall-clock time, whatever the server's zone.
                starts_at=timezone.make_naive(data["starts_at"]),
                ends_at=timezone.make_naive(data["ends_at"]),
                reason=data["reason"],
                by=request.user,
            )
        except BookingError as refusal:
            for field, errors in refusal.fields.items():
                for error in errors:
                    form.add_error(field, error)
            if not refusal.fields:
                form.add_error(None, refusal.message)
            return self._render(request, form, status=400)
        messages.success(
            request,
            _("Counter %(number)s is closed. %(count)s bookings need a new time; their citizens are told by SMS.")
            % {"number": data["counter"].number, "count": len(flagged)},
        )
        return redirect(reverse("appointments_staff:close_counter", kwargs={"centre": self.centre.code}))


class StaffCounterClosureChangeView(StaffCounterCloseView):
    """POST only (managers of the centre): lift a closure or give it an earlier end; the
    citizens whose bookings are valid again are told (appointments.staff.counter_closure_change).
    A refusal comes back on the closures page as a 400 with the message."""

    http_method_names = ["post"]
    action = ""

    def post(self, request, centre, closure):
        ends_at = None
        if self.action == "shorten":
            shorten = ClosureShortenForm(request.POST)
            if not shorten.is_valid():
                return self._refused(request, closure, _("Enter the new end as a date and time."))
            # Typed as the centre's wall-clock time, whatever the server's zone.
            ends_at = timezone.make_naive(shorten.cleaned_data["ends_at"])
        try:
            changed, released = counter_closure_change(
                closure_id=closure, centre=self.centre, ends_at=ends_at, by=request.user
            )
        except BookingError as refusal:
            return self._refused(request, closure, refusal.message)
        count = len(released)
        if changed is None or self.action == "lift":
            text = _("The closure is lifted. %(count)s bookings are valid again; their citizens are told by SMS.")
        else:
            text = _("The closure is shortened. %(count)s bookings are valid again; their citizens are told by SMS.")
        messages.success(request, text % {"count": count})
        return redirect(reverse("appointments_staff:close_counter", kwargs={"centre": self.centre.code}))

    def _refused(self, request, closure, message):
        return self._render(
            request, CounterClosureForm(centre=self.centre), status=400, change_error=message, change_closure=closure
        )
