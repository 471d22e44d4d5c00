"""django-simple-history with the benchmark app's models registered (see its models)."""

from tests.bench.settings.base import *  # noqa: F403
from tests.bench.settings.base import INSTALLED_APPS

BENCH_CONTESTANT = "simple_history"
INSTALLED_APPS = [*INSTALLED_APPS[:-1], "simple_history", INSTALLED_APPS[-1]]
