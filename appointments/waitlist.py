"""The waitlist: when nothing is free, a citizen waits for a time someone else gives up.

First come, first served: when a time is freed (services._on_time_freed, after commit), the
oldest WAITING entry whose days cover that date is offered the earliest free time of that
day. The offer is a HELD appointment made through appointments.services, held until the
offer expires, and an SMS with a private link; pressing "accept" (POST) confirms it.
An offer not accepted in time frees the time, which then goes to the next in line.

Concurrency: the entry is taken with SELECT ... FOR UPDATE SKIP LOCKED and re-checked to
be WAITING, so two workers never offer to one entry; the offered time is a real
appointment, so the exclusion constraint stops one time going to two entries.
Liveness: a run that finds every candidate locked by other runs waits for them to finish
and looks again (one of them may give its entry up), rather than leaving its freed time
unoffered; and the beat's `waitlists_offer_free_times` offers whatever free time is still
left to the entries waiting for its day.
"""

import datetime as dt
import hmac
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from rest_framework import status

from centres.models import Centre, CentreService
from services.models import Service

from . import availability, policy
from . import services as booking
from .citizens import citizen_details_clean
from .errors import BookingError, SlotTaken
from .models import Appointment, AppointmentStatus, WaitlistEntry, WaitlistStatus
from .notifications import notification_enqueue

logger = logging.getLogger(__name__)

# How many entries one freed time may try (a citizen over their limits is passed over).
MAX_CANDIDATES = 20


class WaitlistError(BookingError):
    code = "waitlist_refused"


class WaitlistDuplicate(WaitlistError):
    code = "waitlist_duplicate"
    status_code = status.HTTP_409_CONFLICT


class OfferNotAvailable(WaitlistError):
    code = "offer_not_available"
    status_code = status.HTTP_409_CONFLICT


WAITLIST_MESSAGES = {
    "duplicate": _("You are already on the waitlist for this service at this centre."),
    "days_order": _("The last day must not be before the first day."),
    "days_past": _("The days must not be in the past."),
    "days_too_far": _("You can wait for days up to %(days)s days ahead."),
    "not_offered": _("This service cannot be booked at this centre."),
    "invalid": _("Some details are not valid. Check them and try again."),
    "unknown": _("This waitlist link is not valid."),
    "offer_expired": _("Sorry, this offer has run out and the time was given to the next person waiting."),
    "already_booked": _("You have already accepted this time. Your booking details were sent by SMS."),
    "not_waiting": _("You are no longer on this waitlist."),
}


def waitlist_offer_url(token: str, language: str) -> str:
    with translation.override(language):
        path = reverse("appointments:waitlist_offer", kwargs={"token": token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def waitlist_entry_get_by_token(token: str) -> WaitlistEntry | None:
    if not token or len(token) > 100:
        return None
    return (
        WaitlistEntry.objects.select_related("service", "centre", "offered_appointment__centre")
        .filter(manage_token_hash=booking.token_hash(token))
        .first()
    )


@transaction.atomic
def waitlist_join(
    *,
    service: Service,
    centre: Centre,
    first_day: dt.date,
    last_day: dt.date,
    full_name: str,
    fin: str,
    phone: str,
    email: str = "",
    language: str = "az",
    now: dt.datetime | None = None,
) -> tuple[WaitlistEntry, str]:
    """Put a citizen on the waitlist for `service` at `centre` between two local dates.

    Returns the entry and its private token (shown once, for the link that leaves the
    waitlist or accepts an offer). Raises InvalidDetails-like WaitlistError for bad input
    and WaitlistDuplicate when the FIN or phone already waits for this service here."""
    now = now or timezone.now()
    try:
        details = citizen_details_clean(full_name=full_name, fin=fin, phone=phone, email=email, language=language)
    except ValidationError as error:
        raise WaitlistError(WAITLIST_MESSAGES["invalid"], code="validation_error", fields=error.message_dict) from error
    if (
        not service.bookable_online
        or not CentreService.objects.filter(centre=centre, service=service, is_active=True).exists()
    ):
        raise WaitlistError(WAITLIST_MESSAGES["not_offered"], code="not_offered")
    today = now.astimezone(centre.tz).date()
    if last_day < first_day:
        raise WaitlistError(
            WAITLIST_MESSAGES["days_order"], fields={"last_day": [str(WAITLIST_MESSAGES["days_order"])]}
        )
    if first_day < today:
        raise WaitlistError(WAITLIST_MESSAGES["days_past"], fields={"first_day": [str(WAITLIST_MESSAGES["days_past"])]})
    _earliest, window_end = availability.booking_window(centre, now)
    if last_day > window_end:
        message = WAITLIST_MESSAGES["days_too_far"] % {"days": policy.max_days_ahead()}
        raise WaitlistError(message, fields={"last_day": [message]})
    booking._lock_citizen(details["fin"], details["phone"])
    waiting = WaitlistEntry.objects.filter(
        service=service, centre=centre, status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]
    )
    if waiting.filter(fin=details["fin"]).exists() or waiting.filter(phone=details["phone"]).exists():
        raise WaitlistDuplicate(WAITLIST_MESSAGES["duplicate"])
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                service=service,
                centre=centre,
                first_day=first_day,
                last_day=last_day,
                manage_token_hash=booking.token_hash(token),
                **details,
            )
    except IntegrityError as error:  # the partial unique constraint, if a race got past the check
        raise WaitlistDuplicate(WAITLIST_MESSAGES["duplicate"]) from error
    return entry, token


