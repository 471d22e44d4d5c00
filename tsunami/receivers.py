"""The functions connected to Django's model signals, and ``connect()``/``disconnect()``.

Receivers are connected per tracked model (never for every model), so untracked models
keep Django's fast paths, such as deleting without loading rows first.
"""

from __future__ import annotations

import functools
import inspect
from collections import defaultdict
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models
from django.db.models import signals
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone

from tsunami import conf, specs, storage, tracking
from tsunami.diff import normalize, to_json
from tsunami.models import Event, insert_automatic_event
from tsunami.specs import ModelSpec, spec_for

_UID = "tsunami.receivers"
_M2M_STASH = "_tsunami_m2m"
# through model -> the (declaring model, field) pairs it serves
_through_fields: dict[type[models.Model], list[tuple[type[models.Model], Any]]] = defaultdict(list)
_connected: list[tuple[signals.ModelSignal, type[models.Model], str]] = []
# tracked model -> how its loaded instances keep their rows as snapshots
_loaded_rows: dict[type[models.Model], tracking.LoadedRows] = {}
# (through model, source attname, target attname, database alias) -> (SQL, its compiler)
_row_queries: dict[tuple[Any, ...], tuple[str, Any]] = {}


def _serialize(spec: ModelSpec, field: Any, value: Any) -> Any:
    if field.name in spec.masked:
        return conf.mask_value()
    return to_json(normalize(field, value))


def _state_of(instance: models.Model, spec: ModelSpec, state: dict[str, Any]) -> dict[str, Any]:
    return {
        name: serialize(state[attname])
        for name, attname, serialize in spec.serializers
        if attname in state
    }


def _changes(
    instance: models.Model, spec: ModelSpec, update_fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the new and the previous values of the fields that changed."""
    snapshot = _snapshot_of_row(instance) or {}
    state = instance.__dict__
    data: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    for field in spec.fields:
        attname = field.attname
        if attname not in state or (
            update_fields is not None
            and field.name not in update_fields
            and attname not in update_fields
        ):
            continue
        new = state[attname]
        if attname in snapshot:
            old = snapshot[attname]
            if _equal(old, new):
                continue
            old, new = normalize(field, old), normalize(field, new)
            if _same_value(old, new):
                continue
            previous[field.name] = _serialize(spec, field, old)
        data[field.name] = _serialize(spec, field, new)
    return data, previous


def _equal(old: Any, new: Any) -> bool:
    """Compare raw attribute values strictly: ``1 == True`` is not the same value."""
    try:
        return bool(old is new or (type(old) is type(new) and old == new))
    except Exception:  # noqa: BLE001 - a value that cannot be compared has changed
        return False


def _same_value(old: Any, new: Any) -> bool:
    """Compare values converted to the field's type (``Decimal("2.250")`` is ``"2.25"``)."""
    try:
        return bool(old == new)
    except Exception:  # noqa: BLE001
        return False


def _attnames(spec: ModelSpec, names: Any) -> set[str]:
    """Return the attribute names of the fields called ``names`` (all fields for ``None``)."""
    if names is None:
        return {field.attname for field in spec.fields}
    names = set(names)
    return {f.attname for f in spec.fields if f.name in names or f.attname in names}


def _write_event(
    instance: models.Model,
    spec: ModelSpec,
    action: str,
    data: dict[str, Any],
    previous: dict[str, Any] | None,
    using: str,
) -> None:
    get_event_type = getattr(instance, "get_event_type", None)
    event_type = (get_event_type(data) if callable(get_event_type) else None) or (
        f"{spec.label}.{action}"
    )
    ctype_id = ContentType.objects.get_for_model(instance).pk
    if not storage.is_observed():
        insert_automatic_event(instance, event_type, ctype_id, data, previous, using)
        return
    # Positional arguments take Model.__init__'s fast path; the order is Event's fields'
    # (pinned by a test; django-stubs orders them differently, hence the ignore).
    event = Event(  # type: ignore[misc]
        None, event_type, ctype_id, str(instance.pk), data, previous, None, timezone.now()
    )
    event._state.fields_cache["target"] = instance
    event._insert(using, check_data=False)


def _is_recording(instance: Any) -> bool:
    return not tracking.is_suspended() and not tracking.is_muted(instance)


def _snapshot_of_row(instance: models.Model) -> dict[str, Any] | None:
    """Return the instance's snapshot, unless it is of another row than the one it saves.

    An instance given another primary key after loading (to save over another row, or
    to delete it) knows nothing of that row's values.
    """
    snapshot = tracking.get_snapshot(instance)
    if snapshot is not None:
        attname = instance._meta.pk.attname
        if attname in snapshot and snapshot[attname] != instance.pk:
            return None
    return snapshot


def on_post_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    raw: bool = False,
    using: str = "default",
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    """Record a created or updated event, then refresh the snapshot."""
    spec = spec_for(sender)
    if not raw and _is_recording(instance):
        if created:
            _write_event(
                instance, spec, "created", _state_of(instance, spec, instance.__dict__), None, using
            )
        else:
            data, previous = _changes(instance, spec, update_fields)
            if data:
                _write_event(instance, spec, "updated", data, previous, using)
    if update_fields is None or created:
        tracking.take_snapshot(instance, spec.mutable_attnames)
    else:
        # Fields left out of update_fields were not saved: they still differ from the row.
        tracking.refresh_snapshot(instance, _attnames(spec, update_fields), spec.mutable_attnames)


def on_post_delete(
    sender: type[models.Model], instance: models.Model, using: str = "default", **kwargs: Any
) -> None:
    """Record a deleted event with the last known state of the instance."""
    if not _is_recording(instance):
        return
    spec = spec_for(sender)
    state = _snapshot_of_row(instance) or instance.__dict__
    _write_event(instance, spec, "deleted", _state_of(instance, spec, state), None, using)


def on_user_pre_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Stop events written during a user's deletion from referencing that user."""
    tracking.note_user_deleted(instance)


def on_m2m_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: set[Any] | None,
    using: str = "default",
    **kwargs: Any,
) -> None:
    """Record an updated event with the field's new list on each declaring instance."""
    if not _is_recording(instance):
        return
    for model, field in _through_fields.get(sender, ()):
        if reverse or isinstance(instance, model):
            _M2MChange(sender, model, field, instance, reverse, using).handle(action, pk_set)
        if not reverse and field.remote_field.symmetrical and isinstance(instance, model):
            # Django also writes the mirror rows: the other side's lists change too.
            _M2MChange(sender, model, field, instance, True, using).handle(action, pk_set)


