"""Browser tests: Debian's Chromium driven by pytest-playwright against Django's live server."""

import os

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext

from tests.browser.dataset import build_catalogue
from tests.second_factor import verified_login

# Playwright's sync API runs an event loop in this thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Never `playwright install`: the system's Chromium is the browser under test.
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture
def catalogue(transactional_db):
    """The compact catalogue, committed so the live server's thread can read it."""
    return build_catalogue()


@pytest.fixture
def site(live_server, catalogue):
    """Base URL of the running portal, with the catalogue loaded."""
    return live_server.url


def signed_in_context(browser: Browser, site: str, user, viewport) -> BrowserContext:
    """A browser context carrying a Django session for `user` (no login form to drive), with the
    second factor already confirmed for users who need one (tests/second_factor.py)."""
    client = Client()
    verified_login(client, user)
    context = browser.new_context(viewport=viewport, locale="en-GB")
    host = site.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    return context
