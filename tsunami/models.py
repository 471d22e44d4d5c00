"""Events and the objects they affect."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import connections, models, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunami import storage, tracking
from tsunami.diff import MISSING, UNKNOWN, FieldChange
from tsunami.exceptions import ImmutableEventError
from tsunami.globs import event_type_q

#: The characters an event type may contain: letters, digits, ``. - _ @ \ /``.
EVENT_TYPE_PATTERN = r"^[a-zA-Z0-9._@\\/-]+\Z"
EVENT_TYPE_MAX_LENGTH = 200

validate_event_type = RegexValidator(
    EVENT_TYPE_PATTERN,
    _("An event type may only contain letters, digits and the characters . - _ @ \\ /"),
    code="invalid_event_type",
)

_EVENT_TYPE_RE = re.compile(EVENT_TYPE_PATTERN)
# JSON's escape for NUL, not preceded by an escaped backslash ("\\u0000" is no NUL).
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
_MARIADB_MAX_JSON_DEPTH = 31
_IMMUTABLE = (
    "Events are immutable: they cannot be changed or deleted. "
    "Use Event.objects.filter(...).purge() to delete old events on purpose."
)


def content_type_label(ctype: ContentType) -> str:
    """Return ``app_label.model``, the label by which tsunami names a content type."""
    return f"{ctype.app_label}.{ctype.model}"


def _object_key(obj: models.Model) -> tuple[ContentType, str]:
    if obj.pk is None:
        raise ValueError(f"{obj!r} has no primary key, so it has no events.")
    return ContentType.objects.get_for_model(obj), str(obj.pk)


class EventQuerySet(models.QuerySet["Event"]):
    """The query API of events; refuses ``update()`` and ``delete()``."""

    def for_target(self, obj: models.Model) -> EventQuerySet:
        """Return the events whose target is ``obj``."""
        ctype, object_id = _object_key(obj)
        return self.filter(target_ctype=ctype, target_id=object_id)

    def for_object(self, obj: models.Model) -> EventQuerySet:
        """Return the events that affect ``obj``, directly or through its aggregates."""
        ctype, object_id = _object_key(obj)
        return self.for_aggregate(ctype, object_id)

    def for_aggregate(self, ctype: ContentType, object_id: Any) -> EventQuerySet:
        """Return the events that have the object ``(ctype, object_id)`` as an aggregate."""
        return self.filter(
            pk__in=EventAggregate.objects.filter(
                aggregate_ctype=ctype, aggregate_id=str(object_id)
            ).values("event_id")
        )

    def of_type(self, *patterns: str) -> EventQuerySet:
        """Return the events whose type matches any of ``patterns`` (globs like ``auth.user.*``)."""
        query = Q()
        for pattern in patterns:
            query |= event_type_q(pattern)
        return self.filter(query) if patterns else self.none()

    def by_user(self, user: Any) -> EventQuerySet:
        """Return the events attributed to ``user``."""
        return self.filter(user=user)

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Event]:  # type: ignore[override]
        raise NotImplementedError(
            "Events are validated and their aggregates written one by one: "
            "use Event.objects.create() for each event."
        )

    def update(self, **kwargs: Any) -> int:
        raise ImmutableEventError(_IMMUTABLE)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError(_IMMUTABLE)

    delete.queryset_only = True  # type: ignore[attr-defined]

    def purge(self) -> tuple[int, dict[str, int]]:
        """Delete these events and their aggregates: the escape hatch for retention jobs."""
        return super().delete()

    purge.queryset_only = True  # type: ignore[attr-defined]


class Event(models.Model):
    """A change or other occurrence of interest that affects a model instance."""

    id = models.BigAutoField(primary_key=True)
    event_type = models.CharField(
        _("event type"), max_length=EVENT_TYPE_MAX_LENGTH, validators=[validate_event_type]
    )
    # The foreign keys' own indexes would duplicate the leading columns of the named
    # indexes below; every index is one more B-tree written per event. The references to
    # content types are checked by Django (PROTECT), not by a database constraint, which
    # would lock the content type's row and check it again at every commit.
    target_ctype = models.ForeignKey(
        ContentType,
        models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("target type"),
    )
    target_id = models.CharField(_("target id"), max_length=255)
    target = GenericForeignKey("target_ctype", "target_id")
    data = models.JSONField(_("data"), encoder=DjangoJSONEncoder, default=dict, blank=True)
    previous_data = models.JSONField(
        _("previous values"),
        encoder=DjangoJSONEncoder,
        null=True,
        blank=True,
        help_text=_("The values the changed fields had before an update."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="tsunami_event_created_idx"),
            models.Index(
                fields=["target_ctype", "target_id", "-created_at", "-id"],
                name="tsunami_event_target_idx",
            ),
            models.Index(
                fields=["event_type", "-created_at", "-id"], name="tsunami_event_type_idx"
            ),
            models.Index(fields=["user", "-created_at", "-id"], name="tsunami_event_user_idx"),
            # The model filter, and the window of a user who may view only some models.
            models.Index(
                fields=["target_ctype", "-created_at", "-id"], name="tsunami_event_model_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Validate and insert a new event with its aggregates; refuse to change one."""
        if not self._state.adding:
            raise ImmutableEventError(_IMMUTABLE)
        self._insert(kwargs.get("using") or self._state.db or "default", check_data=True)

    save.alters_data = True  # type: ignore[attr-defined]

    def get_absolute_url(self) -> str:
        """Return the event's page in the timeline UI, or its admin page."""
        try:
            return reverse("tsunami:event", kwargs={"pk": self.pk})
        except NoReverseMatch:
            return reverse("admin:tsunami_event_change", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError(_IMMUTABLE)

    def _insert(self, using: str, *, check_data: bool) -> None:
        self.full_clean_data(using, check_data=check_data)
        if self.user_id is None and "user" not in self._state.fields_cache:
            self.user = tracking.current_user()
        target = self._state.fields_cache.get("target")
        if target is None and self._target_model_exists():
            target = self.target
        # Collected before the insert, so that a failing get_event_aggregates() writes nothing.
        self._aggregate_keys = collect_aggregates(self.target_ctype_id, self.target_id, target)
        cached_user = self._state.fields_cache.get("user")
        if cached_user is not None and cached_user.pk is None:
            raise ValueError("save() prohibited: the event's user is not saved yet.")
        connection = connections[using]
        _atomically(connection, storage.insert_event, self, self._aggregate_keys, connection)

    def full_clean_data(self, using: str | None = None, *, check_data: bool = True) -> None:
        """Validate the event type and check that ``data`` can be stored as JSON (in ``using``)."""
        validate_event(
            self.event_type,
            self.target_ctype_id,
            self.target_id,
            self.data,
            self.previous_data,
            using,
            check_data=check_data,
        )

    def _target_model_exists(self) -> bool:
        if self.target_ctype_id is None:
            return False
        return ContentType.objects.get_for_id(self.target_ctype_id).model_class() is not None

    @property
    def action(self) -> str:
        """Return the last part of the event type (``created``, ``updated``, ...)."""
        return self.event_type.rsplit(".", 1)[-1]

    def changes(self) -> list[FieldChange]:
        """Return the event's diff as ``(field, old, new)`` tuples.

        ``old`` is ``MISSING`` for a created object, ``new`` is ``MISSING`` for a deleted
        one, and ``old`` is ``UNKNOWN`` where an update did not record the previous value.
        """
        data = self.data if isinstance(self.data, dict) else {}
        action = self.action
        if action == "created":
            return [FieldChange(field, MISSING, value) for field, value in data.items()]
        if action == "deleted":
            return [FieldChange(field, value, MISSING) for field, value in data.items()]
        previous = self.previous_data if isinstance(self.previous_data, dict) else {}
        return [
            FieldChange(field, previous.get(field, UNKNOWN), value) for field, value in data.items()
        ]


class EventAggregateQuerySet(models.QuerySet["EventAggregate"]):
    """Refuses ``update()`` and ``delete()``, so aggregates are as immutable as events."""

    def update(self, **kwargs: Any) -> int:
        raise ImmutableEventError(_IMMUTABLE)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError(_IMMUTABLE)

    delete.queryset_only = True  # type: ignore[attr-defined]


class EventAggregate(models.Model):
    """An object that an event affects, directly (its target) or indirectly."""

    id = models.BigAutoField(primary_key=True)
    # Like the event's own, these references are kept by Django, not by database
    # constraints: tsunami writes both rows in one statement, and purge() deletes both.
    event = models.ForeignKey(
        Event,
        models.CASCADE,
        db_index=False,
        db_constraint=False,
        related_name="aggregates",
        related_query_name="aggregate",
        verbose_name=_("event"),
    )
    aggregate_ctype = models.ForeignKey(
        ContentType,
        models.PROTECT,
        db_index=False,
        db_constraint=False,
        related_name="+",
        verbose_name=_("aggregate type"),
    )
    aggregate_id = models.CharField(_("aggregate id"), max_length=255)
    aggregate = GenericForeignKey("aggregate_ctype", "aggregate_id")
    # A copy of the event's time, so that an object's history pages through one index.
    created_at = models.DateTimeField(_("created at"))

    objects = EventAggregateQuerySet.as_manager()

    class Meta:
        verbose_name = _("event aggregate")
        verbose_name_plural = _("event aggregates")
        ordering = ("id",)
        indexes = [
            models.Index(
                fields=["aggregate_ctype", "aggregate_id", "-created_at", "-event"],
                name="tsunami_aggregate_object_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "aggregate_ctype", "aggregate_id"],
                name="tsunami_aggregate_unique",
            ),
        ]

    def __str__(self) -> str:
        ctype = ContentType.objects.get_for_id(self.aggregate_ctype_id)
        return f"{content_type_label(ctype)}:{self.aggregate_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuse to change an aggregate once written."""
        if not self._state.adding:
            raise ImmutableEventError(_IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError(_IMMUTABLE)


def insert_automatic_event(
    target: models.Model,
    event_type: str,
    target_ctype_id: int,
    data: dict[str, Any],
    previous_data: dict[str, Any] | None,
    using: str,
) -> None:
    """Write an automatic event's rows as ``Event._insert()`` would, without an instance.

    For when nothing listens to ``Event``'s model signals (``storage.is_observed()``):
    building an instance, and sending its signals, would cost a tracked save for an
    object nobody sees. The rows, the checks and the transaction are the same.
    """
    target_id = str(target.pk)
    validate_event(
        event_type, target_ctype_id, target_id, data, previous_data, using, check_data=False
    )
    user = tracking.current_user()
    connection = connections[using]
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    keys = collect_aggregates(target_ctype_id, target_id, target)
    values = storage.row_values(
        event_type,
        target_ctype_id,
        target_id,
        data,
        previous_data,
        None if user is None else user.pk,
        created_at,
        connection,
    )
    _atomically(connection, storage.write_rows, values, keys, connection, has_pk=False)


def _atomically(connection: Any, write: Any, *args: Any, **kwargs: Any) -> None:
    if connection.in_atomic_block:
        # Inside a transaction the event simply joins it (no savepoint round trips).
        write(*args, **kwargs)
    else:
        # In autocommit mode the event and its aggregates still commit together.
        with transaction.atomic(using=connection.alias):
            write(*args, **kwargs)


def validate_event(
    event_type: Any,
    target_ctype_id: Any,
    target_id: Any,
    data: Any,
    previous_data: Any,
    using: str | None,
    *,
    check_data: bool,
) -> None:
    """Raise ``ValidationError`` unless these values make an event ``using`` can store.

    Automatic events skip the JSON check (``check_data``): their values come from
    ``tsunami.diff`` and are JSON-safe wherever the model's own row could be stored.
    """
    if not isinstance(event_type, str) or not event_type:
        raise ValidationError({"event_type": _("An event needs an event type.")})
    if len(event_type) > EVENT_TYPE_MAX_LENGTH:
        raise ValidationError(
            {
                "event_type": _("An event type has at most %(max)d characters.")
                % {"max": EVENT_TYPE_MAX_LENGTH}
            }
        )
    # fullmatch, not the validator's search: "$" also matches before a final newline.
    if not _EVENT_TYPE_RE.fullmatch(event_type):
        raise ValidationError({"event_type": [validate_event_type.message]})
    if target_ctype_id is None or target_id in (None, ""):
        raise ValidationError({"target": _("An event needs a target object.")})
    if data is None:
        # The column is NOT NULL: without this the database refuses it with an IntegrityError.
        raise ValidationError({"data": _("Event data may not be None; use {} for no data.")})
    if check_data:
        check_json(data, "data", using)
        check_json(previous_data, "previous_data", using)
        return
    # Automatic events hold JSON-safe values, but wrapping a model's JSONField value
    # adds a level of nesting that the model's own row did not have.
    limit = _max_json_depth(using)
    _check_depth(data, "data", limit)
    _check_depth(previous_data, "previous_data", limit)


def check_json(value: Any, name: str = "data", using: str | None = None) -> None:
    """Raise ``ValidationError`` unless ``value`` can be stored as JSON in the database ``using``.

    Without ``using``, the value must suit every backend.
    """
    try:
        text = json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as error:
        raise ValidationError(
            {
                name: _("Event %(name)s is not JSON-serializable: %(error)s")
                % {"name": name, "error": error}
            }
        ) from None
    _check_depth(value, name, _max_json_depth(using))
    if _NUL_ESCAPE.search(text) and (using is None or connections[using].vendor == "postgresql"):
        # PostgreSQL's jsonb cannot store NUL; the other backends store it faithfully.
        raise ValidationError(
            {name: _("Event %(name)s may not contain NUL characters.") % {"name": name}}
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            {name: _("Event %(name)s contains a lone surrogate character.") % {"name": name}}
        ) from None


def _check_depth(value: Any, name: str, max_depth: int | None) -> None:
    if max_depth is not None and _nested_deeper_than(value, max_depth):
        raise ValidationError(
            {
                name: _("Event %(name)s is nested more than %(max)d levels deep.")
                % {"name": name, "max": max_depth}
            }
        )


def _max_json_depth(using: str | None) -> int | None:
    # MariaDB's JSON_VALID, the check on its JSON columns, refuses 32 nested arrays/objects.
    if using is None:
        return _MARIADB_MAX_JSON_DEPTH
    connection: Any = connections[using]
    if connection.vendor == "mysql" and connection.mysql_is_mariadb:
        return _MARIADB_MAX_JSON_DEPTH
    return None


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Tell whether lists and dicts nest more than ``limit`` levels deep in ``value``."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def collect_aggregates(
    ctype_id: int, object_id: Any, target: models.Model | None
) -> list[tuple[int, str]]:
    """Return ``(content type id, object id)`` of the target and everything it aggregates into.

    ``get_event_aggregates()`` is followed recursively; each object appears once, so
    duplicates and cycles end the walk.
    """
    keys = [(ctype_id, str(object_id))]
    seen = set(keys)
    pending = [target] if target is not None else []
    while pending:
        obj = pending.pop(0)
        get_aggregates = getattr(obj, "get_event_aggregates", None)
        if get_aggregates is None:
            continue
        for aggregate in get_aggregates() or ():
            if aggregate is None or aggregate.pk is None:
                continue
            key = (ContentType.objects.get_for_model(aggregate).pk, str(aggregate.pk))
            if key not in seen:
                seen.add(key)
                keys.append(key)
                pending.append(aggregate)
    return keys
