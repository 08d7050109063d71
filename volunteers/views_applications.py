"""Applying to volunteer (public), the coordinator's review, and choosing the first password.

The rules live in volunteers.applications; a refusal is shown next to its fields (or at the
top) with its status code: 400 for what the applicant typed, 403/409 for the decisions.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import View

from asan_portal.private_pages import private_page
from asan_portal.ratelimit import ratelimit_hit

from .applications import (
    ApplicationInvalid,
    application_approve,
    application_get,
    application_list,
    application_reject,
    application_submit,
    language_names,
    min_age,
    volunteer_password_link_request,
    volunteer_password_link_send,
    weekday_names,
)
from .errors import VolunteerError
from .forms import ApplicationFilterForm, ApplicationForm, ApplicationRejectForm, PasswordForgotForm
from .models import ApplicationStatus, Volunteer, VolunteerApplication
from .permissions import coordinator_required

PAGE_SIZE = 25


def _apply_render(request, form, *, refusal=None, status=200):
    context = {"form": form, "refusal": refusal, "min_age": min_age()}
    return render(request, "volunteers/apply.html", context, status=status)


def apply(request):
    """The public application form; a valid application goes to the thank-you page."""
    if request.method != "POST":
        return _apply_render(request, ApplicationForm())
    form = ApplicationForm(request.POST)
    limited = _rate_refusal(request, "volunteer_apply")
    if limited:
        return _apply_render(request, form, refusal=limited, status=limited.status_code)
    if not form.is_valid():
        return _apply_render(request, form, status=400)
    data = form.cleaned_data
    try:
        application_submit(
            full_name=data["full_name"],
            email=data["email"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
            education=data["education"],
            institution=data["institution"],
            languages=data["languages"],
            skills=data["skills"],
            preferred_centres=list(data["preferred_centres"]),
            available_weekdays=data["available_weekdays"],
            availability_note=data["availability_note"],
            consent=data["consent"],
            language=request.LANGUAGE_CODE,
        )
    except ApplicationInvalid as refusal:
        for field, errors in refusal.fields.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return _apply_render(request, form, refusal=refusal, status=refusal.status_code)
    return redirect("volunteers:apply-thanks")


def apply_thanks(request):
    return render(request, "volunteers/apply_thanks.html")


@private_page
class ApplicationListView(LoginRequiredMixin, View):
    """Applications for the coordinator, oldest first; waiting ones unless another status is asked."""

    def get(self, request):
        coordinator_required(request.user)
        form = ApplicationFilterForm(request.GET or {"status": ApplicationStatus.SUBMITTED})
        status = form.cleaned_data["status"] if form.is_valid() else ApplicationStatus.SUBMITTED
        page = Paginator(application_list(status=status or None), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "volunteers/review_list.html",
            {"form": form, "page": page, "applications": page.object_list, "status": status},
        )


@private_page
class ApplicationDetailView(LoginRequiredMixin, View):
    """One application, with Approve and Reject (reason) for a waiting one."""

    def _render(self, request, application, *, reject_form=None, refusal=None, status=200):
        context = {
            "application": application,
            "languages": language_names(application.languages),
            "weekdays": weekday_names(application.available_weekdays),
            "reject_form": reject_form or ApplicationRejectForm(),
            "refusal": refusal,
            "waiting": application.status == ApplicationStatus.SUBMITTED,
            "volunteer": volunteer_of_application(application),
        }
        response = render(request, "volunteers/review_detail.html", context, status=status)
        add_never_cache_headers(response)  # personal details
        return response

    def _application(self, pk):
        try:
            return application_get(pk)
        except VolunteerApplication.DoesNotExist:
            return get_object_or_404(VolunteerApplication, pk=pk)  # the 404 page

    def get(self, request, pk):
        coordinator_required(request.user)
        return self._render(request, self._application(pk))

    def post(self, request, pk):
        coordinator_required(request.user)
        application = self._application(pk)
        action = request.POST.get("action")
        reject_form = None
        try:
            if action == "approve":
                volunteer = application_approve(application=application, by=request.user)
                messages.success(
                    request,
                    _("%(name)s is now a volunteer. We sent them a link to choose a password.")
                    % {"name": volunteer.full_name},
                )
            elif action == "reject":
                reject_form = ApplicationRejectForm(request.POST)
                application_reject(application=application, by=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("The application was not approved; we told the applicant why."))
            elif action == "resend_link" and volunteer_of_application(application):
                volunteer = volunteer_of_application(application)
                volunteer_password_link_send(volunteer=volunteer, by=request.user)
                messages.success(
                    request, _("We sent %(name)s a new link to choose a password.") % {"name": volunteer.full_name}
                )
                return redirect("volunteers:application-detail", pk=application.pk)
            else:
                refusal = VolunteerError(_("Choose Approve or Reject."))
                return self._render(request, application, refusal=refusal, status=400)
        except VolunteerError as refusal:
            if reject_form is not None:
                for error in refusal.fields.get("reason", []):
                    reject_form.add_error("reason", error)
            return self._render(
                request, application_get(pk), reject_form=reject_form, refusal=refusal, status=refusal.status_code
            )
        return redirect("volunteers:application-list")


application_list_view = ApplicationListView.as_view()
application_detail_view = ApplicationDetailView.as_view()


def volunteer_of_application(application: VolunteerApplication) -> Volunteer | None:
    try:
        return application.volunteer
    except Volunteer.DoesNotExist:
        return None


class PasswordSetView(PasswordResetConfirmView):
    """The approved volunteer's one-time link: choose a password, then sign in on the portal.

    Django's reset token: it is bound to the password, so it stops working once used."""

    template_name = "volunteers/set_password.html"
    success_url = reverse_lazy("login")
    reset_url_token = "choose"  # noqa: S105 - the placeholder in the URL once the token is in the session  # nosec B105

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        # A wrong, used or expired link is a 404 like every other wrong token (issue 12.18), still
        # with the page that says what to do next. A right one is a redirect or the form (validlink).
        if response.status_code == 200 and not self.validlink:
            response.status_code = 404
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, _("Your password is set. Sign in with your e-mail address and your new password.")
        )
        return response


def _rate_refusal(request, scope: str, *, key: str | None = None) -> VolunteerError | None:
    result = ratelimit_hit(request, scope, key=key)
    if result.allowed:
        return None
    refusal = VolunteerError(result.message, code="rate_limited")
    refusal.status_code = 429
    return refusal


def password_forgot(request):
    """A volunteer asks for a new password link. The answer is the same whether or not the
    address belongs to a volunteer, so the page cannot be used to find out who volunteers."""
    form = PasswordForgotForm(request.POST or None)
    if request.method != "POST":
        return render(request, "volunteers/password_forgot.html", {"form": form})
    if not form.is_valid():
        return render(request, "volunteers/password_forgot.html", {"form": form}, status=400)
    email = form.cleaned_data["email"].lower()
    refusal = _rate_refusal(request, "volunteer_password_link") or _rate_refusal(
        request, "volunteer_password_link", key=f"email:{email}"
    )
    if refusal:
        context = {"form": form, "refusal": refusal}
        return render(request, "volunteers/password_forgot.html", context, status=refusal.status_code)
    volunteer_password_link_request(email=email)
    return redirect("volunteers:password-forgot-done")


def password_forgot_done(request):
    return render(request, "volunteers/password_forgot_done.html")
