"""Writes to shifts and sign-ups: the one place for their rules (docs/adr/0015).

Pages, the admin and tasks all come through here. These functions enforce the rules (cut-off,
capacity, no overlap, waitlist order) and leave permissions to the caller: volunteer pages pass
`request.user.volunteer`, coordinator pages check the role first. Every function is atomic.

How the rules hold under concurrency:
- every change to a shift's places runs with the shift row locked (`_lock_shift`), so sign-ups,
  withdrawals, assignments and waitlist promotions for one shift are serialised; `taken` moves
  only by `F()` updates under that lock, and the check constraint `taken <= needed` refuses an
  over-fill if a path ever forgot the lock;
- a volunteer's two overlapping places may be locked by two transactions on two shifts at
  once: the exclusion constraint `signup_no_overlap_per_volunteer` refuses the second; the
  check before it exists only to name the other shift in the message;
- two such transactions inserting at the same moment can each wait for the other's uncommitted
  row while checking that constraint; PostgreSQL breaks the cycle by failing one of them with
  "deadlock detected", which the savepoint around the write turns into the same overlap refusal
  (the other one holds the place), never a 500 (tests/volunteers/test_signup_races.py);
- a move locks both shifts in primary-key order, so two moves in opposite directions cannot
  deadlock.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from appointments.notifications import message_enqueue
from centres.audit import audit_record
from centres.hours import holiday_dates, open_periods
from centres.models import Centre
from core.db_errors import is_deadlock

from .errors import (
    AlreadySignedUp,
    NeededBelowTaken,
    NotEligible,
    ShiftFull,
    ShiftInvalid,
    ShiftOverlap,
    SignupClosed,
    SignupNotActive,
)
from .models import ACTIVE_SIGNUP_STATUSES, Shift, ShiftRole, ShiftSignup, ShiftTemplate, SignupStatus, Volunteer

S = SignupStatus

MAX_NEEDED = 50
MAX_DAYS_AHEAD = 366  # shifts are planned up to a year ahead
NOTES_MAX_LENGTH = 300
REASON_MAX_LENGTH = 300
DEFAULT_SIGNUP_CUTOFF_HOURS = 12

MESSAGES = {
    "invalid": _("Some fields are not valid. Check them and try again."),
    "role": _("Choose one of the roles."),
    "needed": _("Enter a number of volunteers from 1 to %(max)s."),
    "ends_before_start": _("The shift must end after it starts."),
    "date_past": _("The date must not be in the past."),
    "date_far": _("Shifts can be added up to %(days)s days ahead."),
    "time_past": _("This start time has already passed."),
    "notes_long": _("Keep the notes to %(max)s characters."),
    "inactive": _("Your volunteer account is not active. Please contact the volunteer coordinator."),
    "inactive_other": _("%(name)s is not an active volunteer."),
    "not_your_centre": _("You do not volunteer at this centre."),
    "not_their_centre": _("%(name)s does not volunteer at this centre."),
    "not_yours": _("This sign-up is not yours."),
    "cutoff_sign_up": _(
        "Sign-up for this shift closed %(hours)s hours before it starts. Please call the volunteer coordinator."
    ),
    "cutoff_withdraw": _(
        "You can withdraw up to %(hours)s hours before the shift starts. Please call the volunteer coordinator."
    ),
    "started": _("This shift has already started."),
    "over": _("This shift is already over."),
    "already_signed_up": _("You are already signed up for this shift."),
    "already_waitlisted": _("You are already on the waitlist for this shift."),
    "other_already_on_shift": _("%(name)s is already on this shift or its waitlist."),
    "overlap": _("You already have a shift at that time: %(shift)s."),
    "overlap_other": _("%(name)s already has a shift at that time: %(shift)s."),
    "overlap_unnamed": _("You already have a shift at that time."),
    "full": _("This shift is full. Raise the number of volunteers needed first."),
    "needed_below_taken": _(
        "%(taken)s volunteers are signed up for this shift. Remove or move some before lowering the number to "
        "%(needed)s."
    ),
    "not_active": _("This sign-up was already withdrawn or removed."),
    "same_shift": _("The volunteer is already on this shift. Choose another shift."),
    "reason_required": _("Give a reason: the volunteer is told."),
    "reason_long": _("Keep the reason to %(max)s characters."),
}

SKIP_REASONS = {
    "past": _("in the past"),
    "holiday": _("public holiday"),
    "closed": _("the centre is closed"),
}


# --- settings and small reads ---------------------------------------------------------------


def signup_cutoff() -> dt.timedelta:
    """Sign-ups and withdrawals close this long before a shift starts."""
    hours = getattr(settings, "VOLUNTEERS", {}).get("SIGNUP_CUTOFF_HOURS", DEFAULT_SIGNUP_CUTOFF_HOURS)
    return dt.timedelta(hours=hours)


def signup_closes_at(shift: Shift) -> dt.datetime:
    return shift.starts_at - signup_cutoff()


def signup_cutoff_hours() -> str:
    """The cut-off in hours, for messages ('12', or '1.5')."""
    hours = signup_cutoff().total_seconds() / 3600
    return f"{hours:g}"


def shift_label(shift: Shift) -> str:
    """'5 December 2026, 09:00–13:00, <centre>, <role>' in the active language and the centre's clock."""
    tz = shift.centre.tz
    start, end = shift.starts_at.astimezone(tz), shift.ends_at.astimezone(tz)
    return (
        f"{date_format(start.date(), 'j E Y')}, {start:%H:%M}–{end:%H:%M}, "
        f"{shift.centre.name}, {shift.get_role_display()}"
    )


