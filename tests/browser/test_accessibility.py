"""axe-core on every page a role can open, the admin's included: zero violations of ANY impact.

The list of pages is checked against the URL resolver (the same walk as tests/test_url_permissions.py):
an HTML page that is neither in PAGES nor in EXCLUDED (with the reason) fails
`test_every_html_page_is_visited_or_excluded`, so a new page cannot be forgotten. Adding a page is one
line in PAGES: its URL name, the roles that open it, its path (filled from `Data`) and, for citizens'
pages, the languages.

The admin's pages come from its registry: the index, and for every registered model its changelist,
change page and (when the role may) add, history and delete pages, for every staff role whose
permissions reach the model (superusers see every kind of page).

Speed: the demo data (catalogue, centres, users, a few days of visits) is loaded once for the module
and served by a live server of the module's own, so no test flushes it; one browser, one context per
role, one tab reused.
"""

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django.live_server_helper import LiveServer
from simple_history.admin import SimpleHistoryAdmin

from asan_portal import roles
from tests.browser.conftest import signed_in_context
from tests.test_url_permissions import ROUTES

pytestmark = [pytest.mark.browser]

LANGS = ("az", "en", "ru")
AZ = ("az",)
VIEWPORT = {"width": 1280, "height": 900}
SHOTS = os.environ.get("A11Y_SHOTS", "")

# Roles, by the key used in test ids.
ANON = "citizen"
OPERATOR = "operator"
MANAGER = "manager"
OFFICIAL = "official"
CATALOGUE = "catalogue"
SUPERUSER = "superuser"
COORDINATOR = "coordinator"
VOLUNTEER = "volunteer"
STAFF = (OPERATOR, MANAGER, OFFICIAL, CATALOGUE, SUPERUSER, COORDINATOR)
DESK = (OPERATOR, MANAGER, SUPERUSER)  # the centre's own staff (and the superuser)
DASHBOARD = (MANAGER, OFFICIAL, SUPERUSER)
COORDINATION = (COORDINATOR, SUPERUSER)
EVERYONE = (ANON, *STAFF, VOLUNTEER)

# role key -> demo username (centres/demo.py, volunteers/demo.py); the citizen has no account.
USERNAMES = {
    OPERATOR: "operator",
    MANAGER: "manager",
    OFFICIAL: "official",
    CATALOGUE: "catalogue",
    SUPERUSER: "admin",
    COORDINATOR: "coordinator",
    VOLUNTEER: "volunteer",
}
ROLE_GROUPS = {
    OPERATOR: roles.OPERATOR,
    MANAGER: roles.CENTRE_MANAGER,
    OFFICIAL: roles.OFFICIAL,
    CATALOGUE: roles.CATALOGUE_ADMIN,
    COORDINATOR: roles.VOLUNTEER_COORDINATOR,
}


@dataclass(frozen=True)
class Visit:
    """One page: its URL name, who opens it, its path ("{lang}" and "{d.attribute}" of `Data`
    filled in), the languages to check it in, and session keys it needs (pages reached after a
    POST, such as "your booking is waiting for its code")."""

    name: str
    roles: tuple[str, ...]
    path: str
    langs: tuple[str, ...] = AZ
    session: tuple[tuple[str, str], ...] = ()
    label: str = ""  # tells two visits of one URL name apart
    status: int = 200  # the answer expected (an error page's own status)


ERROR_PAGES = {"404", "403"}  # Visit names of error pages, which have no URL name
# The session grant that the booking's private link gives (asan_portal/private_links.py, ADR 19).
BOOKING = (("private_link:appointment:{d.reference}", "manage_token"),)


