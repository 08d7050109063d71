"""The queue's pages through the Django client: kiosk, counter screen, display, live ticket and
the manager's view, including that staff of centre A cannot open or work centre B's queue."""

import pytest
from django.urls import reverse
from django.utils import translation

from appointments import queue
from appointments.models import CounterSession, CounterSessionStatus, Ticket, TicketEvent, TicketStatus
from appointments.services import appointment_book
from centres.models import Counter, StaffRole
from tests.appointments.factories import citizen, tomorrow_at
from tests.appointments.queue_factories import another_service, operator_at, priority_group, queue_setup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def hall():
    """Centre A (two counters, service letter A) and centre B, with their staff."""
    service, centre = queue_setup(counters=2, letter="A")
    other_service, other_centre = queue_setup(counters=1, letter="C")
    return {
        "service": service,
        "centre": centre,
        "counter": Counter.objects.get(centre=centre, number=1),
        "operator": operator_at(centre),
        "manager": operator_at(centre, role=StaffRole.MANAGER),
        "other_service": other_service,
        "other_centre": other_centre,
        "other_counter": Counter.objects.get(centre=other_centre, number=1),
        "other_operator": operator_at(other_centre),
    }


def _url(name, **kwargs):
    return reverse(f"queue:{name}", kwargs=kwargs)


def _act(client, hall, action, **data):
    url = _url("counter_action", centre=hall["centre"].code, counter=hall["counter"].pk, action=action)
    return client.post(url, data, HTTP_HX_REQUEST="true")


# --- kiosk ----------------------------------------------------------------------------------


def test_kiosk_needs_a_login(client, hall):
    response = client.get(_url("kiosk", centre=hall["centre"].code))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_kiosk_lists_groups_then_services_and_issues_a_numbered_ticket(client, hall):
    client.force_login(hall["operator"])
    code = hall["centre"].code
    group = priority_group(hall["centre"], code="elderly")

    groups = client.get(_url("kiosk", centre=code))
    services = client.get(_url("kiosk", centre=code), {"category": hall["service"].category.code})
    first = client.post(
        _url("kiosk_service", centre=code, service=hall["service"].code),
        {"priority_group": str(group.pk), "phone": "+994 50 123 45 67"},
    )
    second = client.post(_url("kiosk_service", centre=code, service=hall["service"].code), {})

    assert hall["service"].category.name_en in groups.content.decode()
    assert hall["service"].name_en in services.content.decode()
    tickets = list(Ticket.objects.filter(centre=hall["centre"]).order_by("number"))
    assert [t.display_code for t in tickets] == ["A-001", "A-002"]
    assert tickets[0].priority_group == group and tickets[0].phone == "+994501234567"
    assert first.status_code == 302
    assert first["Location"] == _url("kiosk_ticket", centre=code, token=tickets[0].public_token)
    printed = client.get(first["Location"]).content.decode()
    assert "A-001" in printed
    assert "<svg" in printed  # the QR code of the live page
    assert second.status_code == 302


def test_kiosk_shows_a_refusal_for_a_bad_phone_and_issues_nothing(client, hall):
    client.force_login(hall["operator"])
    response = client.post(
        _url("kiosk_service", centre=hall["centre"].code, service=hall["service"].code), {"phone": "12"}
    )
    assert response.status_code == 400
    assert "Azerbaijani mobile number" in response.content.decode()
    assert not Ticket.objects.exists()


def test_kiosk_check_in_with_an_unknown_reference_says_so(client, hall):
    client.force_login(hall["operator"])
    response = client.post(_url("kiosk_check_in", centre=hall["centre"].code), {"reference": "ZZZZ-0000"})
    assert response.status_code == 404
    assert "No booking at this centre" in response.content.decode()


def test_kiosk_check_in_finds_the_booking_and_shows_the_arrival_rule(client, hall):
    # given a booking for tomorrow at centre A, and one at centre B
    booking = appointment_book(
        service=hall["service"],
        centre=hall["centre"],
        starts_at=tomorrow_at(hall["centre"], 10),
        booked_by=hall["manager"],
        **citizen(),
    ).appointment
    other = appointment_book(
        service=hall["other_service"],
        centre=hall["other_centre"],
        starts_at=tomorrow_at(hall["other_centre"], 10),
        booked_by=hall["other_operator"],
        **citizen(),
    ).appointment
    client.force_login(hall["operator"])
    url = _url("kiosk_check_in", centre=hall["centre"].code)

    # when the citizen types the reference (lower case) a day early, or B's reference at A
    early = client.post(url, {"reference": booking.reference.lower()})
    elsewhere = client.post(url, {"reference": other.reference})

    # then the arrival rule answers, and B's booking is not found at A; no ticket either way
    assert early.status_code == 400
    assert "Check-in opens" in early.content.decode()
    assert elsewhere.status_code == 404
    assert not Ticket.objects.exists()


