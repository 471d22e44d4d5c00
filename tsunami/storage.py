"""Write an event and its aggregates in the fewest statements: one on PostgreSQL, two elsewhere.

The ORM's insert machinery costs more CPU than the database does for these two tiny rows,
so events are written with SQL of tsunami's own, and ``pre_save``/``post_save`` are sent
as ``Model.save()`` sends them, so listeners see no difference.

When nothing listens to ``Event``'s model signals, automatic events skip the instance:
``write_rows()`` takes their values directly, which saves a tracked save the cost of
building and signalling an object nobody would see.

On PostgreSQL the statement is a call of ``tsunami_insert_event_v1()``, a PL/pgSQL
function that tsunami (re)creates after every ``migrate``: PostgreSQL plans the function's
inserts once per connection, where a plain statement is planned for every event, and
planning costs more than running it. A database without the function (migrated by an
older version and not since) gets the same rows from one ``INSERT ... RETURNING``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connections, router, transaction
from django.db.models.signals import post_init, post_save, pre_init, pre_save
from django.dispatch import dispatcher

if TYPE_CHECKING:
    from tsunami.models import Event

#: The PostgreSQL function that inserts an event and its aggregates. A change to its
#: parameters or to what it writes needs a new name (``_v2``), so that a database that
#: still has the old function is never called with the new arguments.
FUNCTION = "tsunami_insert_event_v1"
_EVENT_COLUMNS = (
    "event_type",
    "target_ctype_id",
    "target_id",
    "data",
    "previous_data",
    "user_id",
    "created_at",
)
_AGGREGATE_COLUMNS = ("event_id", "aggregate_ctype_id", "aggregate_id", "created_at")

# Every supported backend takes a JSON document as text; one encoder, as json.dumps(cls=...)
# would build one per call, and as text, which costs psycopg less than its Jsonb adapter.
_encode_json = DjangoJSONEncoder().encode
_EVENT_SIGNALS = (post_save, pre_save, post_init, pre_init)
# The mark of a sender without receivers in a signal's cache; should a Django version not
# have it, a mark that never matches, so that has_listeners() is always asked.
_NO_RECEIVERS = getattr(dispatcher, "NO_RECEIVERS", object())
# database alias -> whether tsunami's function exists there (PostgreSQL only)
_has_function: dict[str, bool] = {}
# (vendor, what, sizes...) -> SQL
_sql: dict[tuple[Any, ...], str] = {}


@cache
def _field(name: str) -> Any:
    from tsunami.models import Event

    return Event._meta.get_field(name)


def row_values(
    event_type: str,
    target_ctype_id: int,
    target_id: str,
    data: Any,
    previous_data: Any,
    user_id: Any,
    created_at: Any,
    connection: Any,
) -> list[Any]:
    """Return an event's column values (without ``id``), prepared as the ORM prepares them.

    ``created_at`` comes prepared already. Going through every field's
    ``get_db_prep_save()`` costs more than the insert on SQLite; only the user needs the
    backend's adaptation.
    """
    return [
        event_type,
        int(target_ctype_id),
        str(target_id),
        _encode_json(data),
        None if previous_data is None else _encode_json(previous_data),
        None if user_id is None else _field("user").get_db_prep_save(user_id, connection),
        created_at,
    ]


def _values(event: Event, connection: Any) -> list[Any]:
    values = row_values(
        event.event_type,
        event.target_ctype_id,
        event.target_id,
        event.data,
        event.previous_data,
        event.user_id,
        _field("created_at").get_db_prep_save(event.created_at, connection),
        connection,
    )
    if event.pk is not None:
        values.insert(0, _field("id").get_db_prep_save(event.pk, connection))
    return values


def is_observed() -> bool:
    """Tell whether anything listens to ``Event``'s model signals, so events need instances."""
    from tsunami.models import Event

    for signal in _EVENT_SIGNALS:
        # What Signal.send() itself asks first: a cache that connect() and disconnect() reset.
        if signal.sender_receivers_cache.get(Event) is not _NO_RECEIVERS and (
            signal.has_listeners(Event)
        ):
            return True
    return False


