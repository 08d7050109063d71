"""Who may read the officials' dashboard, and which centres they see there."""

from django.core.exceptions import PermissionDenied

from asan_portal.roles import CENTRE_MANAGER, OFFICIAL, user_has_role
from centres.models import StaffRole
from centres.permissions import centres_for_user


def dashboard_centres_for_user(user):
    """None for every centre (officials and superusers, read-only), a manager's own centres as a
    queryset, or PermissionDenied for anyone else (operators included: the figures of their
    colleagues are not theirs to read). The caller has already required a login."""
    if user.is_superuser or user_has_role(user, OFFICIAL):
        return None
    if user_has_role(user, CENTRE_MANAGER):
        return centres_for_user(user, roles=(StaffRole.MANAGER,)).order_by("name_az")
    raise PermissionDenied
