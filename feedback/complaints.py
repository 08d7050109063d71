"""Complaints, suggestions and thanks: submitted by citizens without an account, handled by
the centre's manager, answered back to the citizen. Services and selectors in one module.

- A complaint is known to the citizen by its tracking number ("SK-7QF4-9KD2"), written in an
  alphabet without the look-alikes 0/O and 1/I so it can be read out on the phone. The
  number is random; the unique constraint catches the rare collision and we draw again.
- The workflow is one table, COMPLAINT_TRANSITIONS, checked in one place (`complaint_move`);
  every step locks the row and writes a ComplaintEvent (who, when, note).
- Messages go through the outbox (appointments.notifications.message_enqueue) in the
  citizen's language, under keys that name them for good, so each is queued at most once.

Permission checks are the caller's: the staff views use `complaint_can_handle` and
`complaint_centres_for` below; the public views apply a rate limit.
"""

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status

from appointments.citizens import email_normalise, name_normalise, phone_normalise
from appointments.models import NotificationChannel, Ticket
from appointments.notifications import message_enqueue
from asan_portal.api import DomainError
from asan_portal.roles import OFFICIAL, user_has_role
from centres.models import Centre, StaffRole
from services.models import Service

from .models import Complaint, ComplaintEvent, ComplaintKind, ComplaintStatus

S = ComplaintStatus

# --- errors ------------------------------------------------------------------------------------


class ComplaintError(DomainError):
    code = "complaint_refused"
    status_code = status.HTTP_400_BAD_REQUEST


class ComplaintInvalid(ComplaintError):
    """What the citizen typed is not usable; `fields` carries a message per field."""

    code = "validation_error"


class IllegalComplaintTransition(ComplaintError):
    code = "illegal_transition"
    status_code = status.HTTP_409_CONFLICT


# --- the workflow ------------------------------------------------------------------------------

# from -> the statuses a manager may move it to. Answering needs the answer text (complaint_move).
COMPLAINT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.IN_REVIEW, S.ANSWERED),
    S.IN_REVIEW: (S.ANSWERED, S.CLOSED),
    S.ANSWERED: (S.CLOSED,),
    S.CLOSED: (),
}
OPEN_STATUSES = (S.RECEIVED, S.IN_REVIEW)

# --- tracking numbers --------------------------------------------------------------------------

# No 0/O and 1/I: a number read out on the phone cannot be misheard or mistyped.
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_PREFIX = "SK"
TRACKING_PATTERN = re.compile(rf"^{TRACKING_PREFIX}-[{TRACKING_ALPHABET}]{{4}}-[{TRACKING_ALPHABET}]{{4}}$")
TRACKING_ATTEMPTS = 5


def tracking_number_new() -> str:
    """A fresh random number like SK-7QF4-9KD2 (32^8, about 10^12 possibilities)."""
    chars = "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(8))
    return f"{TRACKING_PREFIX}-{chars[:4]}-{chars[4:]}"


def tracking_number_normalise(value: str) -> str:
    """What a citizen typed ("sk 7qf4 9kd2", "7QF49KD2") in the stored form, or "" if it cannot be one."""
    chars = re.sub(r"[\s\-_.]", "", value or "").upper()
    if chars.startswith(TRACKING_PREFIX) and len(chars) == 10:
        chars = chars[len(TRACKING_PREFIX) :]
    if len(chars) != 8:
        return ""
    number = f"{TRACKING_PREFIX}-{chars[:4]}-{chars[4:]}"
    return number if TRACKING_PATTERN.match(number) else ""


# --- links and messages ------------------------------------------------------------------------


def complaint_track_url(complaint: Complaint) -> str:
    """The tracking page in the citizen's language, with the number filled in."""
    with translation.override(complaint.language):
        path = reverse("complaints:track")
    return f"{settings.SITE_URL.rstrip('/')}{path}?number={complaint.tracking_number}"


def _enqueue(complaint: Complaint, event: str, texts: dict[str, tuple[str, str]]) -> list:
    """Queue one message per channel the citizen gave; `texts` is channel -> (subject, body)."""
    queued = []
    for channel, recipient in (
        (NotificationChannel.SMS, complaint.phone),
        (NotificationChannel.EMAIL, complaint.email),
    ):
        if not recipient:
            continue
        subject, body = texts[channel]
        notification = message_enqueue(
            key=f"complaint:{complaint.pk}:{event}:{channel}",
            kind=f"complaint_{event}",
            channel=channel,
            recipient=recipient,
            language=complaint.language,
            subject=subject,
            body=body,
        )
        if notification is not None:
            queued.append(notification)
    return queued