def insert_event(event: Event, aggregate_keys: list[tuple[int, str]], connection: Any) -> None:
    """Insert ``event`` and its aggregates through ``connection``, sending the save signals."""
    from tsunami.models import Event

    using = connection.alias
    pre_save.send(sender=Event, instance=event, raw=False, using=using, update_fields=None)
    values = _values(event, connection)
    pk = write_rows(values, aggregate_keys, connection, has_pk=event.pk is not None)
    if event.pk is None:
        event.pk = pk
    event._state.adding = False
    event._state.db = using
    post_save.send(
        sender=Event, instance=event, created=True, update_fields=None, raw=False, using=using
    )


def write_rows(
    values: list[Any], aggregate_keys: list[tuple[int, str]], connection: Any, *, has_pk: bool
) -> Any:
    """Insert an event's row (``values``, led by its ``id`` if ``has_pk``) and its aggregates.

    Returns the event's primary key.
    """
    from tsunami.models import Event

    # The aggregates carry the event's time, already prepared for the event row.
    created_at = values[-1]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(_sql_for(connection, "event", len(values)), values)
            pk = values[0] if has_pk else None
            if pk is None:
                pk = connection.ops.last_insert_id(cursor, Event._meta.db_table, "id")
            rows = [(pk, ctype, object_id, created_at) for ctype, object_id in aggregate_keys]
            cursor.execute(
                _sql_for(connection, "aggregates", len(rows)),
                [value for row in rows for value in row],
            )
            return pk
        if not has_pk and has_function(connection):
            # The target, always the first aggregate, is written from the event's own
            # columns; the others are passed as two arrays (NULL for none).
            others = aggregate_keys[1:]
            ctypes = [ctype for ctype, _ in others] or None
            object_ids = [object_id for _, object_id in others] or None
            cursor.execute(_sql_for(connection, "call"), [*values, ctypes, object_ids])
        else:
            cursor.execute(
                _sql_for(connection, "event_with_aggregates", len(values), len(aggregate_keys)),
                [*values, created_at, *(value for key in aggregate_keys for value in key)],
            )
        return cursor.fetchone()[0]


def _sql_for(connection: Any, what: str, *sizes: int) -> str:
    """Return the (memoised) SQL of ``what``, built for ``sizes`` values or rows."""
    key = (connection.vendor, what, *sizes)
    sql = _sql.get(key)
    if sql is None:
        sql = _sql[key] = _BUILDERS[what](connection, *sizes)
    return sql


def _insert_event_sql(connection: Any, size: int) -> str:
    from tsunami.models import Event

    quote = connection.ops.quote_name
    columns = _EVENT_COLUMNS if size == len(_EVENT_COLUMNS) else ("id", *_EVENT_COLUMNS)
    return (
        f"INSERT INTO {quote(Event._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * size)})"
    )


def _insert_aggregates_sql(connection: Any, rows: int) -> str:
    from tsunami.models import EventAggregate

    quote = connection.ops.quote_name
    return (
        f"INSERT INTO {quote(EventAggregate._meta.db_table)} "
        f"({', '.join(map(quote, _AGGREGATE_COLUMNS))}) "
        f"VALUES {', '.join(['(%s, %s, %s, %s)'] * rows)}"
    )


def _insert_event_with_aggregates_sql(connection: Any, size: int, aggregates: int) -> str:
    from tsunami.models import EventAggregate

    quote = connection.ops.quote_name
    rows = ", ".join(["(%s, %s)"] * aggregates)
    return (
        f"WITH new_event AS ({_insert_event_sql(connection, size)} RETURNING {quote('id')}) "
        f"INSERT INTO {quote(EventAggregate._meta.db_table)} "
        f"({', '.join(map(quote, _AGGREGATE_COLUMNS))}) "
        f"SELECT new_event.{quote('id')}, a.ctype, a.object_id, %s "
        f"FROM new_event CROSS JOIN (VALUES {rows}) AS a (ctype, object_id) "
        f"RETURNING {quote('event_id')}"
    )


