"""Issue 5 end to end: a citizen rates a visit from the SMS link on a phone, the Celery
aggregation runs, and an official who signs in on the portal sees the new rating on the
dashboard and in the centre's drill-down.

The visits go through the real queue services (issue, call, start, complete), so the
invitation SMS is queued and the roll-up deltas are written by the same code as in production;
the link is read out of the queued SMS. Before the browser rating, the centre already has
visits rated 5 (and one not rated), so the new score of 2 visibly lowers the satisfaction rate.
Every expected figure is computed here from what the test made.

Screenshots go to /tmp/shots/e2e/.
"""

import datetime as dt
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from appointments import queue
from asan_portal.roles import OFFICIAL, role_grant
from centres.models import Counter, StaffMembership, StaffRole
from feedback import ratings
from feedback.models import METRIC_FIELDS, ROLLUP_KEYS, ROLLUP_MODELS, CentreDay, Rating, RatingChannel
from feedback.tasks import reconcile_default_days, rollups_reconcile
from tests.feedback.factories import completed_visit, link_from_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/e2e")
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1600, "height": 900}
PASSWORD = "asan-demo-2026"
# Visits rated 5 at the counter before the citizen's rating, and one visit nobody rated.
EARLIER_FIVES = 3
UNRATED = 1
BROWSER_SCORE = 2
WAIT_MINUTES = 10  # completed_visit: issued 15 min before completion, called 5 min before


def _axe(page: Page, name: str) -> None:
    result = Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert problems == [], f"{name}:\n" + "\n".join(problems)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _visit_times(centre, count: int) -> list[dt.datetime]:
    """Completion times spread over the morning of the first day the beat task reconciles
    (yesterday in Baku): far from midnight, so every visit is on that day, and in the past, so
    the links are valid and the day is one the dashboard shows."""
    day = reconcile_default_days()[0]
    start = dt.datetime.combine(day, dt.time(10, 0), tzinfo=centre.tz)
    return [start + dt.timedelta(minutes=30 * index) for index in range(count)]


def _figures(visits: int, scores: list[int]) -> dict[str, str]:
    """The dashboard's texts (English) for these visits and scores, as the page writes them."""
    satisfied = sum(score >= 4 for score in scores)
    return {
        "visits": str(visits),
        "ratings": str(len(scores)),
        "satisfaction_rate": f"{satisfied / len(scores) * 100:.1f}%",
        "average_score": f"{sum(scores) / len(scores):.2f}",
        "response_rate": f"{len(scores) / visits * 100:.1f}%",
        "average_wait_minutes": f"{WAIT_MINUTES:.1f} min",
    }


def _rollups(day) -> dict:
    """Every roll-up row of the day: {(table, keys): metrics}."""
    return {
        (model.__name__, *(row[key] for key in ROLLUP_KEYS[model])): {name: row[name] for name in METRIC_FIELDS}
        for model in ROLLUP_MODELS
        for row in model.objects.filter(day=day).values()
    }


def _card(page: Page, key: str):
    return page.locator(f'[data-figure="{key}"] .dash-card-value')


