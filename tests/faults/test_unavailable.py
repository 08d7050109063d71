"""A database that cannot be reached answers 503 + Retry-After, never a 500 (asan_portal/unavailable.py).

The connection is really lost: this test's connection is pointed at a port nobody listens on,
so psycopg's own error reaches the view, as during a PostgreSQL restart.
"""

import base64
import contextlib
import hashlib
import re

import pytest
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection
from django.test import RequestFactory

from asan_portal.security import inline_style_hashes
from asan_portal.unavailable import RETRY_AFTER_SECONDS, database_unavailable
from asan_portal.views import server_error
from tests.faults.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def database_unreachable():
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved


@pytest.mark.parametrize("language", ["en", "az", "ru"])
def test_a_page_answers_a_plain_503_in_the_request_language_while_the_database_is_unreachable(client, language):
    with database_unreachable():
        response = client.get(f"/{language}/services/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    assert "Traceback" not in page
    if language == "en":
        assert "temporarily unavailable" in page


def test_the_api_answers_its_error_shape_with_503_while_the_database_is_unreachable(client):
    with database_unreachable():
        response = client.get("/api/v1/services/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert "try again" in error["message"]


def test_the_same_page_answers_200_once_the_database_is_back(client):
    with database_unreachable():
        assert client.get("/en/services/").status_code == 503
    assert client.get("/en/services/").status_code == 200


def test_a_lost_connection_outside_a_view_gets_the_same_503_from_the_500_handler():
    request = RequestFactory().get("/api/v1/services/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_only_connection_errors_count_as_unavailable():
    assert database_unavailable(OperationalError("could not connect"))
    assert not database_unavailable(IntegrityError("duplicate key"))
    assert not database_unavailable(ValueError("bug"))
    assert not database_unavailable(None)


def test_the_503_page_draws_its_style_under_the_content_security_policy():
    """Its <style> block is 500.html's, whose hash the policy allows (asan_portal/security.py)."""
    page = (settings.BASE_DIR / "templates" / "503.html").read_text(encoding="utf-8")
    block = re.search(r"<style>(.*?)</style>", page, re.DOTALL)[1]
    digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in inline_style_hashes()
