"""Refusals of the day's queue (tickets, counters, call-next). Each carries a stable code,
an HTTP status and a translated message; views and the API turn them into 4xx answers."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from asan_portal.api import DomainError


class QueueError(DomainError):
    code = "queue_refused"
    status_code = status.HTTP_400_BAD_REQUEST


class InvalidTicketDetails(QueueError):
    code = "validation_error"


class ServiceNotOffered(QueueError):
    code = "not_offered"


class WrongCentre(QueueError):
    """Defence in depth: views already answer 404 for another centre's queue."""

    code = "wrong_centre"
    status_code = status.HTTP_403_FORBIDDEN


class IllegalTicketAction(QueueError):
    code = "illegal_transition"
    status_code = status.HTTP_409_CONFLICT


class CounterBusy(QueueError):
    code = "counter_busy"
    status_code = status.HTTP_409_CONFLICT


class NoOpenSession(QueueError):
    code = "no_open_session"
    status_code = status.HTTP_409_CONFLICT


class SessionConflict(QueueError):
    code = "session_conflict"
    status_code = status.HTTP_409_CONFLICT


class TooFewRecalls(QueueError):
    code = "too_few_recalls"
    status_code = status.HTTP_409_CONFLICT


QUEUE_MESSAGES = {
    "not_offered": _("This service is not offered at this centre."),
    "no_counter": _("No counter at this centre handles this service."),
    "wrong_centre": _("You do not work at this centre."),
    "wrong_priority_group": _("This priority group does not belong to this centre."),
    "counter_inactive": _("This counter is not in use."),
    "illegal": _("This ticket is %(status)s, so this cannot be done now."),
    "counter_busy": _("Ticket %(code)s is still at this counter. Finish, transfer or mark it first."),
    "no_open_session": _("Sign in at this counter (and end your break) before calling tickets."),
    "counter_taken": _("Another operator is signed in at this counter."),
    "operator_elsewhere": _("You are already signed in at counter %(number)s. Close that session first."),
    "session_closed": _("This counter session is already closed."),
    "session_not_open": _("The counter is not open."),
    "session_not_paused": _("The counter is not on a break."),
    "too_few_recalls": _("Recall the ticket %(recalls)s times before marking the citizen as not come."),
    "transfer_target": _("Choose a service or a counter to transfer the ticket to."),
    "transfer_counter": _("That counter does not handle this service."),
    "outcome_too_long": _("The outcome note is too long (at most 200 characters)."),
    "phone": _("Enter an Azerbaijani mobile number, e.g. +994 50 123 45 67."),
    "not_checked_in": _("This booking has not been checked in."),
}
