"""The shift pages in a real browser: a volunteer signs up with htmx (and meets the overlap refusal
in place), a coordinator's week and shift pages; axe-core finds no serious violation at phone
and desktop widths, nothing scrolls sideways on a phone, and screenshots are kept for a look."""

import datetime as dt
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from asan_portal.roles import VOLUNTEER_COORDINATOR, role_grant
from tests.centres.factories import CentreFactory
from tests.volunteers.factories import ShiftFactory, ShiftSignupFactory, VolunteerFactory, baku_today
from volunteers.models import ShiftRole, ShiftSignup, SignupStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots/vshift")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "asan-demo-2026"  # noqa: S105 - the factories' demo password


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


def sign_in(page: Page, site: str, username: str) -> None:
    page.goto(f"{site}/en/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()


@pytest.fixture
def coordinator():
    user = get_user_model().objects.create_user("coordinator-shifts", password=PASSWORD)
    role_grant(user=user, role=VOLUNTEER_COORDINATOR)
    return user


@pytest.fixture
def week_of_shifts():
    centre = CentreFactory(name_en="Baku ASAN service centre No. 1")
    day = baku_today() + dt.timedelta(days=2)
    shifts = {
        "morning": ShiftFactory(centre=centre, date=day, start=dt.time(9), end=dt.time(13), needed=3),
        "clash": ShiftFactory(
            centre=centre, date=day, start=dt.time(12), end=dt.time(16), needed=2, role=ShiftRole.E_SERVICES
        ),
        "full": ShiftFactory(
            centre=centre,
            date=day + dt.timedelta(days=1),
            start=dt.time(10),
            end=dt.time(14),
            needed=1,
            role=ShiftRole.INFORMATION,
            notes="Information desk by the entrance",
        ),
    }
    ShiftSignupFactory(shift=shifts["full"], volunteer=VolunteerFactory(centres=[centre], full_name="Aysel Məmmədova"))
    return centre, shifts


def test_volunteer_signs_up_with_htmx_and_sees_the_overlap_refusal(page: Page, live_server, week_of_shifts):
    centre, shifts = week_of_shifts
    volunteer = VolunteerFactory(centres=[centre], full_name="Rəşad Quliyev")
    sign_in(page, live_server.url, volunteer.user.username)
    problems = []

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/en/volunteers/shifts/")
    problems += serious_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "shifts-volunteer-390")

    # Sign up for the morning: htmx posts and swaps the page in place.
    page.locator(f"#shift-{shifts['morning'].pk} button[type=submit]").click()
    expect(page.locator("#my-shifts")).to_contain_text("Signed up")
    expect(page.locator("main")).to_contain_text("You are signed up")
    # The clashing shift: refused in place with the rule's message (a 409 swapped in).
    page.locator(f"#shift-{shifts['clash'].pk} button[type=submit]").click()
    expect(page.locator("#shift-error")).to_contain_text("You already have a shift at that time")
    problems += serious_violations(page)
    shot(page, "shifts-volunteer-refused-390")
    # The full shift: the waitlist.
    page.locator(f"#shift-{shifts['full'].pk} button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("on its waitlist")

    page.set_viewport_size(DESKTOP)
    page.reload()
    problems += serious_violations(page)
    shot(page, "shifts-volunteer-1280")

    statuses = dict(ShiftSignup.objects.filter(volunteer=volunteer).values_list("shift_id", "status"))
    assert statuses == {shifts["morning"].pk: SignupStatus.SIGNED_UP, shifts["full"].pk: SignupStatus.WAITLISTED}
    assert problems == [], "\n".join(problems)


def test_coordinator_week_and_shift_pages(page: Page, live_server, week_of_shifts, coordinator):
    centre, shifts = week_of_shifts
    sign_in(page, live_server.url, coordinator.username)
    problems = []
    for size, label in ((PHONE, "390"), (DESKTOP, "1280")):
        page.set_viewport_size(size)
        page.goto(
            f"{live_server.url}/en/volunteers/coordinator/shifts/centre/{centre.code}/"
            f"?week={shifts['morning'].date:%Y-%m-%d}"
        )
        problems += serious_violations(page)
        shot(page, f"coordinator-week-{label}")
        page.goto(f"{live_server.url}/en/volunteers/coordinator/shifts/{shifts['full'].pk}/")
        problems += serious_violations(page)
        shot(page, f"coordinator-shift-{label}")
        if size is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A refused form: the errors are tied to their fields and still pass axe.
    page.goto(f"{live_server.url}/en/volunteers/coordinator/shifts/centre/{centre.code}/")
    page.locator("#id_needed").fill("0")
    page.locator("#id_end_time").fill("08:00")
    page.locator("#create-shift button[type=submit]").click()
    expect(page.locator("#create-shift")).to_contain_text("from 1 to 50")
    problems += serious_violations(page)
    shot(page, "coordinator-week-errors-1280")

    # Removing without a reason: the row's error is tied to its input.
    page.goto(f"{live_server.url}/en/volunteers/coordinator/shifts/{shifts['full'].pk}/")
    page.locator("details summary").first.click()
    page.get_by_role("button", name="Remove from the shift").click()
    expect(page.locator("#shift-error")).to_contain_text("Give a reason")
    problems += serious_violations(page)
    shot(page, "coordinator-shift-errors-1280")
    assert problems == [], "\n".join(problems)
