"""What /healthz checks: the database, Redis and the Celery workers' heartbeat.

The load balancer asks often and must get an answer fast even when Redis is frozen (accepts
connections, never replies): Redis is asked through a client of our own with a short socket
timeout (HEALTH["TIMEOUT_SECONDS"]), not through the cache's longer one.
"""

import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

# Written by the asan_portal.heartbeat beat task through the cache, read back raw here.
HEARTBEAT_KEY = "health:worker-heartbeat"
OK, UNAVAILABLE, NOT_CONFIGURED, STALE = "ok", "unavailable", "not configured", "stale"

# One client (and connection pool) per address and timeout, reused across checks.
_clients: dict[tuple[str, float], redis.Redis] = {}


def _setting(name: str):
    return settings.HEALTH[name]


def _redis_client() -> redis.Redis:
    key = (settings.REDIS_URL, float(_setting("TIMEOUT_SECONDS")))
    if key not in _clients:
        url, timeout = key
        _clients[key] = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    return _clients[key]


def heartbeat_write(*, now: float | None = None) -> None:
    # An integer, which Django's Redis cache stores as plain digits (not pickled), so the
    # health check can read it with its own client. Kept a day: long enough to say "stale".
    cache.set(HEARTBEAT_KEY, int(now if now is not None else time.time()), timeout=24 * 3600)


def database_check() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return UNAVAILABLE
    return OK


def redis_check() -> tuple[str, float | None]:
    """Redis's state and the worker heartbeat's age in seconds (None when unknown)."""
    if not settings.REDIS_URL:
        return NOT_CONFIGURED, None
    client = _redis_client()
    try:
        client.ping()
        raw = client.get(cache.make_and_validate_key(HEARTBEAT_KEY))
    except (redis.RedisError, OSError):
        return UNAVAILABLE, None
    try:
        return OK, max(time.time() - int(raw), 0.0)
    except (TypeError, ValueError):
        return OK, None


def health_report() -> tuple[dict, int]:
    """The JSON body and the HTTP status for /healthz. Names states only, never addresses or errors."""
    database = database_check()
    redis_state, heartbeat_age = redis_check()
    if redis_state == NOT_CONFIGURED:
        # `make run`: tasks run in-process, there is no worker to watch.
        worker = NOT_CONFIGURED
    elif heartbeat_age is not None and heartbeat_age < float(_setting("WORKER_STALE_SECONDS")):
        worker = OK
    else:
        worker = STALE
    healthy = database == OK and redis_state in (OK, NOT_CONFIGURED)
    # Workers lagging or down is "degraded", still 200: the web process itself can serve
    # (bookings are written, messages wait in the outbox), and taking every web process out of
    # the load balancer because the workers lag would turn a delay into an outage.
    if not healthy:
        status = "unavailable"
    elif worker == STALE:
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "database": database, "redis": redis_state, "worker": worker}
    if heartbeat_age is not None:
        body["worker_heartbeat_age_seconds"] = round(heartbeat_age)
    return body, 200 if healthy else 503