def waitlist_time_freed(*, service_id: int, centre_id: int, local_date: dt.date, now: dt.datetime | None = None):
    """A time was freed for a service at a centre on `local_date`: offer it to the first in line.

    Runs after the freeing transaction committed. Returns the entry that got an offer, or None.
    Safe to run concurrently and repeatedly: each run makes at most one offer."""
    now = now or timezone.now()
    service = Service.objects.filter(pk=service_id).first()
    centre = Centre.objects.prefetch_related("opening_hours", "closures", "stops").filter(pk=centre_id).first()
    if service is None or centre is None:
        return None
    passed_over: set[int] = set()
    for _attempt in range(MAX_CANDIDATES):
        with transaction.atomic():
            candidates = (
                WaitlistEntry.objects.filter(
                    service_id=service_id,
                    centre_id=centre_id,
                    status=WaitlistStatus.WAITING,
                    first_day__lte=local_date,
                    last_day__gte=local_date,
                )
                .exclude(pk__in=passed_over)
                .order_by("created_at", "id")
            )
            entry = candidates.select_for_update(skip_locked=True).first()
            if entry is None:
                # Every candidate left may be locked by a concurrent run, which may yet give it up
                # (no free time for it that day): wait for the first one's run to end, then look
                # again. Nothing else is locked here yet, so the wait cannot deadlock.
                # A row that changed while it was waited for is not returned: hence the second look.
                waited_for = list(candidates.select_for_update().values_list("pk", flat=True)[:1])
                if not waited_for and not candidates.exists():
                    return None
                continue
            offer_until = now + policy.waitlist_offer_duration()
            try:
                result = _hold_earliest_time(
                    entry, service=service, centre=centre, day=local_date, until=offer_until, now=now
                )
            except BookingError as refusal:
                # Over their limits now: the next in line gets the chance.
                logger.info("Waitlist entry %s passed over: %s", entry.pk, refusal.code)
                passed_over.add(entry.pk)
                continue
            if result is None:
                return None  # nothing free that day any more
            # The join token was shown once and only its hash kept: the SMS carries a fresh one.
            token = secrets.token_urlsafe(32)
            entry.status = WaitlistStatus.OFFERED
            entry.offered_appointment = result.appointment
            entry.offer_expires_at = offer_until
            entry.manage_token_hash = booking.token_hash(token)
            entry.save(update_fields=["status", "offered_appointment", "offer_expires_at", "manage_token_hash"])
            with translation.override(entry.language):
                until = date_format(offer_until.astimezone(centre.tz), "H:i")
            notification_enqueue(
                appointment=result.appointment,
                kind="waitlist_offer",
                context={"link": waitlist_offer_url(token, entry.language), "until": until},
            )
            return entry
    return None


def waitlists_offer_free_times(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """The beat's safety net: offer the free times of each day someone waits for to them.

    A freed time is normally offered by the run its freeing starts (`waitlist_time_freed`); this
    catches any such run that gave up, and times freed otherwise (a new counter, longer hours).
    Idempotent: a day without free time costs one read of its slots. Bounded: at most `batch`
    days per run, those of the longest-waiting entries first. Returns how many offers it made."""
    now = now or timezone.now()
    waiting = WaitlistEntry.objects.filter(
        status=WaitlistStatus.WAITING, last_day__gte=(now - dt.timedelta(days=1)).date()
    )
    days_of: dict[tuple[int, int], set[dt.date]] = {}
    for service_id, centre_id, first_day, last_day in waiting.order_by("created_at", "id").values_list(
        "service_id", "centre_id", "first_day", "last_day"
    ):
        days = days_of.setdefault((service_id, centre_id), set())
        days.update(first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1))
    offered = checked = 0
    for (service_id, centre_id), days in days_of.items():
        service = Service.objects.filter(pk=service_id).first()
        centre = Centre.objects.prefetch_related("opening_hours", "closures", "stops").filter(pk=centre_id).first()
        if service is None or centre is None:
            continue
        today, (_earliest, last_day) = now.astimezone(centre.tz).date(), availability.booking_window(centre, now)
        for day in sorted(d for d in days if today <= d <= last_day):
            if checked >= batch:
                return offered
            checked += 1
            # Each run offers one time at most; stop at the first day's end or when nobody is left.
            while availability.day_slots(service=service, centre=centre, day=day, now=now):
                if waitlist_time_freed(service_id=service_id, centre_id=centre_id, local_date=day, now=now) is None:
                    break
                offered += 1
    if offered:
        logger.info("waitlists_offer_free_times: %s offers of times left free", offered)
    return offered


