"""Pure functions that turn field values into JSON-safe values and compare states.

Values take the form Django's JSON serializer gives them: a foreign key is its primary
key, a date or time an ISO string, a Decimal or UUID a string, a many-to-many relation
a list of primary keys and a JSONField its JSON. Nothing here touches the database.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile

_ENCODER = DjangoJSONEncoder()
_PRIMITIVES = (str, int, bool, type(None))


class _Marker:
    """A named placeholder for a value that is not there."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __bool__(self) -> bool:
        return False


#: The side of a change that does not exist (before a creation, after a deletion).
MISSING: Any = _Marker("MISSING")
#: A previous value that was not recorded with the event.
UNKNOWN: Any = _Marker("UNKNOWN")


class FieldChange(NamedTuple):
    """One field of an event's diff: its name, the value before and the value after."""

    field: str
    old: Any
    new: Any


def to_json(value: Any) -> Any:
    """Return ``value`` as a JSON-safe value in the format of Django's JSON serializer."""
    if isinstance(value, _PRIMITIVES):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, FieldFile):
        return value.name
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(item) for item in value]
    if isinstance(
        value,
        datetime.datetime
        | datetime.date
        | datetime.time
        | datetime.timedelta
        | decimal.Decimal
        | uuid.UUID,
    ):
        try:
            return _ENCODER.default(value)
        except ValueError:  # an aware time has no ISO form in the serializer
            return str(value)
    if isinstance(value, models.Model):
        return to_json(value.pk)
    return str(value)


def normalize(field: models.Field[Any, Any], value: Any) -> Any:
    """Return ``value`` converted to the Python type ``field`` holds.

    Values a project assigned but Django has not converted yet (an ISO string in a
    ``DateTimeField``, a string in a ``DecimalField``, a string in a foreign key's ``_id``)
    compare and serialize like the value the database will hand back.
    """
    if value is None or isinstance(field, models.JSONField):
        return value
    if isinstance(value, FieldFile):
        return value.name
    if isinstance(value, _PRIMITIVES + (float,)) and _is_native(field, value):
        return value
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


def serializer(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """Return a function that gives ``to_json(normalize(field, value))``, faster.

    Events of created and deleted objects serialize every field, so the types a field
    usually holds (a ``str`` in a text field, an ``int`` in a number or a foreign key, a
    ``date`` in Django's own ``DateField``...) skip the general checks.
    """
    if isinstance(field, models.JSONField):
        return to_json
    kind = field.get_internal_type()
    exact: dict[type, Callable[[Any], Any]]
    if kind in _TEXT_TYPES:
        exact = {str: _same}
    elif kind not in _CONVERTED_TYPES:
        exact = {int: _same, bool: _same}
    else:
        # Only where the field converts values as Django's own does.
        stock = _STOCK_CONVERSIONS.get(kind)
        exact = stock[1] if stock and type(field).to_python is stock[0] else {}

    def serialize(value: Any) -> Any:
        if value is None:
            return None
        convert = exact.get(type(value))
        return convert(value) if convert else to_json(normalize(field, value))

    return serialize


def _same(value: Any) -> Any:
    return value


def _is_native(field: models.Field[Any, Any], value: Any) -> bool:
    """Tell whether a primitive ``value`` is already what ``field`` holds (no conversion)."""
    if isinstance(value, str):
        return field.get_internal_type() in _TEXT_TYPES
    return field.get_internal_type() not in _CONVERTED_TYPES


_TEXT_TYPES = frozenset(
    {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "FilePathField",
        "GenericIPAddressField",
        "IPAddressField",
    }
)
_CONVERTED_TYPES = frozenset(
    {"DecimalField", "DateField", "DateTimeField", "TimeField", "DurationField", "UUIDField"}
)
# internal type -> (Django's to_python, what its usual values serialize to, by exact type)
_STOCK_CONVERSIONS: dict[str, tuple[Any, dict[type, Callable[[Any], Any]]]] = {
    "DateField": (models.DateField.to_python, {datetime.date: datetime.date.isoformat}),
    "DateTimeField": (models.DateTimeField.to_python, {datetime.datetime: _ENCODER.default}),
    "DecimalField": (models.DecimalField.to_python, {decimal.Decimal: str}),
    "UUIDField": (models.UUIDField.to_python, {uuid.UUID: str}),
}


def json_diff(old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """Return the leaves that differ between two JSON values as ``(path, old, new)``.

    Objects are compared key by key and lists position by position; a key or position
    present on one side only has ``MISSING`` on the other.
    """
    changes: list[tuple[str, Any, Any]] = []
    _walk("", old, new, changes)
    return changes


def _walk(path: str, old: Any, new: Any, out: list[tuple[str, Any, Any]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in _ordered_union(old, new):
            _walk(_join(path, str(key)), old.get(key, MISSING), new.get(key, MISSING), out)
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            _walk(
                _join(path, f"[{index}]"),
                old[index] if index < len(old) else MISSING,
                new[index] if index < len(new) else MISSING,
                out,
            )
    elif old != new or type(old) is not type(new):
        out.append((path, old, new))


def _ordered_union(first: Iterable[Any], second: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys([*first, *second]))


def _join(path: str, part: str) -> str:
    if not path:
        return part
    return path + part if part.startswith("[") else f"{path}.{part}"
