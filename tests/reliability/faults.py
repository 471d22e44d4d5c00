"""Operations that record events, faults that break the recording, and the state to compare.

Shared by the fault tests and their ``ATOMIC_REQUESTS`` views.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DatabaseError, connection
from django.db.models.signals import post_save

from tests.testapp.models import Book, Car, Club, Cylinder, Engine, Membership, Person, Tag
from tsunami import storage
from tsunami.helpers import event_listener
from tsunami.models import Event, EventAggregate
from tsunami.tracking import suspend

# Anywhere in the statement: on PostgreSQL one statement, a call of tsunami's function (or
# without it an INSERT ... RETURNING), inserts the event and its aggregates.
_EVENT_INSERT = re.compile(rf'INSERT INTO [`"]tsunami_event[`"]|"{storage.FUNCTION}"\(')
_AGGREGATE_INSERT = re.compile(
    rf'INSERT INTO [`"]tsunami_eventaggregate[`"]|"{storage.FUNCTION}"\('
)
_MODELS = (Book, Car, Club, Cylinder, Engine, Membership, Person, Tag)

#: The world the views in ``tests.reliability.urls`` operate on.
current_world: dict[str, Any] = {}


def make_world() -> dict[str, Any]:
    """Create the objects the operations change, without recording anything."""
    with suspend():
        cars = [Car.objects.create(manufacturer=f"car {i}") for i in range(2)]
        engine = Engine.objects.create(car=cars[0])
        cylinders = [Cylinder.objects.create(engine=engine, bore=80) for _ in range(2)]
        books = [Book.objects.create(title=f"book {i}") for i in range(2)]
        tags = [Tag.objects.create(name=f"tag {i}") for i in range(2)]
        books[0].tags.add(tags[0])
        people = [Person.objects.create(name=f"person {i}") for i in range(2)]
        club = Club.objects.create(name="club")
    return {
        "cars": cars,
        "engine": engine,
        "cylinders": cylinders,
        "books": books,
        "tags": tags,
        "people": people,
        "club": club,
    }


def _get(world: dict[str, Any], key: str, index: int | None = None) -> Any:
    obj = world[key] if index is None else world[key][index]
    return type(obj).objects.get(pk=obj.pk)


#: name -> (operation, number of events it records)
OPERATIONS: dict[str, tuple[Callable[[dict[str, Any]], Any], int]] = {
    "create": (lambda w: Car.objects.create(manufacturer="new"), 1),
    "update": (lambda w: _rename(_get(w, "cars", 1)), 1),
    "update-with-aggregates": (lambda w: _rebore(_get(w, "cylinders", 0)), 1),
    "delete": (lambda w: _get(w, "cylinders", 1).delete(), 1),
    "cascading-delete": (lambda w: _get(w, "cars", 0).delete(), 4),
    "queryset-delete": (lambda w: Car.objects.all().delete(), 5),
    "m2m-add": (lambda w: _get(w, "books", 0).tags.add(w["tags"][1]), 1),
    "m2m-reverse-add": (lambda w: _get(w, "tags", 1).books.add(*w["books"]), 2),
    "m2m-remove": (lambda w: _get(w, "books", 0).tags.remove(w["tags"][0]), 1),
    "m2m-clear": (lambda w: _get(w, "tags", 0).books.clear(), 1),
    "m2m-symmetrical-add": (lambda w: _get(w, "people", 0).friends.add(w["people"][1]), 2),
    "m2m-through-add": (lambda w: _get(w, "club").members.add(*w["people"]), 1),
}


_values = itertools.count(1)


def _rename(car: Car) -> None:
    car.manufacturer = f"renamed {next(_values)}"
    car.save()


def _rebore(cylinder: Cylinder) -> None:
    cylinder.bore = 80 + next(_values)
    cylinder.save()


def db_state() -> dict[str, Any]:
    """Return every row the operations can touch, and the number of events and aggregates."""
    state: dict[str, Any] = {
        model._meta.label: sorted(map(repr, model._base_manager.values_list())) for model in _MODELS
    }
    for through in (Book.tags.through, Person.friends.through):
        state[through._meta.label] = sorted(map(repr, through._base_manager.values_list()))
    state["events"] = Event.objects.count()
    state["aggregates"] = EventAggregate.objects.count()
    return state


@contextlib.contextmanager
def failing_insert(pattern: re.Pattern[str], after: int = 0) -> Iterator[list[str]]:
    """Make the database refuse the matching INSERT (after ``after`` good ones)."""
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        if pattern.search(sql):
            seen.append(sql)
            if len(seen) > after:
                # A real error from the database, which also aborts a PostgreSQL transaction.
                return execute("SELECT * FROM tsunami_simulated_failure", (), False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


@contextlib.contextmanager
def failing_aggregates_method() -> Iterator[None]:
    """Make every involved model's ``get_event_aggregates()`` raise."""

    def broken(self):
        raise LookupError("get_event_aggregates failed")

    saved = {model: model.__dict__.get("get_event_aggregates") for model in _MODELS}
    for model in _MODELS:
        model.get_event_aggregates = broken
    try:
        yield
    finally:
        for model, method in saved.items():
            if method is None:
                del model.get_event_aggregates
            else:
                model.get_event_aggregates = method


@contextlib.contextmanager
def raising_listener(after: int = 0) -> Iterator[None]:
    """Connect a listener that raises for every ``testapp`` event (after ``after`` calls)."""
    calls: list[Event] = []

    @event_listener("testapp.*")
    def explode(event: Event) -> None:
        calls.append(event)
        if len(calls) > after:
            raise RuntimeError("the listener failed")

    try:
        yield
    finally:
        post_save.disconnect(explode, sender=Event)


#: name -> (context manager factory, exception the operation then raises, events it needs)
FAULTS: dict[str, tuple[Callable[[], Any], type[BaseException], int]] = {
    "event-insert-fails": (lambda: failing_insert(_EVENT_INSERT), DatabaseError, 1),
    "aggregate-insert-fails": (lambda: failing_insert(_AGGREGATE_INSERT), DatabaseError, 1),
    "second-event-fails": (lambda: failing_insert(_EVENT_INSERT, after=1), DatabaseError, 2),
    "get-event-aggregates-raises": (failing_aggregates_method, LookupError, 1),
    "listener-raises": (raising_listener, RuntimeError, 1),
    "second-listener-call-raises": (lambda: raising_listener(after=1), RuntimeError, 2),
}
