"""tests/test_deployment.py: the production settings, served on plain HTTP at 127.0.0.1.

Everything that makes the portal run as several processes stays as in production: DEBUG off,
PostgreSQL with persistent connections, Redis for the cache, rate limits and the Celery broker,
sessions in PostgreSQL read through Redis, static files collected and served by whitenoise.
Only what needs the TLS proxy of docs/deploy.md is off, because the test has none: the
redirect to HTTPS, HSTS and the Secure flag on cookies (a client does not send a Secure
cookie over http://).
"""

from .production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
