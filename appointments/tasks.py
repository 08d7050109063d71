"""Celery tasks of the appointments app. They take ids or nothing, load fresh rows and call services."""

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification, NotificationChannel, NotificationStatus
from .sms import get_backend


@shared_task(acks_late=True)
def notifications_relay_due(batch: int = 200) -> int:
    """Send pending messages whose time has come."""
    sent = 0
    now = timezone.now()
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, send_after__lte=now)
        .order_by("send_after")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in ids:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=NotificationStatus.PENDING)
                .first()
            )
            if notification is None:
                continue
            if notification.channel == NotificationChannel.SMS:
                get_backend().send(to=notification.recipient, body=notification.body, notification=notification)
            else:
                send_mail(notification.subject, notification.body, None, [notification.recipient])
            notification.status = NotificationStatus.SENT
            notification.sent_at = timezone.now()
            notification.attempts += 1
            notification.save(update_fields=["status", "sent_at", "attempts"])
            sent += 1
    return sent
