"""Settings of the test project; the database comes from ``TSUNAMI_TEST_DB``."""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "tsunami-tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "tsunami",
    "tests.testapp.apps.TestAppConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tsunami.middleware.user_tracking",
]

ROOT_URLCONF = "tests.urls"

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
            ],
        },
    },
]

_DATABASES = {
    "sqlite": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("TSUNAMI_SQLITE_NAME", ":memory:"),
        # A file, not Django's in-memory test database: with an in-memory database the browser
        # tests' live server shares the test thread's connection, and two threads on one SQLite
        # connection deadlock when one holds the GIL and the other is inside a Python SQL
        # function (REGEXP, date truncation). The process id keeps the subprocess runs apart.
        "TEST": {"NAME": str(Path(tempfile.gettempdir()) / f"tsunami-tests-{os.getpid()}.sqlite3")},
        "OPTIONS": {"init_command": "PRAGMA synchronous=OFF"},
    },
    "postgres": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("TSUNAMI_TEST_DB_NAME", "tsunami"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
    },
    "mariadb": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": os.environ.get("TSUNAMI_TEST_DB_NAME", "tsunami"),
        "USER": os.environ.get("MYSQL_USER", "root"),
        "PASSWORD": os.environ.get("MYSQL_PASSWORD", ""),
        "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
        "PORT": os.environ.get("MYSQL_PORT", "3306"),
        "OPTIONS": {"charset": "utf8mb4"},
        "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
    },
}
DATABASE_VENDOR = os.environ.get("TSUNAMI_TEST_DB", "sqlite")
if DATABASE_VENDOR not in _DATABASES:
    raise RuntimeError(f"TSUNAMI_TEST_DB must be one of {', '.join(_DATABASES)}")
DATABASES = {"default": _DATABASES[DATABASE_VENDOR]}

STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "media"
LOGIN_URL = "admin:login"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TSUNAMI = {"EXCLUDE_MODELS": ["testapp.Untracked"]}
