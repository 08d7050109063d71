"""Priority groups can be set up (issue 12.2): in the admin, per centre and within the admin's
centre scope, with translated names and a history; in the demo data, so the kiosk offers them;
and a priority ticket is called by the existing rule (due bookings, then priority by rank, then
first come)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from appointments import queue, queue_selectors
from appointments.demo import DEMO_PRIORITY_GROUPS, priority_groups_load_demo
from appointments.models import PriorityGroup
from asan_portal.roles import CATALOGUE_ADMIN, CENTRE_MANAGER, OFFICIAL, OPERATOR, role_grant, roles_sync
from centres.models import Centre, Counter, StaffMembership, StaffRole
from tests.appointments.queue_factories import operator_at, priority_group, queue_setup
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:appointments_prioritygroup_add")
LIST_URL = reverse("admin:appointments_prioritygroup_changelist")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def centres():
    roles_sync()
    _service, own = queue_setup()
    _service, other = queue_setup()
    return own, other


def _staff(django_user_model, role, centre=None, membership=None, name=None):
    user = django_user_model.objects.create_user(username=name or role.replace(" ", "-").lower(), password="x")
    role_grant(user=user, role=role)
    if centre is not None:
        StaffMembership.objects.create(user=user, centre=centre, role=membership)
    return user


def _form(centre, code="disability", rank="1"):
    return {
        "centre": centre.pk,
        "code": code,
        "rank": rank,
        "is_active": "on",
        "name_az": "Əlilliyi olan şəxslər",
        "name_en": "People with disabilities",
        "name_ru": "Люди с инвалидностью",
    }


def test_a_centre_manager_creates_a_priority_group_for_their_centre_with_history(client, django_user_model, centres):
    own, _other = centres
    manager = _staff(django_user_model, CENTRE_MANAGER, own, StaffRole.MANAGER)
    verified_login(client, manager)

    form = client.get(ADD_URL)
    response = client.post(ADD_URL, _form(own))

    assert form.status_code == 200
    assert response.status_code == 302, response.content.decode()[:2000]
    group = PriorityGroup.objects.get(centre=own, code="disability")
    assert (group.name_az, group.name_en, group.name_ru, group.rank) == (
        "Əlilliyi olan şəxslər",
        "People with disabilities",
        "Люди с инвалидностью",
        1,
    )
    assert group.history.count() == 1 and group.history.first().history_user == manager
    history = client.get(reverse("admin:appointments_prioritygroup_history", args=[group.pk]))
    assert history.status_code == 200


def test_a_manager_cannot_set_up_groups_at_another_centre(client, django_user_model, centres):
    own, other = centres
    manager = _staff(django_user_model, CENTRE_MANAGER, own, StaffRole.MANAGER)
    theirs = priority_group(other, code="elderly")
    verified_login(client, manager)

    refused = client.post(ADD_URL, _form(other))

    assert refused.status_code == 200 and "centre" in refused.context["adminform"].form.errors
    assert not PriorityGroup.objects.filter(centre=other, code="disability").exists()
    assert "elderly" not in client.get(LIST_URL).content.decode()
    assert client.get(reverse("admin:appointments_prioritygroup_change", args=[theirs.pk])).status_code == 302


@pytest.mark.parametrize(("role", "may_add"), [(CATALOGUE_ADMIN, True), (OFFICIAL, False), (OPERATOR, False)])
def test_who_may_add_priority_groups(client, django_user_model, centres, role, may_add):
    own, _other = centres
    user = _staff(django_user_model, role, own if role == OPERATOR else None, StaffRole.OPERATOR)
    verified_login(client, user)

    response = client.post(ADD_URL, _form(own, code="pregnant"))

    assert PriorityGroup.objects.filter(code="pregnant").exists() is may_add
    assert response.status_code == (302 if may_add else 403)


def test_the_same_code_twice_at_a_centre_is_refused_with_a_message(client, django_user_model, centres):
    own, _other = centres
    priority_group(own, code="disability")
    verified_login(client, _staff(django_user_model, CATALOGUE_ADMIN))

    response = client.post(ADD_URL, _form(own))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors and PriorityGroup.objects.filter(centre=own).count() == 1


def test_the_demo_gives_every_centre_the_groups_and_a_second_run_changes_nothing(centres):
    first = priority_groups_load_demo()
    rows = PriorityGroup.objects.count()
    history = PriorityGroup.history.count()

    second = priority_groups_load_demo()

    assert first.created == 2 * len(DEMO_PRIORITY_GROUPS)
    assert (second.created, second.updated) == (0, 0)
    assert (PriorityGroup.objects.count(), PriorityGroup.history.count()) == (rows, history)


def test_the_kiosk_of_a_demo_centre_offers_the_demo_groups(client, django_user_model):
    call_command("load_demo", "--no-history", stdout=io.StringIO())
    baku = Centre.objects.get(code="baku-1")
    operator = _staff(django_user_model, OPERATOR, baku, StaffRole.OPERATOR)
    service = queue_selectors.kiosk_services(baku).first()
    verified_login(client, operator)

    with translation.override("ru"):
        page = client.get(reverse("queue:kiosk_service", kwargs={"centre": "baku-1", "service": service.code}))

    text = page.content.decode()
    assert page.status_code == 200
    for _code, _rank, _az, _en, name_ru in DEMO_PRIORITY_GROUPS:
        assert name_ru in text
    assert 'name="priority_group"' in text


def test_a_kiosk_priority_ticket_is_called_before_earlier_walk_ins_and_by_rank(client, monkeypatch):
    service, centre = queue_setup()
    operator = operator_at(centre)
    first_rank = priority_group(centre, code="disability", rank=1)
    third_rank = priority_group(centre, code="elderly", rank=3)
    walk_in = queue.ticket_issue(centre=centre, service=service)
    verified_login(client, operator)
    kiosk = reverse("queue:kiosk_service", kwargs={"centre": centre.code, "service": service.code})
    client.post(kiosk, {"priority_group": third_rank.pk})
    client.post(kiosk, {"priority_group": first_rank.pk})

    counter = Counter.objects.get(centre=centre)
    queue.counter_session_open(counter=counter, operator=operator)
    later = timezone.now() + dt.timedelta(seconds=1)
    order = []
    for _ in range(3):
        ticket = queue.ticket_call_next(counter=counter, operator=operator, now=later)
        order.append(ticket.priority_group.code if ticket.priority_group else f"walk-in {ticket.pk}")
        queue.ticket_start(ticket=ticket, operator=operator, now=later)
        queue.ticket_complete(ticket=ticket, operator=operator, now=later)

    assert order == ["disability", "elderly", f"walk-in {walk_in.pk}"]
