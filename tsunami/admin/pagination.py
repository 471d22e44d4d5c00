"""A paginator that never counts more rows than it can show."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CappedPaginator(Paginator):
    """Count at most ``max_count`` rows, so that no page counts a whole large table.

    Beyond the cap the last pages are unreachable by page number; narrowing the list
    with a filter brings them back.
    """

    max_count = 10_000

    @cached_property
    def _counted(self) -> int:
        limit = self.max_count + 1
        object_list: Any = self.object_list
        if isinstance(object_list, QuerySet):
            # COUNT(*) over a LIMIT subquery of bare ids: bounded work whatever the size.
            return object_list.order_by().values("pk")[:limit].count()
        return min(len(object_list), limit)

    @property
    def count(self) -> int:
        """Return the number of rows, or ``max_count`` when there are more."""
        return min(self._counted, self.max_count)

    @property
    def capped(self) -> bool:
        """Tell whether there are more rows than ``count``."""
        return self._counted > self.max_count
