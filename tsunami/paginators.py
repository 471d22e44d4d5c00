"""Keyset paging on ``(time, id)``: no ``COUNT(*)`` and no ``OFFSET`` that grows with the page."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

_TOKEN = re.compile(r"(-?[0-9]{1,19})\.(-?[0-9]{1,19})")
_MAX_ID = 2**63 - 1  # the largest id a 64-bit column holds
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class InvalidCursor(ValueError):
    """A paging cursor from the URL that is not one this paginator wrote."""


@dataclass(frozen=True)
class Cursor:
    """The position after (or before) a row: its time and its id."""

    time: datetime.datetime
    id: int

    def encode(self) -> str:
        """Return the cursor as a short URL-safe token ``<microseconds>.<id>``."""
        delta = self.time - _EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}.{self.id}"

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Return the cursor that ``token`` encodes; raise ``InvalidCursor`` if it is not one."""
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise InvalidCursor(_("The page cursor %(token)r is not valid.") % {"token": token})
        try:
            time = _EPOCH + datetime.timedelta(microseconds=int(match[1]))
        except OverflowError:
            raise InvalidCursor(
                _("The page cursor %(token)r is out of range.") % {"token": token}
            ) from None
        pk = int(match[2])
        if not -_MAX_ID <= pk <= _MAX_ID:
            raise InvalidCursor(_("The page cursor %(token)r is out of range.") % {"token": token})
        return cls(time, pk)


@dataclass
class KeysetPage:
    """One page of rows and the cursors of its neighbours."""

    rows: list[Any]
    has_next: bool
    has_previous: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class KeysetPaginator:
    """Page a queryset in the order ``(time_field, id_field)``, newest first by default."""

    def __init__(
        self,
        queryset: QuerySet[Any],
        *,
        per_page: int = 50,
        time_field: str = "created_at",
        id_field: str = "id",
        descending: bool = True,
    ) -> None:
        self.queryset = queryset
        self.per_page = per_page
        self.time_field = time_field
        self.id_field = id_field
        self.descending = descending

    def cursor_of(self, row: Any) -> str:
        """Return the token of the position of ``row``."""
        return Cursor(getattr(row, self.time_field), getattr(row, self.id_field)).encode()

    def page(self, after: str | None = None, before: str | None = None) -> KeysetPage:
        """Return the page of rows that follow ``after``, precede ``before``, or come first."""
        if after and before:
            raise InvalidCursor(_("Give either “after” or “before”, not both."))
        token = after or before
        cursor = Cursor.decode(token) if token else None
        backwards = bool(before)
        # Going backwards reads the rows before the cursor in reverse order, then flips them.
        descending = self.descending != backwards
        time, pk = self.time_field, self.id_field
        queryset = self.queryset
        if cursor is not None:
            strict, loose = ("lt", "lte") if descending else ("gt", "gte")
            # The loose bound alone lets the database use the (time, id) index as a range.
            queryset = queryset.filter(
                Q(**{f"{time}__{loose}": cursor.time})
                & (Q(**{f"{time}__{strict}": cursor.time}) | Q(**{f"{pk}__{strict}": cursor.id}))
            )
        prefix = "-" if descending else ""
        rows = list(queryset.order_by(f"{prefix}{time}", f"{prefix}{pk}")[: self.per_page + 1])
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if backwards:
            rows.reverse()
            has_next, has_previous = True, more
        else:
            has_next, has_previous = more, cursor is not None
        return KeysetPage(
            rows=rows,
            has_next=has_next and bool(rows),
            has_previous=has_previous and bool(rows),
            next_cursor=self.cursor_of(rows[-1]) if has_next and rows else None,
            previous_cursor=self.cursor_of(rows[0]) if has_previous and rows else None,
            is_first=cursor is None,
        )
