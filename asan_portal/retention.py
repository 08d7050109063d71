"""Personal data is kept only as long as it is needed, then anonymised in place.

A nightly beat task (`asan_portal.personal_data_purge`) calls `personal_data_purge`. Rows are
kept, so statistics, roll-ups and audit still add up; only what names or reaches a person is
blanked. Each kind has its own clock, set in settings.RETENTION (days):

| kind                         | blanked                                    | after                    |
|------------------------------|--------------------------------------------|--------------------------|
| bookings (finished)          | name, FIN, phone, e-mail                   | BOOKING_DAYS after visit |
| waiting-list entries (ended) | name, FIN, phone, e-mail                   | BOOKING_DAYS after last day |
| queue tickets                | phone                                      | TICKET_PHONE_DAYS after the day |
| complaints (closed)          | name, phone, e-mail                        | COMPLAINT_CONTACT_DAYS after closing |
| volunteer applications (not approved) | name, e-mail, phone, birth day, free texts | REJECTED_APPLICATION_DAYS after decision |
| SMS log                      | recipient, text                            | SMS_LOG_DAYS             |
| outbox (no longer pending)   | recipient, subject, text                   | NOTIFICATION_DAYS after sending |

Only rows that no longer take part in any rule are touched: bookings in a final status (the
unique FIN and phone constraints cover active bookings only, so blank FINs cannot collide),
waiting-list entries no longer waiting or offered, closed complaints (closed is final; the
contact constraint allows a closed complaint without contact). Each kind is a loop of bounded
batches (RETENTION["BATCH_SIZE"] rows per UPDATE, each its own transaction), and a row already
blanked is not selected again, so a second run is a no-op and an interrupted run resumes.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce, TruncYear
from django.utils import timezone

logger = logging.getLogger(__name__)

ERASED_NAME = "—"
DEFAULTS = {
    "BOOKING_DAYS": 90,
    "TICKET_PHONE_DAYS": 30,
    "COMPLAINT_CONTACT_DAYS": 365,
    "REJECTED_APPLICATION_DAYS": 180,
    "SMS_LOG_DAYS": 30,
    "NOTIFICATION_DAYS": 30,
    "BATCH_SIZE": 1000,
}


def retention_setting(name: str) -> int:
    return int((getattr(settings, "RETENTION", {}) or {}).get(name, DEFAULTS[name]))


def _in_batches(queryset, **changes) -> int:
    """UPDATE the rows of `queryset` in batches of primary keys until none is left."""
    batch, total = retention_setting("BATCH_SIZE"), 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                return total
            total += queryset.model.objects.filter(pk__in=ids).update(**changes)


def _days_ago(now: dt.datetime, setting: str) -> dt.date:
    return timezone.localdate(now) - dt.timedelta(days=retention_setting(setting))


def bookings_anonymise(*, now: dt.datetime) -> int:
    from appointments.models import ACTIVE_STATUSES, Appointment

    stale = Appointment.objects.filter(local_date__lt=_days_ago(now, "BOOKING_DAYS")).exclude(
        status__in=ACTIVE_STATUSES
    )
    return _in_batches(stale.exclude(full_name=ERASED_NAME), full_name=ERASED_NAME, fin="", phone="", email="")


def waitlist_anonymise(*, now: dt.datetime) -> int:
    from appointments.models import WaitlistEntry, WaitlistStatus

    stale = WaitlistEntry.objects.filter(last_day__lt=_days_ago(now, "BOOKING_DAYS")).exclude(
        status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]
    )
    return _in_batches(stale.exclude(full_name=ERASED_NAME), full_name=ERASED_NAME, fin="", phone="", email="")


def ticket_phones_erase(*, now: dt.datetime) -> int:
    from appointments.models import Ticket

    stale = Ticket.objects.filter(date__lt=_days_ago(now, "TICKET_PHONE_DAYS")).exclude(phone="")
    return _in_batches(stale, phone="")


def complaint_contacts_erase(*, now: dt.datetime) -> int:
    from feedback.models import Complaint, ComplaintStatus

    cutoff = now - dt.timedelta(days=retention_setting("COMPLAINT_CONTACT_DAYS"))
    # Closed when the last step to "closed" was recorded; older complaints without events by their last change.
    closed = Complaint.objects.filter(status=ComplaintStatus.CLOSED).annotate(
        closed_at=Coalesce(Max("events__at", filter=Q(events__to_status=ComplaintStatus.CLOSED)), F("updated_at"))
    )
    stale = Complaint.objects.filter(pk__in=closed.filter(closed_at__lt=cutoff).values("pk"))
    return _in_batches(stale.exclude(full_name=ERASED_NAME), full_name=ERASED_NAME, phone="", email="")


def rejected_applications_anonymise(*, now: dt.datetime) -> int:
    from volunteers.models import ApplicationStatus, VolunteerApplication

    cutoff = now - dt.timedelta(days=retention_setting("REJECTED_APPLICATION_DAYS"))
    stale = VolunteerApplication.objects.filter(status=ApplicationStatus.REJECTED, reviewed_at__lt=cutoff)
    return _in_batches(
        stale.exclude(full_name=ERASED_NAME),
        full_name=ERASED_NAME,
        email="",
        phone="",
        # The year stays for the statistics of applicants' ages; the day that identifies goes.
        date_of_birth=TruncYear("date_of_birth"),
        institution="",
        skills="",
        availability_note="",
        rejection_reason=ERASED_NAME,  # a rejection must keep a reason (constraint)
    )


def sms_log_erase(*, now: dt.datetime) -> int:
    from appointments.models import SmsLogEntry

    cutoff = now - dt.timedelta(days=retention_setting("SMS_LOG_DAYS"))
    stale = SmsLogEntry.objects.filter(created_at__lt=cutoff).exclude(recipient="", body="")
    return _in_batches(stale, recipient="", body="")


def notifications_erase(*, now: dt.datetime) -> int:
    from appointments.models import Notification, NotificationStatus

    cutoff = now - dt.timedelta(days=retention_setting("NOTIFICATION_DAYS"))
    done = Notification.objects.exclude(status=NotificationStatus.PENDING).annotate(
        done_at=Coalesce("sent_at", "created_at")
    )
    stale = done.filter(done_at__lt=cutoff).exclude(recipient="", body="")
    return _in_batches(Notification.objects.filter(pk__in=stale.values("pk")), recipient="", subject="", body="")


PURGES = {
    "bookings": bookings_anonymise,
    "waitlist": waitlist_anonymise,
    "ticket_phones": ticket_phones_erase,
    "complaint_contacts": complaint_contacts_erase,
    "rejected_applications": rejected_applications_anonymise,
    "sms_log": sms_log_erase,
    "notifications": notifications_erase,
}


def personal_data_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Anonymise every kind whose time has come; returns the rows changed per kind.

    Safe to run at any time and any number of times (see the module docstring)."""
    now = now or timezone.now()
    counts = {name: purge(now=now) for name, purge in PURGES.items()}
    logger.info("Personal data purge: %s", counts)
    return counts
