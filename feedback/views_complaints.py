"""Complaint pages.

Public (no account): the form, the confirmation with the tracking number, the tracking page
(number + the phone or e-mail given; any miss is the same neutral 404). Submitting and
tracking are rate-limited per client address, submitting also per phone/e-mail.

Staff: the list and one complaint, for the managers of its centre (who move and answer it),
superusers, and officials (who only look). Someone else's complaint is a 404.
The rules live in feedback.complaints; a refusal is shown with its message and its 4xx.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from appointments.staff_selectors import mask
from asan_portal.private_pages import private_page
from asan_portal.ratelimit import ratelimit_hit

from .complaint_forms import (
    ComplaintAnswerForm,
    ComplaintFilterForm,
    ComplaintForm,
    ComplaintMoveForm,
    ComplaintTrackForm,
)
from .complaints import (
    ComplaintError,
    ComplaintInvalid,
    complaint_allowed_moves,
    complaint_answer,
    complaint_can_handle,
    complaint_centres_for,
    complaint_counts,
    complaint_get_for_staff,
    complaint_list,
    complaint_move,
    complaint_submit,
    complaint_track,
)
from .models import ComplaintStatus

SESSION_SUBMITTED = "complaint_submitted"
PAGE_SIZE = 50


def _private(response):
    """Pages with personal details: never cached, never indexed, the URL never sent elsewhere."""
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _limited(request, scope: str, *, key: str | None = None):
    """The refused RateLimitResult (its message is translated) when over the limit, else None."""
    result = ratelimit_hit(request, scope, key=key)
    return None if result.allowed else result


def _put_errors(form, refusal: ComplaintError) -> None:
    """A service refusal next to its fields (or above the form)."""
    placed = False
    for field, errors in refusal.fields.items():
        if field in form.fields:
            for error in errors:
                form.add_error(field, error)
            placed = True
    if not placed:
        form.add_error(None, refusal.message)


# --- public ------------------------------------------------------------------------------------


class ComplaintNewView(View):
    template_name = "feedback/complaint_new.html"

    def get(self, request):
        initial = {}
        if code := request.GET.get("centre"):
            initial["centre"] = ComplaintForm.base_fields["centre"].queryset.filter(code=code).first()
        return _private(render(request, self.template_name, {"form": ComplaintForm(initial=initial)}))

    def post(self, request):
        form = ComplaintForm(request.POST)
        refusal = _limited(request, "complaint_submit")
        if refusal:
            return self._render(request, form, status=429, refusal=refusal)
        if not form.is_valid():
            return self._render(request, form, status=400)
        data = form.cleaned_data
        contact = (data["phone"] or data["email"] or "").strip().lower()
        refusal = _limited(request, "complaint_submit_contact", key=contact) if contact else None
        if refusal:
            return self._render(request, form, status=429, refusal=refusal)
        try:
            complaint = complaint_submit(
                kind=data["kind"],
                centre=data["centre"],
                service=data["service"],
                ticket_code=data["ticket_code"],
                full_name=data["full_name"],
                phone=data["phone"],
                email=data["email"],
                subject=data["subject"],
                text=data["text"],
                language=get_language(),
            )
        except ComplaintError as error:
            _put_errors(form, error)
            return self._render(request, form, status=error.status_code)
        request.session[SESSION_SUBMITTED] = complaint.tracking_number
        return redirect("complaints:done")

    def _render(self, request, form, *, status, refusal=None):
        context = {"form": form, "refusal": refusal.message if refusal else ""}
        response = render(request, self.template_name, context, status=status)
        if refusal:
            response["Retry-After"] = str(refusal.retry_after)
        return _private(response)


class ComplaintDoneView(View):
    def get(self, request):
        number = request.session.get(SESSION_SUBMITTED)
        if not number:
            return redirect("complaints:new")
        track_url = f"{reverse('complaints:track')}?number={number}"
        return _private(render(request, "feedback/complaint_done.html", {"number": number, "track_url": track_url}))


class ComplaintTrackView(View):
    template_name = "feedback/complaint_track.html"

    def get(self, request):
        form = ComplaintTrackForm(initial={"number": request.GET.get("number", "")[:20]})
        return _private(render(request, self.template_name, {"form": form}))

    def post(self, request):
        form = ComplaintTrackForm(request.POST)
        refusal = _limited(request, "complaint_track")
        if refusal:
            return self._render(request, form, status=429, refusal=refusal)
        if not form.is_valid():
            return self._render(request, form, status=400)
        complaint = complaint_track(tracking_number=form.cleaned_data["number"], contact=form.cleaned_data["contact"])
        if complaint is None:
            # One message for a wrong number and a wrong contact alike: nothing to learn by trying.
            return self._render(request, form, status=404, not_found=True)
        events = list(complaint.events.all())
        return self._render(request, form, status=200, complaint=complaint, events=events)

    def _render(self, request, form, *, status, refusal=None, **context):
        context = {"form": form, "refusal": refusal.message if refusal else "", **context}
        response = render(request, self.template_name, context, status=status)
        if refusal:
            response["Retry-After"] = str(refusal.retry_after)
        return _private(response)


# --- staff -------------------------------------------------------------------------------------


@private_page
class ComplaintStaffListView(LoginRequiredMixin, View):
    def get(self, request):
        centres = complaint_centres_for(request.user)
        if not centres.exists():
            raise PermissionDenied
        form = ComplaintFilterForm(request.GET or None, centres=centres)
        filters = form.cleaned_data if form.is_valid() else {}
        kind, centre = filters.get("kind") or "", filters.get("centre")
        status = filters.get("status") or ""
        rows = complaint_list(user=request.user, status=status, kind=kind, centre=centre)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        for complaint in page:
            complaint.phone_masked = mask(complaint.phone, 4)
            complaint.email_masked = _mask_email(complaint.email)
        counts = complaint_counts(user=request.user, kind=kind, centre=centre)
        labels = dict(ComplaintStatus.choices)
        query = request.GET.copy()
        query.pop("page", None)
        # The per-status buttons keep the kind and centre filters.
        other_filters = query.copy()
        other_filters.pop("status", None)
        context = {
            "form": form,
            "page": page,
            "counts": [(value, labels[value], counts[value]) for value in ComplaintStatus.values],
            "status": status,
            "query": query.urlencode(),
            "other_filters": other_filters.urlencode(),
        }
        return render(request, "feedback/complaint_staff_list.html", context)


def _mask_email(email: str) -> str:
    if not email:
        return ""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


@private_page
class ComplaintStaffMixin(LoginRequiredMixin):
    """Loads `self.complaint` (404 for a complaint the user may not read) and `self.can_handle`;
    a POST by someone who may only read is a 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.complaint = complaint_get_for_staff(user=request.user, tracking_number=kwargs["number"])
        if self.complaint is None:
            raise Http404
        self.can_handle = complaint_can_handle(request.user, self.complaint.centre)
        if request.method == "POST" and not self.can_handle:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_detail(self, *, move_form=None, answer_form=None, refusal="", status=200):
        complaint = self.complaint
        context = {
            "complaint": complaint,
            "events": list(complaint.events.all()),
            "can_handle": self.can_handle,
            "can_answer": ComplaintStatus.ANSWERED in complaint_allowed_moves(complaint),
            "move_form": move_form or ComplaintMoveForm(complaint=complaint),
            "answer_form": answer_form or ComplaintAnswerForm(),
            "refusal": refusal,
        }
        return _private(render(self.request, "feedback/complaint_staff_detail.html", context, status=status))


