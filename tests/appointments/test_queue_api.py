"""Queue REST API: each endpoint's success and refusals (kiosk, check-in, counters, ticket steps,
the centre's queue and the citizen's public ticket). Who may do what at which centre is in
test_queue_permissions.py."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appointments.models import Appointment, AppointmentStatus, PriorityGroup, Ticket, TicketEvent, TicketStatus
from appointments.queue import counter_session_open, ticket_issue
from appointments.services import appointment_book
from asan_portal.roles import CENTRE_MANAGER, OFFICIAL, OPERATOR, role_grant
from centres.models import Counter, StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.centres.factories import offer
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def queue_world(django_user_model):
    """Centres A and B, each offering a service on two counters; a second service at A on
    counter 2 only; a priority group at each; operators and managers of A and B, an official,
    a user with no role."""
    service, centre_a = bookable_setup(counters=2)
    service_b, centre_b = bookable_setup(counters=2)
    other_service = ServiceFactory()
    offer(centre_a, other_service, counters=0)
    counter_2 = Counter.objects.get(centre=centre_a, number=2)
    counter_2.services.add(other_service)

    def user(name, role=None, centre=None, membership=None):
        u = django_user_model.objects.create_user(username=name, password="pw")
        if role:
            role_grant(user=u, role=role)
        if centre:
            StaffMembership.objects.create(user=u, centre=centre, role=membership)
        return u

    return {
        "service": service,
        "other_service": other_service,
        "service_b": service_b,
        "a": centre_a,
        "b": centre_b,
        "counter": Counter.objects.get(centre=centre_a, number=1),
        "counter_2": counter_2,
        "counter_b": Counter.objects.get(centre=centre_b, number=1),
        "elderly": PriorityGroup.objects.create(centre=centre_a, code="elderly", name_az="Yaşlılar", rank=2),
        "disability": PriorityGroup.objects.create(centre=centre_a, code="disability", name_az="Əlillər", rank=1),
        "elderly_b": PriorityGroup.objects.create(centre=centre_b, code="elderly", name_az="Yaşlılar", rank=1),
        "operator": user("operator", OPERATOR, centre_a, StaffRole.OPERATOR),
        "operator_2": user("operator2", OPERATOR, centre_a, StaffRole.OPERATOR),
        "manager": user("manager", CENTRE_MANAGER, centre_a, StaffRole.MANAGER),
        "operator_b": user("operator_b", OPERATOR, centre_b, StaffRole.OPERATOR),
        "manager_b": user("manager_b", CENTRE_MANAGER, centre_b, StaffRole.MANAGER),
        "official": user("official", OFFICIAL),
        "nobody": user("nobody"),
    }


@pytest.fixture
def world(django_user_model):
    return queue_world(django_user_model)


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json", headers={"Accept-Language": "en"})


def issue_url(centre):
    return f"/api/v1/centres/{centre.code}/tickets/"


def call_url(counter):
    return f"/api/v1/counters/{counter.pk}/call-next/"


def action_url(ticket_id, action):
    return f"/api/v1/tickets/{ticket_id}/{action}/"


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


@pytest.fixture
def at_counter(world, client):
    """The operator of A signed in at counter 1 (the client is signed in as them)."""
    counter_session_open(counter=world["counter"], operator=world["operator"])
    client.force_login(world["operator"])
    return world["counter"]


def walk_in(world, **kwargs):
    return ticket_issue(centre=world["a"], service=kwargs.pop("service", world["service"]), **kwargs)


# --- Kiosk: issuing tickets ------------------------------------------------------------------


def test_kiosk_issues_numbered_tickets_with_a_live_link(world, client):
    client.force_login(world["operator"])
    letter = world["service"].category.ticket_letter

    first = post(client, issue_url(world["a"]), {"service": world["service"].code, "phone": "+994 50 123 45 67"})
    second = post(client, issue_url(world["a"]), {"service": world["service"].code, "language": "ru"})

    assert first.status_code == second.status_code == 201
    one, two = first.json(), second.json()
    assert (one["display_code"], two["display_code"]) == (f"{letter}-001", f"{letter}-002")
    assert (one["number"], two["number"]) == (1, 2)
    assert one["status"] == "waiting" and one["counter_number"] is None
    assert one["ahead"] == 0 and two["ahead"] == 1
    assert one["public_token"] != two["public_token"]
    assert one["public_token"] in one["live_url"] and one["live_url"].startswith("http")
    assert "phone" not in one
    stored = Ticket.objects.get(pk=one["id"])
    assert stored.phone == "+994501234567" and stored.centre == world["a"]
    assert Ticket.objects.get(pk=two["id"]).language == "ru"
    assert TicketEvent.objects.filter(ticket=stored, action="issue").count() == 1


def test_kiosk_ticket_with_a_priority_group_of_the_centre(world, client):
    client.force_login(world["operator"])
    response = post(client, issue_url(world["a"]), {"service": world["service"].code, "priority_group": "elderly"})
    assert response.status_code == 201
    assert Ticket.objects.get(pk=response.json()["id"]).priority_group == world["elderly"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "service"),
        ({"service": "no-such-service"}, "service"),
        ({"service": "Not a code!"}, "service"),
        ({"service": "SERVICE", "priority_group": "no-such-group"}, "priority_group"),
        ({"service": "SERVICE", "phone": "12345"}, "phone"),
        ({"service": "SERVICE", "language": "fr"}, "language"),
    ],
)
def test_kiosk_refuses_bad_details_with_the_field(world, client, body, field):
    client.force_login(world["operator"])
    body = {key: world["service"].code if value == "SERVICE" else value for key, value in body.items()}
    response = post(client, issue_url(world["a"]), body)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Ticket.objects.exists()


def test_kiosk_refuses_a_priority_group_of_another_centre(world, client):
    world["elderly"].delete()  # only centre B has an "elderly" group now
    client.force_login(world["operator"])
    response = post(client, issue_url(world["a"]), {"service": world["service"].code, "priority_group": "elderly"})
    assert response.status_code == 400
    assert "priority_group" in error_of(response)["fields"]


def test_kiosk_refuses_a_service_the_centre_does_not_offer(world, client):
    client.force_login(world["operator"])
    response = post(client, issue_url(world["a"]), {"service": world["service_b"].code})
    assert response.status_code == 400
    assert error_of(response)["code"] == "not_offered"
    assert error_of(response)["message"] == "This service is not offered at this centre."


def test_kiosk_answers_in_the_language_asked_for(world, client):
    client.force_login(world["operator"])
    # The generic validation message is translated already; the queue's own come with the locale update.
    response = post(client, issue_url(world["a"]) + "?lang=ru", {"service": "Not a code!"})
    assert response.status_code == 400
    assert response["Content-Language"] == "ru"
    assert re.search("[а-яА-Я]", error_of(response)["message"]), error_of(response)["message"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "service": json_values | st.sampled_from(["SERVICE", "passport-issue", ""]),
            "priority_group": json_values | st.sampled_from(["elderly", "disability", ""]),
            "phone": json_values | st.sampled_from(["+994501234567", "050 123 45 67", "+7 999"]),
            "language": json_values | st.sampled_from(["az", "en", "ru", "xx"]),
        },
    )
)
def test_junk_kiosk_bodies_get_a_4xx_in_the_error_shape_never_a_500(world, client, body):
    client.force_login(world["operator"])
    if body.get("service") == "SERVICE":
        body["service"] = world["service"].code
    response = post(client, issue_url(world["a"]), body)
    assert response.status_code in (201, 400), (body, response.content)
    if response.status_code == 400:
        assert error_of(response)["message"]
    else:
        assert Ticket.objects.filter(pk=response.json()["id"], centre=world["a"]).exists()


def test_kiosk_rejects_a_body_that_is_not_an_object(world, client):
    client.force_login(world["operator"])
    response = client.post(issue_url(world["a"]), "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    response = client.post(issue_url(world["a"]), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


# --- Check-in of a booking ---------------------------------------------------------------------


@pytest.fixture
def booking_due_soon(world):
    """A confirmed booking at A, moved to start in 10 minutes (the API checks in on the real clock)."""
    appointment = appointment_book(
        service=world["service"],
        centre=world["a"],
        starts_at=tomorrow_at(world["a"], 11),
        booked_by=world["manager"],
        **citizen(),
    ).appointment
    assert appointment.status == AppointmentStatus.CONFIRMED
    starts_at = (timezone.now() + dt.timedelta(minutes=10)).replace(microsecond=0)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=starts_at,
        ends_at=starts_at + appointment.duration,
        local_date=starts_at.astimezone(world["a"].tz).date(),
    )
    appointment.refresh_from_db()
    return appointment


def check_in_url(reference):
    return f"/api/v1/appointments/{reference}/check-in/"


def test_check_in_with_reference_and_fin_gives_a_ticket_due_at_the_booked_time(world, client, booking_due_soon):
    client.force_login(world["operator"])
    fin = booking_due_soon.fin

    response = post(client, check_in_url(booking_due_soon.reference.lower()), {"fin": f" {fin.lower()} "})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["appointment"] == booking_due_soon.reference
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.appointment == booking_due_soon and ticket.due_at == booking_due_soon.starts_at
    booking_due_soon.refresh_from_db()
    assert booking_due_soon.status == AppointmentStatus.CHECKED_IN
    # A second press answers the same ticket, 200.
    again = post(client, check_in_url(booking_due_soon.reference), {"fin": fin})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Ticket.objects.count() == 1


def test_check_in_with_a_wrong_fin_is_not_found_and_changes_nothing(world, client, booking_due_soon):
    client.force_login(world["operator"])
    response = post(client, check_in_url(booking_due_soon.reference), {"fin": "ZZZZZZ9"})
    assert response.status_code == 404
    assert error_of(response)["message"] == "No booking matches this reference and FIN."
    booking_due_soon.refresh_from_db()
    assert booking_due_soon.status == AppointmentStatus.CONFIRMED
    assert not Ticket.objects.exists()


def test_check_in_needs_the_fin_and_a_known_reference(world, client, booking_due_soon):
    client.force_login(world["operator"])
    missing = post(client, check_in_url(booking_due_soon.reference), {})
    assert missing.status_code == 400 and "fin" in error_of(missing)["fields"]
    unknown = post(client, check_in_url("NOPE-NOPE"), {"fin": booking_due_soon.fin})
    assert unknown.status_code == 404


def test_check_in_too_early_is_refused_with_the_opening_time(world, client):
    appointment = appointment_book(
        service=world["service"],
        centre=world["a"],
        starts_at=tomorrow_at(world["a"], 11),
        booked_by=world["manager"],
        **citizen(),
    ).appointment
    client.force_login(world["operator"])
    response = post(client, check_in_url(appointment.reference), {"fin": appointment.fin})
    assert response.status_code == 400
    assert error_of(response)["code"] == "too_early_to_check_in"
    assert "10:30" in error_of(response)["message"]
    assert not Ticket.objects.exists()


# --- Counters: call next -----------------------------------------------------------------------


def test_call_next_on_an_empty_queue_is_204(world, at_counter, client):
    response = post(client, call_url(at_counter))
    assert response.status_code == 204
    assert response.content == b""


def test_call_next_calls_priority_before_first_come_and_records_who_and_where(world, at_counter, client):
    walk_in(world)
    elderly = walk_in(world, priority_group=world["elderly"])
    disability = walk_in(world, priority_group=world["disability"])

    response = post(client, call_url(at_counter))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == disability.pk
    assert body["status"] == "called" and body["counter"] == at_counter.pk and body["counter_number"] == 1
    assert body["priority_group"] == "disability" and body["called_at"]
    disability.refresh_from_db()
    assert disability.operator == world["operator"]
    assert TicketEvent.objects.filter(ticket=disability, action="call", counter=at_counter).exists()
    assert Ticket.objects.get(pk=elderly.pk).status == TicketStatus.WAITING


def test_call_next_only_takes_services_the_counter_handles(world, at_counter, client):
    walk_in(world, service=world["other_service"])  # counter 2 only
    assert post(client, call_url(at_counter)).status_code == 204


def test_call_next_without_signing_in_at_the_counter_is_409(world, client):
    walk_in(world)
    client.force_login(world["operator"])
    response = post(client, call_url(world["counter"]))
    assert response.status_code == 409
    assert error_of(response)["code"] == "no_open_session"
    assert Ticket.objects.get().status == TicketStatus.WAITING


def test_call_next_while_a_ticket_is_at_the_counter_is_409(world, at_counter, client):
    walk_in(world)
    walk_in(world)
    assert post(client, call_url(at_counter)).status_code == 200
    response = post(client, call_url(at_counter))
    assert response.status_code == 409
    assert error_of(response)["code"] == "counter_busy"
    assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == 1


def test_call_next_for_an_unknown_counter_is_404(world, client):
    client.force_login(world["operator"])
    assert post(client, "/api/v1/counters/999999/call-next/").status_code == 404


# --- One ticket's steps --------------------------------------------------------------------------


@pytest.fixture
def called(world, at_counter, client):
    walk_in(world)
    response = post(client, call_url(at_counter))
    assert response.status_code == 200
    return response.json()["id"]


def test_recall_start_complete(world, client, called):
    recalled = post(client, action_url(called, "recall"))
    assert recalled.status_code == 200 and recalled.json()["recalls"] == 1

    started = post(client, action_url(called, "start"))
    assert started.status_code == 200 and started.json()["status"] == "serving" and started.json()["started_at"]

    done = post(client, action_url(called, "complete"), {"outcome": "Passport application accepted"})
    assert done.status_code == 200
    assert done.json()["status"] == "completed" and done.json()["outcome"] == "Passport application accepted"
    actions = list(TicketEvent.objects.filter(ticket_id=called).values_list("action", flat=True))
    assert actions == ["issue", "call", "recall", "start", "complete"]


def test_an_illegal_step_is_409_with_a_clear_message_and_changes_nothing(world, client, called):
    assert post(client, action_url(called, "start")).status_code == 200
    assert post(client, action_url(called, "complete")).status_code == 200

    for action in ("recall", "start", "complete", "no-show"):
        response = post(client, action_url(called, action))
        assert response.status_code == 409, action
        error = error_of(response)
        assert error["code"] == "illegal_transition"
        assert error["message"] == "This ticket is Served, so this cannot be done now."
    response = post(client, action_url(called, "transfer"), {"service": world["other_service"].code})
    assert response.status_code == 409
    assert Ticket.objects.get(pk=called).status == TicketStatus.COMPLETED


def test_starting_a_waiting_ticket_is_409(world, at_counter, client):
    waiting = walk_in(world)
    response = post(client, action_url(waiting.pk, "start"))
    assert response.status_code == 409
    assert error_of(response)["code"] == "illegal_transition"
    assert "Waiting" in error_of(response)["message"]


def test_no_show_only_after_the_recalls(world, client, called):
    early = post(client, action_url(called, "no-show"))
    assert early.status_code == 409
    assert error_of(early)["code"] == "too_few_recalls"
    assert "2 times" in error_of(early)["message"]

    assert post(client, action_url(called, "recall")).status_code == 200
    assert post(client, action_url(called, "recall")).status_code == 200
    response = post(client, action_url(called, "no-show"))
    assert response.status_code == 200 and response.json()["status"] == "no_show"


def test_complete_refuses_a_long_outcome(world, client, called):
    post(client, action_url(called, "start"))
    response = post(client, action_url(called, "complete"), {"outcome": "x" * 201})
    assert response.status_code == 400
    assert "outcome" in error_of(response)["fields"]
    assert Ticket.objects.get(pk=called).status == TicketStatus.SERVING


def test_transfer_to_another_service_keeps_the_place_in_line(world, client, called):
    before = Ticket.objects.get(pk=called)
    response = post(client, action_url(called, "transfer"), {"service": world["other_service"].code})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "waiting" and body["service"] == world["other_service"].code
    assert body["counter"] is None
    after = Ticket.objects.get(pk=called)
    assert after.queued_at == before.queued_at and after.number == before.number


def test_transfer_to_a_counter_of_the_centre(world, client, called):
    response = post(client, action_url(called, "transfer"), {"counter": world["counter_2"].pk})
    assert response.status_code == 200
    assert response.json()["target_counter"] == world["counter_2"].pk


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "non_field_errors"), ({"service": "no-such-service"}, "service"), ({"counter": "two"}, "counter")],
)
def test_transfer_refuses_bad_targets(world, client, called, body, field):
    response = post(client, action_url(called, "transfer"), body)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert Ticket.objects.get(pk=called).status == TicketStatus.CALLED


def test_transfer_to_another_centres_counter_is_refused_without_confirming_it(world, client, called):
    response = post(client, action_url(called, "transfer"), {"counter": world["counter_b"].pk})
    unknown = post(client, action_url(called, "transfer"), {"counter": 999999})
    assert response.status_code == unknown.status_code == 400
    assert error_of(response) == error_of(unknown)
    assert Ticket.objects.get(pk=called).status == TicketStatus.CALLED


def test_an_unknown_ticket_is_404(world, at_counter, client):
    assert post(client, action_url(999999, "recall")).status_code == 404


# --- The centre's queue --------------------------------------------------------------------------


def test_queue_snapshot_counts_waiting_served_and_no_shows(world, client, called):
    walk_in(world)
    walk_in(world, service=world["other_service"])
    post(client, action_url(called, "start"))
    post(client, action_url(called, "complete"))
    client.force_login(world["manager"])

    response = client.get(f"/api/v1/centres/{world['a'].code}/queue/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["centre"] == world["a"].code
    assert body["waiting"] == 2
    per_service = {row["service"]: row["waiting"] for row in body["waiting_per_service"]}
    assert per_service == {world["service"].code: 1, world["other_service"].code: 1}
    assert body["served_today"] == 1 and body["no_shows_today"] == 0
    assert body["counters"]["open"] + body["counters"]["busy"] + body["counters"]["paused"] == 1


# --- The citizen's live ticket (public) ---------------------------------------------------------------


def test_public_ticket_shows_the_line_then_the_counter_and_nothing_personal(world, client):
    first = walk_in(world, phone="+994501234567")
    second = walk_in(world, phone="+994501234568")
    url = f"/api/v1/tickets/{second.public_token}/"

    waiting = client.get(url)
    assert waiting.status_code == 200
    body = waiting.json()
    assert body["display_code"] == second.display_code and body["status"] == "waiting"
    assert body["ahead"] == 1 and body["counter_number"] is None
    assert not {"phone", "id", "public_token", "operator", "appointment"} & set(body)
    assert "+99450" not in waiting.content.decode()

    counter_session_open(counter=world["counter_2"], operator=world["operator_2"])
    client.force_login(world["operator_2"])
    post(client, call_url(world["counter_2"]))  # takes the first ticket
    post(client, action_url(first.pk, "start"))
    post(client, action_url(first.pk, "complete"))
    post(client, call_url(world["counter_2"]))
    client.logout()

    now_called = client.get(url).json()
    assert now_called["status"] == "called" and now_called["counter_number"] == 2 and now_called["ahead"] == 0


def test_public_ticket_unknown_token_is_404(world, client):
    response = client.get("/api/v1/tickets/not-a-real-token/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
