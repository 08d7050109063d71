"""SMS backends, pluggable like Django's e-mail backends (settings.SMS_BACKEND)."""

from django.conf import settings
from django.utils.module_loading import import_string


class SmsSendError(Exception):
    """The gateway did not take the message; the caller retries later."""


class LogBackend:
    """Development: 'sends' by writing to the SMS log that staff read in the admin."""

    def send(self, *, to: str, body: str, notification=None) -> None:
        from .models import SmsLogEntry

        SmsLogEntry.objects.create(recipient=to, body=body, notification=notification)


def get_backend():
    return import_string(settings.SMS_BACKEND)()
