"""`manage.py load_demo [--if-empty]`: the demo catalogue, centres and one user per role.

`make run` calls it with --if-empty, so a fresh SQLite file gets content and a used one is
left alone. Without the flag it upserts: safe to run again after the demo files change.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from centres.demo import DEMO_PASSWORD, CentresDemoDataError, centres_load_demo, demo_users_create
from services.demo import DemoDataError, catalogue_load_demo
from services.models import Service


class Command(BaseCommand):
    help = "Load the demo catalogue, centres, opening hours, counters and demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the catalogue already has services."
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Service.objects.exists():
            self.stdout.write("Services already exist: demo data not loaded (--if-empty).")
            return
        started = time.perf_counter()
        try:
            catalogue = catalogue_load_demo()
            centres = centres_load_demo()
        except (DemoDataError, CentresDemoDataError) as error:
            raise CommandError(f"Demo data not loaded: {error}") from error
        users = demo_users_create()
        elapsed = time.perf_counter() - started

        self.stdout.write(
            f"Catalogue: {catalogue.categories} categories, {catalogue.providers} providers, "
            f"{catalogue.services} services."
        )
        self.stdout.write(
            f"Centres: {centres.cities} cities, {centres.centres} centres, {centres.holidays} public holidays, "
            f"{centres.offers} offers, {centres.counters} counters, {centres.stops} mobile stops ahead."
        )
        changes = []
        for label, bucket in (("created", catalogue.created), ("updated", catalogue.updated)):
            changes += [f"{label} {number} {name}" for name, number in bucket.items()]
        for label, bucket in (("created", centres.created), ("updated", centres.updated), ("deleted", centres.deleted)):
            changes += [f"{label} {number} {name}" for name, number in bucket.items()]
        self.stdout.write("Changes: " + ("; ".join(changes) if changes else "none, everything was up to date."))

        self.stdout.write(f"Demo logins, all with the password {DEMO_PASSWORD!r}:")
        for spec, created in users:
            what = spec.role or "superuser"
            if spec.membership:
                what += " at Baku No. 1"
            note = "" if created else " (already existed, password unchanged)"
            self.stdout.write(f"  {spec.username:<12} {what}{note}")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s."))
