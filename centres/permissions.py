"""Per-centre access for staff, checked in one place."""

from django.shortcuts import get_object_or_404

from asan_portal.roles import ALL_CENTRE_ROLES, CENTRE_MANAGER, OFFICIAL, OPERATOR, user_has_role

from .models import Centre, StaffRole


def centres_for_user(user, *, roles=(StaffRole.OPERATOR, StaffRole.MANAGER)):
    """Centres whose staff pages `user` may open: all for superusers and officials, else their own."""
    if not user.is_authenticated:
        return Centre.objects.none()
    if user.is_superuser or user_has_role(user, OFFICIAL):
        return Centre.objects.all()
    return Centre.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def centre_for_staff_or_404(user, code: str, *, roles=(StaffRole.OPERATOR, StaffRole.MANAGER)) -> Centre:
    """Fetch a centre by code and check in the same step that `user` works there.

    Answers 404, not 403, for someone else's centre: staff need not learn which codes exist.
    """
    return get_object_or_404(centres_for_user(user, roles=roles), code=code)


def user_is_centre_staff(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or user_has_role(user, OPERATOR) or user_has_role(user, CENTRE_MANAGER)


def user_has_all_centres(user) -> bool:
    """Superusers and the cross-centre roles (catalogue administrators, officials, volunteer
    coordinators) are not limited to the centres they work in."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=ALL_CENTRE_ROLES).exists()


def centres_for_admin(user, *, manage: bool = False):
    """Centres whose rows the admin shows `user` (`manage=False`) or lets them change (`manage=True`).

    The role's model permissions say *what* a user may do; this says *where*: operators see
    their centres, only managers change anything in theirs, cross-centre roles see every centre.
    """
    if user_has_all_centres(user):
        return Centre.objects.all()
    if not user.is_authenticated:
        return Centre.objects.none()
    roles = (StaffRole.MANAGER,) if manage else (StaffRole.OPERATOR, StaffRole.MANAGER)
    return Centre.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()
