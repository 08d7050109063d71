"""The configurable booking and arrival rules, read in one place (settings.APPOINTMENTS)."""

import datetime as dt

from django.conf import settings


def _value(name: str):
    return settings.APPOINTMENTS[name]


def walk_in_share() -> float:
    return float(_value("WALK_IN_SHARE"))


def min_lead() -> dt.timedelta:
    return dt.timedelta(minutes=_value("MIN_LEAD_MINUTES"))


def max_days_ahead() -> int:
    return int(_value("MAX_DAYS_AHEAD"))


def slot_step() -> dt.timedelta:
    return dt.timedelta(minutes=_value("SLOT_STEP_MINUTES"))


def hold_duration() -> dt.timedelta:
    return dt.timedelta(minutes=_value("HOLD_MINUTES"))


def code_max_attempts() -> int:
    return int(_value("CODE_MAX_ATTEMPTS"))


def code_max_sends() -> int:
    return int(_value("CODE_MAX_SENDS"))


def change_cutoff() -> dt.timedelta:
    return dt.timedelta(minutes=_value("CHANGE_CUTOFF_MINUTES"))


def check_in_early() -> dt.timedelta:
    return dt.timedelta(minutes=_value("CHECK_IN_EARLY_MINUTES"))


def late_grace() -> dt.timedelta:
    return dt.timedelta(minutes=_value("LATE_GRACE_MINUTES"))


def max_active_per_citizen() -> int:
    return int(_value("MAX_ACTIVE_PER_CITIZEN"))


def waitlist_offer_duration() -> dt.timedelta:
    return dt.timedelta(minutes=_value("WAITLIST_OFFER_MINUTES"))


def reminder_day_before_at() -> dt.time:
    return dt.time.fromisoformat(_value("REMINDER_DAY_BEFORE_AT"))


def reminder_before() -> dt.timedelta:
    return dt.timedelta(minutes=_value("REMINDER_BEFORE_MINUTES"))
