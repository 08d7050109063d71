"""Sign-in lock-out (asan_portal/lockout.py): the portal's login and the admin's share one rule,
counted in Redis per account and per address. Usernames and addresses are fresh in every test,
because other suites use the same Redis at the same time."""

import random
import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from asan_portal.lockout import login_lockout_get

pytestmark = pytest.mark.django_db

PASSWORD = "asan-demo-2026"
PORTAL_LOGIN = "/en/accounts/login/"
ADMIN_LOGIN = "/en/admin/login/"
LOCKED = "Too many failed sign-in attempts"


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.LOGIN_LOCKOUT = {"ACCOUNT_FAILURES": 3, "IP_FAILURES": 5, "WINDOW_SECONDS": 900, "COOL_OFF_SECONDS": 900}


def fresh_ip() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def staff_user(**extra):
    return get_user_model().objects.create_user(
        f"staff-{uuid.uuid4().hex[:10]}", password=PASSWORD, is_staff=True, **extra
    )


def sign_in(url, username, password, ip):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(url, {"username": username, "password": password, "next": "/en/"})
    return response, client


@pytest.mark.parametrize("url", [PORTAL_LOGIN, ADMIN_LOGIN])
def test_wrong_passwords_lock_the_account_even_for_the_right_one(url):
    user = staff_user()
    for _attempt in range(3):
        response, _client = sign_in(url, user.username, "wrong", fresh_ip())
        assert LOCKED not in response.content.decode()

    refused, client = sign_in(url, user.username, PASSWORD, fresh_ip())

    assert LOCKED in refused.content.decode()
    assert "15 min" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    if url == PORTAL_LOGIN:
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 900


def test_the_lock_set_on_one_login_page_holds_on_the_other():
    user = staff_user()
    for _attempt in range(3):
        sign_in(PORTAL_LOGIN, user.username, "wrong", fresh_ip())

    refused, client = sign_in(ADMIN_LOGIN, user.username, PASSWORD, fresh_ip())

    assert LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_address_guessing_many_accounts_is_locked_out():
    ip = fresh_ip()
    for _attempt in range(5):
        sign_in(ADMIN_LOGIN, f"nobody-{uuid.uuid4().hex[:8]}", "wrong", ip)
    user = staff_user()

    refused, _client = sign_in(PORTAL_LOGIN, user.username, PASSWORD, ip)
    elsewhere, client = sign_in(PORTAL_LOGIN, user.username, PASSWORD, fresh_ip())

    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert elsewhere.status_code == 302 and "_auth_user_id" in client.session


def test_a_successful_sign_in_does_not_reset_other_counters():
    ip = fresh_ip()
    target, own = staff_user(), staff_user()
    for _attempt in range(2):
        sign_in(PORTAL_LOGIN, target.username, "wrong", ip)

    # The guesser signs in to an account of their own from the same address...
    ok, _client = sign_in(PORTAL_LOGIN, own.username, PASSWORD, ip)
    assert ok.status_code == 302
    # ...yet the target's count and the address's count go on.
    sign_in(PORTAL_LOGIN, target.username, "wrong", ip)
    refused, _client = sign_in(PORTAL_LOGIN, target.username, PASSWORD, fresh_ip())
    assert refused.status_code == 429
    for _attempt in range(2):
        sign_in(PORTAL_LOGIN, f"nobody-{uuid.uuid4().hex[:8]}", "wrong", ip)
    refused_own, _client = sign_in(PORTAL_LOGIN, own.username, PASSWORD, ip)
    assert refused_own.status_code == 429


def test_the_account_own_success_forgets_its_earlier_failures():
    user = staff_user()
    for _attempt in range(2):
        sign_in(PORTAL_LOGIN, user.username, "wrong", fresh_ip())
    assert sign_in(PORTAL_LOGIN, user.username, PASSWORD, fresh_ip())[0].status_code == 302

    for _attempt in range(2):
        sign_in(PORTAL_LOGIN, user.username, "wrong", fresh_ip())
    assert sign_in(PORTAL_LOGIN, user.username, PASSWORD, fresh_ip())[0].status_code == 302


def test_the_lock_ends_after_the_cool_off():
    user = staff_user()
    for _attempt in range(3):
        sign_in(PORTAL_LOGIN, user.username, "wrong", fresh_ip())

    assert login_lockout_get(username=user.username, request=None) is not None
    assert login_lockout_get(username=user.username, request=None, now=time.time() + 901) is None


def test_usernames_differing_in_case_share_one_count():
    user = staff_user()
    for attempt in range(3):
        name = user.username.upper() if attempt % 2 else user.username
        sign_in(ADMIN_LOGIN, name, "wrong", fresh_ip())

    assert login_lockout_get(username=user.username, request=None) is not None


def test_a_cache_outage_lets_people_sign_in(settings):
    from asan_portal.ratelimit import breaker

    user = staff_user()
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
        },
    }
    try:
        response, client = sign_in(ADMIN_LOGIN, user.username, PASSWORD, fresh_ip())
        assert response.status_code == 302 and "_auth_user_id" in client.session
    finally:
        breaker.reset()
