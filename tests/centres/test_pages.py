import datetime as dt

import pytest
from django.utils import timezone

from centres.models import Closure, MobileStop, PublicHoliday
from tests.browser.dataset import build_catalogue
from tests.centres.factories import CentreFactory, offer, weekday_hours
from tests.services.factories import CategoryFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def test_centre_list_shows_centres_with_badges_and_map_links(client, catalogue):
    response = client.get("/az/centres/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bakı 1 nömrəli ASAN xidmət mərkəzi" in html and "Gəncə ASAN xidmət mərkəzi" in html
    assert html.count("open-badge ") == 2
    assert "https://www.openstreetmap.org/?mlat=40.409264&amp;mlon=49.867092" in html
    assert 'data-lat="40.409264"' in html
    assert 'id="nearest-button"' in html


def test_centre_list_filters_by_city_and_service(client, catalogue):
    by_city = client.get("/az/centres/", {"city": "ganja"}).content.decode()
    assert "Gəncə ASAN xidmət mərkəzi" in by_city and "Bakı 1 nömrəli" not in by_city
    by_service = client.get("/az/centres/", {"service": "power-of-attorney"}).content.decode()
    assert "Bakı 1 nömrəli" in by_service and "Gəncə ASAN xidmət mərkəzi" not in by_service


def test_centre_list_query_count_does_not_grow_with_centres(client, catalogue, django_assert_max_num_queries):
    for _ in range(10):
        weekday_hours(CentreFactory())
    with django_assert_max_num_queries(9):
        response = client.get("/az/centres/")
    assert response.status_code == 200


def test_centre_page_shows_hours_contacts_and_services_by_category(client, catalogue):
    response = client.get("/az/centres/baku-1/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bakı, Heydər Əliyev prospekti 115" in html
    assert 'href="tel:+994124989108"' in html
    assert html.count("09:00–19:00") == 6  # Monday to Saturday
    assert "Bazar</th>" in html  # Sunday row, closed
    assert (
        html.index("Şəxsiyyət sənədləri")
        < html.index("Pasport və səfər sənədləri")
        < html.index("Notariat hərəkətləri")
    )
    assert 'href="/az/services/passport-issue/"' in html


def test_centre_page_lists_upcoming_holidays_and_closures(client, catalogue):
    today = timezone.localdate()
    PublicHoliday.objects.create(date=today + dt.timedelta(days=10), name_az="Zəfər Günü", name_en="Victory Day")
    PublicHoliday.objects.create(date=today - dt.timedelta(days=3), name_az="Keçmiş bayram")
    Closure.objects.create(
        centre=catalogue.baku,
        starts_on=today + dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=4),
        reason_en="Repairs",
    )
    html = client.get("/en/centres/baku-1/").content.decode()
    assert "Victory Day" in html
    assert (today + dt.timedelta(days=10)).strftime("%d.%m.%Y") in html
    assert "Keçmiş bayram" not in html
    assert "Repairs" in html and (today + dt.timedelta(days=2)).strftime("%d.%m.%Y") in html


def test_mobile_unit_page_lists_its_upcoming_stops(client, catalogue):
    mobile = CentreFactory(code="mobile-1", kind="mobile")
    today = timezone.localdate()
    MobileStop.objects.create(
        centre=mobile,
        date=today + dt.timedelta(days=3),
        starts_at=dt.time(10),
        ends_at=dt.time(16),
        place_az="Şəki, Mərkəzi meydan",
    )
    MobileStop.objects.create(
        centre=mobile, date=today - dt.timedelta(days=1), starts_at=dt.time(10), ends_at=dt.time(16), place_az="Keçən"
    )
    html = client.get("/az/centres/mobile-1/").content.decode()
    assert "Şəki, Mərkəzi meydan" in html and "10:00–16:00" in html
    assert "Keçən" not in html


def test_open_badge_says_open_in_words_during_hours(client, catalogue, monkeypatch):
    # A Monday at 10:00 Baku time: the Baku centre is open until 19:00.
    monday = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=4)))
    monkeypatch.setattr(timezone, "now", lambda: monday)
    html = client.get("/en/centres/baku-1/").content.decode()
    assert "Open now" in html and "until 19:00" in html


def test_unknown_centre_is_404_in_the_layout(client, catalogue):
    response = client.get("/en/centres/atlantis/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'class="portal-header"' in html


def test_centre_with_many_topics_gets_an_index_of_them(client, catalogue):
    html = client.get("/az/centres/baku-1/").content.decode()
    assert 'class="topic-index"' not in html  # three topics: no index needed
    offer(catalogue.baku, ServiceFactory(category=CategoryFactory(code="archive", name_az="Arxiv arayışları")))
    html = client.get("/az/centres/baku-1/").content.decode()
    assert 'href="#topic-archive"' in html and 'id="topic-archive"' in html
