"""Reminders the day before a shift (volunteers/reminders.py, the beat task): one message per
channel however often beat runs, none for a place given up, in the volunteer's language."""

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Notification
from asan_portal.celery import app as celery_app
from asan_portal.celery import beat_schedule
from tests.volunteers.conftest import shift_around
from tests.volunteers.factories import ShiftSignupFactory, VolunteerFactory
from volunteers.models import SignupStatus
from volunteers.reminders import reminder_key, shift_reminders_queue
from volunteers.tasks import shift_reminders_send, shifts_mark_missed

pytestmark = pytest.mark.django_db


def place(starts_in: dt.timedelta, **extra):
    volunteer = extra.pop("volunteer", None) or VolunteerFactory(language=extra.pop("language", "en"))
    shift = shift_around(timezone.now() + starts_in, centre=volunteer.centres.first())
    return ShiftSignupFactory(shift=shift, volunteer=volunteer, **extra)


def reminders_of(signup):
    return Notification.objects.filter(dedup_key__startswith=f"shift-signup:{signup.pk}:reminder:")


def test_running_twice_queues_one_message_per_channel():
    signup = place(dt.timedelta(hours=24))

    first = shift_reminders_queue()
    second = shift_reminders_queue()

    assert (first, second) == (2, 0)
    sent = {n.channel: n for n in reminders_of(signup)}
    assert set(sent) == {"sms", "email"}
    assert sent["sms"].recipient == signup.volunteer.phone
    assert sent["email"].recipient == signup.volunteer.email
    assert sent["sms"].dedup_key == reminder_key(signup.pk, "sms")
    local = timezone.localtime(signup.shift.starts_at, signup.shift.centre.tz)
    assert f"{local:%H:%M}" in sent["sms"].body and signup.shift.centre.name_en in sent["email"].body
    assert "/en/volunteers/me/" in sent["sms"].body


@pytest.mark.parametrize("status", [SignupStatus.WITHDRAWN, SignupStatus.REMOVED, SignupStatus.WAITLISTED])
def test_a_place_given_up_or_not_held_gets_no_reminder(status):
    signup = place(dt.timedelta(hours=24), status=status)

    shift_reminders_queue()

    assert not reminders_of(signup).exists()


@pytest.mark.parametrize("hours", [6, 17, 31, 48])
def test_only_shifts_starting_18_to_30_hours_ahead_are_reminded(hours):
    signup = place(dt.timedelta(hours=hours))

    shift_reminders_queue()

    assert not reminders_of(signup).exists()


def test_the_reminder_is_in_the_volunteer_language():
    signup = place(dt.timedelta(hours=20), language="ru")

    shift_reminders_queue()

    sms = reminders_of(signup).get(channel="sms")
    assert sms.language == "ru"
    assert "/ru/volunteers/me/" in sms.body


def test_the_beat_task_queues_them(settings):
    signup = place(dt.timedelta(hours=25))

    assert shift_reminders_send.apply().get() == 2
    assert shift_reminders_send.apply().get() == 0
    assert reminders_of(signup).count() == 2


def test_beat_runs_the_volunteer_tasks_which_exist():
    celery_app.loader.import_default_modules()
    tasks = {entry["task"] for entry in beat_schedule().values()}

    assert {"volunteers.shift_reminders_send", "volunteers.shifts_mark_missed"} <= tasks
    assert {"volunteers.shift_reminders_send", "volunteers.shifts_mark_missed"} <= set(celery_app.tasks)
    assert shifts_mark_missed.apply().get() == {"missed": 0, "checked_out": 0}
