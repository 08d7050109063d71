"""The shift rules (volunteers/shifts.py): create, week from templates, sign up, withdraw with a
cut-off, the waitlist, and the coordinator's assign, remove, move and change of places."""

import datetime as dt

import pytest

from appointments.models import Notification
from centres.models import Closure, PublicHoliday
from tests.centres.factories import CentreFactory, weekday_hours
from tests.volunteers.factories import (
    ShiftFactory,
    ShiftSignupFactory,
    ShiftTemplateFactory,
    VolunteerFactory,
    baku_today,
)
from volunteers import shifts
from volunteers.errors import (
    AlreadySignedUp,
    NeededBelowTaken,
    NotEligible,
    ShiftFull,
    ShiftInvalid,
    ShiftOverlap,
    SignupClosed,
    SignupNotActive,
)
from volunteers.models import Shift, ShiftRole, ShiftSignup, SignupStatus

pytestmark = pytest.mark.django_db


S = SignupStatus
IN_THREE_DAYS = baku_today() + dt.timedelta(days=3)


@pytest.fixture
def centre():
    return CentreFactory()


def make_shift(centre, *, start=9, end=13, needed=2, date=IN_THREE_DAYS, **extra):
    return ShiftFactory(centre=centre, date=date, start=dt.time(start), end=dt.time(end), needed=needed, **extra)


def volunteer_at(centre, **extra):
    return VolunteerFactory(centres=[centre], **extra)


def signed_up_count(shift) -> int:
    return ShiftSignup.objects.filter(shift=shift, status=S.SIGNED_UP).count()


def messages_for(volunteer):
    return Notification.objects.filter(recipient__in=[volunteer.phone, volunteer.email])


# --- sign up --------------------------------------------------------------------------------


def test_sign_up_takes_a_place_then_the_waitlist_when_full(centre):
    shift = make_shift(centre, needed=1)
    first, second = volunteer_at(centre), volunteer_at(centre)

    place = shifts.shift_sign_up(shift=shift, volunteer=first)
    waiting = shifts.shift_sign_up(shift=shift, volunteer=second)

    shift.refresh_from_db()
    assert (place.status, waiting.status) == (S.SIGNED_UP, S.WAITLISTED)
    assert shift.taken == 1 == signed_up_count(shift)
    assert (place.starts_at, place.ends_at) == (shift.starts_at, shift.ends_at)


def test_signing_up_twice_is_a_clear_conflict(centre):
    shift = make_shift(centre, needed=1)
    volunteer, other = volunteer_at(centre), volunteer_at(centre)
    shifts.shift_sign_up(shift=shift, volunteer=volunteer)
    shifts.shift_sign_up(shift=shift, volunteer=other)  # waitlisted

    with pytest.raises(AlreadySignedUp) as signed:
        shifts.shift_sign_up(shift=shift, volunteer=volunteer)
    with pytest.raises(AlreadySignedUp) as waiting:
        shifts.shift_sign_up(shift=shift, volunteer=other)

    assert signed.value.status_code == 409
    assert "already signed up" in signed.value.message
    assert "already on the waitlist" in waiting.value.message
    shift.refresh_from_db()
    assert shift.taken == 1


def test_sign_up_closes_at_the_cut_off(centre, settings):
    settings.VOLUNTEERS = {**settings.VOLUNTEERS, "SIGNUP_CUTOFF_HOURS": 12}
    shift = make_shift(centre)
    volunteer = volunteer_at(centre)

    with pytest.raises(SignupClosed) as refused:
        shifts.shift_sign_up(shift=shift, volunteer=volunteer, now=shift.starts_at - dt.timedelta(hours=11, minutes=59))
    assert refused.value.status_code == 409
    assert "12 hours" in refused.value.message

    place = shifts.shift_sign_up(
        shift=shift, volunteer=volunteer, now=shift.starts_at - dt.timedelta(hours=12, minutes=1)
    )
    assert place.status == S.SIGNED_UP


