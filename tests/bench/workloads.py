"""The timed workloads; each write is a single-row operation in its own transaction."""

from __future__ import annotations

import cProfile
import datetime
import decimal
import gc
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from tests.bench.benchapp.models import Author, Book, Tag
from tests.bench.plan import Sizes

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


class Runner:
    """Run each workload: warm up, count its statements, then time it."""

    def __init__(self, sizes: Sizes, profile_dir: Path | None = None) -> None:
        self.sizes = sizes
        self.profile_dir = profile_dir
        self.results: dict[str, dict[str, float]] = {}

    def _timed(self, name: str, fn: Callable[[Any], None], items: Sequence[Any]) -> list[float]:
        """Return the time of each call; a median of these shrugs off the machine's hiccups."""
        gc.collect()
        profiler = cProfile.Profile() if self.profile_dir else None
        if profiler:
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

    def _write(self, name: str, fn: Callable[[Any], None], items: Sequence[Any]) -> None:
        warmup, counted = self.sizes.warmup, self.sizes.counted
        for item in items[:warmup]:
            fn(item)
        statements = self._count(fn, items[warmup : warmup + counted])
        times = self._timed(name, fn, items[warmup + counted :])
        self.results[name] = {"seconds": statistics.median(times), "statements": statements}

    def _load(self, name: str, fn: Callable[[Any], None], passes: int) -> None:
        fn(None)
        statements = self._count(fn, [None])
        times = self._timed(name, fn, [None] * passes)
        # A load is pure CPU work: the machine only ever adds time, so the fastest pass is
        # the truest (as timeit does).
        self.results[name] = {"seconds": min(times), "statements": statements}

    def run(self, phase: str = "all") -> dict[str, dict[str, float]]:
        """Run the workloads of ``phase`` (writes, loads or all) on an empty database.

        Return time and statements per operation.
        """
        if phase in ("all", "writes"):
            self._run_writes()
        if phase in ("all", "loads"):
            self._run_loads()
        return self.results

    def _run_writes(self) -> None:
        sizes = self.sizes
        total = sizes.warmup + sizes.counted + sizes.ops
        self._write("create", _create, range(total))
        books = list(Book.objects.order_by("pk")[:total])
        self._write("update", _update, books)
        authors = Author.objects.bulk_create(Author(name=f"Author {i}") for i in range(10))
        tags = Tag.objects.bulk_create(Tag(name=f"tag {i}") for i in range(10))
        self._write(
            "fk_m2m",
            _fk_m2m,
            [(i, authors[i % 10], tags[i % 10], tags[(i + 1) % 10]) for i in range(total)],
        )
        self._write("delete", _delete, books)

    def _run_loads(self) -> None:
        sizes = self.sizes
        fill_books(sizes.iterate_rows)

        def iterate(_: None) -> None:
            for _book in Book.objects.order_by("pk")[: sizes.iterate_rows]:
                pass

        def load_only(_: None) -> None:
            for book in Book.objects.only("title").order_by("pk")[: sizes.load_rows]:
                book.title  # noqa: B018 - reading the loaded field is part of the workload

        self._load("iterate", iterate, sizes.iterate_passes)
        self._load("load_only", load_only, sizes.load_passes)
