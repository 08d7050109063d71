"""Issue 12.15 in Chromium: the private links of the SMS lead to clean URLs that open only in the
browser that opened the link, and the booking's forms still post (the token-carrying link says
`no-referrer`, the clean pages `same-origin`, so Chromium sends a real Origin and CSRF accepts it).
Every page here passes axe with no violation of any impact (docs/adr/0019)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect

from appointments import queue
from appointments.models import Appointment, AppointmentStatus
from appointments.services import appointment_book
from centres.models import Counter, StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.feedback.factories import completed_visit, link_from_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _t(text: str) -> str:
    with translation.override("az"):
        return gettext(text)


def _check(page: Page, name: str) -> None:
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in Axe().run(page).response["violations"]
    ]
    assert violations == [], f"{name}:\n" + "\n".join(violations)
    page.screenshot(path=f"/tmp/tokens-{name}.png", full_page=True)


def test_the_manage_link_opens_a_clean_page_in_its_own_browser_only(browser: Browser, site, catalogue):
    # given: a confirmed booking and the link of its SMS
    service, centre = bookable_setup()
    clerk = get_user_model().objects.create_user("clerk-links")
    booked = appointment_book(
        service=service, centre=centre, starts_at=tomorrow_at(centre, 10), booked_by=clerk, **citizen()
    )
    with translation.override("az"):
        link = site + reverse("appointments:manage", kwargs={"token": booked.manage_token})
    reference = booked.appointment.reference

    # when the citizen opens it on a phone
    phone = browser.new_context(viewport=PHONE, locale="az-AZ").new_page()
    phone.goto(link)

    # then: the booking, at a URL without the token
    assert phone.url == f"{site}/az/appointments/booking/{reference}/"
    assert booked.manage_token not in phone.url
    expect(phone.locator("#booking-status")).to_have_text(_t("Confirmed"))
    _check(phone, "manage")

    # The same clean URL in another browser (a forwarded or bookmarked address) opens nothing.
    stranger = browser.new_context(viewport=PHONE, locale="az-AZ").new_page()
    answer = stranger.goto(phone.url)
    assert answer.status == 404
    expect(stranger.get_by_role("heading", level=1)).to_have_text(_t("Open your private link again"))
    _check(stranger, "missing")
    stranger.context.close()

    # The forms of the clean pages still post (a real Origin header, accepted by the CSRF check).
    phone.get_by_role("link", name=_t("Cancel the booking")).click()
    assert booked.manage_token not in phone.url
    _check(phone, "cancel")
    phone.get_by_role("button", name=_t("Yes, cancel the booking")).click()
    expect(phone.locator("#booking-status")).to_have_text(_t("Cancelled"))
    assert Appointment.objects.get(pk=booked.appointment.pk).status == AppointmentStatus.CANCELLED
    phone.context.close()


def test_the_rating_link_opens_a_clean_page_that_rates(browser: Browser, site, catalogue):
    centre = catalogue.baku
    counter = Counter.objects.filter(centre=centre, services=catalogue.passport).order_by("number").first()
    operator = get_user_model().objects.create_user(username="operator-links", password="x")  # noqa: S106
    StaffMembership.objects.create(user=operator, centre=centre, role=StaffRole.OPERATOR)
    queue.counter_session_open(counter=counter, operator=operator)
    visit = completed_visit(counter=counter, operator=operator, service=catalogue.passport, language="az")
    link = link_from_message(visit)
    token = link.rstrip("/").rsplit("/", 1)[1]

    phone = browser.new_context(viewport=PHONE, locale="az-AZ", has_touch=True).new_page()
    phone.goto(site + link)
    assert "/az/feedback/visit/" in phone.url and token not in phone.url
    expect(phone.get_by_text(visit.display_code)).to_be_visible()
    _check(phone, "rate")

    stranger = browser.new_context(viewport=PHONE, locale="az-AZ").new_page()
    assert stranger.goto(phone.url).status == 404
    stranger.context.close()

    phone.locator('label[for="score-5"]').tap()
    phone.locator(".rating-submit").tap()
    expect(phone.locator(".rating-done")).to_be_visible()
    _check(phone, "rated")
    phone.context.close()
