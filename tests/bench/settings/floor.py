"""The floor: tsunami's tables, written by minimal receivers (see ``tests.bench.floor``)."""

from tests.bench.settings.base import *  # noqa: F403
from tests.bench.settings.base import INSTALLED_APPS

BENCH_CONTESTANT = "floor"
INSTALLED_APPS = [*INSTALLED_APPS[:-1], "tsunami", INSTALLED_APPS[-1]]
# tsunami makes its tables (and its PostgreSQL function) but records nothing itself.
TSUNAMI = {"INCLUDE_APPS": []}
