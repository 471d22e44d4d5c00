"""What tsunami records of each tracked model, worked out once per model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from tsunami import conf
from tsunami.diff import serializer

# Field types whose values can be changed in place and so are deep-copied in snapshots.
_MUTABLE_TYPES = frozenset({"JSONField", "ArrayField", "HStoreField"})


@dataclass(frozen=True)
class ModelSpec:
    """The fields of a tracked model that events record, and how."""

    label: str
    fields: tuple[models.Field[Any, Any], ...]
    masked: frozenset[str]
    mutable_attnames: tuple[str, ...]
    m2m_fields: tuple[models.ManyToManyField[Any, Any], ...]
    #: ``(name, attname, serialize)`` of each field: what a created or deleted event records.
    serializers: tuple[tuple[str, str, Callable[[Any], Any]], ...]


_specs: dict[type[models.Model], ModelSpec] = {}


def spec_for(model: type[models.Model]) -> ModelSpec:
    """Return the (memoised) spec of ``model``; proxies share their concrete model's."""
    try:
        return _specs[model]
    except KeyError:
        pass
    opts = (model._meta.concrete_model or model)._meta
    excluded = conf.excluded_fields(model)
    masked = conf.masked_fields(model)
    fields = tuple(
        field
        for field in opts.concrete_fields
        if not field.primary_key and field.name not in excluded
    )
    spec = ModelSpec(
        label=opts.label_lower,
        fields=fields,
        masked=masked,
        mutable_attnames=tuple(
            field.attname for field in fields if field.get_internal_type() in _MUTABLE_TYPES
        ),
        m2m_fields=tuple(field for field in opts.many_to_many if field.name not in excluded),
        serializers=tuple(
            (field.name, field.attname, _masked if field.name in masked else serializer(field))
            for field in fields
        ),
    )
    _specs[model] = spec
    return spec


def _masked(value: Any) -> str:
    return conf.mask_value()


def clear() -> None:
    """Forget every spec (called when the settings change)."""
    _specs.clear()
