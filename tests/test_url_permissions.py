"""No staff page is public by accident.

Walks every URL pattern of the project (recursively, filling path converters and regex groups
with dummy values), and asks each one anonymously. A pattern that is not on the allow-list of
public pages must send the visitor to a login page or answer 401/403/404 (a POST-only view may
answer 405 to GET, and is then asked with POST too). If this fails for a page you just added:
protect it (login_required / a permission check), or, if citizens really should see it, add
its URL name to PUBLIC_URL_NAMES below.
"""

import re
import re._parser as regex_parser
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import URLResolver, get_resolver, path, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.exceptions import Resolver404
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern

from tests.centres.factories import CentreFactory, CityFactory
from tests.services.factories import CategoryFactory, ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db

# Pages anyone may open. Keep this list short and deliberate.
PUBLIC_URL_NAMES = {
    "home",
    "healthz",
    # Not public: /metrics answers only METRICS["ALLOWED_IPS"] or the bearer token, else 404
    # (tests/test_observability.py). It is listed because this test's client comes from 127.0.0.1.
    "metrics",
    "set_language",
    "javascript-catalog",
    "api-schema",
    "api-docs",
    "services:list",
    "services:detail",
    "centres:list",
    "centres:detail",
    "api:service-list",
    "api:service-detail",
    "api:provider-list",
    "api:provider-detail",
    "api:category-list",
    "api:centre-list",
    "api:centre-detail",
    # Booking API: citizens have no account; bookings are reached only with their manage token.
    "api:availability-day",
    "api:availability-earliest",
    "api:appointment-create",
    # The citizen's live ticket through the API: the unguessable token from the QR code is the key.
    "api:ticket-public",
    # The citizen's booking journey (no account) and its private links (token in the URL).
    "appointments:book",
    "appointments:book_verify",
    "appointments:book_resend",
    "appointments:book_done",
    "appointments:book_centre",
    "appointments:book_date",
    "appointments:book_time",
    "appointments:book_details",
    "appointments:waitlist",
    "appointments:waitlist_offer",
    "appointments:manage",
    # The booking's clean pages: no token, they open only for the session that opened the link.
    "appointments:booking",
    "appointments:manage_cancel",
    "appointments:manage_move",
    "appointments:manage_move_time",
    "appointments:manage_move_confirm",
    "appointments:manage_ics",
    "admin:login",
    "admin:logout",
    # The queue's hall display (ticket codes and counter numbers only) and the citizen's live
    # ticket (unguessable token from its QR code); the kiosk needs a staff login (queue_views).
    "queue:display",
    "queue:display_feed",
    "queue:ticket",
    "queue:ticket_status",
    # Complaints and suggestions: the form, its confirmation (number kept in the session) and the
    # tracking page (needs the tracking number and the phone or e-mail given).
    "complaints:new",
    "complaints:done",
    "complaints:track",
    # Rating a visit from the SMS or e-mail link: the unguessable token is the key (no account).
    "ratings:rate",
    "ratings:visit",  # its clean page, for the session that opened the link
    "api:feedback-rating",
    # Applying to volunteer (no account yet), and the one-time "set your password" link of an
    # approved volunteer (the signed token in the URL is the key).
    "volunteers:apply",
    "volunteers:apply-thanks",
    "volunteers:set-password",
    "volunteers:set-password-choose",  # where that link redirects, the token kept in the session
    "volunteers:password-forgot",
    "volunteers:password-forgot-done",
    # A volunteer's iCal feed: a calendar program cannot sign in; the unguessable calendar token
    # in the URL is the key (volunteers/views_attendance.py), like a booking's manage link.
    "volunteers-calendar",
    # Open data: satisfaction figures, aggregated and anonymous (no counter or operator level).
    "open_data:satisfaction",
    "api:stats-satisfaction",
    # The portal's own sign-in (volunteers are not staff) and sign-out (POST only).
    "login",
    "logout",
}

DUMMY_CODE = "dummy"
DUMMY_BY_CONVERTER = {
    IntConverter: "1",
    StringConverter: DUMMY_CODE,
    SlugConverter: DUMMY_CODE,
    PathConverter: DUMMY_CODE,
    UUIDConverter: "00000000-0000-4000-8000-000000000001",
}
# For converters of our own: the first of these its regex accepts.
DUMMY_CANDIDATES = [DUMMY_CODE, "1", "2026-01-02", "dummy-1", "A-001", "00000000-0000-4000-8000-000000000001"]
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
LOGIN_REDIRECTS = {301, 302, 303, 307, 308}
REFUSALS = {401, 403, 404}


@dataclass(frozen=True)
class Route:
    url: str  # a concrete path to request
    name: str  # "namespace:name", or "" for an unnamed pattern
    pattern: str  # the pattern as written, for messages

    @property
    def label(self) -> str:
        return f"{self.pattern} [{self.name or 'unnamed'}]"


def _converter_value(converter) -> str:
    for converter_class, value in DUMMY_BY_CONVERTER.items():
        if type(converter) is converter_class:
            return value
    for value in DUMMY_CANDIDATES:
        if re.fullmatch(converter.regex, value):
            return value
    raise AssertionError(f"No dummy value for converter {converter!r}: add one to DUMMY_CANDIDATES")


