"""The notification outbox relay: once-only sends, retries with backoff, reminders that re-check
the booking, the HTTP SMS gateway backend and who may read the SMS log.

The relay is called directly with `now=` (the task only wraps it); the real worker on Redis
is exercised in test_worker.py.
"""

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from appointments.models import AppointmentStatus, Notification, NotificationStatus, SmsLogEntry
from appointments.notifications import backoff_delay, notification_enqueue, notifications_send_due
from appointments.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointments_expire_holds,
)
from appointments.sms import HttpGatewayBackend, LogBackend, SmsSendError
from asan_portal.celery import app as celery_app
from asan_portal.celery import beat_schedule
from asan_portal.roles import CENTRE_MANAGER, OFFICIAL, OPERATOR, role_grant, roles_sync
from centres.models import StaffMembership, StaffRole
from tests.appointments.factories import bookable_setup, citizen, tomorrow_at
from tests.second_factor import verified_login

pytestmark = pytest.mark.django_db

FAILING = "appointments.sms.FailingBackend"
LOG = "appointments.sms.LogBackend"


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user("clerk")


@pytest.fixture
def no_walk_in_share(settings):
    settings.APPOINTMENTS = {**settings.APPOINTMENTS, "WALK_IN_SHARE": 0}


def confirmed(clerk, *, setup=None, days=2, hour=10, minute=0, email=""):
    """A booking made by staff on a citizen's behalf: confirmed at once, reminders queued."""
    service, centre = setup or bookable_setup()
    return appointment_book(
        service=service,
        centre=centre,
        starts_at=tomorrow_at(centre, hour, minute, days=days),
        booked_by=clerk,
        email=email,
        **citizen(),
    ).appointment


def row(appointment, kind, channel="sms"):
    return Notification.objects.get(appointment=appointment, kind=kind, channel=channel, status__in=_all_statuses())


def _all_statuses():
    return [s.value for s in NotificationStatus]


def sms_texts(appointment):
    return list(
        SmsLogEntry.objects.filter(notification__appointment=appointment).values_list("notification__kind", flat=True)
    )


def test_the_confirmation_goes_out_once_even_when_the_relay_runs_twice(clerk):
    # given
    appointment = confirmed(clerk)
    # when
    first = notifications_send_due()
    second = notifications_send_due()
    # then
    assert (first.sent, second.sent) == (1, 0)
    entry = SmsLogEntry.objects.get()
    assert appointment.reference in entry.body
    assert entry.recipient == appointment.phone
    confirmation = row(appointment, "confirmation")
    assert confirmation.status == NotificationStatus.SENT
    assert confirmation.attempts == 1
    # the reminders are not due yet
    assert set(sms_texts(appointment)) == {"confirmation"}


def test_reminders_are_sent_once_each_at_their_local_time(clerk):
    appointment = confirmed(clerk, hour=10)
    notifications_send_due()
    day_before = row(appointment, "reminder_day_before")
    soon = row(appointment, "reminder_soon")
    local_day_before = day_before.send_after.astimezone(appointment.centre.tz)
    assert local_day_before.time() == dt.time(18, 0)
    assert local_day_before.date() == appointment.local_date - dt.timedelta(days=1)
    assert appointment.starts_at - soon.send_after == dt.timedelta(hours=2)

    # a second before its time, nothing; at its time, once, however often the relay runs
    assert notifications_send_due(now=day_before.send_after - dt.timedelta(seconds=1)).sent == 0
    assert notifications_send_due(now=day_before.send_after).sent == 1
    assert notifications_send_due(now=day_before.send_after + dt.timedelta(minutes=5)).sent == 0
    assert notifications_send_due(now=soon.send_after).sent == 1
    assert notifications_send_due(now=soon.send_after + dt.timedelta(minutes=1)).sent == 0

    assert sorted(sms_texts(appointment)) == ["confirmation", "reminder_day_before", "reminder_soon"]


