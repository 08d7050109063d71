"""Rating a visit: the private link sent after it, and the rating itself.

- `rating_invitation_create`: when a ticket is completed (feedback.receivers, in the
  transaction of the completion) the visit gets a RatingInvitation whose random token only
  the citizen's SMS and e-mail carry; the database keeps its SHA-256 hash only. The messages go
  through the outbox (appointments.models.Notification), one per channel and ticket for good.
- `rating_submit`: the one way a rating is written, by the link page, the counter tablet and
  the API alike. One rating per visit is the database's rule (Rating.ticket is one-to-one):
  of two submissions at the same moment the second fails on the unique index and becomes
  AlreadyRated. The rating is counted in the day's roll-ups in the same transaction.
- `rating_by_token`, `counter_visits_to_rate`, `visit_summary`: the reads the pages and the
  API share.

Permissions: the link's token is the key for citizens (no account); the counter tablet's
view checks that the signed-in operator works at the counter's centre.
"""

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.models import Notification, NotificationChannel, Ticket, TicketStatus
from appointments.notifications import relay_nudge
from appointments.services import token_hash

from . import rollups
from .errors import RATING_MESSAGES, AlreadyRated, InvalidRating, LinkExpired, LinkUnknown, NotRateable
from .models import ASPECTS, Rating, RatingChannel, RatingInvitation

logger = logging.getLogger(__name__)

INVITATION_KIND = "rating_invitation"
COMMENT_MAX_LENGTH = Rating._meta.get_field("comment").max_length
SCORES = range(1, 6)
# What each score means, shown on the buttons (5 = excellent, as the citizen is told).
SCORE_LABELS = {
    1: gettext_lazy("Very poor"),
    2: gettext_lazy("Poor"),
    3: gettext_lazy("Fair"),
    4: gettext_lazy("Good"),
    5: gettext_lazy("Excellent"),
}
# Longer than any token we hand out; a longer one is unknown without hashing megabytes.
TOKEN_MAX_LENGTH = 100


def feedback_setting(name: str):
    return settings.FEEDBACK[name]


