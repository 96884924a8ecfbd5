"""The one settings module. Every value that differs per installation comes
from a RELAYDESK_* environment variable (see the README table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from relaydesk.config import data_dir, env_bool, env_int, env_list, env_str, secret_key

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("RELAYDESK_DEBUG", False)
ALLOWED_HOSTS = env_list("RELAYDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
BASE_URL = env_str("RELAYDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "relaydesk.core",
    "relaydesk.accounts",
    "relaydesk.tickets",
    "relaydesk.mail",
    "relaydesk.agent",
    "relaydesk.sla",
    "relaydesk.cmdb",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every response gets the site policy unless its view set a stricter one
    # (mail HTML and image previews send `default-src 'none'`).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user's language and time zone (over LocaleMiddleware's guess).
    "relaydesk.accounts.middleware.UserLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After authentication: sends a user with a temporary password to change it.
    "relaydesk.agent.middleware.TemporaryPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "relaydesk.urls"
WSGI_APPLICATION = "relaydesk.wsgi.application"
ASGI_APPLICATION = "relaydesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.static",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    default_url = f"sqlite:///{DATA_DIR / 'relaydesk.sqlite3'}"
    url = env_str("RELAYDESK_DATABASE_URL", default_url)
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock when a transaction starts, so that two
        # writers queue up instead of failing on a lock upgrade; WAL lets
        # readers go on while one of them writes.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

TASKS = {
    "default": {
        "BACKEND": env_str("RELAYDESK_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": [],
    }
}

IS_HTTPS = BASE_URL.startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = IS_HTTPS
CSRF_COOKIE_SECURE = IS_HTTPS
# TLS usually ends at a reverse proxy, which tells us the original scheme.
RELAYDESK_BEHIND_PROXY = env_bool("RELAYDESK_BEHIND_PROXY", False)
if RELAYDESK_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("RELAYDESK_SSL_REDIRECT", IS_HTTPS)
# Load balancers probe health over plain HTTP on the inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS cannot be taken back once browsers have seen it: off until an operator opts in.
SECURE_HSTS_SECONDS = env_int("RELAYDESK_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # only sent when HSTS is on; a desk has no subdomains
# Preloading is a promise to browser vendors that only an operator can make.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The last line against stored XSS (SECURITY.md 4): our pages load scripts, styles,
# fonts and images only from themselves and run no inline code, so anything that
# slipped past sanitising and escaping still cannot execute or phone home.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Sign-in and sessions ---------------------------------------------------------
LOGIN_URL = "agent:login"
LOGIN_REDIRECT_URL = "agent:dashboard"
# Sessions live in the database (any number of web processes share them). Without
# "remember me" the cookie ends with the browser, and the session on the server
# after RELAYDESK_SESSION_HOURS; with it, both last RELAYDESK_REMEMBER_ME_DAYS.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("RELAYDESK_SESSION_HOURS", 12) * 3600
RELAYDESK_REMEMBER_ME_DAYS = env_int("RELAYDESK_REMEMBER_ME_DAYS", 14)
# Failed sign-ins within the window: this many for one account (typed address,
# known or not), or for one client address, and further attempts are refused
# until the oldest failure leaves the window.
RELAYDESK_LOGIN_FAILURES_PER_ACCOUNT = env_int("RELAYDESK_LOGIN_FAILURES_PER_ACCOUNT", 5)
RELAYDESK_LOGIN_FAILURES_PER_ADDRESS = env_int("RELAYDESK_LOGIN_FAILURES_PER_ADDRESS", 20)
RELAYDESK_LOGIN_FAILURE_WINDOW_MINUTES = env_int("RELAYDESK_LOGIN_FAILURE_WINDOW_MINUTES", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("RELAYDESK_LOG_LEVEL", "INFO")},
}

# --- Relaydesk's own settings -------------------------------------------------
# Ticket numbers: "date_checksum" (YYYYMMDD + system id + daily counter + check
# digit, e.g. 2014020442000018) or "increment" (1, 2, 3 …).
RELAYDESK_TICKET_NUMBER_GENERATOR = env_str("RELAYDESK_TICKET_NUMBER_GENERATOR", "date_checksum")
RELAYDESK_SYSTEM_ID = env_int("RELAYDESK_SYSTEM_ID", 10)
# The tag put in subjects of outgoing mail and looked for in incoming ones.
RELAYDESK_TICKET_HOOK = env_str("RELAYDESK_TICKET_HOOK", "Ticket#")
# A lock untouched for this many minutes is released by the worker.
RELAYDESK_LOCK_TIMEOUT_MINUTES = env_int("RELAYDESK_LOCK_TIMEOUT_MINUTES", 60)
# The queues offered by an item's "Create ticket" (names; empty: every queue the
# agent may write in).
RELAYDESK_CMDB_TICKET_QUEUES = env_list("RELAYDESK_CMDB_TICKET_QUEUES", [])
# The worker counts as stale when it has not reported for this many seconds.
RELAYDESK_WORKER_STALE_SECONDS = env_int("RELAYDESK_WORKER_STALE_SECONDS", 120)

# --- Mail -------------------------------------------------------------------------
# Outgoing mail goes through SMTP when a host is configured; without one (the
# embedded default) it is written as files to <data dir>/outbox, so nothing is
# lost and an operator can read what would have been sent.
RELAYDESK_SMTP_HOST = env_str("RELAYDESK_SMTP_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if RELAYDESK_SMTP_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "outbox"
EMAIL_HOST = RELAYDESK_SMTP_HOST or "localhost"
EMAIL_PORT = env_int("RELAYDESK_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("RELAYDESK_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("RELAYDESK_SMTP_PASSWORD", "")
_SMTP_SECURITY = env_str("RELAYDESK_SMTP_SECURITY", "starttls" if EMAIL_PORT == 587 else "none")
EMAIL_USE_TLS = _SMTP_SECURITY == "starttls"
EMAIL_USE_SSL = _SMTP_SECURITY == "ssl"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("RELAYDESK_MAIL_FROM", "relaydesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A raw message above this size is stored and quarantined, never parsed.
RELAYDESK_MAIL_MAX_BYTES = env_int("RELAYDESK_MAIL_MAX_BYTES", 25 * 1024 * 1024)
# Parsing one message may take this long before it is quarantined instead.
RELAYDESK_MAIL_PARSE_SECONDS = env_int("RELAYDESK_MAIL_PARSE_SECONDS", 10)
# The queue (by name) for new mail that no queue address, mailgate --queue or
# account claims; empty: the oldest active queue with an address.
RELAYDESK_MAIL_DEFAULT_QUEUE = env_str("RELAYDESK_MAIL_DEFAULT_QUEUE", "")
# Automatic mails (acknowledgements, notifications) per recipient address and hour.
RELAYDESK_MAIL_AUTO_REPLY_LIMIT = env_int("RELAYDESK_MAIL_AUTO_REPLY_LIMIT", 10)