def _lock_shift(pk: int) -> Shift:
    # `of=("self",)`: lock the shift only, not its centre (that would serialise the whole centre).
    return Shift.objects.select_for_update(of=("self",)).select_related("centre").get(pk=pk)


def _lock_signup(pk: int) -> ShiftSignup:
    return ShiftSignup.objects.select_for_update(of=("self",)).select_related("volunteer").get(pk=pk)


def _take_place(shift: Shift) -> None:
    Shift.objects.filter(pk=shift.pk).update(taken=F("taken") + 1)
    shift.taken += 1  # exact: we hold the row lock


def _free_place(shift: Shift) -> None:
    Shift.objects.filter(pk=shift.pk).update(taken=F("taken") - 1)
    shift.taken -= 1


def _overlapping_place(volunteer: Volunteer, starts_at, ends_at, *, exclude_pk=None) -> ShiftSignup | None:
    places = ShiftSignup.objects.filter(
        volunteer=volunteer, status=S.SIGNED_UP, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).select_related("shift__centre")
    if exclude_pk is not None:
        places = places.exclude(pk=exclude_pk)
    return places.first()


def _overlap_error(volunteer: Volunteer, starts_at, ends_at, *, by_coordinator: bool, exclude_pk=None) -> ShiftOverlap:
    other = _overlapping_place(volunteer, starts_at, ends_at, exclude_pk=exclude_pk)
    if other is None:
        return ShiftOverlap(MESSAGES["overlap_unnamed"])
    params = {"shift": shift_label(other.shift), "name": volunteer.full_name}
    message = MESSAGES["overlap_other" if by_coordinator else "overlap"] % params
    return ShiftOverlap(message, extra={"shift_id": other.shift_id})


def _refuse_overlap(volunteer: Volunteer, shift: Shift, *, by_coordinator: bool, exclude_pk=None) -> None:
    if _overlapping_place(volunteer, shift.starts_at, shift.ends_at, exclude_pk=exclude_pk) is not None:
        raise _overlap_error(
            volunteer, shift.starts_at, shift.ends_at, by_coordinator=by_coordinator, exclude_pk=exclude_pk
        )


