"""The staff menu (issue 12.3): each role's menu lists exactly the pages that open for it.

Every link of every role's menu is requested as that role and must answer 200; every other
staff page in the pool must not open for that role, except the few listed (public pages, and
pages a role may read without working there, reached through another link)."""

import pytest
from django.urls import reverse
from django.utils import translation

from asan_portal.roles import (
    CATALOGUE_ADMIN,
    CENTRE_MANAGER,
    OFFICIAL,
    OPERATOR,
    VOLUNTEER_COORDINATOR,
    role_grant,
)
from asan_portal.staff_menu import staff_menu, staff_menu_urls
from centres.models import StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup
from tests.second_factor import verified_login
from tests.volunteers.factories import VolunteerFactory

pytestmark = pytest.mark.django_db

ROLES = ["operator", "manager", "manager_of_two", "official", "coordinator", "catalogue_admin", "superuser"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(django_user_model):
    _service, a = bookable_setup(counters=2)
    _service_b, b = bookable_setup(counters=1)

    def user(name, role=None, *centres, membership=None, **extra):
        u = django_user_model.objects.create_user(username=name, password="pw-long-enough-1", **extra)
        if role:
            role_grant(user=u, role=role)
        for centre in centres:
            StaffMembership.objects.create(user=u, centre=centre, role=membership)
        return u

    return {
        "a": a,
        "b": b,
        "operator": user("operator", OPERATOR, a, membership=StaffRole.OPERATOR),
        "manager": user("manager", CENTRE_MANAGER, a, membership=StaffRole.MANAGER),
        "manager_of_two": user("manager2", CENTRE_MANAGER, a, b, membership=StaffRole.MANAGER),
        "official": user("official", OFFICIAL),
        "coordinator": user("coordinator", VOLUNTEER_COORDINATOR),
        "catalogue_admin": user("catalogue", CATALOGUE_ADMIN),
        "superuser": user("root", is_superuser=True, is_staff=True),
        "citizen": user("citizen"),
    }


def pool(world):
    """Every staff page the menus can link to, for both centres."""
    urls = set()
    for centre in (world["a"], world["b"]):
        code = {"centre": centre.code}
        urls |= {
            reverse("appointments_staff:day", kwargs=code),
            reverse("appointments_staff:book", kwargs=code),
            reverse("appointments_staff:close_counter", kwargs=code),
            reverse("queue:home", kwargs=code),
            reverse("queue:kiosk", kwargs=code),
            reverse("queue:manage", kwargs=code),
        }
    urls |= {
        reverse("appointments_staff:home"),
        reverse("complaints_staff:list"),
        reverse("dashboard:overview"),
        reverse("volunteers:application-list"),
        reverse("volunteers:coordinator-shifts"),
        reverse("volunteers:coverage"),
        reverse("admin:index"),
    }
    return urls


def _centre_pages(world, centre_key, names):
    code = {"centre": world[centre_key].code}
    return {reverse(name, kwargs=code) for name in names}


READ_ONLY_PAGES = ["appointments_staff:day", "appointments_staff:book", "appointments_staff:close_counter"]
QUEUE_READ_PAGES = ["queue:home", "queue:kiosk", "queue:manage"]


def unlisted_but_open(world, who):
    """Pages that open for `who` without being in the menu, and why."""
    if who == "operator":
        # The closures page shows an operator the closures, read-only; only managers close.
        return _centre_pages(world, "a", ["appointments_staff:close_counter"])
    if who in ("official", "superuser"):
        # Any centre, reached through "Centres' bookings and queues" (officials only read).
        pages = set()
        for key in ("a", "b"):
            pages |= _centre_pages(world, key, READ_ONLY_PAGES + QUEUE_READ_PAGES)
        return pages
    return set()


@pytest.mark.parametrize("who", ROLES)
def test_every_link_of_the_menu_opens_and_no_other_staff_page_does(client, world, who):
    user = world[who]
    verified_login(client, user)
    menu = staff_menu_urls(user)
    assert menu, "every staff role has a menu"
    assert len(menu) == len(set(menu))
    for url in menu:
        assert client.get(url).status_code == 200, url
    allowed = unlisted_but_open(world, who)
    for url in pool(world) - set(menu) - allowed:
        assert client.get(url).status_code != 200, f"{who} may open {url}, which is not in the menu"


def test_each_role_gets_the_pages_of_its_work(world):
    def labels(who):
        return {link.label for group in staff_menu(world[who]) for link in group.links}

    assert {"Today's bookings", "Queue and counters", "Ticket kiosk", "Waiting-room display"} <= labels("operator")
    assert not {"Counter closures", "Manager's live view", "Complaints", "Dashboard"} & labels("operator")
    assert {"Counter closures", "Manager's live view", "Complaints", "Dashboard"} <= labels("manager")
    assert {"Applications", "Shifts", "Roster", "Coverage"} <= labels("coordinator")
    assert {"Dashboard", "Open data"} <= labels("official")
    assert "Ticket kiosk" not in labels("official")
    assert labels("catalogue_admin") == {"Administration"}


def test_per_centre_links_point_at_the_users_own_centres(world):
    def titles(who):
        return [group.title for group in staff_menu(world[who])]

    a, b = world["a"].name, world["b"].name
    assert a in titles("manager") and b not in titles("manager")
    assert {a, b} <= set(titles("manager_of_two"))
    assert a not in titles("official")


def test_citizens_volunteers_and_visitors_get_no_menu_and_no_query(client, world, django_assert_num_queries):
    volunteer = VolunteerFactory().user
    with django_assert_num_queries(0):
        assert staff_menu(world["citizen"]) == []
        assert staff_menu(volunteer) == []
    client.force_login(world["citizen"])
    assert 'aria-label="Staff pages"' not in client.get("/en/").content.decode()


def test_the_menu_is_drawn_on_staff_pages_with_the_current_page_marked(client, world):
    client.force_login(world["manager"])
    url = reverse("queue:home", kwargs={"centre": world["a"].code})
    html = client.get(url).content.decode()
    assert '<nav class="staff-nav navbar navbar-expand-lg" aria-label="Staff pages">' in html
    assert f'<a href="{url}" aria-current="page">Queue and counters</a>' in html
    assert 'aria-controls="staff-menu" aria-expanded="false"' in html
