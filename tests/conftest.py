"""Fixtures for the whole suite."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts, and leaves the thread, in the default language: a test that
    activates another one (or requests a /en/ page) must not change the next test's texts."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def verified_login():
    """`verified_login(client, user)`: sign in with the second factor already confirmed
    (tests/second_factor.py): superusers and catalogue administrators need it for every page."""
    from tests.second_factor import verified_login as sign_in

    return sign_in