# A new page is one line here, e.g. a staff page only managers open:
#     Visit("queue:lift_closure", (MANAGER, SUPERUSER), "/{lang}/queue/{d.centre}/closures/{d.closure}/lift/"),
# (add the value to `Data` and `_build_data` when the path needs a new one), or a refusal page:
#     Visit("403", (OPERATOR,), "/{lang}/dashboard/", status=403),
PAGES = [
    # Citizens' pages, in every language (staff see them too, in Azerbaijani).
    Visit("home", EVERYONE, "/{lang}/", LANGS),
    Visit("services:list", (ANON,), "/{lang}/services/", LANGS),
    Visit("services:list", (ANON,), "/{lang}/services/?q=pasport", LANGS, label="search"),
    Visit("services:detail", EVERYONE, "/{lang}/services/{d.service}/", LANGS),
    Visit("centres:list", (ANON,), "/{lang}/centres/", LANGS),
    Visit("centres:detail", EVERYONE, "/{lang}/centres/{d.centre}/", LANGS),
    Visit("appointments:book", (ANON,), "/{lang}/appointments/book/?q=pasport", LANGS),
    Visit("appointments:book_centre", (ANON,), "/{lang}/appointments/book/{d.service}/", LANGS),
    Visit("appointments:book_date", (ANON,), "/{lang}/appointments/book/{d.service}/{d.centre}/", LANGS),
    Visit("appointments:book_time", (ANON,), "/{lang}/appointments/book/{d.service}/{d.centre}/{d.day}/", LANGS),
    Visit(
        "appointments:book_details",
        (ANON,),
        "/{lang}/appointments/book/{d.service}/{d.centre}/{d.day}/{d.time}/",
        LANGS,
    ),
    Visit(
        "appointments:book_verify",
        (ANON,),
        "/{lang}/appointments/book/confirm/",
        LANGS,
        session=(("appointments_held_token", "held_token"),),
    ),
    Visit(
        "appointments:book_done",
        (ANON,),
        "/{lang}/appointments/book/done/",
        LANGS,
        session=(("appointments_held_token", "manage_token"),),
    ),
    Visit("appointments:waitlist", (ANON,), "/{lang}/appointments/book/{d.service}/{d.centre}/waitlist/", LANGS),
    Visit("appointments:waitlist_offer", (ANON,), "/{lang}/appointments/waitlist/{d.waitlist_token}/", LANGS),
    # The private link itself answers 303 to the booking's clean page, which is what is checked.
    Visit("appointments:manage", (ANON,), "/{lang}/appointments/manage/{d.manage_token}/", LANGS),
    Visit("appointments:booking", (ANON,), "/{lang}/appointments/booking/{d.reference}/", LANGS, session=BOOKING),
    Visit(
        "appointments:manage_cancel",
        (ANON,),
        "/{lang}/appointments/booking/{d.reference}/cancel/",
        LANGS,
        session=BOOKING,
    ),
    Visit(
        "appointments:manage_move",
        (ANON,),
        "/{lang}/appointments/booking/{d.reference}/move/",
        LANGS,
        session=BOOKING,
    ),
    Visit(
        "appointments:manage_move_time",
        (ANON,),
        "/{lang}/appointments/booking/{d.reference}/move/{d.day}/",
        LANGS,
        session=BOOKING,
    ),
    Visit(
        "appointments:manage_move_confirm",
        (ANON,),
        "/{lang}/appointments/booking/{d.reference}/move/{d.day}/{d.other_time}/",
        LANGS,
        session=BOOKING,
    ),
    Visit("ratings:rate", (ANON,), "/{lang}/feedback/{d.rating_token}/", LANGS),
    Visit(
        "ratings:visit",
        (ANON,),
        "/{lang}/feedback/visit/{d.invitation}/",
        LANGS,
        session=(("private_link:rating:{d.invitation}", "rating_token"),),
    ),
    Visit("complaints:new", (ANON,), "/{lang}/feedback/complaints/new/", LANGS),
    Visit(
        "complaints:done",
        (ANON,),
        "/{lang}/feedback/complaints/new/done/",
        LANGS,
        session=(("complaint_submitted", "complaint"),),
    ),
    Visit("complaints:track", (ANON,), "/{lang}/feedback/complaints/track/", LANGS),
    Visit("queue:ticket", (ANON,), "/{lang}/queue/ticket/{d.ticket_token}/", LANGS),
    Visit("queue:display", (ANON,), "/{lang}/queue/{d.centre}/display/", LANGS),
    Visit("volunteers:apply", (ANON,), "/{lang}/volunteers/apply/", LANGS),
    Visit("volunteers:apply-thanks", (ANON,), "/{lang}/volunteers/apply/thanks/", LANGS),
    Visit("volunteers:password-forgot", (ANON,), "/{lang}/volunteers/account/forgot-password/", LANGS),
    Visit("volunteers:password-forgot-done", (ANON,), "/{lang}/volunteers/account/forgot-password/sent/", LANGS),
    Visit(
        "volunteers:set-password",
        (ANON,),
        "/{lang}/volunteers/account/set-password/{d.set_password_uid}/{d.set_password_token}/",
        LANGS,
    ),
    Visit("open_data:satisfaction", EVERYONE, "/{lang}/open-data/satisfaction/", LANGS),
    Visit("login", (ANON,), "/{lang}/accounts/login/", LANGS),
    # Error pages: a URL name of their own that the resolver does not know ("404", "403").
    Visit("404", EVERYONE, "/{lang}/no-such-page/", LANGS, status=404),
    Visit("centres:detail", (ANON,), "/{lang}/centres/no-such-centre/", LANGS, label="unknown", status=404),
    Visit("403", (OPERATOR,), "/{lang}/dashboard/", status=403),
    # Staff pages of the centre's desk.
    Visit("appointments_staff:home", DESK, "/{lang}/staff/appointments/"),
    Visit("appointments_staff:day", DESK, "/{lang}/staff/appointments/{d.centre}/"),
    Visit("appointments_staff:book", DESK, "/{lang}/staff/appointments/{d.centre}/book/"),
    Visit(
        "appointments_staff:close_counter", (MANAGER, SUPERUSER), "/{lang}/staff/appointments/{d.centre}/close-counter/"
    ),
    Visit("appointments_staff:detail", DESK, "/{lang}/staff/appointments/{d.centre}/{d.reference}/"),
    Visit("appointments_staff:move", DESK, "/{lang}/staff/appointments/{d.centre}/{d.reference}/move/"),
    Visit("appointments_staff:cancel", DESK, "/{lang}/staff/appointments/{d.centre}/{d.reference}/cancel/"),
    Visit("queue:home", DESK, "/{lang}/queue/{d.centre}/"),
    Visit("queue:kiosk", DESK, "/{lang}/queue/{d.centre}/kiosk/"),
    Visit("queue:kiosk_check_in", DESK, "/{lang}/queue/{d.centre}/kiosk/check-in/"),
    Visit("queue:kiosk_service", DESK, "/{lang}/queue/{d.centre}/kiosk/{d.service}/"),
    Visit("queue:kiosk_ticket", DESK, "/{lang}/queue/{d.centre}/kiosk/ticket/{d.ticket_token}/"),
    Visit("queue:counter", DESK, "/{lang}/queue/{d.centre}/counter/{d.counter}/"),
    Visit("queue:manage", (MANAGER, SUPERUSER), "/{lang}/queue/{d.centre}/manage/"),
    Visit("ratings:counter", DESK, "/{lang}/feedback/counter/{d.counter}/"),
    Visit("complaints_staff:list", (MANAGER, SUPERUSER), "/{lang}/staff/complaints/"),
    Visit("complaints_staff:detail", (MANAGER, SUPERUSER), "/{lang}/staff/complaints/{d.complaint}/"),
    # The dashboard.
    Visit("dashboard:overview", DASHBOARD, "/{lang}/dashboard/"),
    Visit("dashboard:overview", DASHBOARD, "/{lang}/dashboard/?period=year", label="year"),
    Visit("dashboard:centre", DASHBOARD, "/{lang}/dashboard/centre/{d.centre}/"),
    # Volunteers and their coordinator.
    Visit("volunteers:me", (VOLUNTEER,), "/{lang}/volunteers/me/", LANGS),
    Visit("volunteers:shifts", (VOLUNTEER,), "/{lang}/volunteers/shifts/", LANGS),
    Visit("volunteers:check-in", (VOLUNTEER,), "/{lang}/volunteers/check-in/{d.centre}/{d.check_in_token}/"),
    Visit("volunteers:certificate", (VOLUNTEER, *COORDINATION), "/{lang}/volunteers/certificate/{d.volunteer}/"),
    Visit("volunteers:application-list", COORDINATION, "/{lang}/volunteers/coordinator/applications/"),
    Visit(
        "volunteers:application-detail", COORDINATION, "/{lang}/volunteers/coordinator/applications/{d.application}/"
    ),
    Visit("volunteers:coordinator-shifts", COORDINATION, "/{lang}/volunteers/coordinator/shifts/"),
    Visit(
        "volunteers:coordinator-shifts-week", COORDINATION, "/{lang}/volunteers/coordinator/shifts/centre/{d.centre}/"
    ),
    Visit("volunteers:coordinator-shift", COORDINATION, "/{lang}/volunteers/coordinator/shifts/{d.shift}/"),
    Visit("volunteers:roster", COORDINATION, "/{lang}/volunteers/coordinator/roster/{d.centre}/"),
    Visit("volunteers:coverage", COORDINATION, "/{lang}/volunteers/coordinator/coverage/"),
    Visit("volunteers:check-in-poster", COORDINATION, "/{lang}/volunteers/coordinator/check-in-poster/{d.centre}/"),
    Visit("volunteers:coordinator-volunteer", COORDINATION, "/{lang}/volunteers/coordinator/volunteers/{d.volunteer}/"),
    # The admin's own pages (the registered models' pages are generated below).
    Visit("admin:login", (ANON,), "/{lang}/admin/login/", LANGS),
    Visit("admin:index", (OPERATOR, MANAGER, OFFICIAL, CATALOGUE, SUPERUSER, COORDINATOR), "/{lang}/admin/"),
    Visit("admin:app_list", (SUPERUSER, CATALOGUE), "/{lang}/admin/services/"),
    Visit("admin:password_change", (SUPERUSER,), "/{lang}/admin/password_change/"),
    Visit("admin:password_change_done", (SUPERUSER,), "/{lang}/admin/password_change/done/"),
    Visit("admin:auth_user_password_change", (SUPERUSER,), "/{lang}/admin/auth/user/{d.staff_user}/password/"),
    Visit("admin:services_service_import_csv", (SUPERUSER, CATALOGUE), "/{lang}/admin/services/service/import-csv/"),
    Visit("admin:centres_auditentry_trail", (SUPERUSER,), "/{lang}/admin/centres/auditentry/trail/"),
]

