"""Receivers of the booking and queue signals (appointments.signals), connected in
FeedbackConfig.ready(). They run inside the transaction of the status change, so whatever
they write commits or rolls back with it.

- the daily roll-ups count visits, no-shows and kept or missed bookings (feedback.rollups);
- a completed visit gets its rating invitation, SMS and e-mail (feedback.ratings);
"""

from django.dispatch import receiver

from appointments.models import TicketStatus
from appointments.signals import appointment_moved, ticket_moved

from . import ratings, rollups


@receiver(ticket_moved, dispatch_uid="feedback.rollups.ticket_moved")
def rollups_on_ticket_moved(sender, *, ticket, from_status, to_status, now, **kwargs):
    rollups.rollup_ticket_moved(ticket=ticket, from_status=from_status, to_status=to_status)


@receiver(appointment_moved, dispatch_uid="feedback.rollups.appointment_moved")
def rollups_on_appointment_moved(sender, *, appointment, from_status, to_status, now, **kwargs):
    rollups.rollup_appointment_moved(appointment=appointment, from_status=from_status, to_status=to_status)


@receiver(ticket_moved, dispatch_uid="feedback.ratings.ticket_moved")
def rating_invitation_on_ticket_completed(sender, *, ticket, from_status, to_status, now, **kwargs):
    if to_status == TicketStatus.COMPLETED:
        ratings.rating_invitation_create(ticket=ticket, now=now)
