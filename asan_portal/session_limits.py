"""How long a signed-in session lasts (docs/adr/0020): SESSION_LIMITS["IDLE_MINUTES"] without a
request, and SESSION_LIMITS["ABSOLUTE_HOURS"] after signing in, whatever happens in between.

- Every signed-in account is held to it: staff (any staff role, `is_staff`, superusers) and
  volunteers too. A volunteer's pages show their name, phone and shifts, and they sign in on
  their own phones, which get lost like any other; one rule for every account is also one rule
  to test. Citizens have no account: their anonymous sessions (the booking journey, the manage
  and rating links exchanged for a session) never carry the timestamps and are left alone.
- The times are kept in the session itself, so they hold for any session store, the
  Redis-proof one in production included (asan_portal/sessions.py): no extra store to fail.
- The last-seen time is written at most once a minute, so a busy staff page does not rewrite its
  session on every request; idle time is therefore counted from up to a minute earlier.
- An expired session is signed out and sent to the sign-in page with a message saying why and
  the page it asked for as `next`; an API request simply continues as anonymous (and is refused
  there like any other), an htmx request is told to load the sign-in page in full.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django_htmx.http import HttpResponseClientRedirect

STARTED_AT = "_auth_started_at"
SEEN_AT = "_auth_seen_at"
SEEN_WRITE_EVERY_SECONDS = 60
DEFAULTS = {"IDLE_MINUTES": 30, "ABSOLUTE_HOURS": 12}

IDLE = "idle"
ABSOLUTE = "absolute"


def session_limit(name: str) -> int:
    return int((getattr(settings, "SESSION_LIMITS", {}) or {}).get(name, DEFAULTS[name]))


def idle_seconds() -> int:
    return session_limit("IDLE_MINUTES") * 60


def absolute_seconds() -> int:
    return session_limit("ABSOLUTE_HOURS") * 3600


def session_start(session, *, now: float | None = None) -> None:
    """Mark a session as signed in now. The session row and cookie also end with the absolute
    limit at the latest (Django's own expiry), instead of the two weeks anonymous sessions keep."""
    now = int(time.time() if now is None else now)
    session[STARTED_AT] = now
    session[SEEN_AT] = now
    session.set_expiry(absolute_seconds())


def on_user_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_start(request.session)


def session_expiry_reason(session, *, now: float | None = None) -> str | None:
    """IDLE or ABSOLUTE when a signed-in session has run out, else None (and the session's
    last-seen time moves on). A signed-in session without the marks (made before this rule)
    starts counting now."""
    now = int(time.time() if now is None else now)
    started, seen = session.get(STARTED_AT), session.get(SEEN_AT)
    if not isinstance(started, int) or not isinstance(seen, int):
        session_start(session, now=now)
        return None
    if now - started >= absolute_seconds():
        return ABSOLUTE
    if now - seen >= idle_seconds():
        return IDLE
    if now - seen >= SEEN_WRITE_EVERY_SECONDS:
        session[SEEN_AT] = now
    return None


def _expiry_message(reason: str) -> str:
    if reason == ABSOLUTE:
        return gettext(
            "You were signed out because %(hours)s hours have passed since you signed in. Please sign in again."
        ) % {"hours": session_limit("ABSOLUTE_HOURS")}
    return gettext(
        "You were signed out after %(minutes)s minutes without activity. Please sign in again to continue."
    ) % {"minutes": session_limit("IDLE_MINUTES")}


def _page_to_return_to(request) -> str:
    """The page asked for; for a form sent after expiry, the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return request.path


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware: ends signed-in sessions that ran out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        reason = session_expiry_reason(request.session)
        if reason is None:
            return self.get_response(request)
        back_to = _page_to_return_to(request)
        logout(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)  # anonymous from here on; the API refuses as usual
        messages.warning(request, _expiry_message(reason))
        response = redirect_to_login(back_to, login_url=settings.LOGIN_URL)
        if request.headers.get("HX-Request") == "true":  # django-htmx's middleware runs later
            return HttpResponseClientRedirect(response["Location"])
        return response
