"""Rate limits shared by every process: counters live in the Django cache (Redis).

Why and how (docs/adr/0010): a limit is "N requests per P seconds" for a *scope* (one kind
of action, e.g. `booking_create`) and an *identity* (by default the client's address, as
seen behind our own proxies). Counting uses a sliding window built from two fixed windows:
the current window's counter plus the previous one's, weighted by how much of it still
overlaps the last P seconds. Each counter is an atomic `cache.add` + `cache.incr` in Redis,
so every worker and every server sees the same numbers.

If the cache is down the limiter *fails open* (logs a warning and allows the request) and
stops asking the cache for a short while, so a Redis outage costs neither the site nor
seconds per request.

Use from any view::

    from asan_portal.ratelimit import RateLimited, ratelimit_enforce, ratelimit_hit

    result = ratelimit_hit(request, "booking_create")  # counts one hit, never raises
    if not result.allowed:
        ...  # show result.message; send result.retry_after in a Retry-After header

    ratelimit_enforce(request, "code_attempt", key=appointment.reference)  # raises RateLimited

`RateLimited` is a DomainError (HTTP 429, code `rate_limited`), so the REST API's exception
handler answers it in the common error shape; HTML views can catch it, or wrap themselves
in the `ratelimit(scope)` decorator, which answers a plain translated 429.

Limits come from `settings.RATE_LIMITS` (scope -> "N/P" with P in seconds, or "N/m", "N/h").
"""

import contextlib
import functools
import hashlib
import ipaddress
import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import status

from .api import DomainError

logger = logging.getLogger(__name__)

# Defaults; settings.RATE_LIMITS overrides them scope by scope.
DEFAULT_LIMITS = {
    # Creating a booking (the API and the booking form), per client address.
    "booking_create": "10/m",
    # Entering the SMS code, per client address and (separately) per booking.
    "code_attempt": "10/600",
    "code_attempt_booking": "10/600",
    # Reading free times, per client address.
    "availability": "120/m",
    # Opening, cancelling or moving a booking with its private token, per client address.
    "manage": "60/m",
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# After a cache failure, skip the cache for this long (seconds) in this process.
FAIL_OPEN_SECONDS = 30


@dataclass(frozen=True)
class RateLimitResult:
    scope: str
    allowed: bool
    limit: int
    period: int  # seconds
    count: float  # hits in the last `period` seconds, this one included (estimated)
    retry_after: int  # seconds until a new hit would be allowed; 0 when allowed

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.limit - self.count))

    @property
    def message(self) -> str:
        return rate_limited_message(self.retry_after)


class RateLimited(DomainError):
    """Too many requests in a scope; carries `retry_after` (seconds) for the Retry-After header."""

    code = "rate_limited"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, result: RateLimitResult):
        super().__init__(rate_limited_message(result.retry_after), extra={"retry_after": result.retry_after})
        self.result = result
        self.retry_after = result.retry_after
        self.headers = {"Retry-After": str(result.retry_after)}


def rate_limited_message(retry_after: int) -> str:
    minutes = max(1, math.ceil(retry_after / 60))
    return _("Too many attempts from your connection. Please try again in %(minutes)s min.") % {"minutes": minutes}


def parse_limit(value: str) -> tuple[int, int]:
    """'10/m' -> (10, 60); '10/600' -> (10, 600); '5/2m' -> (5, 120)."""
    count, _sep, period = str(value).partition("/")
    period = period.strip() or "m"
    unit = period[-1] if period[-1] in _UNITS else "s"
    number = period[:-1] if period[-1] in _UNITS else period
    return int(count), int(number or 1) * _UNITS[unit]


def limit_for(scope: str) -> tuple[int, int]:
    configured = getattr(settings, "RATE_LIMITS", {}) or {}
    value = configured.get(scope, DEFAULT_LIMITS.get(scope))
    if value is None:
        raise KeyError(f"No rate limit is configured for scope {scope!r}")
    return parse_limit(value)


def _valid_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind `settings.TRUSTED_PROXY_COUNT` proxies the
    X-Forwarded-For entry our outermost proxy added (the N-th from the right).

    Entries further left were written by the client and could be anything, so they are never
    used; with no trusted proxies the header is ignored altogether."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = _valid_ip(forwarded[-proxies])
            if address is not None:
                return str(address)
    address = _valid_ip(remote)
    return str(address) if address is not None else "unknown"


