"""Personal data retention (asan_portal/retention.py): each kind is anonymised in place once its
time is over, never before, never a row still in use, and a second run changes nothing."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from appointments import queue
from appointments.models import (
    Appointment,
    AppointmentStatus,
    Notification,
    NotificationStatus,
    SmsLogEntry,
    Ticket,
    WaitlistEntry,
    WaitlistStatus,
)
from appointments.notifications import message_enqueue
from appointments.services import appointment_book
from appointments.waitlist import waitlist_join
from asan_portal.celery import beat_schedule
from asan_portal.retention import ERASED_NAME, personal_data_purge
from asan_portal.roles import VOLUNTEER_COORDINATOR, role_grant
from feedback.complaints import complaint_move
from feedback.models import Complaint, ComplaintEvent, ComplaintStatus
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.appointments.queue_factories import queue_setup
from tests.feedback.complaint_factories import complaint_new
from tests.volunteers.factories import VolunteerApplicationFactory
from volunteers.applications import application_reject
from volunteers.models import ApplicationStatus, VolunteerApplication

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def retention(settings):
    settings.RETENTION = {
        "BOOKING_DAYS": 90,
        "TICKET_PHONE_DAYS": 30,
        "COMPLAINT_CONTACT_DAYS": 365,
        "REJECTED_APPLICATION_DAYS": 180,
        "SMS_LOG_DAYS": 30,
        "NOTIFICATION_DAYS": 30,
        "BATCH_SIZE": 2,  # several batches with a handful of rows
    }


def _later(days: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def _booking(service, centre, who, *, status=AppointmentStatus.COMPLETED):
    result = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **who)
    Appointment.objects.filter(pk=result.appointment.pk).update(status=status)
    return result.appointment


def test_finished_bookings_are_anonymised_90_days_after_the_visit_and_kept_for_statistics():
    service, centre = bookable_setup(counters=3)
    finished = [_booking(service, centre, citizen()) for _ in range(3)]
    # Same citizen, same day: blank FINs of finished bookings must not collide with each other.
    repeat = citizen()
    finished += [
        _booking(service, centre, repeat, status=AppointmentStatus.CANCELLED),
        _booking(service, centre, repeat, status=AppointmentStatus.CANCELLED),
    ]
    active = _booking(service, centre, citizen(), status=AppointmentStatus.CONFIRMED)
    visit_day = finished[0].local_date

    # 90 days after the visit: not yet
    assert personal_data_purge(now=_later(91) - dt.timedelta(days=1))["bookings"] == 0

    counts = personal_data_purge(now=_later(92))

    assert counts["bookings"] == 5
    for booking in Appointment.objects.filter(pk__in=[b.pk for b in finished]):
        assert (booking.full_name, booking.fin, booking.phone, booking.email) == (ERASED_NAME, "", "", "")
        assert (booking.local_date, booking.service_id, booking.centre_id) == (visit_day, service.pk, centre.pk)
    kept = Appointment.objects.get(pk=active.pk)
    assert kept.fin and kept.phone and kept.full_name != ERASED_NAME
    assert personal_data_purge(now=_later(92))["bookings"] == 0  # idempotent


def test_ended_waiting_list_entries_are_anonymised_90_days_after_their_last_day():
    service, centre = bookable_setup()
    day = timezone.localdate() + dt.timedelta(days=2)
    ended, _token = waitlist_join(service=service, centre=centre, first_day=day, last_day=day, **citizen())
    WaitlistEntry.objects.filter(pk=ended.pk).update(status=WaitlistStatus.EXPIRED)
    waiting, _token = waitlist_join(service=service, centre=centre, first_day=day, last_day=day, **citizen())

    assert personal_data_purge(now=_later(2 + 90))["waitlist"] == 0
    assert personal_data_purge(now=_later(2 + 91))["waitlist"] == 1

    ended.refresh_from_db()
    assert (ended.full_name, ended.fin, ended.phone) == (ERASED_NAME, "", "")
    assert WaitlistEntry.objects.get(pk=waiting.pk).fin == waiting.fin  # still waiting: kept
    assert personal_data_purge(now=_later(2 + 91))["waitlist"] == 0


def test_ticket_phones_are_erased_30_days_after_the_day():
    service, centre = queue_setup()
    with_phone = queue.ticket_issue(centre=centre, service=service, phone="+994501112233")
    without = queue.ticket_issue(centre=centre, service=service)

    assert personal_data_purge(now=_later(30))["ticket_phones"] == 0
    assert personal_data_purge(now=_later(31))["ticket_phones"] == 1

    with_phone.refresh_from_db()
    assert with_phone.phone == "" and with_phone.status
    assert Ticket.objects.filter(pk=without.pk).exists()
    assert personal_data_purge(now=_later(31))["ticket_phones"] == 0


def test_complaint_contacts_are_erased_a_year_after_closing_only():
    manager = get_user_model().objects.create_user("retention-manager")
    closed = complaint_new()
    complaint_move(complaint=closed, to_status=ComplaintStatus.IN_REVIEW, by=manager)
    complaint_move(complaint=closed, to_status=ComplaintStatus.CLOSED, by=manager, now=_later(10))
    still_open = complaint_new(phone="", email="someone@example.az")
    steps = ComplaintEvent.objects.filter(complaint=closed).count()

    assert personal_data_purge(now=_later(10 + 364))["complaint_contacts"] == 0
    counts = personal_data_purge(now=_later(10 + 366))

    assert counts["complaint_contacts"] == 1
    closed.refresh_from_db()
    assert (closed.full_name, closed.phone, closed.email) == (ERASED_NAME, "", "")
    assert closed.text and closed.status == ComplaintStatus.CLOSED  # the complaint itself stays for statistics
    assert ComplaintEvent.objects.filter(complaint=closed).count() == steps
    assert Complaint.objects.get(pk=still_open.pk).email == "someone@example.az"
    assert personal_data_purge(now=_later(10 + 366))["complaint_contacts"] == 0


def test_rejected_volunteer_applications_are_anonymised_180_days_after_the_decision():
    coordinator = get_user_model().objects.create_user("retention-coordinator")
    role_grant(user=coordinator, role=VOLUNTEER_COORDINATOR)
    rejected = VolunteerApplicationFactory()
    application_reject(application=rejected, by=coordinator, reason="Yaş tələbinə uyğun deyil")
    waiting = VolunteerApplicationFactory()
    born = VolunteerApplication.objects.get(pk=rejected.pk).date_of_birth

    assert personal_data_purge(now=_later(179))["rejected_applications"] == 0
    assert personal_data_purge(now=_later(181))["rejected_applications"] == 1

    rejected.refresh_from_db()
    assert (rejected.full_name, rejected.email, rejected.phone) == (ERASED_NAME, "", "")
    assert (rejected.skills, rejected.institution, rejected.availability_note) == ("", "", "")
    assert rejected.date_of_birth == dt.date(born.year, 1, 1)
    assert rejected.status == ApplicationStatus.REJECTED and rejected.rejection_reason
    assert VolunteerApplication.objects.get(pk=waiting.pk).full_name == waiting.full_name
    assert personal_data_purge(now=_later(181))["rejected_applications"] == 0


def test_sms_log_and_sent_notifications_lose_recipient_and_text_after_30_days_pending_ones_never():
    sent = message_enqueue(
        key="retention:sent", kind="test", channel="sms", recipient="+994501234567",
        language="az", subject="", body="Kod: 1234",
    )  # fmt: skip
    Notification.objects.filter(pk=sent.pk).update(status=NotificationStatus.SENT, sent_at=timezone.now())
    pending = message_enqueue(
        key="retention:pending", kind="test", channel="email", recipient="a@example.az",
        language="az", subject="Xatırlatma", body="Sabah saat 10:00",
    )  # fmt: skip
    log = SmsLogEntry.objects.create(recipient="+994501234567", body="Kod: 1234", notification=sent)

    assert personal_data_purge(now=_later(29))["notifications"] == 0
    counts = personal_data_purge(now=_later(31))

    assert (counts["notifications"], counts["sms_log"]) == (1, 1)
    sent.refresh_from_db()
    log.refresh_from_db()
    assert (sent.recipient, sent.body, sent.status) == ("", "", NotificationStatus.SENT)
    assert (log.recipient, log.body) == ("", "")
    assert Notification.objects.get(pk=pending.pk).recipient == "a@example.az"
    assert personal_data_purge(now=_later(31)) == dict.fromkeys(counts, 0)


def test_the_purge_runs_nightly_from_beat_and_as_a_task():
    from asan_portal.tasks import personal_data_purge as task

    entry = next(e for e in beat_schedule().values() if e["task"] == "asan_portal.personal_data_purge")
    assert entry["schedule"].hour == {3}
    task.delay()  # eager in tests: runs and raises nothing on an empty database
