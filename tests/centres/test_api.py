import datetime as dt
import zoneinfo

import pytest

from centres.models import CentreKind, Closure, Counter, MobileStop, PublicHoliday
from tests.centres.factories import CentreFactory, CityFactory, offer, weekday_hours
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CENTRES_URL = "/api/v1/centres/"
BAKU = zoneinfo.ZoneInfo("Asia/Baku")


@pytest.fixture
def ganja():
    return CityFactory(code="ganja", name_az="Gəncə", name_en="Ganja", name_ru="Гянджа")


@pytest.fixture
def passport():
    return ServiceFactory(code="passport-issue", name_az="Pasportun verilməsi", name_en="Issue of a passport")


def listed(client, **params):
    response = client.get(CENTRES_URL, params)
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["results"]]


def test_list_filters_by_city_service_and_kind(client, ganja, passport):
    baku_1 = CentreFactory(code="baku-1", name_az="Bakı 1")
    CentreFactory(code="baku-2", name_az="Bakı 2")
    ganja_centre = CentreFactory(code="ganja-1", city=ganja, name_az="Gəncə")
    CentreFactory(code="mobile-1", kind=CentreKind.MOBILE, name_az="Mobil ASAN")
    CentreFactory(code="closed-for-good", is_active=False)
    offer(baku_1, passport)
    offer(ganja_centre, passport)

    assert listed(client) == ["baku-1", "baku-2", "mobile-1", "ganja-1"]  # by city, then name
    assert listed(client, city="ganja") == ["ganja-1"]
    assert listed(client, service="passport-issue") == ["baku-1", "ganja-1"]
    assert listed(client, service="passport-issue", city="baku") == ["baku-1"]
    assert listed(client, kind="mobile") == ["mobile-1"]


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"city": "atlantis"}, "city", "atlantis"),
        ({"service": "no-such-service"}, "service", "no-such-service"),
        ({"kind": "spaceship"}, "kind", "centre, utilities, mobile"),
        ({"city": "Bakı!"}, "city", "Latin letters"),
    ],
)
def test_invalid_filters_are_400_with_a_readable_message(client, params, field, fragment):
    CentreFactory()

    response = client.get(CENTRES_URL, {**params, "lang": "en"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert fragment in error["fields"][field][0]


def test_unpublished_service_filter_is_rejected(client):
    hidden = ServiceFactory(code="draft", is_published=False)
    offer(CentreFactory(), hidden)

    assert client.get(CENTRES_URL, {"service": "draft"}).status_code == 400


def test_list_item_shape_and_language(client):
    CentreFactory(code="baku-1", name_az="Bakı 1 nömrəli ASAN xidmət mərkəzi", name_en="Baku No. 1", name_ru="")

    item = client.get(CENTRES_URL, {"lang": "ru"}).json()["results"][0]

    assert item["name"] == "Bakı 1 nömrəli ASAN xidmət mərkəzi"  # no Russian name: Azerbaijani
    assert item["name_i18n"] == {"az": "Bakı 1 nömrəli ASAN xidmət mərkəzi", "en": "Baku No. 1", "ru": ""}
    assert item["city"] == {"code": "baku", "name": "Баку", "name_i18n": {"az": "Bakı", "en": "Baku", "ru": "Баку"}}
    assert item["latitude"] == "40.409264"
    assert set(item["open_now"]) == {"is_open", "closes_at", "next_opens_at"}


def test_open_now_follows_hours_and_holidays(client, monkeypatch):
    centre = CentreFactory(code="baku-1")
    weekday_hours(centre, opens=dt.time(9), closes=dt.time(19), weekdays=range(7))
    tuesday_noon = dt.datetime(2026, 3, 3, 12, 0, tzinfo=BAKU)
    monkeypatch.setattr("django.utils.timezone.now", lambda: tuesday_noon)

    status = client.get(CENTRES_URL).json()["results"][0]["open_now"]
    assert status["is_open"] is True
    assert dt.datetime.fromisoformat(status["closes_at"]) == dt.datetime(2026, 3, 3, 19, 0, tzinfo=BAKU)
    assert status["next_opens_at"] is None

    PublicHoliday.objects.create(date=dt.date(2026, 3, 3), name_az="Bayram")
    status = client.get(CENTRES_URL).json()["results"][0]["open_now"]
    assert status["is_open"] is False
    assert dt.datetime.fromisoformat(status["next_opens_at"]) == dt.datetime(2026, 3, 4, 9, 0, tzinfo=BAKU)


def test_detail_has_hours_closures_holidays_stops_counters_services(client, passport, monkeypatch):
    centre = CentreFactory(code="baku-1", name_en="Baku No. 1")
    weekday_hours(centre, opens=dt.time(9), closes=dt.time(13), weekdays=[0])
    weekday_hours(centre, opens=dt.time(14), closes=dt.time(18), weekdays=[0])
    other = ServiceFactory(code="notary", name_az="Etibarnamə")
    hidden = ServiceFactory(code="draft", is_published=False)
    offer(centre, passport, counters=2)
    offer(centre, other)
    offer(centre, hidden)
    Counter.objects.filter(centre=centre, number=2).update(
        label_az="VIP masa", label_en="VIP desk", label_ru="VIP окно"
    )
    Closure.objects.create(centre=centre, starts_on=dt.date(2026, 2, 1), ends_on=dt.date(2026, 2, 2), reason_az="Köhnə")
    Closure.objects.create(
        centre=centre, starts_on=dt.date(2026, 3, 10), ends_on=dt.date(2026, 3, 11), reason_en="Repairs"
    )
    PublicHoliday.objects.create(date=dt.date(2026, 3, 8), name_az="Qadınlar günü", name_en="Women's Day")
    PublicHoliday.objects.create(date=dt.date(2026, 1, 1), name_az="Yeni il")
    monday_morning = dt.datetime(2026, 3, 2, 8, 0, tzinfo=BAKU)
    monkeypatch.setattr("django.utils.timezone.now", lambda: monday_morning)

    response = client.get(f"{CENTRES_URL}baku-1/", {"lang": "en"})

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Baku No. 1"
    monday = body["weekly_hours"][0]
    assert monday["weekday"] == 0
    assert monday["weekday_name"] == "Monday"
    assert monday["periods"] == [
        {"opens_at": "09:00", "closes_at": "13:00"},
        {"opens_at": "14:00", "closes_at": "18:00"},
    ]
    assert body["weekly_hours"][6]["periods"] == []
    assert [(c["starts_on"], c["reason"]) for c in body["upcoming_closures"]] == [("2026-03-10", "Repairs")]
    assert [(h["date"], h["name"]) for h in body["upcoming_public_holidays"]] == [("2026-03-08", "Women's Day")]
    assert body["mobile_stops"] == []
    assert body["counters"] == [
        {
            "number": 1,
            "label": "",
            "label_i18n": {"az": "", "en": "", "ru": ""},
            "services": ["notary", "passport-issue"],
        },
        {
            "number": 2,
            "label": "VIP desk",
            "label_i18n": {"az": "VIP masa", "en": "VIP desk", "ru": "VIP окно"},
            "services": ["passport-issue"],
        },
    ]
    assert sorted(s["code"] for s in body["services"]) == ["notary", "passport-issue"]
    assert body["open_now"]["is_open"] is False
    assert dt.datetime.fromisoformat(body["open_now"]["next_opens_at"]) == dt.datetime(2026, 3, 2, 9, 0, tzinfo=BAKU)


def test_mobile_unit_detail_lists_upcoming_stops_and_is_open_only_at_a_stop(client, monkeypatch):
    unit = CentreFactory(code="mobile-1", kind=CentreKind.MOBILE)
    MobileStop.objects.create(
        centre=unit, date=dt.date(2026, 3, 1), starts_at=dt.time(10), ends_at=dt.time(16), place_az="Keçmiş"
    )
    MobileStop.objects.create(
        centre=unit,
        date=dt.date(2026, 3, 2),
        starts_at=dt.time(10),
        ends_at=dt.time(16),
        place_az="Şəki",
        place_en="Shaki",
    )
    monkeypatch.setattr("django.utils.timezone.now", lambda: dt.datetime(2026, 3, 2, 11, 0, tzinfo=BAKU))

    body = client.get(f"{CENTRES_URL}mobile-1/", {"lang": "en"}).json()

    assert [(s["date"], s["place"], s["starts_at"]) for s in body["mobile_stops"]] == [("2026-03-02", "Shaki", "10:00")]
    assert body["open_now"]["is_open"] is True


def test_unknown_or_inactive_centre_is_a_404_in_the_error_shape(client):
    CentreFactory(code="old", is_active=False)

    for code in ["nowhere", "old"]:
        response = client.get(f"{CENTRES_URL}{code}/")
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "not_found"
        assert code in error["message"]
        assert error["fields"] == {}


def test_list_runs_a_fixed_number_of_queries(client, passport, django_assert_max_num_queries):
    def make_centres(count):
        for _ in range(count):
            centre = CentreFactory()
            weekday_hours(centre)
            Closure.objects.create(centre=centre, starts_on=dt.date(2030, 1, 1), ends_on=dt.date(2030, 1, 2))
            offer(centre, passport)

    make_centres(2)
    with django_assert_max_num_queries(8) as few:
        client.get(CENTRES_URL, {"service": "passport-issue"})
    make_centres(15)
    with django_assert_max_num_queries(8) as many:
        response = client.get(CENTRES_URL, {"service": "passport-issue", "page_size": 50})
    assert len(response.json()["results"]) == 17
    assert len(many.captured_queries) == len(few.captured_queries)


def test_detail_runs_a_fixed_number_of_queries(client, passport, django_assert_max_num_queries):
    def centre_with(services):
        centre = CentreFactory()
        weekday_hours(centre)
        for service in services:
            offer(centre, service, counters=3)
        return centre

    small = centre_with([passport])
    big = centre_with([passport] + [ServiceFactory() for _ in range(10)])
    with django_assert_max_num_queries(12) as few:
        client.get(f"{CENTRES_URL}{small.code}/")
    with django_assert_max_num_queries(12) as many:
        client.get(f"{CENTRES_URL}{big.code}/")
    assert len(many.captured_queries) == len(few.captured_queries)