def _identity(request: HttpRequest, key: str | None) -> str:
    if key is not None:
        return f"k:{key}"
    address = _valid_ip(client_ip(request))
    if address is None:
        return "ip:unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"ip:{address.ipv4_mapped}"
        # One IPv6 host usually has a whole /64: count the network, not each address in it.
        return "ip:" + str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return f"ip:{address}"


class _Breaker:
    """Remembers, per process, that the cache failed a moment ago."""

    def __init__(self):
        self._lock = threading.Lock()
        self._open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + FAIL_OPEN_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


breaker = _Breaker()


def _cache():
    return caches[getattr(settings, "RATE_LIMIT_CACHE", "default")]


def _incr(cache, key: str, timeout: int) -> int:
    """Atomic increment that creates the counter (with its expiry) when it is missing."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout=timeout)
        return cache.incr(key)


def ratelimit_hit(
    request: HttpRequest, scope: str, *, key: str | None = None, now: float | None = None
) -> RateLimitResult:
    """Count one hit of `scope` for this client (or for `key`, e.g. a booking reference).

    A refused hit is not counted, so a client that waits Retry-After seconds gets in.
    Never raises for a cache failure: it logs and allows (fails open). `now` (epoch
    seconds) is for tests."""
    limit, period = limit_for(scope)
    now = time.time() if now is None else now
    window = int(now // period)
    elapsed = (now % period) / period
    digest = hashlib.sha256(_identity(request, key).encode()).hexdigest()[:32]
    current_key = f"rl:{scope}:{digest}:{window}"
    previous_key = f"rl:{scope}:{digest}:{window - 1}"
    if breaker.is_open():
        return RateLimitResult(scope=scope, allowed=True, limit=limit, period=period, count=0, retry_after=0)
    try:
        cache = _cache()
        current = _incr(cache, current_key, timeout=2 * period + 1)
        previous = cache.get(previous_key) or 0
    except Exception:  # any cache failure: a slow or absent Redis must not take the site down
        breaker.trip()
        logger.warning("Rate limit cache unavailable; allowing %s for %ss", scope, FAIL_OPEN_SECONDS, exc_info=True)
        return RateLimitResult(scope=scope, allowed=True, limit=limit, period=period, count=0, retry_after=0)
    count = previous * (1 - elapsed) + current
    if count <= limit:
        return RateLimitResult(scope=scope, allowed=True, limit=limit, period=period, count=count, retry_after=0)
    # A refused hit does not count. If the counter expired meanwhile or the cache went away, the refusal stands.
    with contextlib.suppress(Exception):
        cache.decr(current_key)
    current -= 1
    # Blocked: wait until the previous window's weight has fallen enough for one more hit.
    if current + 1 <= limit and previous:
        needed = 1 - (limit - current - 1) / previous  # elapsed share at which one more hit fits
        retry_after = max(1, math.ceil((needed - elapsed) * period))
    else:
        # Not before the next window, and there until this window's hits weigh little enough.
        later = max(0.0, 1 - (limit - 1) / current) if current else 0.0
        retry_after = max(1, math.ceil((1 - elapsed + later) * period))
    retry_after = min(retry_after, 2 * period)
    return RateLimitResult(scope=scope, allowed=False, limit=limit, period=period, count=count, retry_after=retry_after)


def ratelimit_enforce(request: HttpRequest, scope: str, *, key: str | None = None) -> RateLimitResult:
    """Like ratelimit_hit, but raises RateLimited (HTTP 429) when over the limit."""
    result = ratelimit_hit(request, scope, key=key)
    if not result.allowed:
        logger.info("Rate limited: %s for %s", scope, key or client_ip(request))
        raise RateLimited(result)
    return result


def ratelimited_response(result: RateLimitResult) -> HttpResponse:
    response = HttpResponse(result.message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(result.retry_after)
    return response


def ratelimit(scope: str, *, methods: tuple[str, ...] = ("POST",)):
    """Decorator for plain Django views: count requests with these methods; answer 429 when over."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                result = ratelimit_hit(request, scope)
                if not result.allowed:
                    return ratelimited_response(result)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