class _M2MChange:
    """One many-to-many operation seen from the model that declares the field."""

    def __init__(
        self,
        through: type[models.Model],
        model: type[models.Model],
        field: Any,
        instance: models.Model,
        reverse: bool,
        using: str,
    ) -> None:
        self.model, self.field, self.instance, self.reverse, self.using = (
            model,
            field,
            instance,
            reverse,
            using,
        )
        self.through = through
        source: Any = through._meta.get_field(field.m2m_field_name())
        target: Any = through._meta.get_field(field.m2m_reverse_field_name())
        self.source = source
        self.source_attname, self.target_attname = source.attname, target.attname
        # The value by which the through table refers to the other side's instance.
        related = source if not reverse else target
        self.instance_value = getattr(instance, related.target_field.attname)
        self.owner_field_name = source.target_field.name
        self.stash_key = (through, field.name, reverse)

    def handle(self, action: str, pk_set: set[Any] | None) -> None:
        stash = self.instance.__dict__.setdefault(_M2M_STASH, {})
        if action in ("pre_remove", "pre_clear"):
            stash[self.stash_key] = self._current_lists(pk_set if action == "pre_remove" else None)
        elif action == "post_add" and pk_set:
            after = self._current_lists(None if not self.reverse else pk_set)
            if self.reverse:
                # The mirror rows of a symmetrical relation are inserted after this signal.
                after = {owner: values | {self.instance_value} for owner, values in after.items()}
            self._record(self._lists_before_add(after, pk_set), after)
        elif action in ("post_remove", "post_clear"):
            before = stash.pop(self.stash_key, {})
            self._record(before, self._lists_after_removal(before, pk_set, action))

    def _current_lists(self, owners: set[Any] | None) -> dict[Any, set[Any]]:
        """Return each declaring instance's related values, as in the database now."""
        rows = self._rows_of_instance() if not self.reverse else self._rows_of_owners(owners)
        lists: dict[Any, set[Any]] = defaultdict(set)
        for owner in [self.instance_value] if not self.reverse else owners or ():
            lists[owner] = set()
        for owner, value in rows:
            lists[owner].add(value)
        return lists

    def _rows_of_owners(self, owners: set[Any] | None) -> Any:
        """Return the ``(owner, value)`` rows of ``owners``, or of every owner of the instance."""
        rows = self.through._base_manager.using(self.using)
        if owners is not None:
            rows = rows.filter(**{f"{self.source_attname}__in": owners})
        else:
            rows = rows.filter(
                **{
                    f"{self.source_attname}__in": self.through._base_manager.using(self.using)
                    .filter(**{self.target_attname: self.instance_value})
                    .values(self.source_attname)
                }
            )
        return rows.values_list(self.source_attname, self.target_attname)

    def _rows_of_instance(self) -> Any:
        """Return the instance's ``(owner, value)`` rows of the through table.

        Every ``add()`` and ``remove()`` runs this query, and building it through the ORM
        costs ten times what running it does: it is compiled once per relation and
        database, and its rows still go through the ORM's converters.
        """
        connection = connections[self.using]
        param = self.source.get_db_prep_value(self.instance_value, connection, prepared=False)
        key = (self.through, self.source_attname, self.target_attname, self.using)
        compiled = _row_queries.get(key)
        if compiled is None:
            queryset = (
                self.through._base_manager.using(self.using)
                .filter(**{self.source_attname: self.instance_value})
                .values_list(self.source_attname, self.target_attname)
            )
            compiler = queryset.query.get_compiler(self.using)
            sql, params = compiler.as_sql()
            if list(params) != [param]:
                return queryset  # a base manager that filters: run as it is, uncompiled
            compiled = _row_queries[key] = (sql, compiler)
        sql, compiler = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, [param])
            return list(compiler.results_iter(results=[cursor.fetchall()]))

    def _lists_before_add(
        self, after: dict[Any, set[Any]], pk_set: set[Any]
    ) -> dict[Any, set[Any]]:
        added = pk_set if not self.reverse else {self.instance_value}
        return {owner: values - added for owner, values in after.items()}

    def _lists_after_removal(
        self, before: dict[Any, set[Any]], pk_set: set[Any] | None, action: str
    ) -> dict[Any, set[Any]]:
        if action == "post_clear" and not self.reverse:
            return {owner: set() for owner in before}
        removed = (pk_set or set()) if not self.reverse else {self.instance_value}
        return {owner: values - removed for owner, values in before.items()}

    def _record(self, before: dict[Any, set[Any]], after: dict[Any, set[Any]]) -> None:
        changed = sorted(
            (owner for owner in after if before.get(owner, set()) != after[owner]), key=_json_key
        )
        if not changed:
            return
        if self.reverse:
            owners = self.model._base_manager.using(self.using).in_bulk(
                changed, field_name=self.owner_field_name
            )
        else:
            owners = {self.instance_value: self.instance}
        spec = spec_for(self.model)
        name = self.field.name
        for owner_value in changed:
            owner = owners.get(owner_value)
            if owner is None or not _is_recording(owner):
                continue
            _write_event(
                owner,
                spec,
                "updated",
                {name: _sorted_json(after[owner_value])},
                {name: _sorted_json(before.get(owner_value, set()))},
                self.using,
            )


