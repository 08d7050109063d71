"""`manage.py second_factor_reset <username>`: remove a user's authenticator devices (a lost or
replaced phone). At their next sign-in they add the app again (asan_portal/second_factor.py).

A command rather than an admin action on purpose: whoever can reset a superuser's second factor
from the admin could take over that account with its password alone (docs/adr/0020)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from asan_portal.second_factor import second_factor_reset


class Command(BaseCommand):
    help = "Remove a user's second-factor (authenticator app) devices; they enrol again at their next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        removed = second_factor_reset(user=user)
        self.stdout.write(f"Removed {removed} second-factor device(s) of {username}; they enrol again at next sign-in.")
