"""Hostile request bodies on every API answer 400 in the one error shape, never 500 (issue 12.13).

The JSON parser every API uses (asan_portal/parsers.py, REST_FRAMEWORK's DEFAULT_PARSER_CLASSES)
refuses bodies it cannot decode and bodies nested deeper than any of our inputs ever is.
"""

import ipaddress
import random

import pytest
from rest_framework.test import APIClient

from appointments.models import Appointment
from appointments.queue import counter_session_open
from asan_portal.parsers import MAX_JSON_DEPTH
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.appointments.test_queue_api import queue_world
from tests.feedback.factories import completed_visit, token_from_message

pytestmark = pytest.mark.django_db

ENDPOINTS = ["book", "verify", "reschedule", "ticket-issue", "rating"]


def new_client() -> APIClient:
    # A fresh address per client: rate-limit counters live in a Redis shared with other runs.
    return APIClient(REMOTE_ADDR=str(ipaddress.IPv4Address((10 << 24) | random.getrandbits(24))))


@pytest.fixture
def endpoint(request, django_user_model):
    """(client, url, headers) of an API that reads its body, with everything it checks before
    reading it in place (a held booking and its token, a signed-in operator, a rating link)."""
    client, headers = new_client(), {}
    name = request.param
    if name == "book":
        url = "/api/v1/appointments/"
    elif name in ("verify", "reschedule"):
        service, centre = bookable_setup()
        body = {"service": service.code, "centre": centre.code, "start": tomorrow_at(centre, 10).isoformat()}
        booked = client.post("/api/v1/appointments/", body | citizen(), format="json")
        assert booked.status_code == 201, booked.content
        reference = booked.json()["reference"]
        assert Appointment.objects.filter(reference=reference).exists()
        url = f"/api/v1/appointments/{reference}/{name}/"
        headers = {"HTTP_X_MANAGE_TOKEN": booked.json()["manage_token"]}
    elif name == "ticket-issue":
        world = queue_world(django_user_model)
        counter_session_open(counter=world["counter"], operator=world["operator"])
        client.force_login(world["operator"])
        url = f"/api/v1/centres/{world['a'].code}/tickets/"
    else:
        url = f"/api/v1/feedback/{token_from_message(completed_visit(phone='+994501112233'))}/"
    return client, url, headers


def post(endpoint, body, **extra):
    client, url, headers = endpoint
    return client.post(url, body, content_type="application/json", **headers, **extra)


def assert_parse_error(response):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "parse_error"
    assert body["error"]["message"]
    assert body["error"]["fields"] == {}
    return body["error"]["message"]


@pytest.mark.parametrize("endpoint", ENDPOINTS, indirect=True)
def test_json_nested_5000_deep_is_a_400_in_the_error_shape(endpoint):
    response = post(endpoint, '{"a":' * 5000 + "1" + "}" * 5000)

    message = assert_parse_error(response)
    assert str(MAX_JSON_DEPTH) in message  # "nested more than 32 levels", in the request language


@pytest.mark.parametrize("endpoint", ["book", "ticket-issue"], indirect=True)
def test_json_nested_below_the_decoders_limit_is_refused_too(endpoint):
    # The decoder copes with 200 levels; the limit keeps such data away from everything that
    # walks it recursively afterwards (the idempotency fingerprint, serializers, the renderer).
    response = post(endpoint, "[" * 200 + "]" * 200, HTTP_IDEMPOTENCY_KEY="k" * 32)

    assert_parse_error(response)


@pytest.mark.parametrize("endpoint", ["book"], indirect=True)
def test_json_as_deep_as_allowed_is_parsed(endpoint):
    body = '{"x":' * (MAX_JSON_DEPTH - 1) + "[1]" + "}" * (MAX_JSON_DEPTH - 1)

    response = post(endpoint, body)

    # Decoded, then refused by the serializer for its missing fields: not a parse error.
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("endpoint", ENDPOINTS, indirect=True)
@pytest.mark.parametrize("body", ['{"a":', "{'service': 1}", "NaN", '{"a": Infinity}', "\ud800"])
def test_json_that_does_not_parse_is_a_400_in_the_error_shape(endpoint, body):
    response = post(endpoint, body.encode("utf-8", "surrogatepass"))

    assert_parse_error(response)