def test_a_reminder_is_written_in_the_citizens_language(clerk):
    service, centre = bookable_setup()
    appointment = appointment_book(
        service=service,
        centre=centre,
        starts_at=tomorrow_at(centre, 10, days=2),
        booked_by=clerk,
        language="en",
        **citizen(),
    ).appointment
    reminder = row(appointment, "reminder_soon")
    notifications_send_due(now=reminder.send_after)
    text = SmsLogEntry.objects.get(notification=reminder).body
    assert text.startswith("ASAN: your visit is today")


def test_a_failed_send_is_recorded_and_retried_with_backoff_until_it_succeeds(clerk, settings):
    # given: the gateway is down
    settings.SMS_BACKEND = FAILING
    appointment = confirmed(clerk)
    t0 = row(appointment, "confirmation").send_after
    # when: the first attempt fails
    first = notifications_send_due(now=t0)
    # then: it is recorded and the next attempt waits for the first backoff step
    message = row(appointment, "confirmation")
    assert first.failed == 1
    assert message.status == NotificationStatus.PENDING
    assert message.attempts == 1
    assert "unavailable" in message.last_error
    assert message.next_attempt_at == t0 + dt.timedelta(seconds=30)

    # not before its time
    assert notifications_send_due(now=t0 + dt.timedelta(seconds=29)).failed == 0
    assert row(appointment, "confirmation").attempts == 1
    # the second attempt fails too and waits longer
    t1 = t0 + dt.timedelta(seconds=30)
    notifications_send_due(now=t1)
    message = row(appointment, "confirmation")
    assert message.attempts == 2
    assert message.next_attempt_at == t1 + dt.timedelta(seconds=120)

    # when the gateway is back, the third attempt goes through, once
    settings.SMS_BACKEND = LOG
    notifications_send_due(now=t1 + dt.timedelta(seconds=120))
    notifications_send_due(now=t1 + dt.timedelta(seconds=600))
    message = row(appointment, "confirmation")
    assert message.status == NotificationStatus.SENT
    assert message.attempts == 3
    assert SmsLogEntry.objects.filter(notification=message).count() == 1


def test_backoff_grows_and_is_capped():
    delays = [backoff_delay(n).total_seconds() for n in range(1, 9)]
    assert delays == [30, 120, 600, 1800, 3600, 3600, 3600, 3600]


def test_a_message_fails_for_good_after_the_last_attempt(clerk, settings):
    settings.SMS_BACKEND = FAILING
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "MAX_ATTEMPTS": 2}
    appointment = confirmed(clerk)
    t = row(appointment, "confirmation").send_after
    notifications_send_due(now=t)
    notifications_send_due(now=t + dt.timedelta(hours=1))
    message = row(appointment, "confirmation")
    assert (message.status, message.attempts, message.next_attempt_at) == (NotificationStatus.FAILED, 2, None)
    # final: a later run, even with the gateway back, leaves it alone
    settings.SMS_BACKEND = LOG
    notifications_send_due(now=t + dt.timedelta(days=1, hours=-2))
    assert row(appointment, "confirmation").attempts == 2
    assert not SmsLogEntry.objects.filter(notification=message).exists()


def test_a_relay_run_stops_early_when_the_gateway_keeps_failing(clerk, settings):
    settings.SMS_BACKEND = FAILING
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "RELAY_STOP_AFTER_FAILURES": 3}
    appointment = confirmed(clerk)
    for n in range(5):
        notification_enqueue(appointment=appointment, kind="change", dedup_suffix=str(n))
    result = notifications_send_due()
    assert (result.failed, result.stopped_early) == (3, True)
    assert (
        Notification.objects.filter(
            attempts=0, status=NotificationStatus.PENDING, send_after__lte=dt.datetime.now(dt.UTC)
        ).count()
        == 3
    )


