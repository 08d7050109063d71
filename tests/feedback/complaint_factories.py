"""Complaints built through feedback.complaints (not raw rows), and the people who handle them."""

from asan_portal.roles import CENTRE_MANAGER, OFFICIAL, OPERATOR, role_grant
from centres.models import StaffMembership, StaffRole
from feedback.complaints import complaint_submit
from feedback.models import ComplaintKind
from tests.centres.factories import CentreFactory


def complaint_details(**overrides) -> dict:
    details = {
        "kind": ComplaintKind.COMPLAINT,
        "full_name": "Aysel Məmmədova",
        "phone": "+994 50 123 45 67",
        "email": "aysel@example.az",
        "subject": "Uzun növbə",
        "text": "Növbədə bir saatdan çox gözlədim, heç kim izah vermədi.",
        "language": "az",
    }
    details.update(overrides)
    return details


def complaint_new(centre=None, **overrides):
    return complaint_submit(centre=centre or CentreFactory(), **complaint_details(**overrides))


def staff_user(django_user_model, name, *, role=None, centre=None, membership=None, **extra):
    user = django_user_model.objects.create_user(username=name, password="pw", **extra)
    if role:
        role_grant(user=user, role=role)
    if centre is not None:
        StaffMembership.objects.create(user=user, centre=centre, role=membership)
    return user


def complaint_people(django_user_model, centre_a, centre_b=None) -> dict:
    """A manager and an operator of centre A, a manager of B (if given), an official, a superuser
    and a signed-in user with no role."""
    people = {
        "manager": staff_user(
            django_user_model, "manager-a", role=CENTRE_MANAGER, centre=centre_a, membership=StaffRole.MANAGER
        ),
        "operator": staff_user(
            django_user_model, "operator-a", role=OPERATOR, centre=centre_a, membership=StaffRole.OPERATOR
        ),
        "official": staff_user(django_user_model, "official", role=OFFICIAL),
        "superuser": staff_user(django_user_model, "root", is_superuser=True, is_staff=True),
        "nobody": staff_user(django_user_model, "nobody"),
    }
    if centre_b is not None:
        people["manager_b"] = staff_user(
            django_user_model, "manager-b", role=CENTRE_MANAGER, centre=centre_b, membership=StaffRole.MANAGER
        )
    return people
