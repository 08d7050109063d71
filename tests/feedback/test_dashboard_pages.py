"""The officials' dashboard: who sees what (role x centre), the figures on the page, the
trend chart and its table, and the CSV and Excel exports of the same view."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from asan_portal.roles import CENTRE_MANAGER, OFFICIAL, OPERATOR, role_grant
from centres.models import Counter, StaffMembership, StaffRole
from feedback.stats import StatsFilter, stats_summary
from tests.centres.factories import CentreFactory
from tests.feedback.stats_factories import both_days, service_day, staff_day
from tests.second_factor import verified_login
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

OVERVIEW = "/en/dashboard/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def world(django_user_model):
    """Centres A and B with one service each and known figures yesterday and in the previous
    period; a counter and operator at A; users of every role."""
    day, earlier = yesterday(), yesterday() - dt.timedelta(days=35)
    centre_a = CentreFactory(name_en="Alpha centre")
    centre_b = CentreFactory(name_en="Beta centre")
    service_a, service_b = ServiceFactory(name_en="Passport"), ServiceFactory(name_en="Driving licence")
    both_days(centre_a, service_a, day, visits=40, ratings=20, satisfied=15, score_sum=80, histogram=[10, 20, 10])
    both_days(centre_b, service_b, day, visits=60, ratings=30, satisfied=27, score_sum=135, histogram=[30, 30])
    both_days(centre_a, service_a, earlier, visits=10, ratings=10, satisfied=5, score_sum=35)

    def user(name, role=None, centre=None, membership=None, **extra):
        u = django_user_model.objects.create_user(username=name, password="pw", **extra)
        if role:
            role_grant(user=u, role=role)
        if centre:
            StaffMembership.objects.create(user=u, centre=centre, role=membership)
        return u

    operator = user("operator", OPERATOR, centre_a, StaffRole.OPERATOR, first_name="Aysel", last_name="Məmmədova")
    counter = Counter.objects.create(centre=centre_a, number=4)
    staff_day(centre_a, counter, operator, day, visits=40, ratings=20, satisfied=15, score_sum=80)
    return {
        "a": centre_a,
        "b": centre_b,
        "service_a": service_a,
        "official": user("official", OFFICIAL),
        "manager": user("manager", CENTRE_MANAGER, centre_a, StaffRole.MANAGER),
        "operator": operator,
        "superuser": user("root", is_superuser=True, is_staff=True),
        "nobody": user("nobody"),
    }


def card_value(html: str, key: str) -> str:
    start = html.index(f'data-figure="{key}"')
    value_start = html.index('class="dash-card-value">', start) + len('class="dash-card-value">')
    return html[value_start : html.index("</p>", value_start)]


# --- who sees what -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["official", "superuser"])
def test_official_and_superuser_see_every_centre(client, world, who):
    verified_login(client, world[who])
    response = client.get(OVERVIEW)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alpha centre" in html and "Beta centre" in html
    assert card_value(html, "visits") == "100"
    assert card_value(html, "satisfaction_rate") == "84.0%"  # (15 + 27) / 50


def test_manager_sees_only_their_centre(client, world):
    client.force_login(world["manager"])
    response = client.get(OVERVIEW)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Beta centre" not in html
    assert card_value(html, "visits") == "40"
    assert card_value(html, "satisfaction_rate") == "75.0%"


def test_manager_opens_own_drill_down_not_another(client, world):
    client.force_login(world["manager"])
    own = client.get(reverse("dashboard:centre", kwargs={"code": world["a"].code}))
    other = client.get(reverse("dashboard:centre", kwargs={"code": world["b"].code}))
    other_export = client.get(reverse("dashboard:centre_export", kwargs={"code": world["b"].code, "fmt": "csv"}))
    assert own.status_code == 200
    assert "Aysel Məmmədova" in own.content.decode()  # operators by name, for managers
    assert "Passport" in own.content.decode()
    assert other.status_code == 404
    assert other_export.status_code == 404


def test_manager_cannot_filter_on_another_centre(client, world):
    client.force_login(world["manager"])
    response = client.get(OVERVIEW, {"centre": world["b"].code})
    assert response.status_code == 400
    assert "There is no centre with this code." in response.content.decode()


def test_official_drills_into_any_centre(client, world):
    client.force_login(world["official"])
    response = client.get(reverse("dashboard:centre", kwargs={"code": world["b"].code}))
    assert response.status_code == 200
    assert card_value(response.content.decode(), "visits") == "60"


@pytest.mark.parametrize("who", ["operator", "nobody"])
def test_other_roles_are_refused(client, world, who):
    verified_login(client, world[who])
    assert client.get(OVERVIEW).status_code == 403
    assert client.get(reverse("dashboard:centre", kwargs={"code": world["a"].code})).status_code == 403
    assert client.get(reverse("dashboard:export", kwargs={"fmt": "csv"})).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    for url in (OVERVIEW, reverse("dashboard:centre", kwargs={"code": world["a"].code})):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


# --- what the page shows -----------------------------------------------------------------


def test_cards_show_the_change_in_words_and_the_definition(client, world):
    client.force_login(world["official"])
    day = yesterday()
    # 30 days up to yesterday against the 30 days before: A had 10 visits 35 days ago.
    html = client.get(
        OVERVIEW, {"from": (day - dt.timedelta(days=29)).isoformat(), "to": day.isoformat()}
    ).content.decode()
    assert "share of ratings of 4 or 5" in html
    assert "from 50 ratings" in html
    visits_card = html[html.index('data-figure="visits"') :]
    assert "+90 (+900.0%)" in visits_card[: visits_card.index("</div>")]
    assert "previous period: 10" in visits_card[: visits_card.index("</div>")]
    rate_card = html[html.index('data-figure="satisfaction_rate"') :]
    rate_card = rate_card[: rate_card.index("</div>")]
    assert "+34.0 pp" in rate_card  # 84 % now, 50 % before
    assert "better" in rate_card


def _card(html: str, key: str) -> str:
    card = html[html.index(f'data-figure="{key}"') :]
    return card[: card.index("</div>")]


def _change_column(rows, label):
    header = next(row for row in rows if row and row[0] == "Figure")
    return next(row for row in rows if row and row[0] == label)[header.index("Change from the previous period")]


# A week up to yesterday: the week before it is empty (world's older figures are 35 days back).
# Thirty days up to yesterday: the thirty before hold those 10 visits.
EMPTY_PREVIOUS, PREVIOUS_WITH_DATA = 7, 30


@pytest.mark.parametrize("days", [EMPTY_PREVIOUS, PREVIOUS_WITH_DATA])
def test_a_change_is_shown_only_against_a_previous_period_with_data(client, world, days):
    # given: a period of `days` days up to yesterday, with 100 visits in it
    client.force_login(world["official"])
    day = yesterday()
    period = {"from": (day - dt.timedelta(days=days - 1)).isoformat(), "to": day.isoformat()}
    comparable = days == PREVIOUS_WITH_DATA

    # when: the page, its CSV and Excel files and the open-data API are read
    html = client.get(OVERVIEW, period).content.decode()
    csv_rows = _csv(client.get(reverse("dashboard:export", kwargs={"fmt": "csv"}), {**period, "by": "centre"}))
    xlsx = client.get(reverse("dashboard:export", kwargs={"fmt": "xlsx"}), {**period, "by": "centre"})
    summary_sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    xlsx_rows = [list(row) for row in summary_sheet.iter_rows(values_only=True)]
    api = client.get("/api/v1/stats/satisfaction/", {**period, "lang": "en"}).json()

    # then: every card, both files and the API agree on whether there is a comparison
    visits, rate, ratings = _card(html, "visits"), _card(html, "satisfaction_rate"), _card(html, "ratings")
    if comparable:
        assert "+90 (+900.0%)" in visits and "previous period: 10" in visits
        assert "+40 (+400.0%)" in ratings
        assert "+34.0 pp" in rate
        assert "data-no-comparison" not in html
        assert _change_column(csv_rows, "Visits served") == "90"
        assert _change_column(xlsx_rows, "Visits served") == 90
        assert _change_column(xlsx_rows, "Satisfaction rate") == 34.0
    else:
        for card in (visits, rate, ratings):
            assert "no figure to compare" in card
            assert "previous period: no data" in card
            assert "▲" not in card and "better" not in card
        assert "+100" not in visits
        assert "data-no-comparison" in html
        assert _change_column(csv_rows, "Visits served") == ""
        assert _change_column(csv_rows, "Satisfaction rate") == ""
        assert _change_column(xlsx_rows, "Visits served") is None
    assert _summary_value(csv_rows, "Visits served") == "100"
    assert api["summary"]["visits"] == 100
    assert api["previous"]["comparable"] is comparable
    assert api["previous"]["summary"]["visits"] == (10 if comparable else 0)


def test_trend_chart_has_a_table_with_the_same_periods(client, world):
    client.force_login(world["official"])
    day = yesterday()
    html = client.get(
        OVERVIEW, {"from": (day - dt.timedelta(days=6)).isoformat(), "to": day.isoformat(), "group_by": "day"}
    ).content.decode()
    assert 'role="img"' in html
    assert '<title id="trend-svg-title">' in html
    table = html[html.index('id="trend-table-caption"') :]
    table = table[: table.index("</table>")]
    assert table.count('<th scope="row">') == 7
    assert html.count('class="bar"') == 7


def test_bad_filters_answer_400_with_a_message(client, world):
    client.force_login(world["official"])
    response = client.get(OVERVIEW, {"from": "2026-03-10", "to": "2026-03-01"})
    assert response.status_code == 400
    assert "The first day must not be after the last day." in response.content.decode()
    assert client.get(OVERVIEW, {"from": "yesterday"}).status_code == 400
    assert client.get(OVERVIEW, {"from": "2020-01-01", "to": "2026-01-01"}).status_code == 400


def test_dashboard_queries_do_not_grow_with_centres(client, world):
    client.force_login(world["official"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(OVERVIEW).status_code == 200
    for n in range(15):
        both_days(CentreFactory(), ServiceFactory(), yesterday(), visits=n + 1, ratings=n, satisfied=n, score_sum=4 * n)
    with CaptureQueriesContext(connection) as many:
        assert client.get(OVERVIEW).status_code == 200
    assert len(many) == len(few)


# --- exports -----------------------------------------------------------------------------


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _summary_value(rows, label):
    return next(row for row in rows if row and row[0] == label)[1]


def test_csv_export_matches_the_page(client, world):
    client.force_login(world["official"])
    page = client.get(OVERVIEW).content.decode()
    rows = _csv(client.get(reverse("dashboard:export", kwargs={"fmt": "csv"}), {"by": "centre"}))

    assert _summary_value(rows, "Visits served") == card_value(page, "visits")
    assert f"{_summary_value(rows, 'Satisfaction rate')}%" == card_value(page, "satisfaction_rate")
    header_index = next(i for i, row in enumerate(rows) if row and row[0] == "Centre")
    header = rows[header_index]
    breakdown = {row[0]: row for row in rows[header_index + 1 :] if row}
    assert set(breakdown) == {"Alpha centre", "Beta centre"}
    assert breakdown["Beta centre"][header.index("Visits served")] == "60"
    assert breakdown["Beta centre"][header.index("Satisfaction rate (%)")] == "90.0"


def test_xlsx_export_matches_the_figures(client, world):
    client.force_login(world["official"])
    response = client.get(reverse("dashboard:export", kwargs={"fmt": "xlsx"}), {"by": "service"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    summary, services = workbook.worksheets
    figures = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}
    day = yesterday()
    expected = stats_summary(StatsFilter(first_day=day - dt.timedelta(days=29), last_day=day))
    assert figures["Visits served"] == expected["visits"] == 100
    assert figures["Satisfaction rate"] == 84.0
    rows = list(services.iter_rows(values_only=True))
    header = rows[0]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Passport"][header.index("Visits served")] == 40
    assert by_name["Driving licence"][header.index("Average score")] == 4.5


def test_centre_export_lists_operators_for_staff(client, world):
    client.force_login(world["manager"])
    url = reverse("dashboard:centre_export", kwargs={"code": world["a"].code, "fmt": "csv"})
    rows = _csv(client.get(url, {"by": "operator"}))
    assert any(row and row[0] == "Aysel Məmmədova" for row in rows)
    assert client.get(url, {"by": "provider"}).status_code == 400
    assert client.get(reverse("dashboard:export", kwargs={"fmt": "csv"}), {"by": "operator"}).status_code == 400
    assert client.get(reverse("dashboard:export", kwargs={"fmt": "pdf"})).status_code == 404


def test_formula_like_names_are_neutralised_in_both_files(client, world):
    world["a"].name_en = '=HYPERLINK("http://example.invalid","click")'
    world["a"].save()
    client.force_login(world["official"])
    export = reverse("dashboard:export", kwargs={"fmt": "csv"})

    rows = _csv(client.get(export, {"by": "centre"}))
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("dashboard:export", kwargs={"fmt": "xlsx"}), {"by": "centre"}).content)
    )

    assert [row[0] for row in rows if row and "HYPERLINK" in row[0]] == [
        '\'=HYPERLINK("http://example.invalid","click")'
    ]
    cells = [cell for row in workbook.worksheets[1].iter_rows() for cell in row if "HYPERLINK" in str(cell.value)]
    assert len(cells) == 1
    assert cells[0].data_type == "s"
    assert cells[0].value.startswith("'=")


def test_centre_rankings_on_the_page(client, world):
    client.force_login(world["official"])
    html = client.get(OVERVIEW).content.decode()
    centres = html[html.index('id="ranking-centre"') : html.index('id="ranking-provider"')]
    top = centres[centres.index("Highest satisfaction") : centres.index("Lowest satisfaction")]
    bottom = centres[centres.index("Lowest satisfaction") : centres.index("Most visits")]
    busiest = centres[centres.index("Most visits") :]
    # Beta: 90 % of 30 ratings, Alpha: 75 % of 20 (both at least the minimum of 20 ratings);
    # two ranked centres split into one best and one worst.
    assert "Beta centre" in top and "Alpha centre" not in top
    assert "Alpha centre" in bottom and "Beta centre" not in bottom
    assert busiest.index("Beta centre") < busiest.index("Alpha centre")
    assert "90.0%" in top and "75.0%" in bottom
    drill = reverse("dashboard:centre", kwargs={"code": world["a"].code})
    assert f'href="{drill}?' in centres


def test_drill_down_queries_do_not_grow_with_services_and_staff(client, world, django_user_model):
    client.force_login(world["manager"])
    url = reverse("dashboard:centre", kwargs={"code": world["a"].code})
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        service_day(world["a"], ServiceFactory(), yesterday(), visits=5, ratings=2, satisfied=1, score_sum=7)
        operator = django_user_model.objects.create_user(f"op{n}")
        counter = Counter.objects.create(centre=world["a"], number=10 + n)
        staff_day(world["a"], counter, operator, yesterday(), visits=5, ratings=2, satisfied=1, score_sum=7)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
