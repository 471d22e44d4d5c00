"""Concurrent writers: every committed change has one event, no rolled-back change has one.

On PostgreSQL and MariaDB several threads, each with its own connection, lock and change
overlapping rows (``select_for_update``, in primary-key order) for a bounded number of
rounds, some rolled back on purpose. SQLite takes one writer at a time, so there the same
rounds run interleaved on one connection.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, transaction

from tests.reliability import stats
from tests.reliability.fold import assert_folds
from tests.reliability.helpers import assert_every_event_is_whole
from tests.testapp.models import Account, Book, Tag
from tsunami.models import Event

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

WORKERS = 4
ROUNDS = 30
ROLLBACK_RATE = 0.25
TIME_LIMIT = 60.0


class _RollBack(Exception):
    pass


@dataclass
class Ledger:
    """What the workers did: changes committed and changes rolled back."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    committed: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    rolled_back: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    accounts: list[int] = field(default_factory=list)
    rounds: int = 0
    retries: int = 0
    errors: list[BaseException] = field(default_factory=list)

    def settle(self, changes: list[tuple[Any, ...]], committed: bool) -> None:
        with self.lock:
            (self.committed if committed else self.rolled_back).update(changes)
            self.rounds += 1
            for change in changes if committed else ():
                if change[0] == "testapp.account.created":
                    self.accounts.append(change[1])
                elif change[0] == "testapp.account.deleted":
                    self.accounts.remove(change[1])

    def pick_accounts(self, rng: random.Random) -> list[int]:
        with self.lock:
            return sorted(rng.sample(self.accounts, min(2, len(self.accounts))))


def _is_lock_conflict(error: OperationalError) -> bool:
    # A deadlock or lock timeout aborts the whole transaction: it counts as rolled back.
    code = error.args[0] if error.args else None
    return code in (1205, 1213) or "deadlock" in str(error).lower()


def run_round(worker: int, number: int, rng: random.Random, ledger: Ledger, books, tags) -> None:
    """One transaction: change two accounts, a book and its tags; maybe create or delete."""
    changes: list[tuple[Any, ...]] = []
    roll_back = rng.random() < ROLLBACK_RATE
    token = f"w{worker}r{number}"
    try:
        with transaction.atomic():
            locked = Account.objects.select_for_update().filter(pk__in=ledger.pick_accounts(rng))
            for account in locked.order_by("pk"):
                if rng.random() < 0.06 and len(ledger.accounts) > 4:
                    account_id = account.pk
                    account.delete()
                    changes.append(("testapp.account.deleted", account_id))
                    continue
                account.name = f"{token}a{account.pk}"
                account.login_count += 1
                account.save()
                changes.append(("testapp.account.updated", account.pk, account.name))
            book = Book.objects.select_for_update().get(pk=rng.choice(books))
            book.title = f"{token}b{book.pk}"
            book.save(update_fields=["title"])
            changes.append(("testapp.book.updated", book.pk, book.title))
            tag = rng.choice(tags)
            before = sorted(book.tags.values_list("pk", flat=True))
            if tag in before:
                book.tags.remove(tag)
            elif rng.random() < 0.5:
                book.tags.add(tag)
            else:
                Tag.objects.get(pk=tag).books.add(book)  # from the other side
            after = sorted(book.tags.values_list("pk", flat=True))
            changes.append(("testapp.book.updated", book.pk, tuple(after)))
            if rng.random() < 0.1:
                new = Account.objects.create(name=f"{token}new")
                changes.append(("testapp.account.created", new.pk, new.name))
            if roll_back:
                raise _RollBack
    except _RollBack:
        ledger.settle(changes, committed=False)
    except OperationalError as error:
        if not _is_lock_conflict(error):
            raise
        with ledger.lock:
            ledger.retries += 1
        ledger.settle(changes, committed=False)
    else:
        ledger.settle(changes, committed=True)
    stats.add(stats.CONCURRENCY_ROUNDS)


def worker_thread(worker: int, ledger: Ledger, books, tags, start: threading.Barrier) -> None:
    rng = random.Random(worker)
    deadline = time.monotonic() + TIME_LIMIT
    try:
        start.wait(timeout=30)
        for number in range(ROUNDS):
            if time.monotonic() > deadline:
                break
            run_round(worker, number, rng, ledger, books, tags)
    except BaseException as error:  # noqa: BLE001 - reported by the test
        ledger.errors.append(error)
    finally:
        connection.close()


def recorded_changes() -> Counter[tuple[Any, ...]]:
    """The changes the events record, in the ledger's terms."""
    found: Counter[tuple[Any, ...]] = Counter()
    for event in Event.objects.filter(event_type__startswith="testapp.").order_by("id"):
        key = int(event.target_id)
        if event.event_type == "testapp.account.deleted":
            found[(event.event_type, key)] += 1
        elif event.event_type.startswith("testapp.account."):
            found[(event.event_type, key, event.data.get("name"))] += 1
        elif "tags" in event.data:
            found[(event.event_type, key, tuple(event.data["tags"]))] += 1
        else:
            found[(event.event_type, key, event.data.get("title"))] += 1
    return found


@pytest.fixture
def world():
    accounts = [Account.objects.create(name=f"account {i}") for i in range(8)]
    books = [Book.objects.create(title=f"book {i}") for i in range(4)]
    tags = [Tag.objects.create(name=f"tag {i}") for i in range(5)]
    for model in (Account, Book, Tag):
        ContentType.objects.get_for_model(model)  # warm the shared cache before the threads
    initial = recorded_changes()
    ledger = Ledger(accounts=[a.pk for a in accounts])
    return ledger, [b.pk for b in books], [t.pk for t in tags], initial


def check_outcome(ledger: Ledger, initial: Counter[tuple[Any, ...]]) -> None:
    assert not ledger.errors, ledger.errors
    recorded = recorded_changes() - initial
    assert recorded == ledger.committed
    # Every rolled-back account change carried a unique name: none of them may show up.
    leaked = [c for c in ledger.rolled_back if c[0] == "testapp.account.updated" and recorded[c]]
    assert leaked == []
    assert sum(ledger.rolled_back.values()) > 0
    assert_folds(Account, Book, Tag)
    assert_every_event_is_whole()


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite takes one writer at a time; "
    "test_interleaved_rounds_on_one_connection runs the same rounds there",
)
def test_concurrent_writers_lose_and_invent_nothing(world):
    ledger, books, tags, initial = world
    start = threading.Barrier(WORKERS)
    threads = [
        threading.Thread(target=worker_thread, args=(worker, ledger, books, tags, start))
        for worker in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIME_LIMIT + 30)
    assert not any(thread.is_alive() for thread in threads)
    assert ledger.rounds == WORKERS * ROUNDS
    check_outcome(ledger, initial)


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="on a server database test_concurrent_writers_lose_and_invent_nothing runs threads",
)
def test_interleaved_rounds_on_one_connection(world):
    ledger, books, tags, initial = world
    rngs = [random.Random(worker) for worker in range(WORKERS)]
    for number in range(ROUNDS):
        for worker, rng in enumerate(rngs):
            run_round(worker, number, rng, ledger, books, tags)
    assert ledger.rounds == WORKERS * ROUNDS
    check_outcome(ledger, initial)
