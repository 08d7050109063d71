"""Idempotency-Key: a repeated submit gets the first answer instead of doing the work twice.

How (docs/adr/0010): the first request with a key inserts an IdempotencyRecord for
(scope, key) *before* doing the work, in the same transaction; the unique constraint on
(scope, key) makes a concurrent duplicate wait on that insert and then fail, after which it
reads the committed record and replays its status and body. A different request body under
the same key is refused (422): a key names one request, not a slot for any request.

Answers kept: successes and the refusals of the booking rules (4xx). Not kept: 429 (the client
should retry later with the same key) and server errors (the transaction rolls back, so the
key is free again).

The stored body never holds a usable manage token: it is sealed with a key derived from the
raw Idempotency-Key and SECRET_KEY, and only a hash of the Idempotency-Key is stored, so the
table alone does not reveal tokens (the manage token itself is only ever stored hashed).
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from asan_portal.api import DomainError

from .models import IdempotencyRecord

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")  # visible ASCII, like a UUID or a ULID
RETENTION = dt.timedelta(hours=24)
SEALED_FIELDS = ("manage_token", "manage_url")  # the URL carries the token too
_NOT_KEPT = {status.HTTP_429_TOO_MANY_REQUESTS}


class IdempotencyKeyInvalid(DomainError):
    code = "idempotency_key_invalid"
    status_code = status.HTTP_400_BAD_REQUEST


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


@dataclass(frozen=True)
class IdempotentAnswer:
    status: int
    body: dict
    replayed: bool


def request_fingerprint(*, method: str, path: str, data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _stored_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _keystream(key: str, field: str, length: int) -> bytes:
    # One keystream per (key, field): never reuse a stream for two texts.
    secret = hmac.new(settings.SECRET_KEY.encode(), f"idempotency-seal:{field}:{key}".encode(), hashlib.sha256).digest()
    stream, block = b"", 0
    while len(stream) < length:
        stream += hmac.new(secret, block.to_bytes(4, "big"), hashlib.sha256).digest()
        block += 1
    return stream[:length]


def _seal(body: dict, key: str) -> dict:
    sealed = dict(body)
    for field in SEALED_FIELDS:
        if isinstance(sealed.get(field), str):
            raw = sealed[field].encode()
            sealed[field] = {
                "sealed": base64.b64encode(
                    bytes(a ^ b for a, b in zip(raw, _keystream(key, field, len(raw)), strict=True))
                ).decode()
            }
    return sealed


def _unseal(body: dict, key: str) -> dict:
    opened = dict(body)
    for field in SEALED_FIELDS:
        value = opened.get(field)
        if isinstance(value, dict) and "sealed" in value:
            raw = base64.b64decode(value["sealed"])
            opened[field] = bytes(a ^ b for a, b in zip(raw, _keystream(key, field, len(raw)), strict=True)).decode()
    return opened


def idempotency_key_clean(value: str | None) -> str | None:
    if value is None:
        return None
    if not KEY_PATTERN.match(value):
        raise IdempotencyKeyInvalid(
            _("The Idempotency-Key header must be 1 to 128 visible ASCII characters, e.g. a UUID."),
            fields={"Idempotency-Key": [_("Use 1 to 128 visible ASCII characters.")]},
        )
    return value


def _replay(record: IdempotencyRecord, *, key: str, fingerprint: str) -> IdempotentAnswer:
    if not hmac.compare_digest(record.request_fingerprint, fingerprint):
        raise IdempotencyKeyReused(
            _(
                "This Idempotency-Key was already used for a different request. "
                "Use a new key for a new booking, or repeat the first request unchanged."
            )
        )
    return IdempotentAnswer(status=record.response_status, body=_unseal(record.response_body, key), replayed=True)


def idempotent_call(
    *, scope: str, key: str, fingerprint: str, work: Callable[[], tuple[int, dict]]
) -> IdempotentAnswer:
    """Run `work` once per (scope, key); a repeat (even a concurrent one) gets the first answer.

    `work` returns (status, body) or raises a DomainError, whose error answer is kept too
    (except 429). Any other exception rolls everything back and leaves the key unused."""
    stored_key = _stored_key(key)
    with transaction.atomic():
        cutoff = timezone.now() - RETENTION
        IdempotencyRecord.objects.filter(scope=scope, key=stored_key, created_at__lt=cutoff).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope, key=stored_key, request_fingerprint=fingerprint, response_status=0, response_body={}
                )
        except IntegrityError:
            # Someone holds or held this key: the insert waited for their commit, so the answer is there.
            existing = IdempotencyRecord.objects.get(scope=scope, key=stored_key)
            return _replay(existing, key=key, fingerprint=fingerprint)
        try:
            with transaction.atomic():
                status_code, body = work()
        except DomainError as refusal:
            if refusal.status_code in _NOT_KEPT:
                raise
            status_code, body = refusal.status_code, error_body(refusal)
        record.response_status = status_code
        record.response_body = _seal(body, key)
        record.save(update_fields=["response_status", "response_body"])
    return IdempotentAnswer(status=status_code, body=body, replayed=False)


def error_body(error: DomainError) -> dict:
    body = {"error": {"code": error.code, "message": error.message, "fields": error.fields or {}}}
    body["error"].update(error.extra or {})
    return body


def idempotency_records_purge(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Delete records older than the retention period (bounded). For a periodic task."""
    now = now or timezone.now()
    ids = list(IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).values_list("pk", flat=True)[:batch])
    deleted, _detail = IdempotencyRecord.objects.filter(pk__in=ids).delete()
    return deleted
