"""Shift pages: the volunteer's open shifts and their own (sign up, join the waitlist, withdraw),
and the coordinator's week per centre and single shift (create, generate from the weekly
pattern, assign, remove, move, change the number needed).

Every page needs a login: volunteer pages answer 403 to an account that is not a volunteer,
coordinator pages to one without the role. Views only parse and render; each action is one call
to volunteers/shifts.py, whose refusals come back on the page with their 4xx status. Buttons are
plain forms (they work without JavaScript); with htmx they post in place and swap the page body.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View

from asan_portal.alphabetical import alphabetical
from asan_portal.private_pages import private_page
from centres.models import Centre

from . import shift_selectors as selectors
from . import shifts
from .errors import VolunteerError
from .models import Shift, ShiftSignup, SignupStatus
from .permissions import coordinator_required, volunteer_required
from .shift_forms import (
    AssignForm,
    GenerateWeekForm,
    MoveForm,
    NeededForm,
    RemoveForm,
    ShiftCreateForm,
    WeekForm,
)

# --- the volunteer's pages ------------------------------------------------------------------


class VolunteerPageMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.volunteer = volunteer_required(request.user)
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, request, *, error: str = "", status: int = 200):
        now = timezone.now()
        context = {
            "volunteer": self.volunteer,
            "days": selectors.open_shifts_for_volunteer(volunteer=self.volunteer, now=now),
            "my_signups": selectors.signups_upcoming(volunteer=self.volunteer, now=now),
            "cutoff_hours": shifts.signup_cutoff_hours(),
            "error": error,
        }
        return render(request, "volunteers/shifts.html", context, status=status)


class ShiftListView(VolunteerPageMixin, View):
    def get(self, request):
        return self.render_page(request)


class ShiftSignUpView(VolunteerPageMixin, View):
    """POST only: take a place, or join the waitlist when the shift is full."""

    def post(self, request, pk):
        shift = get_object_or_404(Shift.objects.select_related("centre"), pk=pk)
        try:
            signup = shifts.shift_sign_up(shift=shift, volunteer=self.volunteer)
        except VolunteerError as refusal:
            return self.render_page(request, error=refusal.message, status=refusal.status_code)
        label = shifts.shift_label(shift)
        if signup.status == SignupStatus.SIGNED_UP:
            messages.success(request, _("You are signed up: %(shift)s.") % {"shift": label})
        else:
            messages.info(
                request,
                _("The shift is full, so you are on its waitlist. We will tell you if a place becomes free: %(shift)s.")
                % {"shift": label},
            )
        return redirect("volunteers:shifts")


class ShiftWithdrawView(VolunteerPageMixin, View):
    """POST only: give up a place (until the cut-off) or leave a waitlist. Someone else's sign-up is a 404."""

    def post(self, request, pk):
        signup = get_object_or_404(ShiftSignup.objects.select_related("shift__centre"), pk=pk, volunteer=self.volunteer)
        try:
            shifts.shift_withdraw(signup=signup, volunteer=self.volunteer)
        except VolunteerError as refusal:
            return self.render_page(request, error=refusal.message, status=refusal.status_code)
        messages.success(request, _("You have withdrawn from %(shift)s.") % {"shift": shifts.shift_label(signup.shift)})
        return redirect("volunteers:shifts")


# --- the coordinator's pages ------------------------------------------------------------------


@private_page
class CoordinatorPageMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        coordinator_required(request.user)
        return super().dispatch(request, *args, **kwargs)


def _today(centre: Centre) -> dt.date:
    return timezone.now().astimezone(centre.tz).date()


def _week_url(centre: Centre, monday: dt.date) -> str:
    return f"{reverse('volunteers:coordinator-shifts-week', kwargs={'centre': centre.code})}?week={monday:%Y-%m-%d}"


class CoordinatorShiftIndexView(CoordinatorPageMixin, View):
    """The centres, each linking to its week of shifts."""

    def get(self, request):
        centres = alphabetical(Centre.objects.filter(is_active=True).select_related("city"))
        return render(request, "volunteers/shifts_coordinator_index.html", {"centres": centres})


