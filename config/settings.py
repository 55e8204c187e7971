"""Wheelhouse settings: one module, read from environment variables.

With no variables at all it runs the embedded default: SQLite and local files under
``var/``, Celery tasks run eagerly in-process and a local-memory cache. ``DEBUG`` is off
unless set (``scripts/serve`` sets it), and with it off a ``SECRET_KEY`` is required.
Production sets ``DATABASE_URL``, ``REDIS_URL``, ``CELERY_BROKER_URL``,
``STORAGE_BACKEND=s3`` and friends.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    try:
        return default if value is None else int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    return default if value is None else [item.strip() for item in value.split(",") if item.strip()]


# --- core -----------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
VAR_DIR = Path(env("WHEELHOUSE_VAR_DIR", str(BASE_DIR / "var")))


def _installation_secret_key() -> str:
    """The embedded default's key: random, made once and kept in VAR_DIR (owner-only), so no
    two installations share one and operator commands need no environment. The production
    shape (DATABASE_URL: several processes, no shared disk) must set SECRET_KEY itself."""
    if env("DATABASE_URL"):
        raise ImproperlyConfigured(
            "Refusing to start without SECRET_KEY: DATABASE_URL is set (the production "
            "shape), and every process must share one key. Set SECRET_KEY.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        try:
            made = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            made = None
        if made is not None:
            with os.fdopen(made, "w") as out:
                out.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY") or _installation_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env("SITE_URL", "")  # public base URL, used in printed command lines
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS (README "Security"): off by default, as a plain-HTTP trial must work; a deployment
# behind TLS turns them on. Health probes of a load balancer may stay on plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served with ours (no CDN)
    "accounts",
    "registry",
    "uploads",
    "web",
]

MIDDLEWARE = [
    # pip and uv's reads (index, JSON API, files) without a session skip the rest of the stack.
    "registry.fastpath.IndexFastPath",
    "django.middleware.security.SecurityMiddleware",
    # A view stopped by an unreachable cache or database answers 503 (config/faults.py).
    "config.faults.ServiceUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
APPEND_SLASH = True

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- database ---------------------------------------------------------------------------
def _postgres_timeouts() -> dict:
    """libpq options bounding what an unreachable or stuck Postgres costs a request: the
    connection (``connect_timeout``), each statement (``statement_timeout``, on the server),
    and a connection whose packets stop being acknowledged (keepalives, ``tcp_user_timeout``).
    0 turns each off (a long ``migrate`` may need ``DATABASE_STATEMENT_TIMEOUT=0``)."""
    statement_ms = env_int("DATABASE_STATEMENT_TIMEOUT", 30) * 1000
    options = {"connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5),
               "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
               "keepalives_count": 3,
               "tcp_user_timeout": env_int("DATABASE_TCP_USER_TIMEOUT", 30) * 1000}
    if statement_ms:
        options["options"] = f"-c statement_timeout={statement_ms}"
    return options


DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    # Connections are kept for CONN_MAX_AGE seconds and checked before a request reuses one
    # (CONN_HEALTH_CHECKS), so a connection Postgres dropped (a restart, a failover) costs a
    # reconnect, never a 500.
    DATABASES = {"default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True)}
    if env_bool("DATABASE_PREPARED_STATEMENTS", True) and DATABASES["default"]["ENGINE"].endswith(
            "postgresql"):
        # Parameters bound by the server, and a statement run five times on a connection is
        # prepared: every upload repeats the same statements, and planning them each time
        # cost Postgres more than running them. Turn off behind a pooler in transaction mode
        # that does not track prepared statements (PgBouncer before 1.21).
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5)
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"].setdefault("OPTIONS", {}).update(_postgres_timeouts())
    if env("TEST_DATABASE_NAME"):  # lets two test runs share one Postgres server
        DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "wheelhouse.sqlite3",
            "OPTIONS": {
                # WAL and immediate transactions let the dev server and the in-process
                # validation share the file without "database is locked" errors.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

# --- cache ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.redis_cache.PooledRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "wh"),
            # A dead or hanging Redis costs a read this long at most, then is skipped for a
            # second (config/redis_cache.py); pages are built from the database meanwhile.
            "OPTIONS": {"socket_timeout": env_int("CACHE_TIMEOUT_MS", 500) / 1000,
                        "socket_connect_timeout": env_int("CACHE_TIMEOUT_MS", 500) / 1000},
        }
    }
else:
    # Every process of a deployment drops cached pages in the cache the web reads: a command
    # or worker with the web's database but without its Redis would leave the web's pages
    # stale for up to a day (registry/cache.py). So a shared database needs REDIS_URL, unless
    # LOCAL_CACHE_ONLY=1 says that no process of the deployment uses Redis (then each read
    # checks the database, and no page can be stale).
    if DATABASE_URL and not env_bool("LOCAL_CACHE_ONLY", False):
        raise ImproperlyConfigured(
            "DATABASE_URL is set but REDIS_URL is not: run every web process, worker and "
            "manage.py command with the same REDIS_URL (cached pages would stay stale "
            "otherwise), or set LOCAL_CACHE_ONLY=1 if no process of this deployment uses "
            "Redis.")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The index trusts cached project facts (no SQL on a hit) only when every process shares the
# cache: a write from another process (a management command, another worker) cannot reach a
# local-memory cache, so there each read checks the project row.
INDEX_CACHE_SHARED = REDIS_URL is not None

# Retry-After (seconds) of the 503 answered while the cache or the database is unreachable.
FAULT_RETRY_AFTER_SECONDS = env_int("FAULT_RETRY_AFTER_SECONDS", 10)

# --- celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker process died (SIGKILL, the kernel's OOM killer) goes back to the queue
# (uploads.tasks counts the deliveries of an upload and fails it after a few). A message a
# dead worker had taken returns after the visibility timeout, which must outlast a task's
# time limit, or a task still running would be delivered again; a retry of the upload does
# not wait for that (uploads.takeover).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT",
                                  env_int("CELERY_TASK_TIME_LIMIT", 300) + 60),
    "socket_timeout": 5, "socket_connect_timeout": 2,
}
# Publishing a task to an unreachable broker fails in about a second (the upload answers
# 503), instead of retrying for long.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0,
                                    "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 30, 10)
# A worker that parsed a hostile archive is recycled before its memory grows (KiB).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 512 * 1024)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "wheelhouse")
# Celery's Django fixup closes the database connection around every task unless this is set;
# a new Postgres connection per upload cost more than validating it. Connections are still
# dropped when too old or broken (uploads.worker runs Django's check before each task).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# Run by ``celery -A config beat`` (one per deployment).
CELERY_BEAT_SCHEDULE = {
    "expire-stale-uploads": {"task": "uploads.tasks.expire_stale_uploads",
                             "schedule": env_int("UPLOAD_EXPIRE_EVERY_SECONDS", 600)},
}

# --- storage ----------------------------------------------------------------------------
STORAGE_BACKEND = env("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "local":
    _files_backend = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "files"},
    }
    _staging_backend = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "staging"},
    }
elif STORAGE_BACKEND == "s3":
    _s3_options = {
        "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
        "region_name": env("AWS_S3_REGION_NAME"),
        "access_key": env("AWS_ACCESS_KEY_ID"),
        "secret_key": env("AWS_SECRET_ACCESS_KEY"),
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300),
    }
    if not _s3_options["bucket_name"]:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    _files_backend = {
        "BACKEND": "registry.s3.DistributionS3Storage",
        # Download links are signed for the address clients reach the store at, when the
        # web processes use another one (http://minio:9000 inside a compose network).
        "OPTIONS": {**_s3_options, "location": "files",
                    "public_endpoint_url": env("AWS_S3_PUBLIC_ENDPOINT_URL")},
    }
    _staging_backend = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3_options, "location": "staging"},
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', got {STORAGE_BACKEND!r}")

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
WHITENOISE_USE_FINDERS = DEBUG  # static files straight from the apps while developing
STORAGES = {
    "default": _files_backend,
    "distributions": _files_backend,
    "staging": _staging_backend,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Served by nginx when set: file downloads answer with X-Accel-Redirect under this prefix.
ACCEL_REDIRECT_PREFIX = env("ACCEL_REDIRECT_PREFIX")

# --- uploads ----------------------------------------------------------------------------
FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload streams to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # the text fields of a form
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR")
UPLOAD_MAX_FILE_SIZE = env_int("UPLOAD_MAX_FILE_SIZE", 100 * 1024 * 1024)
UPLOAD_MAX_FILE_SIZE_CAP = env_int("UPLOAD_MAX_FILE_SIZE_CAP", 1024 * 1024 * 1024)
UPLOAD_MAX_PROJECT_SIZE = env_int("UPLOAD_MAX_PROJECT_SIZE", 10 * 1024 * 1024 * 1024)
UPLOAD_MAX_ORG_SIZE = env_int("UPLOAD_MAX_ORG_SIZE", 100 * 1024 * 1024 * 1024)
UPLOAD_WAIT_SECONDS = env_int("UPLOAD_WAIT_SECONDS", 60)
# After the wait bound the client gets 503 with this Retry-After (seconds).
UPLOAD_RETRY_AFTER_SECONDS = env_int("UPLOAD_RETRY_AFTER_SECONDS", 60)
# Address space of each Celery worker process (bytes; 0 = unlimited). Never the web process.
UPLOAD_WORKER_MEMORY_LIMIT = env_int("UPLOAD_WORKER_MEMORY_LIMIT", 2 * 1024 * 1024 * 1024)

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # JSON only, whatever the browser asks for: the interactive docs are at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "accounts.api.schema.WheelhouseAutoSchema",
    "EXCEPTION_HANDLER": "accounts.api.common.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wheelhouse management API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {"VisibilityEnum": "accounts.api.serializers.VISIBILITIES"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "wheelhouse@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# --- rate limits (in the cache: Redis in production, local memory by default) -------------
# name: (requests, window in seconds), per client IP (per user for project creation).
RATE_LIMITS = {
    "login": (env_int("RATE_LIMIT_LOGIN", 20), 300),
    "signup": (env_int("RATE_LIMIT_SIGNUP", 10), 3600),
    "project_create": (env_int("RATE_LIMIT_PROJECT_CREATE", 60), 3600),
}

# --- sign-up and email verification (accounts.signup, accounts.verification) ----------------
# closed: accounts only through an invitation sent to an email address (the default);
# domains: also addresses at SIGNUP_ALLOWED_DOMAINS; open: anyone.
SIGNUP_POLICY = env("SIGNUP_POLICY", "closed")
SIGNUP_ALLOWED_DOMAINS = [d.lower() for d in env_list("SIGNUP_ALLOWED_DOMAINS", [])]
if SIGNUP_POLICY not in {"closed", "domains", "open"}:
    raise ImproperlyConfigured(
        f"SIGNUP_POLICY must be 'closed', 'domains' or 'open', got {SIGNUP_POLICY!r}")
if SIGNUP_POLICY == "domains" and not SIGNUP_ALLOWED_DOMAINS:
    raise ImproperlyConfigured("SIGNUP_POLICY=domains needs SIGNUP_ALLOWED_DOMAINS "
                               "(comma-separated, e.g. example.com,example.org).")
RATE_LIMITS["verification_email"] = (env_int("RATE_LIMIT_VERIFICATION_EMAIL", 10), 3600)

# --- client addresses behind reverse proxies --------------------------------------------------
# How many reverse proxies in front of the web processes append to X-Forwarded-For (nginx with
# `proxy_add_x_forwarded_for` is one; a CDN in front of it makes two). 0: the header is
# ignored and the peer address is the client, as it must be when clients connect directly
# (they could write any X-Forwarded-For). Rate limits, token use and audit events read it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- password reset rate limit (per client address, like "login") ---------------------------
# Requests for a reset mail and new passwords set from a reset link, together.
RATE_LIMITS["password_reset"] = (env_int("RATE_LIMIT_PASSWORD_RESET", 10), 3600)

# --- upstream indexes (registry.upstream) ------------------------------------------------
# Simple index URLs every org without upstreams of its own proxies names from, in order
# (comma-separated). None is built in: PyPI only when the operator names its simple URL.
UPSTREAM_DEFAULT_URLS = env_list("UPSTREAM_DEFAULT_URLS", [])
UPSTREAM_PAGE_TTL = env_int("UPSTREAM_PAGE_TTL", 600)  # seconds an upstream page is fresh
UPSTREAM_CONNECT_TIMEOUT = env_int("UPSTREAM_CONNECT_TIMEOUT", 3)
UPSTREAM_READ_TIMEOUT = env_int("UPSTREAM_READ_TIMEOUT", 15)
# After this many failures in a row an upstream is skipped for the cool-down (seconds).
UPSTREAM_BREAKER_FAILURES = env_int("UPSTREAM_BREAKER_FAILURES", 3)
UPSTREAM_BREAKER_COOLDOWN = env_int("UPSTREAM_BREAKER_COOLDOWN", 30)
UPSTREAM_CACHE_MAX_BYTES = env_int("UPSTREAM_CACHE_MAX_BYTES", 20 * 1024 * 1024 * 1024)
UPSTREAM_CREDENTIALS_KEY = env("UPSTREAM_CREDENTIALS_KEY")  # a Fernet key; else from SECRET_KEY
# Upstreams added by org admins (API, web UI) may not lead to loopback, private or link-local
# addresses; the operator's (manage.py upstream, UPSTREAM_DEFAULT_URLS, the admin) may.
UPSTREAM_BLOCK_PRIVATE_NETWORKS = env_bool("UPSTREAM_BLOCK_PRIVATE_NETWORKS", True)
CELERY_BEAT_SCHEDULE["evict-upstream-cache"] = {
    "task": "registry.upstream.tasks.evict_upstream_cache",
    "schedule": env_int("UPSTREAM_EVICT_EVERY_SECONDS", 900),
}
