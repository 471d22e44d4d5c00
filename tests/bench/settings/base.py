"""Settings every contestant shares; the database comes from ``TSUNAMI_BENCH_DB``."""

import os

SECRET_KEY = "tsunami-bench-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

#: Which audit app (if any) the benchmark app registers its models with.
BENCH_CONTESTANT = "plain"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "tests.bench.benchapp.apps.BenchAppConfig",
]

_DATABASES = {
    "sqlite": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("TSUNAMI_BENCH_SQLITE_PATH", "bench.sqlite3"),
    },
    "postgres": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("TSUNAMI_BENCH_DB_NAME", "tsunami_bench"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
    },
}
DATABASES = {"default": _DATABASES[os.environ.get("TSUNAMI_BENCH_DB", "sqlite")]}
