"""Settings for Grassroots. Everything that differs between machines comes from the environment.

GRASSROOTS_DATABASE_URL  database (default: SQLite in WAL mode under var/)
GRASSROOTS_SECRET_KEY    secret key (default: generated once into var/secret_key)
GRASSROOTS_DATA_KEY      key of personal data at rest (default: generated once into var/data_key)
GRASSROOTS_DATA_KEYS_OLD previous data keys, comma-separated (also var/data_keys_old, one a line)
GRASSROOTS_LOOKUP_KEY    key of the lookup hashes (default: var/lookup_key)
GRASSROOTS_DEBUG         "1" for debug mode
GRASSROOTS_PORT          port of `grassroots serve` (default 8000)
GRASSROOTS_HTTPS         "1" when served behind TLS: secure cookies and HSTS
Operations (core/runtime.py, core/health.py, core/metrics.py): GRASSROOTS_HEARTBEAT_SECONDS,
GRASSROOTS_STALE_SECONDS, GRASSROOTS_SCHEDULER_LEASE_SECONDS, GRASSROOTS_MIN_FREE_MB,
GRASSROOTS_METRICS, GRASSROOTS_LOG_JSON, GRASSROOTS_OUTBOX_MAX_ATTEMPTS, GRASSROOTS_OUTBOX_RETRY_SECONDS
"""