# URL names that are not HTML pages, or not pages of their own, with the reason.
EXCLUDED = {
    "set_language": "POST-only language switch that redirects",
    "healthz": "plain-text health check",
    "metrics": "Prometheus text format",
    "javascript-catalog": "JavaScript",
    "api-schema": "OpenAPI YAML",
    "api-docs": "Swagger UI, a third-party page for developers",
    "volunteers-calendar": "iCal feed",
    "appointments:manage_ics": "iCal file",
    "appointments:book_resend": "POST-only: sends the code again, then redirects",
    "appointments_staff:check_in": "POST-only action, redirects to the detail page",
    "appointments_staff:close_counter_lift": "POST-only action on the closures page",
    "appointments_staff:close_counter_shorten": "POST-only action on the closures page",
    "volunteers:set-password-choose": "reached by volunteers:set-password's redirect, and checked there",
    "second-factor-verify": "needs a half-signed-in session: axe runs on it in test_second_factor_journey.py",
    "second-factor-enrol": "needs a half-signed-in session: axe runs on it in test_second_factor_journey.py",
    "complaints_staff:move": "POST-only action, redirects to the detail page",
    "complaints_staff:answer": "POST-only action, redirects to the detail page",
    "queue:ticket_status": "JSON",
    "queue:display_feed": "JSON",
    "queue:counter_action": "POST-only htmx action on the counter page",
    "queue:end_of_day": "POST-only action on the manage page",
    "volunteers:shift-sign-up": "POST-only htmx action on the shifts page",
    "volunteers:shift-withdraw": "POST-only htmx action on the shifts page",
    "volunteers:coordinator-shifts-generate": "POST-only action on the week page",
    "volunteers:coordinator-shift-create": "POST-only form on the week page",
    "volunteers:coordinator-shift-assign": "POST-only action on the shift page",
    "volunteers:coordinator-signup-move": "POST-only action on the shift page",
    "volunteers:coordinator-shift-needed": "POST-only action on the shift page",
    "volunteers:coordinator-signup-remove": "POST-only action on the shift page",
    "volunteers:signup-check-in": "POST-only htmx action on the roster",
    "volunteers:signup-check-out": "POST-only htmx action on the roster",
    "volunteers:roster-csv": "CSV",
    "dashboard:export": "CSV / Excel download",
    "dashboard:centre_export": "CSV / Excel download",
    "logout": "POST-only sign-out, redirects",
    "admin:logout": "POST-only sign-out",
    "admin:jsi18n": "JavaScript",
    "admin:autocomplete": "JSON",
    "admin:view_on_site": "redirect to the object's public page",
    "admin:services_service_export_csv": "CSV",
}
EXCLUDED_PREFIXES = {"api:": "JSON API"}
# Which row's change, history and delete pages to open (default: the first one the role sees).
# A mobile centre has the same page and inlines as Baku's, without the ~300 offered services
# whose autocomplete boxes take a minute to draw on a busy machine.
ADMIN_OBJECTS = {"centres.Centre": {"kind": "mobile"}}
ADMIN_KINDS = ("changelist", "add", "change", "history", "delete", "simple_history")


