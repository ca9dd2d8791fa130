"""Settings for selfeval, driven by environment variables (see README "配置").

Development defaults are safe to run locally; production sets SECRET_KEY,
DEBUG=false, ALLOWED_HOSTS and DATABASE_URL.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from selfeval.env import env_bool, env_database, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DEBUG=false 时必须设置环境变量 SECRET_KEY")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "indicators",
    "projects",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "selfeval.middleware.PeoplesResponsesMiddleware",
    "selfeval.passwords.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "selfeval.urls"

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
                "projects.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "selfeval.wsgi.application"

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "selfeval.passwords.ChineseMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sign-in throttling (selfeval/login.py): failures per username and address.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)
# How many reverse proxies in front of the app append the client's address to
# X-Forwarded-For (nginx: $proxy_add_x_forwarded_for). 0: the header is not trusted and
# the address is REMOTE_ADDR (behind a proxy, the proxy's own).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

LANGUAGE_CODE = "zh-hans"
# The only language: Django's own messages (password rules, form errors) are Chinese
# whatever language the browser asks for.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
# Production serves hashed, compressed files collected once by `collectstatic`
# (whitenoise); development and tests read static/ directly.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Decided by our DEBUG, not by the test runner's override of settings.DEBUG.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# --- security (docs/deploy.md) ---------------------------------------------------
# Production defaults pass `manage.py check --deploy` with no warnings. Behind a proxy
# that terminates TLS, set SECURE_PROXY_SSL_HEADER=true (the proxy must set
# X-Forwarded-Proto and strip it from clients). Plain http on the loopback only
# (load tests): SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy's health probe may speak plain http
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): every script and style comes from static/.
# style-src-attr allows style="" attributes (column widths in the form tables) but
# not <style> elements; scripts have no inline exception at all.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads (import page, bulk import): limits enforced while the body is received
# (projects/imports/uploads.py; Django's FILE_UPLOAD_MAX_MEMORY_SIZE only decides when
# an upload spills to disk). The proxy must refuse bodies over IMPORT_MAX_BATCH_BYTES
# too (docs/deploy.md: nginx client_max_body_size).
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, minimum=1024)
IMPORT_MAX_BATCH_BYTES = env_int("IMPORT_MAX_BATCH_BYTES", 200 * 1024 * 1024, minimum=1024)
# Importing one file is one transaction holding its forms' rows (the import page and
# the bulk import refuse bigger files; `manage.py import_forms` has no cap).
# 佐证材料 (projects/services/evidence.py): the largest file, and all files of one form
# together. Kept in the default storage (STORAGES, MEDIA_ROOT; docs/deploy.md).
EVIDENCE_MAX_FILE_BYTES = env_int("EVIDENCE_MAX_FILE_BYTES", 20 * 1024 * 1024, minimum=1024)
EVIDENCE_MAX_FORM_BYTES = env_int("EVIDENCE_MAX_FORM_BYTES", 200 * 1024 * 1024, minimum=1024)
IMPORT_MAX_FORMS_PER_FILE = env_int("IMPORT_MAX_FORMS_PER_FILE", 200, minimum=1)
# .doc/.xls/.wps/.et are converted by LibreOffice (projects/imports/convert.py): seconds
# one conversion may take before it is killed. A PDF import reads at most this many pages.
IMPORT_CONVERT_TIMEOUT = env_int("IMPORT_CONVERT_TIMEOUT", 60, minimum=1)
IMPORT_PDF_MAX_PAGES = env_int("IMPORT_PDF_MAX_PAGES", 50, minimum=1)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 10000, minimum=1000)
# The background bulk import takes hundreds of files in one upload (jobs/).
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 1000, minimum=100)

# Long jobs (a year's ZIP or Excel summary, bulk imports) run off the request:
# django-tasks with its database backend, worked by `manage.py db_worker`
# (docs/deploy.md). Results and uploaded inputs live in MEDIA_ROOT, which several app
# servers must share.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "media"))
JOBS_STALE_SECONDS = env_int("JOBS_STALE_SECONDS", 15 * 60, minimum=60)
# Queued + running jobs one user may have at once; the next is refused until one ends.
JOBS_MAX_QUEUED_PER_USER = env_int("JOBS_MAX_QUEUED_PER_USER", 3, minimum=1)
# An Excel summary of more forms than this is made by a job, not in the request: 2,000
# forms take a few seconds, 50,000 about two minutes (past GUNICORN_TIMEOUT).
XLSX_JOB_THRESHOLD = env_int("XLSX_JOB_THRESHOLD", 2000, minimum=0)
# The dashboard's 年度报告 of more forms than this is made by a job (its findings read
# every form's stored result: docs/performance.md「年度报告」).
REPORT_JOB_THRESHOLD = env_int("REPORT_JOB_THRESHOLD", 2000, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
