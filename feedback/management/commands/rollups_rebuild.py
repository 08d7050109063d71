"""`manage.py rollups_rebuild --from YYYY-MM-DD --to YYYY-MM-DD [--centre CODE]`: recompute the
daily satisfaction roll-ups of those days from tickets, bookings and ratings (idempotent).

Use it after importing or correcting raw data, or to fill the roll-ups of past days; the beat
task feedback.rollups_reconcile does the same for yesterday and today every 15 minutes.
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from centres.models import Centre
from feedback.rollups import rollups_rebuild


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = "Recompute the daily satisfaction roll-ups of a range of days from the raw data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first_day", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="last_day", help="Last day, YYYY-MM-DD (default: the first day).")
        parser.add_argument("--centre", help="Only this centre (its code); default: every centre.")

    def handle(self, *args, first_day, last_day=None, centre=None, **options):
        first = _day(first_day)
        last = _day(last_day) if last_day else first
        if last < first:
            raise CommandError("--to is before --from.")
        centre_obj = None
        if centre:
            centre_obj = Centre.objects.filter(code=centre).first()
            if centre_obj is None:
                raise CommandError(f"No centre with the code {centre!r}.")
        started = time.perf_counter()
        written = rollups_rebuild(first_day=first, last_day=last, centre=centre_obj)
        days = (last - first).days + 1
        where = f"centre {centre}" if centre else "all centres"
        self.stdout.write(
            f"Rebuilt {days} day(s) for {where}: {written} roll-up rows in {time.perf_counter() - started:.2f} s."
        )
