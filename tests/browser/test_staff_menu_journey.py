"""Each staff role signs in, lands on its page and reaches every page of its menu through the
menu (issue 12.3), on a desktop and on a 390 px phone (the menu collapses behind a button that
works from the keyboard); axe finds no violation on the pages reached."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from asan_portal.roles import CATALOGUE_ADMIN, CENTRE_MANAGER, OFFICIAL, OPERATOR, VOLUNTEER_COORDINATOR, role_grant
from asan_portal.second_factor import second_factor_needed
from centres.models import StaffMembership, StaffRole
from tests.second_factor import totp_code, totp_device_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "asan-demo-2026-long"  # noqa: S105
MENU = "nav[aria-label='Staff pages']"


def make_staff(name, role, centre=None, membership=None):
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    role_grant(user=user, role=role)
    if centre is not None:
        StaffMembership.objects.create(user=user, centre=centre, role=membership)
    return user


def sign_in(page: Page, site: str, username: str) -> None:
    user = get_user_model().objects.get(username=username)
    device = totp_device_for(user) if second_factor_needed(user) else None
    page.goto(f"{site}/en/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    if device is not None:  # a catalogue administrator confirms the code (asan_portal/second_factor.py)
        page.fill("#id_token", totp_code(device))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
    assert "/accounts/" not in page.url


def violations(page: Page, where: str) -> list[str]:
    result = Axe().run(page)
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
    ]


def menu_links(page: Page) -> list[tuple[str, str]]:
    links = page.locator(f"{MENU} a")
    return [(links.nth(i).inner_text().strip(), links.nth(i).get_attribute("href")) for i in range(links.count())]


EXPECTED = {
    "operator": {"Today's bookings", "Booking by phone", "Queue and counters", "Ticket kiosk", "Waiting-room display"},
    "manager": {
        "Today's bookings",
        "Booking by phone",
        "Counter closures",
        "Queue and counters",
        "Ticket kiosk",
        "Waiting-room display",
        "Manager's live view",
        "Complaints",
        "Dashboard",
    },
    "coordinator": {"Applications", "Shifts", "Roster", "Coverage"},
    "official": {"Centres' bookings and queues", "Complaints", "Dashboard", "Open data"},
    "catalogue": {"Administration"},
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_reaches_its_pages_through_the_menu(page: Page, site, catalogue, who):
    roles = {
        "operator": (OPERATOR, catalogue.baku, StaffRole.OPERATOR),
        "manager": (CENTRE_MANAGER, catalogue.baku, StaffRole.MANAGER),
        "coordinator": (VOLUNTEER_COORDINATOR, None, None),
        "official": (OFFICIAL, None, None),
        "catalogue": (CATALOGUE_ADMIN, None, None),
    }
    make_staff(who, *roles[who])
    page.set_viewport_size(DESKTOP)
    sign_in(page, site, who)
    landing = page.url
    problems = []
    if who != "catalogue":  # the admin has its own layout; its menu is the admin's
        expect(page.locator(MENU)).to_be_visible()
        problems += violations(page, f"{who} landing {landing}")
        page.screenshot(path=f"{SHOTS}/staffpages-menu-{who}-desktop.png", full_page=False)
        links = menu_links(page)
    else:
        # The catalogue administrator lands in the admin; their menu on any portal page has it.
        page.goto(f"{site}/en/")
        links = menu_links(page)
    labels = {label for label, _href in links} - {"Administration"}
    assert labels == EXPECTED[who] - {"Administration"}
    assert ("Administration" in {label for label, _ in links}) is True
    start = page.url
    for label, href in links:
        page.goto(start)
        with page.expect_navigation() as navigation:
            page.locator(MENU).get_by_role("link", name=label, exact=True).click()
        response = navigation.value
        assert response is not None and response.status == 200, f"{who}: {label} -> {href}"
        assert page.url.endswith(href) or href in page.url
        if not any(part in href for part in ("/admin/", "/display/", "/kiosk/")):
            # The page's own menu marks it as the current page (the admin, the hall's TV and
            # the kiosk's touch screen have their own layouts, without the portal's menu).
            expect(page.locator(f"{MENU} a[aria-current='page']")).to_have_text(label)
            problems += violations(page, f"{who} {label} {href}")
    assert problems == [], "\n".join(problems)


def test_the_menu_collapses_on_a_phone_and_opens_from_the_keyboard(page: Page, site, catalogue):
    make_staff("manager", CENTRE_MANAGER, catalogue.baku, StaffRole.MANAGER)
    page.set_viewport_size(PHONE)
    sign_in(page, site, "manager")
    toggler = page.locator(f"{MENU} button[aria-controls='staff-menu']")
    expect(toggler).to_be_visible()
    expect(page.locator("#staff-menu")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=f"{SHOTS}/staffpages-menu-manager-390-closed.png", full_page=False)
    toggler.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#staff-menu")).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    page.screenshot(path=f"{SHOTS}/staffpages-menu-manager-390-open.png", full_page=True)
    problems = violations(page, "phone, menu open")
    # Tab into the menu and follow a link with the keyboard.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('#staff-menu') !== null")
    assert focused
    live = page.locator("#staff-menu").get_by_role("link", name="Manager's live view")
    live.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/manage/" in page.url
    problems += violations(page, "phone, live view")
    assert problems == [], "\n".join(problems)
