"""Messages to citizens go through an outbox (the Notification table). See docs/adr/0009.

`notification_enqueue` writes the row in the caller's transaction; after commit it nudges a
worker without ever waiting on the broker, and beat relays pending rows every few seconds
anyway, so nothing lives only in Redis. `notifications_send_due` is the relay: it claims
one due row at a time (FOR UPDATE SKIP LOCKED), re-checks that the message still makes
sense, sends it and marks it SENT in the same transaction; a failed send is recorded and
retried with backoff. A message's `dedup_key` is unique, so the same message is never
queued, and so never sent, twice. Texts are rendered in the citizen's language when the
row is written.
"""

import datetime as dt
import logging
import os
import smtplib
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from asan_portal.metrics import notification_send_failed

from .models import (
    Appointment,
    AppointmentStatus,
    Notification,
    NotificationChannel,
    NotificationStatus,
    StaffCancelReason,
)
from .sms import SmsSendError, get_backend

logger = logging.getLogger(__name__)

REMINDER_KINDS = ("reminder_day_before", "reminder_soon")


def _local(appointment: Appointment) -> dt.datetime:
    return appointment.starts_at.astimezone(appointment.centre.tz)


def _when(appointment: Appointment) -> str:
    return date_format(_local(appointment), "d.m.Y H:i")


def cancel_reason_text(context: dict) -> str:
    """The reason staff gave, in the active language: the chosen reason, then the words typed."""
    reason, details = context.get("reason", ""), (context.get("details") or "").strip()
    if reason == StaffCancelReason.OTHER:
        return details
    label = str(StaffCancelReason(reason).label)
    return f"{label}: {details}" if details else label


def _texts(kind: str, appointment: Appointment, context: dict) -> tuple[str, str]:
    """(subject, body) for `kind`, in the active language."""
    centre = appointment.centre.name
    service = appointment.service.name
    ref = appointment.reference
    when = _when(appointment)
    if kind == "verification_code":
        return (
            _("Your confirmation code"),
            _("ASAN: your code is %(code)s. It confirms booking %(ref)s. Do not share it.")
            % {"code": context["code"], "ref": ref},
        )
    if kind == "confirmation":
        return (
            _("Booking %(ref)s confirmed") % {"ref": ref},
            _("ASAN: booking %(ref)s confirmed: %(service)s, %(centre)s, %(when)s. Manage: %(link)s")
            % {"ref": ref, "service": service, "centre": centre, "when": when, "link": context.get("link", "")},
        )
    if kind == "reminder_day_before":
        return (
            _("Reminder: your visit tomorrow"),
            _("ASAN: reminder, tomorrow %(when)s at %(centre)s (%(service)s). Booking %(ref)s.")
            % {"ref": ref, "service": service, "centre": centre, "when": when},
        )
    if kind == "reminder_soon":
        return (
            _("Reminder: your visit today"),
            _("ASAN: your visit is today at %(when)s, %(centre)s. Booking %(ref)s. Check in from 30 minutes before.")
            % {"ref": ref, "centre": centre, "when": when},
        )
    if kind == "cancellation" and context.get("reason"):
        return (
            _("Booking %(ref)s cancelled") % {"ref": ref},
            _("ASAN: booking %(ref)s (%(service)s, %(when)s) is cancelled by the centre. Reason: %(reason)s")
            % {"ref": ref, "service": service, "when": when, "reason": cancel_reason_text(context)},
        )
    if kind == "cancellation":
        return (
            _("Booking %(ref)s cancelled") % {"ref": ref},
            _("ASAN: booking %(ref)s (%(service)s, %(when)s) is cancelled.")
            % {"ref": ref, "service": service, "when": when},
        )
    if kind == "change":
        return (
            _("Booking %(ref)s moved") % {"ref": ref},
            _("ASAN: booking %(ref)s moved to %(when)s, %(centre)s.") % {"ref": ref, "when": when, "centre": centre},
        )
    if kind == "reschedule_needed":
        return (
            _("Please choose a new time"),
            _("ASAN: the counter for your booking %(ref)s on %(when)s is closed. Please choose a new time: %(link)s")
            % {"ref": ref, "when": when, "link": context.get("link", "")},
        )
    if kind == "closure_lifted":
        return (
            _("Your booking %(ref)s stands") % {"ref": ref},
            _(
                "ASAN: the counter is open again at the time of your booking %(ref)s, %(when)s, %(centre)s. "
                "Your booking stands: no need to choose a new time."
            )
            % {"ref": ref, "when": when, "centre": centre},
        )
    if kind == "waitlist_offer":
        return (
            _("A time is free for you"),
            _("ASAN: a time is free: %(service)s, %(centre)s, %(when)s. Accept by %(until)s: %(link)s")
            % {
                "service": service,
                "centre": centre,
                "when": when,
                "until": context.get("until", ""),
                "link": context.get("link", ""),
            },
        )
    raise ValueError(f"Unknown notification kind: {kind}")