class CoordinatorWeekMixin(CoordinatorPageMixin):
    def render_week(self, request, centre, monday, *, create_form=None, error="", status=200):
        rows = list(selectors.week_shifts(centre=centre, monday=monday))
        days = []
        for offset in range(7):
            day = monday + dt.timedelta(days=offset)
            days.append((day, [shift for shift in rows if shift.date == day]))
        context = {
            "centre": centre,
            "week": monday,
            "days": days,
            "previous_week": monday - dt.timedelta(days=7),
            "next_week": monday + dt.timedelta(days=7),
            "create_form": create_form or ShiftCreateForm(initial={"date": max(monday, _today(centre))}),
            "week_form": WeekForm(initial={"week": monday}),
            "error": error,
        }
        return render(request, "volunteers/shifts_coordinator_week.html", context, status=status)


class CoordinatorWeekView(CoordinatorWeekMixin, View):
    def get(self, request, centre):
        centre = get_object_or_404(Centre, code=centre)
        form = WeekForm(request.GET)
        if not form.is_valid():
            monday = shifts.week_start_of(_today(centre))
            return self.render_week(request, centre, monday, error=form.errors["week"][0], status=400)
        monday = shifts.week_start_of(form.cleaned_data["week"] or _today(centre))
        return self.render_week(request, centre, monday)


class CoordinatorShiftCreateView(CoordinatorWeekMixin, View):
    """POST only: one new shift; the week page again with the form's errors when refused."""

    def post(self, request, centre):
        centre = get_object_or_404(Centre, code=centre)
        form = ShiftCreateForm(request.POST)
        fallback_week = shifts.week_start_of(_today(centre))
        if not form.is_valid():
            return self.render_week(request, centre, fallback_week, create_form=form, status=400)
        data = form.cleaned_data
        try:
            shift = shifts.shift_create(
                centre=centre,
                date=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                role=data["role"],
                needed=data["needed"],
                notes=data["notes"],
                by=request.user,
            )
        except VolunteerError as refusal:
            for field, errors in refusal.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.render_week(request, centre, fallback_week, create_form=form, status=refusal.status_code)
        messages.success(request, _("Shift added: %(shift)s.") % {"shift": shifts.shift_label(shift)})
        return redirect(_week_url(centre, shifts.week_start_of(shift.date)))


class CoordinatorGenerateWeekView(CoordinatorWeekMixin, View):
    """POST only: the week's shifts from the centre's weekly pattern (running it twice is harmless)."""

    def post(self, request, centre):
        centre = get_object_or_404(Centre, code=centre)
        form = GenerateWeekForm(request.POST)
        if not form.is_valid():
            monday = shifts.week_start_of(_today(centre))
            message = form.errors["week"][0]
            return self.render_week(request, centre, monday, error=message, status=400)
        week = shifts.shifts_from_templates(centre=centre, week_start=form.cleaned_data["week"], by=request.user)
        summary = _("%(created)s shifts made from the weekly pattern; %(existing)s were there already.") % {
            "created": len(week.created),
            "existing": week.existing,
        }
        if week.skipped:
            skipped = ", ".join(f"{date_format(day.date, 'D j E')} ({day.label})" for day in week.skipped)
            left_out = _("Days left out: %(days)s.") % {"days": skipped}
            summary = f"{summary} {left_out}"
        messages.success(request, summary)
        return redirect(_week_url(centre, week.week_start))


class CoordinatorShiftMixin(CoordinatorPageMixin):
    def get_shift(self, pk) -> Shift:
        return get_object_or_404(Shift.objects.select_related("centre"), pk=pk)

    def render_shift(self, request, shift, *, assign_form=None, needed_form=None, row_error=None, error="", status=200):
        """The shift's page. `row_error` ({"signup_id", "action", "message", "reason"}) puts a
        refused remove or move back on that volunteer's row, with what was typed."""
        now = timezone.now()
        signed_up, waitlisted = selectors.shift_people(shift=shift)

        def rows(signups):
            return [(s, row_error if row_error and row_error["signup_id"] == s.pk else None) for s in signups]

        context = {
            "shift": shift,
            "centre": shift.centre,
            "week": shifts.week_start_of(shift.date),
            "signed_up_rows": rows(signed_up),
            "waitlisted_rows": rows(waitlisted),
            "is_started": now >= shift.starts_at,
            "closes_at": shifts.signup_closes_at(shift),
            "assign_form": assign_form or AssignForm(candidates=selectors.assign_candidates(shift=shift)),
            "needed_form": needed_form or NeededForm(initial={"needed": shift.needed}),
            "move_targets": list(selectors.move_targets(shift=shift, now=now)),
            "error": error,
        }
        return render(request, "volunteers/shifts_coordinator_shift.html", context, status=status)

    def done(self, request, shift, message):
        messages.success(request, message)
        return redirect("volunteers:coordinator-shift", pk=shift.pk)

    def refused_on_row(self, request, signup, *, action, message, status, reason=""):
        row_error = {"signup_id": signup.pk, "action": action, "message": message, "reason": reason}
        return self.render_shift(request, signup.shift, row_error=row_error, error=message, status=status)


