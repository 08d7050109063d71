"""A volunteer's whole journey in the browser: apply on the public form, the coordinator approves,
the volunteer chooses a password from the link in the approval message and signs in, signs up
for a shift, checks in with the centre's QR link, is checked out by the coordinator on the
roster, and sees the hours on their page.

The shift is placed around "now" and, once checked in, moved back in time (the shift and the
check-in together) so the volunteer has served time inside the shift without the test waiting.
Every kind of page visited is checked with axe; the roster and the volunteer's page are
photographed at 390 px and 1280 px into /tmp/shots/vattend/.
"""

import datetime as dt
import os
import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.models import Notification
from asan_portal.roles import VOLUNTEER_COORDINATOR, role_grant
from tests.centres.factories import CentreFactory
from tests.volunteers.factories import ShiftFactory
from volunteers.attendance import centre_check_in_token
from volunteers.models import Attendance, Shift, ShiftSignup, SignupStatus, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots/vattend")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "asan-demo-2026"  # noqa: S105
NEW_PASSWORD = "Könüllü-2026-şifrə"  # noqa: S105
EMAIL = "aysel.mammadova@example.az"


def axe_problems(page: Page, label: str) -> list[str]:
    result = Axe().run(page)
    return [
        f"{label}: {violation['id']} ({violation['impact']}) {violation['help']} "
        f"{[node['target'] for node in violation['nodes']]}"
        for violation in result.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def shots(page: Page, name: str) -> None:
    """Full-page screenshots at phone and desktop width; the page must not scroll sideways on a phone."""
    os.makedirs(SHOTS, exist_ok=True)
    for label, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
        if size is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"


def sign_in(page: Page, site: str, username: str, password: str) -> None:
    page.goto(f"{site}/en/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def time_passes(signup: ShiftSignup, minutes: int) -> None:
    """Move the shift and the place's check-in back by `minutes`, as if that much time had passed."""
    delta = dt.timedelta(minutes=minutes)
    Shift.objects.filter(pk=signup.shift_id).update(starts_at=F("starts_at") - delta, ends_at=F("ends_at") - delta)
    ShiftSignup.objects.filter(pk=signup.pk).update(
        starts_at=F("starts_at") - delta, ends_at=F("ends_at") - delta, checked_in_at=F("checked_in_at") - delta
    )
    shift = Shift.objects.select_related("centre").get(pk=signup.shift_id)
    Shift.objects.filter(pk=shift.pk).update(date=timezone.localtime(shift.starts_at, shift.centre.tz).date())


def test_apply_approve_sign_in_sign_up_check_in_and_out_and_see_the_hours(page: Page, browser, live_server, settings):
    site = live_server.url
    # Sign-up normally closes 12 hours before a shift; this shift starts in 20 minutes.
    settings.VOLUNTEERS = {**settings.VOLUNTEERS, "SIGNUP_CUTOFF_HOURS": 0}
    centre = CentreFactory(name_en="Baku ASAN service centre No. 1", address_en="1 Heydar Aliyev Avenue, Baku")
    coordinator = get_user_model().objects.create_user("coordinator-journey", password=PASSWORD)
    role_grant(user=coordinator, role=VOLUNTEER_COORDINATOR)
    start = timezone.now() + dt.timedelta(minutes=20)
    shift = ShiftFactory(
        centre=centre,
        date=timezone.localtime(start, centre.tz).date(),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        needed=2,
    )
    problems: list[str] = []
    page.set_viewport_size(PHONE)

    # 1. apply on the public form
    page.goto(f"{site}/en/volunteers/apply/")
    problems += axe_problems(page, "apply")
    page.get_by_label("Full name").fill("Aysel Məmmədova")
    page.get_by_label("Date of birth").fill("2004-05-17")
    page.get_by_label("Mobile number").fill("+994 50 123 45 67")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Education").select_option("student")
    page.locator("input[name=languages][value=en]").check()
    page.locator("input[name=preferred_centres]").first.check()
    page.locator("input[name=available_weekdays]").first.check()
    page.locator("input[name=consent]").check()
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/volunteers/apply/thanks/")
    problems += axe_problems(page, "apply-thanks")

    # 2. the coordinator approves (in a browser of their own)
    coordinator_context = browser.new_context(viewport=DESKTOP)
    desk = coordinator_context.new_page()
    sign_in(desk, site, "coordinator-journey", PASSWORD)
    desk.goto(f"{site}/en/volunteers/coordinator/applications/")
    problems += axe_problems(desk, "application-list")
    desk.get_by_role("link", name=re.compile("Aysel Məmmədova")).first.click()
    problems += axe_problems(desk, "application-detail")
    desk.get_by_role("button", name="Approve").click()
    desk.wait_for_load_state()
    volunteer = Volunteer.objects.get(email=EMAIL)
    assert list(volunteer.centres.all()) == [centre]

    # 3. the volunteer chooses a password from the link in the approval e-mail, and signs in
    message = Notification.objects.filter(recipient=EMAIL, body__contains="/set-password/").latest("pk")
    link = re.search(r"https?://\S+/set-password/\S+/\S+/", message.body).group(0)
    page.goto(site + urlsplit(link).path)
    problems += axe_problems(page, "set-password")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    sign_in(page, site, EMAIL, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/en/volunteers/me/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My volunteer page")

    # 4. sign up for the shift
    page.goto(f"{site}/en/volunteers/shifts/")
    problems += axe_problems(page, "shifts")
    page.get_by_role("button", name=re.compile(r"^Sign up")).first.click()
    expect(page.get_by_role("button", name=re.compile(r"^Withdraw")).first).to_be_visible()
    signup = ShiftSignup.objects.get(volunteer=volunteer, shift=shift)
    assert signup.status == SignupStatus.SIGNED_UP

    # 5. check in with the centre's QR link (20 minutes early: on time)
    page.goto(f"{site}/en/volunteers/check-in/{centre.code}/{centre_check_in_token(centre)}/")
    problems += axe_problems(page, "check-in")
    page.get_by_role("button", name="Check in now").click()
    expect(page).to_have_url(re.compile(r"/en/volunteers/me/$"))
    expect(page.locator("main .alert").first).to_contain_text("Checked in at")
    signup.refresh_from_db()
    assert signup.attendance == Attendance.PRESENT

    # a forged QR link gets a clear page
    page.goto(f"{site}/en/volunteers/check-in/{centre.code}/{'0' * 32}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in code not valid")
    problems += axe_problems(page, "check-in-invalid")

    # 6. 100 minutes later the coordinator checks the volunteer out on the day's roster
    time_passes(signup, 100)
    desk.goto(f"{site}/en/volunteers/coordinator/roster/{centre.code}/")
    problems += axe_problems(desk, "roster")
    desk.get_by_role("button", name="Check out Aysel Məmmədova").click()
    desk.wait_for_load_state()
    signup.refresh_from_db()
    assert signup.checked_out_at is not None
    assert 79 <= signup.minutes_served <= 81  # from the shift's start (20 min after the check-in) to now
    expect(desk.locator(f"#shift-{shift.pk}")).to_contain_text(f"{signup.minutes_served} min")
    shots(desk, "roster")
    desk.goto(f"{site}/en/volunteers/coordinator/check-in-poster/{centre.code}/")
    problems += axe_problems(desk, "check-in-poster")
    desk.goto(f"{site}/en/volunteers/coordinator/coverage/?centre={centre.code}")
    problems += axe_problems(desk, "coverage")
    shots(desk, "coverage")

    # 7. the volunteer sees the hours on their page
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/en/volunteers/me/")
    problems += axe_problems(page, "me")
    hours, minutes = divmod(signup.minutes_served, 60)
    expect(page.locator("#total-hours")).to_have_text(f"{hours} h {minutes} min")
    expect(page.locator(".vol-history")).to_contain_text("Came on time")
    shots(page, "me")

    # the certificate once the coordinator marks the programme completed
    desk.goto(f"{site}/en/volunteers/coordinator/volunteers/{volunteer.pk}/")
    problems += axe_problems(desk, "coordinator-volunteer")
    desk.get_by_role("button", name="Mark as completed").click()
    desk.wait_for_load_state()
    page.goto(f"{site}/en/volunteers/me/")
    page.get_by_role("link", name="Certificate of service").click()
    expect(page.locator("#certificate-hours")).to_have_text(f"{hours} h {minutes} min")
    problems += axe_problems(page, "certificate")
    shots(page, "certificate")
    coordinator_context.close()

    assert problems == [], "\n".join(problems)