def test_a_cancelled_booking_gets_no_reminder(clerk):
    # given
    appointment = confirmed(clerk)
    notifications_send_due()
    # when
    appointment_cancel(appointment=appointment, by_staff=clerk)
    soon = row(appointment, "reminder_soon")
    notifications_send_due(now=soon.send_after)
    # then: the cancellation went out, the reminders were skipped and say why
    assert sorted(sms_texts(appointment)) == ["cancellation", "confirmation"]
    for kind in ("reminder_day_before", "reminder_soon"):
        reminder = row(appointment, kind)
        assert reminder.status == NotificationStatus.SKIPPED
        assert "not confirmed" in reminder.last_error


def test_a_moved_booking_is_reminded_only_of_its_new_time(clerk, no_walk_in_share):
    # given: a booking the day after tomorrow at 10:00, moved to the day after at 11:00
    service, centre = setup = bookable_setup()
    appointment = confirmed(clerk, setup=setup, days=2, hour=10)
    old_soon = row(appointment, "reminder_soon")
    old_day_before = row(appointment, "reminder_day_before")
    new_start = tomorrow_at(centre, 11, days=3)
    appointment_reschedule(appointment=appointment, starts_at=new_start, by_staff=clerk)
    new_reminders = Notification.objects.filter(appointment=appointment, kind__startswith="reminder_").exclude(
        pk__in=[old_soon.pk, old_day_before.pk]
    )
    assert new_reminders.count() == 2
    # when: the relay runs at each reminder's time
    for when in sorted({old_day_before.send_after, old_soon.send_after, *(r.send_after for r in new_reminders)}):
        notifications_send_due(now=when)
    # then: the old ones were skipped, the new ones sent once, naming the new time
    for old in (old_day_before, old_soon):
        old.refresh_from_db()
        assert old.status == NotificationStatus.SKIPPED
        assert "moved" in old.last_error
    for new in new_reminders.all():  # fresh rows
        assert new.status == NotificationStatus.SENT
        assert SmsLogEntry.objects.get(notification=new).body.count("11:00") == 1
    assert sorted(sms_texts(appointment)) == ["change", "confirmation", "reminder_day_before", "reminder_soon"]


def test_a_code_for_an_expired_hold_is_not_sent():
    service, centre = bookable_setup()
    held = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen()).appointment
    appointments_expire_holds(now=held.hold_expires_at + dt.timedelta(seconds=1))
    notifications_send_due()
    code = row(held, "verification_code")
    assert code.status == NotificationStatus.SKIPPED
    assert not SmsLogEntry.objects.exists()


def test_an_email_copy_goes_out_once_beside_the_sms(clerk):
    appointment = confirmed(clerk, email="vetendash@example.az")
    notifications_send_due()
    notifications_send_due()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["vetendash@example.az"]
    assert appointment.reference in message.subject
    assert message.extra_headers["X-Asan-Message-Id"] == row(appointment, "confirmation", "email").dedup_key
    assert row(appointment, "confirmation", "email").status == NotificationStatus.SENT


