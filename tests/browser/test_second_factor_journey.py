"""A superuser's first sign-in adds an authenticator app; the next one asks for its code
(asan_portal/second_factor.py); an idle session ends with a message on the sign-in page
(asan_portal/session_limits.py). axe on every page: no violation of any impact."""

from importlib import import_module

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from playwright.sync_api import Page, expect

from asan_portal.session_limits import SEEN_AT
from tests.second_factor import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-2026"  # noqa: S105


def axe_violations(page: Page) -> list[str]:
    result = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
    ]


def session_clock_back(page: Page, *, seconds: int) -> None:
    """Move the browser session's last-seen time back, as if nothing happened for `seconds`."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    session[SEEN_AT] -= seconds
    session.save()


def sign_in(page: Page, site: str, lang: str) -> None:
    page.goto(f"{site}/{lang}/admin/")
    page.fill("#id_username", "root-2fa")
    page.fill("#id_password", PASSWORD)
    page.locator("[type=submit]").first.click()
    page.wait_for_load_state()


def test_enrolment_then_a_code_at_each_sign_in(page: Page, site):
    cache.clear()  # rate-limit and lock-out counters from other tests
    root = get_user_model().objects.create_superuser("root-2fa", password=PASSWORD)

    # first sign-in: the admin sends the superuser to add an authenticator app
    sign_in(page, site, "en")
    expect(page).to_have_url(f"{site}/en/accounts/two-factor/enrol/?next=%2Fen%2Fadmin%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a second factor")
    expect(page.get_by_role("img", name="QR code to add ASAN portal to your authenticator app")).to_be_visible()
    code_field = page.get_by_label("6-digit code")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/auth-enrol-en.png", full_page=True)

    # a wrong code is refused with a message tied to the field
    code_field.fill("000000" if totp_code(root.totpdevice_set.get()) != "000000" else "111111")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator("#id_token")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("That code is not right")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/auth-enrol-wrong-en.png", full_page=True)

    # the code from the key shown on the page (what the phone's app computes) admits
    device = root.totpdevice_set.get()
    page.get_by_label("6-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page).to_have_url(f"{site}/en/admin/")
    device.refresh_from_db()
    assert device.confirmed

    # sign out; the next sign-in (in Azerbaijani) asks for the code, not for enrolment
    page.context.clear_cookies()
    sign_in(page, site, "az")
    expect(page).to_have_url(f"{site}/az/accounts/two-factor/?next=%2Faz%2Fadmin%2F")
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/auth-verify-az.png", full_page=True)
    page.locator("#id_token").fill(totp_code(device, steps_ahead=1))  # this step's code is used
    page.locator("main form [type=submit]").first.click()
    expect(page).to_have_url(f"{site}/az/admin/")

    # 31 minutes without a request (the session's clock moved back): signed out, told why,
    # and brought back to the admin after signing in again
    session_clock_back(page, seconds=31 * 60)
    page.goto(f"{site}/az/admin/services/")
    expect(page).to_have_url(f"{site}/az/accounts/login/?next=/az/admin/services/")
    expect(page.get_by_role("status")).to_contain_text("30 dəqiqə ərzində heç bir fəaliyyət olmadığı üçün")
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/auth-signed-out-idle-az.png", full_page=True)

    # and in Russian
    page.context.clear_cookies()
    sign_in(page, site, "ru")
    expect(page).to_have_url(f"{site}/ru/accounts/two-factor/?next=%2Fru%2Fadmin%2F")
    assert axe_violations(page) == []
    page.screenshot(path="/tmp/auth-verify-ru.png", full_page=True)
