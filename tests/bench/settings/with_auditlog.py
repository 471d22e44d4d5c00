"""django-auditlog with the benchmark app's models registered (see ``BenchAppConfig``)."""

from tests.bench.settings.base import *  # noqa: F403
from tests.bench.settings.base import INSTALLED_APPS

BENCH_CONTESTANT = "auditlog"
INSTALLED_APPS = [*INSTALLED_APPS[:-1], "auditlog", INSTALLED_APPS[-1]]
