"""`manage.py demo_totp_code <username>`: the current second-factor code of a demo login, for
trying the portal locally without an authenticator app (README, "Demo logins").

Only with DEBUG on (`make run`): on a real server it refuses, since whoever can run it could
otherwise read any user's code."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from asan_portal.second_factor import confirmed_device


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo user (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("Only for the local demo (DEBUG on): use an authenticator app.")
        user = get_user_model().objects.filter(username=username).first()
        device = confirmed_device(user) if user is not None else None
        if device is None:
            raise CommandError(f"{username!r} has no confirmed authenticator device.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
