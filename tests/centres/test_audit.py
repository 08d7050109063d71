"""The staff audit trail (centres/audit.py): the actions recorded nowhere else get an AuditEntry
with who, where from and which request; the trail reads every other record in place; the
admin list is read-only and for officials."""

import datetime as dt

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.urls import reverse
from django.utils import timezone, translation

from appointments import queue
from appointments.services import appointment_book, appointment_cancel
from asan_portal.roles import CENTRE_MANAGER, OFFICIAL, OPERATOR, VOLUNTEER_COORDINATOR, role_grant
from centres.audit import audit_trail
from centres.models import AuditEntry, StaffMembership, StaffRole
from feedback.complaints import complaint_move
from feedback.models import ComplaintStatus
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.appointments.queue_factories import operator_at, queue_setup
from tests.feedback.complaint_factories import complaint_new
from tests.second_factor import verified_login
from tests.volunteers.conftest import shift_around
from tests.volunteers.factories import ShiftFactory, ShiftSignupFactory, VolunteerFactory, baku_today
from volunteers import attendance, shifts
from volunteers.applications import volunteer_password_link_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(django_user_model):
    service, centre = bookable_setup(counters=2)
    operator = django_user_model.objects.create_user("audit-operator", password="pw")
    role_grant(user=operator, role=OPERATOR)
    StaffMembership.objects.create(user=operator, centre=centre, role=StaffRole.OPERATOR)
    booking = appointment_book(
        service=service, centre=centre, starts_at=tomorrow_at(centre, 10), booked_by=operator, **citizen()
    ).appointment
    return {"service": service, "centre": centre, "operator": operator, "booking": booking}


def test_a_cancellation_on_the_staff_page_records_who_from_where_and_the_request(client, desk):
    client.force_login(desk["operator"])
    url = reverse(
        "appointments_staff:cancel", kwargs={"centre": desk["centre"].code, "reference": desk["booking"].reference}
    )

    client.post(url, {"reason": "duplicate"}, REMOTE_ADDR="10.20.30.40", HTTP_X_REQUEST_ID="req-audit-1")

    entry = AuditEntry.objects.get(action="booking_cancel")
    assert entry.details == {"reason": "duplicate", "details": ""}
    assert (entry.actor, entry.actor_username) == (desk["operator"], "audit-operator")
    assert (entry.object_type, entry.object_id) == ("appointments.appointment", str(desk["booking"].pk))
    assert (entry.centre, entry.ip, entry.request_id) == (desk["centre"], "10.20.30.40", "req-audit-1")


def test_a_citizen_cancelling_their_own_booking_is_no_staff_action(desk):
    appointment_cancel(appointment=desk["booking"])
    assert not AuditEntry.objects.exists()


def test_removing_and_moving_volunteers_are_recorded(django_user_model):
    coordinator = django_user_model.objects.create_user("audit-coordinator")
    day = baku_today() + dt.timedelta(days=3)
    first = ShiftFactory(date=day, start=dt.time(9), end=dt.time(13), needed=2)
    second = ShiftFactory(centre=first.centre, date=day + dt.timedelta(days=1), start=dt.time(9), end=dt.time(13))
    moved = shifts.shift_sign_up(shift=first, volunteer=VolunteerFactory(centres=[first.centre]))
    removed = shifts.shift_sign_up(shift=first, volunteer=VolunteerFactory(centres=[first.centre]))

    shifts.signup_move(signup=moved, to_shift=second, by=coordinator)
    shifts.shift_remove(signup=removed, by=coordinator, reason="Xəstədir")

    entries = {e.action: e for e in AuditEntry.objects.all()}
    assert set(entries) == {"shift_move", "shift_remove"}
    assert entries["shift_move"].details == {"from_shift": first.pk, "to_shift": second.pk}
    assert entries["shift_remove"].object_id == str(removed.pk)
    assert all(e.actor == coordinator and e.centre == first.centre and e.ip is None for e in entries.values())


@pytest.fixture
def coordinator(django_user_model):
    user = django_user_model.objects.create_user("audit-coordinator-2")
    role_grant(user=user, role=VOLUNTEER_COORDINATOR)
    return user


def _trail(**kwargs):
    now = timezone.now()
    return audit_trail(since=now - dt.timedelta(hours=1), until=now + dt.timedelta(minutes=1), **kwargs)


