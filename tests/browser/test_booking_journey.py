"""A citizen books a visit in the browser, with no account: from the home page's search to the
confirmation page, the SMS code read from the SMS log, then the private manage link to cancel.
Each step is checked with axe and photographed on a phone-sized screen."""

import re
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from appointments.models import Appointment, AppointmentStatus, SmsLogEntry
from appointments.notifications import notifications_send_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "booking"
PHONE = {"width": 390, "height": 844}


def _t(lang: str, text: str) -> str:
    with translation.override(lang):
        return gettext(text)


def _check(page: Page, lang: str, step: str) -> None:
    """No serious or critical axe violation on this step's page; then a phone-sized screenshot."""
    result = Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert problems == [], f"{lang} {step}:\n" + "\n".join(problems)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{lang}-{step}.png"), full_page=True)


def _sms_code(phone: str) -> str:
    """The code from the development SMS log (relaying due messages, as the worker would)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        notifications_send_due()
        entry = SmsLogEntry.objects.filter(recipient=phone).order_by("-id").first()
        if entry is not None:
            return re.search(r"\b(\d{6})\b", entry.body).group(1)
        time.sleep(0.2)
    raise AssertionError(f"No SMS reached {phone}")


@pytest.mark.parametrize(("lang", "phone"), [("az", "+994501112233"), ("en", "+994552223344")])
def test_book_confirm_and_cancel_as_a_citizen(page: Page, site, catalogue, lang, phone):
    cache.clear()  # rate-limit counters from other tests
    page.set_viewport_size(PHONE)

    # the home page: search without Azerbaijani letters
    page.goto(f"{site}/{lang}/")
    page.get_by_role("searchbox").fill("pasport")
    page.get_by_role("searchbox").press("Enter")
    page.get_by_role("link", name=catalogue.passport.name_az if lang == "az" else catalogue.passport.name_en).click()

    # the service page's "Book a visit" button
    page.get_by_role("link", name=_t(lang, "Book a visit"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_t(lang, "Choose a centre"))
    centre_name = catalogue.baku.name_az if lang == "az" else catalogue.baku.name_en
    card = page.locator(".centre-card").filter(has=page.get_by_role("heading", name=centre_name))
    expect(card.locator(".earliest strong")).to_have_text(re.compile(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d"))
    _check(page, lang, "1-centre")
    card.get_by_role("link", name=re.compile(re.escape(_t(lang, "Choose this centre")))).click()

    # the calendar: the first day with room
    expect(page.get_by_role("heading", level=1)).to_have_text(_t(lang, "Choose a day"))
    expect(page.locator(".cal-free a").first).to_be_visible()
    _check(page, lang, "2-date")
    page.locator(".cal-free a").first.click()

    # the free times of that day
    expect(page.get_by_role("heading", level=1)).to_have_text(_t(lang, "Choose a time"))
    _check(page, lang, "3-time")
    chosen = page.locator(".time-button").first.inner_text().split()[-1]
    page.locator(".time-button").first.click()

    # details
    expect(page.get_by_role("heading", level=1)).to_have_text(_t(lang, "Your details"))
    expect(page.locator(".booking-summary-when")).to_contain_text(chosen)
    expect(page.locator("#id_language")).to_have_value(lang)
    page.locator("#id_full_name").fill("Leyla Əliyeva")
    page.locator("#id_fin").fill("5zx8k2m")
    page.locator("#id_phone").fill(phone)
    _check(page, lang, "4-details")
    page.get_by_role("button", name=_t(lang, "Send me the code")).click()

    # the SMS code
    expect(page.get_by_role("heading", level=1)).to_have_text(_t(lang, "Enter the code from the SMS"))
    expect(page.locator(".hold-note")).to_be_visible()
    _check(page, lang, "5-code")
    page.locator("#id_code").fill(_sms_code(phone))
    page.get_by_role("button", name=_t(lang, "Confirm the booking")).click()

    # confirmation
    expect(page.get_by_role("heading", level=1)).to_have_text(_t(lang, "Your booking is confirmed"))
    appointment = Appointment.objects.get(phone=phone)
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.language == lang
    expect(page.locator("#booking-reference")).to_have_text(appointment.reference)
    expect(page.locator("svg.qr-code")).to_be_visible()
    expect(page.locator("ol.documents-list li").first).to_be_visible()
    _check(page, lang, "6-confirmed")

    # the private manage link: opening it changes nothing, and leads to a URL without the token
    token = page.locator("#manage-link").get_attribute("href").rstrip("/").rsplit("/", 1)[1]
    page.locator("#manage-link").click()
    expect(page.locator("#booking-status")).to_have_text(_t(lang, "Confirmed"))
    assert f"/appointments/booking/{appointment.reference}/" in page.url and token not in page.url
    _check(page, lang, "7-manage")
    page.get_by_role("link", name=_t(lang, "Cancel the booking")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_t(lang, "Cancel the booking?"))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    _check(page, lang, "8-cancel")
    page.get_by_role("button", name=_t(lang, "Yes, cancel the booking")).click()

    # cancelled
    expect(page.locator("#booking-status")).to_have_text(_t(lang, "Cancelled"))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    _check(page, lang, "9-cancelled")