# --- the admin's pages, from its registry -----------------------------------------------------


def _role_perms(role: str) -> set[str]:
    """The role's permissions as roles_sync grants them (no database at collection time)."""
    perms = set()
    for app_label, action, model in roles.ROLE_PERMISSIONS[ROLE_GROUPS[role]]:
        models = (
            [m._meta.model_name for m in apps.get_app_config(app_label).get_models()]
            if model == roles.ANY_MODEL
            else [model]
        )
        actions = ("add", "change", "delete", "view") if action == "*" else (action,)
        perms |= {f"{app_label}.{a}_{m}" for a in actions for m in models}
    return perms


@dataclass(frozen=True)
class AdminVisit:
    role: str
    model: str  # "app_label.ModelName"
    kind: str  # one of ADMIN_KINDS

    @property
    def id(self) -> str:
        return f"{self.role}-{self.model}-{self.kind}"


def _admin_visits() -> list[AdminVisit]:
    """Superusers: every kind of page of every model. Other roles: the changelist and change page
    of every model they may view or change, and the add page where they may add (their history and
    delete pages are the same templates as the superuser's). A ModelAdmin that narrows this further
    is asked again at run time."""
    visits = []
    for role in (SUPERUSER, CATALOGUE, OFFICIAL, MANAGER, OPERATOR, COORDINATOR):
        perms = None if role == SUPERUSER else _role_perms(role)
        for model in admin.site._registry:
            app_label, name = model._meta.app_label, model._meta.model_name

            def may(action, app_label=app_label, name=name, perms=perms):
                return perms is None or f"{app_label}.{action}_{name}" in perms

            kinds = {
                "changelist": may("view") or may("change"),
                "change": may("view") or may("change"),
                "add": may("add"),
                "history": perms is None,
                "delete": perms is None,
                # One past version (django-simple-history's page), where the admin keeps them.
                "simple_history": perms is None and isinstance(admin.site._registry[model], SimpleHistoryAdmin),
            }
            visits += [AdminVisit(role, model._meta.label, kind) for kind in ADMIN_KINDS if kinds[kind]]
    return visits


