"""GET /api/v1/stats/satisfaction/: the open-data figures, their shape, group_by, and 400s."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.centres.factories import CentreFactory
from tests.feedback.stats_factories import both_days
from tests.services.factories import ProviderFactory, ServiceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/satisfaction/"
D = dt.date(2026, 3, 2)  # a Monday


@pytest.fixture
def world():
    provider = ProviderFactory(code="dim", name_en="State Migration Service")
    centre_a = CentreFactory(code="baku-1", name_en="Baku 1")
    centre_b = CentreFactory(code="ganja", name_en="Ganja")
    passport = ServiceFactory(code="passport", provider=provider, name_en="Passport")
    licence = ServiceFactory(code="licence", name_en="Driving licence")
    both_days(centre_a, passport, D, visits=40, ratings=20, satisfied=15, score_sum=80, histogram=[10, 20, 10])
    both_days(centre_b, licence, D + dt.timedelta(days=8), visits=60, ratings=30, satisfied=27, score_sum=135)
    both_days(centre_a, passport, D - dt.timedelta(days=10), visits=10, ratings=10, satisfied=5, score_sum=35)
    return {"a": centre_a, "b": centre_b}


def get(client, **params):
    return client.get(URL, params)


def test_summary_and_previous_period(client, world):
    response = get(client, **{"from": "2026-03-02", "to": "2026-03-15", "lang": "en"})
    body = response.json()
    assert response.status_code == 200
    assert body["from"] == "2026-03-02"
    assert body["to"] == "2026-03-15"
    assert body["summary"]["visits"] == 100
    assert body["summary"]["ratings"] == 50
    assert body["summary"]["satisfaction_rate"] == 0.84
    assert body["summary"]["average_score"] == 4.3
    assert body["summary"]["response_rate"] == 0.5
    assert body["previous"] == {
        "from": "2026-02-16",
        "to": "2026-03-01",
        "summary": body["previous"]["summary"],
        "comparable": True,
    }
    assert body["previous"]["summary"]["visits"] == 10
    assert body["centre"] is None and body["group_by"] == "day"
    assert "counter" not in str(body.keys()) and "operator" not in str(body)


def test_group_by_day_week_month(client, world):
    params = {"from": "2026-03-02", "to": "2026-03-15"}
    days = get(client, **params, group_by="day").json()["rows"]
    weeks = get(client, **params, group_by="week").json()["rows"]
    months = get(client, **params, group_by="month").json()["rows"]
    assert len(days) == 14
    assert days[0]["period"] == "2026-03-02" and days[0]["visits"] == 40
    assert days[1]["visits"] == 0 and days[1]["satisfaction_rate"] is None
    assert [(row["period"], row["visits"]) for row in weeks] == [("2026-03-02", 40), ("2026-03-09", 60)]
    assert [(row["period"], row["visits"]) for row in months] == [("2026-03-01", 100)]


def test_group_by_centre_service_provider(client, world):
    params = {"from": "2026-03-02", "to": "2026-03-15", "lang": "en"}
    centres = get(client, **params, group_by="centre").json()["rows"]
    services = get(client, **params, group_by="service").json()["rows"]
    providers = get(client, **params, group_by="provider").json()["rows"]
    assert [(row["code"], row["name"], row["visits"]) for row in centres] == [
        ("ganja", "Ganja", 60),
        ("baku-1", "Baku 1", 40),
    ]
    assert {row["code"] for row in services} == {"passport", "licence"}
    assert [(row["name"], row["visits"]) for row in providers][1] == ("State Migration Service", 40)
    assert providers[0]["visits"] == 60
    assert all(row["period"] is None for row in centres)


def test_filters_by_centre_service_provider(client, world):
    params = {"from": "2026-03-02", "to": "2026-03-15"}
    assert get(client, **params, centre="ganja").json()["summary"]["visits"] == 60
    assert get(client, **params, service="passport").json()["summary"]["visits"] == 40
    by_provider = get(client, **params, provider="dim").json()
    assert by_provider["summary"]["visits"] == 40
    assert by_provider["provider"] == "dim"


def test_names_in_the_requested_language(client, world):
    body = get(client, **{"from": "2026-03-02", "to": "2026-03-15", "group_by": "centre", "lang": "az"}).json()
    assert {row["name"] for row in body["rows"]} == {world["a"].name_az, world["b"].name_az}


def test_default_range_is_thirty_days_up_to_yesterday(client, world):
    body = get(client).json()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert body["to"] == yesterday.isoformat()
    assert body["from"] == (yesterday - dt.timedelta(days=29)).isoformat()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"centre": "nowhere"}, "centre", "There is no centre with this code."),
        ({"service": "nothing"}, "service", "There is no service with this code."),
        ({"provider": "nobody"}, "provider", "There is no provider with this code."),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "from", "The first day must not be after the last day."),
        ({"from": "2020-01-01", "to": "2026-03-01"}, "from", "Choose at most 732 days."),
        ({"from": "01.03.2026"}, "from", "Write the date as YYYY-MM-DD, e.g. 2026-03-21."),
        # Found by schemathesis: 30 days before year 1 overflowed into a 500.
        ({"to": "0001-01-05"}, "to", "Choose a day between 2000-01-01 and 2999-12-31."),
        ({"from": "1999-12-31", "to": "2000-01-05"}, "from", "Choose a day between 2000-01-01 and 2999-12-31."),
        ({"group_by": "counter"}, "group_by", "Choose one of: day, week, month, centre, service, provider."),
        ({"group_by": "operator"}, "group_by", "Choose one of: day, week, month, centre, service, provider."),
    ],
)
def test_bad_parameters_answer_400_in_the_error_shape(client, world, params, field, message):
    response = get(client, lang="en", **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == message
    assert error["fields"] == {field: [message]}


def test_queries_do_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for n in range(10):
        both_days(CentreFactory(), ServiceFactory(), D, visits=n + 1)
    with django_assert_max_num_queries(8):
        assert get(client, **{"from": "2026-03-02", "to": "2026-03-15", "group_by": "service"}).status_code == 200


def test_schema_documents_the_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][URL]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"from", "to", "centre", "service", "provider", "group_by", "lang"} <= parameters
    assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    output = schema["components"]["schemas"]["StatsSatisfaction"]["properties"]
    assert list(output)[:2] == ["from", "to"]
    assert {"summary", "previous", "rows", "group_by"} <= set(output)
    assert set(schema["paths"][URL]) == {"get"}
