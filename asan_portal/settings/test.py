"""`make test`: the real PostgreSQL and Redis on localhost."""

from .base import *  # noqa: F403
from .base import CACHE_OPTIONS, env

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/asan_portal"),
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_asan_portal")}
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "asan-test",
        "OPTIONS": CACHE_OPTIONS,
    }
}
CELERY_BROKER_URL = REDIS_URL
# Unit tests run tasks in-process; the worker tests start a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The suite runs in parallel against one Redis: tests that check a limit set their own
# (settings fixture); the others must not trip over counters left by other tests.
RATE_LIMITS = dict.fromkeys(RATE_LIMITS, "100000/m")  # noqa: F405
# Likewise the sign-in lock-out: the tests of it set their own thresholds.
LOGIN_LOCKOUT = {**LOGIN_LOCKOUT, "ACCOUNT_FAILURES": 100000, "IP_FAILURES": 100000}  # noqa: F405