class SlowLogBackend(LogBackend):
    """Writes to the SMS log after a pause, so concurrent relays overlap on every message."""

    def send(self, **kwargs):
        time.sleep(0.02)
        super().send(**kwargs)


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_send_each_message_exactly_once(clerk, settings, no_walk_in_share):
    # given: eight confirmed bookings, each with an SMS and an e-mail confirmation due
    settings.SMS_BACKEND = f"{__name__}.SlowLogBackend"
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "NUDGE_AFTER_COMMIT": False}  # only the relays below send
    setup = bookable_setup(counters=1, duration=20)
    appointments = [
        confirmed(clerk, setup=setup, hour=9 + n // 3, minute=20 * (n % 3), email=f"c{n}@example.az") for n in range(8)
    ]
    barrier = threading.Barrier(4)
    results, errors = [], []

    def relay():
        try:
            barrier.wait()
            results.append(notifications_send_due())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    # when: four relays start together
    threads = [threading.Thread(target=relay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then: every message was sent by exactly one of them
    assert errors == []
    assert sum(r.sent for r in results) == 16
    assert sum(1 for r in results if r.sent) > 1, "the relays did not overlap; the test proves nothing"
    assert SmsLogEntry.objects.count() == 8
    assert sorted(SmsLogEntry.objects.values_list("notification__appointment", flat=True)) == sorted(
        a.pk for a in appointments
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"c{n}@example.az" for n in range(8))


# --- the HTTP gateway backend, against a real local HTTP server ------------------------------


class Gateway:
    def __init__(self):
        self.requests = []
        self.status = 200
        self.delay = 0.0


@pytest.fixture
def gateway():
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the standard library's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
            time.sleep(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}' if state.status < 300 else b'{"error": "refused"}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    yield state
    server.shutdown()
    server.server_close()


def test_the_http_backend_posts_json_with_a_bearer_token_and_the_message_id(gateway):
    HttpGatewayBackend(url=gateway.url, token="s3cret", timeout=2).send(
        to="+994501234567", body="Salam", message_id="appointment:1:confirmation::sms"
    )
    (request,) = gateway.requests
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["Idempotency-Key"] == "appointment:1:confirmation::sms"
    assert request["json"] == {
        "to": "+994501234567",
        "text": "Salam",
        "message_id": "appointment:1:confirmation::sms",
        "sender": "ASAN",
    }


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (503, False), (429, False), (400, True), (401, True)])
def test_the_http_backend_says_whether_a_refusal_is_worth_retrying(gateway, status, permanent):
    gateway.status = status
    with pytest.raises(SmsSendError) as refused:
        HttpGatewayBackend(url=gateway.url, token="t", timeout=2).send(to="+994501234567", body="x", message_id="m")
    assert refused.value.permanent is permanent
    assert str(status) in str(refused.value)


def test_the_http_backend_gives_up_waiting_after_its_timeout(gateway):
    gateway.delay = 3
    started = time.monotonic()
    with pytest.raises(SmsSendError) as refused:
        HttpGatewayBackend(url=gateway.url, token="t", timeout=0.3).send(to="+994501234567", body="x", message_id="m")
    assert time.monotonic() - started < 2
    assert refused.value.permanent is False


def test_the_relay_sends_through_the_gateway_and_a_permanent_refusal_fails_at_once(gateway, clerk, settings):
    settings.SMS_BACKEND = "appointments.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_TOKEN = "t"
    appointment = confirmed(clerk)
    notifications_send_due()
    confirmation = row(appointment, "confirmation")
    assert confirmation.status == NotificationStatus.SENT
    assert gateway.requests[0]["json"]["message_id"] == confirmation.dedup_key

    gateway.status = 400
    appointment_cancel(appointment=appointment, by_staff=clerk)
    notifications_send_due()
    cancellation = row(appointment, "cancellation")
    assert (cancellation.status, cancellation.attempts) == (NotificationStatus.FAILED, 1)
    assert "400" in cancellation.last_error


# --- beat and the admin ----------------------------------------------------------------------


def test_beat_runs_the_relay_holds_and_lateness_tasks_which_exist():
    celery_app.loader.import_default_modules()
    schedule = beat_schedule()
    # Other apps add their own periodic tasks (tests/volunteers/test_reminders.py checks theirs).
    assert {entry["task"] for entry in schedule.values()} >= {
        "appointments.notifications_relay_due",
        "appointments.appointments_expire_holds",
        "appointments.appointments_lapse_late",
        "appointments.waitlists_expire_offers",
        "appointments.idempotency_records_purge",
    }
    assert all(entry["task"] in celery_app.tasks for entry in schedule.values())
    assert schedule["relay-due-notifications"]["schedule"] <= 10
    assert celery_app.conf.beat_schedule == schedule


def _staff(django_user_model, username, role=None, centre=None, membership=None):
    roles_sync()
    user = django_user_model.objects.create_user(username, password="x")  # noqa: S106
    if role:
        role_grant(user=user, role=role)
    if membership:
        StaffMembership.objects.create(user=user, centre=centre, role=membership)
    return django_user_model.objects.get(pk=user.pk)


def test_the_sms_log_is_read_by_superusers_and_the_centres_managers_only_and_codes_by_superusers(
    client, django_user_model
):
    service, centre = bookable_setup()
    held = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen())
    notifications_send_due()
    other_centre = bookable_setup()[1]
    users = {
        "superuser": django_user_model.objects.create_superuser("root", password="x"),  # noqa: S106
        "manager": _staff(django_user_model, "manager", CENTRE_MANAGER, centre, StaffRole.MANAGER),
        "other manager": _staff(django_user_model, "other", CENTRE_MANAGER, other_centre, StaffRole.MANAGER),
        "operator": _staff(django_user_model, "operator", OPERATOR, centre, StaffRole.OPERATOR),
        "official": _staff(django_user_model, "official", OFFICIAL),
    }
    url = reverse("admin:appointments_smslogentry_changelist")
    seen = {}
    for name, user in users.items():
        verified_login(client, user)
        response = client.get(url)
        seen[name] = (response.status_code, held.code in response.content.decode())
    # Managers read the log with codes and links hidden (issue 12.12, tests/appointments/test_message_redaction.py).
    assert seen == {
        "superuser": (200, True),
        "manager": (200, False),
        "other manager": (200, False),
        "operator": (403, False),
        "official": (403, False),
    }


