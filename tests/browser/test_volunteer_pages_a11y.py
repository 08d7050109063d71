"""axe-core on the volunteer application form (empty and with errors), the portal sign-in and
"forgot password" pages and the coordinator's review page, in Azerbaijani; screenshots at phone
width for a human look."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Page

from asan_portal.roles import VOLUNTEER_COORDINATOR, role_grant
from tests.volunteers.factories import VolunteerApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots/vapply")
PHONE = {"width": 390, "height": 844}


def serious_violations(page: Page) -> list[str]:
    result = Axe().run(page)
    return [
        f"{page.url}: {violation['id']} ({violation['impact']}) {violation['help']} "
        f"{[node['target'] for node in violation['nodes']]}"
        for violation in result.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def shot(page: Page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_apply_and_sign_in_pages_are_accessible_on_a_phone(page: Page, site):
    page.set_viewport_size(PHONE)
    problems = []

    page.goto(f"{site}/az/volunteers/apply/")
    problems += serious_violations(page)
    shot(page, "apply-az-390")
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Sent empty: every field's error is shown and tied to it, still no violation.
    page.get_by_role("button", name="Send my application").or_(page.locator("input[type=submit]")).first.click()
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback, .is-invalid").count() > 0
    problems += serious_violations(page)
    shot(page, "apply-errors-az-390")

    page.goto(f"{site}/az/accounts/login/")
    problems += serious_violations(page)
    shot(page, "login-az-390")

    page.goto(f"{site}/az/volunteers/account/forgot-password/")
    problems += serious_violations(page)

    assert problems == [], "\n".join(problems)


def test_the_review_page_is_accessible(page: Page, site):
    application = VolunteerApplicationFactory(full_name="Nərgiz Həsənova")
    user = get_user_model().objects.create_user("coord", password="asan-demo-2026")  # noqa: S106
    role_grant(user=user, role=VOLUNTEER_COORDINATOR)
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/az/accounts/login/")
    page.locator("#id_username").fill("coord")
    page.locator("#id_password").fill("asan-demo-2026")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/volunteers/coordinator/applications/")
    problems = serious_violations(page)
    shot(page, "review-list-az-390")

    page.goto(f"{site}/az/volunteers/coordinator/applications/{application.pk}/")
    problems += serious_violations(page)
    shot(page, "review-detail-az-390")
    assert problems == [], "\n".join(problems)
