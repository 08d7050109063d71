"""Who may see and work which centre's queue, for the queue API (and any queue page).

- Operators and managers work the queues of the centres they are members of (a kiosk or a
  waiting-room display is a device signed in with a staff account of its centre).
- Officials (and superusers) may read every centre's queue; only superusers may also act.
- Anyone else, or staff of another centre, gets 404 for a centre's counters, tickets and queue:
  a 403 would confirm that the code or id exists.

Everything resolves the centre of the object first (`centre_of`), then checks membership through
centres.permissions, so the rule lives in one place.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from asan_portal.roles import OFFICIAL, user_has_role
from centres.models import Centre, Counter, StaffRole
from centres.permissions import centres_for_user

from .models import Appointment, Ticket

WORKING_ROLES = (StaffRole.OPERATOR, StaffRole.MANAGER)


def centre_of(obj) -> Centre:
    """The centre a queue object belongs to (a centre, counter, ticket or appointment)."""
    if isinstance(obj, Centre):
        return obj
    if isinstance(obj, Counter | Ticket | Appointment):
        return obj.centre
    raise TypeError(f"No centre for {type(obj).__name__}")


def user_may_see_queue(user, centre: Centre) -> bool:
    """Members of the centre, officials and superusers."""
    return centres_for_user(user, roles=WORKING_ROLES).filter(pk=centre.pk).exists()


def user_may_work_queue(user, centre: Centre) -> bool:
    """Operators and managers of the centre (and superusers); officials only read."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return centre.memberships.filter(user=user, role__in=WORKING_ROLES).exists()


def queue_access_check(user, obj, *, write: bool) -> None:
    """Raise Http404 when `user` may not see the object's centre, PermissionDenied when they may
    see it but not act on it (an official pressing a button)."""
    centre = centre_of(obj)
    if not user_may_see_queue(user, centre):
        raise Http404
    if write and not user_may_work_queue(user, centre):
        raise exceptions.PermissionDenied(_("You can only look at this queue; staff of the centre work it."))


class IsQueueStaff(BasePermission):
    """Signed-in staff who may see some queue; object checks then limit them to their centres."""

    message = _("Sign in with a staff account of the centre to use the queue.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_superuser or user_has_role(user, OFFICIAL):
            return True
        return user.centre_memberships.filter(role__in=WORKING_ROLES).exists()

    def has_object_permission(self, request, view, obj):
        queue_access_check(request.user, obj, write=request.method not in SAFE_METHODS)
        return True
