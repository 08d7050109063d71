"""Role x action matrix: what each staff role may do, by model permission and in the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.http import Http404
from django.urls import reverse

from asan_portal.roles import (
    CATALOGUE_ADMIN,
    CENTRE_MANAGER,
    OFFICIAL,
    OPERATOR,
    ROLE_PERMISSIONS,
    VOLUNTEER,
    VOLUNTEER_COORDINATOR,
    role_grant,
    role_permissions,
    role_revoke,
    roles_sync,
)
from centres.models import StaffMembership, StaffRole
from centres.permissions import centre_for_staff_or_404, centres_for_admin, centres_for_user, user_has_all_centres
from tests.centres.factories import CentreFactory
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

SUPERUSER = "superuser"
NOBODY = "signed-in user without a role"

ACTIONS = [
    "services.view_service",
    "services.add_service",
    "services.change_service",
    "services.delete_service",
    "services.change_provider",
    "services.change_category",
    "services.change_requireddocument",
    "centres.view_centre",
    "centres.change_centre",
    "centres.change_openinghours",
    "centres.view_counter",
    "centres.change_counter",
    "centres.add_closure",
    "centres.change_publicholiday",
    "centres.view_staffmembership",
    "centres.change_staffmembership",
    "auth.change_user",
]

ALLOWED = {
    SUPERUSER: set(ACTIONS),
    CATALOGUE_ADMIN: {
        "services.view_service",
        "services.add_service",
        "services.change_service",
        "services.delete_service",
        "services.change_provider",
        "services.change_category",
        "services.change_requireddocument",
        "centres.view_centre",
        "centres.change_centre",
        "centres.change_openinghours",
        "centres.view_counter",
        "centres.change_counter",
        "centres.add_closure",
        "centres.change_publicholiday",
    },
    OFFICIAL: {"services.view_service", "centres.view_centre", "centres.view_counter", "centres.view_staffmembership"},
    CENTRE_MANAGER: {
        "services.view_service",
        "centres.view_centre",
        "centres.view_counter",
        "centres.change_counter",
        "centres.add_closure",
        "centres.view_staffmembership",
    },
    OPERATOR: {"services.view_service", "centres.view_centre", "centres.view_counter"},
    VOLUNTEER_COORDINATOR: {"centres.view_centre"},
    VOLUNTEER: set(),
    NOBODY: set(),
}
ROLES = list(ALLOWED)


def make_user(role: str, username: str | None = None):
    roles_sync()
    user_model = get_user_model()
    username = username or role.lower().replace(" ", "-")
    if role == SUPERUSER:
        return user_model.objects.create_superuser(username, password="x")  # noqa: S106
    user = user_model.objects.create_user(username, password="x")  # noqa: S106
    if role in ROLE_PERMISSIONS:
        role_grant(user=user, role=role)
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_role_permission_matrix(role, action):
    user = make_user(role)

    assert user.has_perm(action) is (action in ALLOWED[role])


def test_the_matrix_covers_every_role():
    assert set(ROLE_PERMISSIONS) <= set(ROLES)


def test_official_may_view_every_model_of_the_project_apps_and_change_none():
    user = make_user(OFFICIAL)
    project_permissions = Permission.objects.filter(content_type__app_label__in=["services", "centres"])

    for permission in project_permissions:
        codename = f"{permission.content_type.app_label}.{permission.codename}"
        assert user.has_perm(codename) is permission.codename.startswith("view_"), codename


@pytest.mark.parametrize(
    ("role", "is_staff"),
    [
        (OPERATOR, True),
        (CENTRE_MANAGER, True),
        (CATALOGUE_ADMIN, True),
        (OFFICIAL, True),
        (VOLUNTEER_COORDINATOR, True),
        (VOLUNTEER, False),
    ],
)
def test_granting_a_role_opens_the_admin_only_to_staff_roles(role, is_staff):
    user = make_user(role)

    assert user.is_staff is is_staff
    assert user.groups.filter(name=role).exists()


def test_revoking_the_last_staff_role_closes_the_admin():
    user = make_user(OPERATOR)
    role_grant(user=user, role=OFFICIAL)

    role_revoke(user=user, role=OPERATOR)
    assert user.is_staff is True
    role_revoke(user=user, role=OFFICIAL)

    user.refresh_from_db()
    assert user.is_staff is False
    assert not user.groups.exists()


def test_roles_sync_repairs_a_group_whose_permissions_drifted():
    roles_sync()
    group = Group.objects.get(name=OPERATOR)
    group.permissions.add(Permission.objects.get(codename="delete_service"))
    group.permissions.remove(Permission.objects.get(codename="view_counter"))

    roles_sync()

    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert granted == role_permissions(OPERATOR)
    assert "services.delete_service" not in granted


ADMIN_PAGES = {
    "admin index": ("admin:index", None),
    "service list": ("admin:services_service_changelist", None),
    "add service": ("admin:services_service_add", None),
    "import CSV": ("admin:services_service_import_csv", None),
    "provider list": ("admin:services_provider_changelist", None),
    "counter list": ("admin:centres_counter_changelist", None),
    "add closure": ("admin:centres_closure_add", None),
    "user list": ("admin:auth_user_changelist", None),
}
# 200 = the page opens, 403 = signed in but not allowed, 302 = sent to the login page.
ADMIN_EXPECTED = {
    SUPERUSER: dict.fromkeys(ADMIN_PAGES, 200),
    CATALOGUE_ADMIN: {**dict.fromkeys(ADMIN_PAGES, 200), "user list": 403},
    OFFICIAL: {
        **dict.fromkeys(ADMIN_PAGES, 403),
        "admin index": 200,
        "service list": 200,
        "provider list": 200,
        "counter list": 200,
    },
    CENTRE_MANAGER: {
        **dict.fromkeys(ADMIN_PAGES, 403),
        "admin index": 200,
        "service list": 200,
        "counter list": 200,
        "add closure": 200,
    },
    OPERATOR: {**dict.fromkeys(ADMIN_PAGES, 403), "admin index": 200, "service list": 200, "counter list": 200},
    VOLUNTEER_COORDINATOR: {**dict.fromkeys(ADMIN_PAGES, 403), "admin index": 200},
    VOLUNTEER: dict.fromkeys(ADMIN_PAGES, 302),
    NOBODY: dict.fromkeys(ADMIN_PAGES, 302),
}


@pytest.mark.parametrize("page", list(ADMIN_PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_admin_page_matrix(client, role, page):
    verified_login(client, make_user(role))
    url_name, args = ADMIN_PAGES[page]

    response = client.get(reverse(url_name, args=args))

    assert response.status_code == ADMIN_EXPECTED[role][page]
    if response.status_code == 302:
        assert reverse("admin:login") in response["Location"]


def test_operators_and_managers_are_scoped_to_their_centres():
    own, managed, elsewhere = CentreFactory(), CentreFactory(), CentreFactory()
    user = make_user(OPERATOR, username="operator-and-manager")
    role_grant(user=user, role=CENTRE_MANAGER)
    StaffMembership.objects.create(user=user, centre=own, role=StaffRole.OPERATOR)
    StaffMembership.objects.create(user=user, centre=managed, role=StaffRole.MANAGER)

    assert not user_has_all_centres(user)
    assert set(centres_for_user(user)) == {own, managed}
    assert set(centres_for_admin(user)) == {own, managed}
    assert set(centres_for_admin(user, manage=True)) == {managed}
    assert centre_for_staff_or_404(user, own.code) == own
    with pytest.raises(Http404):
        centre_for_staff_or_404(user, elsewhere.code)


@pytest.mark.parametrize("role", [SUPERUSER, OFFICIAL, CATALOGUE_ADMIN, VOLUNTEER_COORDINATOR])
def test_cross_centre_roles_see_every_centre_in_the_admin(role):
    centres = set(CentreFactory.create_batch(2))

    assert set(centres_for_admin(make_user(role))) == centres
