"""The portal's own 403 page (issue 12.6): in the request's language, with a way back, for
refused pages and refused forms (CSRF); the API keeps its JSON error shape."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

TITLES = {
    "az": "Bu səhifəni aça bilməzsiniz",
    "en": "You cannot open this page",
    "ru": "Вы не можете открыть эту страницу",
}
CSRF_TITLES = {
    "az": "Formanı göndərmək mümkün olmadı",
    "en": "The form could not be sent",
    "ru": "Не удалось отправить форму",
}


@pytest.fixture
def no_role_user(django_user_model):
    return django_user_model.objects.create_user(username="plain", password="pw-long-enough-1")


@pytest.mark.parametrize("lang", ["az", "en", "ru"])
def test_a_refused_page_is_the_portals_own_page_in_the_requests_language(client, no_role_user, lang):
    # given: a signed-in user with no staff role
    client.force_login(no_role_user)
    # when: they open the staff bookings page
    with translation.override(lang):
        url = reverse("appointments_staff:home")
    response = client.get(url)
    # then: 403, the translated page with one h1, the portal's landmarks and a way back
    assert response.status_code == 403
    html = response.content.decode()
    assert f"<h1>{TITLES[lang]}</h1>" in html
    assert "403 Forbidden" not in html
    assert html.count("<h1") == 1
    assert '<main id="main"' in html and "<header" in html
    assert f'lang="{lang}"' in html
    with translation.override(lang):
        assert f'href="{reverse("home")}"' in html


def test_an_anonymous_visitor_is_offered_the_sign_in_page(client, rf):
    from asan_portal.views import permission_denied

    with translation.override("en"):
        request = rf.get("/en/staff/appointments/")
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        response = permission_denied(request, Exception())
    assert response.status_code == 403
    html = response.content.decode()
    assert "/en/accounts/login/?next=/en/staff/appointments/" in html


@pytest.mark.parametrize("lang", ["az", "en", "ru"])
def test_a_form_without_a_valid_csrf_token_gets_the_translated_page(lang):
    client = Client(enforce_csrf_checks=True)
    with translation.override(lang):
        url = reverse("login")
    response = client.post(url, {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert f"<h1>{CSRF_TITLES[lang]}</h1>" in html
    assert "CSRF" not in html


def test_the_api_keeps_its_json_error_shape(rf):
    from asan_portal.views import csrf_failure, permission_denied

    for response in (permission_denied(rf.get("/api/v1/anything/"), Exception()), csrf_failure(rf.post("/api/v1/x/"))):
        assert response.status_code == 403
        assert response["Content-Type"].startswith("application/json")
        assert set(json.loads(response.content)["error"]) == {"code", "message", "fields"}
