"""One check-in, wherever it is done (issue 12.1): the desk (staff booking page), the kiosk and
the API all go through appointments.queue.ticket_check_in_appointment, so a checked-in citizen
always has exactly one ticket in the line, called at the booked time ahead of walk-ins."""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from appointments import queue
from appointments.models import Appointment, AppointmentStatus, Ticket
from appointments.services import appointment_book
from centres.models import Counter
from tests.appointments.factories import citizen, tomorrow_at
from tests.appointments.queue_factories import operator_at, queue_setup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def due():
    """A confirmed booking starting two minutes ago (check-in runs on the real clock here),
    its centre's operator, and the service."""
    service, centre = queue_setup()
    operator = operator_at(centre)
    appointment = appointment_book(
        service=service, centre=centre, starts_at=tomorrow_at(centre, 11), booked_by=operator, **citizen()
    ).appointment
    starts_at = (timezone.now() - dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=starts_at,
        ends_at=starts_at + appointment.duration,
        local_date=starts_at.astimezone(centre.tz).date(),
    )
    appointment.refresh_from_db()
    return {"appointment": appointment, "operator": operator, "centre": centre, "service": service}


def _desk(client, due):
    client.force_login(due["operator"])
    url = reverse(
        "appointments_staff:check_in",
        kwargs={"centre": due["centre"].code, "reference": due["appointment"].reference},
    )
    return client.post(url, follow=True)


def _kiosk(client, due):
    client.force_login(due["operator"])
    url = reverse("queue:kiosk_check_in", kwargs={"centre": due["centre"].code})
    return client.post(url, {"reference": due["appointment"].reference})


def _api(client, due):
    client.force_login(due["operator"])
    url = f"/api/v1/appointments/{due['appointment'].reference}/check-in/"
    return client.post(url, {"fin": due["appointment"].fin}, content_type="application/json")


PATHS = {"desk": _desk, "kiosk": _kiosk, "api": _api}


@pytest.mark.parametrize("where", PATHS)
def test_every_check_in_gives_the_citizen_a_ticket_due_at_the_booked_time(client, due, where):
    response = PATHS[where](client, due)

    assert response.status_code in (200, 201, 302)  # the kiosk redirects to the ticket
    appointment = Appointment.objects.get(pk=due["appointment"].pk)
    assert appointment.status == AppointmentStatus.CHECKED_IN
    ticket = Ticket.objects.get(appointment=appointment)
    assert ticket.due_at == appointment.starts_at
    assert ticket.status == "waiting"


def test_the_desk_check_in_shows_the_ticket_number(client, due):
    response = _desk(client, due)

    ticket = Ticket.objects.get(appointment=due["appointment"])
    page = response.content.decode()
    assert "Checked in. Queue ticket" in page
    assert page.count(ticket.display_code) >= 2  # the message and the booking's facts


def test_a_desk_check_in_is_called_before_walk_ins(client, due):
    centre, service = due["centre"], due["service"]
    walk_in = queue.ticket_issue(centre=centre, service=service)
    _desk(client, due)

    counter = Counter.objects.get(centre=centre)
    queue.counter_session_open(counter=counter, operator=due["operator"])
    called = queue.ticket_call_next(counter=counter, operator=due["operator"])

    assert called.appointment_id == due["appointment"].pk
    assert called.pk != walk_in.pk


def test_checking_in_at_desk_kiosk_and_api_gives_one_ticket(client, due):
    for check_in in PATHS.values():
        check_in(client, due)

    assert Ticket.objects.filter(appointment=due["appointment"]).count() == 1


def test_a_booking_checked_in_before_tickets_came_with_it_gets_one_at_the_desk(client, due):
    # Checked in by the old desk path: status CHECKED_IN, no ticket. Pressing again repairs it.
    Appointment.objects.filter(pk=due["appointment"].pk).update(
        status=AppointmentStatus.CHECKED_IN, checked_in_at=timezone.now()
    )
    client.force_login(due["operator"])
    detail = reverse(
        "appointments_staff:detail",
        kwargs={"centre": due["centre"].code, "reference": due["appointment"].reference},
    )
    assert "Give a queue ticket" in client.get(detail).content.decode()

    _desk(client, due)

    assert Ticket.objects.filter(appointment=due["appointment"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_ticket_for_one_booking(due):
    first = queue.ticket_check_in_appointment(appointment=due["appointment"])

    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            centre=first.centre,
            service=first.service,
            date=first.date,
            letter=first.letter,
            number=first.number + 1,
            public_token="another-token",
            queued_at=first.queued_at,
            issued_at=first.issued_at,
            appointment=due["appointment"],
        )


def test_only_the_queue_service_records_arrivals():
    """`arrival_record` alone checks a booking in without a ticket: only the one check-in
    service (appointments/queue.py) may call it, so no page or API can drift again."""
    root = Path(settings.BASE_DIR)
    callers = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if relative.parts[0] in {".venv", "tests", "var", "node_modules"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
        if "arrival_record" in names:
            callers.append(str(relative))
    assert sorted(callers) == ["appointments/queue.py"]  # arrival.py only defines it