def test_the_coordinators_check_in_and_out_are_staff_actions_a_volunteers_own_scan_is_not(coordinator):
    # given: two volunteers on shifts starting now at one centre
    shift = shift_around(timezone.now() - dt.timedelta(minutes=5), hours=3)
    by_desk = ShiftSignupFactory(shift=shift, volunteer=VolunteerFactory(centres=[shift.centre]))
    scanner = VolunteerFactory(centres=[shift.centre])
    by_scan = ShiftSignupFactory(shift=shift, volunteer=scanner)

    # when: the coordinator checks one in and out; the other scans the centre's QR code twice
    attendance.signup_check_in(signup=by_desk, by=coordinator, method="coordinator")
    attendance.signup_check_out(signup=by_desk, by=coordinator)
    attendance.signup_scan_qr(volunteer=scanner, centre=shift.centre)
    attendance.signup_scan_qr(volunteer=scanner, centre=shift.centre)

    # then: both scans happened, and only the coordinator's steps are in the trail
    by_scan.refresh_from_db()
    assert by_scan.checked_in_at is not None and by_scan.checked_out_at is not None
    rows = [(r.actor, r.action, r.object_id, r.centre_id) for r in _trail(centre=shift.centre)]
    assert sorted(rows) == [
        ("audit-coordinator-2", "volunteer_check_in", str(by_desk.pk), shift.centre.pk),
        ("audit-coordinator-2", "volunteer_check_out", str(by_desk.pk), shift.centre.pk),
    ]
    check_in = AuditEntry.objects.get(action="volunteer_check_in")
    assert check_in.details == {"shift": shift.pk, "attendance": "present"}


def test_a_password_link_sent_by_the_coordinator_is_recorded(coordinator):
    volunteer = VolunteerFactory()

    queued = volunteer_password_link_send(volunteer=volunteer, by=coordinator)

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action) == (coordinator, "volunteer_password_link")
    assert (entry.object_type, entry.object_id) == ("volunteers.volunteer", str(volunteer.pk))
    assert entry.details == {"queued": len(queued)} and len(queued) == 2
    assert ("audit-coordinator-2", "volunteer_password_link") in {(r.actor, r.action) for r in _trail()}


def test_marking_the_programme_completed_is_recorded_with_the_dates(coordinator):
    volunteer = VolunteerFactory(programme_started_on=dt.date(2025, 9, 1))

    attendance.volunteer_programme_complete(volunteer=volunteer, by=coordinator, completed_on=dt.date(2026, 1, 31))
    attendance.volunteer_programme_complete(volunteer=volunteer, by=coordinator, completed_on=dt.date(2026, 2, 2))

    entries = AuditEntry.objects.filter(action="volunteer_programme_complete").order_by("pk")
    assert [e.details for e in entries] == [
        {"completed_on": "2026-01-31", "before": None},
        {"completed_on": "2026-02-02", "before": "2026-01-31"},
    ]
    assert {(e.actor, e.object_id) for e in entries} == {(coordinator, str(volunteer.pk))}


def test_changing_how_many_volunteers_a_shift_needs_is_recorded_and_a_no_change_is_not(coordinator):
    shift = ShiftFactory(date=baku_today() + dt.timedelta(days=2), start=dt.time(9), end=dt.time(13), needed=2)

    shifts.shift_change_needed(shift=shift, needed=5, by=coordinator)
    shifts.shift_change_needed(shift=shift, needed=5, by=coordinator)

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.centre) == (coordinator, "shift_needed_change", shift.centre)
    assert (entry.object_type, entry.object_id) == ("volunteers.shift", str(shift.pk))
    assert entry.details == {"before": 2, "after": 5}


def test_officials_read_the_coordinators_actions_on_the_trail_page(client, django_user_model, coordinator):
    shift = shift_around(timezone.now() - dt.timedelta(minutes=5), hours=3)
    signup = ShiftSignupFactory(shift=shift, volunteer=VolunteerFactory(centres=[shift.centre]))
    attendance.signup_check_in(signup=signup, by=coordinator, method="coordinator")
    shifts.shift_change_needed(shift=shift, needed=shift.needed + 1, by=coordinator)
    volunteer_password_link_send(volunteer=signup.volunteer, by=coordinator)
    attendance.volunteer_programme_complete(volunteer=signup.volunteer, by=coordinator, completed_on=baku_today())
    official = django_user_model.objects.create_user("audit-reader-2", password="pw", is_staff=True)
    role_grant(user=official, role=OFFICIAL)
    client.force_login(official)

    with translation.override("en"):
        text = client.get(reverse("admin:centres_auditentry_trail"), {"days": "1"}).content.decode()

    for action in (
        "volunteer_check_in",
        "shift_needed_change",
        "volunteer_password_link",
        "volunteer_programme_complete",
    ):
        assert action in text
    assert "audit-coordinator-2" in text


