"""Django settings, read from the environment (see README: Configuration)."""

import re
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as corsheaders_default_headers
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def checked(name, value, valid, expected):
    """`value` of the setting `name`, if `valid(value)`: a value that would fail later (a 500 on the first
    request that uses it) or silently (a limit that is none) stops the start, saying what is `expected`."""
    if not valid(value):
        raise ImproperlyConfigured(f"{name} must be {expected}, not {value!r}")
    return value


# DRF's notation of a request rate; a count of 0 would let nothing through, and fail doing so. (DRF reads
# only the period's first letter: `1000/month` would be a thousand a minute.)
RATE = re.compile(r"[1-9][0-9]*/(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRET_KEY to a long random string (bin/bootstrap writes one into .env for local runs)."
        )
    SECRET_KEY = get_random_secret_key()  # DEBUG only: a new one per process
elif not DEBUG and SECRET_KEY.startswith("django-insecure-"):
    # Django's mark of a key not meant for production, which production.env's placeholder carries.
    raise ImproperlyConfigured("SECRET_KEY is a placeholder (django-insecure-…): set a long random string.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "spacedevs",
    "config",
    "agencies",
    "astronauts",
    "programs",
    "spacestations",
    "launches",
    "events",
    "ingest",
]

MIDDLEWARE = [
    "spacedevs.request_log.RequestLogMiddleware",
    "spacedevs.faults.QueryDeadlineMiddleware",
    "spacedevs.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "spacedevs.response_cache.PrivateCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "spacedevs.response_cache.NotModifiedMiddleware",
    "django.middleware.common.CommonMiddleware",
    "spacedevs.throttling.ThrottleMiddleware",
    "spacedevs.middleware.DataStateMiddleware",
    "spacedevs.middleware.ReplicaReadsMiddleware",
    "spacedevs.response_cache.ResponseCacheMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "spacedevs.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' own: spacedevs/templates overrides DRF's browsable page.
        "DIRS": [BASE_DIR / "spacedevs" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "spacedevs.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Read replicas (PostgreSQL streaming replicas of DATABASE_URL), comma-separated: API requests read from one
# of them (spacedevs/replicas.py).
for number, url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[])):
    DATABASES[f"replica_{number}"] = env.db_url_config(url) | {"TEST": {"MIRROR": "default"}}
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["spacedevs.replicas.ReplicaRouter"]
# A database that is down or hung gets a 503 within these (seconds; spacedevs/faults.py): connecting, and
# each query of a web request (commands are not limited). Clients are asked to come back after the last.
DATABASE_CONNECT_TIMEOUT = checked(
    "DATABASE_CONNECT_TIMEOUT",
    env.int("DATABASE_CONNECT_TIMEOUT", default=3),
    lambda v: v > 0,
    "over 0 seconds",
)
# PostgreSQL's statement_timeout, and poll()'s wait, are whole milliseconds in a C int.
LONGEST_STATEMENT_TIMEOUT = (2**31 - 1) / 1000
DATABASE_STATEMENT_TIMEOUT = checked(
    "DATABASE_STATEMENT_TIMEOUT",
    env.float("DATABASE_STATEMENT_TIMEOUT", default=5),
    lambda v: 0 < v <= LONGEST_STATEMENT_TIMEOUT,
    f"over 0 and at most {LONGEST_STATEMENT_TIMEOUT} seconds (24.8 days)",
)
DATABASE_RETRY_AFTER = checked(
    "DATABASE_RETRY_AFTER", env.int("DATABASE_RETRY_AFTER", default=5), lambda v: v >= 0, "0 seconds or more"
)
for database in DATABASES.values():
    # Each worker keeps its connections between requests (opening one costs more than most pages). A
    # connection the database dropped is replaced by the first read of every request (DataState.current),
    # not by Django's health check, which would cost each request one more round trip. A `conn_max_age` in
    # the URL wins.
    database.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Indexes that carry columns (INCLUDE, events/models.py) are PostgreSQL's; SQLite builds the same indexes
