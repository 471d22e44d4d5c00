"""The timed workloads; each write is a single-row operation in its own transaction."""

from __future__ import annotations

import cProfile
import datetime
import decimal
import gc
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from tests.bench.benchapp.models import Author, Book, Tag
from tests.bench.plan import LOADS, Sizes

_PUBLISHED = datetime.date(2024, 5, 17)
_PRICE = decimal.Decimal("19.90")


class _StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], *args: Any) -> Any:
        self.count += 1
        return execute(*args)


def _create(i: int) -> None:
    with transaction.atomic():
        Book.objects.create(
            title=f"Book {i}", published=_PUBLISHED, price=_PRICE, pages=i, metadata={"edition": 1}
        )


def _update(book: Book) -> None:
    with transaction.atomic():
        book.title = f"{book.title} (2nd edition)"
        book.pages += 1
        book.save()


def _delete(book: Book) -> None:
    with transaction.atomic():
        book.delete()


def _fk_m2m(args: tuple[int, Author, Tag, Tag]) -> None:
    i, author, first, second = args
    with transaction.atomic():
        book = Book.objects.create(title=f"Novel {i}", author=author, pages=i)
        book.tags.add(first)
        book.tags.add(second)


def fill_books(rows: int) -> None:
    """Insert the books that the load workloads read (in bulk: no events)."""
    Book.objects.bulk_create(
        (Book(title=f"Book {i}", published=_PUBLISHED, price=_PRICE, pages=i) for i in range(rows)),
        batch_size=500,
    )


_WRITES: dict[str, Callable[[Any], None]] = {
    "create": _create,
    "update": _update,
    "fk_m2m": _fk_m2m,
    "delete": _delete,
}


class Runner:
    """Run each workload: warm up, count its statements, then time it.

    The parent asks for batches (``begin()``, then ``batch()``: operations of a write,
    passes of a load), so that it can alternate the contestants' batches.
    """

    def __init__(self, sizes: Sizes, profile_dir: Path | None = None) -> None:
        self.sizes = sizes
        self.profile_dir = profile_dir
        self._books: list[Book] = []
        self._pending: dict[str, list[Any]] = {}
        self._profiles: dict[str, cProfile.Profile] = {}
        self._filled = False
        self._loads = {"iterate": self._iterate, "load_only": self._load_only}

    def _timed(self, name: str, fn: Callable[[Any], None], items: Sequence[Any]) -> list[float]:
        """Return the time of each call; a median of these shrugs off the machine's hiccups."""
        gc.collect()
        profiler = None
        if self.profile_dir:
            profiler = self._profiles.setdefault(name, cProfile.Profile())
            profiler.enable()
        clock = time.perf_counter
        times = []
        for item in items:
            start = clock()
            fn(item)
            times.append(clock() - start)
        if profiler:
            profiler.disable()
            profiler.dump_stats(self.profile_dir / f"{name}.prof")  # type: ignore[operator]
        return times

    def _count(self, fn: Callable[[Any], None], items: Sequence[Any]) -> float:
        counter = _StatementCounter()
        with connection.execute_wrapper(counter):
            for item in items:
                fn(item)
        return counter.count / len(items)

    def begin(self, name: str) -> float:
        """Prepare the workload ``name``, warm it up; return its statements per operation."""
        sizes = self.sizes
        if name in LOADS:
            if not self._filled:
                fill_books(sizes.iterate_rows)
                self._filled = True
            load = self._loads[name]
            load(None)
            return self._count(load, [None])
        total = sizes.warmup + sizes.counted + sizes.ops
        items: list[Any]
        if name == "create":
            items = list(range(total))
        elif name == "update":
            items = self._books = list(Book.objects.order_by("pk")[:total])
        elif name == "fk_m2m":
            authors = Author.objects.bulk_create(Author(name=f"Author {i}") for i in range(10))
            tags = Tag.objects.bulk_create(Tag(name=f"tag {i}") for i in range(10))
            items = [(i, authors[i % 10], tags[i % 10], tags[(i + 1) % 10]) for i in range(total)]
        else:
            items = self._books
        fn = _WRITES[name]
        for item in items[: sizes.warmup]:
            fn(item)
        statements = self._count(fn, items[sizes.warmup : sizes.warmup + sizes.counted])
        self._pending[name] = items[sizes.warmup + sizes.counted :]
        return statements

    def batch(self, name: str, count: int) -> list[float]:
        """Time the next ``count`` operations of a write, or ``count`` passes of a load."""
        if name in LOADS:
            return self._timed(name, self._loads[name], [None] * count)
        items, self._pending[name] = self._pending[name][:count], self._pending[name][count:]
        return self._timed(name, _WRITES[name], items)

    def _iterate(self, _: None) -> None:
        for _book in Book.objects.order_by("pk")[: self.sizes.iterate_rows]:
            pass

    def _load_only(self, _: None) -> None:
        for book in Book.objects.only("title").order_by("pk")[: self.sizes.load_rows]:
            book.title  # noqa: B018 - reading the loaded field is part of the workload