ADMIN_VISITS = _admin_visits()


# --- the data the pages show ------------------------------------------------------------------


@dataclass
class Data:
    service: str = ""
    centre: str = ""
    day: str = ""
    time: str = ""
    other_time: str = ""
    manage_token: str = ""
    held_token: str = ""
    reference: str = ""
    waitlist_token: str = ""
    rating_token: str = ""
    invitation: int = 0
    ticket_token: str = ""
    counter: int = 0
    complaint: str = ""
    application: int = 0
    volunteer: int = 0
    shift: int = 0
    signup: int = 0
    check_in_token: str = ""
    set_password_uid: str = ""
    set_password_token: str = ""
    staff_user: int = 0
    users: dict = field(default_factory=dict)


def _build_data() -> Data:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from appointments import queue
    from appointments.availability import day_slots
    from appointments.services import appointment_book, appointment_cancel
    from appointments.waitlist import waitlist_join
    from centres.models import Closure, Counter
    from centres.selectors import centre_get
    from feedback.complaints import complaint_submit
    from feedback.ratings import rating_by_token
    from services.models import Service
    from tests.appointments.factories import citizen
    from tests.feedback.factories import completed_visit, token_from_message
    from volunteers.attendance import centre_check_in_token
    from volunteers.models import ShiftSignup, Volunteer, VolunteerApplication

    call_command("load_demo", "--history-days", "3", stdout=SimpleNamespace(write=lambda *a, **k: None))
    users = {role: get_user_model().objects.get(username=name) for role, name in USERNAMES.items()}
    centre = centre_get("baku-1")
    service = Service.objects.get(code="passport-issue")
    now = timezone.now()
    slots = []
    day = now.astimezone(centre.tz).date()
    for _ in range(14):
        day += dt.timedelta(days=1)
        slots = day_slots(service=service, centre=centre, day=day)
        if len(slots) >= 4:
            break
    assert len(slots) >= 4, "no free day for the booking pages"
    local = [slot.starts_at.astimezone(centre.tz) for slot in slots]
    confirmed = appointment_book(
        service=service, centre=centre, starts_at=slots[1].starts_at, booked_by=users[MANAGER], **citizen(901)
    )
    # A booking the manager cancels: an entry in the audit trail.
    cancelled = appointment_book(
        service=service, centre=centre, starts_at=slots[3].starts_at, booked_by=users[MANAGER], **citizen(904)
    )
    appointment_cancel(appointment=cancelled.appointment, by_staff=users[MANAGER])
    Closure.objects.create(
        centre=centre,
        starts_on=day + dt.timedelta(days=20),
        ends_on=day + dt.timedelta(days=20),
        reason_az="Təmir işləri",
        reason_en="Repairs",
        reason_ru="Ремонт",
    )
    held = appointment_book(service=service, centre=centre, starts_at=slots[2].starts_at, **citizen(902))
    _entry, waitlist_token = waitlist_join(
        service=service, centre=centre, first_day=day, last_day=day + dt.timedelta(days=3), **citizen(903)
    )
    counter = Counter.objects.filter(centre=centre, services=service).order_by("number").first()
    queue.counter_session_open(counter=counter, operator=users[OPERATOR])
    visit = completed_visit(counter=counter, operator=users[OPERATOR], service=service)
    waiting = queue.ticket_issue(centre=centre, service=service, phone="+994501112233")
    complaint = complaint_submit(
        kind="complaint",
        centre=centre,
        full_name="Vətəndaş Test",
        subject="Növbə çox uzun idi",
        text="Bir saat gözlədim, heç kim məlumat vermədi.",
        phone="+994501234567",
    )
    volunteer = Volunteer.objects.get(user=users[VOLUNTEER])
    # The certificate page proper (not its "not ready yet" answer).
    Volunteer.objects.filter(pk=volunteer.pk).update(programme_completed_on=now.date())
    signup = ShiftSignup.objects.filter(volunteer=volunteer).order_by("pk").first()
    assert signup is not None, "the demo volunteer has no shifts"
    applicant = VolunteerApplication.objects.order_by("pk").first()
    approved_user = get_user_model().objects.create_user("set-password-test", email="new@asan-portal.invalid")
    return Data(
        service=service.code,
        centre=centre.code,
        day=day.isoformat(),
        time=f"{local[0]:%H:%M}",
        other_time=f"{local[0]:%H:%M}",
        manage_token=confirmed.manage_token,
        held_token=held.manage_token,
        reference=confirmed.appointment.reference,
        waitlist_token=waitlist_token,
        rating_token=token_from_message(visit),
        invitation=rating_by_token(token_from_message(visit)).pk,
        ticket_token=waiting.public_token,
        counter=counter.pk,
        complaint=complaint.tracking_number,
        application=applicant.pk,
        volunteer=volunteer.pk,
        shift=signup.shift_id,
        signup=signup.pk,
        check_in_token=centre_check_in_token(centre),
        set_password_uid=urlsafe_base64_encode(force_bytes(approved_user.pk)),
        set_password_token=default_token_generator.make_token(approved_user),
        staff_user=users[OPERATOR].pk,
        users=users,
    )


