"""The coordinator's pages for the days themselves: a centre's roster by week (printable, CSV),
the coverage of each day with the gaps, check-in and check-out buttons, the centre's QR poster,
a volunteer's history with "programme completed".

All need the VOLUNTEER_COORDINATOR role (or a superuser): anonymous visitors are sent to log
in, other accounts get 403. Views stay thin: rules in volunteers.attendance, reads in
volunteers.selectors; a refusal is shown with its message and 4xx status.
"""

import csv
import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from appointments.qr import qr_svg
from asan_portal.alphabetical import alphabetical
from asan_portal.api import DomainError
from asan_portal.dates import DateInvalid, date_parse
from asan_portal.private_pages import private_page
from centres.models import Centre

from . import selectors
from .attendance import (
    AUTO_CHECK_OUT_AFTER,
    centre_check_in_token,
    check_in_opens_before,
    signup_check_in,
    signup_check_out,
    volunteer_programme_complete,
)
from .models import ShiftSignup, SignupStatus, Volunteer
from .permissions import coordinator_required
from .views_attendance import volunteer_page_context

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ...except a plain signed number such as a phone "+994501234567", which is no formula.
PLAIN_NUMBER = re.compile(r"[+-]?\d+")


@private_page
class CoordinatorMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        coordinator_required(request.user)
        return super().dispatch(request, *args, **kwargs)


class BadWeek(ValueError):
    """?week= is not a date, or one outside the calendar the portal handles; `message` says which."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


def _week(request, centre: Centre) -> dt.date:
    """The Monday of ?week=YYYY-MM-DD (any day of the week will do), else this week at the centre."""
    raw = request.GET.get("week", "").strip()
    if not raw:
        return selectors.week_start_of(timezone.localtime(timezone.now(), centre.tz).date())
    try:
        return selectors.week_start_of(date_parse(raw))
    except DateInvalid as error:
        if error.code == "date_range":
            raise BadWeek(error.message) from error
        raise BadWeek(_("The week must be a date written as YYYY-MM-DD, for example 2026-03-02.")) from error


def _bad_week(request, template, context, refusal):
    context["error"] = refusal.message
    return render(request, template, context, status=400)


def csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading quote."""
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class RosterView(CoordinatorMixin, View):
    """A centre's shifts for a week, day by day, with who is signed up and who waits; today's
    signed-up volunteers get check-in and check-out buttons."""

    template_name = "volunteers/roster.html"

    def get(self, request, centre):
        centre = get_object_or_404(Centre, code=centre)
        base = {"centre": centre, "centres": alphabetical(Centre.objects.all())}
        try:
            week = _week(request, centre)
        except BadWeek as refusal:
            return _bad_week(request, self.template_name, {**base, "days": [], "week": None}, refusal)
        return render(request, self.template_name, {**base, **self._context(centre, week)})

    @staticmethod
    def _context(centre, week):
        now = timezone.now()
        today = timezone.localtime(now, centre.tz).date()
        days = selectors.roster_week(centre=centre, week_start=week)
        for day in days:
            for item in day.shifts:
                # Buttons on today's shifts, and on a late shift that ran past midnight until
                # its forgotten check-outs are closed automatically.
                item.actions_open = day.date == today or (
                    item.shift.starts_at <= now + check_in_opens_before()
                    and item.shift.ends_at + AUTO_CHECK_OUT_AFTER > now
                )
        return {
            "days": days,
            "week": week,
            "week_end": week + dt.timedelta(days=6),
            "previous_week": week - dt.timedelta(days=7),
            "next_week": week + dt.timedelta(days=7),
            "today": today,
            "now": now,
        }


class RosterCsvView(CoordinatorMixin, View):
    """The same rows as the roster page, with phones, as CSV (UTF-8 with a BOM so Excel reads
    Azerbaijani letters)."""

    def get(self, request, centre):
        centre = get_object_or_404(Centre, code=centre)
        try:
            week = _week(request, centre)
        except BadWeek as refusal:
            return HttpResponse(refusal.message, status=400, content_type="text/plain; charset=utf-8")
        days = selectors.roster_week(centre=centre, week_start=week)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="roster-{centre.code}-{week.isoformat()}.csv"'
        response["Cache-Control"] = "private, no-store"
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(
            [
                _("Date"),
                _("Starts"),
                _("Ends"),
                _("Role"),
                _("Needed"),
                _("Signed up"),
                _("Waitlist"),
                _("Volunteer"),
                _("Mobile number"),
                _("E-mail"),
                _("Status"),
                _("Attendance"),
            ]
        )
        for row in selectors.roster_csv_rows(days):
            writer.writerow([csv_cell(value) for value in row])
        return response