def notification_enqueue(
    *,
    appointment: Appointment,
    kind: str,
    dedup_suffix: str = "",
    send_after: dt.datetime | None = None,
    context: dict | None = None,
) -> list[Notification]:
    """Queue `kind` for the appointment's citizen by SMS (and e-mail when known).

    Must run inside the transaction that made the change. A message already queued under
    the same key (appointment, kind, suffix, channel) is not queued again."""
    context = context or {}
    created = []
    with translation.override(appointment.language):
        subject, body = _texts(kind, appointment, context)
    channels = [(NotificationChannel.SMS, appointment.phone)]
    if appointment.email and kind != "verification_code":
        channels.append((NotificationChannel.EMAIL, appointment.email))
    for channel, recipient in channels:
        key = f"appointment:{appointment.pk}:{kind}:{dedup_suffix}:{channel}"
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        dedup_key=key,
                        kind=kind,
                        channel=channel,
                        recipient=recipient,
                        language=appointment.language,
                        subject=subject,
                        body=body,
                        appointment=appointment,
                        send_after=send_after or timezone.now(),
                    )
                )
        except IntegrityError:
            continue  # already queued: the key says this exact message exists
    if created:
        transaction.on_commit(relay_nudge)
    return created


def message_enqueue(
    *,
    key: str,
    kind: str,
    channel: str,
    recipient: str,
    language: str,
    subject: str,
    body: str,
    send_after: dt.datetime | None = None,
) -> Notification | None:
    """Queue one message that belongs to no booking or ticket (feedback, volunteers).

    Must run inside the transaction that made the change. `key` names the message for good
    (e.g. "volunteer-application:12:approved:sms"): a key already queued is not queued again,
    and None is returned. The caller renders `subject` and `body` in the recipient's language."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                dedup_key=key,
                kind=kind,
                channel=channel,
                recipient=recipient,
                language=language,
                subject=subject,
                body=body,
                send_after=send_after or timezone.now(),
            )
    except IntegrityError:
        return None  # already queued: the key says this exact message exists
    transaction.on_commit(relay_nudge)
    return notification


# --- the relay ------------------------------------------------------------------------------


def _setting(name: str):
    return settings.NOTIFICATIONS[name]


def backoff_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed send (1-based); the last step repeats."""
    steps = _setting("BACKOFF_SECONDS")
    return dt.timedelta(seconds=steps[min(attempts, len(steps)) - 1])


@dataclass
class RelayResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0  # failed attempts in this run (retried later or given up)
    stopped_early: bool = False


def _due(now: dt.datetime):
    return Notification.objects.filter(status=NotificationStatus.PENDING, send_after__lte=now).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _reminder_start(notification: Notification) -> dt.datetime | None:
    """The start time a reminder was queued for: its key is appointment:<id>:<kind>:<start>:<channel>."""
    prefix = f"appointment:{notification.appointment_id}:{notification.kind}:"
    suffix = f":{notification.channel}"
    key = notification.dedup_key
    if not (key.startswith(prefix) and key.endswith(suffix)):
        return None
    try:
        return dt.datetime.fromisoformat(key[len(prefix) : -len(suffix)])
    except ValueError:
        return None


def _no_longer_needed(notification: Notification, now: dt.datetime) -> str:
    """Why the message should not go out any more ("" when it should)."""
    appointment = notification.appointment
    if notification.kind in REMINDER_KINDS:
        if appointment is None or appointment.status != AppointmentStatus.CONFIRMED:
            return "booking is not confirmed any more"
        if _reminder_start(notification) != appointment.starts_at:
            return "booking was moved to another time"
        if appointment.starts_at <= now:
            return "the visit has already begun"
    if notification.kind == "verification_code" and (
        appointment is None or appointment.status != AppointmentStatus.HELD
    ):
        return "booking is not waiting for a code any more"
    if notification.kind == "reschedule_needed" and (appointment is None or not appointment.needs_rescheduling):
        return "the counter is open again at the booking's time"
    if notification.ticket_id is not None:
        from .queue_notifications import ticket_no_longer_needed  # the queue's own rules

        return ticket_no_longer_needed(notification)
    return ""


def _deliver(notification: Notification) -> None:
    """Hand the message to its channel; raises SmsSendError, SMTPException or OSError on failure."""
    if notification.channel == NotificationChannel.SMS:
        get_backend().send(
            to=notification.recipient,
            body=notification.body,
            message_id=notification.dedup_key,
            notification=notification,
        )
    else:
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            to=[notification.recipient],
            headers={"X-Asan-Message-Id": notification.dedup_key},
        ).send(fail_silently=False)


