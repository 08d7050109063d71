"""A citizen's journey through the portal, with the mouse and with the keyboard only."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
VIEWPORTS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 800}}


def test_find_the_passport_service_and_a_centre(page: Page, site):
    # given the home page in Azerbaijani
    page.goto(f"{site}/az/")
    expect(page.locator("html")).to_have_attribute("lang", "az")
    # when the citizen searches without Azerbaijani letters
    page.get_by_role("searchbox").fill("pasport")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"/az/services/\?q=pasport"))
    page.get_by_role("link", name="Ümumvətəndaş pasportunun verilməsi").click()
    # then the passport page lists what to bring and where to go
    expect(page.get_by_role("heading", level=1)).to_have_text("Ümumvətəndaş pasportunun verilməsi")
    documents = page.locator("ol.documents-list li")
    expect(documents).to_have_count(3)
    expect(documents.first).to_have_text("Şəxsiyyət vəsiqəsi")
    expect(page.get_by_role("link", name="Gəncə ASAN xidmət mərkəzi", exact=True)).to_be_visible()
    # switching language keeps the page and changes its content
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/en/services/passport-issue/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue of a passport")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Русский").click()
    page.wait_for_url(re.compile(r"/ru/services/passport-issue/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Выдача общегражданского паспорта")
    expect(documents.first).to_have_text("Удостоверение личности")
    # and a centre page opens from the service page
    page.get_by_role("link", name="Бакинский центр ASAN xidmət № 1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Бакинский центр ASAN xidmət № 1")
    expect(page.locator("table.hours-table tbody tr")).to_have_count(7)


def _tab_to(page: Page, predicate: str, limit: int = 80) -> None:
    """Press Tab until `predicate` (a JS expression over `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!(el && ({predicate})); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_the_same_journey_by_keyboard_only(page: Page, site):
    page.goto(f"{site}/az/")
    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    _tab_to(page, "el.id === 'home-q'")
    page.keyboard.type("pasport")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/az/services/\?q=pasport"))
    _tab_to(page, "el.tagName === 'A' && el.textContent.includes('pasportunun verilməsi')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/az/services/passport-issue/$"))
    expect(page.locator("ol.documents-list li")).to_have_count(3)
    _tab_to(page, "el.getAttribute('hreflang') === 'en'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/en/services/passport-issue/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue of a passport")
    _tab_to(page, "el.getAttribute('hreflang') === 'ru'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ru/services/passport-issue/$"))
    _tab_to(page, "el.tagName === 'A' && el.textContent.includes('Гянджинский центр')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ru/centres/ganja/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Гянджинский центр ASAN xidmət")


def test_filters_update_results_without_reload(page: Page, site):
    page.goto(f"{site}/en/services/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Agency or company").select_option("justice")
    expect(page.locator(".service-result")).to_have_count(1)
    expect(page.locator(".service-result")).to_contain_text("Certifying a power of attorney")
    assert page.evaluate("window.notReloaded === true")
    expect(page.locator("#results-status")).to_have_text("1 service found")  # announced by screen readers
    assert "provider=justice" in page.url
    # the language links follow the filtered page
    expect(page.get_by_role("link", name="Русский")).to_have_attribute(
        "href", re.compile(r"^/ru/services/\?.*provider=justice")
    )


def test_typing_in_the_search_box_updates_results(page: Page, site):
    page.goto(f"{site}/az/services/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Xidmət axtarın").press_sequentially("etibarname", delay=20)
    expect(page.locator(".service-result")).to_have_count(1)
    expect(page.locator(".service-result")).to_contain_text("Etibarnamənin təsdiqlənməsi")
    assert page.evaluate("window.notReloaded === true")
    page.wait_for_url(re.compile(r"q=etibarname"))


def test_nearest_to_me_sorts_centres_in_the_browser(browser, site):
    # A citizen standing in Ganja: the Ganja centre moves to the top, with its distance.
    context = browser.new_context(geolocation={"latitude": 40.68, "longitude": 46.36}, permissions=["geolocation"])
    page = context.new_page()
    requests = []
    page.goto(f"{site}/en/centres/")
    expect(page.locator("#centre-list > li").first).to_contain_text("Baku ASAN service centre No. 1")
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_role("button", name="Nearest to me").click()
    expect(page.locator("#centre-list > li").first).to_contain_text("Ganja ASAN service centre")
    expect(page.locator("#nearest-status")).to_have_text("Centres are now sorted by distance from you.")
    expect(page.locator("#centre-list > li").first.locator(".distance")).to_contain_text("km")
    assert requests == []  # the position never left the browser
    context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_screenshots_of_the_main_pages(browser, site, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[width])
    page = context.new_page()
    for name, path in [
        ("home", "/az/"),
        ("services", "/az/services/"),
        ("service", "/az/services/passport-issue/"),
        ("centres", "/az/centres/"),
        ("centre", "/az/centres/baku-1/"),
    ]:
        page.goto(f"{site}{path}")
        # Nothing may stick out sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        page.screenshot(path=str(SCREENSHOTS / f"{name}-az-{width}.png"), full_page=True)
    context.close()