from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("GRASSROOTS_HOME", BASE_DIR.parent.parent))
VAR_DIR = Path(os.environ.get("GRASSROOTS_VAR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Process heartbeats on SQLite (core/runtime.py) live in VAR_DIR/run unless this names another
# directory: concurrent test workers sharing one var dir keep their processes' heartbeats apart.
RUN_DIR = Path(os.environ["GRASSROOTS_RUN_DIR"]) if os.environ.get("GRASSROOTS_RUN_DIR") else None


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


# An installation that ran before keys were separate: its personal data was encrypted (and its lookup
# hashes keyed) with GRASSROOTS_DATA_KEY, which defaulted to the secret key.
_EXISTING_INSTALL = (
    (VAR_DIR / "secret_key").exists()
    or "GRASSROOTS_SECRET_KEY" in os.environ
    or (VAR_DIR / "grassroots.sqlite3").exists()
)
# Notes for the log once logging is set up (core.apps): what the key setup below did.
KEY_NOTICES: list[str] = []


def _key_file(name: str, make) -> str:
    """The key kept in var/<name>, created once (mode 0600). Written to a temporary file and hard-linked
    into place, so processes starting together (test workers, several servers) all read the same key."""
    path = VAR_DIR / name
    if not path.exists():
        tmp = VAR_DIR / f".{name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            tmp.unlink()
    return path.read_text().strip()


def _old_data_keys() -> list[str]:
    keys = [k.strip() for k in os.environ.get("GRASSROOTS_DATA_KEYS_OLD", "").split(",") if k.strip()]
    path = VAR_DIR / "data_keys_old"
    if path.exists():
        keys += [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    return keys


def _data_keys() -> tuple[str, list[str], str]:
    """(data key, old data keys, lookup key), see core/crypto.py and docs/DEPLOY.md "Keys".

    The data key encrypts personal data at rest; it never comes from the secret key: from
    GRASSROOTS_DATA_KEY, else generated once into var/data_key. Old keys (GRASSROOTS_DATA_KEYS_OLD,
    comma-separated, and var/data_keys_old, one per line) still decrypt until `grassroots
    rotate_data_key` has re-encrypted everything. The lookup key keys the hashes used to find a
    member by ID number or a resident by phone; it stays fixed (a resident's phone is stored only as
    its hash, so it cannot be re-hashed): GRASSROOTS_LOOKUP_KEY, else var/lookup_key.
    """
    legacy = (os.environ.get("GRASSROOTS_DATA_KEY") or _secret_key()) if _EXISTING_INSTALL else ""
    upgrading = _EXISTING_INSTALL and not (VAR_DIR / "lookup_key").exists()
    if "GRASSROOTS_LOOKUP_KEY" in os.environ:
        lookup = os.environ["GRASSROOTS_LOOKUP_KEY"]
    elif upgrading:
        # Keep the hashes already stored valid: the old effective key becomes the fixed lookup key.
        lookup = _key_file("lookup_key", lambda: legacy)
        KEY_NOTICES.append("existing installation: var/lookup_key keeps the previous lookup-hash key")
    else:
        lookup = _key_file("lookup_key", lambda: secrets.token_urlsafe(50))
    if key := os.environ.get("GRASSROOTS_DATA_KEY"):
        return key, _old_data_keys(), lookup
    if upgrading and not (VAR_DIR / "data_key").exists():
        # Data encrypted with the secret-key default stays readable through the old-keys list.
        fd = os.open(VAR_DIR / "data_keys_old", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as fh:
            fh.write(f"# previous data key (the secret key), kept {date.today():%Y-%m-%d}\n{legacy}\n")
        KEY_NOTICES.append(
            "existing installation: generated var/data_key and kept the previous key (the secret key) in "
            "var/data_keys_old so that stored personal data stays readable; run `grassroots "
            "rotate_data_key` to re-encrypt it with the new key"
        )
    return _key_file("data_key", lambda: secrets.token_urlsafe(50)), _old_data_keys(), lookup


def _secret_key() -> str:
    """A stable key per installation: from the environment, else generated once and kept in var/."""
    if key := os.environ.get("GRASSROOTS_SECRET_KEY"):
        return key
    return _key_file("secret_key", lambda: secrets.token_urlsafe(50))


# The data keys before the secret key: a process starting beside a fresh install's first one then never
# mistakes it for an existing installation (secret key present, lookup key not yet).
DATA_KEY, DATA_KEYS_OLD, DATA_LOOKUP_KEY = _data_keys()
SECRET_KEY = _secret_key()
DEBUG = _env_bool("GRASSROOTS_DEBUG")
HTTPS = _env_bool("GRASSROOTS_HTTPS")
PORT = _env_int("GRASSROOTS_PORT", 8000)
ALLOWED_HOSTS = [h for h in os.environ.get("GRASSROOTS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GRASSROOTS_CSRF_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "treebeard",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "grassroots.core",
    "grassroots.accounts",
    "grassroots.regions",
    "grassroots.units",
    "grassroots.party",
    "grassroots.people",
    "grassroots.grids",
    "grassroots.cases",
    "grassroots.notifications",
    "grassroots.whistle",
    "grassroots.outreach",
    "grassroots.linkage",
    "grassroots.open311",
    "grassroots.cobuild",
    "grassroots.volunteers",
    "grassroots.venues",
    "grassroots.orglife",
    "grassroots.merit",
    "grassroots.recruitment",
    "grassroots.emergency",
    "grassroots.standards",
    "grassroots.dashboards",
    "grassroots.demo",
    "grassroots.h5",
    "grassroots.deliberation",
    "grassroots.redproperty",
    "grassroots.proactive",
    "grassroots.onewindow",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "grassroots.core.middleware.RequestContextMiddleware",
    "grassroots.core.metrics.MetricsMiddleware",
    "grassroots.core.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "grassroots.core.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "grassroots.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grassroots.urls"
WSGI_APPLICATION = "grassroots.wsgi.application"

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
                "grassroots.core.context_processors.navigation",
                "grassroots.h5.context_processors.page_base",
            ],
        },
    }
]

DEFAULT_DB = f"sqlite:///{VAR_DIR / 'grassroots.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("GRASSROOTS_DATABASE_URL", DEFAULT_DB))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE transactions take the write lock up front so
    # concurrent writers queue (busy timeout) instead of failing with "database is locked" mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file in the (private) var dir, not a shared-cache memory database: tests of
    # concurrent writers need SQLite's real locking (shared-cache memory fails with "table is
    # locked" instead of waiting).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_grassroots.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Names the process in pg_stat_activity (web / worker / scheduler, set by `grassroots serve`).
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault(
            "application_name", f"grassroots-{os.environ.get('GRASSROOTS_ROLE', 'cli')}"
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "grassroots.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "grassroots.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# MLPS 2.0 identity controls (SECURITY.md): lock 15 minutes after 5 failures, idle logout 30 minutes,
# re-login after 12 hours.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Lock the (account, IP) pair only: an attacker's failures from one address never lock the real user out
# from another. Guessing from one address across many accounts is refused by the per-IP failure limit
# (LOGIN_FAILURES_PER_IP, accounts.throttle); an IP is refused for a while, never locked for good, since a
# whole office shares one NAT address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The same client address as everywhere else (X-Forwarded-For only when USE_X_FORWARDED_FOR is set), so
# axes' (username, IP) lock and the per-IP limit in accounts.throttle count the same address.
AXES_CLIENT_IP_CALLABLE = "grassroots.core.middleware.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
SESSION_IDLE_SECONDS = 30 * 60
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "grassroots.core.error_views.csrf_failure"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and _env_bool("GRASSROOTS_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "grassroots.core.staticstorage.StaticStorage"},
}
# Without `collectstatic` (a fresh var dir) WhiteNoise serves the app static folders directly and the
# storage hands out unhashed names (core/staticstorage.py), so pages still work.
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()
# Several web nodes share uploads through one directory (NFS or similar) mounted on every node.
MEDIA_ROOT = Path(os.environ.get("GRASSROOTS_MEDIA_ROOT", VAR_DIR / "media"))
# Uploads are never served as static files: every file with personal data goes through a scoped view.
MEDIA_URL = "/media-not-served/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Scale-out (docs/DEPLOY.md): with GRASSROOTS_REDIS_URL the cache, sessions and login throttling live in
# Redis, shared by every web node; GRASSROOTS_TASK_QUEUE=redis also moves background tasks to an RQ queue
# in that Redis (workers: `grassroots rqworker default --job-class django_tasks_rq.backend.Job`).
# Without them everything stays embedded.
REDIS_URL = os.environ.get("GRASSROOTS_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("GRASSROOTS_CACHE_PREFIX", "grassroots"),
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    if os.environ.get("GRASSROOTS_TASK_QUEUE", "db") == "redis":
        INSTALLED_APPS.append("django_rq")
        RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
        TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}

# Audit records are kept at least 180 days (Cybersecurity Law: 6 months).
AUDIT_RETENTION_DAYS = max(180, _env_int("GRASSROOTS_AUDIT_RETENTION_DAYS", 365))
# Excel exports above this many rows are written by the task worker (core/exports.py)
EXPORT_SYNC_LIMIT = max(1, _env_int("GRASSROOTS_EXPORT_SYNC_LIMIT", 2000))

# Outgoing SMS / WeChat template messages (core.senders): per channel the dotted path of a callable
# `send(message)` that raises on failure. The defaults send nothing: SMS go to accounts.SmsOutbox and the
# log, WeChat messages to the log.
GRASSROOTS_SENDERS = {
    "sms": os.environ.get("GRASSROOTS_SMS_SENDER", "grassroots.accounts.sms.outbox_sender"),
    "wechat": os.environ.get("GRASSROOTS_WECHAT_SENDER", "grassroots.core.senders.log_sender"),
}
# The address residents reach the site at: links in text messages (tracking, evaluation) start with it.
SITE_URL = os.environ.get("GRASSROOTS_SITE_URL", "http://localhost:8000").rstrip("/")

# Operations (core/runtime.py): heartbeats of workers, scheduler and running jobs, and the window after
# which a silent one counts as dead (its job is marked failed, /healthz reports the worker down).
HEARTBEAT_SECONDS = float(os.environ.get("GRASSROOTS_HEARTBEAT_SECONDS", "10"))
JOB_STALE_SECONDS = float(os.environ.get("GRASSROOTS_STALE_SECONDS", "120"))
SCHEDULER_LEASE_SECONDS = float(os.environ.get("GRASSROOTS_SCHEDULER_LEASE_SECONDS", "90"))
# /healthz reports the var dir unhealthy below this much free space.
HEALTH_MIN_FREE_MB = _env_int("GRASSROOTS_MIN_FREE_MB", 500)
# GET /metrics (Prometheus text format) answers only when enabled.
METRICS_ENABLED = _env_bool("GRASSROOTS_METRICS")
# Failed SMS / WeChat sends: retried with exponential backoff (first delay, doubling) up to this many
# attempts, then left failed for administrators (notifications: 外发失败).
OUTBOX_MAX_ATTEMPTS = _env_int("GRASSROOTS_OUTBOX_MAX_ATTEMPTS", 5)
OUTBOX_RETRY_SECONDS = _env_int("GRASSROOTS_OUTBOX_RETRY_SECONDS", 60)
LOG_JSON = _env_bool("GRASSROOTS_LOG_JSON")

# Abuse limits (issue 14). Operations settings, overridable from the environment.
# Images: the pixel count is read from the header and refused above this before any decoding.
UPLOAD_MAX_PIXELS = _env_int("GRASSROOTS_UPLOAD_MAX_PIXELS", 40_000_000)
# Anonymous uploads (the resident report form) per client IP and hour: submissions carrying files, files.
UPLOAD_ANON_SUBMISSIONS_PER_HOUR = _env_int("GRASSROOTS_UPLOAD_ANON_SUBMISSIONS_PER_HOUR", 10)
UPLOAD_ANON_FILES_PER_HOUR = _env_int("GRASSROOTS_UPLOAD_ANON_FILES_PER_HOUR", 30)
# Resident login codes: per client IP (hour and day), per phone (minute and day), whole platform per day.
SMS_CODES_PER_IP_HOUR = _env_int("GRASSROOTS_SMS_CODES_PER_IP_HOUR", 5)
SMS_CODES_PER_IP_DAY = _env_int("GRASSROOTS_SMS_CODES_PER_IP_DAY", 10)
SMS_CODES_PER_PHONE_MINUTE = _env_int("GRASSROOTS_SMS_CODES_PER_PHONE_MINUTE", 1)
SMS_CODES_PER_PHONE_DAY = _env_int("GRASSROOTS_SMS_CODES_PER_PHONE_DAY", 10)
SMS_CODES_PER_DAY = _env_int("GRASSROOTS_SMS_CODES_PER_DAY", 2000)
# Password logins: failures per client IP in a sliding quarter hour before the IP is refused for a while
# (any username); the account itself is only locked for the (username, IP) pair, see AXES_* above.
LOGIN_FAILURES_PER_IP = _env_int("GRASSROOTS_LOGIN_FAILURES_PER_IP", 20)
LOGIN_IP_WINDOW_SECONDS = _env_int("GRASSROOTS_LOGIN_IP_WINDOW_SECONDS", 15 * 60)
# Absolute session lifetime from login, never extended by activity.
SESSION_ABSOLUTE_SECONDS = _env_int("GRASSROOTS_SESSION_ABSOLUTE_SECONDS", 12 * 3600)
# API tokens expire after this many days unless a shorter lifetime is asked for.
API_TOKEN_DEFAULT_DAYS = _env_int("GRASSROOTS_API_TOKEN_DEFAULT_DAYS", 90)
# Signed attachment links (no-login pages): lifetime in seconds; links are bound to the viewer.
ATTACHMENT_LINK_SECONDS = _env_int("GRASSROOTS_ATTACHMENT_LINK_SECONDS", 600)
# A case's tracking link stops working this many days after the case is closed.
CASE_TRACKING_DAYS_AFTER_CLOSE = _env_int("GRASSROOTS_CASE_TRACKING_DAYS_AFTER_CLOSE", 90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "grassroots.core.logs.JsonFormatter"},
    },
    "filters": {"request_id": {"()": "grassroots.core.logs.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO" if not DEBUG else "DEBUG"},
    "loggers": {"django.db.backends": {"level": "INFO"}, "jieba": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50

# Base map under every place-finding map (issue 15). Kind `none` (boundaries only, the offline
# drawing), `xyz` (an internal GIS server: GRASSROOTS_MAP_TILE_URL with {z}/{x}/{y} and optional {s}
# among GRASSROOTS_MAP_TILE_SUBDOMAINS) or `tianditu` (天地图 vec_w + cva_w over WMTS KVP with the
# city's key). GRASSROOTS_MAP_TILE_CRS says which system the tiles are drawn in: `wgs84` (天地图,
# CGCS2000) or `gcj02`; data stays WGS-84 and is converted only when drawn and when tapped.
MAP_TILE_KIND = os.environ.get("GRASSROOTS_MAP_TILES", "none").strip().lower()
MAP_TILE_URL = os.environ.get("GRASSROOTS_MAP_TILE_URL", "").strip()
MAP_TILE_SUBDOMAINS = os.environ.get("GRASSROOTS_MAP_TILE_SUBDOMAINS", "").strip()
MAP_TIANDITU_KEY = os.environ.get("GRASSROOTS_TIANDITU_KEY", "").strip()
MAP_ATTRIBUTION = os.environ.get("GRASSROOTS_MAP_ATTRIBUTION", "").strip()
MAP_MAX_ZOOM = _env_int("GRASSROOTS_MAP_MAX_ZOOM", 18)
MAP_TILE_CRS = os.environ.get("GRASSROOTS_MAP_TILE_CRS", "wgs84").strip().lower()