def test_staff_find_a_booking_by_reference_fin_or_phone_but_change_nothing_in_the_admin(
    client, django_user_model, clerk
):
    appointment = confirmed(clerk)
    other = confirmed(clerk)
    manager = _staff(django_user_model, "manager", CENTRE_MANAGER, appointment.centre, StaffRole.MANAGER)
    client.force_login(manager)
    url = reverse("admin:appointments_appointment_changelist")
    for term in (appointment.reference, appointment.fin, appointment.phone):
        page = client.get(url, {"q": term}).content.decode()
        assert appointment.reference in page
        assert other.reference not in page  # another centre's booking
    assert client.get(reverse("admin:appointments_appointment_add")).status_code == 403
    change = reverse("admin:appointments_appointment_change", args=[appointment.pk])
    assert client.post(change, {"status": "cancelled"}).status_code == 403
    assert client.get(reverse("admin:appointments_notification_add")).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def test_the_outbox_hides_a_verification_code_from_operators_and_managers(client, django_user_model):
    service, centre = bookable_setup()
    held = appointment_book(service=service, centre=centre, starts_at=tomorrow_at(centre, 10), **citizen())
    code_row = row(held.appointment, "verification_code")
    change = reverse("admin:appointments_notification_change", args=[code_row.pk])
    operator = _staff(django_user_model, "operator", OPERATOR, centre, StaffRole.OPERATOR)
    manager = _staff(django_user_model, "manager", CENTRE_MANAGER, centre, StaffRole.MANAGER)
    seen = {}
    for user in (operator, manager):
        verified_login(client, user)
        response = client.get(change)
        seen[user.username] = (response.status_code, held.code in response.content.decode())
    assert seen == {"operator": (200, False), "manager": (200, False)}


def test_the_beat_task_lapses_a_booking_more_than_the_grace_period_late(clerk):
    from appointments.tasks import appointments_lapse_late

    service, centre = bookable_setup()
    yesterday = tomorrow_at(centre, 10, days=-1)
    late = appointment_book(  # booked two days before; now long past its grace period
        service=service,
        centre=centre,
        starts_at=yesterday,
        booked_by=clerk,
        now=yesterday - dt.timedelta(days=2),
        **citizen(),
    ).appointment
    on_time = confirmed(clerk, days=2)
    assert appointments_lapse_late.apply().get() == 1
    assert appointments_lapse_late.apply().get() == 0  # a second run changes nothing
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (late.status, on_time.status) == (AppointmentStatus.LAPSED, AppointmentStatus.CONFIRMED)
