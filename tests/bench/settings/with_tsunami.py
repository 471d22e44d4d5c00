"""Tsunami tracking the benchmark app."""

from tests.bench.settings.base import *  # noqa: F403
from tests.bench.settings.base import INSTALLED_APPS

BENCH_CONTESTANT = "tsunami"
INSTALLED_APPS = [*INSTALLED_APPS[:-1], "tsunami", INSTALLED_APPS[-1]]
TSUNAMI = {"INCLUDE_APPS": ["benchapp"]}
