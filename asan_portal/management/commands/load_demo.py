"""`manage.py load_demo [--if-empty] [--no-history]`: the demo catalogue, centres, one user per
role, and a year of visits and ratings (feedback.demo) for the dashboards.

`make run` calls it with --if-empty, so a fresh SQLite file gets content and a used one is
left alone. Without the flag it upserts: safe to run again after the demo files change; the
history only gains the days since its last day. --no-history skips the visits and ratings.
"""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from appointments.demo import priority_groups_load_demo
from asan_portal.second_factor import device_secret, second_factor_demo_devices
from centres.demo import DEMO_PASSWORD, CentresDemoDataError, centres_load_demo, demo_users_create
from feedback.demo import visits_history_load_demo
from services.demo import DemoDataError, catalogue_load_demo
from services.models import Service
from volunteers.demo import volunteers_load_demo


class Command(BaseCommand):
    help = "Load the demo catalogue, centres, opening hours, counters and demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the catalogue already has services."
        )
        parser.add_argument(
            "--no-history", action="store_true", help="Skip the year of demo visits and ratings (faster)."
        )
        parser.add_argument(
            "--history-days", type=int, default=365, help="Days of demo visits and ratings, ending yesterday."
        )

    def handle(self, *args, if_empty=False, no_history=False, history_days=365, **options):
        if if_empty and Service.objects.exists():
            self.stdout.write("Services already exist: demo data not loaded (--if-empty).")
            return
        started = time.perf_counter()
        try:
            catalogue = catalogue_load_demo()
            centres = centres_load_demo()
        except (DemoDataError, CentresDemoDataError) as error:
            raise CommandError(f"Demo data not loaded: {error}") from error
        priority_groups = priority_groups_load_demo()
        users = demo_users_create()
        user_model = get_user_model()
        devices = second_factor_demo_devices(
            users=user_model.objects.filter(username__in=[spec.username for spec, _created in users]).order_by("pk")
        )
        volunteers = volunteers_load_demo()
        history = None if no_history else visits_history_load_demo(days=history_days)
        elapsed = time.perf_counter() - started

        self.stdout.write(
            f"Catalogue: {catalogue.categories} categories, {catalogue.providers} providers, "
            f"{catalogue.services} services."
        )
        self.stdout.write(
            f"Centres: {centres.cities} cities, {centres.centres} centres, {centres.holidays} public holidays, "
            f"{centres.offers} offers, {centres.counters} counters, {centres.stops} mobile stops ahead."
        )
        self.stdout.write(
            f"Kiosk priority groups: {priority_groups.created} created, {priority_groups.updated} updated."
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
        self.stdout.write(f"  {'volunteer':<12} volunteer at Baku No. 1 and No. 2 (signs in at /az/accounts/login/)")
        if devices:
            self.stdout.write(
                "Second factor (asked after the password): add these keys to an authenticator app "
                "(time-based, 6 digits), or print the current code with `manage.py demo_totp_code <username>`:"
            )
        for user, device, _created in devices:
            self.stdout.write(f"  {user.username:<12} key {device_secret(device)}")
            self.stdout.write(f"  {'':<12} {device.config_url}")
        self.stdout.write(
            f"Volunteers: {volunteers.shifts_created} shifts made for the coming weeks, "
            f"{volunteers.applications_added} applications waiting for review."
        )
        if history is None:
            self.stdout.write("Visits history: skipped (--no-history).")
        elif history.up_to_date:
            self.stdout.write(f"Visits history: already loaded up to {history.last_day:%d.%m.%Y}.")
        else:
            self.stdout.write(
                f"Visits history: {history.visits} visits, {history.ratings} ratings over {history.days} days "
                f"in {history.seconds:.1f} s."
            )
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s."))