# without them, which Django warns of at every migrate.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# API responses are cached by data version (spacedevs/response_cache.py): in each process's memory, or in
# Redis, shared by every worker and host, when REDIS_URL is set.
RESPONSE_CACHE_ALIAS = "responses"
REDIS_URL = env("REDIS_URL", default="")
# A Redis that is down or hung costs each call at most this long (seconds), then a miss (spacedevs/cache.py).
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.25)
REDIS_OPTIONS = {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    RESPONSE_CACHE_ALIAS: (
        {"BACKEND": "spacedevs.cache.TolerantRedisCache", "LOCATION": REDIS_URL, "OPTIONS": REDIS_OPTIONS}
        if REDIS_URL
        else {
            "BACKEND": "spacedevs.cache.ByteBoundLocMemCache",
            "LOCATION": "responses",
            # Bound a worker's memory: an uncompressed detailed page is over half a megabyte.
            "OPTIONS": {
                "MAX_ENTRIES": env.int("RESPONSE_CACHE_ENTRIES", default=200),
                "MAX_BYTES": env.int("RESPONSE_CACHE_BYTES", default=16 * 1024 * 1024),
            },
        }
    ),
}
# Request counters of the throttle (spacedevs/throttling.py): in Redis too when it is set, so that every
# worker and host enforces one limit.
THROTTLE_CACHE_ALIAS = "throttle"
THROTTLE_MEMORY_CLIENTS = 20_000  # without Redis, per process: some 400 bytes each at 15 requests a window
CACHES[THROTTLE_CACHE_ALIAS] = (
    {
        "BACKEND": "spacedevs.cache.TolerantRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "throttle",
        "OPTIONS": REDIS_OPTIONS,
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "throttle",
        # A full cache drops a third of its entries, live counts among them: room for the clients of a
        # window (Django's default, 300, let 300 addresses make a client's count start again).
        "OPTIONS": {"MAX_ENTRIES": THROTTLE_MEMORY_CLIENTS},
    }
)
# Anonymous clients' limit per address, in DRF's notation (LL2: `15/hour`); empty: unlimited. Keyed clients
# have their tier's limit. TRUSTED_PROXIES: how many proxies in front append to X-Forwarded-For (0: none, the
# address is the connection's).
ANONYMOUS_THROTTLE_RATE = checked(
    "ANONYMOUS_THROTTLE_RATE",
    env("ANONYMOUS_THROTTLE_RATE", default=""),
    lambda v: not v or RATE.fullmatch(v),
    "like 15/hour (a count per second, minute, hour or day)",
)
TRUSTED_PROXIES = checked(
    "TRUSTED_PROXIES", env.int("TRUSTED_PROXIES", default=0), lambda v: v >= 0, "0 (none) or more"
)
# Bytes of responses each process keeps to answer repeated requests before Django (spacedevs/replay.py);
# 0 turns that off.
REPLAY_BYTES = env.int("REPLAY_BYTES", default=24 * 1024 * 1024)
# Bytes of stored documents each process keeps, so that a page reads only those it does not hold
# (spacedevs/api/document_cache.py); 0 keeps none.
DOCUMENT_CACHE_BYTES = checked(
    "DOCUMENT_CACHE_BYTES",
    env.int("DOCUMENT_CACHE_BYTES", default=8 * 1024 * 1024),
    lambda v: v >= 0,
    "0 (none) or more",
)
# Bytes of pages' documents each process keeps gzip-deflated, so that an uncached page showing the same
# documents as one before compresses only its envelope (spacedevs/gzip_parts.py); 0 keeps none.
COMPRESSED_PARTS_BYTES = checked(
    "COMPRESSED_PARTS_BYTES",
    env.int("COMPRESSED_PARTS_BYTES", default=2 * 1024 * 1024),
    lambda v: v >= 0,
    "0 (none) or more",
)
# Bytes of calendar feeds' events each process keeps as iCalendar text, so that a feed makes only those it
# does not hold (events/calendar.py); 0 keeps none.
CALENDAR_EVENTS_BYTES = checked(
    "CALENDAR_EVENTS_BYTES",
    env.int("CALENDAR_EVENTS_BYTES", default=1024 * 1024),
    lambda v: v >= 0,
    "0 (none) or more",
)
# How long an entry may stay unused before it is dropped (a write makes it unreachable at once anyway).
RESPONSE_CACHE_TIMEOUT = env.int("RESPONSE_CACHE_TIMEOUT", default=3600)
# How long clients and proxies may reuse a response without asking again (`Cache-Control: max-age`).
RESPONSE_MAX_AGE = env.int("RESPONSE_MAX_AGE", default=30)
# Fast settings: a response is compressed once per cache entry, but a miss waits for it (see README).
GZIP_LEVEL = checked(
    "GZIP_LEVEL", env.int("GZIP_LEVEL", default=2), lambda v: 0 <= v <= 3, "0 to 3 (ISA-L's levels)"
)
BROTLI_QUALITY = checked(
    "BROTLI_QUALITY",
    env.int("BROTLI_QUALITY", default=1),
    lambda v: 0 <= v <= 11,
    "0 to 11 (Brotli's qualities)",
)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Django 6's default for URL form fields (the admin), adopted now.
FORMS_URLFIELD_ASSUME_HTTPS = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# WhiteNoise's development mode: static files straight from the apps, no collectstatic (the browser test).
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=False)
# Plain compressed storage, not the manifest one: tests render the browsable API without collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# A public, read-only API: browser dashboards on any origin may read it (set CORS_ALLOWED_ORIGINS to narrow).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_ALL_ORIGINS = not CORS_ALLOWED_ORIGINS
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_URLS_REGEX = r"^/(?!admin/)"
# A script on another origin may revalidate (the browser's own cache does it without these), read what the
# API tells it beyond CORS's safelisted headers (a response's tag, when to come back after a 429 or a 503,
# the request's id) and send the request's id.
CORS_ALLOW_HEADERS = [*corsheaders_default_headers, "if-none-match", "if-modified-since", "x-request-id"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "X-Mirror-Synced-At", "X-Request-ID"]

