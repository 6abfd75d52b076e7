"""Django settings, read from the environment (see README: Configuration)."""

import os
from pathlib import Path

from corsheaders.defaults import default_headers as corsheaders_default_headers
from django.core.management.utils import get_random_secret_key
from whitenoise.compress import Compressor

from spacedevs.refused import (
    POSTGRESQL_ENGINE,
    RATE,
    RefusedSetting,
    checked,
    database,
    is_host_pattern,
    is_network,
    is_origin,
    is_redis_url,
    is_script_name,
    items,
    number,
    numeric,
    read_env_file,
    switch,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Variables are read as written (os.environ), not through django-environ's casts: those take a value that
# starts with `$` (as a key of Django's own generator may) for another variable's name, read `500ms` as 500
# and `1e3` as 13, keep the spaces around a list's items, and read any word they do not know as false.
read_env_file()


DEBUG = switch("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY.strip():
    if not DEBUG:
        raise RefusedSetting(
            "Set SECRET_KEY to a long random string (bin/bootstrap writes one into .env for local runs)."
        )
    SECRET_KEY = get_random_secret_key()  # DEBUG only: a new one per process
elif not DEBUG and SECRET_KEY.startswith("django-insecure-"):
    # Django's mark of a key not meant for production, which production.env's placeholder carries.
    raise RefusedSetting("SECRET_KEY is a placeholder (django-insecure-…): set a long random string.")
ALLOWED_HOSTS = checked(
    "ALLOWED_HOSTS",
    [
        checked(
            "ALLOWED_HOSTS",
            host,
            is_host_pattern,
            "host names like api.example.org, .example.org (and its subdomains), 203.0.113.7, [2001:db8::7] "
            "or *, comma-separated",
        )
        for host in items("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
    ],
    lambda hosts: hosts or DEBUG,
    "comma-separated host names, at least one (none refuses every request)",
)

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
    "spacedevs.middleware.SentBodyMiddleware",
    "spacedevs.faults.QueryDeadlineMiddleware",
    "spacedevs.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "spacedevs.api.errors.BodilessErrorsMiddleware",
    "spacedevs.static_files.CodedStaticFilesMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "spacedevs.middleware.PrivateCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Where the host was first read before it (CommonMiddleware's): its refusal has every response's headers.
    "spacedevs.middleware.HostBoundsMiddleware",
    "spacedevs.middleware.SlashAppendedMiddleware",
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

DATABASES = {
    "default": database(
        "DATABASE_URL", os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
# Read replicas (PostgreSQL streaming replicas of DATABASE_URL), comma-separated: API requests read from one
# of them (spacedevs/replicas.py).
for index, url in enumerate(items("DATABASE_REPLICA_URLS", [])):
    replica = database("DATABASE_REPLICA_URLS", url, engines=(POSTGRESQL_ENGINE,))
    DATABASES[f"replica_{index}"] = replica | {"TEST": {"MIRROR": "default"}}
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["spacedevs.replicas.ReplicaRouter"]
# gunicorn kills a worker whose request outlasts its timeout (its default, which gunicorn_config.py keeps),
# answering gunicorn's HTML 500. A request may wait on faults (the database's deadlines, a Redis call) for
# half of it: meeting both database deadlines twice (the primary's, then a replica's) still ends in a 503.
# Longer deadlines are refused, not met by a longer worker timeout: that timeout is the last resort against
# a stuck worker, and a client is better answered 503 than kept waiting.
WORKER_TIMEOUT = 30
FAULT_WAIT = WORKER_TIMEOUT // 2
# A database that is down or hung gets a 503 within these (seconds; spacedevs/faults.py): connecting, and
# each query of a web request (commands are not limited). Clients are asked to come back after the last.
CONNECT_TIMEOUT_RULE = (lambda v: v >= 2, "2 seconds or more (libpq reads 1 as 2)")
DATABASE_CONNECT_TIMEOUT = number("DATABASE_CONNECT_TIMEOUT", 3, *CONNECT_TIMEOUT_RULE)
DATABASE_STATEMENT_TIMEOUT = number(
    "DATABASE_STATEMENT_TIMEOUT", 5.0, lambda v: v > 0, "over 0 seconds", kind=float
)
DATABASE_RETRY_AFTER = number("DATABASE_RETRY_AFTER", 5, lambda v: v >= 0, "0 seconds or more")
# Each worker keeps its connections between requests (opening one costs more than most pages). A connection
# the database dropped is replaced by a request's read of the data state (DataState.read_on; under a lease,
# made when the database has ended it: spacedevs/turns.py), not by Django's health check, which would cost
# each request one more round trip. A `conn_max_age` in the URL wins.
CONN_MAX_AGE = number("CONN_MAX_AGE", 60, lambda v: v >= 0, "0 seconds or more")
# A database URL's own connect_timeout wins over DATABASE_CONNECT_TIMEOUT, under the same rule; the longest
# that a database has counts (the variable only where a PostgreSQL URL has none: SQLite connects to no
# server).
for alias, config in DATABASES.items():
    config.setdefault("CONN_MAX_AGE", CONN_MAX_AGE)
    options = config.setdefault("OPTIONS", {})
    if "connect_timeout" in options:
        variable = "DATABASE_URL" if alias == "default" else "DATABASE_REPLICA_URLS"
        options["connect_timeout"] = numeric(
            f"{variable}'s connect_timeout", str(options["connect_timeout"]), *CONNECT_TIMEOUT_RULE
        )
    elif config["ENGINE"] == POSTGRESQL_ENGINE:
        options["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
connect_timeouts = [config["OPTIONS"].get("connect_timeout", 0) for config in DATABASES.values()]
checked(
    "DATABASE_CONNECT_TIMEOUT (or a database URL's connect_timeout) + DATABASE_STATEMENT_TIMEOUT",
    max(connect_timeouts) + DATABASE_STATEMENT_TIMEOUT,
    lambda v: v <= FAULT_WAIT,
    f"at most {FAULT_WAIT} seconds (twice inside gunicorn's {WORKER_TIMEOUT} s worker timeout)",
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Indexes that carry columns (INCLUDE, events/models.py) are PostgreSQL's; SQLite builds the same indexes
# without them, which Django warns of at every migrate.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# API responses are cached by data version (spacedevs/response_cache.py): in each process's memory, or in
# Redis, shared by every worker and host, when REDIS_URL is set.
RESPONSE_CACHE_ALIAS = "responses"
REDIS_URL = checked(
    "REDIS_URL",
    os.environ.get("REDIS_URL", ""),
    lambda url: not url or is_redis_url(url),
    "empty or a redis://, rediss:// or unix:// URL, e.g. redis://cache:6379/0",
    shown=False,
)
# A Redis that is down or hung costs each call at most this long (seconds), then a miss
# (spacedevs/redis_cache.py); 0 would fail every call.
REDIS_TIMEOUT = number(
    "REDIS_TIMEOUT",
    0.25,
    lambda v: 0 < v <= FAULT_WAIT,
    f"over 0 and at most {FAULT_WAIT} seconds",
    kind=float,
)
RESPONSE_CACHE_ENTRIES = number("RESPONSE_CACHE_ENTRIES", 200, lambda v: v >= 1, "1 or more")
RESPONSE_CACHE_BYTES = number("RESPONSE_CACHE_BYTES", 16 * 1024 * 1024, lambda v: v >= 0, "0 (none) or more")
REDIS_OPTIONS = {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    RESPONSE_CACHE_ALIAS: (
        {
            "BACKEND": "spacedevs.redis_cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_OPTIONS,
        }
        if REDIS_URL
        else {
            "BACKEND": "spacedevs.cache.ByteBoundLocMemCache",
            "LOCATION": "responses",
            # Bound a worker's memory: an uncompressed detailed page is over half a megabyte.
            "OPTIONS": {
                "MAX_ENTRIES": RESPONSE_CACHE_ENTRIES,
                "MAX_BYTES": RESPONSE_CACHE_BYTES,
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
        "BACKEND": "spacedevs.redis_cache.TolerantRedisCache",
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
# Where the admin's sign-in attempts are counted while Redis fails (each process's memory, as without it).
THROTTLE_LOCAL_CACHE_ALIAS = "throttle-local"
CACHES[THROTTLE_LOCAL_CACHE_ALIAS] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "throttle-local",
    "OPTIONS": {"MAX_ENTRIES": THROTTLE_MEMORY_CLIENTS},
}
# Anonymous clients' limit per address, in DRF's notation (LL2: `15/hour`); empty: unlimited. Keyed clients
# have their tier's limit. TRUSTED_PROXIES: how many proxies in front append to X-Forwarded-For (0: none, the
# address is the connection's).
ANONYMOUS_THROTTLE_RATE = checked(
    "ANONYMOUS_THROTTLE_RATE",
    os.environ.get("ANONYMOUS_THROTTLE_RATE", ""),
    lambda v: not v or RATE.fullmatch(v),
    "like 15/hour (a count per second, minute, hour or day)",
)
TRUSTED_PROXIES = number("TRUSTED_PROXIES", 0, lambda v: v >= 0, "0 (none) or more")
# The addresses of the proxies in front (spacedevs.addresses.ForwardedByProxiesAlone): the forwarded headers
# of any other connection are dropped. None: every connection's are read.
TRUSTED_PROXY_ADDRESSES = [
    checked(
        "TRUSTED_PROXY_ADDRESSES",
        item,
        is_network,
        "addresses or networks like 10.0.0.0/8 (no address bits past the prefix, IPv4 as IPv4), "
        "comma-separated",
    )
    for item in items("TRUSTED_PROXY_ADDRESSES", [])
]
# Bytes of responses each process keeps to answer repeated requests before Django (spacedevs/replay.py);
# 0 turns that off.
REPLAY_BYTES = number("REPLAY_BYTES", 24 * 1024 * 1024, lambda v: v >= 0, "0 (none) or more")
# Bytes of stored documents each process keeps, so that a page reads only those it does not hold
# (spacedevs/api/document_cache.py); 0 keeps none.
DOCUMENT_CACHE_BYTES = number("DOCUMENT_CACHE_BYTES", 8 * 1024 * 1024, lambda v: v >= 0, "0 (none) or more")
# Bytes of pages' documents each process keeps gzip-deflated, so that an uncached page showing the same
# documents as one before compresses only its envelope (spacedevs/gzip_parts.py); 0 keeps none.
COMPRESSED_PARTS_BYTES = number(
    "COMPRESSED_PARTS_BYTES", 2 * 1024 * 1024, lambda v: v >= 0, "0 (none) or more"
)
# Bytes of calendar feeds' events each process keeps as iCalendar text, so that a feed makes only those it
# does not hold (events/calendar.py); 0 keeps none.
CALENDAR_EVENTS_BYTES = number("CALENDAR_EVENTS_BYTES", 1024 * 1024, lambda v: v >= 0, "0 (none) or more")
# How long an entry may stay unused before it is dropped (a write makes it unreachable at once anyway).
RESPONSE_CACHE_TIMEOUT = number("RESPONSE_CACHE_TIMEOUT", 3600, lambda v: v >= 0, "0 seconds (none) or more")
# How long clients and proxies may reuse a response without asking again (`Cache-Control: max-age`).
RESPONSE_MAX_AGE = number("RESPONSE_MAX_AGE", 30, lambda v: v >= 0, "0 seconds or more")
# Fast settings: a response is compressed once per cache entry, but a miss waits for it (see README).
GZIP_LEVEL = number("GZIP_LEVEL", 2, lambda v: 0 <= v <= 3, "0 to 3 (ISA-L's levels)")
BROTLI_QUALITY = number("BROTLI_QUALITY", 1, lambda v: 0 <= v <= 11, "0 to 11 (Brotli's qualities)")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Django 6's default for URL form fields (the admin), adopted now.
FORMS_URLFIELD_ASSUME_HTTPS = True

# Served under a path (a proxy's /mirror/…), the WSGI app takes it out of each request's path
# (spacedevs/script_name.py), and Django writes every link from the request. Not STATIC_URL's: Django
# prefixes a relative one with the script prefix of the moment it is first read, and WhiteNoise reads it as
# a worker boots, before any request ("/" for good).
SCRIPT_NAME = checked(
    "SCRIPT_NAME",
    os.environ.get("SCRIPT_NAME", ""),
    is_script_name,
    "a path like /mirror (no / at its end), or empty",
)
STATIC_URL = f"{SCRIPT_NAME}/static/"
WHITENOISE_STATIC_PREFIX = "/static/"  # what WhiteNoise finds in a request's path, past SCRIPT_NAME
STATIC_ROOT = os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STATIC_ROOT = Path(checked("STATIC_ROOT", STATIC_ROOT, str.strip, "a directory"))
# WhiteNoise's development mode: static files straight from the apps, no collectstatic (the browser test).
WHITENOISE_USE_FINDERS = switch("WHITENOISE_USE_FINDERS", False)
# Plain compressed storage, not the manifest one: tests render the browsable API without collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "spacedevs.static_storage.CompressedWhenChangedStorage"},
}
# Source maps, 7 of the 10 MB collected, are read by a browser's developer tools alone: compressing them was
# 7 of collectstatic's 12 s (bin/serve, the image's build).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# A public, read-only API: browser dashboards on any origin may read it (set CORS_ALLOWED_ORIGINS to narrow).
CORS_ALLOWED_ORIGINS = [
    checked(
        "CORS_ALLOWED_ORIGINS",
        origin,
        is_origin,
        "origins as browsers send them, comma-separated: like https://dashboard.example.org or "
        "http://127.0.0.1:8080 (in lower case, no default port, nothing after)",
    )
    for origin in items("CORS_ALLOWED_ORIGINS", [])
]
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

USE_X_FORWARDED_HOST = switch("USE_X_FORWARDED_HOST", False)
if switch("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Production switches, off for a local run: HTTPS only (the probes are answered before the redirect), HSTS,
# cookies over HTTPS only (the admin's). With production.env's (SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS and
# its two HSTS switches, SECURE_COOKIES), `check --deploy` finds nothing (README: Deploying).
SECURE_SSL_REDIRECT = switch("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = number("SECURE_HSTS_SECONDS", 0, lambda v: v >= 0, "0 (off) or more seconds")
SECURE_HSTS_INCLUDE_SUBDOMAINS = switch("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = switch("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = switch("SECURE_COOKIES", False)
# A form refused by the CSRF check gets JSON, as every error does (Django's page is HTML).
CSRF_FAILURE_VIEW = "spacedevs.api.errors.json_csrf_failure"
# The admin's messages stay on the server, with its session: a new API key is shown in one, and the default
# storage puts messages in a cookie (signed, not encrypted) that browsers and proxies keep or log.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# The admin (the only writer besides ingestion) can be left out of a deployment; its sign-in attempts are
# limited per address.
ADMIN_ENABLED = switch("ADMIN_ENABLED", True)
ADMIN_LOGIN_RATE = checked(
    "ADMIN_LOGIN_RATE",
    os.environ.get("ADMIN_LOGIN_RATE", "10/hour"),
    RATE.fullmatch,
    "like 10/hour (a count per second, minute, hour or day)",
)
# An admin's password (createsuperuser, the admin's own forms) is refused when it is short, common, all
# digits or like the user's name: the sign-in limit is no defence of one that is guessed at the first tries.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

REST_FRAMEWORK = {
    # A public, read-only API: nobody logs in to it, and its responses are the same for everyone (so they
    # do not vary by cookie, and caches may share them).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": [
        "spacedevs.api.renderers.FastJSONRenderer",
        "spacedevs.api.pages.PublicBrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "spacedevs.api.negotiation.NamedFormatNegotiation",
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
        "spacedevs.api.schema.served_under_script_name",
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
LOG_FORMAT = checked(
    "LOG_FORMAT", os.environ.get("LOG_FORMAT", "text"), ("text", "json").__contains__, "text or json"
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_LEVEL = checked(
    "LOG_LEVEL",
    os.environ.get("LOG_LEVEL", "INFO"),
    lambda level: level.upper() in LOG_LEVELS,
    f"one of {', '.join(LOG_LEVELS)} (in any case)",
).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "spacedevs.request_log.RequestIdFilter"},
        "as_client_error": {"()": "spacedevs.request_log.AsClientError"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "spacedevs.log_format.JSONFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "as_client_error"],
        },
        # For a command's lines, whose output (a report) is on stdout.
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Client errors are in the request lines already: Django's own lines only for server errors. A Host
        # header this server does not answer to (a scanner's, at every request), or a form past Django's
        # limits, is a client's 400 too, which Django logs as an ERROR with its traceback: a warning saying
        # what was refused (as_client_error, on the stdout handler), as a wrong ALLOWED_HOSTS would refuse
        # every request.
        "django.request": {"level": max(LOG_LEVEL, "ERROR", key=LOG_LEVELS.index)},
        # Django's own loggers at LOG_LEVEL too, through the root's handler alone (its defaults are INFO,
        # a console's for DEBUG and mail to ADMINS, of whom there are none): a refused CSRF token, say, is
        # a warning, and LOG_LEVEL=ERROR drops it.
        "django": {"level": LOG_LEVEL, "handlers": []},
        # sync_ll2's lines (ingest/management/commands/sync_ll2.py), apart from its report.
        "ingest.sync": {"handlers": ["stderr"], "propagate": False},
        # A line per outgoing request would bury a sync's own report.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
