"""The floor: the least a tracker that writes tsunami's rows can cost (contestant "floor").

It listens to the signals every tracker must listen to and, for each change, writes one
event and its target's aggregate with tsunami's own statements, through Django's cursor
(so that they count, and roll back, like any query), with values that are constant or
nearly so: no diff, no serialization, no ``Event`` instance, no snapshot, no
``Event.post_save``. Its cost over plain Django is what Django's signals, its cursor and
the database charge for the rows themselves; what tsunami costs beyond the floor is its
own Python. Run it with ``--contestants plain,tsunami,floor`` (``make bench`` does).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models
from django.db.models import signals
from django.utils import timezone

from tsunami import storage

# About the size of a real event's data: a book's fields, as tsunami records a create.
_DATA = (
    '{"title": "Book 1", "author": null, "published": "2024-05-17", "price": "19.90", '
    '"pages": 1, "metadata": {"edition": 1}}'
)


def _write(sender: type[models.Model], instance: models.Model, using: str, action: str) -> None:
    connection = connections[using]
    ctype = ContentType.objects.get_for_model(sender).pk
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    values = [f"{sender._meta.label_lower}.{action}", ctype, str(instance.pk), _DATA, None]
    values += [None, created_at]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(storage._sql_for(connection, "call"), [*values, None, None])
            return
        cursor.execute(storage._sql_for(connection, "event", len(values)), values)
        row = [cursor.lastrowid, ctype, str(instance.pk), created_at]
        cursor.execute(storage._sql_for(connection, "aggregates", 1), row)


def _on_save(sender: Any, instance: models.Model, created: bool, using: str, **kwargs: Any) -> None:
    _write(sender, instance, using, "created" if created else "updated")


def _on_delete(sender: Any, instance: models.Model, using: str, **kwargs: Any) -> None:
    _write(sender, instance, using, "deleted")


def _on_m2m(sender: Any, instance: models.Model, action: str, using: str, **kwargs: Any) -> None:
    # Listening at all makes Django look up the missing ids before every add(), as it
    # does for any tracker; one event per change, for the instance.
    if action in ("post_add", "post_remove", "post_clear"):
        _write(type(instance), instance, using, "updated")


def connect() -> None:
    """Connect the floor's receivers to the benchmark app's models."""
    from tests.bench.benchapp.models import Author, Book, Tag

    for model in (Author, Book, Tag):
        signals.post_save.connect(_on_save, sender=model, weak=False)
        signals.post_delete.connect(_on_delete, sender=model, weak=False)
    signals.m2m_changed.connect(_on_m2m, sender=Book.tags.through, weak=False)