def test_overlapping_shift_is_refused_with_the_other_shift_named(centre):
    other_centre = CentreFactory()
    volunteer = VolunteerFactory(centres=[centre, other_centre])
    morning = make_shift(centre, start=9, end=13)
    overlapping = make_shift(other_centre, start=12, end=16)
    afterwards = make_shift(other_centre, start=13, end=17)
    shifts.shift_sign_up(shift=morning, volunteer=volunteer)

    with pytest.raises(ShiftOverlap) as refused:
        shifts.shift_sign_up(shift=overlapping, volunteer=volunteer)

    assert refused.value.message.startswith("You already have a shift at that time: ")
    assert "09:00–13:00" in refused.value.message
    assert centre.name_en in refused.value.message or centre.name_az in refused.value.message
    assert refused.value.extra == {"shift_id": morning.pk}
    overlapping.refresh_from_db()
    assert overlapping.taken == 0
    # A shift starting when the other ends does not overlap.
    assert shifts.shift_sign_up(shift=afterwards, volunteer=volunteer).status == S.SIGNED_UP


def test_only_active_volunteers_of_the_centre_may_sign_up(centre):
    shift = make_shift(centre)
    stranger = VolunteerFactory()  # volunteers at another centre
    inactive = volunteer_at(centre, is_active=False)

    with pytest.raises(NotEligible) as not_here:
        shifts.shift_sign_up(shift=shift, volunteer=stranger)
    with pytest.raises(NotEligible) as not_active:
        shifts.shift_sign_up(shift=shift, volunteer=inactive)

    assert not_here.value.status_code == 403
    assert "do not volunteer at this centre" in not_here.value.message
    assert "not active" in not_active.value.message
    assert not ShiftSignup.objects.exists()


# --- withdraw and the waitlist ----------------------------------------------------------------


def test_withdrawing_promotes_the_first_waitlisted_and_tells_only_them_once(centre):
    shift = make_shift(centre, needed=1)
    holder, first_waiting, second_waiting = (volunteer_at(centre) for _ in range(3))
    place = shifts.shift_sign_up(shift=shift, volunteer=holder)
    first = shifts.shift_sign_up(shift=shift, volunteer=first_waiting)
    second = shifts.shift_sign_up(shift=shift, volunteer=second_waiting)

    shifts.shift_withdraw(signup=place, volunteer=holder)

    place.refresh_from_db(), first.refresh_from_db(), second.refresh_from_db(), shift.refresh_from_db()
    assert (place.status, first.status, second.status) == (S.WITHDRAWN, S.SIGNED_UP, S.WAITLISTED)
    assert shift.taken == 1 == signed_up_count(shift)
    sent = messages_for(first_waiting)
    assert sorted(sent.values_list("channel", "dedup_key")) == [
        ("email", f"shift-signup:{first.pk}:promoted:email"),
        ("sms", f"shift-signup:{first.pk}:promoted:sms"),
    ]
    assert not messages_for(second_waiting).exists()
    assert not messages_for(holder).exists()


def test_promotion_message_is_in_the_volunteers_language(centre):
    shift = make_shift(centre, needed=1)
    holder = volunteer_at(centre)
    russian = volunteer_at(centre, language="ru")
    place = shifts.shift_sign_up(shift=shift, volunteer=holder)
    shifts.shift_sign_up(shift=shift, volunteer=russian)

    shifts.shift_withdraw(signup=place, volunteer=holder)

    sms = messages_for(russian).get(channel="sms")
    assert sms.language == "ru"
    assert centre.name_ru in sms.body


