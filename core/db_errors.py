"""What a database error means, for the services that turn the database's refusals into domain errors."""

from django.db import OperationalError

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def is_deadlock(error: OperationalError) -> bool:
    """PostgreSQL failed this transaction (or savepoint) to break a deadlock with another one.

    Two writers inserting rows that an exclusion constraint says overlap can each wait for the
    other's uncommitted row; the one PostgreSQL picks gets this error, and rolled back to a
    savepoint it may tell its caller that the other one won."""
    cause = error.__cause__
    return DEADLOCK_DETECTED in (getattr(cause, "pgcode", None), getattr(cause, "sqlstate", None))