def _hold_earliest_time(entry, *, service, centre, day, until, now, attempts: int = 10):
    """Hold the earliest free time of `day` for `entry` until `until`; None when none is free.

    Another request may take the time between reading and booking it (SlotTaken): read again."""
    for _attempt in range(attempts):
        slots = availability.day_slots(service=service, centre=centre, day=day, now=now)
        if not slots:
            return None
        try:
            with transaction.atomic():
                return booking.appointment_book(
                    service=service,
                    centre=centre,
                    starts_at=slots[0].starts_at,
                    full_name=entry.full_name,
                    fin=entry.fin,
                    phone=entry.phone,
                    email=entry.email,
                    language=entry.language,
                    hold_until=until,
                    now=now,
                )
        except SlotTaken:
            continue
    return None


def waitlist_offer_accept(*, entry: WaitlistEntry, token: str, now: dt.datetime | None = None):
    """Accept the time offered to a waitlisted citizen: the booking is confirmed at once
    (the link came by SMS, which proves the phone). Returns (appointment, manage token).

    Raises OfferNotAvailable when the offer ran out, was given on, or was already accepted."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if not hmac.compare_digest(booking.token_hash(token or ""), entry.manage_token_hash):
            raise OfferNotAvailable(WAITLIST_MESSAGES["unknown"], code="unknown_link")
        if entry.status == WaitlistStatus.BOOKED:
            raise OfferNotAvailable(WAITLIST_MESSAGES["already_booked"], code="already_booked")
        if entry.status != WaitlistStatus.OFFERED or entry.offer_expires_at <= now:
            raise OfferNotAvailable(WAITLIST_MESSAGES["offer_expired"], code="offer_expired")
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("centre", "service")
            .filter(pk=entry.offered_appointment_id)
            .first()
        )
        if appointment is None or appointment.status != AppointmentStatus.HELD:
            raise OfferNotAvailable(WAITLIST_MESSAGES["offer_expired"], code="offer_expired")
        # The appointment's own manage token was never shown to anyone: issue one now.
        manage_token = secrets.token_urlsafe(32)
        booking._move(
            appointment,
            AppointmentStatus.CONFIRMED,
            now=now,
            verified_at=now,
            hold_expires_at=None,
            manage_token_hash=booking.token_hash(manage_token),
        )
        booking._enqueue_confirmation(appointment, manage_token)
        entry.status = WaitlistStatus.BOOKED
        entry.save(update_fields=["status"])
    return appointment, manage_token


@transaction.atomic
def waitlist_leave(*, entry: WaitlistEntry, token: str, now: dt.datetime | None = None) -> WaitlistEntry:
    """The citizen leaves the waitlist (a pending offer is given up and passes on)."""
    now = now or timezone.now()
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if not hmac.compare_digest(booking.token_hash(token or ""), entry.manage_token_hash):
        raise OfferNotAvailable(WAITLIST_MESSAGES["unknown"], code="unknown_link")
    if entry.status not in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
        raise OfferNotAvailable(WAITLIST_MESSAGES["not_waiting"], code="not_waiting")
    if entry.status == WaitlistStatus.OFFERED:
        _release_offer(entry, now=now, to=AppointmentStatus.CANCELLED)
    entry.status = WaitlistStatus.CANCELLED
    entry.save(update_fields=["status"])
    return entry


def _release_offer(entry: WaitlistEntry, *, now: dt.datetime, to: str) -> None:
    """Give back the time held for an offer (inside the caller's transaction, entry locked)."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("centre", "service")
        .filter(pk=entry.offered_appointment_id, status=AppointmentStatus.HELD)
        .first()
    )
    if appointment is None:
        return  # already expired by appointments_expire_holds (which told the waitlist itself)
    fields = {"cancelled_at": now} if to == AppointmentStatus.CANCELLED else {}
    booking._move(appointment, to, now=now, **fields)
    booking._on_time_freed(appointment)


def waitlists_expire_offers(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Offers not accepted in time: the entry expires and its time goes to the next in line.

    Idempotent and bounded; entries another worker holds are skipped this run."""
    now = now or timezone.now()
    ids = list(
        WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED, offer_expires_at__lte=now).values_list(
            "pk", flat=True
        )[:batch]
    )
    expired = 0
    for pk in ids:
        with transaction.atomic():
            entry = (
                WaitlistEntry.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=WaitlistStatus.OFFERED, offer_expires_at__lte=now)
                .first()
            )
            if entry is None:
                continue
            _release_offer(entry, now=now, to=AppointmentStatus.EXPIRED)
            entry.status = WaitlistStatus.EXPIRED
            entry.save(update_fields=["status"])
            expired += 1
    return expired
