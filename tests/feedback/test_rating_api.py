"""GET/POST /api/v1/feedback/{token}/: the rating link for apps, in the common error shape."""

import datetime as dt

import pytest
from django.utils import timezone

from feedback.models import Rating
from tests.feedback.factories import completed_visit, fresh_invitation, token_from_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit():
    return completed_visit(phone="+994501112233")


@pytest.fixture
def token(visit):
    return token_from_message(visit)


def url(token):
    return f"/api/v1/feedback/{token}/"


def test_reading_the_link_describes_the_visit_and_never_rates(client, visit, token):
    response = client.get(url(token), {"lang": "en"})

    assert response.status_code == 200
    body = response.json()
    assert body["visit"] == {
        "centre": visit.centre.name_en or visit.centre.name_az,
        "service": body["visit"]["service"],
        "date": visit.date.isoformat(),
        "ticket": visit.display_code,
    }
    assert (body["can_rate"], body["rated"]) == (True, False)
    assert [aspect["code"] for aspect in body["aspects"]] == ["waiting", "courtesy", "competence", "premises"]
    assert [score["value"] for score in body["scores"]] == [1, 2, 3, 4, 5]
    assert body["scores"][4]["label"] == "Excellent"
    assert body["comment_max_length"] == 1000
    assert "phone" not in str(body) and visit.phone not in str(body)
    assert not Rating.objects.exists()


def test_posting_rates_and_answers_201(client, visit, token):
    response = client.post(
        url(token),
        {"score": 4, "aspects": {"waiting": 3, "courtesy": None}, "comment": "Quick."},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["score"], body["channel"], body["language"], body["comment"]) == (4, "link", "ru", "Quick.")
    assert body["aspects"] == {"waiting": 3, "courtesy": None, "competence": None, "premises": None}
    assert body["visit"]["ticket"] == visit.display_code
    rating = Rating.objects.get()
    assert (rating.ticket_id, rating.score, rating.waiting_score) == (visit.pk, 4, 3)
    assert client.get(url(token)).json()["can_rate"] is False


def test_a_second_rating_is_409_and_the_first_stays(client, token):
    client.post(url(token), {"score": 5}, content_type="application/json")

    response = client.post(url(token), {"score": 1}, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_rated"
    assert Rating.objects.get().score == 5


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "score"),
        ({"score": 0}, "score"),
        ({"score": "five"}, "score"),
        ({"score": 4, "aspects": {"waiting": 9}}, "waiting"),
        ({"score": 4, "aspects": {"weather": 2}}, "aspects"),
        ({"score": 4, "aspects": [1, 2]}, "aspects"),
        ({"score": 4, "comment": "z" * 1001}, "comment"),
    ],
)
def test_invalid_answers_are_400_with_fields_and_nothing_saved(client, token, payload, field):
    response = client.post(url(token), payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"] and error["message"]
    assert not Rating.objects.exists()


def test_a_json_list_is_400(client, token):
    response = client.post(url(token), [4], content_type="application/json")

    assert response.status_code == 400
    assert not Rating.objects.exists()


def test_unknown_link_is_404(client, visit):
    for response in (client.get(url("nope")), client.post(url("nope"), {"score": 4}, content_type="application/json")):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "link_unknown"


def test_expired_link_is_410(client, visit):
    token = fresh_invitation(visit, now=timezone.now() - dt.timedelta(days=8))

    read = client.get(url(token))
    rate = client.post(url(token), {"score": 4}, content_type="application/json")

    assert read.status_code == 410 and rate.status_code == 410
    assert rate.json()["error"]["code"] == "link_expired"
    assert not Rating.objects.exists()


def test_the_schema_documents_both_operations(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/v1/feedback/{token}/"]

    assert set(operations) == {"get", "post"}
    assert {"200", "404", "410"} <= set(operations["get"]["responses"])
    assert {"201", "400", "404", "409", "410"} <= set(operations["post"]["responses"])
    assert operations["post"]["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
