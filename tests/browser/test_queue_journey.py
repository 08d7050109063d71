"""A walk-in's day in the queue, in four browsers at once: the kiosk issues a ticket, the
operator (signed in, second context) calls it, the hall display (third context, 1920x1080)
shows it within two seconds without a reload, and the citizen's phone shows "come to counter N".
Each page is checked with axe and photographed into var/screenshots/queue/."""

import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from appointments.models import Ticket, TicketStatus
from centres.models import Counter, StaffMembership, StaffRole
from tests.browser.conftest import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "queue"
PHONE = {"width": 390, "height": 844}
TV = {"width": 1920, "height": 1080}
KIOSK = {"width": 1280, "height": 1024}
DESK = {"width": 1440, "height": 900}


def _check(page: Page, name: str, *, full_page: bool = True) -> None:
    result = Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert problems == [], f"{name}:\n" + "\n".join(problems)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def test_kiosk_ticket_is_called_shown_on_the_display_and_on_the_phone(browser: Browser, site, catalogue):
    centre = catalogue.baku
    passport = catalogue.passport
    counter = Counter.objects.filter(centre=centre, services=passport).order_by("number").first()
    user_model = get_user_model()
    kiosk_user = user_model.objects.create_user(username="kiosk-baku-1", password="x")
    operator = user_model.objects.create_user(username="operator-baku-1", password="x", first_name="Aysel")
    for user in (kiosk_user, operator):
        StaffMembership.objects.create(user=user, centre=centre, role=StaffRole.OPERATOR)

    # the hall's TV, open before anything happens: it must update without a reload
    display = browser.new_context(viewport=TV, locale="en-GB").new_page()
    display.goto(f"{site}/en/queue/{centre.code}/display/")
    expect(display.get_by_text("No ticket has been called yet.")).to_be_visible()

    # the kiosk: a group, the service, then the ticket
    kiosk = signed_in_context(browser, site, kiosk_user, KIOSK).new_page()
    kiosk.goto(f"{site}/en/queue/{centre.code}/kiosk/")
    _check(kiosk, "1-kiosk-groups")
    kiosk.get_by_role("link", name=passport.category.name_en).click()
    kiosk.get_by_role("link", name=passport.name_en).click()
    kiosk.get_by_label("Mobile number for an SMS when your turn is near (optional)").fill("+994 50 765 43 21")
    _check(kiosk, "2-kiosk-service")
    kiosk.get_by_role("button", name="Get my ticket").click()
    ticket = Ticket.objects.get(centre=centre)
    code = ticket.display_code
    expect(kiosk.get_by_role("heading", level=1)).to_contain_text(code)
    _check(kiosk, "3-kiosk-ticket")

    # the citizen's phone, from the QR code: waiting, nobody ahead
    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{site}/en/queue/ticket/{ticket.public_token}/")
    expect(phone.locator("[data-headline]")).to_have_text("You are next")
    _check(phone, "4-ticket-waiting")

    # the operator signs in at the counter and calls the next citizen
    desk = signed_in_context(browser, site, operator, DESK).new_page()
    desk.goto(f"{site}/en/queue/{centre.code}/counter/{counter.pk}/")
    desk.get_by_role("button", name="Sign in at this counter").click()
    call = desk.get_by_role("button", name="Call next")
    expect(call).to_be_enabled()
    _check(desk, "5-operator-idle")
    call.click()
    called_at = time.monotonic()
    expect(desk.locator("[data-current-code]")).to_have_text(code)

    # the display shows it within two seconds, newest first, with its counter
    newest = display.locator(".display-row-new")
    expect(newest).to_contain_text(code, timeout=2000)
    assert time.monotonic() - called_at < 2.0
    expect(newest.locator(".display-counter")).to_contain_text(str(counter.number))
    _check(display, "6-display", full_page=False)

    # the phone says where to go
    expect(phone.locator("[data-headline]")).to_have_text(f"Please come to counter {counter.number}", timeout=8000)
    _check(phone, "7-ticket-called")
    _check(desk, "8-operator-called")

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED
    assert ticket.counter == counter and ticket.operator == operator


def test_display_says_reconnecting_after_a_network_drop_and_recovers(browser: Browser, site, catalogue):
    centre = catalogue.baku
    context = browser.new_context(viewport=TV, locale="en-GB")
    display = context.new_page()
    display.goto(f"{site}/en/queue/{centre.code}/display/")
    notice = display.get_by_text("Reconnecting…")
    expect(notice).to_be_hidden()

    context.set_offline(True)
    expect(notice).to_be_visible(timeout=8000)
    context.set_offline(False)

    expect(notice).to_be_hidden(timeout=20000)