def _received_texts(complaint: Complaint) -> dict[str, tuple[str, str]]:
    number = complaint.tracking_number
    subject = _("We received your message %(number)s") % {"number": number}
    sms = _("ASAN: we received your message. Tracking number %(number)s. Follow it at %(link)s") % {
        "number": number,
        "link": complaint_track_url(complaint),
    }
    email = _(
        'Dear %(name)s,\n\nwe received your message "%(subject)s" about %(centre)s.\n'
        "Its tracking number is %(number)s. The centre's manager will answer you.\n"
        "You can follow it here with this number and your phone or e-mail: %(link)s\n\nASAN xidmət"
    ) % {
        "name": complaint.full_name,
        "subject": complaint.subject,
        "centre": complaint.centre.name,
        "number": number,
        "link": complaint_track_url(complaint),
    }
    return {NotificationChannel.SMS: (subject, sms), NotificationChannel.EMAIL: (subject, email)}


def _answered_texts(complaint: Complaint) -> dict[str, tuple[str, str]]:
    number = complaint.tracking_number
    subject = _("Answer to your message %(number)s") % {"number": number}
    # The SMS stays short; the answer itself is on the tracking page and in the e-mail.
    sms = _("ASAN: your message %(number)s was answered, see %(link)s") % {
        "number": number,
        "link": complaint_track_url(complaint),
    }
    email = _(
        'Dear %(name)s,\n\nthis is the answer to your message "%(subject)s" (%(number)s) about %(centre)s:\n\n'
        "%(answer)s\n\nYou can also read it here: %(link)s\n\nASAN xidmət"
    ) % {
        "name": complaint.full_name,
        "subject": complaint.subject,
        "number": number,
        "centre": complaint.centre.name,
        "answer": complaint.answer,
        "link": complaint_track_url(complaint),
    }
    return {NotificationChannel.SMS: (subject, sms), NotificationChannel.EMAIL: (subject, email)}


def complaint_notify(*, complaint: Complaint, event: str) -> list:
    """Queue the citizen's "received" or "answered" messages, in their language.

    Runs inside the transaction that made the change. A message already queued for this
    complaint and event is not queued again, so calling this twice sends nothing more."""
    builders = {"received": _received_texts, "answered": _answered_texts}
    with translation.override(complaint.language):
        texts = builders[event](complaint)
    return _enqueue(complaint, event, texts)


# --- submitting --------------------------------------------------------------------------------

CONTACT_MESSAGE = gettext_lazy("Give a mobile number or an e-mail address (or both), so we can answer you.")
MAX_SUBJECT = 200
MAX_TEXT = 4000
# A ticket code given with a complaint is looked up among this many recent days at the centre.
TICKET_LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class ComplaintDetails:
    full_name: str
    phone: str
    email: str
    subject: str
    text: str
    ticket_code: str


