"""Who may use which centre's queue through the API: a role x endpoint matrix.

Staff of centre A work A's queue; staff of centre B get 404 for A's counters, tickets and queue
(not 403, so codes and ids are not confirmed); officials read every queue but act on none (403);
anonymous callers and users without a staff role are refused (403 with session authentication).
Every refusal leaves the queue as it was.
"""

import pytest
from django.utils import translation

from appointments.models import Ticket, TicketEvent
from appointments.queue import counter_session_open, ticket_call_next, ticket_issue
from appointments.queue_permissions import centre_of, user_may_see_queue, user_may_work_queue
from appointments.services import appointment_book
from tests.appointments.factories import citizen, tomorrow_at
from tests.appointments.test_queue_api import queue_world

pytestmark = pytest.mark.django_db

ROLES = ["operator", "manager", "operator_b", "manager_b", "official", "nobody", "anonymous"]
OTHER_CENTRE = {"operator_b", "manager_b"}
NOT_STAFF = {"nobody", "anonymous"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(django_user_model):
    """Centre A's queue with a waiting ticket and a called one; the manager of A signed in at
    counter 2 so every role's call-next at counter 1 needs only its own session."""
    world = queue_world(django_user_model)
    counter_session_open(counter=world["counter_2"], operator=world["manager"])
    world["called"] = ticket_issue(centre=world["a"], service=world["service"])
    assert ticket_call_next(counter=world["counter_2"], operator=world["manager"]) == world["called"]
    world["waiting"] = ticket_issue(centre=world["a"], service=world["service"])
    return world


def _requests(world):
    """(name, method, url, body) of every staff queue endpoint, aimed at centre A."""
    called, waiting = world["called"].pk, world["waiting"].pk
    return {
        "issue": ("post", f"/api/v1/centres/{world['a'].code}/tickets/", {"service": world["service"].code}),
        "check-in": ("post", "/api/v1/appointments/NOPE-NOPE/check-in/", {"fin": "AAAAAAA"}),
        "call-next": ("post", f"/api/v1/counters/{world['counter'].pk}/call-next/", {}),
        "recall": ("post", f"/api/v1/tickets/{called}/recall/", {}),
        "start": ("post", f"/api/v1/tickets/{called}/start/", {}),
        "complete": ("post", f"/api/v1/tickets/{called}/complete/", {}),
        "no-show": ("post", f"/api/v1/tickets/{called}/no-show/", {}),
        "transfer": ("post", f"/api/v1/tickets/{waiting}/transfer/", {"service": world["other_service"].code}),
        "queue": ("get", f"/api/v1/centres/{world['a'].code}/queue/", None),
    }


ENDPOINTS = ["issue", "call-next", "recall", "start", "complete", "no-show", "transfer", "queue"]


def _snapshot():
    return sorted(Ticket.objects.values_list("pk", "status", "counter_id", "service_id", "recalls")), (
        TicketEvent.objects.count()
    )


def _as(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    if role in {"operator"}:
        counter_session_open(counter=world["counter"], operator=world[role])
    return client


def _send(client, method, url, body):
    if method == "get":
        return client.get(url)
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_role_by_endpoint(client, world, role, endpoint):
    # given
    method, url, body = _requests(world)[endpoint]
    client = _as(client, world, role)
    before = _snapshot()

    # when
    response = _send(client, method, url, body)

    # then
    if role in NOT_STAFF:
        assert response.status_code in (401, 403), response.content
        assert response.json()["error"]["code"] in ("not_authenticated", "permission_denied")
    elif role in OTHER_CENTRE:
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    elif role == "official":
        expected = 200 if method == "get" else 403
        assert response.status_code == expected, response.content
    else:
        # Staff of A get past the permission check: the answer is the action's own
        # (success, 204, or a 409 when the step does not fit the ticket's state).
        assert response.status_code in (200, 201, 204, 409), response.content
        if response.status_code == 409:
            assert response.json()["error"]["code"] in (
                "illegal_transition",
                "too_few_recalls",
                "counter_busy",
                "no_open_session",  # the manager is signed in at counter 2, not 1
            )
    if response.status_code in (401, 403, 404):
        assert _snapshot() == before
        assert set(response.json()) == {"error"}


def test_staff_of_a_do_the_steps_that_fit(client, world):
    """The matrix allows 409 for A's staff; make sure each action really works for them."""
    client.force_login(world["manager"])  # the manager holds counter 2 with the called ticket
    called = world["called"].pk
    assert client.post(f"/api/v1/tickets/{called}/recall/").status_code == 200
    assert client.post(f"/api/v1/tickets/{called}/start/").status_code == 200
    assert client.post(f"/api/v1/tickets/{called}/complete/").status_code == 200
    assert client.post(f"/api/v1/counters/{world['counter_2'].pk}/call-next/").status_code == 200
    assert client.get(f"/api/v1/centres/{world['a'].code}/queue/").status_code == 200


def test_another_centres_ids_answer_like_ids_that_do_not_exist(client, world):
    client.force_login(world["operator_b"])
    mine = client.post(f"/api/v1/tickets/{world['called'].pk}/recall/")
    unknown = client.post("/api/v1/tickets/999999/recall/")
    assert mine.status_code == unknown.status_code == 404
    assert mine.json() == unknown.json()
    not_mine_centre = client.get(f"/api/v1/centres/{world['a'].code}/queue/")
    no_centre = client.get("/api/v1/centres/no-such-centre/queue/")
    assert not_mine_centre.status_code == no_centre.status_code == 404
    assert not_mine_centre.json() == no_centre.json()


def test_check_in_of_another_centres_booking_is_404(client, world):
    appointment = appointment_book(
        service=world["service"],
        centre=world["a"],
        starts_at=tomorrow_at(world["a"], 11),
        booked_by=world["manager"],
        **citizen(),
    ).appointment
    url = f"/api/v1/appointments/{appointment.reference}/check-in/"
    for role, expected in [("operator_b", 404), ("official", 403), ("nobody", 403)]:
        client.force_login(world[role])
        response = client.post(url, {"fin": appointment.fin}, content_type="application/json")
        assert response.status_code == expected, role
    client.logout()
    assert client.post(url, {"fin": appointment.fin}, content_type="application/json").status_code == 403
    appointment.refresh_from_db()
    assert appointment.checked_in_at is None


def test_the_public_ticket_needs_no_account(client, world):
    response = client.get(f"/api/v1/tickets/{world['called'].public_token}/")
    assert response.status_code == 200
    assert response.json()["counter_number"] == world["counter_2"].number


def test_helpers_resolve_the_centre_of_each_object(world):
    for obj in (world["a"], world["counter"], world["called"]):
        assert centre_of(obj) == world["a"]
    assert user_may_see_queue(world["official"], world["a"]) and not user_may_work_queue(world["official"], world["a"])
    assert user_may_work_queue(world["operator"], world["a"]) and not user_may_see_queue(
        world["operator_b"], world["a"]
    )
