"""Daily satisfaction roll-ups: kept current as visits and ratings happen, rebuildable from raw data.

Interface (the implementation arrives in the next commits):
- `rollup_rating(rating)`: add one new rating to its day's rows, in the rating's transaction.
- ticket and booking status changes reach the roll-ups through appointments.signals.
- `rollups_rebuild(first_day=, last_day=, centre=None)`: recompute the rows of those days
  from tickets, bookings and ratings; running it twice gives the same rows.
"""

import datetime as dt


def rollup_rating(rating) -> None:
    """Count a just-created rating in the roll-ups of its visit's day (same transaction)."""


def rollup_ticket_moved(*, ticket, from_status: str, to_status: str) -> None:
    """Count a ticket that was just completed or marked no-show (same transaction)."""


def rollup_appointment_moved(*, appointment, from_status: str, to_status: str) -> None:
    """Count a booking that was just checked in, or lapsed without a check-in (same transaction)."""


def rollups_rebuild(*, first_day: dt.date, last_day: dt.date, centre=None) -> int:
    """Recompute every roll-up row of the days [first_day, last_day]; returns the rows written."""
    return 0
