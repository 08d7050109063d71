"""The Content-Security-Policy breaks no page: Chromium walks the public pages, a booking up to
the details form, the rating link, the volunteer pages, the staff pages, the dashboard, the API
docs, the admin (with its date pickers and inlines) and the self-contained error page, and not
one "Refused to ..." CSP message appears in the console."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client
from playwright.sync_api import ConsoleMessage, Page, expect

from appointments import queue
from centres.models import Counter, StaffMembership, StaffRole
from tests.feedback.factories import completed_visit, link_from_message
from tests.second_factor import totp_code, totp_device_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "asan-demo-2026"
SHOTS = Path("/tmp/shots/sec")


class Violations:
    """Collects the CSP complaints Chromium writes to the console, page by page."""

    def __init__(self, page: Page):
        self.messages: list[str] = []
        self.where = ""
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"{self.where}: page error {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text or "Permissions-Policy" in text:
            self.messages.append(f"{self.where}: {text}")

    def visit(self, page: Page, url: str) -> None:
        self.where = url
        response = page.goto(url)
        assert response is not None and response.status < 400, url
        assert "default-src 'self'" in response.headers["content-security-policy"], url
        page.wait_for_load_state("networkidle")


def test_no_page_breaks_the_content_security_policy(page: Page, site, catalogue):
    cache.clear()  # rate-limit counters from other tests
    violations = Violations(page)

    # public pages, the service page with its JSON-LD, the centre list with its script
    for path in ["/en/", "/az/services/", "/en/centres/", "/en/volunteers/apply/", "/en/accounts/login/"]:
        violations.visit(page, f"{site}{path}")
    violations.visit(page, f"{site}/en/services/")
    page.get_by_role("link", name=catalogue.passport.name_en).first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator('script[type="application/ld+json"]').count() == 1

    # the booking pages up to the details form (htmx on the way)
    page.get_by_role("link", name="Book a visit", exact=True).click()
    page.locator(".centre-card a").first.click()
    page.locator(".cal-free a").first.click()
    page.locator(".time-button").first.click()
    expect(page.locator("#id_full_name")).to_be_visible()
    page.wait_for_load_state("networkidle")

    # the rating link a citizen gets after the visit
    centre = catalogue.baku
    counter = Counter.objects.filter(centre=centre, services=catalogue.passport).order_by("number").first()
    operator = get_user_model().objects.create_user(username="csp-operator", password=PASSWORD)
    StaffMembership.objects.create(user=operator, centre=centre, role=StaffRole.OPERATOR)
    queue.counter_session_open(counter=counter, operator=operator)
    visit = completed_visit(counter=counter, operator=operator, service=catalogue.passport, language="en")
    violations.visit(page, f"{site}{link_from_message(visit)}")

    # the waiting-room display and the API docs (Swagger UI's script comes from a file)
    violations.visit(page, f"{site}/en/queue/{centre.code}/display/")
    violations.visit(page, f"{site}/api/docs/")
    expect(page.locator(".swagger-ui")).to_be_visible()

    # staff: sign in on the portal, then the dashboard, the counter, the staff lists and the admin
    admin = get_user_model().objects.create_superuser("csp-admin", password=PASSWORD)
    device = totp_device_for(admin)
    violations.visit(page, f"{site}/en/accounts/login/")
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state("networkidle")
    # the second factor's page, then its code (tests/second_factor.py)
    page.fill("#id_token", totp_code(device))
    page.click("main form [type=submit]")
    page.wait_for_load_state("networkidle")
    today = dt.date.today().isoformat()
    for path in [
        "/en/dashboard/",
        f"/en/queue/{centre.code}/counter/{counter.pk}/",
        f"/en/staff/appointments/?centre={centre.code}&day={today}",
        "/en/staff/complaints/",
        "/en/volunteers/coordinator/applications/",
        "/en/admin/",
        "/en/admin/centres/closure/add/",
        f"/en/admin/services/service/{catalogue.passport.pk}/change/",
        "/en/admin/appointments/appointment/",
        "/en/admin/centres/auditentry/",
        "/en/admin/centres/auditentry/trail/",
    ]:
        violations.visit(page, f"{site}{path}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{site}/en/admin/centres/auditentry/trail/?days=7")
    page.screenshot(path=str(SHOTS / "audit-trail.png"), full_page=True)
    # the operator's panel still reloads itself every 10 s (an event now, not an evaluated filter)
    violations.visit(page, f"{site}/en/queue/{centre.code}/counter/{counter.pk}/")
    with page.expect_request(
        lambda request: "/counter/" in request.url and "hx-request" in request.headers, timeout=15000
    ):
        pass
    # the admin's calendar pop-up, drawn by its own script
    page.goto(f"{site}/en/admin/centres/closure/add/")
    calendar_links = page.locator(".datetimeshortcuts a[id^=calendarlink]")
    if calendar_links.count():
        calendar_links.first.click()
        expect(page.locator(".calendarbox").first).to_be_visible()

    assert violations.messages == [], "\n".join(violations.messages)


def test_the_error_page_keeps_its_own_styles_under_the_policy(page: Page, site):
    """The 500 page carries its CSS inline; the policy allows exactly that block by its hash."""
    policy = Client().get("/en/").headers["Content-Security-Policy"]
    body = render_to_string("500.html")
    violations = Violations(page)
    page.route(
        "**/error-page",
        lambda route: route.fulfill(
            status=500,
            body=body,
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": policy},
        ),
    )
    violations.where = "500.html"
    page.goto(f"{site}/error-page")
    header_colour = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert header_colour == "rgb(10, 58, 114)"
    assert violations.messages == [], "\n".join(violations.messages)
    assert re.search(r"style-src 'self' 'sha256-[A-Za-z0-9+/=]+'", policy)
