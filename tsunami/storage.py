"""Write an event and its aggregates in the fewest statements: one on PostgreSQL, two elsewhere.

The ORM's insert machinery costs more CPU than the database does for these two tiny rows,
so events are written with prepared SQL (values still go through each field's
``get_db_prep_save``, exactly as the ORM would), and ``pre_save``/``post_save`` are sent
as ``Model.save()`` sends them, so listeners see no difference.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from django.db.models.signals import post_save, pre_save

if TYPE_CHECKING:
    from tsunami.models import Event

_AGGREGATE_COLUMNS = ("event_id", "aggregate_ctype_id", "aggregate_id", "created_at")


@cache
def _event_fields(with_pk: bool) -> tuple[Any, ...]:
    from tsunami.models import Event

    return tuple(f for f in Event._meta.concrete_fields if with_pk or not f.primary_key)


@cache
def _created_at_index(with_pk: bool) -> int:
    return [f.attname for f in _event_fields(with_pk)].index("created_at")


_statements: dict[tuple[str, bool, int], tuple[str, str]] = {}


def _statement(connection: Any, with_pk: bool, aggregates: int) -> tuple[str, str]:
    """Return the SQL that inserts an event, and the SQL that inserts its aggregates."""
    key = (connection.vendor, with_pk, aggregates)
    if key not in _statements:
        _statements[key] = _build_statement(connection, with_pk, aggregates)
    return _statements[key]


def _build_statement(connection: Any, with_pk: bool, aggregates: int) -> tuple[str, str]:
    from tsunami.models import Event, EventAggregate

    quote = connection.ops.quote_name
    event_table = quote(Event._meta.db_table)
    columns = ", ".join(quote(f.column) for f in _event_fields(with_pk))
    values = ", ".join(["%s"] * len(_event_fields(with_pk)))
    insert_event = f"INSERT INTO {event_table} ({columns}) VALUES ({values})"
    aggregate_table = quote(EventAggregate._meta.db_table)
    aggregate_columns = ", ".join(quote(column) for column in _AGGREGATE_COLUMNS)
    if connection.vendor == "postgresql":
        pk = quote(Event._meta.pk.column)
        rows = ", ".join(["(%s, %s)"] * aggregates)
        return (
            f"WITH new_event AS ({insert_event} RETURNING {pk}) "
            f"INSERT INTO {aggregate_table} ({aggregate_columns}) "
            f"SELECT new_event.{pk}, a.ctype, a.object_id, %s "
            f"FROM new_event CROSS JOIN (VALUES {rows}) AS a (ctype, object_id) "
            f"RETURNING {quote('event_id')}",
            "",
        )
    rows = ", ".join(["(%s, %s, %s, %s)"] * aggregates)
    return insert_event, f"INSERT INTO {aggregate_table} ({aggregate_columns}) VALUES {rows}"


def insert_event(event: Event, aggregate_keys: list[tuple[int, str]], connection: Any) -> None:
    """Insert ``event`` and its aggregates through ``connection``, then send ``post_save``."""
    from tsunami.models import Event

    using = connection.alias
    pre_save.send(sender=Event, instance=event, raw=False, using=using, update_fields=None)
    with_pk = event.pk is not None
    table = Event._meta.db_table
    fields = _event_fields(with_pk)
    params = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields]
    # The aggregates carry the event's time, already prepared for the event row.
    created_at = params[_created_at_index(with_pk)]
    event_sql, aggregate_sql = _statement(connection, with_pk, len(aggregate_keys))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            rows = [value for key in aggregate_keys for value in key]
            cursor.execute(event_sql, [*params, created_at, *rows])
            pk = cursor.fetchone()[0]
        else:
            cursor.execute(event_sql, params)
            pk = event.pk if with_pk else connection.ops.last_insert_id(cursor, table, "id")
            rows = [
                value
                for ctype_id, object_id in aggregate_keys
                for value in (pk, ctype_id, object_id, created_at)
            ]
            cursor.execute(aggregate_sql, rows)
    event.pk = pk
    event._state.adding = False
    event._state.db = using
    post_save.send(
        sender=Event, instance=event, created=True, update_fields=None, raw=False, using=using
    )
