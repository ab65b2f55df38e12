"""Settings for factcheck, all read from the environment (see .env.example)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def read_env_file(path: Path) -> None:
    """Load NAME=value lines from a .env file into os.environ; the real environment wins.

    Blank lines and # comments are skipped; values are taken as written (no quoting rules).
    """
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        os.environ.setdefault(name.strip(), value.strip())


# .env.example says: copy it to .env. Tests never read one (settings_test sets ENV_FILE="").
read_env_file(Path(os.environ.get("ENV_FILE", BASE_DIR / ".env")))


def envbool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = "insecure-development-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "simple_history",
    "csp",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "articles.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "articles.middleware.RequestTooBigMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "articles.middleware.DatabaseUnavailableMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading the editors group with the user: articles/auth.py.
    "articles.auth.EditorAwareModelBackend",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

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
                "articles.context_processors.roles",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL selects PostgreSQL (psycopg 3).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the import worker write to one SQLite file: a transaction takes
    # the write lock when it begins, waiting for it, instead of failing at once ("database
    # is locked") when a read turns into a write while the other process holds it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions in the database (every web process sees a logout at once), read without the
# ORM building the query each request: articles/sessions.py.
SESSION_ENGINE = "articles.sessions"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "articles:story_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# Uploads: a version file may be at most this many bytes (documented in README). Imports
# run in the background worker (``manage.py import_worker``), not in the request.
VERSION_UPLOAD_MAX_BYTES = envint("VERSION_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# The worker aligns the new version with each other version of its story; one pair's
# characters (both texts) may add up to this many, which bounds the worker's memory:
# a pair of 1M-word texts is about 12 million characters (documented in README).
IMPORT_ALIGN_MAX_CHARS = envint("IMPORT_ALIGN_MAX_CHARS", 16_000_000)
# A running import writes a heartbeat every IMPORT_HEARTBEAT_SECONDS; one silent for
# IMPORT_LEASE_SECONDS lost its worker (killed, restarted) and is run again, at most
# IMPORT_MAX_ATTEMPTS times in all.
IMPORT_HEARTBEAT_SECONDS = envint("IMPORT_HEARTBEAT_SECONDS", 5)
IMPORT_LEASE_SECONDS = envint("IMPORT_LEASE_SECONDS", 60)
IMPORT_MAX_ATTEMPTS = envint("IMPORT_MAX_ATTEMPTS", 3)
# How often the story page asks how an import is going (ms).
IMPORT_POLL_MS = envint("IMPORT_POLL_MS", 1000)
# A pasted text travels in the form body: room for a paste a little over the limit, so the
# form itself can say it is too long (and keep the other fields); beyond that,
# RequestTooBigMiddleware answers with a page that says what to do. Files are streamed to
# a temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE, not held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = VERSION_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# Background work: django-tasks (the backport of Django 6.0's tasks framework) with its
# database backend, so jobs live in the app's own database, SQLite or PostgreSQL.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Reverse proxies in front of the app (nginx in docker-compose.yml: 1). Only then are
# X-Forwarded-For and X-Forwarded-Proto believed: without a proxy any client could send them.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", envint("AXES_PROXY_COUNT", 0))

# Behind TLS in production (DEBUG off): secure cookies and HSTS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: no inline script or style anywhere; htmx is configured (meta
# htmx-config) not to inject styles or evaluate code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login throttling (django-axes, attempts kept in the database so every web process
# sees them): lock a username from an address after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind proxies, the client's address is the one the nearest trusted proxy appended to
# X-Forwarded-For; otherwise every client would share the proxy's address, and lock-outs.
AXES_CLIENT_IP_CALLABLE = "articles.middleware.client_ip"

# The newsroom that publishes fact-checks: the author of their ClaimReview markup. Name,
# home page (http/https) and logo (an absolute URL, or a path on this site such as
# /static/img/logo.png) are all required before a story's fact-check can be published.
FACTCHECK_ORGANISATION = os.environ.get("FACTCHECK_ORGANISATION", "")
FACTCHECK_ORGANISATION_URL = os.environ.get("FACTCHECK_ORGANISATION_URL", "")
FACTCHECK_ORGANISATION_LOGO = os.environ.get("FACTCHECK_ORGANISATION_LOGO", "")

# How often an open page asks whether other reviewers changed something (ms).
LIVE_POLL_MS = envint("LIVE_POLL_MS", 3000)
# Push: reading views also open /versions/<id>/events/ (server-sent events), which an ASGI
# server (uvicorn factcheck.asgi:application) serves from PostgreSQL's LISTEN/NOTIFY.
# Only where something routes that path to it (deploy/nginx.conf, docker-compose.yml);
# ignored on SQLite. The poll stays: it carries presence and catches up after a drop.
LIVE_PUSH = envbool("LIVE_PUSH", False)
# How long one event stream stays open before the browser reconnects (and is let in again).
LIVE_STREAM_SECONDS = envint("LIVE_STREAM_SECONDS", 300)
# While its stream is open a page polls this often instead (ms): the stream brings every
# change, the poll says the page is still here and brings who else is (presence).
LIVE_STREAM_POLL_MS = envint("LIVE_STREAM_POLL_MS", 15000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's default config gives "django" a console handler of its own when DEBUG
        # is on; it also propagates to root, so every line printed twice. One handler: root's.
        "django": {"handlers": [], "level": os.environ.get("LOG_LEVEL", "INFO")},
    },
}