def _is_overlap_deadlock(error: OperationalError) -> bool:
    """PostgreSQL failed this writer to break a deadlock between two overlapping places."""
    return is_deadlock(error) and "exclusion constraint" in str(error)


def _save_signup(signup: ShiftSignup, *, by_coordinator: bool) -> None:
    """Save in a savepoint; the database's refusals become the same errors as the checks."""
    try:
        with transaction.atomic():
            signup.save()
    except (IntegrityError, OperationalError) as error:
        if isinstance(error, OperationalError) and not _is_overlap_deadlock(error):
            raise
        if isinstance(error, OperationalError) or "signup_no_overlap_per_volunteer" in str(error):
            # Another transaction gave this volunteer an overlapping place a moment ago.
            raise _overlap_error(
                signup.volunteer,
                signup.starts_at,
                signup.ends_at,
                by_coordinator=by_coordinator,
                exclude_pk=signup.pk,
            ) from error
        if "signup_once_per_shift" in str(error):
            raise AlreadySignedUp(MESSAGES["already_signed_up"]) from error
        raise


def _check_eligible(volunteer: Volunteer, shift: Shift, *, by_coordinator: bool) -> None:
    params = {"name": volunteer.full_name}
    if not volunteer.is_active:
        raise NotEligible(MESSAGES["inactive_other"] % params if by_coordinator else MESSAGES["inactive"])
    if not volunteer.centres.filter(pk=shift.centre_id).exists():
        raise NotEligible(MESSAGES["not_their_centre"] % params if by_coordinator else MESSAGES["not_your_centre"])


def _invalid(fields: dict[str, str]) -> ShiftInvalid:
    first = next(iter(fields.values()))
    return ShiftInvalid(first, fields={name: [str(message)] for name, message in fields.items()})


def _valid_needed(needed) -> bool:
    return isinstance(needed, int) and not isinstance(needed, bool) and 1 <= needed <= MAX_NEEDED


# --- notifications ------------------------------------------------------------------------


def _notify(signup: ShiftSignup, event: str, *, subject, body, params: dict | None = None) -> None:
    """Tell the volunteer by SMS and e-mail, in their language; `event` makes the key unique."""
    volunteer = signup.volunteer
    with translation.override(volunteer.language):
        values = {"shift": shift_label(signup.shift), **(params or {})}
        # Lazy texts turn into the volunteer's language here, inside the override.
        subject_text = str(subject) % values
        body_text = str(body) % values
    for channel, recipient in (("sms", volunteer.phone), ("email", volunteer.email)):
        if recipient:
            message_enqueue(
                key=f"shift-signup:{signup.pk}:{event}:{channel}",
                kind=f"volunteer_shift_{event.split(':')[0]}",
                channel=channel,
                recipient=recipient,
                language=volunteer.language,
                subject=subject_text,
                body=body_text,
            )


# (subject, body) per event; lazy, so `_notify` renders them in the volunteer's language.
NOTICES = {
    "promoted": (
        _("You have a volunteer shift"),
        _("A place became free and it is yours: %(shift)s. If you cannot come, withdraw on the portal."),
    ),
    # Promoted after the cut-off: the volunteer can no longer withdraw on the portal.
    "promoted_late": (
        _("You have a volunteer shift"),
        _("A place became free and it is yours: %(shift)s. If you cannot come, call the volunteer coordinator."),
    ),
    "assigned": (
        _("You have a volunteer shift"),
        _("The volunteer coordinator put you on a shift: %(shift)s. If you cannot come, call the coordinator."),
    ),
    "removed": (
        _("Your volunteer shift was cancelled"),
        _("The volunteer coordinator took you off the shift %(shift)s. Reason: %(reason)s"),
    ),
    "moved": (
        _("Your volunteer shift has changed"),
        _("The volunteer coordinator moved you from %(old)s to %(shift)s."),
    ),
}


