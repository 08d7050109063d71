"""A staff member who follows a link with an impossible date (issue 12.14) gets the page with a
message at the date field, not a server error; both pages pass axe with no violation of any
impact and are photographed (/tmp/input-*.png)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from appointments.services import appointment_book
from asan_portal.roles import CENTRE_MANAGER, role_grant
from centres.models import StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.browser.conftest import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def _axe_clean(page: Page, name: str) -> None:
    violations = Axe().run(page).response["violations"]
    problems = [f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']]}" for v in violations]
    assert problems == [], f"{name}:\n" + "\n".join(problems)
    page.screenshot(path=f"/tmp/input-{name}.png", full_page=True)


def test_staff_pages_with_an_impossible_date_say_so(browser: Browser, site, django_user_model):
    service, centre = bookable_setup()
    appointment = appointment_book(
        service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen()
    ).appointment
    manager = django_user_model.objects.create_user("manager-dates", password="pw")  # noqa: S106
    role_grant(user=manager, role=CENTRE_MANAGER)
    StaffMembership.objects.create(user=manager, centre=centre, role=StaffRole.MANAGER)
    context = signed_in_context(browser, site, manager, DESKTOP)
    page = context.new_page()

    response = page.goto(f"{site}/en/staff/appointments/{centre.code}/?date=9999-12-31")
    assert response.status == 400
    assert page.get_by_text("Choose a day between 1900-01-01 and 2999-12-31.").is_visible()
    _axe_clean(page, "staff-day-bad-date")

    response = page.goto(f"{site}/en/staff/appointments/{centre.code}/{appointment.reference}/move/?date=garbage")
    assert response.status == 400
    message = page.locator("#move-date-error")
    assert message.inner_text() == "Write the date as YYYY-MM-DD, e.g. 2026-03-21."
    assert page.locator("#move-date").get_attribute("aria-describedby") == "move-date-error"
    _axe_clean(page, "staff-move-bad-date")
    context.close()
