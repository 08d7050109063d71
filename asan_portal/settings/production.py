"""Production: secrets have no default, HTTPS everywhere, PostgreSQL and Redis required."""

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHE_OPTIONS, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Optional read replica: the officials' dashboards read their roll-ups there (asan_portal/db_router.py).
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASE_ROUTERS = ["asan_portal.db_router.DashboardReplicaRouter"]
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="asan"),
        "OPTIONS": CACHE_OPTIONS,
    }
}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
# One JSON object a line with the request id, for log shipping (asan_portal/logs.py).
_console = {**LOGGING["handlers"]["console"], "formatter": env("LOG_FORMAT", default="json")}  # noqa: F405
LOGGING = {**LOGGING, "handlers": {**LOGGING["handlers"], "console": _console}}  # noqa: F405
# Every web process reads the same sessions: kept in PostgreSQL and read through Redis, so a
# Redis restart signs nobody out and loses no held booking (docs/deploy.md; `clearsessions` daily).
# Django's cached_db, but a Redis outage falls back to PostgreSQL instead of failing (asan_portal/sessions.py).
SESSION_ENGINE = "asan_portal.sessions"
# collectstatic writes here; whitenoise serves it (docs/deploy.md).
STATIC_ROOT = env("STATIC_ROOT", default="") or str(BASE_DIR / "var" / "staticfiles")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