def test_promotion_skips_a_waitlisted_volunteer_who_now_holds_an_overlapping_shift(centre):
    shift = make_shift(centre, needed=1, start=9, end=13)
    clash = make_shift(centre, needed=1, start=10, end=12)
    holder, busy, free = (volunteer_at(centre) for _ in range(3))
    place = shifts.shift_sign_up(shift=shift, volunteer=holder)
    busy_entry = shifts.shift_sign_up(shift=shift, volunteer=busy)
    free_entry = shifts.shift_sign_up(shift=shift, volunteer=free)
    ShiftSignupFactory(shift=clash, volunteer=busy)  # busy took another shift at that time since

    shifts.shift_withdraw(signup=place, volunteer=holder)

    busy_entry.refresh_from_db(), free_entry.refresh_from_db()
    assert (busy_entry.status, free_entry.status) == (S.WAITLISTED, S.SIGNED_UP)


def test_withdrawing_a_place_closes_at_the_cut_off_but_the_waitlist_may_be_left(centre):
    shift = make_shift(centre, needed=1)
    holder, waiting = volunteer_at(centre), volunteer_at(centre)
    place = shifts.shift_sign_up(shift=shift, volunteer=holder)
    entry = shifts.shift_sign_up(shift=shift, volunteer=waiting)
    late = shift.starts_at - dt.timedelta(hours=2)

    with pytest.raises(SignupClosed) as refused:
        shifts.shift_withdraw(signup=place, volunteer=holder, now=late)
    left = shifts.shift_withdraw(signup=entry, volunteer=waiting, now=late)

    assert "withdraw up to 12 hours" in refused.value.message
    assert left.status == S.WITHDRAWN
    place.refresh_from_db(), shift.refresh_from_db()
    assert place.status == S.SIGNED_UP
    assert shift.taken == 1


def test_withdrawing_someone_elses_or_an_ended_signup_is_refused(centre):
    shift = make_shift(centre)
    owner, other = volunteer_at(centre), volunteer_at(centre)
    place = shifts.shift_sign_up(shift=shift, volunteer=owner)

    with pytest.raises(NotEligible):
        shifts.shift_withdraw(signup=place, volunteer=other)
    shifts.shift_withdraw(signup=place, volunteer=owner)
    with pytest.raises(SignupNotActive) as again:
        shifts.shift_withdraw(signup=place, volunteer=owner)

    assert again.value.status_code == 409
    shift.refresh_from_db()
    assert shift.taken == 0


def test_signing_up_again_after_withdrawing_is_allowed(centre):
    shift = make_shift(centre)
    volunteer = volunteer_at(centre)
    place = shifts.shift_sign_up(shift=shift, volunteer=volunteer)
    shifts.shift_withdraw(signup=place, volunteer=volunteer)

    again = shifts.shift_sign_up(shift=shift, volunteer=volunteer)

    assert again.pk != place.pk and again.status == S.SIGNED_UP
    shift.refresh_from_db()
    assert shift.taken == 1


# --- creating shifts --------------------------------------------------------------------------


def test_shift_create_uses_the_centres_clock(centre, admin_user):
    shift = shifts.shift_create(
        centre=centre,
        date=IN_THREE_DAYS,
        start_time=dt.time(9),
        end_time=dt.time(13, 30),
        role=ShiftRole.E_SERVICES,
        needed=3,
        by=admin_user,
        notes="  Bring the badge  ",
    )
    assert shift.starts_at == dt.datetime.combine(IN_THREE_DAYS, dt.time(9), tzinfo=centre.tz)
    assert shift.starts_at.astimezone(dt.UTC).hour == 5  # Baku is UTC+4
    assert shift.duration == dt.timedelta(hours=4, minutes=30)
    assert (shift.taken, shift.notes, shift.created_by) == (0, "Bring the badge", admin_user)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_time": dt.time(8)}, "end_time", "must end after it starts"),
        ({"end_time": dt.time(9)}, "end_time", "must end after it starts"),
        ({"needed": 0}, "needed", "from 1 to 50"),
        ({"needed": 51}, "needed", "from 1 to 50"),
        ({"role": "cook"}, "role", "Choose one of the roles"),
        ({"date": baku_today() - dt.timedelta(days=1)}, "date", "must not be in the past"),
        ({"notes": "x" * 301}, "notes", "300 characters"),
    ],
)
def test_shift_create_names_each_invalid_field(centre, admin_user, changes, field, message):
    details = {
        "date": IN_THREE_DAYS,
        "start_time": dt.time(9),
        "end_time": dt.time(13),
        "role": ShiftRole.ENTRANCE,
        "needed": 2,
        **changes,
    }
    with pytest.raises(ShiftInvalid) as refused:
        shifts.shift_create(centre=centre, by=admin_user, **details)
    assert refused.value.status_code == 400
    assert message in refused.value.message
    assert field in refused.value.fields
    assert not Shift.objects.exists()


