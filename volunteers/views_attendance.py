"""The volunteer's own pages: their page (upcoming shifts, history, hours, calendar link), the
QR check-in at a centre, the certificate of service, and the iCal feed.

Who may open what (volunteers/permissions.py):
- the volunteer's page and the QR check-in need a signed-in volunteer (other accounts: 403);
- the certificate: the volunteer themselves or a coordinator (others: 403), once the programme
  is completed (else 404 with a clear page);
- the iCal feed is public: a calendar program cannot sign in, so the unguessable
  `calendar_token` in its URL is the key (like a booking's manage link).
Views stay thin: the rules live in volunteers.attendance, the reads in volunteers.selectors.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View

from asan_portal.api import DomainError
from centres.models import Centre

from . import selectors
from .attendance import (
    centre_check_in_token_is_valid,
    check_in_opens_before,
    signup_current_at_centre,
    signup_scan_qr,
    signup_was_checked_out_automatically,
)
from .calendar import volunteer_ics
from .models import Attendance, Volunteer
from .permissions import user_is_coordinator, user_may_see_volunteer, volunteer_required


def _private(response):
    # Personal data and secret links: never kept by a shared cache or a proxy.
    response["Cache-Control"] = "private, no-store"
    return response


def volunteer_page_context(volunteer: Volunteer, *, now=None) -> dict:
    """What the volunteer's page and the coordinator's view of a volunteer both show."""
    now = now or timezone.now()
    history = list(selectors.volunteer_history(volunteer=volunteer, now=now))
    for signup in history:
        signup.auto_checked_out = signup_was_checked_out_automatically(signup)
    return {
        "volunteer": volunteer,
        "upcoming": list(selectors.volunteer_upcoming(volunteer=volunteer, now=now)),
        "history": history,
        "totals": selectors.volunteer_totals(volunteer=volunteer),
        "Attendance": Attendance,
    }


class VolunteerMeView(LoginRequiredMixin, View):
    """The volunteer's own page."""

    def get(self, request):
        volunteer = volunteer_required(request.user)
        context = volunteer_page_context(volunteer)
        feed_path = reverse("volunteers-calendar", kwargs={"token": volunteer.calendar_token})
        feed_url = request.build_absolute_uri(feed_path)
        context.update(
            {
                "feed_url": feed_url,
                "webcal_url": "webcal://" + feed_url.split("://", 1)[-1],
                "open_minutes": int(check_in_opens_before().total_seconds() // 60),
            }
        )
        return _private(render(request, "volunteers/me.html", context))


class CertificateView(LoginRequiredMixin, View):
    """The printable certificate of service, in the page's language."""

    def get(self, request, volunteer_id):
        volunteer = get_object_or_404(Volunteer, pk=volunteer_id)
        if not user_may_see_volunteer(request.user, volunteer):
            raise PermissionDenied
        if volunteer.programme_completed_on is None:
            context = {"volunteer": volunteer, "is_coordinator": user_is_coordinator(request.user)}
            return _private(render(request, "volunteers/certificate_not_ready.html", context, status=404))
        context = {
            "volunteer": volunteer,
            "totals": selectors.volunteer_totals(volunteer=volunteer),
            "centres": list(selectors.volunteer_centres_served(volunteer=volunteer)),
            "issued_on": timezone.localdate(),
        }
        return _private(render(request, "volunteers/certificate.html", context))


class CheckInView(LoginRequiredMixin, View):
    """The page the centre's QR code opens: the volunteer's current shift there and one button
    to check in (or out). A GET never changes anything; the button POSTs."""

    def _centre(self, request, centre, token):
        found = Centre.objects.filter(code=centre).first()
        if found is None or not centre_check_in_token_is_valid(found, token):
            return None
        return found

    def _invalid(self, request):
        return render(request, "volunteers/check_in_invalid.html", status=404)

    def _render(self, request, centre, volunteer, *, error="", status=200, done=None):
        now = timezone.now()
        current = signup_current_at_centre(volunteer=volunteer, centre=centre, now=now)
        context = {
            "centre": centre,
            "current": current,
            "done": done,
            "error": error,
            "open_minutes": int(check_in_opens_before().total_seconds() // 60),
        }
        if current is not None:
            context["starts"] = timezone.localtime(current.starts_at, centre.tz)
            context["ends"] = timezone.localtime(current.ends_at, centre.tz)
        return _private(render(request, "volunteers/check_in.html", context, status=status))

    def get(self, request, centre, token):
        found = self._centre(request, centre, token)
        if found is None:
            return self._invalid(request)
        volunteer = volunteer_required(request.user)
        return self._render(request, found, volunteer)

    def post(self, request, centre, token):
        found = self._centre(request, centre, token)
        if found is None:
            return self._invalid(request)
        volunteer = volunteer_required(request.user)
        try:
            signup = signup_scan_qr(volunteer=volunteer, centre=found)
        except DomainError as refusal:
            return self._render(request, found, volunteer, error=refusal.message, status=refusal.status_code)
        local = timezone.localtime(signup.checked_out_at or signup.checked_in_at, found.tz)
        if signup.checked_out_at:
            hours, minutes = divmod(signup.minutes_served, 60)
            text = _("Checked out at %(time)s. Thank you! This shift counts %(hours)s h %(minutes)s min.") % {
                "time": f"{local:%H:%M}",
                "hours": hours,
                "minutes": minutes,
            }
        elif signup.attendance == Attendance.LATE:
            text = _("Checked in at %(time)s (late). Please tell the coordinator you are here.") % {
                "time": f"{local:%H:%M}"
            }
        else:
            text = _("Checked in at %(time)s. Have a good shift!") % {"time": f"{local:%H:%M}"}
        messages.success(request, text)
        return redirect("volunteers:me")


def calendar_feed(request, token):
    """The volunteer's shifts as an .ics feed (public: the token is the key; see the module doc)."""
    volunteer = Volunteer.objects.filter(calendar_token=token, is_active=True).first()
    if volunteer is None or not token:
        raise Http404(_("This calendar link is not valid. Copy the current link from your volunteer page."))
    with translation.override(volunteer.language):
        my_page = request.build_absolute_uri(reverse("volunteers:me"))
    response = HttpResponse(volunteer_ics(volunteer, my_page_url=my_page), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="asan-volunteer-shifts.ics"'
    response["X-Robots-Tag"] = "noindex"
    return _private(response)
