"""Settings shared by every mode. Everything that differs between machines comes
from the environment (see .env.example); the thin modules beside this one only
change defaults."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _
from xstatic.pkg import bootstrap as xstatic_bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form gets the portal's own 403 page in the request's language (asan_portal/views.py).
CSRF_FAILURE_VIEW = "asan_portal.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    # The second factor for staff (asan_portal/second_factor.py, docs/adr/0020).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "asan_portal",
    "services",
    "centres",
    "appointments",
    "feedback",
    "volunteers",
]

MIDDLEWARE = [
    # First, so the id is on every log line and the time covers every other middleware.
    "asan_portal.logs.RequestIdMiddleware",
    "asan_portal.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "asan_portal.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signed-in sessions end when idle or too old; then staff must confirm with a code (docs/adr/0020).
    "asan_portal.session_limits.SessionLimitsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "asan_portal.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Innermost, so it sees a view's lost database connection first: 503, not 500 (docs/faults.md).
    "asan_portal.unavailable.DatabaseUnavailableMiddleware",
]

# Security headers (asan_portal/security.py, docs/adr/0016). Django's SecurityMiddleware writes
# X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy from these:
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No page runs inline script, so none is allowed. Style attributes (a width here and there) are;
# <style> elements are not, except the error page's, whose hash is added by the middleware.
# Bootstrap's form controls draw their arrows and ticks with data: SVG images.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Swagger UI (/api/docs/) writes <style> elements; its script comes from a file (the split view).
CONTENT_SECURITY_POLICY_API_DOCS = {"style-src": ["'self'", "'unsafe-inline'"]}
# The centre list asks for the position when "nearest centres" is pressed; nothing else is used.
PERMISSIONS_POLICY = {
    "geolocation": ["self"],
    "camera": [],
    "microphone": [],
    "payment": [],
}

ROOT_URLCONF = "asan_portal.urls"
WSGI_APPLICATION = "asan_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The embedded default is a SQLite file under var/ so `make run` needs no server;
# tests and production point DATABASE_URL at PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'asan_portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Take the write lock when a transaction starts, so check-then-write in the booking
    # service is serialised on the embedded database (PostgreSQL uses constraints; ADR 8).
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
    # SQLite creates the file but not its folder: without this, `manage.py migrate` on a fresh
    # clone fails with "unable to open database file" until something has made var/ (issue 12.21).
    if DATABASES["default"]["NAME"] and DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Persistent connections: measured ~7x throughput on an indexed read (SETUP-NOTES).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# Redis answers in well under a millisecond on the same network. A frozen Redis (accepting
# connections, never answering) costs a request one timeout before the breaker
# (asan_portal.ratelimit) skips the cache for a while, so the timeout is what a citizen waits.
CACHE_SOCKET_TIMEOUT_SECONDS = 0.5
CACHE_OPTIONS = {"socket_timeout": CACHE_SOCKET_TIMEOUT_SECONDS, "socket_connect_timeout": CACHE_SOCKET_TIMEOUT_SECONDS}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="asan"),
            "OPTIONS": CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Length matters more than rules of character classes: 12 at least, and none of the ~20,000
# most common passwords (docs/adr/0020).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Signed-in sessions (staff and volunteers; asan_portal/session_limits.py, docs/adr/0020) end after
# this long without a request, and this long after signing in whatever happens. Citizens' anonymous
# sessions keep Django's SESSION_COOKIE_AGE.
SESSION_LIMITS = {
    "IDLE_MINUTES": env.int("SESSION_IDLE_MINUTES", default=30),
    "ABSOLUTE_HOURS": env.int("SESSION_ABSOLUTE_HOURS", default=12),
}
# The name authenticator apps show next to the code (asan_portal/second_factor.py).
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="ASAN portal")
# The portal's own sign-in: volunteers are not staff, so the admin's login would refuse them;
# staff signing in there land on their pages (asan_portal/accounts.py).
LOGIN_URL = "login"

# Azerbaijani is the default language and has a URL prefix like the others (/az/).
LANGUAGE_CODE = "az"
LANGUAGES = [("az", _("Azerbaijani")), ("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Baku"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Bootstrap comes from the xstatic-bootstrap package, htmx from django-htmx: nothing copied in.
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", xstatic_bootstrap.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "asan_portal.api.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "asan_portal.api.exception_handler",
    # DRF's defaults, with a JSON parser that answers 400 (not 500) to any body it cannot decode.
    "DEFAULT_PARSER_CLASSES": [
        "asan_portal.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ASAN portal API",
    "DESCRIPTION": "Public service catalogue, centres, bookings and queues of the one-stop service centres.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI comes from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Bookings and queue tickets both have a `status`: name their enums instead of hashing them.
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatusEnum": "appointments.models.AppointmentStatus",
        "TicketStatusEnum": "appointments.models.TicketStatus",
    },
}

# Celery: with no broker configured, tasks run in-process (the `make run` path).
# Configured for real failures (docs/adr/0009): a task is acknowledged only after it ran, so a
# worker that dies mid-task has it redelivered; every task is idempotent, so a redelivery or a
# second beat is harmless. Run exactly one beat (`make worker` runs a worker with an embedded beat).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not (REDIS_URL or env("CELERY_BROKER_URL", default=""))
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task that was running when the broker connection dropped is redelivered; cancel our copy.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
# A broker that accepts TCP but never answers must not hang a caller (SETUP-NOTES).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
    "health_check_interval": 10,
    # An unacknowledged task returns to the queue after this long (longer than any task runs).
    "visibility_timeout": 3600,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers keep reconnecting through a broker outage of any length.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# The schedule itself is code (asan_portal/celery.py); only the state file's place is a setting.
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule")
)

# The notification outbox (appointments/notifications.py, docs/adr/0009).
NOTIFICATIONS = {
    # How often beat relays pending messages (the safety net when a nudge was lost).
    "RELAY_EVERY_SECONDS": env.float("NOTIFICATIONS_RELAY_EVERY_SECONDS", default=10),
    "RELAY_BATCH": env.int("NOTIFICATIONS_RELAY_BATCH", default=200),
    # After a commit that queued messages, ask a worker to relay now (off: beat alone relays).
    "NUDGE_AFTER_COMMIT": env.bool("NOTIFICATIONS_NUDGE_AFTER_COMMIT", default=True),
    # A relay run stops taking new messages after this long, well inside the task's time limit.
    "RELAY_TIME_BUDGET_SECONDS": env.float("NOTIFICATIONS_RELAY_TIME_BUDGET_SECONDS", default=40),
    # After this many failed sends in a row, a run stops: the gateway is down, not the message.
    "RELAY_STOP_AFTER_FAILURES": env.int("NOTIFICATIONS_RELAY_STOP_AFTER_FAILURES", default=5),
    "MAX_ATTEMPTS": env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=8),
    # Wait before attempt 2, 3, ...; the last value repeats.
    "BACKOFF_SECONDS": env.list("NOTIFICATIONS_BACKOFF_SECONDS", cast=int, default=[30, 120, 600, 1800, 3600]),
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ASAN portal <noreply@asan-portal.invalid>")
# SMS goes through a pluggable backend like e-mail; the log backend keeps messages for staff to read.
SMS_BACKEND = env("SMS_BACKEND", default="appointments.sms.LogBackend")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10)
SMS_SENDER_NAME = env("SMS_SENDER_NAME", default="ASAN")

# Every line has the request id (or the Celery task id) and has FINs and mobile numbers masked:
# the filters sit on the handler (asan_portal/logs.py, docs/observability.md). LOG_FORMAT=json
# writes one JSON object a line for log shipping (the production default).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "asan_portal.logs.RequestIdFilter"},
        "pii": {"()": "asan_portal.logs.PiiMaskingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s/%(task_id)s] %(message)s"},
        "json": {"()": "asan_portal.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="plain"),
            "filters": ["request_id", "pii"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# /healthz (asan_portal/health.py): Redis is asked with this socket timeout, so a frozen Redis
# cannot hold the load balancer's check; a heartbeat older than this makes the workers "stale".
HEALTH = {
    "TIMEOUT_SECONDS": env.float("HEALTH_TIMEOUT_SECONDS", default=1),
    "WORKER_STALE_SECONDS": env.int("HEALTH_WORKER_STALE_SECONDS", default=120),
}
# /metrics (asan_portal/metrics.py) answers only these client addresses or the bearer token;
# anyone else gets 404. No token by default: only the host itself may scrape.
METRICS = {
    "ALLOWED_IPS": env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"]),
    "TOKEN": env("METRICS_TOKEN", default=""),
}

# Booking and arrival rules (appointments/policy.py reads these; docs in .env.example).
APPOINTMENTS = {
    # Share of each counter's open time kept for citizens who come without booking.
    "WALK_IN_SHARE": env.float("APPOINTMENTS_WALK_IN_SHARE", default=0.3),
    # Booking window: from this many minutes ahead up to this many days ahead.
    "MIN_LEAD_MINUTES": env.int("APPOINTMENTS_MIN_LEAD_MINUTES", default=60),
    "MAX_DAYS_AHEAD": env.int("APPOINTMENTS_MAX_DAYS_AHEAD", default=30),
    # Slot grid: appointments start on multiples of this many minutes from opening.
    "SLOT_STEP_MINUTES": env.int("APPOINTMENTS_SLOT_STEP_MINUTES", default=10),
    # An unconfirmed booking holds its time this long, waiting for the SMS code.
    "HOLD_MINUTES": env.int("APPOINTMENTS_HOLD_MINUTES", default=10),
    "CODE_MAX_ATTEMPTS": env.int("APPOINTMENTS_CODE_MAX_ATTEMPTS", default=5),
    "CODE_MAX_SENDS": env.int("APPOINTMENTS_CODE_MAX_SENDS", default=3),
    # Cancel or move up to this many minutes before the time.
    "CHANGE_CUTOFF_MINUTES": env.int("APPOINTMENTS_CHANGE_CUTOFF_MINUTES", default=60),
    # Arrival: check-in opens this early; more than this late, the booking lapses.
    "CHECK_IN_EARLY_MINUTES": env.int("APPOINTMENTS_CHECK_IN_EARLY_MINUTES", default=30),
    "LATE_GRACE_MINUTES": env.int("APPOINTMENTS_LATE_GRACE_MINUTES", default=10),
    # Fair use per FIN and per phone.
    "MAX_ACTIVE_PER_CITIZEN": env.int("APPOINTMENTS_MAX_ACTIVE_PER_CITIZEN", default=3),
    # A waitlisted citizen has this long to accept an offered time.
    "WAITLIST_OFFER_MINUTES": env.int("APPOINTMENTS_WAITLIST_OFFER_MINUTES", default=30),
    # Reminders: the day before at this local time, and this many minutes before.
    "REMINDER_DAY_BEFORE_AT": env("APPOINTMENTS_REMINDER_DAY_BEFORE_AT", default="18:00"),
    "REMINDER_BEFORE_MINUTES": env.int("APPOINTMENTS_REMINDER_BEFORE_MINUTES", default=120),
}
# Reverse proxies in front of the portal whose X-Forwarded-For entries are trusted (rate limits).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Rate limits (asan_portal/ratelimit.py, docs/adr/0010): "N/period" per client address (or per
# booking for code_attempt_booking), period in seconds or with s/m/h; counted in the cache (Redis).
RATE_LIMITS = {
    "booking_create": env("RATE_LIMIT_BOOKING_CREATE", default="10/m"),
    "code_attempt": env("RATE_LIMIT_CODE_ATTEMPT", default="10/600"),
    "code_attempt_booking": env("RATE_LIMIT_CODE_ATTEMPT_BOOKING", default="10/600"),
    "availability": env("RATE_LIMIT_AVAILABILITY", default="120/m"),
    "manage": env("RATE_LIMIT_MANAGE", default="60/m"),
    # Public complaint form, per client address and per phone/e-mail; the tracking page per address.
    "complaint_submit": env("RATE_LIMIT_COMPLAINT_SUBMIT", default="20/h"),
    "complaint_submit_contact": env("RATE_LIMIT_COMPLAINT_SUBMIT_CONTACT", default="5/h"),
    "complaint_track": env("RATE_LIMIT_COMPLAINT_TRACK", default="20/600"),
    # The public volunteer application form, per client address.
    "volunteer_apply": env("RATE_LIMIT_VOLUNTEER_APPLY", default="10/h"),
    # The portal's sign-in (per username tried) and "forgot my password" (per address and per e-mail).
    "portal_login": env("RATE_LIMIT_PORTAL_LOGIN", default="20/600"),
    "volunteer_password_link": env("RATE_LIMIT_VOLUNTEER_PASSWORD_LINK", default="5/h"),
}
# Sign-in lock-out (asan_portal/lockout.py, docs/adr/0016): this many wrong passwords for one
# account, or from one address, within the window pause that account's or address's sign-in.
LOGIN_LOCKOUT = {
    "ACCOUNT_FAILURES": env.int("LOGIN_LOCKOUT_ACCOUNT_FAILURES", default=5),
    "IP_FAILURES": env.int("LOGIN_LOCKOUT_IP_FAILURES", default=30),
    "WINDOW_SECONDS": env.int("LOGIN_LOCKOUT_WINDOW_SECONDS", default=900),
    "COOL_OFF_SECONDS": env.int("LOGIN_LOCKOUT_COOL_OFF_SECONDS", default=900),
}
# How long personal data is kept before the nightly purge anonymises it in place, in days
# (asan_portal/retention.py has the table of what is blanked and from when).
RETENTION = {
    "BOOKING_DAYS": env.int("RETENTION_BOOKING_DAYS", default=90),
    "TICKET_PHONE_DAYS": env.int("RETENTION_TICKET_PHONE_DAYS", default=30),
    "COMPLAINT_CONTACT_DAYS": env.int("RETENTION_COMPLAINT_CONTACT_DAYS", default=365),
    "REJECTED_APPLICATION_DAYS": env.int("RETENTION_REJECTED_APPLICATION_DAYS", default=180),
    "SMS_LOG_DAYS": env.int("RETENTION_SMS_LOG_DAYS", default=30),
    "NOTIFICATION_DAYS": env.int("RETENTION_NOTIFICATION_DAYS", default=30),
    "BATCH_SIZE": env.int("RETENTION_BATCH_SIZE", default=1000),
}
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# The day's queue (appointments/queue.py, docs/adr/0013).
QUEUE = {
    # A called citizen who does not come may be marked "did not come" after this many recalls.
    "RECALLS_BEFORE_NO_SHOW": env.int("QUEUE_RECALLS_BEFORE_NO_SHOW", default=2),
    # "Your turn is near" SMS when this many or fewer are ahead.
    "NEAR_AHEAD": env.int("QUEUE_NEAR_AHEAD", default=3),
    # How many recent calls the waiting-room display shows.
    "DISPLAY_FEED_SIZE": env.int("QUEUE_DISPLAY_FEED_SIZE", default=8),
    # Estimated waits use service times of tickets completed in this many recent minutes.
    "ESTIMATE_WINDOW_MINUTES": env.int("QUEUE_ESTIMATE_WINDOW_MINUTES", default=120),
}
# Rating a visit (feedback/ratings.py).
FEEDBACK = {
    # The private link sent after a visit may be used for this many days.
    "RATING_WINDOW_DAYS": env.int("FEEDBACK_RATING_WINDOW_DAYS", default=7),
    # The counter tablet offers the form for a visit completed this many minutes ago at most.
    "TABLET_MINUTES": env.int("FEEDBACK_TABLET_MINUTES", default=10),
}
VOLUNTEERS = {
    # Volunteers sign up for or withdraw from a shift until this many hours before it starts.
    "SIGNUP_CUTOFF_HOURS": env.int("VOLUNTEERS_SIGNUP_CUTOFF_HOURS", default=12),
    # Check-in opens this many minutes before a shift; arriving more than LATE_AFTER_MINUTES
    # after the start counts as late (volunteers/attendance.py).
    "CHECK_IN_OPENS_MINUTES": env.int("VOLUNTEERS_CHECK_IN_OPENS_MINUTES", default=30),
    "LATE_AFTER_MINUTES": env.int("VOLUNTEERS_LATE_AFTER_MINUTES", default=10),
    # Part of the centres' check-in QR codes: change it to void every printed poster at once.
    "CHECK_IN_QR_VERSION": env.int("VOLUNTEERS_CHECK_IN_QR_VERSION", default=1),
    # Applicants must be at least this old on the day they apply (volunteers/applications.py).
    "MIN_AGE": env.int("VOLUNTEERS_MIN_AGE", default=16),
}
