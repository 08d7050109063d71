"""Signing in to the portal itself (not the admin): volunteers have accounts but are not staff,
so the admin's login would refuse them. Staff may sign in here too; each lands on their page."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from appointments.qr import qr_svg

from .lockout import LockoutAuthenticationMixin
from .ratelimit import ratelimit_hit
from .roles import CATALOGUE_ADMIN, CENTRE_MANAGER, OFFICIAL, OPERATOR, VOLUNTEER_COORDINATOR
from .second_factor import (
    CodeRefused,
    confirmed_device,
    device_secret,
    second_factor_enrolment_confirm,
    second_factor_enrolment_start,
    second_factor_needed_for_session,
    second_factor_verify,
)


class PortalAuthenticationForm(LockoutAuthenticationMixin, AuthenticationForm):
    # Volunteers' usernames are their e-mail addresses.
    username = forms.CharField(
        label=_("E-mail or username"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        # Volunteer accounts are made with the e-mail in lower case; phones capitalise the first letter.
        return username.lower() if "@" in username else username


def landing_url(user) -> str:
    """Where a user goes after signing in when no `next` page was asked for. Two queries: it
    also draws the menu's "My pages" link on every page."""
    from volunteers.permissions import volunteer_of

    if volunteer_of(user) is not None:
        return reverse("volunteers:me")
    role_names = set(user.groups.values_list("name", flat=True))
    if user.is_superuser or CATALOGUE_ADMIN in role_names:
        return reverse("admin:index")
    if VOLUNTEER_COORDINATOR in role_names:
        return reverse("volunteers:application-list")
    if OFFICIAL in role_names:
        return reverse("dashboard:overview")
    if role_names & {OPERATOR, CENTRE_MANAGER}:
        return reverse("appointments_staff:home")  # lists their centres' day and queue pages
    if user.is_staff:
        return reverse("admin:index")
    return reverse("home")


class PortalLoginView(LoginView):
    template_name = "registration/portal_login.html"
    authentication_form = PortalAuthenticationForm

    def get_default_redirect_url(self):
        return landing_url(self.request.user)

    def post(self, request, *args, **kwargs):
        # Password guessing is counted per account (a centre's volunteers may share one address).
        username = (request.POST.get("username") or "").strip().lower()
        result = ratelimit_hit(request, "portal_login", key=f"login:{username}")
        if not result.allowed:
            # An unbound form: binding it would check the password, which is what is limited.
            form = self.form_class(request, initial={"username": request.POST.get("username", "")})
            context = self.get_context_data(form=form, refusal=result.message)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "locked_out", None) is not None:  # asan_portal/lockout.py
            response.status_code = 429
            response["Retry-After"] = str(form.locked_out.retry_after)
        return response


class PortalLogoutView(LogoutView):
    """POST only (Django 5): a link cannot sign anyone out."""

    next_page = "home"


class OneTimeCodeForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code"),
        max_length=8,
        help_text=_("The code your authenticator app shows for ASAN portal now. It changes every 30 seconds."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )


def _next_url(request) -> str:
    """The page to go on to after the code: `next` if it is on this site, else the user's landing page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return landing_url(request.user)


def _code_refused(request, template, context, form, refusal: CodeRefused):
    form.add_error("token", refusal.message)
    response = render(request, template, context | {"form": form}, status=400)
    if refusal.locked_out is not None:  # asan_portal/lockout.py
        response.status_code = 429
        response["Retry-After"] = str(refusal.locked_out.retry_after)
    return response


@login_required
def second_factor_verify_view(request):
    """After the password: the code from the user's authenticator app (asan_portal/second_factor.py)."""
    if request.user.is_verified() or not second_factor_needed_for_session(request, fresh=True):
        return redirect(_next_url(request))
    if confirmed_device(request.user) is None:
        return redirect(f"{reverse('second-factor-enrol')}?{request.GET.urlencode()}")
    template = "registration/second_factor_verify.html"
    form = OneTimeCodeForm(request.POST or None)
    context = {"next": _next_url(request)}
    if request.method == "POST" and form.is_valid():
        try:
            second_factor_verify(request=request, token=form.cleaned_data["token"])
        except CodeRefused as refusal:
            return _code_refused(request, template, context, form, refusal)
        return redirect(_next_url(request))
    status = 400 if request.method == "POST" else 200
    return render(request, template, context | {"form": form}, status=status)


@login_required
def second_factor_enrol_view(request):
    """Add an authenticator app: scan the QR code (or type the key), then confirm with a code.
    Only for staff; a user who already has a device must verify with it instead."""
    user = request.user
    if not (user.is_staff or user.is_superuser):
        return redirect(landing_url(user))
    if confirmed_device(user) is not None:
        target = (
            _next_url(request) if user.is_verified() else f"{reverse('second-factor-verify')}?{request.GET.urlencode()}"
        )
        return redirect(target)
    device = second_factor_enrolment_start(user=user)
    template = "registration/second_factor_enrol.html"
    form = OneTimeCodeForm(request.POST or None)
    context = {
        "next": _next_url(request),
        "qr": qr_svg(device.config_url, title=str(_("QR code to add ASAN portal to your authenticator app"))),
        "secret": device_secret(device),
    }
    if request.method == "POST" and form.is_valid():
        try:
            second_factor_enrolment_confirm(request=request, device=device, token=form.cleaned_data["token"])
        except CodeRefused as refusal:
            return _code_refused(request, template, context, form, refusal)
        return redirect(_next_url(request))
    status = 400 if request.method == "POST" else 200
    return render(request, template, context | {"form": form}, status=status)
