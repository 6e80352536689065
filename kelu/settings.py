"""Kelu's one settings file: every deployment difference comes from KELU_* environment variables.

The defaults run a single machine on SQLite under ``./var``; the same code serves PostgreSQL and Redis when
their URLs are given (see docs/deploy.md).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DATA_DIR = Path(env.str("KELU_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DEBUG = env.bool("KELU_DEBUG", default=False)
TESTING = env.bool("KELU_TESTING", default=False)


def _secret_key_from_data_dir(data_dir: Path) -> str:
    """Read the key generated on first start, creating it atomically so parallel processes agree on one key."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env.str("KELU_SECRET_KEY", default="") or _secret_key_from_data_dir(DATA_DIR)

ALLOWED_HOSTS = env.list("KELU_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# The public address of this installation, used in emails (password reset) instead of the request's Host header.
SITE_URL = env.str("KELU_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("KELU_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "kelu.core",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "simple_history",
    "kelu.accounts",
    "kelu.customers",
    "kelu.search",
    "kelu.quality",
    "kelu.exports",
    "kelu.transfer",
    "kelu.activities",
    "kelu.followups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kelu.core.middleware.PageLoginRequiredMiddleware",
    "kelu.accounts.audit.AuditRequestMiddleware",
    "kelu.core.middleware.ReadOnlyRoleMiddleware",
    "kelu.accounts.two_factor.TwoFactorMiddleware",
    "kelu.accounts.middleware.UserPreferencesMiddleware",
    "kelu.core.configuration.ConfigurationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its 429 page
]

ROOT_URLCONF = "kelu.urls"
FORM_RENDERER = "kelu.core.forms.FormRenderer"
WSGI_APPLICATION = "kelu.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        # Django's backend, freeing each page's context once rendered (kelu/core/rendering.py); named "django" as
        # template_partials looks for it.
        "BACKEND": "kelu.core.rendering.FreeingDjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "kelu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------------------------
# SQLite: WAL lets readers run beside the writer; IMMEDIATE transactions take the write lock up front so two writers
# queue on the busy timeout instead of failing with "database is locked" when a read lock cannot be upgraded.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-64000; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
    ),
}
# An empty KELU_DATABASE_URL counts as unset.
DATABASES = {
    "default": env.db_url_config(os.environ.get("KELU_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kelu.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background tasks -------------------------------------------------------------------------------------
REDIS_URL = env.str("KELU_REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
if TESTING:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}

# --- Authentication -------------------------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after KELU_LOGIN_FAILURES failures an account, and separately an address, is
# locked for KELU_LOCKOUT_MINUTES; the page says the same whether or not the account exists.
# kelu.accounts.backends.UserBackend is ModelBackend reading the role and the authenticator along with the user.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "kelu.accounts.backends.UserBackend"]
AXES_FAILURE_LIMIT = env.int("KELU_LOGIN_FAILURES", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("KELU_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "kelu.accounts.audit.client_ip"  # X-Forwarded-For only behind a configured proxy
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Kelu 客录"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env.int("KELU_SESSION_AGE", default=14 * 24 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------------------------------------
LANGUAGE_CODE = env.str("KELU_LANGUAGE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kelu" / "locale"]
TIME_ZONE = env.str("KELU_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "kelu" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG or TESTING:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = DATA_DIR / "media"

# Days a deleted customer or contact stays in the trash before the daily purge removes it for good.
KELU_TRASH_DAYS = env.int("KELU_TRASH_DAYS", default=30)
KELU_IMPORT_MAX_BYTES = env.int("KELU_IMPORT_MAX_MB", default=200) * 1024 * 1024
# Largest file attached to an interaction, in MB.
KELU_ATTACHMENT_MAX_MB = env.int("KELU_ATTACHMENT_MAX_MB", default=10)

# --- Email ----------------------------------------------------------------------------------------------------------
KELU_EMAIL_CONFIGURED = bool(env.str("KELU_EMAIL_URL", default=""))  # reminders and digests are also mailed
if KELU_EMAIL_CONFIGURED:
    vars().update(env.email_url("KELU_EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("KELU_FROM_EMAIL", default="Kelu <kelu@localhost>")

# --- Security -------------------------------------------------------------------------------------------------------
# TLS is terminated by the proxy in front of Kelu; it tells us the original scheme in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("KELU_BEHIND_PROXY", default=False) else None
HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("KELU_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe the backends over plain HTTP
SECURE_HSTS_SECONDS = env.int("KELU_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if HTTPS else ["security.W004", "security.W008", "security.W012", "security.W016"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- API ------------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kelu.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kelu.core.api.WritableRole"],
    "DEFAULT_PAGINATION_CLASS": "kelu.core.api.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "kelu.core.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kelu 客录 API",
    "DESCRIPTION": "Customers, contacts and everything around them. Authenticate with `Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["kelu.core.api.WritableRole"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CustomerKindEnum": "kelu.customers.models.Customer.Kind",
        "PointKindEnum": "kelu.customers.models.ContactPoint.Kind",
        "AuditActionEnum": "kelu.accounts.models.AuditEvent.Action",
        "RoleEnum": "kelu.accounts.models.Role.Key",
        "BulkEditActionEnum": "kelu.quality.models.BulkEdit.Action",
        "ActivityKindEnum": "kelu.activities.models.Activity.Kind",
        "NotificationKindEnum": "kelu.followups.models.Notification.Kind",
        "FollowUpStatusEnum": "kelu.followups.models.FollowUp.Status",
        "SearchResultTypeEnum": "kelu.search.api.TYPES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("KELU_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