SEND_ERRORS = (SmsSendError, smtplib.SMTPException, OSError)


def _relay_one(now: dt.datetime, result: RelayResult) -> bool:
    """Claim, check and send one due message. False when none is left to claim."""
    with transaction.atomic():
        notification = (
            _due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("appointment", "ticket")
            .order_by("send_after", "pk")
            .first()
        )
        if notification is None:
            return False
        reason = _no_longer_needed(notification, now)
        if reason:
            notification.status = NotificationStatus.SKIPPED
            notification.last_error = reason
            notification.save(update_fields=["status", "last_error"])
            result.skipped += 1
            return True
        notification.attempts += 1
        try:
            # A savepoint, so a backend that fails half-way through its own writes leaves
            # nothing behind and the failure itself can still be recorded.
            with transaction.atomic():
                _deliver(notification)
        except SEND_ERRORS as error:
            permanent = getattr(error, "permanent", False)
            notification.last_error = f"{type(error).__name__}: {error}"[:2000]
            if permanent or notification.attempts >= _setting("MAX_ATTEMPTS"):
                notification.status = NotificationStatus.FAILED
                notification.next_attempt_at = None
            else:
                notification.next_attempt_at = now + backoff_delay(notification.attempts)
            notification.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            result.failed += 1
            notification_send_failed(channel=notification.channel)
            logger.warning("Notification %s not sent (attempt %s): %s", notification.pk, notification.attempts, error)
            return True
        # Marked SENT in the transaction that made the send decision: the lock is held until
        # here, so no other relay can send this row meanwhile (ADR 0009 on a crash right here).
        notification.status = NotificationStatus.SENT
        notification.sent_at = now
        notification.next_attempt_at = None
        notification.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
        result.sent += 1
        return True


def notifications_send_due(*, now: dt.datetime | None = None, batch: int | None = None) -> RelayResult:
    """Send pending messages whose time has come: at most `batch`, within the time budget.

    Safe to run in many workers at once (each row is claimed with SKIP LOCKED) and to run
    again (a SENT, SKIPPED or FAILED row is final). Stops early when the channel keeps
    failing, since then the gateway is down and the next run will try again."""
    batch = batch or _setting("RELAY_BATCH")
    deadline = time.monotonic() + _setting("RELAY_TIME_BUDGET_SECONDS")
    stop_after = _setting("RELAY_STOP_AFTER_FAILURES")
    result = RelayResult()
    failures_in_a_row = 0
    for _step in range(batch):
        if time.monotonic() > deadline:
            result.stopped_early = True
            break
        failed_before = result.failed
        if not _relay_one(now or timezone.now(), result):
            break
        failures_in_a_row = failures_in_a_row + 1 if result.failed > failed_before else 0
        if failures_in_a_row >= stop_after:
            result.stopped_early = True
            break
    return result


# --- nudging a worker without waiting on the broker ----------------------------------------


class _Nudger:
    """One daemon thread per process that publishes "relay now" to the broker.

    Callers only set a flag, so a request never waits on Redis, even when Redis is down or
    frozen (accepting TCP but never answering). Nudges that arrive while a publish is under
    way fold into one. A lost nudge costs at most one beat interval: beat relays pending
    rows from PostgreSQL every few seconds."""

    def __init__(self):
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None

    def request(self) -> None:
        self._wanted.set()
        with self._lock:
            # After a fork (prefork servers) the parent's thread does not exist in the child.
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="notification-nudger", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        from .tasks import notifications_relay_due

        while True:
            if not self._wanted.wait(timeout=60):
                with self._lock:
                    if not self._wanted.is_set():
                        self._thread = None  # idle: end; the next request starts a new thread
                        return
            self._wanted.clear()
            try:
                # No retries, and the message is useless once beat has relayed anyway.
                notifications_relay_due.apply_async(retry=False, expires=_setting("RELAY_EVERY_SECONDS") * 6)
            except Exception as error:  # noqa: BLE001 - beat relays whatever a lost nudge leaves
                logger.warning("Broker unavailable (%s); pending notifications wait for the beat relay", error)


_nudger = _Nudger()


def relay_nudge() -> None:
    """After commit: get the new messages relayed soon. Never blocks, never raises."""
    from asan_portal.celery import app

    if not _setting("NUDGE_AFTER_COMMIT"):
        return
    if app.conf.task_always_eager:
        # In-process mode (`make run`, unit tests): relay right here, as the task would.
        try:
            notifications_send_due()
        except Exception:  # a message problem must not undo a committed booking
            logger.exception("Relaying notifications in-process failed; they stay pending")
        return
    _nudger.request()
