"""Private links: a token in a URL that is the key to one citizen's object (docs/adr/0019).

A URL ends up in places its owner never meant: the web server's access log, the proxy's log,
the browser's history and, as a Referer header, at whatever page it links to. So:

- Every URL that carries a token is served through `no_referrer` (one decorator, applied where
  the URL is declared): `Referrer-Policy: no-referrer`, so the browser never sends it on. Pages
  reached after the exchange below carry no token and keep the site's `same-origin`: with
  `no-referrer` Chromium sends `Origin: null` with a page's own forms, and Django's CSRF check
  (rightly) refuses that.
- Where the citizen does not need to keep the URL itself (the booking's manage pages, the
  rating form), opening the link from the SMS exchanges the token for a grant in the session,
  scoped to that one object (`private_link_grant`), and redirects (303) to a clean URL that
  names the object but is no key: it works only in a session holding the grant
  (`private_link_token`), and anywhere else answers 404 (`PrivateLinkMissing`), as a wrong token does.
  The link in the SMS stays as it is: it is what the citizen clicks, and clicking it again
  in another browser works again.
- Logs: asan_portal.pii hides tokens in log lines and in gunicorn's access log.

The grant holds the token itself, not the object's id: a token replaced since (a booking
re-issued after a counter closure) stops the clean URL working at once, and the page can still
show the citizen their link (the .ics file carries it).
"""

from functools import wraps

from django.http import Http404, HttpResponseRedirect

NO_REFERRER = "no-referrer"
_SESSION_PREFIX = "private_link"


class PrivateLinkMissing(Http404):
    """A clean URL opened in a session that holds no grant for its object (asan_portal.views
    answers it with a 404 page that says to open the link from the message again)."""


def no_referrer(view):
    """Wrap a view whose URL carries a token: its answers tell the browser not to pass the URL on."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = NO_REFERRER
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _session_key(kind: str, key) -> str:
    return f"{_SESSION_PREFIX}:{kind}:{key}"


def private_link_grant(request, *, kind: str, key, token: str) -> None:
    """Remember in the session that its holder opened the private link `token` of object `kind`/`key`."""
    request.session[_session_key(kind, key)] = token


def private_link_token(request, *, kind: str, key) -> str:
    """The token this session was granted for `kind`/`key`; PrivateLinkMissing when there is none.

    The caller still looks the object up by this token, so a grant whose token was replaced or
    whose object is gone opens nothing."""
    token = request.session.get(_session_key(kind, key))
    if not isinstance(token, str) or not token:
        raise PrivateLinkMissing
    return token


def private_link_revoke(request, *, kind: str, key) -> None:
    request.session.pop(_session_key(kind, key), None)


def see_other(url: str) -> HttpResponseRedirect:
    """The redirect from a private link to its clean page: 303, so the browser GETs it."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response
