"""Signals other apps listen to, so that the booking and queue code need not know them.

Both are sent from the one place a status changes (`appointments.services._move` and
`appointments.queue._move`), inside the transaction that made the change: a receiver that
writes (the satisfaction roll-ups, the rating invitation) commits or rolls back with it.
"""

from django.dispatch import Signal

# Sent with ticket=, from_status=, to_status=, now=.
ticket_moved = Signal()
# Sent with appointment=, from_status=, to_status=, now=.
appointment_moved = Signal()
