"""Applying to volunteer and the coordinator's decision. Services and the reads of the review
pages in one module.

- `application_submit` checks what the applicant typed (age, mobile number, consent, centres,
  languages, days) and acknowledges it; the database keeps one pending application per e-mail
  (partial unique constraint), the check here gives the friendly message first.
- `application_approve` makes the volunteer's account (no usable password), the VOLUNTEER role
  and the Volunteer, and sends a one-time "set your password" link; `application_reject` needs
  a reason and passes it on politely. Both lock the application row, so two coordinators
  deciding at once make one decision: the second gets a 409.
- Messages go through the outbox in the applicant's language, under keys that name them for
  good, so each is queued at most once.

Deciding needs the VOLUNTEER_COORDINATOR role (or a superuser): checked here, since the
decision creates an account. Submitting is public; the view rate-limits it.
"""

import datetime as dt
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status

from appointments.citizens import email_normalise, name_normalise, phone_normalise
from appointments.models import NotificationChannel
from appointments.notifications import message_enqueue
from asan_portal.roles import VOLUNTEER, role_grant
from centres.audit import audit_record

from .errors import VolunteerError
from .models import ApplicationStatus, Education, Volunteer, VolunteerApplication, Weekday
from .permissions import user_is_coordinator

S = ApplicationStatus
# Dates of birth and "today" are Baku dates: every centre is in Azerbaijan.
BAKU = zoneinfo.ZoneInfo("Asia/Baku")
MAX_AGE = 80  # beyond this the date of birth is almost surely mistyped

# The languages a volunteer may offer to help citizens in (codes stored in the application).
VOLUNTEER_LANGUAGES = [
    ("az", gettext_lazy("Azerbaijani")),
    ("en", gettext_lazy("English")),
    ("ru", gettext_lazy("Russian")),
    ("tr", gettext_lazy("Turkish")),
    ("de", gettext_lazy("German")),
    ("fr", gettext_lazy("French")),
    ("ar", gettext_lazy("Arabic")),
    ("fa", gettext_lazy("Persian")),
    ("zh", gettext_lazy("Chinese")),
    ("sgn", gettext_lazy("Sign language")),
]
VOLUNTEER_LANGUAGE_CODES = [code for code, _name in VOLUNTEER_LANGUAGES]

# --- errors ------------------------------------------------------------------------------------


class ApplicationInvalid(VolunteerError):
    """What the applicant typed is not usable; `fields` carries a message per field."""

    code = "validation_error"


class ApplicationNotAllowed(VolunteerError):
    code = "forbidden"
    status_code = status.HTTP_403_FORBIDDEN


class ApplicationAlreadyDecided(VolunteerError):
    code = "already_decided"
    status_code = status.HTTP_409_CONFLICT


class AccountExists(VolunteerError):
    code = "account_exists"
    status_code = status.HTTP_409_CONFLICT


INVALID_MESSAGE = gettext_lazy("Some fields are not valid. Check them and try again.")
PENDING_MESSAGE = gettext_lazy(
    "You already have an application waiting for review. We will write to you when it is decided."
)
ACCOUNT_EXISTS_MESSAGE = gettext_lazy(
    "There is already a volunteer account with this e-mail address. Sign in instead of applying again."
)


def min_age() -> int:
    return int(getattr(settings, "VOLUNTEERS", {}).get("MIN_AGE", 16))


def baku_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(BAKU).date()


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Full years of someone born on `date_of_birth` on `day` (a 29 February birthday counts on 1 March)."""
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


def date_of_birth_problem(date_of_birth: dt.date | None, *, today: dt.date) -> str | None:
    """Why `date_of_birth` cannot be a volunteer's on `today` (too young, or mistyped), or None."""
    if date_of_birth is None:
        return _("Enter your date of birth.")
    if date_of_birth > today or age_on(date_of_birth, today) > MAX_AGE:
        return _("Check the date of birth: it does not look right.")
    if age_on(date_of_birth, today) < min_age():
        return _("Volunteers must be at least %(age)s years old on the day they apply.") % {"age": min_age()}
    return None