def _regex_example(regex: str) -> str:
    """A short string the regex matches: first branch, one repetition, first character of a set."""

    def from_set(items) -> str:
        if items and str(items[0][0]) == "NEGATE":
            excluded = "".join(chr(av) for op, av in items[1:] if str(op) == "LITERAL")
            return next(c for c in "a1b2" if c not in excluded)
        op, av = items[0]
        kind = str(op)
        if kind == "LITERAL":
            return chr(av)
        if kind == "RANGE":
            return chr(av[0])
        if kind == "CATEGORY":
            return {"CATEGORY_DIGIT": "1", "CATEGORY_SPACE": " "}.get(str(av), "a")
        raise AssertionError(f"Cannot fill the set {items!r} in {regex!r}")

    def build(parsed) -> str:
        out = []
        for op, av in parsed:
            kind = str(op)
            if kind == "LITERAL":
                out.append(chr(av))
            elif kind in ("ANY", "NOT_LITERAL"):
                out.append("a" if kind == "ANY" or chr(av) != "a" else "b")
            elif kind == "IN":
                out.append(from_set(av))
            elif kind == "BRANCH":
                out.append(build(av[1][0]))
            elif kind == "SUBPATTERN":
                out.append(build(av[-1]))
            elif kind in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, sub = av
                out.append(build(sub) * max(low, min(1, high)))
            elif kind in ("AT", "ASSERT", "ASSERT_NOT"):
                continue
            else:
                raise AssertionError(f"Cannot fill {kind} in {regex!r}")
        return "".join(out)

    example = build(regex_parser.parse(regex))
    assert re.fullmatch(regex.lstrip("^"), example) or re.match(regex, example), (regex, example)
    return example


def _fill(pattern) -> str:
    if isinstance(pattern, LocalePrefixPattern):
        return f"{settings.LANGUAGE_CODE}/"
    if isinstance(pattern, RoutePattern):
        return ROUTE_PARAMETER.sub(lambda m: _converter_value(pattern.converters[m["parameter"]]), str(pattern))
    if isinstance(pattern, RegexPattern):
        return _regex_example(pattern.regex.pattern)
    raise AssertionError(f"Unknown kind of URL pattern: {pattern!r}")


def url_routes(patterns, *, prefix: str = "", written: str = "", namespace: str = "") -> list[Route]:
    """Every endpoint under `patterns`, with a concrete URL built from dummy values."""
    routes = []
    for entry in patterns:
        url = prefix + _fill(entry.pattern)
        text = written + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            routes += url_routes(entry.url_patterns, prefix=url, written=text, namespace=inner)
        else:
            name = ":".join(part for part in (namespace, entry.name) if part) if entry.name else ""
            routes.append(Route(url="/" + url, name=name, pattern=text))
    return routes


def _is_login_redirect(response) -> bool:
    if response.status_code not in LOGIN_REDIRECTS:
        return False
    try:
        target = resolve(urlsplit(response["Location"]).path)
    except Resolver404:
        return False
    return (target.url_name or "").endswith("login")


def _exposure(client, route: Route) -> str | None:
    """Why an anonymous visitor gets too much from `route`, or None if it is refused properly."""
    response = client.get(route.url)
    if response.status_code == 405:
        response = client.post(route.url)
        if response.status_code == 405:
            return None
    if response.status_code in REFUSALS or _is_login_redirect(response):
        return None
    location = f" -> {response['Location']}" if response.has_header("Location") else ""
    return f"{route.label}: anonymous {response.request['REQUEST_METHOD']} {route.url} answered {response.status_code}{location}"


ROUTES = url_routes(get_resolver().url_patterns)
STAFF_ROUTES = [route for route in ROUTES if route.name not in PUBLIC_URL_NAMES]


@pytest.fixture
def dummy_objects():
    """Rows whose code is the dummy value, so a page that fetches by code finds something instead
    of answering 404 and thereby hiding a missing login check."""
    ServiceFactory(
        code=DUMMY_CODE,
        provider=ProviderFactory(code=DUMMY_CODE),
        category=CategoryFactory(code=DUMMY_CODE),
    )
    CentreFactory(code=DUMMY_CODE, city=CityFactory(code=DUMMY_CODE))


def test_every_pattern_was_filled_so_that_it_resolves_back_to_itself():
    for route in ROUTES:
        match = resolve(route.url)
        if route.name:
            assert match.view_name == route.name, route.label


def test_every_public_name_still_exists():
    names = {route.name for route in ROUTES}
    assert PUBLIC_URL_NAMES - names == set(), "remove stale names from PUBLIC_URL_NAMES"


def test_the_walk_reaches_the_admin():
    assert {"admin:index", "admin:services_service_change", "admin:services_service_import_csv"} <= {
        route.name for route in STAFF_ROUTES
    }


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=lambda route: route.label)
def test_anonymous_visitor_cannot_open_a_staff_page(client, dummy_objects, route):
    assert _exposure(client, route) is None


# --- the check catches what it should: a throwaway URLconf with one unprotected staff page ---


def _staff_page(request, code):
    return HttpResponse(f"queue of centre {code}")


def _login_page(request):
    return HttpResponse("log in")


urlpatterns = [
    path("login/", _login_page, name="login"),
    path("staff/<slug:code>/queue/", _staff_page, name="queue-unprotected"),
    path("staff/<slug:code>/queue-protected/", login_required(_staff_page), name="queue-protected"),
]


def test_the_check_flags_a_staff_page_without_a_login_check(client, settings):
    settings.ROOT_URLCONF = __name__
    settings.LOGIN_URL = "/login/"
    routes = {route.name: route for route in url_routes(get_resolver(__name__).url_patterns)}

    unprotected = _exposure(client, routes["queue-unprotected"])

    assert unprotected is not None
    assert "answered 200" in unprotected
    assert _exposure(client, routes["queue-protected"]) is None