class CoverageView(CoordinatorMixin, View):
    """Needed against signed up, per day and role, for one centre's week; gaps stand out."""

    template_name = "volunteers/coverage.html"

    def get(self, request):
        centres = alphabetical(Centre.objects.all())
        context = {"centres": centres, "centre": None, "days": [], "week": None}
        code = request.GET.get("centre", "").strip()
        if not code:
            return render(request, self.template_name, context)
        centre = Centre.objects.filter(code=code).first()
        if centre is None:
            context["error"] = _("There is no centre with this code. Choose a centre from the list.")
            return render(request, self.template_name, context, status=404)
        context["centre"] = centre
        try:
            week = _week(request, centre)
        except BadWeek as refusal:
            return _bad_week(request, self.template_name, context, refusal)
        days = selectors.coverage_week(centre=centre, week_start=week)
        context.update(
            {
                "days": days,
                "week": week,
                "week_end": week + dt.timedelta(days=6),
                "previous_week": week - dt.timedelta(days=7),
                "next_week": week + dt.timedelta(days=7),
                "total_needed": sum(day.needed for day in days),
                "total_signed": sum(day.signed for day in days),
                "total_gap": sum(day.gap for day in days),
            }
        )
        return render(request, self.template_name, context)


class SignupAttendanceView(CoordinatorMixin, View):
    """The check-in / check-out buttons of the roster (POST), back to the roster's week."""

    action = "check_in"

    def post(self, request, pk):
        signup = get_object_or_404(
            ShiftSignup.objects.select_related("shift", "shift__centre", "volunteer"),
            pk=pk,
            status=SignupStatus.SIGNED_UP,
        )
        centre = signup.shift.centre
        try:
            if self.action == "check_in":
                signup = signup_check_in(signup=signup, by=request.user, method="coordinator")
                text = _("%(name)s is checked in.") % {"name": signup.volunteer.full_name}
            else:
                signup = signup_check_out(signup=signup, by=request.user)
                hours, minutes = divmod(signup.minutes_served, 60)
                text = _("%(name)s is checked out: %(hours)s h %(minutes)s min served.") % {
                    "name": signup.volunteer.full_name,
                    "hours": hours,
                    "minutes": minutes,
                }
        except DomainError as refusal:
            week = selectors.week_start_of(signup.shift.date)
            context = {
                "centre": centre,
                "centres": alphabetical(Centre.objects.all()),
                "error": refusal.message,
                **RosterView._context(centre, week),
            }
            return render(request, RosterView.template_name, context, status=refusal.status_code)
        messages.success(request, text)
        week = selectors.week_start_of(signup.shift.date)
        url = reverse("volunteers:roster", kwargs={"centre": centre.code})
        return redirect(f"{url}?week={week.isoformat()}#shift-{signup.shift_id}")


class CheckInPosterView(CoordinatorMixin, View):
    """The centre's check-in QR code, to print and put up at the volunteers' entrance."""

    def get(self, request, centre):
        centre = get_object_or_404(Centre, code=centre)
        path = reverse("volunteers:check-in", kwargs={"centre": centre.code, "token": centre_check_in_token(centre)})
        url = request.build_absolute_uri(path)
        context = {
            "centre": centre,
            "url": url,
            "qr": qr_svg(url, title=_("Volunteer check-in at %(centre)s") % {"centre": centre.name}, scale=8),
        }
        response = render(request, "volunteers/check_in_poster.html", context)
        response["Cache-Control"] = "private, no-store"
        return response


class CoordinatorVolunteerView(CoordinatorMixin, View):
    """One volunteer's shifts, history and hours as the coordinator sees them, with the
    "programme completed" form."""

    template_name = "volunteers/coordinator_volunteer.html"

    def _render(self, request, volunteer, *, error="", field_errors=None, status=200, completed_on=""):
        context = volunteer_page_context(volunteer)
        context.update(
            {
                "error": error,
                "field_errors": field_errors or [],
                "completed_on": completed_on or timezone.localdate().isoformat(),
            }
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self._render(request, get_object_or_404(Volunteer, pk=pk))

    def post(self, request, pk):
        volunteer = get_object_or_404(Volunteer, pk=pk)
        raw = request.POST.get("completed_on", "").strip()
        try:
            completed_on = date_parse(raw)
        except DateInvalid as error:
            message = error.message if error.code == "date_range" else _("Enter the completion date as YYYY-MM-DD.")
            return self._render(request, volunteer, error=message, field_errors=[message], status=400, completed_on=raw)
        try:
            volunteer_programme_complete(volunteer=volunteer, by=request.user, completed_on=completed_on)
        except DomainError as refusal:
            field_errors = refusal.fields.get("completed_on", [])
            return self._render(
                request,
                volunteer,
                error=refusal.message,
                field_errors=[str(e) for e in field_errors],
                status=refusal.status_code,
                completed_on=raw,
            )
        messages.success(request, _("Programme marked as completed. The certificate of service is ready."))
        return redirect("volunteers:coordinator-volunteer", pk=volunteer.pk)
