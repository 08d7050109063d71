from decimal import Decimal

import pytest

from services.models import FeeOption
from tests.centres.factories import CentreFactory, offer
from tests.services.factories import CategoryFactory, ProviderFactory, RequiredDocumentFactory, ServiceFactory

pytestmark = pytest.mark.django_db

SERVICES_URL = "/api/v1/services/"


@pytest.fixture
def internal_affairs():
    return ProviderFactory(
        code="internal-affairs",
        name_az="Daxili İşlər Nazirliyi",
        name_en="Ministry of Internal Affairs",
        name_ru="Министерство внутренних дел",
    )


@pytest.fixture
def travel():
    return CategoryFactory(
        code="travel-documents",
        name_az="Pasport və səfər sənədləri",
        name_en="Passports and travel documents",
        name_ru="Паспорта и проездные документы",
    )


@pytest.fixture
def passport(internal_affairs, travel):
    service = ServiceFactory(
        code="passport-issue",
        provider=internal_affairs,
        category=travel,
        name_az="Ümumvətəndaş pasportunun verilməsi",
        name_en="Issue of a passport",
        name_ru="Выдача общегражданского паспорта",
        summary_az="Xaricə səfər üçün biometrik pasport.",
        summary_en="A biometric passport for travel abroad.",
        summary_ru="",
        fee_azn=Decimal("40.00"),
        processing_days=10,
    )
    FeeOption.objects.create(
        service=service, position=0, fee_azn=Decimal("40"), processing_days=10, label_en="Standard"
    )
    FeeOption.objects.create(service=service, position=1, fee_azn=Decimal("160"), processing_days=1, label_en="Urgent")
    RequiredDocumentFactory(service=service, position=0)
    RequiredDocumentFactory(service=service, position=1, name_az="Köhnə pasport", name_en="Old passport", name_ru="")
    return service


def test_list_is_paginated_and_in_azerbaijani_alphabetical_order(client):
    # Code-point order would put Ə, İ and Ç after every plain Latin letter, and Q before L.
    for name in ["Fərdi sahibkar", "Əmlak", "Lisenziya", "İcazə", "Qeydiyyat", "Çıxarış", "Arayış"]:
        ServiceFactory(name_az=name)

    response = client.get(SERVICES_URL, {"page_size": 4})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7
    assert [item["name"] for item in body["results"]] == ["Arayış", "Çıxarış", "Əmlak", "Fərdi sahibkar"]
    assert body["next"] is not None
    second = client.get(SERVICES_URL, {"page_size": 4, "page": 2}).json()
    assert [item["name"] for item in second["results"]] == ["İcazə", "Qeydiyyat", "Lisenziya"]


def test_list_item_carries_localised_and_all_translations(client, passport):
    item = client.get(SERVICES_URL, {"lang": "en"}).json()["results"][0]

    assert item["code"] == "passport-issue"
    assert item["name"] == "Issue of a passport"
    assert item["name_i18n"] == {
        "az": "Ümumvətəndaş pasportunun verilməsi",
        "en": "Issue of a passport",
        "ru": "Выдача общегражданского паспорта",
    }
    assert item["provider"]["code"] == "internal-affairs"
    assert item["provider"]["name"] == "Ministry of Internal Affairs"
    assert item["category"]["name"] == "Passports and travel documents"
    assert item["fee_azn"] == "40.00"


