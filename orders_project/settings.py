"""Settings, read from the environment.

With nothing set, the project runs for development: DEBUG on, SQLite in the
project folder, Celery tasks in process after commit, e-mail written to
``var/mail/``. Production sets ``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL``, ``REDIS_URL`` and ``EMAIL_URL``; see the README.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY
# Rotating SECRET_KEY: put the old key here while sessions, password-reset links and
# signed tracking links made with it are still needed; they verify, new ones use SECRET_KEY.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin site admits only the roles that work there (orders_project/admin.py).
    "orders_project.apps.OrdersAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_fsm",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "csp",
    "axes",
    "orders",
    "fulfillment",
    "customers",
    "reports",
    "notifications",
    "webhooks",
    "connectors",
    "aggregators",
    "privacy",
    # The faces: they may import every app above, and no app imports them.
    "api",
    "dashboard",
    "tracking",
    "backoffice",
]

MIDDLEWARE = [
    # First, so every later middleware's log lines carry the request id.
    "shared.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body or a query: 413 for too large, 400 for NUL characters.
    "shared.request_limits.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "api.errors.ApiErrorMiddleware",
    # Admin list pages: an impossible filter (a year 0 or 99999) is a 400, not a 500.
    "backoffice.middleware.AdminListFilterMiddleware",
    # Last, so its process_exception runs first: a database outage is a 503, not a 500.
    "shared.outages.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "orders_project.urls"

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

WSGI_APPLICATION = "orders_project.wsgi.application"

# Database: SQLite in the project folder unless DATABASE_URL names another.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: customers read English or Vietnamese; times are aware.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("vi", _("Vietnamese"))]
# One date and one date-and-time format per language (orders_project/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["orders_project.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# Redis serves as Celery broker and shared cache when REDIS_URL is set.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL) or "memory://localhost/"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # The cache holds only rate-limit counters, which fail open when Redis is
            # down (orders_project/outages.py): a stalled Redis must not hold a request.
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CACHE_TIMEOUT_SECONDS", default=1.0),
                "socket_timeout": env.float("REDIS_CACHE_TIMEOUT_SECONDS", default=1.0),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without a broker, tasks run in this process (scheduled after commit by the
# services), so `make run` still performs every side effect.
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://")
)
CELERY_TASK_EAGER_PROPAGATES = True
# Outbox messages (webhook events, notifications) leave from a background thread
# after commit, so requests don't wait on the broker; the sweepers cover a crash.
OUTBOX_PUBLISH_IN_BACKGROUND = env.bool("OUTBOX_PUBLISH_IN_BACKGROUND", default=True)
# Messages handed to the background publisher this close together leave as one.
OUTBOX_PUBLISH_COALESCE_MS = env.float("OUTBOX_PUBLISH_COALESCE_MS", default=2.0)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Longer than any countdown or retry delay, or Redis redelivers tasks in a loop. It is
# also how long a task held by a worker that died without warm shutdown (SIGKILL, power
# loss) waits before another worker is given it; a warm shutdown hands tasks back at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 24 * 3600)
}
CELERY_TIMEZONE = TIME_ZONE
# When the broker is down, fail a publish within seconds; the outbox sweepers resend.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# E-mail: files under var/mail/ unless EMAIL_URL says otherwise.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
    _email_url = urlsplit(env("EMAIL_URL"))
    if _email_url.scheme == "filemail":
        # django-environ drops the path's leading "/", so filemail:///abs/dir would
        # write to abs/dir under the working directory. Read the path ourselves:
        # absolute as written, or (filemail://dir/sub) relative to the project.
        _mail_dir = Path(unquote(_email_url.netloc + _email_url.path))
        EMAIL_FILE_PATH = _mail_dir if _mail_dir.is_absolute() else BASE_DIR / _mail_dir
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
# A mail server that stops answering must not hold a worker past its send lease
# (NOTIFICATION_LEASE_SECONDS), or the sweeper could send the message again.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=30.0)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="orders@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    # Storefronts send "Authorization: Api-Key <key>"; staff tools a DRF token or a session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.StorefrontAPIKeyAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.StorefrontKeyThrottle",
        "api.throttling.StaffUserThrottle",
        "api.throttling.UnauthenticatedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "storefront": env("API_THROTTLE_RATE", default="600/min"),
        "staff": env("API_STAFF_THROTTLE_RATE", default="1200/min"),
        "anon": env("API_ANON_THROTTLE_RATE", default="60/min"),
        "carrier": env("API_CARRIER_THROTTLE_RATE", default="1200/min"),
        # Shopify's and WooCommerce's webhooks, per sending address (api/connectors.py).
        "platform": "1200/min",
        # AfterShip's and EasyPost's tracking webhooks, per sending address (api/tracking_feeds.py).
        "aggregator": "1200/min",
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Order status management API",
    "DESCRIPTION": (
        "The storefront API (v1): push orders in, read their status, cancel them and open "
        "after-sales requests; plus operations endpoints for staff tools. Authenticate "
        "storefronts with `Authorization: Api-Key <key>`. Errors are JSON: "
        '`{"error": {"code": "...", "message": "...", "details": {...}}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "PaymentStatusEnum": "orders.models.PaymentStatus",
    },
}

# Business hours for service levels: due times count only these, minus Holiday rows.
BUSINESS_DAY_START_HOUR = env.int("BUSINESS_DAY_START_HOUR", default=8)
BUSINESS_DAY_END_HOUR = env.int("BUSINESS_DAY_END_HOUR", default=17)
BUSINESS_WEEKDAYS = env.list("BUSINESS_WEEKDAYS", cast=int, default=[0, 1, 2, 3, 4])
# A stage is "at risk" once this share of its time is used, and alerts the team lead.
SLA_AT_RISK_SHARE = env.float("SLA_AT_RISK_SHARE", default=0.75)

# The public /track/ form: attempts per client address and window before it answers 429.
TRACKING_LOOKUP_LIMIT = env.int("TRACKING_LOOKUP_LIMIT", default=10)
TRACKING_LOOKUP_WINDOW_SECONDS = env.int("TRACKING_LOOKUP_WINDOW_SECONDS", default=300)
# A tracking link keeps working while the order is open and this long after it closed.
TRACKING_LINK_DAYS_AFTER_CLOSE = env.int("TRACKING_LINK_DAYS_AFTER_CLOSE", default=180)
# Returns and complaints opened from the tracking page, per client address.
AFTER_SALES_FORM_LIMIT = env.int("AFTER_SALES_FORM_LIMIT", default=5)
AFTER_SALES_FORM_WINDOW_SECONDS = env.int("AFTER_SALES_FORM_WINDOW_SECONDS", default=3600)
# Address changes and cancellations asked from the tracking page, per client address.
CHANGE_REQUEST_FORM_LIMIT = env.int("CHANGE_REQUEST_FORM_LIMIT", default=5)
CHANGE_REQUEST_FORM_WINDOW_SECONDS = env.int("CHANGE_REQUEST_FORM_WINDOW_SECONDS", default=3600)
AFTER_SALES_PHOTO_MAX_BYTES = env.int("AFTER_SALES_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
# Warranty claims may be opened this many days after delivery, even once the order is completed.
AFTER_SALES_WARRANTY_DAYS = env.int("AFTER_SALES_WARRANTY_DAYS", default=365)
# Idempotency keys of order creation are kept this long, then a retry creates anew.
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=24 * 3600)
# The public address of this site, for links in e-mails and API responses.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Encrypts the platforms' signing secrets and API tokens at rest (connectors.secrets): a
# Fernet key; make one with
# python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
# Without it a key is derived from SECRET_KEY.
CONNECTOR_SECRETS_KEY = env("CONNECTOR_SECRETS_KEY", default="")
# The tracking aggregators' webhook signing secrets (api/tracking_feeds.py): AfterShip's
# "webhook secret" (Settings > Webhooks) and EasyPost's webhook secret. Without one, that
# aggregator's webhook answers 401 to everything; `make run` (DEBUG) uses demo secrets.
AFTERSHIP_WEBHOOK_SECRET = env(
    "AFTERSHIP_WEBHOOK_SECRET", default="demo-aftership-secret" if DEBUG else ""
)
EASYPOST_WEBHOOK_SECRET = env(
    "EASYPOST_WEBHOOK_SECRET", default="demo-easypost-secret" if DEBUG else ""
)
# A platform delivery still waiting this long after it was stored lost its task: the
# sweeper (beat, every minute) queues it again.
PLATFORM_DELIVERY_RESEND_SECONDS = 300.0
# Benchmarks only (benchmarks/api_creation.py): routes POST /bench/floor/, an unauthenticated
# endpoint that inserts one row into bench_floor. Must never be set in production.
BENCH_FLOOR_ENDPOINT = env.bool("BENCH_FLOOR_ENDPOINT", default=False)

# Staff sign in through the dashboard (the admin keeps its own login page).
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:home"

# Security: strict defaults once DEBUG is off (`check --deploy` stays clean).
# CSP, login lockout and staff sessions: see "Security hardening" below.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers poll the probes over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Logs go to stderr, one line per record: JSON for a log collector in production,
# plain text for a person in development. Each record carries the request id (and the
# Celery task) through shared.logs.RequestContextFilter; see the README.
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'plain', not {LOG_FORMAT!r}.")
LOG_LEVEL = env("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "shared.logs.RequestContextFilter"}},
    "formatters": {
        "plain": {
            "()": "logging.Formatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            "defaults": {"request_id": "-"},
        },
        "json": {"()": "shared.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
            # Here too: records propagated from a chattier logger skip the root's level.
            "level": LOG_LEVEL,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default config gives "django" a console handler of its own (DEBUG
        # only) on top of the root's: each line would show twice in development. INFO
        # keeps django.template's debug chatter out even with LOG_LEVEL=DEBUG.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}

# Error reporting: only with SENTRY_DSN set is the Sentry SDK started (web, worker, beat).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from orders_project.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
        release=env("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# --- Storefront webhooks (webhooks/) ------------------------------------------
# Each try waits this long for an answer; timeouts, 5xx, 408 and 429 are retried
# after WEBHOOK_RETRY_BASE_SECONDS doubled per attempt (capped, with jitter) for
# WEBHOOK_RETRY_FOR_SECONDS after the event; other 4xx and 3xx fail for good.
# Keep the cap below CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"].
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_DELAY_SECONDS = env.float("WEBHOOK_RETRY_MAX_DELAY_SECONDS", default=7200.0)
WEBHOOK_RETRY_FOR_SECONDS = env.float("WEBHOOK_RETRY_FOR_SECONDS", default=26 * 3600.0)
# Without a broker (tasks run eagerly) retries use a timer in the web process.
# Webhook URLs must resolve to public addresses (checked when configured and again
# before each delivery) unless this is on: a receiver on localhost or the LAN, in
# development. Off in production unless deliberately set (README "Security").
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
WEBHOOK_RETRY_IN_PROCESS = env.bool("WEBHOOK_RETRY_IN_PROCESS", default=CELERY_TASK_ALWAYS_EAGER)
# Webhook sends get their own queue so a slow receiver cannot hold up other work;
# `make worker` consumes it (-Q default,webhooks,notifications,reports).
CELERY_TASK_ROUTES = {
    "orders.webhook_event_deliver": {"queue": "webhooks"},
    "orders.webhook_events_send_due": {"queue": "webhooks"},
    # Shipping status told back to Shopify/WooCommerce: outgoing HTTP to shops, as webhooks.
    "connectors.status_push_send": {"queue": "webhooks"},
    "connectors.status_pushes_send_due": {"queue": "webhooks"},
    "customers.notification_send": {"queue": "notifications"},
    "customers.notifications_send_due": {"queue": "notifications"},
    "fulfillment.supplier_request_email_send": {"queue": "notifications"},
    "reports.report_run_make": {"queue": "reports"},
    "reports.daily_reports": {"queue": "reports"},
    "reports.monthly_reports": {"queue": "reports"},
}
# The sweeper re-enqueues pending events whose scheduled try was lost; beat's
# DatabaseScheduler copies this entry into its table at start-up. A sweep that
# waited a whole minute in the queue is dropped: the next one does its work.
CELERY_BEAT_SCHEDULE = {
    "orders.webhook_events_send_due": {
        "task": "orders.webhook_events_send_due",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "customers.notifications_send_due": {
        "task": "customers.notifications_send_due",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Shipped platform orders whose push to Shopify/WooCommerce was lost are sent again.
    "connectors.status_pushes_send_due": {
        "task": "connectors.status_pushes_send_due",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Platform deliveries stored but never applied (their task was lost) are queued again.
    "connectors.deliveries_apply_waiting": {
        "task": "connectors.deliveries_apply_waiting",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Orders at risk of missing, or past, their stage's service level alert the team lead.
    "orders.sla_watch": {
        "task": "orders.sla_watch",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Finance reports e-mailed to each storefront's recipients.
    "reports.daily_reports": {
        "task": "reports.daily_reports",
        "schedule": crontab(hour=6, minute=0),
    },
    "reports.monthly_reports": {
        "task": "reports.monthly_reports",
        "schedule": crontab(day_of_month=1, hour=6, minute=30),
    },
    # Delivered orders whose return window passed with nothing open are completed.
    "fulfillment.orders_complete_after_return_window": {
        "task": "fulfillment.orders_complete_after_return_window",
        "schedule": crontab(hour=3, minute=0),
    },
}

# --- Customer notifications (notifications/) ----------------------------------
# A send holds its row this long; a row still pending after the resend delay is
# queued again by the sweeper (every minute), and fails for good after the
# maximum number of attempts, visible in the admin with its error.
NOTIFICATION_LEASE_SECONDS = env.float("NOTIFICATION_LEASE_SECONDS", default=120.0)
NOTIFICATION_RESEND_AFTER_SECONDS = env.float("NOTIFICATION_RESEND_AFTER_SECONDS", default=180.0)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)

# --- Shipping status pushed back to Shopify/WooCommerce (connectors/status_pushes.py) --
# Each request waits this long; timeouts, 5xx, 408 and 429 are retried after
# CONNECTOR_PUSH_RETRY_BASE_SECONDS doubled per attempt (capped, with jitter, a 429's
# Retry-After respected), up to CONNECTOR_PUSH_MAX_ATTEMPTS attempts; other answers fail
# for good (the admin can send again). Keep the cap below CELERY_VISIBILITY_TIMEOUT.
# The API URL must resolve to public addresses unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES.
CONNECTOR_PUSH_TIMEOUT_SECONDS = 10.0
CONNECTOR_PUSH_RETRY_BASE_SECONDS = 30.0
CONNECTOR_PUSH_RETRY_MAX_DELAY_SECONDS = 3600.0
CONNECTOR_PUSH_MAX_ATTEMPTS = 10

# --- Security hardening (README "Security") -----------------------------------
# Kept in one block: CSP, the login lockout, staff sessions, client addresses.

# Content security policy (django-csp 4). Everything is served from this site:
# no inline scripts, styles or event handlers anywhere (a browser test proves it).
# The header is sent in DEBUG too, so development and tests see what production does.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the icons Swagger UI (the API docs) embeds in its CSS and script.
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Brute-force protection of the staff logins (dashboard and admin): django-axes.
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address,
# that pair is refused, even with the right password, for AXES_COOLOFF_MINUTES.
# Counting the pair (not the address alone, not the username alone) keeps an
# attacker from locking a colleague out from elsewhere, and one shared office
# address from locking out everyone. Unlock: `manage.py axes_reset_username NAME`
# or delete the row under Axes > Access attempts in the admin (managers).
AUTHENTICATION_BACKENDS = [
    # Must come first: it refuses a locked-out pair before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A locked-out login answers 429 with the login page's own look and a message.
AXES_LOCKOUT_CALLABLE = "orders_project.security.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "shared.network.client_address"
# Behind N reverse proxies that each append to X-Forwarded-For, the client is the
# N-th address from the right; 0 (direct) uses the connection's address. Used by
# the lockout and by the tracking page's rate limits. Never set it higher than
# the number of proxies you run: clients could then choose their own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Staff sessions: 8 hours from login (a shift), not prolonged by activity, and
# ended when the browser closes (shared terminals on the warehouse floor).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_HTTPONLY = True
