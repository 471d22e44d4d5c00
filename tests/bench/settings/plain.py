"""Plain Django: no audit app installed."""

from tests.bench.settings.base import *  # noqa: F403