def test_a_rating_from_the_sms_link_reaches_the_officials_dashboard(browser: Browser, site, catalogue):
    centre, service = catalogue.baku, catalogue.passport
    counter = Counter.objects.filter(centre=centre, services=service).order_by("number").first()
    operator = get_user_model().objects.create_user(
        username="operator-e2e", password="x", first_name="Aysel", last_name="Məmmədova"
    )
    StaffMembership.objects.create(user=operator, centre=centre, role=StaffRole.OPERATOR)
    queue.counter_session_open(counter=counter, operator=operator)

    times = _visit_times(centre, EARLIER_FIVES + UNRATED + 1)
    earlier = [
        completed_visit(counter=counter, operator=operator, service=service, phone="", now=now)
        for now in times[: EARLIER_FIVES + UNRATED]
    ]
    for visit in earlier[:EARLIER_FIVES]:
        ratings.rating_submit(ticket=visit, score=5, channel=RatingChannel.COUNTER, now=visit.completed_at)
    visit = completed_visit(counter=counter, operator=operator, service=service, language="az", now=times[-1])
    day = visit.date
    assert {ticket.date for ticket in earlier} == {day}

    # --- the citizen, on a phone, from the link in the SMS ------------------------------------
    link = link_from_message(visit)  # the queued SMS's link, in the ticket's language
    assert link.startswith("/az/feedback/")
    phone = browser.new_context(viewport=PHONE, locale="az-AZ", has_touch=True).new_page()
    phone.goto(f"{site}{link}")
    expect(phone.get_by_text(visit.display_code)).to_be_visible()
    _axe(phone, "1-phone-rate-az")
    phone.locator(f'label[for="score-{BROWSER_SCORE}"]').tap()
    phone.locator('label[for="aspect-waiting-1"]').tap()
    phone.locator("#comment").fill("Növbə çox uzun çəkdi.")
    phone.locator(".rating-submit").tap()
    expect(phone.locator(".rating-done")).to_be_visible()
    _axe(phone, "2-phone-thanks-az")
    phone.context.close()

    rating = Rating.objects.get(ticket=visit)
    assert (rating.score, rating.waiting_score, rating.channel) == (BROWSER_SCORE, 1, "link")

    # --- the aggregation, as the beat runs it: yesterday and today, rebuilt from raw data ----
    assert day in reconcile_default_days()
    incremental = _rollups(day)
    assert len(incremental) == len(ROLLUP_MODELS)  # one centre, service, counter and operator
    rollups_reconcile.delay()  # eager in tests: runs here, like a worker would
    row = CentreDay.objects.get(day=day, centre=centre)
    scores = [5] * EARLIER_FIVES + [BROWSER_SCORE]
    visits = EARLIER_FIVES + UNRATED + 1
    assert (row.visits, row.ratings, row.score_sum) == (visits, len(scores), sum(scores))
    assert _rollups(day) == incremental  # the rebuild from raw data agrees with the deltas

    # --- the official, at projector size, signs in on the portal and reads that day ----------
    official = get_user_model().objects.create_user("official-e2e", password=PASSWORD, first_name="Leyla")
    role_grant(user=official, role=OFFICIAL)
    page = browser.new_context(viewport=PROJECTOR, locale="en-GB").new_page()
    page.goto(f"{site}/en/accounts/login/?next=/en/dashboard/")
    page.fill("#id_username", "official-e2e")
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url("**/en/dashboard/")

    # By default the dashboard shows the 30 days up to yesterday: choose the visit's day.
    page.fill("#id_from", day.isoformat())
    page.fill("#id_to", day.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/en/dashboard/?*from={day.isoformat()}*")
    expected = _figures(visits, scores)
    for key, text in expected.items():
        expect(_card(page, key)).to_have_text(text)
    expect(page.locator(".dash-definition")).to_contain_text(f"here from {len(scores)} ratings")
    # The centre's row among the busiest centres: its visits, and the ratings behind them.
    busiest = page.locator("#ranking-centre").locator("..").locator(".dash-ranking").last
    centre_row = busiest.locator("li", has_text=centre.name_en)
    expect(centre_row).to_contain_text(f"{len(scores)} ratings · {visits} visits")
    expect(centre_row.locator(".dash-ranking-value")).to_have_text(expected["visits"])
    _axe(page, "3-dashboard-1600")
    page.screenshot(path=str(SHOTS / "3-dashboard-1600-screen.png"))

    # --- the centre's drill-down: the same figures for its service and its operator ----------
    centre_row.get_by_role("link", name=centre.name_en).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(centre.name_en)
    for key, text in expected.items():
        expect(_card(page, key)).to_have_text(text)
    row_texts = [
        expected[key]
        for key in ("visits", "ratings", "satisfaction_rate", "average_score", "response_rate", "average_wait_minutes")
    ]
    for table, name in (("Services", service.name_en), ("Operators", "Aysel Məmmədova")):
        cells = page.get_by_role("table", name=table).get_by_role("row", name=name).locator("td")
        # Columns: visits, ratings, satisfaction %, average score, response %, average wait (min), ...
        for index, text in enumerate(row_texts):
            expect(cells.nth(index)).to_have_text(text)
    _axe(page, "4-centre-1600")