@pytest.mark.parametrize(
    ("params", "headers", "expected_name", "expected_summary"),
    [
        ({}, {}, "Ümumvətəndaş pasportunun verilməsi", "Xaricə səfər üçün biometrik pasport."),
        ({"lang": "ru"}, {}, "Выдача общегражданского паспорта", "Xaricə səfər üçün biometrik pasport."),
        (
            {},
            {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"},
            "Issue of a passport",
            "A biometric passport for travel abroad.",
        ),
        ({"lang": "az"}, {"HTTP_ACCEPT_LANGUAGE": "ru"}, "Ümumvətəndaş pasportunun verilməsi", None),
    ],
)
def test_language_follows_lang_then_accept_language_then_azerbaijani(
    client, passport, params, headers, expected_name, expected_summary
):
    response = client.get(f"{SERVICES_URL}passport-issue/", params, **headers)

    assert response.status_code == 200
    assert response.json()["name"] == expected_name
    if expected_summary is not None:
        # The Russian summary is empty, so it falls back to Azerbaijani.
        assert response.json()["summary"] == expected_summary
    assert response["Content-Language"] == (params.get("lang") or ("en" if headers else "az"))


def test_unknown_language_is_a_400_in_the_error_shape(client, passport):
    response = client.get(SERVICES_URL, {"lang": "fr"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"lang"}
    assert "az, en, ru" in error["fields"]["lang"][0]


def test_filters_by_provider_category_and_centre(client, passport, internal_affairs):
    id_card = ServiceFactory(code="id-card-issue", provider=internal_affairs, name_az="Şəxsiyyət vəsiqəsi")
    other = ServiceFactory(code="notary", name_az="Etibarnamə")
    centre = CentreFactory(code="baku-1")
    offer(centre, other)
    offer(centre, id_card)

    def listed(**params):
        return [item["code"] for item in client.get(SERVICES_URL, params).json()["results"]]

    assert listed(provider="internal-affairs") == ["id-card-issue", "passport-issue"]  # Ş before Ü
    assert listed(category="travel-documents") == ["passport-issue"]
    assert listed(centre="baku-1") == ["notary", "id-card-issue"]
    assert listed(centre="baku-1", provider="internal-affairs") == ["id-card-issue"]
    assert len(listed(provider="", category="")) == 3  # an empty form select means "any"


def test_search_ranks_best_match_first(client, passport, internal_affairs):
    ServiceFactory(
        code="lost-document",
        provider=internal_affairs,
        name_az="İtirilmiş sənəd",
        summary_en="When a passport is lost.",
    )
    ServiceFactory(code="unrelated", name_az="Nikahın qeydiyyatı")

    response = client.get(SERVICES_URL, {"search": "pasprot"})

    assert response.status_code == 200
    assert [item["code"] for item in response.json()["results"]] == ["passport-issue", "lost-document"]
    assert response.json()["count"] == 2


def test_unpublished_services_are_not_listed_nor_shown(client, passport):
    ServiceFactory(code="draft", name_az="Qaralama pasport", is_published=False)

    listed = [item["code"] for item in client.get(SERVICES_URL).json()["results"]]
    assert listed == ["passport-issue"]
    assert client.get(f"{SERVICES_URL}draft/").status_code == 404


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"provider": "no-such-agency"}, "provider", "no-such-agency"),
        ({"category": "nope"}, "category", "nope"),
        ({"centre": "nowhere"}, "centre", "nowhere"),
        ({"provider": "bad code!"}, "provider", "Latin letters"),
        ({"search": "x" * 201}, "search", "200"),
    ],
)
def test_invalid_filters_are_400_with_a_readable_message(client, passport, params, field, fragment):
    response = client.get(SERVICES_URL, {**params, "lang": "en"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert fragment in error["fields"][field][0]
    assert error["message"]


def test_unknown_service_code_is_a_404_in_the_error_shape(client):
    response = client.get(f"{SERVICES_URL}no-such-service/")

    assert response.status_code == 404
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "not_found"
    assert error["fields"] == {}
    assert "no-such-service" in error["message"]


def test_page_out_of_range_is_a_404_in_the_error_shape(client, passport):
    response = client.get(SERVICES_URL, {"page": 9})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_detail_has_documents_fees_provider_category_and_centres(client, passport):
    baku = CentreFactory(code="baku-1", name_en="Baku No. 1")
    ganja = CentreFactory(code="ganja", name_en="Ganja", is_active=False)
    offer(baku, passport)
    offer(ganja, passport)

    body = client.get(f"{SERVICES_URL}passport-issue/", {"lang": "en"}).json()

    assert [d["name"] for d in body["documents"]] == ["Identity card", "Old passport"]
    assert body["documents"][1]["name_i18n"]["ru"] == ""
    assert [(f["fee_azn"], f["processing_days"], f["label"]) for f in body["fee_options"]] == [
        ("40.00", 10, "Standard"),
        ("160.00", 1, "Urgent"),
    ]
    assert body["provider"]["code"] == "internal-affairs"
    assert body["category"]["code"] == "travel-documents"
    assert [c["code"] for c in body["centres"]] == ["baku-1"]  # the inactive centre is left out
    assert body["centres"][0]["name"] == "Baku No. 1"
    assert body["centres"][0]["city"]["code"] == "baku"


def test_list_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(3):
        ServiceFactory()
    with django_assert_max_num_queries(3):
        small = client.get(SERVICES_URL)
    for _ in range(20):
        ServiceFactory()
    with django_assert_max_num_queries(3):
        big = client.get(SERVICES_URL, {"page_size": 50})
    assert len(small.json()["results"]) == 3
    assert len(big.json()["results"]) == 23


def test_search_and_filters_run_a_fixed_number_of_queries(client, internal_affairs, django_assert_max_num_queries):
    for number in range(15):
        ServiceFactory(provider=internal_affairs, name_az=f"Pasport xidməti {number}")
    with django_assert_max_num_queries(3):
        response = client.get(SERVICES_URL, {"search": "pasport", "provider": "internal-affairs"})
    assert response.json()["count"] == 15


def test_providers_list_and_detail(client, passport, internal_affairs):
    ServiceFactory(provider=internal_affairs, code="hidden", is_published=False)
    ProviderFactory(code="closed", is_active=False)

    listed = client.get("/api/v1/providers/", {"lang": "ru"}).json()
    assert [p["code"] for p in listed["results"]] == ["internal-affairs"]
    assert listed["results"][0]["name"] == "Министерство внутренних дел"
    assert listed["results"][0]["service_count"] == 1

    detail = client.get("/api/v1/providers/internal-affairs/").json()
    assert detail["name_i18n"]["en"] == "Ministry of Internal Affairs"
    assert [s["code"] for s in detail["services"]] == ["passport-issue"]

    missing = client.get("/api/v1/providers/closed/")
    assert missing.status_code == 404
    assert "closed" in missing.json()["error"]["message"]


def test_categories_list_in_position_order_with_counts(client, passport):
    CategoryFactory(code="aaa-last", name_az="Axırıncı", position=99)
    CategoryFactory(code="first", name_az="Birinci", position=0)
    passport.category.position = 5
    passport.category.save()

    body = client.get("/api/v1/categories/").json()

    assert [(c["code"], c["service_count"]) for c in body["results"]] == [
        ("first", 0),
        ("travel-documents", 1),
        ("aaa-last", 0),
    ]


def test_api_is_read_only(client, passport):
    response = client.post(SERVICES_URL, {"code": "x"})

    assert response.status_code in (403, 405)
    assert "error" in response.json()


def test_unknown_api_address_is_a_404_in_the_error_shape(client):
    response = client.get("/api/v1/no-such-resource/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"]
    assert error["fields"] == {}


def test_error_messages_follow_the_request_language(client):
    english = client.get(SERVICES_URL, {"provider": "bad code!", "lang": "en"}).json()["error"]["fields"]["provider"][0]
    azerbaijani = client.get(SERVICES_URL, {"provider": "bad code!"}).json()["error"]["fields"]["provider"][0]
    russian = client.get(SERVICES_URL, {"provider": "bad code!"}, HTTP_ACCEPT_LANGUAGE="ru").json()["error"]
    assert english == "A code has only Latin letters, digits and hyphens."
    assert azerbaijani != english
    assert russian["fields"]["provider"][0] not in (english, azerbaijani)


def test_detail_runs_a_fixed_number_of_queries(client, passport, django_assert_max_num_queries):
    ServiceFactory(code="small")
    for number in range(5):
        offer(CentreFactory(), passport)
        RequiredDocumentFactory(service=passport, position=10 + number)

    with django_assert_max_num_queries(5) as few:
        client.get(f"{SERVICES_URL}small/")
    with django_assert_max_num_queries(5) as many:
        response = client.get(f"{SERVICES_URL}passport-issue/")
    assert len(response.json()["centres"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)
