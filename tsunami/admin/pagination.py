"""A paginator that never counts more rows than it can show."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import BooleanField, F, Func, QuerySet


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
            # The list's own order is kept, so the count walks the index the page reads.
            return object_list.values("pk")[:limit].count()
        return min(len(object_list), limit)

    @property
    def count(self) -> int:
        """Return the number of rows, or ``max_count`` when there are more."""
        return min(self._counted, self.max_count)

    def page(self, number: Any) -> Page:
        """Return a page; past the first, its rows are picked by id before they are joined.

        ``OFFSET`` makes the database produce the rows it skips: reading only their ids from
        an index first spares it the joins and the aggregate counts of those rows.
        """
        page = super().page(number)
        rows: Any = page.object_list
        if (
            isinstance(rows, QuerySet)
            and rows.query.low_mark
            and connections[rows.db].features.allow_sliced_subqueries_with_in
        ):
            every: Any = self.object_list
            ids = rows.values("pk")
            if connections[rows.db].vendor == "postgresql":
                # "id = ANY(ARRAY(...))": looked up by primary key, never hashed against a scan.
                from django.contrib.postgres.expressions import ArraySubquery

                page.object_list = every.filter(_EqualsAny(F("pk"), ArraySubquery(ids)))
            else:
                page.object_list = every.filter(pk__in=ids)
        return page

    @property
    def capped(self) -> bool:
        """Tell whether there are more rows than ``count``."""
        return self._counted > self.max_count


class _EqualsAny(Func):
    """``value = ANY(array)`` (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()