def test_shift_create_refuses_a_start_time_already_passed_today(centre, admin_user):
    now = dt.datetime.combine(baku_today(), dt.time(12), tzinfo=centre.tz)
    with pytest.raises(ShiftInvalid) as refused:
        shifts.shift_create(
            centre=centre,
            date=baku_today(),
            start_time=dt.time(11),
            end_time=dt.time(14),
            role=ShiftRole.ENTRANCE,
            needed=1,
            by=admin_user,
            now=now,
        )
    assert "start_time" in refused.value.fields


# --- a week from templates -----------------------------------------------------------------


def next_monday() -> dt.date:
    return shifts.week_start_of(baku_today()) + dt.timedelta(days=7)


def test_week_from_templates_is_idempotent_and_skips_holidays_and_closed_days(centre, admin_user):
    weekday_hours(centre)  # Monday to Saturday; closed on Sunday
    monday = next_monday()
    for weekday in (0, 2, 3, 6):
        ShiftTemplateFactory(centre=centre, weekday=weekday, needed=3)
    ShiftTemplateFactory(centre=centre, weekday=1, is_active=False)
    ShiftTemplateFactory(centre=centre, weekday=4)
    PublicHoliday.objects.create(date=monday + dt.timedelta(days=2), name_az="Bayram")
    Closure.objects.create(
        centre=centre, starts_on=monday + dt.timedelta(days=4), ends_on=monday + dt.timedelta(days=4)
    )

    first = shifts.shifts_from_templates(centre=centre, week_start=monday + dt.timedelta(days=3), by=admin_user)
    second = shifts.shifts_from_templates(centre=centre, week_start=monday, by=admin_user)

    assert first.week_start == monday
    assert sorted(s.date for s in first.created) == [monday, monday + dt.timedelta(days=3)]
    assert [(d.date, d.reason) for d in first.skipped] == [
        (monday + dt.timedelta(days=2), "holiday"),
        (monday + dt.timedelta(days=4), "closed"),
        (monday + dt.timedelta(days=6), "closed"),
    ]
    assert (len(second.created), second.existing) == (0, 2)
    assert Shift.objects.filter(centre=centre).count() == 2
    made = Shift.objects.get(date=monday)
    assert (made.needed, made.taken, made.role) == (3, 0, ShiftRole.ENTRANCE)
    assert made.starts_at == dt.datetime.combine(monday, dt.time(9), tzinfo=centre.tz)


def test_week_from_templates_skips_days_already_past(centre, admin_user):
    weekday_hours(centre, weekdays=range(7))
    for weekday in range(7):
        ShiftTemplateFactory(centre=centre, weekday=weekday)
    monday = next_monday()
    wednesday_noon = dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(12), tzinfo=centre.tz)

    week = shifts.shifts_from_templates(centre=centre, week_start=monday, by=admin_user, now=wednesday_noon)

    assert [d.reason for d in week.skipped] == ["past", "past"]
    # Wednesday's 09:00 pattern has started already; Thursday to Sunday are made.
    assert sorted(s.date for s in week.created) == [monday + dt.timedelta(days=n) for n in (3, 4, 5, 6)]


# --- coordinators ---------------------------------------------------------------------------