def rating_url(token: str, *, language: str) -> str:
    """The absolute link to the rating form, with the language prefix of the citizen."""
    with translation.override(language):
        path = reverse("ratings:rate", kwargs={"token": token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


# --- the invitation ------------------------------------------------------------------------


def _contacts(ticket: Ticket) -> tuple[str, str]:
    """(phone, e-mail) to invite: the ticket's phone, else the booking's; the booking's e-mail."""
    appointment = ticket.appointment if ticket.appointment_id else None
    phone = ticket.phone or (appointment.phone if appointment else "")
    email = appointment.email if appointment else ""
    return phone, email


def _invitation_texts(ticket: Ticket, link: str) -> tuple[str, str, str]:
    """(SMS body, e-mail subject, e-mail body) in the active language."""
    values = {
        "centre": ticket.centre.name,
        "service": ticket.service.name,
        "code": ticket.display_code,
        "date": date_format(ticket.date, "d.m.Y"),
        "link": link,
        "days": feedback_setting("RATING_WINDOW_DAYS"),
    }
    sms = _("ASAN: thank you for visiting %(centre)s (ticket %(code)s). How was it? Rate it in a minute: %(link)s")
    subject = _("How was your visit to ASAN?")
    email = _(
        "Thank you for visiting %(centre)s on %(date)s (%(service)s, ticket %(code)s).\n\n"
        "Please tell us how it went: it takes a minute and helps us serve you better.\n"
        "%(link)s\n\n"
        "The link works for %(days)s days. You need no account."
    )
    return sms % values, subject, email % values


@transaction.atomic
def rating_invitation_create(*, ticket: Ticket, now: dt.datetime | None = None) -> tuple[RatingInvitation, str]:
    """Invite the citizen of a just-completed visit to rate it; returns (invitation, raw token).

    Runs in the transaction that completed the ticket (feedback.receivers). The raw token is
    returned once, for the messages; only its hash is stored. Queues an SMS when a phone is
    known (the ticket's or the booking's) and an e-mail when the booking has one, in the
    ticket's language; with neither, the invitation is still made (the counter tablet rates
    through the same rules). A ticket that already has an invitation keeps it: the existing one
    is returned with an empty token and nothing is queued again."""
    now = now or timezone.now()
    existing = RatingInvitation.objects.filter(ticket=ticket).first()
    if existing is not None:
        return existing, ""
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = RatingInvitation.objects.create(
                ticket=ticket,
                token_hash=token_hash(token),
                expires_at=now + dt.timedelta(days=feedback_setting("RATING_WINDOW_DAYS")),
            )
    except IntegrityError:  # invited meanwhile by a concurrent transaction
        return RatingInvitation.objects.get(ticket=ticket), ""

    language = ticket.language if ticket.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        sms, subject, email_body = _invitation_texts(ticket, rating_url(token, language=language))
    phone, email = _contacts(ticket)
    messages = []
    if phone:
        messages.append((NotificationChannel.SMS, phone, "", sms))
    if email:
        messages.append((NotificationChannel.EMAIL, email, subject, email_body))
    queued = 0
    for channel, recipient, message_subject, body in messages:
        try:
            with transaction.atomic():
                Notification.objects.create(
                    dedup_key=f"ticket:{ticket.pk}:rate:{channel}",
                    kind=INVITATION_KIND,
                    channel=channel,
                    recipient=recipient,
                    language=language,
                    subject=message_subject,
                    body=body,
                    ticket=ticket,
                    send_after=now,
                )
            queued += 1
        except IntegrityError:
            continue  # already queued: the key names this exact message
    if queued:
        transaction.on_commit(relay_nudge)
    return invitation, token


# --- reads -----------------------------------------------------------------------------------


def _visit_tickets():
    return Ticket.objects.select_related("centre", "service", "service__provider", "counter", "rating")


def rating_by_token(token: str, *, now: dt.datetime | None = None) -> RatingInvitation:
    """The invitation behind a private link, with its ticket (and rating, if any).

    Raises LinkUnknown for a token nobody was given, LinkExpired for a link past its time; an
    expired link whose visit was rated is returned, so the page can say "already rated"."""
    now = now or timezone.now()
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise LinkUnknown(RATING_MESSAGES["link_unknown"])
    invitation = (
        RatingInvitation.objects.select_related(
            "ticket__centre", "ticket__service", "ticket__service__provider", "ticket__counter", "ticket__rating"
        )
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise LinkUnknown(RATING_MESSAGES["link_unknown"])
    if invitation.expires_at <= now and not ticket_is_rated(invitation.ticket):
        raise LinkExpired(_expired_message())
    return invitation


def ticket_is_rated(ticket: Ticket) -> bool:
    try:
        return ticket.rating is not None
    except Rating.DoesNotExist:
        return False


def counter_visits_to_rate(*, counter, now: dt.datetime | None = None, minutes: int | None = None):
    """Visits completed at `counter` in the last `minutes` (TABLET_MINUTES) and not rated yet,
    the most recent first: what the counter tablet offers to rate."""
    now = now or timezone.now()
    minutes = feedback_setting("TABLET_MINUTES") if minutes is None else minutes
    return (
        _visit_tickets()
        .filter(
            counter=counter,
            status=TicketStatus.COMPLETED,
            completed_at__gte=now - dt.timedelta(minutes=minutes),
            completed_at__lte=now,
            rating__isnull=True,
        )
        .order_by("-completed_at", "-pk")
    )


def visit_summary(ticket: Ticket) -> dict:
    """What the citizen is shown about the visit they rate: nothing personal."""
    return {
        "centre": ticket.centre.name,
        "service": ticket.service.name,
        "date": ticket.date,
        "ticket": ticket.display_code,
    }


def aspect_choices() -> list[tuple[str, str]]:
    """(code, translated label) of the optional aspects, in a fixed order."""
    return [(code, str(label)) for code, label in ASPECTS.items()]


# --- the rating --------------------------------------------------------------------------------


def _expired_message() -> str:
    return RATING_MESSAGES["link_expired"] % {"days": feedback_setting("RATING_WINDOW_DAYS")}


def _parse_score(value) -> int | None:
    """A score from a form or JSON: an int 1..5 or its digits; None when empty; ValueError else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise ValueError(value)
        value = int(value)
    if not isinstance(value, int) or value not in SCORES:
        raise ValueError(value)
    return value


def _clean(score, aspects: dict | None, comment: str | None) -> tuple[int, dict[str, int | None], str]:
    """Check every answer at once, so the citizen sees all the problems together."""
    fields: dict[str, list[str]] = {}
    try:
        clean_score = _parse_score(score)
        if clean_score is None:
            fields["score"] = [str(RATING_MESSAGES["score_required"])]
    except ValueError:
        clean_score = None
        fields["score"] = [str(RATING_MESSAGES["score_range"])]
    clean_aspects: dict[str, int | None] = {}
    for code, value in (aspects or {}).items():
        if code not in ASPECTS:
            fields.setdefault("aspects", []).append(f"{code}: {RATING_MESSAGES['aspect_unknown']}")
            continue
        try:
            clean_aspects[code] = _parse_score(value)
        except ValueError:
            fields[code] = [str(RATING_MESSAGES["score_range"])]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        fields["comment"] = [str(RATING_MESSAGES["comment_too_long"] % {"limit": COMMENT_MAX_LENGTH})]
    if fields:
        raise InvalidRating(RATING_MESSAGES["invalid"], fields=fields)
    return clean_score, clean_aspects, comment


@transaction.atomic
def rating_submit(
    *,
    ticket: Ticket,
    score,
    aspects: dict | None = None,
    comment: str = "",
    channel: str = RatingChannel.LINK,
    language: str = "az",
    now: dt.datetime | None = None,
) -> Rating:
    """Rate a completed visit once: `score` 1..5 (5 = excellent), optional `aspects`
    ({"waiting": 1..5 or None, ...}, codes of feedback.models.ASPECTS) and a comment of at most
    1000 characters. Scores may come as ints or digit strings (forms).

    Raises InvalidRating (400, with `fields`), NotRateable (the ticket is not completed),
    LinkExpired (a link rating after the invitation's time) or AlreadyRated (409, also when a
    concurrent submission won). The caller checks who may rate: the link's token, or the
    tablet's operator at that counter (who also checks that the visit is a fresh one)."""
    now = now or timezone.now()
    clean_score, clean_aspects, comment = _clean(score, aspects, comment)
    if ticket.status != TicketStatus.COMPLETED:
        raise NotRateable(RATING_MESSAGES["not_rateable"])
    if channel not in RatingChannel.values:
        raise ValueError(f"Unknown rating channel: {channel}")
    if Rating.objects.filter(ticket_id=ticket.pk).exists():
        raise AlreadyRated(RATING_MESSAGES["already_rated"])
    if channel == RatingChannel.LINK:
        invitation = RatingInvitation.objects.filter(ticket_id=ticket.pk).first()
        if invitation is None:
            raise LinkUnknown(RATING_MESSAGES["link_unknown"])
        if invitation.expires_at <= now:
            raise LinkExpired(_expired_message())
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    try:
        # A savepoint: the unique index on the ticket decides between concurrent submissions
        # (the loser waits for the winner's commit, then fails here).
        with transaction.atomic():
            rating = Rating.objects.create(
                ticket=ticket,
                visit_date=ticket.date,
                centre_id=ticket.centre_id,
                service_id=ticket.service_id,
                provider_id=ticket.service.provider_id,
                counter_id=ticket.counter_id,
                operator_id=ticket.operator_id,
                score=clean_score,
                **{f"{code}_score": value for code, value in clean_aspects.items()},
                comment=comment,
                channel=channel,
                language=language,
                created_at=now,
            )
    except IntegrityError:
        if Rating.objects.filter(ticket_id=ticket.pk).exists():
            raise AlreadyRated(RATING_MESSAGES["already_rated"]) from None
        raise
    rollups.rollup_rating(rating)
    logger.info("Visit %s rated %s/5 by %s", ticket.pk, clean_score, channel)
    return rating
