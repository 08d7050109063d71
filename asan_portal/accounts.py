"""Signing in to the portal itself (not the admin): volunteers have accounts but are not staff,
so the admin's login would refuse them. Staff may sign in here too; each lands on their page."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .lockout import LockoutAuthenticationMixin
from .ratelimit import ratelimit_hit
from .roles import CATALOGUE_ADMIN, CENTRE_MANAGER, OFFICIAL, OPERATOR, VOLUNTEER_COORDINATOR


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
