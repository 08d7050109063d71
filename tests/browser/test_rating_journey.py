"""Rating a visit in the browser.

- From the SMS link on a phone (390x844, Azerbaijani): the form, one tap for the score, a
  tap for an aspect, send, thanks; axe on the form and the thanks page.
- At the counter tablet (1024x768): the waiting screen notices the visit just completed
  (htmx poll, no reload by hand), the citizen rates it, thanks, and the tablet waits again.

Screenshots go to /tmp/shots/rate/ (and var/screenshots/feedback/ for the README)."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from appointments import queue
from centres.models import Counter, StaffMembership, StaffRole
from feedback.models import Rating
from tests.feedback.factories import completed_visit, link_from_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = [Path("/tmp/shots/rate"), Path(settings.BASE_DIR) / "var" / "screenshots" / "feedback"]
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}


def _check(page: Page, name: str) -> None:
    result = Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert problems == [], f"{name}:\n" + "\n".join(problems)
    for folder in SHOTS:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _desk(catalogue):
    """Counter of the Baku centre that handles passports, with an operator signed in."""
    centre = catalogue.baku
    counter = Counter.objects.filter(centre=centre, services=catalogue.passport).order_by("number").first()
    operator = get_user_model().objects.create_user(username="operator-rate", password="x")
    StaffMembership.objects.create(user=operator, centre=centre, role=StaffRole.OPERATOR)
    queue.counter_session_open(counter=counter, operator=operator)
    return counter, operator


def test_a_citizen_rates_the_visit_from_the_sms_link_on_a_phone(browser: Browser, site, catalogue):
    counter, operator = _desk(catalogue)
    visit = completed_visit(counter=counter, operator=operator, service=catalogue.passport, language="az")
    link = link_from_message(visit)  # the path of the link in the SMS, with the ticket's language
    assert link.startswith("/az/feedback/")

    page = browser.new_context(viewport=PHONE, locale="az-AZ", has_touch=True).new_page()
    page.goto(f"{site}{link}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text(visit.display_code)).to_be_visible()
    # Five big buttons side by side on a phone, none cut off.
    boxes = [page.locator(f'label[for="score-{value}"]').bounding_box() for value in range(1, 6)]
    assert all(box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"] for box in boxes)
    _check(page, "1-phone-form-az")
    assert not Rating.objects.exists()  # opening the link did not rate

    # Keyboard: the score buttons are one radio group, arrows move the choice.
    page.locator("#score-1").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#score-2")).to_be_checked()

    page.locator('label[for="score-4"]').tap()
    page.locator('label[for="aspect-courtesy-5"]').tap()
    page.locator("#comment").fill("Operator çox nəzakətli idi.")
    expect(page.locator("#score-4")).to_be_checked()
    page.locator(".rating-submit").tap()

    expect(page.locator(".rating-done")).to_be_visible()
    _check(page, "2-phone-thanks-az")
    rating = Rating.objects.get()
    assert (rating.ticket_id, rating.score, rating.courtesy_score, rating.waiting_score) == (visit.pk, 4, 5, None)
    assert (rating.channel, rating.language) == ("link", "az")

    # Opening the link again says, kindly, that the visit is rated.
    response = page.goto(f"{site}{link}")
    assert response.status == 409
    _check(page, "3-phone-already-rated-az")


def test_the_counter_tablet_offers_the_visit_just_completed(browser: Browser, site, catalogue):
    counter, operator = _desk(catalogue)
    client = Client()
    client.force_login(operator)
    context = browser.new_context(viewport=TABLET, locale="en-GB", has_touch=True)
    host = site.split("//", 1)[1].split(":")[0]
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"}])
    page = context.new_page()
    page.goto(f"{site}/en/feedback/counter/{counter.pk}/")
    expect(page.locator(".rating-waiting")).to_be_visible()
    _check(page, "4-tablet-waiting")

    visit = completed_visit(counter=counter, operator=operator, service=catalogue.passport, phone="")

    # The waiting screen polls every 5 s and reloads itself once there is a visit to rate.
    expect(page.get_by_text(visit.display_code)).to_be_visible(timeout=12_000)
    _check(page, "5-tablet-form")
    page.locator('label[for="score-5"]').tap()
    page.locator(".rating-submit").tap()
    expect(page.locator(".rating-done")).to_be_visible()
    assert Rating.objects.get().channel == "counter"
    page.get_by_role("link", name="Done").click()
    expect(page.locator(".rating-waiting")).to_be_visible()