# Above the 1,000 values one repeated parameter may carry, so that the parameter's own check names it.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Production switches, off for a local run: HTTPS only (the probes are answered before the redirect), HSTS,
# cookies over HTTPS only (the admin's). With SECURE_SSL_REDIRECT=true, SECURE_HSTS_SECONDS=31536000 and
# SECURE_COOKIES=true, `check --deploy` finds nothing (README: Deploying).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
# The admin (the only writer besides ingestion) can be left out of a deployment; its sign-in attempts are
# limited per address.
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=True)
ADMIN_LOGIN_RATE = checked(
    "ADMIN_LOGIN_RATE",
    env("ADMIN_LOGIN_RATE", default="10/hour"),
    RATE.fullmatch,
    "like 10/hour (a count per second, minute, hour or day)",
)

REST_FRAMEWORK = {
    # A public, read-only API: nobody logs in to it, and its responses are the same for everyone (so they
    # do not vary by cookie, and caches may share them).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": [
        "spacedevs.api.renderers.FastJSONRenderer",
        "spacedevs.api.pages.PublicBrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "spacedevs.api.schema.ModeAutoSchema",
    "EXCEPTION_HANDLER": "spacedevs.api.errors.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "LL2 events replica",
    "DESCRIPTION": "A faithful replica of the Launch Library 2 (LL2) 2.3.0 events API.",
    "VERSION": "2.3.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["spacedevs.api.schema.canonical_paths_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "spacedevs.api.schema.ll2_forms",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The system's fonts: Redoc's own (Montserrat, Roboto) would come from Google.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, sans-serif",
                "headings": {"fontFamily": "system-ui, sans-serif"},
            }
        }
    },
    # Keys are optional (anonymous clients have the anonymous limit): the one scheme documented.
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "Token": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Optional: `Token <key>` for your key's tier (see /2.3.0/api-throttle/).",
            }
        }
    },
    "SECURITY": [{"Token": []}],  # drf-spectacular adds the anonymous `{}` of every operation
}

# Logs go to stdout, one line per request (spacedevs/request_log.py) and every server error with its
# traceback, each with its request's id; `LOG_FORMAT=json` makes each line a JSON object (gunicorn's own
# lines too: gunicorn_config.py; and the server's Python warnings: wsgi.py).
LOG_FORMAT = env("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "spacedevs.request_log.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "spacedevs.log_format.JSONFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Client errors are in the request lines already: Django's own lines only for server errors.
        "django.request": {"level": "ERROR"},
        # A line per outgoing request would bury a sync's own report.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
