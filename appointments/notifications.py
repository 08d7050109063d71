"""Messages to citizens go through an outbox (the Notification table).

`notification_enqueue` writes the row in the caller's transaction; after commit, Celery
relays pending rows (tasks.notification_send). A message's `dedup_key` is unique, so the
same message is never queued, and so never sent, twice. Texts are rendered here, in the
citizen's language, when the row is written.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Appointment, Notification, NotificationChannel


def _local(appointment: Appointment) -> dt.datetime:
    return appointment.starts_at.astimezone(appointment.centre.tz)


def _when(appointment: Appointment) -> str:
    return date_format(_local(appointment), "d.m.Y H:i")


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
        transaction.on_commit(_relay_soon)
    return created


def _relay_soon() -> None:
    """Ask a worker to relay due messages now; never let a broker problem reach the caller."""
    from .tasks import notifications_relay_due

    try:
        notifications_relay_due.delay()
    except Exception:  # noqa: BLE001 - the beat task relays anything left pending
        import logging

        logging.getLogger(__name__).warning("Broker unavailable; pending notifications wait for the next relay")