# --- links and messages ------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def password_set_url(user) -> str:
    """The one-time link to choose a first password (Django's reset token: it stops working once
    the password is set, and after PASSWORD_RESET_TIMEOUT)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return _absolute(reverse("volunteers:set-password", kwargs={"uidb64": uidb64, "token": token}))


def _enqueue(application: VolunteerApplication, event: str, texts: dict[str, tuple[str, str]]) -> list:
    """One message per channel (SMS to the mobile, e-mail); `texts` is channel -> (subject, body)."""
    queued = []
    for channel, recipient in (
        (NotificationChannel.SMS, application.phone),
        (NotificationChannel.EMAIL, application.email),
    ):
        subject, body = texts[channel]
        notification = message_enqueue(
            key=f"volunteer-application:{application.pk}:{event}:{channel}",
            kind=f"volunteer_application_{event}",
            channel=channel,
            recipient=recipient,
            language=application.language,
            subject=subject,
            body=body,
        )
        if notification is not None:
            queued.append(notification)
    return queued


def _received_texts(application: VolunteerApplication, **_context) -> dict[str, tuple[str, str]]:
    subject = _("We received your volunteer application")
    sms = _("ASAN: thank you for applying to volunteer. We will write to you when your application is reviewed.")
    email = _(
        "Dear %(name)s,\n\nthank you for applying to volunteer at the ASAN service centres.\n"
        "A coordinator will review your application and write to you by e-mail and SMS.\n\nASAN xidmət"
    ) % {"name": application.full_name}
    return {NotificationChannel.SMS: (subject, sms), NotificationChannel.EMAIL: (subject, email)}


def _approved_texts(application: VolunteerApplication, *, user, **_context) -> dict[str, tuple[str, str]]:
    link = password_set_url(user)  # in the applicant's language, as the texts
    subject = _("Welcome to the ASAN volunteers")
    sms = _("ASAN: your volunteer application is approved. We sent a link to %(email)s to set your password.") % {
        "email": application.email
    }
    email = _(
        "Dear %(name)s,\n\nyour application to volunteer is approved. Welcome!\n\n"
        "Choose your password here (the link works once and for %(days)s days):\n%(link)s\n\n"
        "Then sign in at %(login)s with your e-mail address %(email)s to see and choose your shifts.\n\n"
        "ASAN xidmət"
    ) % {
        "name": application.full_name,
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "link": link,
        "login": _absolute(reverse("login")),
        "email": application.email,
    }
    return {NotificationChannel.SMS: (subject, sms), NotificationChannel.EMAIL: (subject, email)}


def _rejected_texts(application: VolunteerApplication, **_context) -> dict[str, tuple[str, str]]:
    subject = _("About your volunteer application")
    sms = _(
        "ASAN: thank you for applying to volunteer. We cannot accept your application this time; "
        "we wrote to %(email)s why."
    ) % {"email": application.email}
    email = _(
        "Dear %(name)s,\n\nthank you for your interest in volunteering at the ASAN service centres.\n"
        "We are sorry that we cannot accept your application this time, for this reason:\n\n%(reason)s\n\n"
        "You are welcome to apply again later.\n\nASAN xidmət"
    ) % {"name": application.full_name, "reason": application.rejection_reason}
    return {NotificationChannel.SMS: (subject, sms), NotificationChannel.EMAIL: (subject, email)}


def application_notify(*, application: VolunteerApplication, event: str, **context) -> list:
    """Queue the applicant's "received", "approved" (needs the new `user`) or "rejected" messages in their
    language. Runs inside the transaction that made the change; a second call queues nothing."""
    builders = {"received": _received_texts, "approved": _approved_texts, "rejected": _rejected_texts}
    with translation.override(application.language):
        texts = builders[event](application, **context)
    return _enqueue(application, event, texts)


# --- submitting --------------------------------------------------------------------------------


def _choices_clean(values, allowed, *, empty_message, field, errors) -> list:
    """The distinct values in the order of `allowed`; an error for none or an unknown one."""
    chosen = [str(value) for value in (values or [])]
    known = [value for value in allowed if str(value) in chosen]
    if not chosen:
        errors[field] = [str(empty_message)]
    elif len(known) != len(set(chosen)):
        errors[field] = [_("Choose from the list.")]
    return known


@transaction.atomic
def application_submit(
    *,
    full_name: str,
    email: str,
    phone: str,
    date_of_birth: dt.date | None,
    education: str,
    languages: list[str],
    preferred_centres,
    available_weekdays: list[int],
    consent: bool,
    institution: str = "",
    skills: str = "",
    availability_note: str = "",
    language: str = "az",
    now: dt.datetime | None = None,
) -> VolunteerApplication:
    """Record an application to volunteer and acknowledge it by SMS and e-mail.

    Raises ApplicationInvalid (400, a message per field): too young or an implausible date of
    birth, no consent, a number that is not an Azerbaijani mobile, no centre, a language or day
    not in the lists, or an application from the same e-mail still waiting for review.
    `preferred_centres` is a list (or queryset) of active centres."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for field, function, value in (
        ("full_name", name_normalise, full_name),
        ("phone", phone_normalise, phone),
        ("email", email_normalise, email),
    ):
        try:
            cleaned[field] = function(value)
        except ValidationError as error:
            errors[field] = list(error.messages)
    # One address, however it is capitalised: the one-pending rule and the username rely on it.
    cleaned_email = cleaned.get("email", "").lower()
    if "email" not in errors and not cleaned_email:
        errors["email"] = [_("Enter your e-mail address: your account and our answer use it.")]

    problem = date_of_birth_problem(date_of_birth, today=baku_today(now))
    if problem:
        errors["date_of_birth"] = [problem]

    if education not in Education.values:
        errors["education"] = [_("Choose your education from the list.")]
    chosen_languages = _choices_clean(
        languages,
        VOLUNTEER_LANGUAGE_CODES,
        empty_message=_("Choose at least one language you can help citizens in."),
        field="languages",
        errors=errors,
    )
    weekdays = _choices_clean(
        available_weekdays,
        Weekday.values,
        empty_message=_("Choose at least one day you can usually come."),
        field="available_weekdays",
        errors=errors,
    )
    given_centres = list(preferred_centres or [])
    centres = [centre for centre in given_centres if centre.is_active]
    if not centres or len(centres) != len(given_centres):
        errors["preferred_centres"] = [_("Choose at least one centre where you would like to help.")]
    if not consent:
        errors["consent"] = [_("We can only consider your application with your consent to keep these details.")]
    for field, value, limit in (
        ("institution", institution, 200),
        ("skills", skills, 2000),
        ("availability_note", availability_note, 300),
    ):
        if len((value or "").strip()) > limit:
            errors[field] = [_("This can be at most %(max)s characters.") % {"max": limit}]

    if cleaned_email and "email" not in errors:
        if VolunteerApplication.objects.filter(email=cleaned_email, status=S.SUBMITTED).exists():
            errors["email"] = [str(PENDING_MESSAGE)]
        elif get_user_model().objects.filter(username__iexact=cleaned_email).exists():
            errors["email"] = [str(ACCOUNT_EXISTS_MESSAGE)]
    if errors:
        message = PENDING_MESSAGE if errors.get("email") == [str(PENDING_MESSAGE)] and len(errors) == 1 else None
        raise ApplicationInvalid(message or INVALID_MESSAGE, fields=errors)

    languages_known = [code for code, _name in settings.LANGUAGES]
    try:
        # A savepoint: a pending application that slipped in meanwhile fails only this insert.
        with transaction.atomic():
            application = VolunteerApplication.objects.create(
                full_name=cleaned["full_name"],
                email=cleaned_email,
                phone=cleaned["phone"],
                date_of_birth=date_of_birth,
                education=education,
                institution=(institution or "").strip(),
                languages=chosen_languages,
                skills=(skills or "").strip(),
                available_weekdays=weekdays,
                availability_note=(availability_note or "").strip(),
                consent_at=now,
                language=language if language in languages_known else settings.LANGUAGE_CODE,
            )
    except IntegrityError:
        raise ApplicationInvalid(PENDING_MESSAGE, fields={"email": [str(PENDING_MESSAGE)]}) from None
    application.preferred_centres.set(centres)
    application_notify(application=application, event="received")
    return application