# --- counter screen -------------------------------------------------------------------------


def test_operator_signs_in_calls_starts_and_completes_through_the_counter_screen(client, hall):
    client.force_login(hall["operator"])
    ticket = queue.ticket_issue(centre=hall["centre"], service=hall["service"])

    page = client.get(_url("counter", centre=hall["centre"].code, counter=hall["counter"].pk))
    opened = _act(client, hall, "open")
    called = _act(client, hall, "call")
    started = _act(client, hall, "start", ticket=ticket.pk)
    completed = _act(client, hall, "complete", ticket=ticket.pk, outcome="Done")

    assert page.status_code == 200 and "Sign in at this counter" in page.content.decode()
    assert opened.status_code == 200 and "Call next" in opened.content.decode()
    assert called.status_code == 200 and "A-001" in called.content.decode()
    assert started.status_code == 200
    assert completed.status_code == 200 and "A-001 served." in completed.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.COMPLETED
    assert ticket.outcome == "Done" and ticket.operator == hall["operator"] and ticket.counter == hall["counter"]
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("action", flat=True)) == [
        "issue",
        "call",
        "start",
        "complete",
    ]


def test_call_next_with_nobody_waiting_says_so(client, hall):
    client.force_login(hall["operator"])
    _act(client, hall, "open")
    response = _act(client, hall, "call")
    assert response.status_code == 200
    assert "Nobody is waiting" in response.content.decode()


def test_an_illegal_action_is_a_clear_4xx_on_the_screen(client, hall):
    client.force_login(hall["operator"])
    ticket = queue.ticket_issue(centre=hall["centre"], service=hall["service"])
    _act(client, hall, "open")
    _act(client, hall, "call")

    # no-show before the recalls the rules ask for
    response = _act(client, hall, "no-show", ticket=ticket.pk)

    assert 400 <= response.status_code < 500
    assert "Recall the ticket" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED


def test_call_next_before_signing_in_is_refused(client, hall):
    client.force_login(hall["operator"])
    queue.ticket_issue(centre=hall["centre"], service=hall["service"])
    response = _act(client, hall, "call")
    assert response.status_code == 409
    assert not Ticket.objects.filter(status=TicketStatus.CALLED).exists()


def test_transfer_to_another_service_sends_the_ticket_back_to_waiting(client, hall):
    client.force_login(hall["operator"])
    second = another_service(hall["centre"], letter="B", counters=(2,))
    ticket = queue.ticket_issue(centre=hall["centre"], service=hall["service"])
    _act(client, hall, "open")
    _act(client, hall, "call")

    response = _act(client, hall, "transfer", ticket=ticket.pk, target=f"service:{second.pk}")

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING and ticket.service == second


def test_pause_resume_and_close_the_counter(client, hall):
    client.force_login(hall["operator"])
    _act(client, hall, "open")
    _act(client, hall, "pause")
    assert CounterSession.objects.get(counter=hall["counter"]).status == CounterSessionStatus.PAUSED
    _act(client, hall, "resume")
    assert CounterSession.objects.get(counter=hall["counter"]).status == CounterSessionStatus.OPEN
    _act(client, hall, "close")
    assert CounterSession.objects.get(counter=hall["counter"]).status == CounterSessionStatus.CLOSED


def test_an_official_may_look_at_a_counter_but_not_work_it(client, hall, django_user_model):
    from asan_portal.roles import OFFICIAL, role_grant

    official = django_user_model.objects.create_user(username="official", password="x")
    role_grant(user=official, role=OFFICIAL)
    client.force_login(official)
    page = client.get(_url("counter", centre=hall["centre"].code, counter=hall["counter"].pk))
    response = _act(client, hall, "open")
    assert page.status_code == 200
    assert "not work it" in page.content.decode()
    assert response.status_code == 403
    assert not CounterSession.objects.exists()


# --- centre A / centre B ---------------------------------------------------------------------


def test_staff_of_centre_a_get_404_on_centre_b_pages(client, hall):
    client.force_login(hall["operator"])
    b = hall["other_centre"].code
    for url in (
        _url("home", centre=b),
        _url("kiosk", centre=b),
        _url("kiosk_service", centre=b, service=hall["other_service"].code),
        _url("counter", centre=b, counter=hall["other_counter"].pk),
        _url("manage", centre=b),
    ):
        assert client.get(url).status_code == 404, url


