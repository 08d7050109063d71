"""The staff menu: every page a staff member may open, computed in one place (issue 12.3).

Each link is shown exactly when the page opens for the user, because it asks the same
permission helpers the page itself asks:

| link                                   | the page's check                                           |
|----------------------------------------|------------------------------------------------------------|
| a centre's bookings, phone-in booking  | centres.permissions.centres_for_user (StaffCentreMixin)    |
| a centre's counter closures            | appointments.staff.staff_can_act(roles=MANAGER) (can_close) |
| queue and counters, display            | centres_for_user (QueueStaffMixin); the display is public  |
| kiosk                                  | appointments.queue_permissions.user_may_work_queue         |
| manager's live view                    | centres_for_user(roles=MANAGER) (ManageView)               |
| centres' bookings (several centres)    | centres_for_user (StaffHomeView lists more than one)       |
| complaints                             | feedback.complaints.complaint_centres_for                  |
| dashboard                              | feedback.dashboard_permissions.dashboard_centres_for_user  |
| applications, shifts, roster, coverage | volunteers.permissions.user_is_coordinator                 |
| administration                         | django.contrib.admin's site.has_permission (active staff)  |

Per-centre links are drawn for the centres the user works in (their memberships), not for
every centre an official may read: officials reach any centre through the all-centres link
and the dashboard. tests/test_staff_menu.py opens every link for every role.

This module lives in the composition layer (asan_portal/) because it reads every app's rules.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from appointments.queue_permissions import user_may_work_queue
from appointments.staff import staff_can_act
from asan_portal.alphabetical import alphabetical
from asan_portal.roles import OFFICIAL, role_names_snapshot, user_has_role
from centres.models import Centre, StaffRole
from centres.permissions import centres_for_user
from feedback.complaints import complaint_centres_for
from feedback.dashboard_permissions import dashboard_centres_for_user
from volunteers.permissions import user_is_coordinator

WORKING_ROLES = (StaffRole.OPERATOR, StaffRole.MANAGER)


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str


@dataclass
class MenuGroup:
    title: str
    links: list[MenuLink] = field(default_factory=list)


def _centre_group(user, centre: Centre) -> MenuGroup:
    """The pages of one centre the user works in (so centres_for_user already holds it: the
    day's list, phone-in booking, the queue's pages and the display open)."""
    code = centre.code
    group = MenuGroup(title=centre.name)
    add = group.links.append
    add(MenuLink(_("Today's bookings"), reverse("appointments_staff:day", kwargs={"centre": code})))
    add(MenuLink(_("Booking by phone"), reverse("appointments_staff:book", kwargs={"centre": code})))
    # The closures page's can_close; a manager's membership also opens ManageView.
    manages = staff_can_act(user, centre, roles=(StaffRole.MANAGER,))
    if manages:
        add(MenuLink(_("Counter closures"), reverse("appointments_staff:close_counter", kwargs={"centre": code})))
    add(MenuLink(_("Queue and counters"), reverse("queue:home", kwargs={"centre": code})))
    if user_may_work_queue(user, centre):
        add(MenuLink(_("Ticket kiosk"), reverse("queue:kiosk", kwargs={"centre": code})))
    add(MenuLink(_("Waiting-room display"), reverse("queue:display", kwargs={"centre": code})))
    if manages:
        add(MenuLink(_("Manager's live view"), reverse("queue:manage", kwargs={"centre": code})))
    return group


def staff_menu(user) -> list[MenuGroup]:
    """The groups of links of `user`'s menu; empty for anyone who is not staff (no query then)."""
    if not (user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser)):
        return []
    # The role checks below ask the user's roles once, not once per question.
    with role_names_snapshot(user):
        return _staff_menu(user)


def _staff_menu(user) -> list[MenuGroup]:
    groups = []
    member_centres = alphabetical(
        centres_for_user(user).filter(memberships__user=user, memberships__role__in=WORKING_ROLES).distinct()
    )
    for centre in member_centres:
        groups.append(_centre_group(user, centre))

    general = MenuGroup(title=_("All centres") if not member_centres else _("Other pages"))
    if centres_for_user(user)[:2].count() > 1:
        # The list of centres (StaffHomeView), which goes straight to the day for one centre:
        # every centre for officials (who only read) and superusers, a manager's several.
        general.links.append(MenuLink(_("Centres' bookings and queues"), reverse("appointments_staff:home")))
    if complaint_centres_for(user).exists():
        general.links.append(MenuLink(_("Complaints"), reverse("complaints_staff:list")))
    try:
        dashboard_centres = dashboard_centres_for_user(user)
    except PermissionDenied:
        pass
    else:
        if dashboard_centres is None or dashboard_centres.exists():
            general.links.append(MenuLink(_("Dashboard"), reverse("dashboard:overview")))
    if user.is_superuser or user_has_role(user, OFFICIAL):
        general.links.append(MenuLink(_("Open data"), reverse("open_data:satisfaction")))
    if general.links:
        groups.append(general)

    if user_is_coordinator(user):
        volunteers = MenuGroup(title=_("Volunteers"))
        volunteers.links.append(MenuLink(_("Applications"), reverse("volunteers:application-list")))
        volunteers.links.append(MenuLink(_("Shifts"), reverse("volunteers:coordinator-shifts")))
        first = Centre.objects.filter(is_active=True).order_by("name_az").first()
        if first is not None:
            # The roster page has a centre picker; it opens on the first centre.
            volunteers.links.append(MenuLink(_("Roster"), reverse("volunteers:roster", kwargs={"centre": first.code})))
        volunteers.links.append(MenuLink(_("Coverage"), reverse("volunteers:coverage")))
        groups.append(volunteers)

    if user.is_staff:  # the admin's own rule (AdminSite.has_permission): active staff
        groups.append(MenuGroup(title=_("Back office"), links=[MenuLink(_("Administration"), reverse("admin:index"))]))
    return groups


def staff_menu_urls(user) -> list[str]:
    """Every URL of the menu, for tests and the landing check."""
    return [link.url for group in staff_menu(user) for link in group.links]
