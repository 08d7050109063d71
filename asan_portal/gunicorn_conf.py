"""gunicorn's configuration for every web process: `gunicorn -c python:asan_portal.gunicorn_conf
asan_portal.wsgi:application` (docs/deploy/asan-web.service; tests/test_deployment.py runs two).

Each process is stateless: sessions, cache, locks and rate limits are in PostgreSQL or Redis, so
any number of these may run behind the proxy. Sizes come from the environment.
"""

import os

# The proxy on the same host talks to this address (GUNICORN_BIND, or --bind on the command line).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each holds one persistent PostgreSQL connection (CONN_MAX_AGE), so
# processes x WEB_CONCURRENCY must stay under PostgreSQL's max_connections (docs/deploy.md).
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
# The proxy queues the rush; a request that takes longer than this is stuck, not slow.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
backlog = 2048
# Recycle workers now and then so a slow leak never grows without bound (jitter: not all at once).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
# X-Forwarded-Proto/-For are believed only from the proxy (nginx on the same host by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Access log to stdout (journald collects it); errors to stderr. The tokens of private links
# are hidden in it (asan_portal/gunicorn_logging.py, docs/adr/0019).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
logger_class = "asan_portal.gunicorn_logging.AccessLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