def complaint_details_clean(
    *, full_name: str, phone: str, email: str, subject: str, text: str, ticket_code: str = ""
) -> ComplaintDetails:
    """Normalised details, or ComplaintInvalid with a message per field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for field, function, value in (
        ("full_name", name_normalise, full_name),
        ("phone", phone_normalise, phone),
        ("email", email_normalise, email),
    ):
        if field == "phone" and not (value or "").strip():
            cleaned[field] = ""
            continue
        try:
            cleaned[field] = function(value)
        except ValidationError as error:
            errors[field] = list(error.messages)
    if not (phone or "").strip() and not (email or "").strip():
        errors["phone"] = errors["email"] = [str(CONTACT_MESSAGE)]
    subject = " ".join((subject or "").split())
    if len(subject) < 3:
        errors["subject"] = [_('Write a short subject, e.g. "Long wait at counter 5".')]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [_("The subject can be at most %(max)s characters.") % {"max": MAX_SUBJECT}]
    text = (text or "").strip()
    if len(text) < 10:
        errors["text"] = [_("Tell us what happened in a few sentences (at least 10 characters).")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("The text can be at most %(max)s characters.") % {"max": MAX_TEXT}]
    ticket_code = re.sub(r"\s+", "", ticket_code or "").upper()
    if ticket_code and not re.fullmatch(r"[A-Z]-?\d{1,4}", ticket_code):
        errors["ticket_code"] = [_("A ticket code looks like A-012. Leave it empty if you have none.")]
    if errors:
        raise ComplaintInvalid(_("Some fields are not valid. Check them and try again."), fields=errors)
    return ComplaintDetails(
        full_name=cleaned["full_name"],
        phone=cleaned["phone"],
        email=cleaned["email"],
        subject=subject,
        text=text,
        ticket_code=ticket_code,
    )


def _ticket_find(centre: Centre, code: str, *, now) -> Ticket | None:
    """The most recent ticket at `centre` with this code (A-012) in the last few weeks."""
    letter, number = code[0], int(code[1:].lstrip("-"))
    since = now.astimezone(centre.tz).date() - dt.timedelta(days=TICKET_LOOKBACK_DAYS)
    return (
        Ticket.objects.filter(centre=centre, letter=letter, number=number, date__gte=since)
        .order_by("-date", "-pk")
        .first()
    )


@transaction.atomic
def complaint_submit(
    *,
    kind: str,
    centre: Centre,
    full_name: str,
    subject: str,
    text: str,
    phone: str = "",
    email: str = "",
    service: Service | None = None,
    ticket_code: str = "",
    language: str = "az",
    now=None,
) -> Complaint:
    """Record a citizen's complaint, suggestion or thanks and acknowledge it by SMS and e-mail.

    Raises ComplaintInvalid (400, a message per field) for unusable input. Public: the caller
    rate-limits. A ticket code is linked to the ticket when one is found at the centre;
    otherwise it is kept in the first history note for the manager."""
    now = now or timezone.now()
    if kind not in ComplaintKind.values:
        raise ComplaintInvalid(_("Choose what kind of message this is."), fields={"kind": [_("Choose one.")]})
    details = complaint_details_clean(
        full_name=full_name, phone=phone, email=email, subject=subject, text=text, ticket_code=ticket_code
    )
    languages = [code for code, _name in settings.LANGUAGES]
    ticket = _ticket_find(centre, details.ticket_code, now=now) if details.ticket_code else None
    for attempt in range(TRACKING_ATTEMPTS):
        try:
            # A savepoint per attempt: a colliding number rolls back only this insert.
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    tracking_number=tracking_number_new(),
                    kind=kind,
                    centre=centre,
                    service=service,
                    ticket=ticket,
                    full_name=details.full_name,
                    phone=details.phone,
                    email=details.email,
                    language=language if language in languages else settings.LANGUAGE_CODE,
                    subject=details.subject,
                    text=details.text,
                )
            break
        except IntegrityError:
            if attempt == TRACKING_ATTEMPTS - 1:
                raise
    note = ""
    if details.ticket_code:
        # Shown to the manager in the history; the code as the citizen gave it when no ticket matched.
        note = f"{ticket.display_code} ({ticket.date:%d.%m.%Y})" if ticket else f"{details.ticket_code} (?)"
    ComplaintEvent.objects.create(complaint=complaint, from_status="", to_status=S.RECEIVED, note=note, at=now)
    complaint_notify(complaint=complaint, event="received")
    return complaint


# --- handling ----------------------------------------------------------------------------------


def complaint_can_handle(user, centre: Centre) -> bool:
    """May `user` move and answer complaints about `centre`? Its managers and superusers may."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return centre.memberships.filter(user=user, role=StaffRole.MANAGER).exists()


def complaint_centres_for(user) -> QuerySet[Centre]:
    """Centres whose complaints `user` may read: all for superusers and officials, else those they manage."""
    if not user.is_authenticated:
        return Centre.objects.none()
    if user.is_superuser or user_has_role(user, OFFICIAL):
        return Centre.objects.all()
    return Centre.objects.filter(memberships__user=user, memberships__role=StaffRole.MANAGER).distinct()


def complaint_allowed_moves(complaint: Complaint) -> tuple[str, ...]:
    return COMPLAINT_TRANSITIONS.get(complaint.status, ())


def _refuse_move(from_status: str, to_status: str) -> IllegalComplaintTransition:
    labels = dict(S.choices)
    allowed = COMPLAINT_TRANSITIONS.get(from_status, ())
    if allowed:
        hint = _("From here it can go to: %(allowed)s.") % {"allowed": ", ".join(str(labels[s]) for s in allowed)}
    else:
        hint = _("It is closed; nothing more can be done with it.")
    message = _('A complaint that is "%(from)s" cannot be moved to "%(to)s".') % {
        "from": labels.get(from_status, from_status),
        "to": labels.get(to_status, to_status),
    }
    return IllegalComplaintTransition(f"{message} {hint}")


