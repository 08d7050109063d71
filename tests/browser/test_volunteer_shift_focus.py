"""Issue 12.10: after a volunteer signs up for or withdraws from a shift with the keyboard (htmx
swaps the page in place), focus stays on the shift that changed instead of falling to <body>, and
the change is announced in a live region that was on the page before the swap."""

import datetime as dt
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import signed_in_context
from tests.centres.factories import CentreFactory
from tests.volunteers.factories import ShiftFactory, VolunteerFactory, baku_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SHOTS_DIR", "/tmp")
DESKTOP = {"width": 1280, "height": 900}

FOCUS = """() => {
  const active = document.activeElement;
  const shift = active && active.closest('[id^="shift-"]');
  return {tag: active ? active.tagName : null, shift: shift ? shift.id : null, text: active ? active.innerText : ''};
}"""


def press_with_keyboard(page: Page, selector: str) -> None:
    button = page.locator(selector)
    button.focus()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")


def test_focus_stays_on_the_shift_after_sign_up_and_withdrawal(browser, site):
    centre = CentreFactory(name_en="Baku ASAN service centre No. 1")
    day = baku_today() + dt.timedelta(days=3)
    morning = ShiftFactory(centre=centre, date=day, start=dt.time(9), end=dt.time(13), needed=3)
    ShiftFactory(centre=centre, date=day + dt.timedelta(days=1), start=dt.time(9), end=dt.time(13), needed=3)
    volunteer = VolunteerFactory(centres=[centre], full_name="Rəşad Quliyev")
    context = signed_in_context(browser, site, volunteer.user, DESKTOP)
    page = context.new_page()
    page.goto(f"{site}/en/volunteers/shifts/")
    announcer = page.locator("#shift-announcer")

    # Sign up with the keyboard: the page is swapped in place...
    press_with_keyboard(page, f"#shift-{morning.pk} button[type=submit]")
    expect(page.locator("#my-shifts")).to_contain_text("Signed up")
    # ...focus is on the shift that changed (its new "Withdraw" button), not on <body>...
    expect(page.locator(f"#shift-{morning.pk} button[type=submit]")).to_be_focused()
    focus = page.evaluate(FOCUS)
    assert focus["tag"] != "BODY"
    assert focus["shift"] == f"shift-{morning.pk}"
    assert "Withdraw" in focus["text"]
    # ...and the change is announced by the live region that was there before the swap.
    expect(announcer).to_have_attribute("role", "status")
    expect(announcer).to_contain_text("You are signed up")
    assert Axe().run(page).response["violations"] == []
    page.screenshot(path=f"{SHOTS}/a11y-shift-signed-up.png", full_page=True)

    # Withdraw from "My shifts" with the keyboard: that entry disappears, so focus goes to the
    # shift in the list, whose button now offers "Sign up" again.
    press_with_keyboard(page, "#my-shifts button[type=submit]")
    expect(page.locator("#my-shifts")).not_to_contain_text("Signed up")
    expect(page.locator(f"#shift-{morning.pk} button[type=submit]")).to_be_focused()
    focus = page.evaluate(FOCUS)
    assert focus["tag"] != "BODY"
    assert focus["shift"] == f"shift-{morning.pk}"
    assert "Sign up" in focus["text"]
    expect(announcer).to_contain_text("You have withdrawn")
    assert Axe().run(page).response["violations"] == []
    context.close()