def _notify_event(
    signup: ShiftSignup, event: str, *, key_suffix: str = "", params: dict | None = None, text: str = ""
) -> None:
    subject, body = NOTICES[text or event]
    _notify(signup, f"{event}{key_suffix}", subject=subject, body=body, params=params)


# --- the waitlist ---------------------------------------------------------------------------


def _waitlist_promote(shift: Shift, *, now: dt.datetime) -> list[ShiftSignup]:
    """Fill free places of the locked `shift` from its waitlist, first come first served.

    Skips volunteers who can no longer take it (inactive, no longer at the centre, or now
    holding an overlapping shift); they stay on the waitlist. Each promoted volunteer is told."""
    if now >= shift.starts_at:
        return []  # nobody is called in for a shift that has begun
    promoted = []
    waiting = (
        ShiftSignup.objects.select_for_update(of=("self",))
        .filter(shift=shift, status=S.WAITLISTED)
        .select_related("volunteer")
        .order_by("created_at", "pk")
    )
    for signup in waiting:
        if shift.taken >= shift.needed:
            break
        volunteer = signup.volunteer
        if not volunteer.is_active or not volunteer.centres.filter(pk=shift.centre_id).exists():
            continue
        if _overlapping_place(volunteer, shift.starts_at, shift.ends_at) is not None:
            continue
        signup.status = S.SIGNED_UP
        try:
            with transaction.atomic():
                signup.save(update_fields=["status", "updated_at"])
        except (IntegrityError, OperationalError) as error:
            if isinstance(error, OperationalError):
                if not _is_overlap_deadlock(error):
                    raise
            elif "signup_no_overlap_per_volunteer" not in str(error):
                raise
            signup.status = S.WAITLISTED  # took an overlapping shift a moment ago: next in line
            continue
        signup.shift = shift
        _take_place(shift)
        _notify_event(signup, "promoted", text="promoted_late" if now >= signup_closes_at(shift) else "promoted")
        promoted.append(signup)
    return promoted


# --- coordinators: shifts ---------------------------------------------------------------------


@transaction.atomic
def shift_create(
    *,
    centre: Centre,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    role: str,
    needed: int,
    by,
    notes: str = "",
    now: dt.datetime | None = None,
) -> Shift:
    """One shift at `centre` on local `date` from `start_time` to `end_time` (the centre's clock).

    Raises ShiftInvalid naming each bad field. The caller checks that `by` is a coordinator."""
    now = now or timezone.now()
    notes = (notes or "").strip()
    problems = {}
    if role not in ShiftRole.values:
        problems["role"] = MESSAGES["role"]
    if not _valid_needed(needed):
        problems["needed"] = MESSAGES["needed"] % {"max": MAX_NEEDED}
    if end_time <= start_time:
        problems["end_time"] = MESSAGES["ends_before_start"]
    starts_at = dt.datetime.combine(date, start_time, tzinfo=centre.tz)
    ends_at = dt.datetime.combine(date, end_time, tzinfo=centre.tz)
    today = now.astimezone(centre.tz).date()
    if date < today:
        problems["date"] = MESSAGES["date_past"]
    elif date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        problems["date"] = MESSAGES["date_far"] % {"days": MAX_DAYS_AHEAD}
    elif starts_at <= now:
        problems["start_time"] = MESSAGES["time_past"]
    if len(notes) > NOTES_MAX_LENGTH:
        problems["notes"] = MESSAGES["notes_long"] % {"max": NOTES_MAX_LENGTH}
    if problems:
        raise _invalid(problems)
    return Shift.objects.create(
        centre=centre,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        role=role,
        needed=needed,
        notes=notes,
        created_by=by,
    )


@dataclass
class SkippedDay:
    date: dt.date
    reason: str  # a key of SKIP_REASONS

    @property
    def label(self) -> str:
        return str(SKIP_REASONS[self.reason])


