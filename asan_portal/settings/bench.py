"""`make bench`: the production-like stack on localhost, with the benchmark's bare views routed.

A database of its own (created and dropped by `python -m bench`), persistent connections,
Redis for the cache, rate limits and the Celery broker (a Redis database number of its own), a
real worker (no eager mode) and one trusted proxy, so the load generator can play many citizens
at different addresses. DEBUG stays off: debug mode keeps every query in memory.
"""

from .base import *  # noqa: F403
from .base import CACHE_OPTIONS, MIDDLEWARE, env

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"

DATABASES = {
    "default": env.db("BENCH_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/asan_bench"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env("BENCH_REDIS_URL", default="redis://127.0.0.1:6379/12")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "asan-bench",
        "OPTIONS": CACHE_OPTIONS,
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False

# The load generator stands in for a proxy that writes each citizen's address.
TRUSTED_PROXY_COUNT = 1

# Every answer says how many SQL queries it took (X-Queries), for the report.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

# No collectstatic step: the API pages render no templates with static files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
