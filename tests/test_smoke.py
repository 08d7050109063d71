import pytest

pytestmark = pytest.mark.django_db


def test_home_page_answers_in_azerbaijani_by_default(client):
    response = client.get("/az/")
    assert response.status_code == 200
    assert 'lang="az"' in response.content.decode()


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
