"""Issue 12.10 (second half): the transfer and phone-in service lists (some 300 services) can be
searched with the catalogue's folding search, by keyboard, with and without JavaScript. And
issue 12.2 as a citizen sees it: the kiosk offers the centre's priority groups."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from appointments import queue
from appointments.demo import DEMO_PRIORITY_GROUPS, priority_groups_load_demo
from appointments.models import Ticket
from centres.models import Counter, StaffRole
from tests.appointments.queue_factories import operator_at
from tests.browser.axe_check import axe_clean
from tests.browser.conftest import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1440, "height": 900}


def _called_passport_ticket(catalogue):
    centre = catalogue.baku
    operator = operator_at(centre, role=StaffRole.OPERATOR, username="operator-transfer")
    counter = Counter.objects.filter(centre=centre, services=catalogue.passport).order_by("number").first()
    ticket = queue.ticket_issue(centre=centre, service=catalogue.passport)
    queue.counter_session_open(counter=counter, operator=operator)
    queue.ticket_call_next(counter=counter, operator=operator)
    return operator, counter, ticket


def _signed_in_without_javascript(browser: Browser, site: str, user) -> BrowserContext:
    """Like conftest.signed_in_context, with scripts turned off."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=DESK, locale="en-GB", java_script_enabled=False)
    host = site.split("//", 1)[1].split(":")[0]
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "domain": host, "path": "/"}])
    return context


def _transfer_options(page: Page) -> list[str]:
    return page.locator("#transfer-target option").evaluate_all("options => options.map(o => o.value)")


def test_typing_sexsiyyet_finds_the_id_card_and_the_keyboard_transfers_to_it(browser: Browser, site, catalogue):
    operator, counter, ticket = _called_passport_ticket(catalogue)
    id_card = catalogue.id_card
    page = signed_in_context(browser, site, operator, DESK).new_page()
    page.goto(f"{site}/en/queue/{catalogue.baku.code}/counter/{counter.pk}/")
    axe_clean(page, "counter-transfer-all")

    search = page.get_by_label("Find a service to transfer to")
    search.focus()
    page.keyboard.type("sexsiyyet")  # no Azerbaijani keyboard: "şəxsiyyət"
    expect(page.locator("#transfer-count")).to_contain_text("1 service matches")
    assert _transfer_options(page) == ["", f"service:{id_card.pk}"]
    expect(search).to_be_focused()  # only the list was redrawn
    axe_clean(page, "counter-transfer-found")

    # keyboard only: Tab past "Find" and "Show all services" to the list (best match chosen), then to "Transfer"
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(page.get_by_label("Transfer (the citizen keeps their place)")).to_be_focused()
    expect(page.get_by_label("Transfer (the citizen keeps their place)")).to_have_value(f"service:{id_card.pk}")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_text("sent on; the citizen keeps their place in line.")).to_be_visible()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.service_id) == ("waiting", id_card.pk)


def test_the_search_and_transfer_work_without_javascript(browser: Browser, site, catalogue):
    operator, counter, ticket = _called_passport_ticket(catalogue)
    nojs = _signed_in_without_javascript(browser, site, operator)
    page = nojs.new_page()
    page.goto(f"{site}/en/queue/{catalogue.baku.code}/counter/{counter.pk}/")
    page.get_by_label("Find a service to transfer to").fill("SHEXSIYYET")
    page.get_by_label("Find a service to transfer to").press("Enter")
    expect(page).to_have_url(f"{site}/en/queue/{catalogue.baku.code}/counter/{counter.pk}/?service_q=SHEXSIYYET")
    assert _transfer_options(page) == ["", f"service:{catalogue.id_card.pk}"]
    page.get_by_role("button", name="Transfer", exact=True).click()

    expect(page.get_by_text("sent on; the citizen keeps their place in line.")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.service_id == catalogue.id_card.pk
    # No axe here: it runs as a script, and scripts are off (the same page is checked above).
    page.screenshot(path="/tmp/queue-counter-nojs-transferred.png", full_page=True)


def test_the_phone_in_service_list_is_searchable(browser: Browser, site, catalogue):
    operator = operator_at(catalogue.baku, role=StaffRole.OPERATOR, username="operator-phone")
    page = signed_in_context(browser, site, operator, DESK).new_page()
    page.goto(f"{site}/en/staff/appointments/{catalogue.baku.code}/book/")
    page.get_by_label("Find a service").fill("notarius")
    expect(page.locator("#service-count")).to_contain_text("1 service matches")
    values = page.locator("#id_service option").evaluate_all("options => options.map(o => o.value)")
    assert values == ["", str(catalogue.notary.pk)]
    axe_clean(page, "staff-phone-in-search")


def test_the_kiosk_offers_the_centres_priority_groups(browser: Browser, site, catalogue):
    priority_groups_load_demo()
    operator = operator_at(catalogue.baku, role=StaffRole.OPERATOR, username="kiosk-baku")
    page = signed_in_context(browser, site, operator, {"width": 1280, "height": 1024}).new_page()
    page.goto(f"{site}/en/queue/{catalogue.baku.code}/kiosk/{catalogue.passport.code}/")
    for _code, _rank, _az, name_en, _ru in DEMO_PRIORITY_GROUPS:
        expect(page.get_by_label(name_en)).to_be_visible()
    axe_clean(page, "kiosk-priority-groups")
    page.get_by_label("People with disabilities").check()
    page.get_by_role("button", name="Get my ticket").click()
    ticket = Ticket.objects.get(centre=catalogue.baku)
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.display_code)
    assert ticket.priority_group.code == "disability"
    axe_clean(page, "kiosk-priority-ticket")