@pytest.fixture(scope="module")
def test_database(django_db_setup, django_db_blocker):
    """pytest-django creates the test database only for a session with a `django_db` test; these
    tests have none (a transactional test would flush the module's data after every test), so when
    they run alone they create it themselves."""
    test_name = connection.settings_dict["TEST"]["NAME"]
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] == test_name:
            yield
            return
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            yield
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


@pytest.fixture(scope="module")
def data(test_database, django_db_blocker):
    """The demo data, committed for the module's live server; the tables are emptied afterwards."""
    with django_db_blocker.unblock():
        cache.clear()
        try:
            yield _build_data()
        finally:
            call_command("flush", interactive=False, verbosity=0)
            cache.clear()


@pytest.fixture(scope="module")
def server(data):
    """A live server of the module's own: pytest-django's `live_server` would flush the demo data
    after every test."""
    live = LiveServer("localhost")
    live._live_server_modified_settings.enable()
    yield live.url
    live._live_server_modified_settings.disable()
    live.stop()


@pytest.fixture(scope="module")
def tabs(browser: Browser, server, data):
    """One tab per role, opened when first needed and reused by every test of the module."""
    contexts: dict[str, BrowserContext] = {}
    pages: dict[str, Page] = {}

    def tab(role: str) -> Page:
        if role not in pages:
            if role == ANON:
                context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
            else:
                context = signed_in_context(browser, server, data.users[role], VIEWPORT)
            contexts[role] = context
            pages[role] = context.new_page()
        return pages[role]

    yield tab
    for context in contexts.values():
        context.close()


