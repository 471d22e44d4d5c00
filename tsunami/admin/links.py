"""Links from events to the objects they name by content type and id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

#: A ``(content type, object id as stored in an event)`` pair.
ObjectKey = tuple[ContentType, str]


def _python_pk(model: type[models.Model], object_id: str) -> Any:
    try:
        return model._meta.pk.to_python(object_id)
    except (ValidationError, ValueError, TypeError):
        return None


def existing_objects(keys: Iterable[ObjectKey]) -> set[ObjectKey]:
    """Return the keys whose object still exists, in one query per database.

    The ids of every content type are looked up together: a ``UNION`` of one
    primary-key lookup per model, so a page of events costs one query whatever
    mix of models it names.
    """
    wanted: dict[str, dict[ContentType, dict[Any, list[str]]]] = defaultdict(dict)
    for ctype, object_id in keys:
        model = ctype.model_class()
        pk = None if model is None else _python_pk(model, object_id)
        if model is None or pk is None:
            continue
        by_pk = wanted[router.db_for_read(model)].setdefault(ctype, defaultdict(list))
        by_pk[pk].append(object_id)
    found: set[ObjectKey] = set()
    for using, ctypes in wanted.items():
        queries = [
            ctype.model_class()
            ._base_manager.using(using)  # type: ignore[union-attr]
            .filter(pk__in=list(by_pk))
            .order_by()
            .values_list(
                models.Value(ctype.pk, output_field=models.IntegerField()),
                Cast("pk", output_field=models.CharField(max_length=255)),
            )
            for ctype, by_pk in ctypes.items()
        ]
        union = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
        by_id = {ctype.pk: ctype for ctype in ctypes}
        for ctype_id, text in union:
            ctype = by_id[ctype_id]
            pk = _python_pk(ctype.model_class(), text)  # type: ignore[arg-type]
            found.update((ctype, object_id) for object_id in ctypes[ctype].get(pk, ()))
    return found


def admin_change_url(site: AdminSite, ctype: ContentType, object_id: str) -> str | None:
    """Return the object's change page on ``site``, or ``None`` when its model is not there."""
    model = ctype.model_class()
    if model is None or not site.is_registered(model):
        return None
    opts = model._meta
    try:
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[quote(object_id)],
            current_app=site.name,
        )
    except NoReverseMatch:
        return None


def events_url(ctype: ContentType, object_id: str, site: AdminSite | None = None) -> str | None:
    """Return the list of the object's events, including those of objects aggregated into it.

    That is the timeline's per-object history when ``tsunami.urls`` is mounted, else the
    Event admin changelist filtered by aggregate (on ``site`` if it has the Event admin,
    else on the default site), else ``None``.
    """
    from django.contrib import admin

    from tsunami.models import Event

    try:
        return reverse(
            "tsunami:object-history",
            kwargs={
                "app_label": ctype.app_label,
                "model_name": ctype.model,
                "object_id": object_id,
            },
        )
    except NoReverseMatch:
        pass
    query = urlencode({"aggregate_ctype": str(ctype.pk), "aggregate_id": object_id})
    for candidate in (site, admin.site):
        if candidate is None or not candidate.is_registered(Event):
            continue
        try:
            url = reverse("admin:tsunami_event_changelist", current_app=candidate.name)
        except NoReverseMatch:
            continue
        return f"{url}?{query}"
    return None
