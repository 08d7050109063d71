"""Every staff role, and the model permissions each one carries, in one place.

Roles are Django groups so that the admin and `has_perm` work as usual. Operators and
managers are also scoped to centres by `centres.models.StaffMembership`; the helpers in
`centres/permissions.py` combine both checks. `roles_sync()` runs after every migrate, so
a new permission reaches its role without a manual step.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

OPERATOR = "Counter operator"
CENTRE_MANAGER = "Centre manager"
CATALOGUE_ADMIN = "Catalogue administrator"
OFFICIAL = "Official"
VOLUNTEER_COORDINATOR = "Volunteer coordinator"
VOLUNTEER = "Volunteer"

CATALOGUE_MODELS = {
    "services": ["provider", "category", "service", "feeoption", "requireddocument"],
    "centres": ["city", "centre", "centreservice", "openinghours", "publicholiday", "closure", "mobilestop", "counter"],
}
# Apps whose every model an official may read ("read-only everywhere"). Models added later are
# picked up by the next migrate, since `roles_sync` runs after it.
PROJECT_APPS = ["services", "centres", "appointments", "feedback", "volunteers"]
ANY_MODEL = "*"

# role -> list of (app_label, action, model); "*" as action means add/change/delete/view,
# "*" as model means every model of the app. Operators and managers are further limited to
# their own centres by centres.permissions (the admin filters their rows by membership).
ROLE_PERMISSIONS: dict[str, list[tuple[str, str, str]]] = {
    CATALOGUE_ADMIN: [
        *[(app, "*", model) for app, models in CATALOGUE_MODELS.items() for model in models],
        ("appointments", "*", "prioritygroup"),
    ],
    OFFICIAL: [(app, "view", ANY_MODEL) for app in PROJECT_APPS],
    CENTRE_MANAGER: [
        ("centres", "view", "centre"),
        ("centres", "view", "openinghours"),
        ("centres", "view", "mobilestop"),
        ("centres", "view", "centreservice"),
        ("centres", "view", "counter"),
        ("centres", "change", "counter"),
        ("centres", "view", "closure"),
        ("centres", "add", "closure"),
        ("centres", "change", "closure"),
        ("centres", "delete", "closure"),
        ("centres", "view", "staffmembership"),
        # The kiosk's priority groups of their centres (appointments/admin.py scopes them).
        ("appointments", "*", "prioritygroup"),
        ("services", "view", "service"),
        # Bookings, the outbox and the SMS log of their centres (appointments/admin.py scopes them).
        ("appointments", "view", "appointment"),
        ("appointments", "view", "waitlistentry"),
        ("appointments", "view", "notification"),
        ("appointments", "view", "smslogentry"),
        # Complaints about their centres (feedback/views_complaints.py scopes and moves them).
        ("feedback", "view", "complaint"),
        ("feedback", "change", "complaint"),
        ("feedback", "view", "complaintevent"),
    ],
    OPERATOR: [
        ("centres", "view", "centre"),
        ("centres", "view", "counter"),
        ("services", "view", "service"),
        ("appointments", "view", "appointment"),
        ("appointments", "view", "waitlistentry"),
        ("appointments", "view", "notification"),
        ("appointments", "view", "prioritygroup"),
    ],
    VOLUNTEER_COORDINATOR: [("volunteers", "*", ANY_MODEL), ("centres", "view", "centre")],
    VOLUNTEER: [],
}

ALL_ROLES = list(ROLE_PERMISSIONS)
# Roles whose members work in the back office and so may sign in to the admin.
STAFF_ROLES = [OPERATOR, CENTRE_MANAGER, CATALOGUE_ADMIN, OFFICIAL, VOLUNTEER_COORDINATOR]
# Roles that work across every centre; the other staff roles see only their own centres.
ALL_CENTRE_ROLES = [CATALOGUE_ADMIN, OFFICIAL, VOLUNTEER_COORDINATOR]


def _model_names(app_label: str, model: str) -> list[str]:
    if model != ANY_MODEL:
        return [model]
    try:
        app_config = apps.get_app_config(app_label)
    except LookupError:
        return []
    return [m._meta.model_name for m in app_config.get_models()]


def _expand(entries):
    for app_label, action, model in entries:
        actions = ["add", "change", "delete", "view"] if action == "*" else [action]
        for model_name in _model_names(app_label, model):
            for act in actions:
                yield app_label, f"{act}_{model_name}"


def role_permissions(role: str) -> set[str]:
    """The permissions `role` should carry, as "app_label.codename" strings (like `user.has_perm`)."""
    return {f"{app_label}.{codename}" for app_label, codename in _expand(ROLE_PERMISSIONS[role])}


def roles_sync() -> None:
    """Create every role group and set its permissions to exactly those listed above."""
    for role, entries in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = list(_expand(entries))
        permissions = [
            perm
            for app_label, codename in wanted
            for perm in Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        ]
        group.permissions.set(permissions)


@transaction.atomic
def role_grant(*, user, role: str) -> None:
    """Give `user` a role. Staff roles also set `is_staff`, so the admin opens for them, showing
    only what the role's permissions allow. Whoever calls this checks the caller may hand out roles."""
    if role not in ROLE_PERMISSIONS:
        raise ValueError(f"Unknown role: {role}")
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


@transaction.atomic
def role_revoke(*, user, role: str) -> None:
    """Take a role away; a user left with no staff role (and not a superuser) loses admin access."""
    user.groups.remove(*Group.objects.filter(name=role))
    keeps_staff = user.is_superuser or user.groups.filter(name__in=STAFF_ROLES).exists()
    if user.is_staff and not keeps_staff:
        user.is_staff = False
        user.save(update_fields=["is_staff"])


def user_has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # Set only while one computation asks many questions of the same user (the staff menu,
    # asan_portal/staff_menu.py), so a role granted later is never missed elsewhere.
    known = getattr(user, "_role_names_snapshot", None)
    if known is not None:
        return role in known
    return user.groups.filter(name=role).exists()


class role_names_snapshot:  # noqa: N801 - used as a context manager, like a function
    """Within the block, `user_has_role(user, ...)` answers from one query of the user's roles."""

    def __init__(self, user):
        self.user = user

    def __enter__(self):
        self.user._role_names_snapshot = set(self.user.groups.values_list("name", flat=True))
        return self.user

    def __exit__(self, *exc):
        del self.user._role_names_snapshot
        return False