class CoordinatorShiftView(CoordinatorShiftMixin, View):
    def get(self, request, pk):
        return self.render_shift(request, self.get_shift(pk))


class CoordinatorShiftAssignView(CoordinatorShiftMixin, View):
    def post(self, request, pk):
        shift = self.get_shift(pk)
        form = AssignForm(request.POST, candidates=selectors.assign_candidates(shift=shift))
        if not form.is_valid():
            return self.render_shift(request, shift, assign_form=form, status=400)
        volunteer = form.cleaned_data["volunteer"]
        try:
            shifts.shift_assign(shift=shift, volunteer=volunteer, by=request.user)
        except VolunteerError as refusal:
            form.add_error("volunteer", refusal.message)
            return self.render_shift(request, shift, assign_form=form, status=refusal.status_code)
        return self.done(
            request, shift, _("%(name)s is on the shift and has been told.") % {"name": volunteer.full_name}
        )


class CoordinatorShiftNeededView(CoordinatorShiftMixin, View):
    def post(self, request, pk):
        shift = self.get_shift(pk)
        form = NeededForm(request.POST)
        if not form.is_valid():
            return self.render_shift(request, shift, needed_form=form, status=400)
        try:
            shift = shifts.shift_change_needed(shift=shift, needed=form.cleaned_data["needed"], by=request.user)
        except VolunteerError as refusal:
            form.add_error("needed", refusal.message)
            return self.render_shift(request, shift, needed_form=form, status=refusal.status_code)
        return self.done(request, shift, _("The shift now needs %(needed)s volunteers.") % {"needed": shift.needed})


def _signup_or_404(pk) -> ShiftSignup:
    return get_object_or_404(ShiftSignup.objects.select_related("volunteer", "shift__centre"), pk=pk)


class CoordinatorSignupRemoveView(CoordinatorShiftMixin, View):
    def post(self, request, pk):
        signup = _signup_or_404(pk)
        form = RemoveForm(request.POST)
        typed = request.POST.get("reason", "")[:500]
        if not form.is_valid():
            message = form.errors["reason"][0]
            return self.refused_on_row(request, signup, action="remove", message=message, status=400, reason=typed)
        try:
            shifts.shift_remove(signup=signup, by=request.user, reason=form.cleaned_data["reason"])
        except VolunteerError as refusal:
            return self.refused_on_row(
                request, signup, action="remove", message=refusal.message, status=refusal.status_code, reason=typed
            )
        message = _("%(name)s was taken off the shift and told why.") % {"name": signup.volunteer.full_name}
        return self.done(request, signup.shift, message)


class CoordinatorSignupMoveView(CoordinatorShiftMixin, View):
    def post(self, request, pk):
        signup = _signup_or_404(pk)
        form = MoveForm(request.POST, targets=selectors.move_targets(shift=signup.shift, now=timezone.now()))
        if not form.is_valid():
            message = form.errors["to_shift"][0]
            return self.refused_on_row(request, signup, action="move", message=message, status=400)
        try:
            moved = shifts.signup_move(signup=signup, to_shift=form.cleaned_data["to_shift"], by=request.user)
        except VolunteerError as refusal:
            return self.refused_on_row(
                request, signup, action="move", message=refusal.message, status=refusal.status_code
            )
        message = _("%(name)s was moved to %(shift)s and told.") % {
            "name": signup.volunteer.full_name,
            "shift": shifts.shift_label(moved.shift),
        }
        return self.done(request, signup.shift, message)
