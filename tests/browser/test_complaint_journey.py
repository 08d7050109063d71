"""A complaint from a phone to its answer: the citizen submits the form on a 390 px screen and
gets a tracking number; the centre's manager (signed in, second browser) answers it; the
citizen follows the number and reads the answer. Each page is checked with axe and
photographed into /tmp/shots/compl/."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from appointments.models import Notification
from asan_portal.roles import CENTRE_MANAGER, role_grant
from centres.models import StaffMembership, StaffRole
from feedback.models import Complaint, ComplaintStatus
from tests.browser.conftest import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path("/tmp/shots/compl")
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1440, "height": 900}


def _check(page: Page, name: str) -> None:
    result = Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert problems == [], f"{name}:\n" + "\n".join(problems)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_complaint_from_a_phone_is_answered_by_the_manager_and_tracked(browser: Browser, site, catalogue):
    centre = catalogue.baku
    manager = get_user_model().objects.create_user(username="manager-baku-1", password="x", first_name="Rəşad")
    role_grant(user=manager, role=CENTRE_MANAGER)
    StaffMembership.objects.create(user=manager, centre=centre, role=StaffRole.MANAGER)

    # the citizen, on a phone: a first try without any contact is refused next to the field
    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{site}/en/feedback/complaints/new/")
    _check(phone, "1-form")
    phone.get_by_label("Service centre").select_option(label=centre.name_en)
    phone.get_by_label("Full name").fill("Aysel Məmmədova")
    phone.get_by_label("Subject").fill("Long wait at the passport counter")
    phone.get_by_label("Message text").fill("I waited more than an hour and nobody told us why the line stopped.")
    phone.get_by_label(re.compile("I agree that the centre uses")).check()
    phone.get_by_role("button", name="Send").click()
    expect(phone.locator("#form-errors")).to_be_visible()
    expect(phone.get_by_text("Give a mobile number or an e-mail address").first).to_be_visible()
    _check(phone, "2-form-refused")
    assert not Complaint.objects.exists()

    phone.get_by_label("Mobile number").fill("+994 50 765 43 21")
    phone.get_by_label("E-mail").fill("aysel@example.az")
    phone.get_by_role("button", name="Send").click()
    number = phone.locator("#tracking-number")
    expect(number).to_have_text(re.compile(r"^SK-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$"))
    tracking_number = number.inner_text()
    _check(phone, "3-confirmation")
    complaint = Complaint.objects.get()
    assert complaint.tracking_number == tracking_number
    assert Notification.objects.filter(kind="complaint_received").count() == 2

    # the manager, at a desk: the list, then the complaint, then the answer
    desk = signed_in_context(browser, site, manager, DESK).new_page()
    desk.goto(f"{site}/en/staff/complaints/")
    expect(desk.get_by_role("link", name=tracking_number)).to_be_visible()
    expect(desk.get_by_text("+994507654321")).to_have_count(0)  # masked in the list
    _check(desk, "4-manager-list")
    desk.get_by_role("link", name=tracking_number).click()
    expect(desk.get_by_text("+994507654321")).to_be_visible()
    _check(desk, "5-manager-detail")
    desk.get_by_label("Move to").select_option(label="In review")
    desk.get_by_role("button", name="Change the status").click()
    expect(desk.locator("#complaint-status")).to_have_text("In review")
    desk.get_by_label("Answer to the citizen").fill(
        "We are sorry for the wait. From Monday a second operator works at the passport counter at lunch time."
    )
    desk.get_by_role("button", name="Send the answer").click()
    expect(desk.locator("#complaint-status")).to_have_text("Answered")
    _check(desk, "6-manager-answered")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ANSWERED
    sms = Notification.objects.get(kind="complaint_answered", channel="sms")
    assert tracking_number in sms.body

    # the citizen follows the link from the SMS and reads the answer
    link = urlsplit(re.search(r"https?://\S+", sms.body).group(0))  # SITE_URL is not the live server's
    phone.goto(f"{site}{link.path}?{link.query}")
    expect(phone.get_by_label("Tracking number")).to_have_value(tracking_number)
    _check(phone, "7-track-form")
    phone.get_by_label("Mobile number or e-mail").fill("050 765 43 21")
    phone.get_by_role("button", name="Show").click()
    expect(phone.locator("#complaint-status")).to_have_text("Answered")
    expect(phone.locator("#complaint-answer")).to_contain_text("a second operator works at the passport counter")
    _check(phone, "8-track-answered")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