def test_assign_ignores_the_cut_off_and_tells_the_volunteer(centre, admin_user):
    shift = make_shift(centre, needed=1)
    volunteer = volunteer_at(centre)

    place = shifts.shift_assign(
        shift=shift, volunteer=volunteer, by=admin_user, now=shift.starts_at - dt.timedelta(hours=1)
    )

    assert (place.status, place.assigned_by) == (S.SIGNED_UP, admin_user)
    shift.refresh_from_db()
    assert shift.taken == 1
    assert set(messages_for(volunteer).values_list("kind", flat=True)) == {"volunteer_shift_assigned"}


def test_assign_respects_capacity_and_overlap(centre, admin_user):
    shift = make_shift(centre, needed=1)
    clash = make_shift(centre, start=11, end=15, needed=3)
    holder, other = volunteer_at(centre), volunteer_at(centre)
    shifts.shift_assign(shift=shift, volunteer=holder, by=admin_user)

    with pytest.raises(ShiftFull):
        shifts.shift_assign(shift=shift, volunteer=other, by=admin_user)
    with pytest.raises(ShiftOverlap) as overlap:
        shifts.shift_assign(shift=clash, volunteer=holder, by=admin_user)
    with pytest.raises(AlreadySignedUp):
        shifts.shift_assign(shift=shift, volunteer=holder, by=admin_user)

    assert overlap.value.message.startswith(f"{holder.full_name} already has a shift at that time: ")
    clash.refresh_from_db()
    assert clash.taken == 0


def test_assign_turns_a_waitlist_entry_into_a_place(centre, admin_user):
    shift = make_shift(centre, needed=1)
    holder, waiting = volunteer_at(centre), volunteer_at(centre)
    shifts.shift_sign_up(shift=shift, volunteer=holder)
    entry = shifts.shift_sign_up(shift=shift, volunteer=waiting)

    with pytest.raises(ShiftFull):
        shifts.shift_assign(shift=shift, volunteer=waiting, by=admin_user)
    Shift.objects.filter(pk=shift.pk).update(needed=2)  # room, without the automatic promotion
    place = shifts.shift_assign(shift=shift, volunteer=waiting, by=admin_user)

    assert place.pk == entry.pk and place.status == S.SIGNED_UP
    shift.refresh_from_db()
    assert shift.taken == 2 == signed_up_count(shift)


def test_remove_needs_a_reason_frees_the_place_and_promotes(centre, admin_user):
    shift = make_shift(centre, needed=1)
    holder, waiting = volunteer_at(centre), volunteer_at(centre)
    place = shifts.shift_sign_up(shift=shift, volunteer=holder)
    entry = shifts.shift_sign_up(shift=shift, volunteer=waiting)

    with pytest.raises(ShiftInvalid) as no_reason:
        shifts.shift_remove(signup=place, by=admin_user, reason="   ")
    shifts.shift_remove(signup=place, by=admin_user, reason="Ill this week")

    assert "reason" in no_reason.value.fields
    place.refresh_from_db(), entry.refresh_from_db(), shift.refresh_from_db()
    assert (place.status, entry.status, shift.taken) == (S.REMOVED, S.SIGNED_UP, 1)
    removed_sms = messages_for(holder).get(channel="sms")
    assert "Ill this week" in removed_sms.body
    assert messages_for(waiting).filter(kind="volunteer_shift_promoted").count() == 2


def test_move_takes_the_new_place_and_frees_the_old(centre, admin_user):
    old = make_shift(centre, needed=1)
    new = make_shift(centre, needed=2, date=IN_THREE_DAYS + dt.timedelta(days=1))
    volunteer, waiting = volunteer_at(centre), volunteer_at(centre)
    place = shifts.shift_sign_up(shift=old, volunteer=volunteer)
    entry = shifts.shift_sign_up(shift=old, volunteer=waiting)

    moved = shifts.signup_move(signup=place, to_shift=new, by=admin_user)

    old.refresh_from_db(), new.refresh_from_db(), entry.refresh_from_db()
    assert (moved.shift_id, moved.status, moved.starts_at) == (new.pk, S.SIGNED_UP, new.starts_at)
    assert (old.taken, new.taken) == (1, 1)
    assert entry.status == S.SIGNED_UP  # the freed place went to the waitlist
    assert messages_for(volunteer).filter(kind="volunteer_shift_moved").count() == 2


