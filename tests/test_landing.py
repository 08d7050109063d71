"""Each role's sign-in lands on its own pages, and the main menu links there ("My pages")."""

import pytest
from django.urls import reverse
from django.utils import translation

from asan_portal.accounts import landing_url
from asan_portal.roles import CATALOGUE_ADMIN, CENTRE_MANAGER, OFFICIAL, OPERATOR
from tests.test_roles import SUPERUSER, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        (OFFICIAL, "dashboard:overview"),
        (CENTRE_MANAGER, "appointments_staff:home"),
        (OPERATOR, "appointments_staff:home"),
        (CATALOGUE_ADMIN, "admin:index"),
        (SUPERUSER, "admin:index"),
    ],
)
def test_each_role_lands_on_its_pages(role, url_name):
    assert landing_url(make_user(role)) == reverse(url_name)


def test_the_menu_links_a_signed_in_official_to_the_dashboard(client):
    client.force_login(make_user(OFFICIAL))
    with translation.override("en"):
        home, dashboard = reverse("home"), reverse("dashboard:overview")

    page = client.get(home).content.decode()

    assert f'<a href="{dashboard}">My pages</a>' in page


def test_anonymous_visitors_get_no_my_pages_link(client):
    with translation.override("en"):
        page = client.get(reverse("home")).content.decode()

    assert "My pages" not in page
