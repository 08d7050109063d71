"""Every staff role, and the model permissions each one carries, in one place.

Roles are Django groups so that the admin and `has_perm` work as usual. Operators and
managers are also scoped to centres by `centres.models.StaffMembership`; the helpers in
`centres/permissions.py` combine both checks. `roles_sync()` runs after every migrate, so
a new permission reaches its role without a manual step.
"""

from django.contrib.auth.models import Group, Permission

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

# role -> list of (app_label, action, model); "*" as action means add/change/delete/view.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str, str]]] = {
    CATALOGUE_ADMIN: [(app, "*", model) for app, models in CATALOGUE_MODELS.items() for model in models],
    OFFICIAL: [(app, "view", model) for app, models in CATALOGUE_MODELS.items() for model in models],
    CENTRE_MANAGER: [
        ("centres", "view", "centre"),
        ("centres", "view", "counter"),
        ("centres", "change", "counter"),
        ("centres", "view", "closure"),
        ("centres", "add", "closure"),
        ("centres", "change", "closure"),
        ("services", "view", "service"),
    ],
    OPERATOR: [("centres", "view", "centre"), ("centres", "view", "counter"), ("services", "view", "service")],
    VOLUNTEER_COORDINATOR: [("centres", "view", "centre")],
    VOLUNTEER: [],
}

ALL_ROLES = list(ROLE_PERMISSIONS)


def _expand(entries):
    for app_label, action, model in entries:
        actions = ["add", "change", "delete", "view"] if action == "*" else [action]
        for act in actions:
            yield app_label, f"{act}_{model}"


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


def user_has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name=role).exists()