class ComplaintStaffDetailView(ComplaintStaffMixin, View):
    def get(self, request, number):
        return self.render_detail()


class ComplaintStaffMoveView(ComplaintStaffMixin, View):
    def post(self, request, number):
        form = ComplaintMoveForm(request.POST, complaint=self.complaint)
        if not form.is_valid():
            return self.render_detail(move_form=form, status=400)
        try:
            complaint = complaint_move(
                complaint=self.complaint,
                to_status=form.cleaned_data["to_status"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ComplaintError as error:
            return self.render_detail(move_form=form, refusal=error.message, status=error.status_code)
        messages.success(request, _("Now: %(status)s.") % {"status": complaint.get_status_display()})
        return redirect("complaints_staff:detail", number=complaint.tracking_number)


class ComplaintStaffAnswerView(ComplaintStaffMixin, View):
    def post(self, request, number):
        form = ComplaintAnswerForm(request.POST)
        if not form.is_valid():
            return self.render_detail(answer_form=form, status=400)
        try:
            complaint = complaint_answer(
                complaint=self.complaint,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ComplaintInvalid as error:
            _put_errors(form, error)
            return self.render_detail(answer_form=form, status=error.status_code)
        except ComplaintError as error:
            return self.render_detail(answer_form=form, refusal=error.message, status=error.status_code)
        messages.success(request, _("The answer was sent to the citizen."))
        return redirect("complaints_staff:detail", number=complaint.tracking_number)
