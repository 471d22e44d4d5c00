"""The timeline table (django-tables2) and the bulk loading of the events' targets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import django_tables2 as tables
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tsunami.models import Event
from tsunami.templatetags.tsunami import summary

TARGET_ATTR = "tsunami_target"


def history_url(ctype: ContentType, object_id: Any) -> str:
    """Return the URL of the history page of object ``object_id`` of ``ctype``."""
    return reverse(
        "tsunami:object-history",
        kwargs={
            "app_label": ctype.app_label,
            "model_name": ctype.model,
            "object_id": str(object_id),
        },
    )


def load_objects(keys: Iterable[tuple[ContentType, str]]) -> dict[tuple[int, str], models.Model]:
    """Return the objects that still exist among ``keys``, one query per model."""
    wanted: dict[int, set[str]] = defaultdict(set)
    ctypes: dict[int, ContentType] = {}
    for ctype, object_id in keys:
        wanted[ctype.pk].add(object_id)
        ctypes[ctype.pk] = ctype
    found: dict[tuple[int, str], models.Model] = {}
    for ctype_id, object_ids in wanted.items():
        model = ctypes[ctype_id].model_class()
        if model is None:
            continue
        pk_field = model._meta.pk
        assert pk_field is not None
        pks = []
        for object_id in object_ids:
            try:
                pk = pk_field.to_python(object_id)
            except (ValidationError, ValueError, TypeError):
                continue
            if _fits(model, pk_field, pk):
                pks.append(pk)
        if pks:
            # str() often names a parent (an engine "of" its car): join the non-null foreign
            # keys, as the admin's changelist does, so that naming the targets stays one query.
            joins = [
                field.name
                for field in model._meta.concrete_fields
                if field.many_to_one or field.one_to_one
                if not field.null
            ]
            queryset = model._base_manager.filter(pk__in=pks)
            for obj in queryset.select_related(*joins) if joins else queryset:
                found[ctype_id, str(obj.pk)] = obj
    return found


def _fits(model: type[models.Model], field: Any, value: Any) -> bool:
    """Tell whether an integer key fits the column (SQLite raises on larger ones)."""
    if not isinstance(value, int):
        return True
    if field.is_relation:
        field = field.target_field
    ops = connections[router.db_for_read(model)].ops
    try:
        low, high = ops.integer_field_range(field.get_internal_type())
    except KeyError:
        return True
    return (low is None or low <= value) and (high is None or value <= high)


def attach_targets(events: Iterable[Event]) -> None:
    """Set ``tsunami_target`` on each event to its target, or ``None`` if it was deleted."""
    events = list(events)
    found = load_objects((event.target_ctype, event.target_id) for event in events)
    for event in events:
        setattr(event, TARGET_ATTR, found.get((event.target_ctype_id, event.target_id)))


def target_label(event: Event) -> str:
    """Return how the target of an event is named: its ``str()``, or its id if it is gone."""
    target = getattr(event, TARGET_ATTR, None)
    if target is not None:
        return str(target)
    return _("#%(id)s (deleted)") % {"id": event.target_id}


def _column(verbose_name: Any, *, th: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """Return a column whose cells carry its header, which narrow screens show instead.

    The label is the (lazy) header itself, not a callable: django-tables2 inspects a
    callable's signature for every cell it renders.
    """
    attrs: dict[str, Any] = {"td": {"data-label": verbose_name}}
    if th is not None:
        attrs["th"] = th
    return tables.Column(verbose_name=verbose_name, attrs=attrs, **kwargs)


class EventTable(tables.Table):
    """The events of the timeline: when, type, target, user and the fields changed."""

    when = _column(
        gettext_lazy("When"),
        accessor="created_at",
        order_by=("created_at", "id"),
        th={"class": "tsunami-col-when"},
    )
    event_type = _column(
        gettext_lazy("Event type"),
        orderable=False,
    )
    # The accessors avoid resolving the generic foreign key row by row.
    target = _column(
        gettext_lazy("Target"),
        accessor="target_id",
        empty_values=(),
        orderable=False,
    )
    user = _column(
        gettext_lazy("User"),
        accessor="user_id",
        empty_values=(),
        orderable=False,
    )
    summary = _column(
        gettext_lazy("Changed"),
        accessor="data",
        empty_values=(),
        orderable=False,
    )

    class Meta:
        template_name = "tsunami/partials/table.html"
        order_by_field = "sort"
        page_field = "after"
        attrs = {"class": "tsunami-table", "id": "tsunami-table"}
        empty_text = gettext_lazy("No events match these filters.")

    def render_when(self, record: Event) -> SafeString:
        value = record.created_at
        return format_html(
            '<a href="{}"><time datetime="{}">{}</time></a><span class="tsunami-ago">{}</span>',
            record.get_absolute_url(),
            value.isoformat(),
            date_format(timezone.localtime(value), "Y-m-d H:i:s"),
            _("%(time)s ago") % {"time": timesince(value)},
        )

    def render_event_type(self, value: str) -> SafeString:
        return format_html('<code class="tsunami-type">{}</code>', value)

    def render_target(self, record: Event) -> SafeString:
        ctype = record.target_ctype
        if getattr(record, TARGET_ATTR, None) is None:
            # A deleted object is plain text; its history stays one click away on the event page.
            return format_html(
                '<span class="tsunami-model">{}</span> <span class="tsunami-deleted">{}</span>',
                ctype.name,
                target_label(record),
            )
        return format_html(
            '<span class="tsunami-model">{}</span> <a href="{}">{}</a>',
            ctype.name,
            history_url(ctype, record.target_id),
            target_label(record),
        )

    def render_user(self, record: Event) -> str:
        user = record.user
        return user.get_username() if user is not None else "—"

    def render_summary(self, record: Event) -> str:
        return summary(record)