def _json_key(value: Any) -> tuple[str, Any]:
    value = to_json(value)
    return str(type(value)), value


def _sorted_json(values: set[Any]) -> list[Any]:
    return sorted((to_json(value) for value in values), key=_json_key)


def _connect(signal: signals.ModelSignal, receiver: Any, sender: type[models.Model]) -> None:
    uid = f"{_UID}.{receiver.__name__}.{sender._meta.label_lower}.{id(sender)}"
    signal.connect(receiver, sender=sender, weak=False, dispatch_uid=uid)
    _connected.append((signal, sender, uid))


def connect() -> None:
    """Connect the receivers for every tracked model under the current settings."""
    disconnect()
    for model in apps.get_models(include_auto_created=False):
        if not conf.is_tracked(model):
            continue
        _loaded_rows[model] = tracking.LoadedRows(model, spec_for(model).mutable_attnames)
        _connect(signals.post_save, on_post_save, model)
        _connect(signals.post_delete, on_post_delete, model)
        if model._meta.proxy:
            continue
        for field in spec_for(model).m2m_fields:
            through: Any = field.remote_field.through
            if not _through_fields[through]:
                _connect(signals.m2m_changed, on_m2m_changed, through)
            _through_fields[through].append((model, field))
    _connect(signals.pre_delete, on_user_pre_delete, apps.get_model(settings.AUTH_USER_MODEL))


def disconnect() -> None:
    """Disconnect every receiver that ``connect()`` connected."""
    while _connected:
        signal, sender, uid = _connected.pop()
        signal.disconnect(sender=sender, dispatch_uid=uid)
    _through_fields.clear()
    _loaded_rows.clear()
    _row_queries.clear()
    specs.clear()


def reconnect_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    """Follow ``override_settings`` of ``TSUNAMI`` and ``AUTH_USER_MODEL`` in tests."""
    if setting in ("TSUNAMI", "AUTH_USER_MODEL"):
        conf.validate()
        connect()