@dataclass
class WeekOfShifts:
    week_start: dt.date
    created: list[Shift] = field(default_factory=list)
    existing: int = 0
    skipped: list[SkippedDay] = field(default_factory=list)


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def shifts_from_templates(*, centre: Centre, week_start: dt.date, by, now: dt.datetime | None = None) -> WeekOfShifts:
    """Make the week's shifts (Monday of `week_start`'s week to Sunday) from the centre's active
    weekly patterns. Running it again is harmless: a pattern makes at most one shift a day
    (unique (template, date)), so the second run only counts them as existing.

    Skips days in the past, public holidays and days the centre is closed (closures, no
    opening hours that weekday), and reports them; today's patterns whose start has passed
    are left out."""
    now = now or timezone.now()
    monday = week_start_of(week_start)
    sunday = monday + dt.timedelta(days=6)
    centre = Centre.objects.prefetch_related("opening_hours", "closures", "stops").get(pk=centre.pk)
    templates = list(ShiftTemplate.objects.filter(centre=centre, is_active=True).order_by("weekday", "start_time"))
    holidays = holiday_dates(monday, sunday)
    today = now.astimezone(centre.tz).date()
    result = WeekOfShifts(week_start=monday)
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        patterns = [template for template in templates if template.weekday == day.weekday()]
        if not patterns:
            continue
        if day < today:
            result.skipped.append(SkippedDay(day, "past"))
            continue
        if day in holidays:
            result.skipped.append(SkippedDay(day, "holiday"))
            continue
        if not open_periods(centre, day, holidays=holidays):
            result.skipped.append(SkippedDay(day, "closed"))
            continue
        for template in patterns:
            starts_at = dt.datetime.combine(day, template.start_time, tzinfo=centre.tz)
            if starts_at <= now:
                continue
            shift, created = Shift.objects.get_or_create(
                template=template,
                date=day,
                defaults={
                    "centre": centre,
                    "starts_at": starts_at,
                    "ends_at": dt.datetime.combine(day, template.end_time, tzinfo=centre.tz),
                    "role": template.role,
                    "needed": template.needed,
                    "created_by": by,
                },
            )
            if created:
                result.created.append(shift)
            else:
                result.existing += 1
    return result


@transaction.atomic
def shift_change_needed(*, shift: Shift, needed: int, by, now: dt.datetime | None = None) -> Shift:
    """Change how many volunteers `shift` needs. Never below the places taken; raising it
    fills the new places from the waitlist at once."""
    now = now or timezone.now()
    if not _valid_needed(needed):
        raise _invalid({"needed": MESSAGES["needed"] % {"max": MAX_NEEDED}})
    shift = _lock_shift(shift.pk)
    if needed < shift.taken:
        message = MESSAGES["needed_below_taken"] % {"taken": shift.taken, "needed": needed}
        raise NeededBelowTaken(message, fields={"needed": [message]})
    before = shift.needed
    Shift.objects.filter(pk=shift.pk).update(needed=needed)
    shift.needed = needed
    if needed > before:
        _waitlist_promote(shift, now=now)
    if needed != before:
        audit_record(
            actor=by,
            action="shift_needed_change",
            obj=shift,
            centre=shift.centre,
            details={"before": before, "after": needed},
            now=now,
        )
    return shift


# --- sign-ups ---------------------------------------------------------------------------------


