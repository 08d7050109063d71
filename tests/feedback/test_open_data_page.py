"""The public open-data page: anonymous, the same figures as the API, nothing per counter or operator."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from centres.models import Counter
from tests.centres.factories import CentreFactory
from tests.feedback.stats_factories import both_days, staff_day
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

URL = "/en/open-data/satisfaction/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    day = timezone.localdate() - dt.timedelta(days=1)
    centre = CentreFactory(name_en="Alpha centre")
    service = ServiceFactory(name_en="Passport")
    both_days(centre, service, day, visits=40, ratings=20, satisfied=15, score_sum=80)
    operator = get_user_model().objects.create_user("op", first_name="Aysel", last_name="Məmmədova")
    staff_day(centre, Counter.objects.create(centre=centre, number=7, label_az="Secret desk"), operator, day, visits=40)
    return centre


def test_anonymous_visitor_reads_the_figures(client, world):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alpha centre" in html and "Passport" in html
    assert 'data-figure="satisfaction_rate"' in html
    assert "75.0%" in html
    assert "share of ratings of 4 or 5" in html
    assert "/api/v1/stats/satisfaction/?" in html


def test_no_counter_or_operator_is_published(client, world):
    html = client.get(URL).content.decode()
    assert "Aysel" not in html
    assert "Secret desk" not in html
    assert "Operators" not in html and "Counters" not in html


def test_page_and_api_agree(client, world):
    html = client.get(URL).content.decode()
    api = client.get("/api/v1/stats/satisfaction/").json()
    assert api["summary"]["satisfaction_rate"] == 0.75
    assert api["summary"]["visits"] == 40
    start = html.index('data-figure="visits"')
    assert ">40</p>" in html[start : start + 300]


def test_bad_filter_is_a_400_with_a_message(client, world):
    response = client.get(URL, {"centre": "nowhere"})
    assert response.status_code == 400
    assert "There is no centre with this code." in response.content.decode()
