"""Signing a test user in with the second factor already confirmed (asan_portal/second_factor.py).

Superusers and catalogue administrators must confirm a code before any page opens; tests that
are about something else sign them in with `verified_login(client, user)` (also a fixture in
tests/conftest.py) instead of `client.force_login(user)`. The browser's `signed_in_context`
uses it for everyone, so every browser caller gets a verified session.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device_for(user) -> TOTPDevice:
    """The user's confirmed authenticator device, made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the device's app would show now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def verified_login(client, user):
    """`client.force_login(user)`, then mark the session as confirmed with the user's device
    (made for them if needed) when their session needs a second factor. Returns the client."""
    from asan_portal.second_factor import second_factor_needed

    client.force_login(user)
    if second_factor_needed(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device_for(user).persistent_id
        session.save()
    return client