def test_staff_of_centre_a_cannot_act_on_centre_b_queue(client, hall):
    ticket = queue.ticket_issue(centre=hall["other_centre"], service=hall["other_service"])
    client.force_login(hall["manager"])
    b = hall["other_centre"].code

    responses = [
        client.post(_url("counter_action", centre=b, counter=hall["other_counter"].pk, action="open")),
        client.post(_url("counter_action", centre=b, counter=hall["other_counter"].pk, action="call")),
        client.post(_url("kiosk_service", centre=b, service=hall["other_service"].code), {}),
        client.post(_url("end_of_day", centre=b), {"confirm": "yes"}),
        # B's counter through A's URL: the counter must belong to the URL's centre
        client.post(
            _url("counter_action", centre=hall["centre"].code, counter=hall["other_counter"].pk, action="open")
        ),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert Ticket.objects.filter(centre=hall["other_centre"]).count() == 1
    assert not CounterSession.objects.exists()


def test_an_operator_cannot_open_the_manager_view(client, hall):
    client.force_login(hall["operator"])
    assert client.get(_url("manage", centre=hall["centre"].code)).status_code == 404


# --- manager's view ----------------------------------------------------------------------------


def test_manager_view_shows_the_live_figures_and_ends_the_day(client, hall):
    served = queue.ticket_issue(centre=hall["centre"], service=hall["service"])
    left = queue.ticket_issue(centre=hall["centre"], service=hall["service"])
    queue.counter_session_open(counter=hall["counter"], operator=hall["operator"])
    queue.ticket_call_next(counter=hall["counter"], operator=hall["operator"])
    queue.ticket_start(ticket=served, operator=hall["operator"])
    queue.ticket_complete(ticket=served, operator=hall["operator"])
    client.force_login(hall["manager"])

    page = client.get(_url("manage", centre=hall["centre"].code))
    refused = client.post(_url("end_of_day", centre=hall["centre"].code), {})
    ended = client.post(_url("end_of_day", centre=hall["centre"].code), {"confirm": "yes"})

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-stat="waiting">1<' in html
    assert 'data-stat="served">1<' in html
    assert hall["service"].name_en in html
    assert refused.status_code == 302
    left.refresh_from_db()
    assert ended.status_code == 302
    assert left.status == TicketStatus.NOT_SERVED
    assert CounterSession.objects.get(counter=hall["counter"]).status == CounterSessionStatus.CLOSED


# --- public: display and live ticket -----------------------------------------------------------


def test_display_and_its_feed_are_public_and_show_the_latest_call(client, hall):
    queue.ticket_issue(centre=hall["centre"], service=hall["service"])
    queue.ticket_issue(centre=hall["centre"], service=hall["service"])
    queue.counter_session_open(counter=hall["counter"], operator=hall["operator"])
    queue.ticket_call_next(counter=hall["counter"], operator=hall["operator"])

    page = client.get(_url("display", centre=hall["centre"].code))
    feed = client.get(_url("display_feed", centre=hall["centre"].code)).json()
    other = client.get(_url("display_feed", centre=hall["other_centre"].code)).json()

    assert page.status_code == 200 and "A-001" in page.content.decode()
    assert [(row["code"], row["counter"]) for row in feed["called"]] == [("A-001", 1)]
    assert other["called"] == []


def test_live_ticket_shows_people_ahead_then_the_counter_to_go_to(client, hall):
    first = queue.ticket_issue(centre=hall["centre"], service=hall["service"])
    second = queue.ticket_issue(centre=hall["centre"], service=hall["service"])
    status_url = _url("ticket_status", token=second.public_token)

    waiting = client.get(status_url).json()
    page = client.get(_url("ticket", token=second.public_token)).content.decode()
    queue.counter_session_open(counter=hall["counter"], operator=hall["operator"])
    queue.ticket_call_next(counter=hall["counter"], operator=hall["operator"])
    queue.ticket_start(ticket=first, operator=hall["operator"])
    queue.ticket_complete(ticket=first, operator=hall["operator"])
    queue.ticket_call_next(counter=hall["counter"], operator=hall["operator"])
    called = client.get(status_url).json()

    assert waiting["status"] == "waiting" and waiting["ahead"] == 1
    assert waiting["headline"] == "1 person ahead of you"
    assert "A-002" in page
    assert called["status"] == "called" and called["counter"] == 1
    assert called["headline"] == "Please come to counter 1"


def test_an_unknown_ticket_token_is_404(client, hall):
    assert client.get(_url("ticket", token="nope")).status_code == 404
    assert client.get(_url("ticket_status", token="nope")).status_code == 404
