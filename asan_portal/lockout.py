"""Sign-in lock-out, the one rule for the portal's login and the admin's (docs/adr/0016).

After LOGIN_LOCKOUT["ACCOUNT_FAILURES"] wrong passwords for one account, or
LOGIN_LOCKOUT["IP_FAILURES"] from one address (higher: a centre's staff share one address),
within WINDOW_SECONDS, that account or address may not sign in for COOL_OFF_SECONDS, even
with the right password, and is told so plainly.

- Failures are counted from Django's `user_login_failed` signal, so every form that calls
  `authenticate()` counts, whatever its URL.
- The refusal is checked by `LockoutAuthenticationMixin.clean()` before the password is: the
  portal's form and the admin's both use it.
- Counters live in Redis (the cache that `asan_portal.ratelimit` uses), so every process sees
  them; like the rate limits, a cache failure lets people sign in rather than lock everyone out.
- A successful sign-in clears only that account's own failures: never the address's, so an
  attacker cannot reset the count by signing in to an account of their own.
- Wrong second-factor codes (asan_portal/second_factor.py) follow the same rule with counters of
  their own (`code_*` below): a password and a code are different secrets (docs/adr/0020).
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext

from .ratelimit import _cache, _incr, breaker, client_ip

logger = logging.getLogger(__name__)

DEFAULTS = {"ACCOUNT_FAILURES": 5, "IP_FAILURES": 30, "WINDOW_SECONDS": 900, "COOL_OFF_SECONDS": 900}


def lockout_setting(name: str) -> int:
    return int((getattr(settings, "LOGIN_LOCKOUT", {}) or {}).get(name, DEFAULTS[name]))


def _normalised(username: str) -> str:
    return (username or "").strip().lower()


def _keys(kind: str, value: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
    return f"lockout:failures:{digest}", f"lockout:until:{digest}"


def _subjects(username: str, request: HttpRequest | None, *, prefix: str = "") -> list[tuple[str, str, int]]:
    """(kind, value, threshold) for the account and, when there is a request, its address.
    `prefix` keeps the second factor's counters apart from the password's."""
    subjects = []
    if _normalised(username):
        subjects.append((f"{prefix}account", _normalised(username), lockout_setting("ACCOUNT_FAILURES")))
    if request is not None:
        subjects.append((f"{prefix}ip", client_ip(request), lockout_setting("IP_FAILURES")))
    return subjects


CODE_PREFIX = "code-"


@dataclass(frozen=True)
class LockedOut:
    retry_after: int  # seconds
    of_codes: bool = False  # wrong second-factor codes rather than wrong passwords

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        if self.of_codes:
            return gettext(
                "Too many wrong codes. For your security, entering a code is paused for %(minutes)s min."
            ) % {"minutes": minutes}
        return gettext(
            "Too many failed sign-in attempts. For your security, signing in is paused for %(minutes)s min."
        ) % {"minutes": minutes}


def login_lockout_get(*, username: str, request: HttpRequest | None, now: float | None = None) -> LockedOut | None:
    """The lock-out in force for this account or address, or None when sign-in may go ahead."""
    return _lockout_get(_subjects(username, request), now=now)


def code_lockout_get(*, user, request: HttpRequest | None, now: float | None = None) -> LockedOut | None:
    """The lock-out of second-factor codes in force for this account or address, or None."""
    locked = _lockout_get(_subjects(user.get_username(), request, prefix=CODE_PREFIX), now=now)
    return None if locked is None else LockedOut(retry_after=locked.retry_after, of_codes=True)


def code_failure_record(*, user, request: HttpRequest | None, now: float | None = None) -> None:
    """Count one wrong second-factor code for the account and the address."""
    _failure_record(_subjects(user.get_username(), request, prefix=CODE_PREFIX), now=now)


def code_success_record(*, user) -> None:
    """A right code forgets the account's own wrong codes; its address's are kept."""
    _success_record(_keys(f"{CODE_PREFIX}account", _normalised(user.get_username()))[0])


def _lockout_get(subjects, *, now: float | None) -> LockedOut | None:
    if breaker.is_open():
        return None
    now = time.time() if now is None else now
    until_keys = [_keys(kind, value)[1] for kind, value, _threshold in subjects]
    try:
        locks = _cache().get_many(until_keys)
    except Exception:  # a slow or absent Redis must not lock everyone out
        breaker.trip()
        logger.warning("Lock-out cache unavailable; sign-in allowed", exc_info=True)
        return None
    until = max((float(value) for value in locks.values()), default=0.0)
    return LockedOut(retry_after=math.ceil(until - now)) if until > now else None


def login_failure_record(*, username: str, request: HttpRequest | None, now: float | None = None) -> None:
    """Count one wrong password for the account and the address; lock whichever reached its threshold."""
    _failure_record(_subjects(username, request), now=now)


def _failure_record(subjects, *, now: float | None) -> None:
    if breaker.is_open():
        return
    now = time.time() if now is None else now
    window, cool_off = lockout_setting("WINDOW_SECONDS"), lockout_setting("COOL_OFF_SECONDS")
    try:
        cache = _cache()
        for kind, value, threshold in subjects:
            failures_key, until_key = _keys(kind, value)
            if _incr(cache, failures_key, timeout=window) >= threshold:
                cache.set(until_key, now + cool_off, timeout=cool_off)
                cache.delete(failures_key)  # the next lock needs a fresh run of failures
                logger.warning("Sign-in locked for %s s: too many failures for one %s", cool_off, kind)
    except Exception:
        breaker.trip()
        logger.warning("Lock-out cache unavailable; failure not counted", exc_info=True)


def login_success_record(*, username: str) -> None:
    """The account's own failures are forgotten; its address's are not."""
    _success_record(_keys("account", _normalised(username))[0])


def _success_record(failures_key: str) -> None:
    if breaker.is_open():
        return
    try:
        _cache().delete(failures_key)
    except Exception:
        breaker.trip()
        logger.warning("Lock-out cache unavailable", exc_info=True)


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    login_failure_record(username=str(credentials.get("username", "")), request=request)


def on_user_logged_in(sender, request, user, **kwargs):
    login_success_record(username=user.get_username())


class LockoutAuthenticationMixin:
    """For AuthenticationForm subclasses: refuse before checking the password while locked out."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            locked = login_lockout_get(username=username, request=self.request)
            if locked is not None:
                self.locked_out = locked
                raise forms.ValidationError(locked.message, code="locked_out")
        return super().clean()


class StaffAuthenticationForm(LockoutAuthenticationMixin, AdminAuthenticationForm):
    """The admin's sign-in form with the lock-out (set as admin.site.login_form)."""