# --- deciding ----------------------------------------------------------------------------------


def _decidable(application: VolunteerApplication, by) -> VolunteerApplication:
    """The application's row, locked until the transaction ends, if `by` may decide it now."""
    if not user_is_coordinator(by):
        raise ApplicationNotAllowed(_("Only a volunteer coordinator can decide applications."))
    locked = VolunteerApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != S.SUBMITTED:
        raise ApplicationAlreadyDecided(
            _("This application was already decided (%(status)s); it cannot be decided again.")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def application_approve(*, application: VolunteerApplication, by, now: dt.datetime | None = None) -> Volunteer:
    """Approve a waiting application: make the account (username = e-mail, no usable password),
    give it the VOLUNTEER role, make the Volunteer at the preferred centres, and send the
    applicant a one-time link to choose a password (e-mail) and a short SMS.

    ApplicationNotAllowed (403) unless `by` is a coordinator; ApplicationAlreadyDecided (409)
    unless the application is waiting; AccountExists (409) if an account has that username."""
    now = now or timezone.now()
    application = _decidable(application, by)
    User = get_user_model()
    if User.objects.filter(username__iexact=application.email).exists():
        raise AccountExists(
            _("An account with the e-mail %(email)s already exists. Ask an administrator to link it.")
            % {"email": application.email}
        )
    user = User.objects.create_user(
        username=application.email, email=application.email, password=None, first_name=application.full_name[:150]
    )
    role_grant(user=user, role=VOLUNTEER)
    volunteer = Volunteer.objects.create(
        user=user,
        application=application,
        full_name=application.full_name,
        phone=application.phone,
        email=application.email,
        language=application.language,
        programme_started_on=baku_today(now),
        calendar_token=secrets.token_urlsafe(32),
    )
    volunteer.centres.set(application.preferred_centres.all())
    application.status = S.APPROVED
    application.reviewed_by = by
    application.reviewed_at = now
    application.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    application_notify(application=application, event="approved", user=user)
    return volunteer


@transaction.atomic
def application_reject(
    *, application: VolunteerApplication, by, reason: str, now: dt.datetime | None = None
) -> VolunteerApplication:
    """Turn down a waiting application with a reason the applicant is told (e-mail and SMS).

    ApplicationInvalid (400) without a reason; otherwise the same refusals as approving."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationInvalid(
            _("Write the reason: the applicant is told why."),
            fields={"reason": [_("Write the reason: the applicant is told why.")]},
        )
    if len(reason) > 1000:
        raise ApplicationInvalid(
            _("The reason can be at most %(max)s characters.") % {"max": 1000},
            fields={"reason": [_("The reason can be at most %(max)s characters.") % {"max": 1000}]},
        )
    application = _decidable(application, by)
    application.status = S.REJECTED
    application.rejection_reason = reason
    application.reviewed_by = by
    application.reviewed_at = now
    application.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    application_notify(application=application, event="rejected")
    return application


def _password_link_enqueue(volunteer: Volunteer, *, now: dt.datetime) -> list:
    """Queue a fresh one-time "choose your password" link by e-mail, and an SMS saying so (which
    also warns the owner if someone else asked). Setting the password voids every earlier link."""
    with translation.override(volunteer.language):
        link = password_set_url(volunteer.user)
        subject = _("Your link to choose a password")
        texts = {
            NotificationChannel.EMAIL: _(
                "Dear %(name)s,\n\nhere is a new link to choose the password of your volunteer account "
                "(it works once and for %(days)s days):\n%(link)s\n\n"
                "Then sign in at %(login)s with your e-mail address %(email)s.\n\nASAN xidmət"
            )
            % {
                "name": volunteer.full_name,
                "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
                "link": link,
                "login": _absolute(reverse("login")),
                "email": volunteer.email,
            },
            NotificationChannel.SMS: _("ASAN: we sent a new link to choose your password to %(email)s.")
            % {"email": volunteer.email},
        }
    queued = []
    for channel, recipient in (
        (NotificationChannel.EMAIL, volunteer.email),
        (NotificationChannel.SMS, volunteer.phone),
    ):
        notification = message_enqueue(
            # One per second at most: a double click queues one message.
            key=f"volunteer:{volunteer.pk}:password-link:{int(now.timestamp())}:{channel}",
            kind="volunteer_password_link",
            channel=channel,
            recipient=recipient,
            language=volunteer.language,
            subject=subject,
            body=texts[channel],
        )
        if notification is not None:
            queued.append(notification)
    return queued


@transaction.atomic
def volunteer_password_link_send(*, volunteer: Volunteer, by, now: dt.datetime | None = None) -> list:
    """A coordinator sends an approved volunteer a new password link, e.g. when the first expired.

    ApplicationNotAllowed (403) unless `by` is a coordinator."""
    if not user_is_coordinator(by):
        raise ApplicationNotAllowed(_("Only a volunteer coordinator can send a new password link."))
    now = now or timezone.now()
    queued = _password_link_enqueue(volunteer, now=now)
    # Who sent a sign-in link matters when an account is misused, even if nothing new was queued.
    audit_record(actor=by, action="volunteer_password_link", obj=volunteer, details={"queued": len(queued)}, now=now)
    return queued


@transaction.atomic
def volunteer_password_link_request(*, email: str, now: dt.datetime | None = None) -> bool:
    """A volunteer who forgot their password asks for a link to `email`, their username.

    Public: the page says the same whatever the answer, so it does not reveal who volunteers;
    the caller rate-limits per address and per e-mail. True if a link was queued (an active
    volunteer with an active account has this e-mail as username)."""
    volunteer = (
        Volunteer.objects.select_related("user")
        .filter(user__username__iexact=(email or "").strip(), user__is_active=True, is_active=True)
        .first()
    )
    if volunteer is None:
        return False
    return bool(_password_link_enqueue(volunteer, now=now or timezone.now()))


# --- reads for the review pages ----------------------------------------------------------------


def application_list(*, status: str | None = S.SUBMITTED) -> QuerySet[VolunteerApplication]:
    """Applications, oldest first (first come, first reviewed), optionally of one status."""
    queryset = VolunteerApplication.objects.prefetch_related("preferred_centres").select_related("reviewed_by")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("created_at", "pk")


def application_get(pk: int) -> VolunteerApplication:
    return VolunteerApplication.objects.prefetch_related("preferred_centres").select_related("reviewed_by").get(pk=pk)


def language_names(codes: list[str]) -> list[str]:
    names = dict(VOLUNTEER_LANGUAGES)
    return [str(names.get(code, code)) for code in codes]


def weekday_names(values: list[int]) -> list[str]:
    names = dict(Weekday.choices)
    return [str(names.get(value, value)) for value in values]