def _parameter_types(connection: Any) -> list[str]:
    # Without a length: a cast to varchar(n) would cut a longer value where the
    # column refuses it.
    return [_field(column).db_type(connection).split("(")[0] for column in _EVENT_COLUMNS]


def _call_sql(connection: Any) -> str:
    # Every argument is cast to its parameter's type, so that the call resolves to the
    # function whatever type the driver sends a value as (an int as bigint, say).
    kinds = [*_parameter_types(connection), "integer[]", "varchar[]"]
    arguments = ", ".join(f"%s::{kind}" for kind in kinds)
    return f"SELECT {connection.ops.quote_name(FUNCTION)}({arguments})"


_BUILDERS: dict[str, Callable[..., str]] = {
    "event": _insert_event_sql,
    "aggregates": _insert_aggregates_sql,
    "event_with_aggregates": _insert_event_with_aggregates_sql,
    "call": _call_sql,
}


def has_function(connection: Any) -> bool:
    """Tell whether the PostgreSQL database of ``connection`` has tsunami's insert function.

    Asked once per process and database, through the driver's own cursor: a catalog
    lookup, not one of the application's queries.
    """
    found = _has_function.get(connection.alias)
    if found is None:
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_proc "
                "WHERE proname = %s AND pg_function_is_visible(oid))",
                [FUNCTION],
            )
            found = _has_function[connection.alias] = bool(cursor.fetchone()[0])
    return found


def function_sql(connection: Any) -> str:
    """Return the ``CREATE OR REPLACE FUNCTION`` statement of tsunami's insert function.

    Its parameters take the types Django gives the columns they fill (the user's follows
    ``AUTH_USER_MODEL``).
    """
    from tsunami.models import Event, EventAggregate

    quote = connection.ops.quote_name
    parameters = ", ".join(
        f"p_{column} {kind}"
        for column, kind in zip(_EVENT_COLUMNS, _parameter_types(connection), strict=True)
    )
    aggregate_table = quote(EventAggregate._meta.db_table)
    aggregate_columns = ", ".join(map(quote, _AGGREGATE_COLUMNS))
    return f"""
CREATE OR REPLACE FUNCTION {quote(FUNCTION)}(
    {parameters}, p_aggregate_ctype_ids integer[], p_aggregate_ids varchar[]
) RETURNS bigint LANGUAGE plpgsql AS $tsunami$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO {quote(Event._meta.db_table)} ({", ".join(map(quote, _EVENT_COLUMNS))})
    VALUES ({", ".join(f"p_{column}" for column in _EVENT_COLUMNS)})
    RETURNING {quote("id")} INTO new_id;
    INSERT INTO {aggregate_table} ({aggregate_columns})
    VALUES (new_id, p_target_ctype_id, p_target_id, p_created_at);
    FOR i IN 1 .. coalesce(array_length(p_aggregate_ctype_ids, 1), 0) LOOP
        INSERT INTO {aggregate_table} ({aggregate_columns})
        VALUES (new_id, p_aggregate_ctype_ids[i], p_aggregate_ids[i], p_created_at);
    END LOOP;
    RETURN new_id;
END
$tsunami$"""


def install_function(using: str = "default", **kwargs: Any) -> None:
    """Create or replace tsunami's insert function on PostgreSQL (``post_migrate``).

    Like Django's content types, it is made after ``migrate``, so it follows the tables,
    also where they were made without migrations. A failure is a warning, not a failed
    ``migrate``: events are then written without the function.
    """
    from tsunami.models import Event

    connection = connections[using]
    if connection.vendor != "postgresql" or not router.allow_migrate_model(using, Event):
        return
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(function_sql(connection))
    except DatabaseError as error:
        # A role that may migrate but not replace a function another role owns: events
        # still go through the existing function, or without one, through one INSERT.
        _has_function.pop(using, None)
        warnings.warn(
            f"tsunami could not create its PostgreSQL function {FUNCTION}: {error}".strip(),
            RuntimeWarning,
            stacklevel=2,
        )
        return
    _has_function[using] = True