# --- the checks -------------------------------------------------------------------------------


def violations(page: Page, name: str) -> list[str]:
    if SHOTS:  # A11Y_SHOTS=/tmp/a11y: a screenshot of every page checked, for a human look
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png", full_page=True)
    result = Axe().run(page)
    found = [
        f"{violation['id']} ({violation['impact']}) {violation['help']}: "
        f"{[node['target'] for node in violation['nodes']][:8]} ({len(violation['nodes'])} nodes)"
        for violation in result.response["violations"]
    ]
    if found and os.environ.get("A11Y_LOG"):  # progress while a long run goes on
        with open(os.environ["A11Y_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{name}: {page.url}\n  " + "\n  ".join(found) + "\n")
    return found


def open_page(page: Page, url: str, *, expect_status: int = 200) -> None:
    # Generous: the biggest admin pages draw hundreds of widgets, on a machine shared with others.
    response = page.goto(url, timeout=120_000)
    assert response is not None
    assert response.status == expect_status, f"{url} answered {response.status} ({page.url})"
    page.wait_for_load_state("networkidle", timeout=120_000)


def _session_cookie(context: BrowserContext, server: str, values: dict) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key, value in values.items():
        store[key] = value
    store.create()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": store.session_key,
                "domain": urlsplit(server).hostname,
                "path": "/",
            }
        ]
    )


