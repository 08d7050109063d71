"""Browser checks of issue 12.4 (cancelling asks to confirm and for a reason), 12.5 (lifting
and shortening a counter closure) and 12.6 (the portal's own 403 page), with axe (no
violation of any impact) and screenshots at desktop and 390 px width."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from appointments.models import AppointmentStatus, CounterClosure, Notification, NotificationStatus
from appointments.services import appointment_book
from appointments.staff import counter_close
from asan_portal.roles import CENTRE_MANAGER, role_grant
from centres.models import StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.browser.conftest import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def violations(page: Page, where: str) -> list[str]:
    result = Axe().run(page)
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
    ]


def shots(page: Page, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=f"/tmp/staffpages-{name}-{label}.png", full_page=True)
        if label == "390":
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def desk(site):
    service, centre = bookable_setup(counters=1)
    manager = get_user_model().objects.create_user("manager", password="pw-long-enough-1")
    role_grant(user=manager, role=CENTRE_MANAGER)
    StaffMembership.objects.create(user=manager, centre=centre, role=StaffRole.MANAGER)
    bookings = [
        appointment_book(
            service=service, centre=centre, starts_at=tomorrow_at(centre, hour), booked_by=manager, **citizen()
        ).appointment
        for hour in (10, 14)
    ]
    return {"centre": centre, "manager": manager, "bookings": bookings, "site": site}


def test_cancelling_asks_to_confirm_and_for_the_reason_the_citizen_is_told(browser: Browser, desk):
    site, centre, booking = desk["site"], desk["centre"], desk["bookings"][0]
    context = signed_in_context(browser, site, desk["manager"], DESKTOP)
    page = context.new_page()
    problems = []
    page.goto(f"{site}/en/staff/appointments/{centre.code}/{booking.reference}/")
    problems += violations(page, "detail")
    # The first click opens the confirmation; nothing is cancelled yet.
    page.get_by_role("link", name="Cancel booking").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel booking")
    booking.refresh_from_db()
    assert booking.status == AppointmentStatus.CONFIRMED
    assert not Notification.objects.filter(appointment=booking, kind="cancellation").exists()
    problems += violations(page, "confirm")
    shots(page, "cancel-confirm")
    # Confirming without a reason: a clear form error, still not cancelled.
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Cancel the booking and tell the citizen").click()
    assert navigation.value.status == 400
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_text("Choose the reason the citizen will be told.")).to_be_visible()
    problems += violations(page, "confirm with error")
    shots(page, "cancel-error")
    booking.refresh_from_db()
    assert booking.status == AppointmentStatus.CONFIRMED
    # With a reason and words: cancelled, and the queued SMS says why.
    page.get_by_label("The centre cannot serve you at that time").check()
    page.get_by_label("In your own words").fill("the passport printer is broken")
    page.get_by_role("button", name="Cancel the booking and tell the citizen").click()
    expect(page.get_by_text("The booking is cancelled and the citizen informed.")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == AppointmentStatus.CANCELLED
    sms = Notification.objects.get(appointment=booking, kind="cancellation", channel="sms")
    assert "the passport printer is broken" in sms.body
    problems += violations(page, "detail after")
    context.close()
    assert problems == [], "\n".join(problems)


def test_a_manager_shortens_then_lifts_a_closure_and_the_citizens_are_told(browser: Browser, desk):
    site, centre = desk["site"], desk["centre"]
    ten, two = desk["bookings"]
    closure, _flagged = counter_close(
        counter=centre.counters.get(), starts_at=tomorrow_at(centre, 9), ends_at=tomorrow_at(centre, 16)
    )
    Notification.objects.filter(kind="reschedule_needed").update(status=NotificationStatus.SENT)
    context = signed_in_context(browser, site, desk["manager"], DESKTOP)
    page = context.new_page()
    problems = []
    page.goto(f"{site}/en/staff/appointments/{centre.code}/close-counter/")
    problems += violations(page, "closures")
    shots(page, "closures")
    # Shorten to 12:00: the 14:00 booking stands again.
    page.get_by_label("New end (counter 1)").fill(tomorrow_at(centre, 12).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Shorten").click()
    expect(page.get_by_text("The closure is shortened. 1 bookings are valid again")).to_be_visible()
    closure.refresh_from_db()
    assert closure.ends_at == tomorrow_at(centre, 12)
    assert Notification.objects.filter(appointment=two, kind="closure_lifted", channel="sms").count() == 1
    assert not Notification.objects.filter(appointment=ten, kind="closure_lifted").exists()
    problems += violations(page, "after shorten")
    # A new end after the current one: refused with the message, nothing sent.
    page.get_by_label("New end (counter 1)").fill(tomorrow_at(centre, 15).strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Shorten").click()
    assert navigation.value.status == 400
    expect(page.locator("#closure-change-error")).to_contain_text("earlier than the closure's current end")
    problems += violations(page, "refused")
    shots(page, "closures-refused")
    # Lift: the 10:00 booking stands again; the closure is gone.
    page.get_by_role("button", name="Lift").click()
    expect(page.get_by_text("The closure is lifted. 1 bookings are valid again")).to_be_visible()
    assert not CounterClosure.objects.exists()
    assert Notification.objects.filter(appointment=ten, kind="closure_lifted", channel="sms").count() == 1
    assert Notification.objects.filter(kind="closure_lifted", channel="sms").count() == 2
    problems += violations(page, "after lift")
    context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", ["az", "en", "ru"])
def test_the_refused_page_is_the_portals_own_and_passes_axe(browser: Browser, site, lang):
    user = get_user_model().objects.create_user("plain", password="pw-long-enough-1")
    context = signed_in_context(browser, site, user, DESKTOP)
    page = context.new_page()
    response = page.goto(f"{site}/{lang}/staff/appointments/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("main")).to_have_count(1)
    expect(page.locator("header").first).to_be_visible()
    expect(page.locator(f"main a[href='/{lang}/']")).to_be_visible()
    problems = violations(page, f"403 {lang}")
    shots(page, f"403-{lang}")
    context.close()
    assert problems == [], "\n".join(problems)
