"""The second factor for staff: time-based one-time codes (TOTP, django-otp), docs/adr/0020.

- Required for superusers and catalogue administrators (`second_factor_required`): they change
  the catalogue and every account. Other staff may enrol at /<lang>/accounts/two-factor/enrol/;
  once they have a device, their sign-in asks for its code like everyone else's.
- After the password, `SecondFactorMiddleware` holds every page (the admin's included) until the
  session is verified: to the enrolment page when the user has no confirmed device yet, else to
  the code page, with the page asked for as `next`. An API request gets a 403 in the common error
  shape instead of a redirect.
- A user who already has a confirmed device cannot enrol another without the first one's code:
  a stolen password alone must not be enough to add an attacker's phone.
- Wrong codes count like wrong passwords (asan_portal/lockout.py, counters of their own), on top
  of django-otp's own growing delay per device; a right code clears the account's count.
- Who checks permissions: the views act only on `request.user`'s own devices; resetting another
  user's device is a management command (`second_factor_reset`), i.e. for whoever runs the servers.
"""

import math
import time
from base64 import b32encode

import django_otp
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from centres.audit import audit_record

from .lockout import LockedOut, code_failure_record, code_lockout_get, code_success_record
from .roles import CATALOGUE_ADMIN

DEVICE_NAME = "authenticator"


class CodeRefused(Exception):
    """A code was wrong, or codes are paused for this account or address (`locked_out`)."""

    def __init__(self, message: str, *, locked_out: LockedOut | None = None):
        super().__init__(message)
        self.message = message
        self.locked_out = locked_out


def second_factor_required(user) -> bool:
    """Superusers and catalogue administrators must have a second factor."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=CATALOGUE_ADMIN).exists()


def second_factor_needed(user) -> bool:
    """Whether this signed-in user's session must be verified with a code: required for their
    role, or chosen by them (they have a confirmed device). One query; none for non-staff, who
    can neither be required nor enrol."""
    if not user.is_authenticated or not (user.is_staff or user.is_superuser):
        return False
    if user.is_superuser:
        return True
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(Q(groups__name=CATALOGUE_ADMIN) | Q(totpdevice__confirmed=True))
        .exists()
    )


NEEDED_KEY = "_second_factor_needed"
NEEDED_RECHECK_SECONDS = 60


def second_factor_needed_for_session(request: HttpRequest, *, fresh: bool = False) -> bool:
    """`second_factor_needed` for the signed-in user, remembered in the session for a minute:
    staff pages then pay no extra query per request, and a new role or device counts within a
    minute (at once on the code pages, which ask `fresh`)."""
    return _needed_remembered(request.session, request.user, fresh=fresh)


def _needed_remembered(session, user, *, fresh: bool) -> bool:
    if not user.is_authenticated or not (user.is_staff or user.is_superuser):
        return False
    if user.is_superuser:
        return True
    now = int(time.time())
    remembered = session.get(NEEDED_KEY)
    if not fresh and isinstance(remembered, list) and len(remembered) == 2:
        needed, checked_at = remembered
        if isinstance(checked_at, int) and 0 <= now - checked_at < NEEDED_RECHECK_SECONDS:
            return bool(needed)
    needed = second_factor_needed(user)
    session[NEEDED_KEY] = [needed, now]
    return needed


def on_user_logged_in(sender, request, user, **kwargs):
    """Decide at sign-in, so the first pages after it need no extra query."""
    if request is not None and hasattr(request, "session"):
        _needed_remembered(request.session, user, fresh=True)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def device_secret(device: TOTPDevice) -> str:
    """The key as people type it into an authenticator app (base32, in groups of four)."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def second_factor_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed device the user is enrolling (made once, shown again on reload).
    Refuses (ValueError) when the user already has a confirmed device: see the module's docstring."""
    if confirmed_device(user) is not None:
        raise ValueError("already enrolled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _check_code(*, request: HttpRequest, device: TOTPDevice, token: str) -> None:
    user = request.user
    locked = code_lockout_get(user=user, request=request)
    if locked is not None:
        raise CodeRefused(locked.message, locked_out=locked)
    token = (token or "").replace(" ", "")
    with transaction.atomic():
        # Locked for the check: two requests cannot both use the same code (django-otp's last_t).
        locked_device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, throttle = locked_device.verify_is_allowed()
        if not allowed:
            # django-otp's own delay after wrong codes (1 s, 2 s, 4 s, ...): not another failure.
            wait = (throttle or {}).get("locked_until")
            seconds = max(1, math.ceil((wait - timezone.now()).total_seconds())) if wait else 1
            raise CodeRefused(gettext("Please wait %(seconds)s s before trying another code.") % {"seconds": seconds})
        ok = token.isdigit() and locked_device.verify_token(token)
    if not ok:
        code_failure_record(user=user, request=request)
        raise CodeRefused(gettext("That code is not right. Enter the 6-digit code your authenticator app shows now."))
    code_success_record(user=user)


def second_factor_enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> TOTPDevice:
    """The first code from the new device: the device is confirmed and this session verified.
    Raises CodeRefused."""
    if device.user_id != request.user.pk or device.confirmed:
        raise ValueError("not this user's enrolment")
    _check_code(request=request, device=device, token=token)
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.refresh_from_db()
        audit_record(actor=request.user, action="second_factor_enrol", obj=request.user)
    _session_verified(request, device)
    return device


def second_factor_verify(*, request: HttpRequest, token: str) -> TOTPDevice:
    """A code at sign-in: this session is verified. Raises CodeRefused."""
    device = confirmed_device(request.user)
    if device is None:
        raise ValueError("no device")
    _check_code(request=request, device=device, token=token)
    _session_verified(request, device)
    return device


def _session_verified(request: HttpRequest, device: TOTPDevice) -> None:
    # A new session key for the raised privilege (as Django does at sign-in).
    request.session.cycle_key()
    django_otp.login(request, device)


@transaction.atomic
def second_factor_reset(*, user, by=None) -> int:
    """Remove every second-factor device of `user` (a lost phone); they enrol again at their next
    sign-in. Returns how many were removed. Whoever calls this has checked they may."""
    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=by, action="second_factor_reset", obj=user, details={"devices": removed})
    return removed


@transaction.atomic
def second_factor_demo_devices(*, users) -> list[tuple[object, TOTPDevice, bool]]:
    """The demo logins that need a second factor get a confirmed device, so `make run` works
    without the enrolment step; [(user, device, created?)]. Demo data only (load_demo)."""
    done = []
    for user in users:
        if not second_factor_required(user):
            continue
        device = confirmed_device(user)
        created = device is None
        if created:
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        done.append((user, device, created))
    return done


# Pages an unverified session may open: the code pages themselves, signing out, the language switch.
EXEMPT_URL_NAMES = {
    "second-factor-verify",
    "second-factor-enrol",
    "logout",
    "admin:logout",
    "set_language",
    "javascript-catalog",
    "healthz",
    "metrics",
}


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware (which sets `request.user.is_verified()`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_URL_NAMES:
            return None
        if not second_factor_needed_for_session(request):
            return None
        if request.path.startswith("/api/"):
            message = gettext("Confirm your sign-in with the code from your authenticator app first.")
            body = {"error": {"code": "second_factor_required", "message": message, "fields": {}}}
            return JsonResponse(body, status=403)
        page = "second-factor-verify" if confirmed_device(user) is not None else "second-factor-enrol"
        back_to = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        url = reverse(page)
        return redirect(f"{url}?{urlencode({'next': back_to})}" if back_to else url)