def _refresh_with_snapshot(original: Any) -> Any:
    @functools.wraps(original)
    def refresh_from_db(self: models.Model, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if tracking.SNAPSHOT_ATTR not in self.__dict__:
            return
        fields = kwargs.get("fields", args[1] if len(args) > 1 else None)
        spec = spec_for(type(self))
        tracking.refresh_snapshot(self, _attnames(spec, fields), spec.mutable_attnames)

    refresh_from_db.tsunami_wrapped = True  # type: ignore[attr-defined]
    return refresh_from_db


def _fetch_many_with_snapshot(original: Any) -> Any:
    @functools.wraps(original)
    def fetch_many(self: Any, instances: Any) -> None:
        attname = self.field.attname
        missing = [i for i in instances if attname not in i.__dict__]
        original(self, instances)
        for instance in missing:
            state = instance.__dict__
            if attname in state and tracking.SNAPSHOT_ATTR in state:
                mutable = spec_for(type(instance)).mutable_attnames
                tracking.refresh_snapshot(instance, {attname}, mutable)

    fetch_many.tsunami_wrapped = True  # type: ignore[attr-defined]
    return fetch_many


def _from_db_with_snapshot(original: Any) -> Any:
    # Snapshots are taken here rather than in post_init, without dispatching a signal for
    # every instance, and they are the row Django has just read (tracking.LoadedRows): a
    # loaded instance costs one attribute, and copies of its JSON documents. One: a
    # second new attribute costs a row loaded with .only() 8 % more time. The loop spares
    # a call to rows that left every JSON field deferred. Where Model.from_db() takes
    # only its documented four arguments (Django 5.2), so does the wrapper: packing an
    # empty **kwargs for every row costs as much as the rest. Django 6.1 passes a keyword
    # (fetch_mode), which the other wrapper forwards. The attribute is written by name,
    # the fastest way (tracking.SNAPSHOT_ATTR; a test pins it).
    loaded_rows = _loaded_rows.get
    partial_row = tracking.PARTIAL_ROW
    if len(inspect.signature(original).parameters) == 4:

        @functools.wraps(original)
        def from_db(cls: type[models.Model], db: str, field_names: Any, values: Any) -> Any:
            instance = original(cls, db, field_names, values)
            rows = loaded_rows(cls)
            if rows is not None:
                if len(values) != rows.field_count:
                    for attname in rows.mutable_attnames:
                        if attname in field_names:
                            values = rows.keep_deferred(field_names, values)
                            break
                    values = (partial_row, field_names, values)
                elif rows.positions:
                    values = rows.keep(values)
                instance._tsunami_snapshot = values
            return instance

    else:

        @functools.wraps(original)
        def from_db(
            cls: type[models.Model], db: str, field_names: Any, values: Any, **kwargs: Any
        ) -> Any:
            instance = original(cls, db, field_names, values, **kwargs)
            rows = loaded_rows(cls)
            if rows is not None:
                if len(values) != rows.field_count:
                    for attname in rows.mutable_attnames:
                        if attname in field_names:
                            values = rows.keep_deferred(field_names, values)
                            break
                    values = (partial_row, field_names, values)
                elif rows.positions:
                    values = rows.keep(values)
                instance._tsunami_snapshot = values
            return instance

    from_db.tsunami_wrapped = True  # type: ignore[attr-defined]
    return classmethod(from_db)


def patch_model_loading() -> None:
    """Snapshot tracked instances as they are loaded (``Model.from_db``)."""
    if not getattr(models.Model.from_db, "tsunami_wrapped", False):
        original = models.Model.__dict__["from_db"].__func__
        models.Model.from_db = _from_db_with_snapshot(original)  # type: ignore[method-assign]


def patch_peer_fetching() -> None:
    """Keep snapshots true when Django 6.1 loads a deferred field for a queryset's peers.

    ``FETCH_PEERS`` sets the field on every instance of the queryset at once, without
    ``refresh_from_db()``; unrecorded, the next save of a peer would report the field as
    changed.
    """
    fetch_many = getattr(DeferredAttribute, "fetch_many", None)
    if fetch_many is not None and not getattr(fetch_many, "tsunami_wrapped", False):
        DeferredAttribute.fetch_many = _fetch_many_with_snapshot(fetch_many)  # type: ignore[method-assign]


def patch_refresh_from_db() -> None:
    """Keep snapshots true after ``refresh_from_db()``, for which Django sends no signal."""
    if not getattr(models.Model.refresh_from_db, "tsunami_wrapped", False):
        models.Model.refresh_from_db = _refresh_with_snapshot(  # type: ignore[method-assign]
            models.Model.refresh_from_db
        )
