"""Pages with a citizen's full FIN or mobile number, volunteers' phones, or the citizen's rating
form say `Cache-Control: no-store` (issue 12.16, asan_portal/private_pages.py)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from appointments.services import appointment_book
from asan_portal.roles import CENTRE_MANAGER, VOLUNTEER_COORDINATOR, role_grant
from centres.models import StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.feedback.complaint_factories import complaint_new
from tests.feedback.factories import completed_visit, token_from_message
from tests.volunteers.factories import ShiftFactory, ShiftSignupFactory, VolunteerApplicationFactory

pytestmark = pytest.mark.django_db


def assert_no_store(response, shown=None):
    assert response.status_code == 200, response.status_code
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")
    assert "private" in response["Cache-Control"]
    if shown is not None:
        assert shown in response.content.decode()


def url(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


@pytest.fixture
def manager(django_user_model):
    service, centre = bookable_setup()
    user = django_user_model.objects.create_user("manager", password="pw")  # noqa: S106
    role_grant(user=user, role=CENTRE_MANAGER)
    StaffMembership.objects.create(user=user, centre=centre, role=StaffRole.MANAGER)
    return user, service, centre


@pytest.fixture
def coordinator(django_user_model):
    user = django_user_model.objects.create_user("coordinator", password="pw")  # noqa: S106
    role_grant(user=user, role=VOLUNTEER_COORDINATOR)
    return user


def test_staff_booking_pages_with_fin_and_phone_are_no_store(client, manager):
    user, service, centre = manager
    appointment = appointment_book(
        service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen()
    ).appointment
    client.force_login(user)

    detail = client.get(url("appointments_staff:detail", centre=centre.code, reference=appointment.reference))
    assert_no_store(detail, appointment.fin)
    assert appointment.phone in detail.content.decode()
    for page in (
        url("appointments_staff:day", centre=centre.code) + f"?date={appointment.local_date.isoformat()}",
        url("appointments_staff:book", centre=centre.code),
        url("appointments_staff:move", centre=centre.code, reference=appointment.reference),
    ):
        assert_no_store(client.get(page))


def test_staff_complaint_pages_with_the_phone_are_no_store(client, manager):
    user, _service, centre = manager
    complaint = complaint_new(centre=centre)
    client.force_login(user)

    assert_no_store(client.get(url("complaints_staff:list")))
    assert_no_store(client.get(url("complaints_staff:detail", number=complaint.tracking_number)), complaint.phone)


def test_coordinator_pages_with_phones_are_no_store(client, coordinator):
    application = VolunteerApplicationFactory()
    start = timezone.now() + dt.timedelta(days=2)
    shift = ShiftFactory(starts_at=start, ends_at=start + dt.timedelta(hours=4), date=timezone.localdate(start))
    signup = ShiftSignupFactory(shift=shift)
    week = shift.date.isoformat()
    client.force_login(coordinator)

    assert_no_store(client.get(url("volunteers:application-list")))
    assert_no_store(client.get(url("volunteers:application-detail", pk=application.pk)), application.phone)
    assert_no_store(
        client.get(url("volunteers:roster", centre=shift.centre.code) + f"?week={week}"), signup.volunteer.phone
    )
    assert_no_store(client.get(url("volunteers:coverage") + f"?centre={shift.centre.code}&week={week}"))
    assert_no_store(client.get(url("volunteers:coordinator-shift", pk=shift.pk)), signup.volunteer.phone)
    assert_no_store(client.get(url("volunteers:coordinator-shifts-week", centre=shift.centre.code)))
    assert_no_store(client.get(url("volunteers:coordinator-volunteer", pk=signup.volunteer.pk)), signup.volunteer.phone)


def test_the_citizens_rating_page_is_no_store(client):
    visit = completed_visit(phone="+994501112233")

    response = client.get(url("ratings:rate", token=token_from_message(visit)), follow=True)

    assert_no_store(response, visit.display_code)
