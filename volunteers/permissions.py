"""Who may open the volunteer pages, checked in one place.

Coordinators (the VOLUNTEER_COORDINATOR role, or a superuser) work across every centre.
A volunteer is a user with a `Volunteer` row; their pages show only their own data.
"""

from django.core.exceptions import PermissionDenied

from asan_portal.roles import VOLUNTEER_COORDINATOR, user_has_role

from .models import Volunteer


def user_is_coordinator(user) -> bool:
    return user.is_authenticated and user_has_role(user, VOLUNTEER_COORDINATOR)


def coordinator_required(user) -> None:
    """PermissionDenied (403) unless `user` is a coordinator; anonymous users are sent to log in
    by the view's LoginRequiredMixin before this runs."""
    if not user_is_coordinator(user):
        raise PermissionDenied


def volunteer_of(user) -> Volunteer | None:
    if not user.is_authenticated:
        return None
    try:
        return user.volunteer
    except Volunteer.DoesNotExist:
        return None


def volunteer_required(user) -> Volunteer:
    """The signed-in user's Volunteer, or PermissionDenied (403) for an account that is not one."""
    volunteer = volunteer_of(user)
    if volunteer is None:
        raise PermissionDenied
    return volunteer


def user_may_see_volunteer(user, volunteer: Volunteer) -> bool:
    """A volunteer's history and certificate: the volunteer themselves, or a coordinator."""
    return user.is_authenticated and (volunteer.user_id == user.pk or user_is_coordinator(user))