def test_the_trail_reads_every_place_staff_actions_are_recorded_newest_first(django_user_model, desk):
    # given: one action of each kind, some at the desk's centre, one at another
    start = timezone.now() - dt.timedelta(minutes=1)
    appointment_cancel(appointment=desk["booking"], by_staff=desk["operator"])  # AuditEntry
    service, centre = queue_setup()
    operator = operator_at(centre)
    counter = centre.counters.first()
    queue.counter_session_open(counter=counter, operator=operator)
    queue.ticket_issue(centre=centre, service=service)
    queue.ticket_call_next(counter=counter, operator=operator)  # TicketEvent
    manager = django_user_model.objects.create_user("audit-manager")
    role_grant(user=manager, role=CENTRE_MANAGER)
    complaint = complaint_new(centre=desk["centre"])
    complaint_move(complaint=complaint, to_status=ComplaintStatus.IN_REVIEW, by=manager)  # ComplaintEvent
    LogEntry.objects.log_actions(user_id=manager.pk, queryset=[desk["centre"]], action_flag=ADDITION)  # the admin

    # when
    rows = audit_trail(since=start, until=timezone.now() + dt.timedelta(minutes=1))
    at_desk = audit_trail(since=start, until=timezone.now() + dt.timedelta(minutes=1), centre=desk["centre"])

    # then
    sources = {row.source for row in rows}
    assert {"audit", "appointment", "ticket_event", "complaint_event", "admin_log"} <= sources
    assert [row.at for row in rows] == sorted((row.at for row in rows), reverse=True)
    assert ("audit-operator", "booking_on_behalf") in {(r.actor, r.action) for r in rows}
    assert ("audit-manager", "complaint_in_review") in {(r.actor, r.action) for r in rows}
    assert {row.centre_id for row in at_desk} == {desk["centre"].pk}
    assert "ticket_event" not in {row.source for row in at_desk}


def test_the_trail_costs_a_fixed_number_of_queries(django_assert_num_queries, desk):
    for _ in range(3):
        extra = appointment_book(
            service=desk["service"],
            centre=desk["centre"],
            starts_at=tomorrow_at(desk["centre"], 11),
            booked_by=desk["operator"],
            **citizen(),
        ).appointment
        appointment_cancel(appointment=extra, by_staff=desk["operator"])
    since = timezone.now() - dt.timedelta(hours=1)
    with django_assert_num_queries(8):
        rows = audit_trail(since=since, until=timezone.now() + dt.timedelta(minutes=1))
    assert len(rows) >= 7


def test_the_admin_list_is_read_only_and_for_officials(client, django_user_model, desk):
    appointment_cancel(appointment=desk["booking"], by_staff=desk["operator"])
    entry = AuditEntry.objects.get()
    official = django_user_model.objects.create_user("audit-official", password="pw", is_staff=True)
    role_grant(user=official, role=OFFICIAL)
    root = django_user_model.objects.create_superuser("audit-root", password="pw")
    changelist = reverse("admin:centres_auditentry_changelist")

    client.force_login(official)
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:centres_auditentry_add")).status_code == 403
    verified_login(client, root)
    assert client.get(reverse("admin:centres_auditentry_delete", args=[entry.pk])).status_code == 403
    assert client.post(reverse("admin:centres_auditentry_change", args=[entry.pk]), {"action": "x"}).status_code == 403
    client.force_login(desk["operator"])
    assert client.get(changelist).status_code in (302, 403)
    entry.refresh_from_db()
    assert entry.action == "booking_cancel"


def test_officials_read_every_source_on_one_page_and_others_may_not(client, django_user_model, desk):
    appointment_cancel(appointment=desk["booking"], by_staff=desk["operator"])
    official = django_user_model.objects.create_user("audit-reader", password="pw", is_staff=True)
    role_grant(user=official, role=OFFICIAL)
    with translation.override("en"):
        trail = reverse("admin:centres_auditentry_trail")
        changelist = reverse("admin:centres_auditentry_changelist")

    client.force_login(official)
    page = client.get(trail, {"days": "2", "centre": desk["centre"].code})
    odd = client.get(trail, {"days": "many", "centre": "no-such-centre"})

    assert page.status_code == 200
    text = page.content.decode()
    assert "booking_cancel" in text and "booking_on_behalf" in text and "audit-operator" in text
    assert odd.status_code == 200
    assert "All staff actions" in client.get(changelist).content.decode()
    manager = django_user_model.objects.create_user("audit-manager-2", password="pw", is_staff=True)
    role_grant(user=manager, role=CENTRE_MANAGER)
    client.force_login(manager)
    assert client.get(trail).status_code == 403
