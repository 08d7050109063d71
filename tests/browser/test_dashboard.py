"""The officials' dashboard in a real browser: an official signs in, reads the figures at
projector size and on a phone; axe-core finds no serious or critical problem; screenshots go
to /tmp/shots/dash/ to be looked at."""

import datetime as dt
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from asan_portal.roles import OFFICIAL, role_grant
from centres.models import Counter
from tests.centres.factories import CentreFactory, CityFactory
from tests.feedback.stats_factories import plausible_rollups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/dash")
PASSWORD = "asan-demo-2026"
MORE_CENTRES = [
    ("sumqayit", "Sumqayıt ASAN xidmət mərkəzi", "Sumgait ASAN service centre"),
    ("sheki", "Şəki ASAN xidmət mərkəzi", "Shaki ASAN service centre"),
    ("lankaran", "Lənkəran ASAN xidmət mərkəzi", "Lankaran ASAN service centre"),
    ("quba", "Quba ASAN xidmət mərkəzi", "Guba ASAN service centre"),
    ("baku-5", "Bakı 5 nömrəli ASAN xidmət mərkəzi", "Baku ASAN service centre No. 5"),
    ("mingachevir", "Mingəçevir ASAN xidmət mərkəzi", "Mingachevir ASAN service centre"),
]
OPERATORS = [("Aysel", "Məmmədova"), ("Rəşad", "Quliyev"), ("Nigar", "Həsənova")]


@pytest.fixture
def dashboard_data(catalogue):
    """Four months of plausible roll-ups for eight centres and the catalogue's three services."""
    centres = [catalogue.baku, catalogue.ganja]
    for code, name_az, name_en in MORE_CENTRES:
        centres.append(CentreFactory(code=code, name_az=name_az, name_en=name_en, city=CityFactory(code=code)))
    staff = []
    for centre in centres:
        for number, (first, last_name) in enumerate(OPERATORS, start=1):
            operator = get_user_model().objects.create_user(
                f"{centre.code}-{number}", first_name=first, last_name=last_name
            )
            counter, _created = Counter.objects.get_or_create(centre=centre, number=number)
            staff.append((centre, counter, operator))
    last = timezone.localdate() - dt.timedelta(days=1)
    plausible_rollups(
        centres=centres,
        services=[catalogue.passport, catalogue.id_card, catalogue.notary],
        first_day=last - dt.timedelta(days=120),
        last_day=last,
        staff=staff,
    )
    official = get_user_model().objects.create_user("official", password=PASSWORD, first_name="Leyla")
    role_grant(user=official, role=OFFICIAL)
    return official


def _axe_problems(page: Page) -> list[str]:
    result = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} {[n['target'] for n in violation['nodes']][:3]}"
        for violation in result.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def _sign_in(page: Page, site: str):
    page.goto(f"{site}/en/dashboard/")
    # Not signed in: the sign-in form, which then brings the official back to the dashboard.
    page.fill("#id_username", "official")
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url("**/en/dashboard/")


def test_official_reads_the_dashboard_on_a_projector_and_a_phone(page: Page, site, dashboard_data):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": 900})
    _sign_in(page, site)

    expect(page.get_by_role("heading", level=1)).to_have_text("Satisfaction and service")
    expect(page.locator('[data-figure="satisfaction_rate"] .dash-card-value')).to_contain_text("%")
    expect(page.get_by_role("img", name="Chart of visits served")).to_be_visible()
    expect(page.get_by_role("table", name="Figures per period, as in the chart")).to_be_visible()
    assert _axe_problems(page) == []
    page.screenshot(path=str(SHOTS / "dashboard-1600.png"))
    page.screenshot(path=str(SHOTS / "dashboard-1600-full.png"), full_page=True)

    # A year by month, then one centre's drill-down.
    first = timezone.localdate() - dt.timedelta(days=120)
    page.fill("#id_from", first.isoformat())
    page.select_option("#id_group_by", "week")
    page.get_by_role("button", name="Show").click()
    last = timezone.localdate() - dt.timedelta(days=1)
    weeks = ((last - dt.timedelta(days=last.weekday())) - (first - dt.timedelta(days=first.weekday()))).days // 7 + 1
    expect(page.locator(".dash-chart .bar")).to_have_count(weeks)
    page.screenshot(path=str(SHOTS / "dashboard-1600-weeks.png"))

    page.locator("#ranking-centre").locator("..").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Services")).to_be_visible()
    expect(page.get_by_role("table", name="Operators")).to_contain_text("Aysel Məmmədova")
    assert _axe_problems(page) == []
    page.screenshot(path=str(SHOTS / "centre-1600-full.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/en/dashboard/")
    assert _axe_problems(page) == []
    page.screenshot(path=str(SHOTS / "dashboard-390.png"))
    page.screenshot(path=str(SHOTS / "dashboard-390-full.png"), full_page=True)


@pytest.mark.parametrize("lang", ["az", "ru"])
def test_open_data_page_is_accessible(page: Page, site, dashboard_data, lang):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(f"{site}/{lang}/open-data/satisfaction/")
    expect(page.locator('[data-figure="visits"] .dash-card-value')).not_to_have_text("–")
    assert _axe_problems(page) == []
    page.screenshot(path=str(SHOTS / f"open-data-{lang}-1600-full.png"), full_page=True)