def _page_cases():
    for visit in PAGES:
        for role in visit.roles:
            for lang in visit.langs if role == ANON else AZ:
                ident = f"{role}-{visit.name}{'-' + visit.label if visit.label else ''}-{lang}"
                yield pytest.param(visit, role, lang, id=ident)


@pytest.mark.parametrize(("visit", "role", "lang"), list(_page_cases()))
def test_page_has_no_accessibility_violations(tabs, server, data, django_db_blocker, visit, role, lang):
    page = tabs(role)
    path = visit.path.format(lang=lang, d=data)
    with django_db_blocker.unblock():
        if visit.session:
            values = {key.format(d=data): getattr(data, attr) for key, attr in visit.session}
            _session_cookie(page.context, server, values)
        open_page(page, f"{server}{path}", expect_status=visit.status)
    assert violations(page, f"{role}-{visit.name}-{visit.label}-{lang}") == []


@pytest.mark.parametrize("visit", ADMIN_VISITS, ids=lambda visit: visit.id)
def test_admin_page_has_no_accessibility_violations(tabs, server, data, django_db_blocker, visit):
    page = tabs(visit.role)
    model = apps.get_model(visit.model)
    model_admin = admin.site._registry[model]
    info = (model._meta.app_label, model._meta.model_name)
    with django_db_blocker.unblock():
        request = RequestFactory().get("/")
        request.user = data.users[visit.role]
        allowed = {
            "changelist": model_admin.has_view_or_change_permission,
            "change": model_admin.has_view_or_change_permission,
            "add": model_admin.has_add_permission,
            "history": model_admin.has_view_or_change_permission,
            "delete": model_admin.has_delete_permission,
            "simple_history": model_admin.has_view_or_change_permission,
        }[visit.kind](request)
        if not allowed:
            pytest.skip(f"{visit.model}'s admin refuses the {visit.kind} page to the {visit.role}")
        if visit.kind in ("changelist", "add"):
            url = reverse(f"admin:{info[0]}_{info[1]}_{visit.kind}")
        else:
            rows = model_admin.get_queryset(request).order_by("pk")
            obj = rows.filter(**ADMIN_OBJECTS.get(visit.model, {})).first() or rows.first()
            assert obj is not None, f"no {visit.model} the {visit.role} can open: add one to _build_data"
            args = [obj.pk]
            if visit.kind == "simple_history":
                args.append(obj.history.order_by("pk").values_list("pk", flat=True).first())
            url = reverse(f"admin:{info[0]}_{info[1]}_{visit.kind}", args=args)
        open_page(page, f"{server}{url}")
    assert violations(page, f"admin-{visit.id}") == []


# --- nothing forgotten ------------------------------------------------------------------------


GENERATED_ADMIN_NAME = re.compile(r"^admin:[a-z0-9]+_[a-z0-9]+_(" + "|".join(ADMIN_KINDS) + r")$")


def test_every_html_page_is_visited_or_excluded():
    visited = {visit.name for visit in PAGES}
    generated = {
        f"admin:{m._meta.app_label}_{m._meta.model_name}_{kind}" for m in admin.site._registry for kind in ADMIN_KINDS
    }
    forgotten = sorted(
        route.label
        for route in ROUTES
        if route.name
        and route.name not in visited
        and route.name not in EXCLUDED
        and route.name not in generated
        and not any(route.name.startswith(prefix) for prefix in EXCLUDED_PREFIXES)
    )
    assert forgotten == [], "add these pages to PAGES (or to EXCLUDED with the reason):\n" + "\n".join(forgotten)


def test_the_exclusions_are_not_stale():
    names = {route.name for route in ROUTES}
    assert set(EXCLUDED) - names == set()
    assert {visit.name for visit in PAGES} - names - ERROR_PAGES == set()


def test_every_registered_model_has_admin_pages_checked():
    checked = {(visit.model, visit.kind) for visit in ADMIN_VISITS if visit.role == SUPERUSER}
    for model in admin.site._registry:
        assert {(model._meta.label, "changelist"), (model._meta.label, "change")} <= checked, model
