"""A paginator for the admin's event list that never counts: it looks a few pages ahead."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

# The largest row offset that a database's 64-bit LIMIT takes.
_MAX_END = 2**63 - 1


class LookaheadPaginator(Paginator):
    """Know the rows from the requested page to ``lookahead_pages`` pages past it, no more.

    Django's change list asks for a count before it asks for a page. Instead of counting,
    this paginator reads the ids of the rows from the start of the requested page to the
    end of the look-ahead, in the list's order, in one query that walks the same index the
    page does; the page's rows are then fetched by those ids, with no ``OFFSET``. When the
    look-ahead is full, ``count`` is the number of rows known so far and ``has_more`` is
    true: the page links then reach as far as the look-ahead, and move with the page.
    """

    #: The page links Django's admin shows on each side of the current page.
    lookahead_pages = 3

    def __init__(self, object_list: Any, per_page: int, *args: Any, number: Any = 1) -> None:
        super().__init__(object_list, per_page, *args)
        try:
            requested = max(int(number), 1)
        except (TypeError, ValueError):
            requested = 1
        # No page starts past the largest offset a database takes; asked for one, the
        # paginator reads nothing and the page is out of range, as any other past the end.
        self.requested = min(requested, _MAX_END // self.per_page)

    @cached_property
    def _start(self) -> int:
        return (self.requested - 1) * self.per_page

    @cached_property
    def _reach(self) -> int:
        """Return how many rows the requested page and its look-ahead hold."""
        return (self.lookahead_pages + 1) * self.per_page

    @cached_property
    def _window(self) -> list[Any]:
        """Return the ids (or rows, for a list) from the requested page's start onwards."""
        # One row past the reach tells whether there are more.
        end = min(self._start + self._reach + 1, _MAX_END)
        object_list: Any = self.object_list
        if isinstance(object_list, QuerySet):
            return list(object_list.values_list("pk", flat=True)[self._start : end])
        return list(object_list[self._start : end])

    @cached_property
    def has_more(self) -> bool:
        """Tell whether there are rows past the look-ahead."""
        return len(self._window) > self._reach

    @cached_property
    def count(self) -> int:
        """Return the number of rows up to the end of the look-ahead.

        It is exact when ``has_more`` is false, except past the last page, where it is the
        number of rows before the requested page (which is then out of range, as Django's
        own paginator says).
        """
        return self._start + min(len(self._window), self._reach)

    def page(self, number: Any) -> Page:
        """Return a page; the requested one is fetched by the ids the look-ahead read."""
        page = super().page(number)
        object_list: Any = self.object_list
        if isinstance(object_list, QuerySet) and page.number == self.requested:
            page.object_list = object_list.filter(pk__in=self._window[: self.per_page])
        return page
