"""SMS backends, pluggable like Django's e-mail backends (settings.SMS_BACKEND).

A backend has one method, `send(*, to, body, message_id, notification=None)`. It returns when
the message was handed over and raises SmsSendError otherwise. `message_id` is the outbox
row's de-duplication key: a gateway that honours it drops a repeat of the same message,
which is what makes a resend after a crash harmless (docs/adr/0009).
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string


class SmsSendError(Exception):
    """The gateway did not take the message.

    `permanent` means trying again cannot help (the gateway refused the number or the
    request); otherwise the relay retries later with backoff."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class LogBackend:
    """Development: 'sends' by writing to the SMS log that staff read in the admin.

    The log row is written in the relay's transaction, so with this backend a message
    is recorded exactly once."""

    def send(self, *, to: str, body: str, message_id: str = "", notification=None) -> None:
        from .models import SmsLogEntry

        SmsLogEntry.objects.create(recipient=to, body=body, notification=notification)


class FailingBackend:
    """Tests and drills: a gateway that is down. Every send fails and may be retried."""

    def send(self, *, to: str, body: str, message_id: str = "", notification=None) -> None:
        raise SmsSendError("SMS gateway unavailable (FailingBackend)")


class HttpGatewayBackend:
    """Production: POST the message as JSON to settings.SMS_GATEWAY_URL with a bearer token.

    The request carries the message id both in the body and as an Idempotency-Key header.
    A 2xx answer means the gateway took the message; 4xx (other than 408 and 429) means it
    never will; anything else, a timeout or a refused connection is worth another try."""

    def __init__(self, *, url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.url = url if url is not None else settings.SMS_GATEWAY_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout if timeout is not None else settings.SMS_GATEWAY_TIMEOUT
        if not self.url.startswith(("https://", "http://")):
            # Not permanent: the messages wait (and retry) until the setting is fixed.
            raise SmsSendError("SMS_GATEWAY_URL is not an http(s) URL")

    def send(self, *, to: str, body: str, message_id: str = "", notification=None) -> None:
        payload = {"to": to, "text": body, "message_id": message_id, "sender": settings.SMS_SENDER_NAME}
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": message_id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  # nosec B310  # the gateway URL comes from settings and is checked to be http(s)
                response.read(4096)
        except urllib.error.HTTPError as error:
            permanent = 400 <= error.code < 500 and error.code not in (408, 429)
            detail = error.read(300).decode(errors="replace")
            raise SmsSendError(f"gateway answered {error.code}: {detail}", permanent=permanent) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsSendError(f"gateway unreachable: {error}") from error


def get_backend():
    return import_string(settings.SMS_BACKEND)()