@transaction.atomic
def complaint_move(
    *, complaint: Complaint, to_status: str, by, note: str = "", answer: str = "", now=None
) -> Complaint:
    """Move a complaint one step along COMPLAINT_TRANSITIONS and record the step.

    Moving to "answered" needs the answer text and queues it to the citizen (a short SMS with
    the link, the full text by e-mail), once. Locks the row, so two managers acting at once
    are served one after the other and the second sees the first one's status.
    Raises IllegalComplaintTransition (409) or ComplaintInvalid (400). The caller checks
    `complaint_can_handle`."""
    now = now or timezone.now()
    locked = Complaint.objects.select_for_update().select_related("centre").get(pk=complaint.pk)
    from_status = locked.status
    if to_status not in COMPLAINT_TRANSITIONS.get(from_status, ()):
        raise _refuse_move(from_status, to_status)
    answer = (answer or "").strip()
    note = (note or "").strip()
    update = ["status", "handled_by", "updated_at"]
    if to_status == S.ANSWERED:
        if not answer:
            raise ComplaintInvalid(
                _("Write the answer the citizen will receive."), fields={"answer": [_("Write the answer.")]}
            )
        if len(answer) > MAX_TEXT:
            raise ComplaintInvalid(
                _("The answer can be at most %(max)s characters.") % {"max": MAX_TEXT},
                fields={"answer": [_("The answer can be at most %(max)s characters.") % {"max": MAX_TEXT}]},
            )
        locked.answer = answer
        locked.answered_at = now
        update += ["answer", "answered_at"]
    locked.status = to_status
    locked.handled_by = by
    locked.save(update_fields=update)
    ComplaintEvent.objects.create(
        complaint=locked, from_status=from_status, to_status=to_status, note=note, by=by, at=now
    )
    if to_status == S.ANSWERED:
        complaint_notify(complaint=locked, event="answered")
    return locked


def complaint_answer(*, complaint: Complaint, answer: str, by, note: str = "", now=None) -> Complaint:
    """Answer a complaint (see complaint_move)."""
    return complaint_move(complaint=complaint, to_status=S.ANSWERED, by=by, note=note, answer=answer, now=now)


# --- reading -----------------------------------------------------------------------------------


def complaint_track(*, tracking_number: str, contact: str) -> Complaint | None:
    """The complaint with this number whose phone or e-mail is `contact`, else None.

    Both must match, and a miss says nothing about which one was wrong (no enumeration)."""
    number = tracking_number_normalise(tracking_number)
    contact = (contact or "").strip()
    if not number or not contact:
        return None
    match = Q(email__iexact=contact) if "@" in contact else Q()
    if "@" not in contact:
        try:
            match = Q(phone=phone_normalise(contact))
        except ValidationError:
            return None
    return (
        Complaint.objects.filter(match, tracking_number=number)
        .select_related("centre", "service")
        .prefetch_related("events")
        .first()
    )


def complaint_list(*, user, status: str = "", kind: str = "", centre: Centre | None = None) -> QuerySet[Complaint]:
    """Complaints `user` may read, open ones first and the oldest of them on top."""
    rows = Complaint.objects.filter(centre__in=complaint_centres_for(user)).select_related("centre", "service")
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if centre is not None:
        rows = rows.filter(centre=centre)
    is_open = Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    return rows.annotate(closed_first=is_open).order_by("closed_first", "created_at", "pk")


def complaint_counts(*, user, kind: str = "", centre: Centre | None = None) -> dict[str, int]:
    """Status -> number of complaints `user` may read (with the kind and centre filters applied)."""
    rows = complaint_list(user=user, kind=kind, centre=centre).order_by()
    counts = dict(rows.values_list("status").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value in S.values}


def complaint_get_for_staff(*, user, tracking_number: str) -> Complaint | None:
    """One complaint by number, if `user` may read it (None otherwise: the view answers 404)."""
    number = tracking_number_normalise(tracking_number)
    if not number:
        return None
    return (
        Complaint.objects.filter(tracking_number=number, centre__in=complaint_centres_for(user))
        .select_related("centre", "service", "ticket", "handled_by")
        .prefetch_related("events__by")
        .first()
    )
