"""Reminders the day before a shift, by SMS and e-mail, through the outbox.

Beat runs `shift_reminders_queue` every 15 minutes; it takes the signed-up places starting
18 to 30 hours from now whose reminder is not queued yet. The outbox key
"shift-signup:<id>:reminder:<channel>" names each message for good, so overlapping runs, two
beats or a place seen by several runs still queue one message per channel.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from appointments.models import Notification
from appointments.notifications import message_enqueue

from .models import ShiftSignup, SignupStatus

REMIND_FROM = dt.timedelta(hours=18)
REMIND_UNTIL = dt.timedelta(hours=30)
BATCH = 500
KIND = "volunteer_shift_reminder"


def reminder_key(signup_id: int, channel: str) -> str:
    return f"shift-signup:{signup_id}:reminder:{channel}"


def _reminder_queued(channel: str) -> Exists:
    key = Concat(
        Value("shift-signup:"),
        Cast(OuterRef("pk"), CharField()),
        Value(f":reminder:{channel}"),
        output_field=CharField(),
    )
    return Exists(Notification.objects.filter(dedup_key=key))


def _texts(signup: ShiftSignup) -> tuple[str, str, str]:
    """Subject, SMS text and e-mail body, in the current language."""
    shift = signup.shift
    centre = shift.centre
    start = timezone.localtime(shift.starts_at, centre.tz)
    end = timezone.localtime(shift.ends_at, centre.tz)
    my_page = settings.SITE_URL.rstrip("/") + reverse("volunteers:me")
    values = {
        "date": date_format(start, "d.m.Y"),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "centre": centre.name,
        "role": shift.get_role_display(),
        "link": my_page,
    }
    subject = _("Reminder: your volunteer shift on %(date)s") % values
    sms = (
        _(
            "ASAN: your volunteer shift is on %(date)s, %(start)s-%(end)s, at %(centre)s (%(role)s). Can't come? %(link)s"
        )
        % values
    )
    email = "\n\n".join(
        [
            _("Hello %(name)s,") % {"name": signup.volunteer.full_name},
            _("A reminder of your volunteer shift: %(date)s, %(start)s–%(end)s (local time), %(role)s, at %(centre)s.")
            % values,
            _("Please check in at the centre with its QR code when you arrive, and check out when you leave."),
            _("If you cannot come, withdraw on your page so that someone else can take the place: %(link)s") % values,
            _("Thank you for volunteering with ASAN xidmət."),
        ]
    )
    return subject, sms, email


def shift_reminders_queue(*, now: dt.datetime | None = None) -> int:
    """Queue the day-before reminders that are due; returns how many messages were queued."""
    now = now or timezone.now()
    due = (
        ShiftSignup.objects.filter(
            status=SignupStatus.SIGNED_UP,
            starts_at__gte=now + REMIND_FROM,
            starts_at__lte=now + REMIND_UNTIL,
            volunteer__is_active=True,
        )
        .annotate(sms_queued=_reminder_queued("sms"), email_queued=_reminder_queued("email"))
        .exclude(sms_queued=True, email_queued=True)
        .select_related("shift", "shift__centre", "volunteer")
        .order_by("starts_at", "pk")[:BATCH]
    )
    queued = 0
    for signup in due:
        volunteer = signup.volunteer
        with transaction.atomic(), translation.override(volunteer.language):
            subject, sms, email = _texts(signup)
            channels = [("sms", volunteer.phone, sms), ("email", volunteer.email, email)]
            for channel, recipient, body in channels:
                if not recipient:
                    continue
                created = message_enqueue(
                    key=reminder_key(signup.pk, channel),
                    kind=KIND,
                    channel=channel,
                    recipient=recipient,
                    language=volunteer.language,
                    subject=subject,
                    body=body,
                )
                queued += created is not None
    return queued
