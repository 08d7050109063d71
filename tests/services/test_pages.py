import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.browser.dataset import build_catalogue
from tests.centres.factories import CentreFactory, offer, weekday_hours
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def _json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def test_home_shows_search_categories_and_popular_services(client, catalogue):
    response = client.get("/az/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'action="/az/services/"' in html and 'name="q"' in html
    assert "Pasport və səfər sənədləri" in html
    # Passport is offered by both centres, the notary service by one: passport comes first.
    assert html.index("Ümumvətəndaş pasportunun verilməsi") < html.index("Etibarnamənin təsdiqlənməsi")
    assert html.count("<h1") == 1


def test_service_list_searches_without_diacritics(client, catalogue):
    response = client.get("/az/services/", {"q": "pasport"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ümumvətəndaş pasportunun verilməsi" in html
    assert "Etibarnamənin təsdiqlənməsi" not in html


@pytest.mark.parametrize(
    ("params", "present", "absent"),
    [
        ({"provider": "justice"}, "Etibarnamənin təsdiqlənməsi", "Şəxsiyyət vəsiqəsinin verilməsi"),
        ({"category": "identity-documents"}, "Şəxsiyyət vəsiqəsinin verilməsi", "Etibarnamənin təsdiqlənməsi"),
        ({"centre": "ganja"}, "Ümumvətəndaş pasportunun verilməsi", "Etibarnamənin təsdiqlənməsi"),
    ],
)
def test_service_list_filters(client, catalogue, params, present, absent):
    html = client.get("/az/services/", params).content.decode()
    assert present in html
    assert absent not in html


def test_service_list_ignores_an_unknown_filter_value(client, catalogue):
    response = client.get("/az/services/", {"provider": "no-such-agency"})
    assert response.status_code == 200
    assert "Etibarnamənin təsdiqlənməsi" in response.content.decode()


def test_htmx_request_gets_only_the_results_fragment(client, catalogue):
    response = client.get("/az/services/", {"q": "etibarname"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Etibarnamənin təsdiqlənməsi" in html
    assert "HX-Request" in response["Vary"]
    assert 'hx-swap-oob="true"' in html and 'href="/en/services/?q=etibarname"' in html


def test_service_list_paginates(client, catalogue):
    for _ in range(21):
        ServiceFactory()
    first = client.get("/az/services/").content.decode()
    second = client.get("/az/services/", {"page": 2}).content.decode()
    assert 'aria-current="page">2<' in second
    assert "page=2" in first
    assert first.count('class="service-result"') == 20
    assert second.count('class="service-result"') == 24 - 20


def test_service_list_query_count_does_not_grow_with_services(client, catalogue, django_assert_max_num_queries):
    for _ in range(15):
        ServiceFactory()
    with django_assert_max_num_queries(8):
        response = client.get("/az/services/", {"q": "xidmet"})
    assert response.status_code == 200


def test_service_page_shows_documents_fees_and_centres(client, catalogue):
    response = client.get("/az/services/passport-issue/")
    html = response.content.decode()
    assert response.status_code == 200
    documents = re.search(r'<ol class="documents-list">(.*?)</ol>', html, re.S).group(1)
    assert documents.index("Şəxsiyyət vəsiqəsi") < documents.index("Əvvəlki pasport (varsa)")
    assert "160 AZN" in html and "Təcili" in html
    assert "Bakı 1 nömrəli ASAN xidmət mərkəzi" in html and "Gəncə ASAN xidmət mərkəzi" in html
    assert "open-badge" in html
    assert "Daxili İşlər Nazirliyi" in html


def test_service_page_in_english_and_russian(client, catalogue):
    english = client.get("/en/services/passport-issue/").content.decode()
    russian = client.get("/ru/services/passport-issue/").content.decode()
    assert "Issue of a passport" in english and "Receipt for the state fee" in english
    assert "Выдача общегражданского паспорта" in russian and "Квитанция об оплате госпошлины" in russian
    assert 'lang="ru"' in russian


def test_service_json_ld_is_a_government_service(client, catalogue):
    data = _json_ld(client.get("/en/services/passport-issue/").content.decode())
    assert data["@type"] == "GovernmentService"
    assert data["name"] == "Issue of a passport"
    assert data["provider"] == {"@type": "GovernmentOrganization", "name": "Ministry of Internal Affairs"}
    assert data["areaServed"]["name"] == "Azerbaijan"
    assert {c["name"] for c in data["availableChannel"]} == {
        "Baku ASAN service centre No. 1",
        "Ganja ASAN service centre",
    }
    assert all(c["@type"] == "ServiceChannel" for c in data["availableChannel"])
    assert [(o["price"], o["priceCurrency"]) for o in data["offers"]] == [
        ("40.00", "AZN"),
        ("80.00", "AZN"),
        ("160.00", "AZN"),
    ]


def test_json_ld_cannot_break_out_of_its_script(client, catalogue):
    evil = "</script><script>alert(1)</script>"
    catalogue.notary.name_az = evil
    catalogue.notary.save()
    html = client.get("/az/services/power-of-attorney/").content.decode()
    assert "<script>alert(1)" not in html
    assert _json_ld(html)["name"] == evil


def test_unknown_or_unpublished_service_is_404(client, catalogue):
    assert client.get("/az/services/no-such-service/").status_code == 404
    hidden = ServiceFactory(is_published=False)
    response = client.get(f"/az/services/{hidden.code}/")
    assert response.status_code == 404
    assert "Səhifə tapılmadı" in response.content.decode() or "Page not found" in response.content.decode()


def test_language_switcher_keeps_the_current_page(client, catalogue):
    html = client.get("/az/services/passport-issue/").content.decode()
    assert 'href="/en/services/passport-issue/"' in html
    assert 'href="/ru/services/passport-issue/"' in html


def test_service_page_url_reverses_with_code(catalogue):
    with translation.override("en"):
        assert reverse("services:detail", kwargs={"code": "passport-issue"}) == "/en/services/passport-issue/"


@pytest.mark.parametrize(
    ("prefix", "heading", "search_label"),
    [
        ("az", "Dövlət xidmətləri bir məkanda", "Sizə nə lazımdır?"),
        ("en", "Public services in one place", "What do you need?"),
        ("ru", "Государственные услуги в одном месте", "Что вам нужно?"),
    ],
)
def test_interface_is_translated(client, catalogue, prefix, heading, search_label):
    html = client.get(f"/{prefix}/").content.decode()
    assert f'lang="{prefix}"' in html
    assert heading in html and search_label in html


def test_service_page_query_count_does_not_grow_with_centres(client, catalogue, django_assert_max_num_queries):
    for _ in range(8):
        centre = CentreFactory()
        weekday_hours(centre)
        offer(centre, catalogue.passport)
    with django_assert_max_num_queries(10):
        response = client.get("/az/services/passport-issue/")
    assert response.status_code == 200
    assert response.content.decode().count('class="centre-card"') == 10


def test_service_page_links_to_online_booking_when_bookable(client, catalogue):
    html = client.get("/az/services/passport-issue/").content.decode()
    assert 'href="/az/appointments/book/passport-issue/"' in html
    assert 'href="/az/appointments/book/passport-issue/baku-1/"' in html
    catalogue.notary.bookable_online = False
    catalogue.notary.save()
    html = client.get("/az/services/power-of-attorney/").content.decode()
    assert "/appointments/book/" not in html
