"""``{% load tsunami %}``: render events as diffs; every value is escaped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from tsunami.diff import MISSING, UNKNOWN, json_diff
from tsunami.models import Event

register = template.Library()

#: Values longer than this many characters collapse into a ``<details>`` element.
COLLAPSE_AFTER = 120
_STANDARD_ACTIONS = ("created", "updated", "deleted")


@dataclass(frozen=True)
class DiffRow:
    """One line of an event's diff: a field (or a path inside a JSON field) and its values."""

    label: str
    kind: str  # "added", "removed", "changed" or "data"
    old: Any
    new: Any


def field_label(model: type[models.Model] | None, name: str) -> str:
    """Return the verbose name of field ``name`` of ``model``, or ``name`` if there is none."""
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            pass
        else:
            verbose_name = getattr(field, "verbose_name", None)
            if verbose_name:
                return capfirst(str(verbose_name))
    return name


def is_custom(event: Event) -> bool:
    """Return whether ``event`` carries free-form data rather than a change of fields."""
    return event.action not in _STANDARD_ACTIONS and not isinstance(event.previous_data, dict)


def diff_rows(event: Event) -> list[DiffRow]:
    """Return the rows of the diff of ``event``; JSON values are diffed key by key."""
    ctype: ContentType = event.target_ctype
    model = ctype.model_class()
    if is_custom(event):
        data = event.data if isinstance(event.data, dict) else {"": event.data}
        return [
            DiffRow(field_label(model, str(key)), "data", MISSING, value)
            for key, value in data.items()
        ]
    rows = []
    for change in event.changes():
        label = field_label(model, change.field)
        if change.old is MISSING:
            rows.append(DiffRow(label, "added", MISSING, change.new))
        elif change.new is MISSING:
            rows.append(DiffRow(label, "removed", change.old, MISSING))
        elif _is_container(change.old) and _is_container(change.new):
            leaves = json_diff(change.old, change.new)
            rows.extend(
                DiffRow(
                    f"{label}{'' if path.startswith('[') else '.'}{path}" if path else label,
                    _kind(old, new),
                    old,
                    new,
                )
                for path, old, new in leaves
            )
        else:
            rows.append(DiffRow(label, "changed", change.old, change.new))
    return rows


def _is_container(value: Any) -> bool:
    return isinstance(value, dict | list)


def _kind(old: Any, new: Any) -> str:
    if old is MISSING:
        return "added"
    if new is MISSING:
        return "removed"
    return "changed"


def summary(event: Event, limit: int = 4) -> str:
    """Return the names of the fields an event changed (or the keys of its data), shortened."""
    data = event.data if isinstance(event.data, dict) else {}
    model = event.target_ctype.model_class()
    names = [field_label(model, str(key)) for key in data]
    if not names:
        return "—"
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        return _("%(fields)s and %(count)d more") % {"fields": shown, "count": len(names) - limit}
    return shown


def _as_text(value: Any, indent: int | None = None) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=indent)


@register.filter
def tsunami_value(value: Any) -> SafeString:
    """Render a JSON value escaped; absent and unknown values get a marker, long ones fold."""
    if value is MISSING:
        return format_html('<span class="tsunami-absent">{}</span>', _("(none)"))
    if value is UNKNOWN:
        return format_html('<em class="tsunami-unknown">{}</em>', _("unknown"))
    css = "tsunami-json" if not isinstance(value, str) else "tsunami-string"
    text = _as_text(value)
    if len(text) <= COLLAPSE_AFTER and "\n" not in text:
        return format_html('<code class="{}">{}</code>', css, text)
    return format_html(
        '<details class="tsunami-long"><summary><code class="{}">{}…</code></summary>'
        '<pre class="{}">{}</pre></details>',
        css,
        text.splitlines()[0][:60] if text else "",
        css,
        _as_text(value, indent=2),
    )


@register.filter
def tsunami_json(value: Any) -> str:
    """Return ``value`` as indented JSON text (escaped by the template like any string)."""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


@register.inclusion_tag("tsunami/partials/diff.html")
def event_diff(event: Event) -> dict[str, Any]:
    """Render the diff of ``event`` as a table of field, before and after."""
    return {"event": event, "rows": diff_rows(event), "custom": is_custom(event)}
