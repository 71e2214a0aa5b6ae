"""Settings for Grassroots. Everything that differs between machines comes from the environment.

GRASSROOTS_DATABASE_URL  database (default: SQLite in WAL mode under var/)
GRASSROOTS_SECRET_KEY    secret key (default: generated once into var/secret_key)
GRASSROOTS_DEBUG         "1" for debug mode
GRASSROOTS_PORT          port of `grassroots serve` (default 8000)
GRASSROOTS_HTTPS         "1" when served behind TLS: secure cookies and HSTS
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("GRASSROOTS_HOME", BASE_DIR.parent.parent))
VAR_DIR = Path(os.environ.get("GRASSROOTS_VAR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """A stable key per installation: from the environment, else generated once and kept in var/."""
    if key := os.environ.get("GRASSROOTS_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Key for personal data encrypted at rest (ID numbers). Separate from SECRET_KEY so that rotating
# session keys never makes stored data unreadable.
DATA_KEY = os.environ.get("GRASSROOTS_DATA_KEY", SECRET_KEY)
DEBUG = _env_bool("GRASSROOTS_DEBUG")
HTTPS = _env_bool("GRASSROOTS_HTTPS")
PORT = int(os.environ.get("GRASSROOTS_PORT", "8000"))
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
    "grassroots.open311",
    "grassroots.cobuild",
    "grassroots.volunteers",
    "grassroots.venues",
    "grassroots.orglife",
    "grassroots.standards",
    "grassroots.dashboards",
    "grassroots.demo",
    "grassroots.h5",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "grassroots.core.middleware.RequestContextMiddleware",
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
# Lock the account whatever the IP (a distributed guess stays limited), and the account+IP pair, which is
# what axes.W006 asks for. An IP alone is never locked: a whole office shares one NAT address.
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
SESSION_IDLE_SECONDS = 30 * 60
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
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
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Uploads are never served as static files: every file with personal data goes through a scoped view.
MEDIA_URL = "/media-not-served/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Audit records are kept at least 180 days (Cybersecurity Law: 6 months).
AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("GRASSROOTS_AUDIT_RETENTION_DAYS", "365")))

# Resident one-time codes go through a pluggable sender; the default writes to the outbox and the log.
SMS_BACKEND = os.environ.get("GRASSROOTS_SMS_BACKEND", "grassroots.accounts.sms.OutboxSmsBackend")
# The address residents reach the site at: links in text messages (tracking, evaluation) start with it.
SITE_URL = os.environ.get("GRASSROOTS_SITE_URL", "http://localhost:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO" if not DEBUG else "DEBUG"},
    "loggers": {"django.db.backends": {"level": "INFO"}, "jieba": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
