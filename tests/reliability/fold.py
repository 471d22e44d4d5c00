"""Fold-and-compare: replay every object's events and compare with its database row.

For each object of a tracked model, the automatic events whose target it is are folded in
order (``created`` data, then each ``updated`` data) and the result is compared with the
current row, serialized the way tsunami serializes it. A lost change, an invented change,
an event out of order or a stale ``previous_data`` shows up as a difference; a deleted
object must end with a ``deleted`` event that carries the state the fold arrived at.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from tsunami import conf
from tsunami.diff import normalize, to_json
from tsunami.models import Event
from tsunami.specs import spec_for

_ABSENT: Any = object()


@dataclass
class FoldReport:
    """What a fold of one model found: the objects checked and every problem."""

    model: type[models.Model]
    objects: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return not self.problems


def serialize_row(instance: models.Model, *, m2m: bool = True) -> dict[str, Any]:
    """Return the instance's tracked fields as tsunami records them (masked, JSON-safe)."""
    spec = spec_for(type(instance))
    state = {
        f.name: conf.mask_value()
        if f.name in spec.masked
        else to_json(normalize(f, getattr(instance, f.attname)))
        for f in spec.fields
    }
    if m2m:
        for m2m_field in spec.m2m_fields:
            state[m2m_field.name] = _m2m_list(instance, m2m_field)
    return state


def _m2m_list(instance: models.Model, m2m_field: Any) -> list[Any]:
    through = m2m_field.remote_field.through
    source = through._meta.get_field(m2m_field.m2m_field_name())
    target = through._meta.get_field(m2m_field.m2m_reverse_field_name())
    values = through._base_manager.using(instance._state.db).filter(
        **{source.attname: getattr(instance, source.target_field.attname)}
    )
    return _sorted(to_json(v) for v in values.values_list(target.attname, flat=True))


def _sorted(values: Any) -> list[Any]:
    # The order tsunami gives a many-to-many list.
    return sorted(values, key=lambda v: (str(type(v)), v))


def fold(
    events: list[Event],
    m2m_names: tuple[str, ...] = (),
    fields: dict[str, Any] | None = None,
    masked: frozenset[str] = frozenset(),
) -> tuple[Any, list[str]]:
    """Fold one object's events (oldest first); return the state (None once deleted)."""
    fields = fields or {}
    problems: list[str] = []
    state: Any = _ABSENT
    for event in events:
        where = f"event #{event.pk} ({event.event_type})"
        action = event.action
        if state is None:
            problems.append(f"{where} comes after the object's deleted event")
            continue
        if action == "created":
            if state is not _ABSENT:
                problems.append(f"{where} is a second created event")
            if event.previous_data is not None:
                problems.append(f"{where} has previous_data")
            state = {name: [] for name in m2m_names}
            state.update(event.data)
        elif state is _ABSENT:
            problems.append(f"{where}: the object has no created event before it")
            state = {}
        if action == "updated":
            problems.extend(_apply_update(state, event, where, masked))
        elif action == "deleted":
            recorded = {k: v for k, v in state.items() if k not in m2m_names}
            if set(event.data) != set(recorded) or not all(
                _same(fields.get(k), v, event.data[k]) for k, v in recorded.items()
            ):
                problems.append(
                    f"{where} records {event.data!r}, the events folded to {recorded!r}"
                )
            state = None
        elif action != "created":
            problems.append(f"{where} has an unknown action")
    return (None if state is _ABSENT else state), problems


def _apply_update(
    state: dict[str, Any], event: Event, where: str, masked: frozenset[str]
) -> list[str]:
    problems = []
    if not event.data:
        problems.append(f"{where} changes nothing")
    previous = event.previous_data or {}
    for name, new in event.data.items():
        old = previous.get(name, _ABSENT)
        if old is not _ABSENT:
            if name in state and state[name] != old:
                problems.append(
                    f"{where}: previous {name}={old!r}, but the events folded to {state[name]!r}"
                )
            if old == new and name not in masked:
                problems.append(f"{where}: {name} did not change ({new!r})")
        state[name] = new
    return problems


def check_model(
    model: type[models.Model], *, using: str = "default", m2m: bool = True
) -> FoldReport:
    """Fold the events of every object of ``model`` and compare with the database."""
    spec = spec_for(model)
    report = FoldReport(model)
    ctype = ContentType.objects.db_manager(using).get_for_model(model)
    types = [f"{spec.label}.{action}" for action in ("created", "updated", "deleted")]
    by_object: dict[str, list[Event]] = defaultdict(list)
    for event in (
        Event.objects.using(using).filter(target_ctype=ctype, event_type__in=types).order_by("id")
    ):
        by_object[event.target_id].append(event)
        report.events += 1
    rows = {str(obj.pk): obj for obj in model._base_manager.using(using).all()}
    report.objects = len(set(rows) | set(by_object))
    m2m_names = tuple(f.name for f in spec.m2m_fields) if m2m else ()
    fields = {f.name: f for f in spec.fields}
    all_m2m = {f.name for f in spec.m2m_fields}
    for object_id in sorted(set(rows) | set(by_object)):
        folded, problems = fold(by_object.get(object_id, []), m2m_names, fields, spec.masked)
        label = f"{spec.label} {object_id}"
        report.problems.extend(f"{label}: {problem}" for problem in problems)
        row = rows.get(object_id)
        if row is None:
            if folded is not None:
                report.problems.append(f"{label}: gone from the database, but no deleted event")
            continue
        if not by_object.get(object_id):
            report.problems.append(f"{label}: exists, but has no events")
            continue
        if folded is None:
            report.problems.append(f"{label}: exists, but its events end with deleted")
            continue
        current = serialize_row(row, m2m=m2m)
        if not m2m:
            folded = {k: v for k, v in folded.items() if k not in all_m2m}
        for name in sorted(set(current) | set(folded)):
            want, got = current.get(name, _ABSENT), folded.get(name, _ABSENT)
            if not _same(fields.get(name), want, got):
                report.problems.append(
                    f"{label}: {name} is {_show(want)} in the database, "
                    f"the events fold to {_show(got)}"
                )
    return report


def _same(model_field: Any, want: Any, got: Any) -> bool:
    """Compare two recorded values; ``"1.50"`` and ``"1.5"`` are the same decimal."""
    if want == got:
        return True
    if model_field is None or _ABSENT in (want, got) or isinstance(model_field, models.JSONField):
        return False
    try:
        return bool(model_field.to_python(want) == model_field.to_python(got))
    except Exception:  # noqa: BLE001 - not comparable means not the same
        return False


def _show(value: Any) -> str:
    return "absent" if value is _ABSENT else repr(value)


def assert_folds(*models_: type[models.Model], using: str = "default", m2m: bool = True) -> int:
    """Assert that every object of ``models_`` folds to its row; return the objects checked."""
    problems: list[str] = []
    checked = 0
    for model in models_:
        report = check_model(model, using=using, m2m=m2m)
        checked += report.objects
        problems.extend(report.problems)
    assert not problems, "fold-and-compare found:\n" + "\n".join(problems[:50])
    return checked