def _place(shift: Shift, volunteer: Volunteer, *, by=None) -> ShiftSignup:
    """Give `volunteer` a place on the locked `shift`, or (volunteers only) a waitlist place.

    `by` is the coordinator assigning; they may turn a waitlist entry into a place, but a full
    shift refuses them rather than waitlisting."""
    by_coordinator = by is not None
    existing = ShiftSignup.objects.filter(shift=shift, volunteer=volunteer, status__in=ACTIVE_SIGNUP_STATUSES).first()
    if existing is not None:
        if by_coordinator and existing.status == S.SIGNED_UP:
            raise AlreadySignedUp(MESSAGES["other_already_on_shift"] % {"name": volunteer.full_name})
        if not by_coordinator:
            key = "already_signed_up" if existing.status == S.SIGNED_UP else "already_waitlisted"
            raise AlreadySignedUp(MESSAGES[key])
    _refuse_overlap(volunteer, shift, by_coordinator=by_coordinator)
    if shift.taken < shift.needed:
        status = S.SIGNED_UP
    elif by_coordinator:
        raise ShiftFull(MESSAGES["full"])
    else:
        status = S.WAITLISTED
    signup = existing or ShiftSignup(shift=shift, volunteer=volunteer, starts_at=shift.starts_at, ends_at=shift.ends_at)
    signup.shift = shift
    signup.status = status
    signup.assigned_by = by
    _save_signup(signup, by_coordinator=by_coordinator)
    if status == S.SIGNED_UP:
        _take_place(shift)
    return signup


@transaction.atomic
def shift_sign_up(*, shift: Shift, volunteer: Volunteer, now: dt.datetime | None = None) -> ShiftSignup:
    """The volunteer takes a free place on `shift`, or joins its waitlist when it is full.

    Refuses (4xx): an inactive volunteer or one not at the shift's centre, after the cut-off,
    a second sign-up for the same shift, and a shift overlapping one they already hold."""
    now = now or timezone.now()
    _check_eligible(volunteer, shift, by_coordinator=False)
    shift = _lock_shift(shift.pk)
    if now >= signup_closes_at(shift):
        raise SignupClosed(MESSAGES["cutoff_sign_up"] % {"hours": signup_cutoff_hours()})
    return _place(shift, volunteer)


def _release(signup: ShiftSignup, shift: Shift, *, status: str, by=None, now: dt.datetime) -> bool:
    """Withdraw or remove the locked `signup`; a freed place goes to the waitlist. True if a place was freed."""
    was_signed_up = signup.status == S.SIGNED_UP
    signup.status = status
    update_fields = ["status", "updated_at"]
    if by is not None:
        signup.assigned_by = by
        update_fields.append("assigned_by")
    signup.save(update_fields=update_fields)
    if was_signed_up:
        _free_place(shift)
        _waitlist_promote(shift, now=now)
    return was_signed_up


@transaction.atomic
def shift_withdraw(*, signup: ShiftSignup, volunteer: Volunteer, now: dt.datetime | None = None) -> ShiftSignup:
    """The volunteer gives up their place (until the cut-off) or leaves the waitlist (any time).

    A freed place goes at once to the first eligible volunteer on the waitlist, who is told."""
    now = now or timezone.now()
    if signup.volunteer_id != volunteer.pk:
        raise NotEligible(MESSAGES["not_yours"])
    shift = _lock_shift(signup.shift_id)
    signup = _lock_signup(signup.pk)
    if signup.status not in ACTIVE_SIGNUP_STATUSES:
        raise SignupNotActive(MESSAGES["not_active"])
    if signup.status == S.SIGNED_UP and now >= signup_closes_at(shift):
        raise SignupClosed(MESSAGES["cutoff_withdraw"] % {"hours": signup_cutoff_hours()})
    _release(signup, shift, status=S.WITHDRAWN, now=now)
    return signup


# --- coordinators: people ---------------------------------------------------------------------


@transaction.atomic
def shift_assign(*, shift: Shift, volunteer: Volunteer, by, now: dt.datetime | None = None) -> ShiftSignup:
    """A coordinator puts `volunteer` on `shift` (from its waitlist or not), cut-off or not.

    Capacity and overlap still hold: a full shift refuses (raise `needed` first). The volunteer is told."""
    now = now or timezone.now()
    _check_eligible(volunteer, shift, by_coordinator=True)
    shift = _lock_shift(shift.pk)
    if now >= shift.ends_at:
        raise SignupClosed(MESSAGES["over"])
    signup = _place(shift, volunteer, by=by)
    _notify_event(signup, "assigned")
    return signup