def test_move_to_a_full_or_clashing_shift_changes_nothing(centre, admin_user):
    old = make_shift(centre, needed=2, start=9, end=13)
    full = make_shift(centre, needed=1, date=IN_THREE_DAYS + dt.timedelta(days=1))
    clashing = make_shift(centre, needed=2, start=15, end=18, date=IN_THREE_DAYS + dt.timedelta(days=1))
    volunteer = volunteer_at(centre)
    place = shifts.shift_sign_up(shift=old, volunteer=volunteer)
    ShiftSignupFactory(shift=full, volunteer=volunteer_at(centre))
    later = make_shift(centre, start=14, end=19, date=IN_THREE_DAYS + dt.timedelta(days=1))
    shifts.shift_sign_up(shift=later, volunteer=volunteer)

    with pytest.raises(ShiftFull):
        shifts.signup_move(signup=place, to_shift=full, by=admin_user)
    with pytest.raises(ShiftOverlap):
        shifts.signup_move(signup=place, to_shift=clashing, by=admin_user)
    with pytest.raises(ShiftInvalid):
        shifts.signup_move(signup=place, to_shift=old, by=admin_user)

    place.refresh_from_db()
    assert (place.shift_id, place.status) == (old.pk, S.SIGNED_UP)
    assert [Shift.objects.get(pk=s.pk).taken for s in (old, full, clashing)] == [1, 1, 0]
    assert not messages_for(volunteer).exists()


def test_needed_cannot_go_below_taken_and_raising_it_promotes(centre, admin_user):
    shift = make_shift(centre, needed=2)
    volunteers = [volunteer_at(centre) for _ in range(3)]
    entries = [shifts.shift_sign_up(shift=shift, volunteer=v) for v in volunteers]

    with pytest.raises(NeededBelowTaken) as refused:
        shifts.shift_change_needed(shift=shift, needed=1, by=admin_user)
    with pytest.raises(ShiftInvalid):
        shifts.shift_change_needed(shift=shift, needed=0, by=admin_user)
    shifts.shift_change_needed(shift=shift, needed=4, by=admin_user)

    assert refused.value.status_code == 409
    assert "2 volunteers are signed up" in refused.value.message
    entries[2].refresh_from_db(), shift.refresh_from_db()
    assert entries[2].status == S.SIGNED_UP
    assert (shift.needed, shift.taken) == (4, 3)


def test_no_promotion_into_a_shift_that_has_started(centre, admin_user):
    shift = make_shift(centre, needed=1)
    holder, waiting = volunteer_at(centre), volunteer_at(centre)
    shifts.shift_sign_up(shift=shift, volunteer=holder)
    entry = shifts.shift_sign_up(shift=shift, volunteer=waiting)

    shifts.shift_change_needed(shift=shift, needed=2, by=admin_user, now=shift.starts_at + dt.timedelta(minutes=5))

    entry.refresh_from_db()
    assert entry.status == S.WAITLISTED


def test_a_place_freed_after_the_cut_off_is_offered_with_the_coordinators_number(centre, admin_user):
    shift = make_shift(centre, needed=1)
    holder, waiting = volunteer_at(centre), volunteer_at(centre, language="en")
    place = shifts.shift_sign_up(shift=shift, volunteer=holder)
    shifts.shift_sign_up(shift=shift, volunteer=waiting)

    shifts.shift_remove(signup=place, by=admin_user, reason="Ill", now=shift.starts_at - dt.timedelta(hours=2))

    sms = messages_for(waiting).get(channel="sms")
    assert "call the volunteer coordinator" in sms.body
    assert "withdraw on the portal" not in sms.body
