"""Issue 12.9: the hall display shows the centre's time (Asia/Baku), not the TV's own zone. The
browser runs as a TV set to UTC; the clock must read Baku time, before and after the script's
first tick and feed poll."""

import datetime as dt
import zoneinfo

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.axe_check import axe_clean

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TV = {"width": 1920, "height": 1080}


def _baku_times() -> list[str]:
    """Baku's HH:MM now and a minute on (the test may straddle a minute's turn)."""
    now = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Baku"))
    return [(now + dt.timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)]


def test_the_display_clock_shows_baku_time_on_a_utc_tv(browser: Browser, site, catalogue):
    context = browser.new_context(viewport=TV, locale="en-GB", timezone_id="UTC")
    display = context.new_page()
    expected = _baku_times()
    display.goto(f"{site}/en/queue/{catalogue.baku.code}/display/")
    clock = display.locator("[data-clock]")

    # the device really is on UTC, four hours behind Baku
    assert display.evaluate("new Date().getTimezoneOffset()") == 0
    assert display.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") in ("UTC", "Etc/UTC")

    assert clock.text_content().strip() in expected
    # after the feed's first answer (polled every second) the script has redrawn the clock
    display.wait_for_timeout(2500)
    assert clock.text_content().strip() in expected
    utc_now = dt.datetime.now(dt.UTC).strftime("%H:%M")
    assert clock.text_content().strip() != utc_now
    expect(display.get_by_text("No ticket has been called yet.")).to_be_visible()
    axe_clean(display, "display-utc-tv", full_page=False)
    context.close()