@transaction.atomic
def shift_remove(*, signup: ShiftSignup, by, reason: str, now: dt.datetime | None = None) -> ShiftSignup:
    """A coordinator takes a volunteer off a shift (or its waitlist) before it starts, with a
    reason the volunteer is told. A freed place goes to the waitlist."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise _invalid({"reason": MESSAGES["reason_required"]})
    if len(reason) > REASON_MAX_LENGTH:
        raise _invalid({"reason": MESSAGES["reason_long"] % {"max": REASON_MAX_LENGTH}})
    shift = _lock_shift(signup.shift_id)
    signup = _lock_signup(signup.pk)
    if signup.status not in ACTIVE_SIGNUP_STATUSES:
        raise SignupNotActive(MESSAGES["not_active"])
    if now >= shift.starts_at:
        raise SignupClosed(MESSAGES["started"])
    _release(signup, shift, status=S.REMOVED, by=by, now=now)
    signup.shift = shift
    _notify_event(signup, "removed", params={"reason": reason})
    audit_record(actor=by, action="shift_remove", obj=signup, centre=shift.centre, details={"shift": shift.pk}, now=now)
    return signup


@transaction.atomic
def signup_move(*, signup: ShiftSignup, to_shift: Shift, by, now: dt.datetime | None = None) -> ShiftSignup:
    """A coordinator moves a volunteer's place (or waitlist entry) to `to_shift` as a place.

    All or nothing: the volunteer ends up on the new shift, or nothing changes (a full or
    overlapping target refuses). Both shifts are locked in primary-key order, so two moves in
    opposite directions cannot deadlock. A place freed on the old shift goes to its waitlist."""
    now = now or timezone.now()
    if signup.shift_id == to_shift.pk:
        raise _invalid({"to_shift": MESSAGES["same_shift"]})
    locked = {pk: _lock_shift(pk) for pk in sorted((signup.shift_id, to_shift.pk))}
    from_shift, to_shift = locked[signup.shift_id], locked[to_shift.pk]
    signup = _lock_signup(signup.pk)
    volunteer = signup.volunteer
    if signup.status not in ACTIVE_SIGNUP_STATUSES:
        raise SignupNotActive(MESSAGES["not_active"])
    if now >= from_shift.starts_at:
        raise SignupClosed(MESSAGES["started"])
    if now >= to_shift.ends_at:
        raise SignupClosed(MESSAGES["over"])
    _check_eligible(volunteer, to_shift, by_coordinator=True)
    if ShiftSignup.objects.filter(shift=to_shift, volunteer=volunteer, status__in=ACTIVE_SIGNUP_STATUSES).exists():
        raise AlreadySignedUp(MESSAGES["other_already_on_shift"] % {"name": volunteer.full_name})
    if to_shift.taken >= to_shift.needed:
        raise ShiftFull(MESSAGES["full"])
    _refuse_overlap(volunteer, to_shift, by_coordinator=True, exclude_pk=signup.pk)
    was_signed_up = signup.status == S.SIGNED_UP
    signup.shift = to_shift
    signup.starts_at, signup.ends_at = to_shift.starts_at, to_shift.ends_at
    signup.status = S.SIGNED_UP
    signup.assigned_by = by
    _save_signup(signup, by_coordinator=True)
    _take_place(to_shift)
    if was_signed_up:
        _free_place(from_shift)
        _waitlist_promote(from_shift, now=now)
    with translation.override(volunteer.language):
        old_label = shift_label(from_shift)
    _notify_event(signup, "moved", key_suffix=f":{to_shift.pk}:{int(now.timestamp())}", params={"old": old_label})
    audit_record(
        actor=by,
        action="shift_move",
        obj=signup,
        centre=to_shift.centre,
        details={"from_shift": from_shift.pk, "to_shift": to_shift.pk},
        now=now,
    )
    return signup
