"""Runtime state (acting user, suspension) and the snapshots that changes are diffed against.

All per-request and per-block state lives in ``ContextVar``s set and reset with tokens,
so it is safe for threads and asyncio alike and never leaks from one request into another.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, TypeVar

from django.db import models
from django.http import HttpRequest

_F = TypeVar("_F", bound=Callable[..., Any])
_UNSET: Any = object()

_request: ContextVar[HttpRequest | None] = ContextVar("tsunami_request", default=None)
_acting_user: ContextVar[Any] = ContextVar("tsunami_acting_user", default=_UNSET)
_suspended: ContextVar[int] = ContextVar("tsunami_suspended", default=0)
_deleted_users: ContextVar[frozenset[Any]] = ContextVar(
    "tsunami_deleted_users", default=frozenset()
)

#: The instance attribute that ``mute_signals_for`` sets.
MUTE_SIGNALS_ATTR = "_mute_signals"
#: The instance attribute that holds the state an instance was loaded or last saved with.
SNAPSHOT_ATTR = "_tsunami_snapshot"


class _ContextState:
    """Base of the context managers that also decorate sync and async functions."""

    def __init__(self) -> None:
        self._tokens: list[Any] = []

    def _enter(self) -> Any:
        raise NotImplementedError

    def _exit(self, token: Any) -> None:
        raise NotImplementedError

    def _copy(self) -> _ContextState:
        raise NotImplementedError

    def __enter__(self) -> None:
        self._tokens.append(self._enter())

    def __exit__(self, *exc: object) -> None:
        self._exit(self._tokens.pop())

    def __call__(self, func: _F) -> _F:
        # Each call gets its own copy, so one decorated function can run concurrently.
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_inner(*args: Any, **kwargs: Any) -> Any:
                with self._copy():
                    return await func(*args, **kwargs)

            return async_inner  # type: ignore[return-value]

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with self._copy():
                return func(*args, **kwargs)

        return inner  # type: ignore[return-value]


class suspend(_ContextState):  # noqa: N801 - used like a function, as contextlib's are
    """Stop automatic events inside a block or a decorated function (sync or async).

    Nestable; it only affects the current thread or asyncio task.
    """

    def _enter(self) -> Token[int]:
        return _suspended.set(_suspended.get() + 1)

    def _exit(self, token: Token[Any]) -> None:
        _suspended.reset(token)

    def _copy(self) -> suspend:
        return suspend()


class acting_user(_ContextState):  # noqa: N801
    """Attribute the events created inside a block or decorated function to ``user``.

    For scripts, management commands and task workers; ``None`` records no user even
    inside a request.
    """

    def __init__(self, user: Any) -> None:
        super().__init__()
        self.user = user

    def _enter(self) -> Any:
        return _acting_user.set(self.user), _deleted_users.set(frozenset())

    def _exit(self, token: Any) -> None:
        user_token, deleted_token = token
        _deleted_users.reset(deleted_token)
        _acting_user.reset(user_token)

    def _copy(self) -> acting_user:
        return acting_user(self.user)


def is_suspended() -> bool:
    """Tell whether automatic events are suspended in the current context."""
    return _suspended.get() > 0


@contextmanager
def bound_request(request: HttpRequest) -> Iterator[None]:
    """Make ``request`` the source of the acting user for the duration of the block."""
    token = _request.set(request)
    deleted_token = _deleted_users.set(frozenset())
    try:
        yield
    finally:
        _deleted_users.reset(deleted_token)
        _request.reset(token)


def current_user() -> Any:
    """Return the user that new events are attributed to, or ``None``.

    The request's user is read now, not when the request came in, so that a user that
    authentication inside the view set (token authentication does this) is recorded.
    """
    user = _acting_user.get()
    if user is _UNSET:
        request = _request.get()
        user = getattr(request, "user", None) if request is not None else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # A user deleted in this context (deleting their own account) cannot be referenced.
    if user.pk is None or user.pk in _deleted_users.get():
        return None
    return user


def note_user_deleted(user: Any) -> None:
    """Stop attributing events to the acting user once that user is being deleted.

    Scoped like the acting user itself (the request or the ``acting_user`` block), so a
    primary key reused later is never mistaken for the deleted user.
    """
    acting = current_user()
    if acting is not None and acting.pk == user.pk:
        _deleted_users.set(_deleted_users.get() | {user.pk})


@contextmanager
def mute_signals_for(*instances: models.Model) -> Iterator[None]:
    """Make receivers wrapped with ``mutable_signal_receiver`` ignore these instances."""
    previous = [instance.__dict__.get(MUTE_SIGNALS_ATTR, _UNSET) for instance in instances]
    for instance in instances:
        setattr(instance, MUTE_SIGNALS_ATTR, True)
    try:
        yield
    finally:
        for instance, value in zip(instances, previous, strict=True):
            if value is _UNSET:
                instance.__dict__.pop(MUTE_SIGNALS_ATTR, None)
            else:
                setattr(instance, MUTE_SIGNALS_ATTR, value)


def is_muted(instance: object) -> bool:
    """Tell whether signals for ``instance`` are muted."""
    return bool(getattr(instance, MUTE_SIGNALS_ATTR, False))


def mutable_signal_receiver(receiver: _F) -> _F:
    """Wrap a model-signal receiver so that it skips instances in ``mute_signals_for``."""

    @functools.wraps(receiver)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if is_muted(kwargs.get("instance")):
            return None
        return receiver(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def take_snapshot(instance: models.Model, mutable_attnames: tuple[str, ...]) -> None:
    """Remember the instance's current attribute values as the state to diff against.

    A plain dict copy: it loads nothing and serializes nothing. Only values that can be
    changed in place (JSON documents, lists) are copied deeply, so that in-place edits
    still show up as changes.
    """
    state = instance.__dict__
    state.pop(SNAPSHOT_ATTR, None)
    snapshot = state.copy()
    for attname in mutable_attnames:
        if attname in snapshot:
            snapshot[attname] = private_copy(snapshot[attname])
    state[SNAPSHOT_ATTR] = snapshot


_JSON_CONTAINERS = (dict, list)


def private_copy(value: Any) -> Any:
    """Return ``value`` as a snapshot keeps it: JSON documents and lists copied deeply."""
    kind = value.__class__
    if kind is dict or kind is list:
        # An empty document, the usual case, needs no more than a new empty one.
        return copy_mutable(value) if value else kind()
    if value is not None and isinstance(value, _JSON_CONTAINERS):
        # A subclass; a tuple, not "dict | list", which builds a union per call.
        return copy_mutable(value)
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _copy_json(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _SCALARS else _copy_json(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _SCALARS else _copy_json(v) for v in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


def copy_mutable(value: Any) -> Any:
    """Return a deep copy of a JSON-like value, several times faster than ``copy.deepcopy``.

    Loaded JSON holds only dicts, lists and scalars, which are copied directly; anything
    else (and a value that refers to itself) goes through ``copy.deepcopy``.
    """
    try:
        return _copy_json(value)
    except RecursionError:
        return copy.deepcopy(value)


class _Marker:
    """A value of tsunami's own in a kept row; pickled (as Django's cache does), it stays itself."""

    __slots__ = ("kind", "name")

    def __init__(self, name: str, kind: type) -> None:
        self.name, self.kind = name, kind

    def __reduce__(self) -> str:
        return self.name


# An empty document in a kept row: one shared marker instead of a new dict per row.
_EMPTY_DICT = _Marker("_EMPTY_DICT", dict)
_EMPTY_LIST = _Marker("_EMPTY_LIST", list)
_EMPTY = {dict: _EMPTY_DICT, list: _EMPTY_LIST}
#: Marks a kept row that holds only some fields: ``(PARTIAL_ROW, field_names, values)``.
PARTIAL_ROW = _Marker("PARTIAL_ROW", tuple)


class LoadedRows:
    """How the rows of one tracked model are kept as the snapshots of their instances.

    A loaded instance keeps the row ``Model.from_db()`` received, which Django builds for
    no other use, so keeping it costs no copy; a row loaded with some fields deferred is
    kept as ``(PARTIAL_ROW, field_names, values)``. Only the values that can change in
    place (JSON documents), when loaded, are copied first. ``get_snapshot()`` makes a
    dict of the row the first time one is needed: a save, a delete or a refresh.
    """

    __slots__ = ("field_count", "mutable_attnames", "positions")

    def __init__(self, model: type[models.Model], mutable_attnames: tuple[str, ...]) -> None:
        attnames = [field.attname for field in model._meta.concrete_fields]
        self.field_count = len(attnames)
        self.mutable_attnames = mutable_attnames
        #: Where the mutable values are in a full row.
        self.positions = tuple(attnames.index(attname) for attname in mutable_attnames)

    def keep(self, values: Sequence[Any], positions: Sequence[int] | None = None) -> list[Any]:
        """Return a row (a full one by default) with its mutable values copied."""
        row = list(values)
        # private_copy(), inline and with a marker for empty documents: this runs for
        # every row that holds JSON.
        for index in self.positions if positions is None else positions:
            value = row[index]
            kind = value.__class__
            if kind is dict or kind is list:
                row[index] = copy_mutable(value) if value else _EMPTY[kind]
            elif value is not None and isinstance(value, _JSON_CONTAINERS):
                row[index] = copy_mutable(value)
        return row

    def keep_deferred(self, field_names: list[str], values: Sequence[Any]) -> list[Any]:
        """Return a row loaded with some fields deferred, its mutable values copied."""
        loaded = [name for name in self.mutable_attnames if name in field_names]
        return self.keep(values, [field_names.index(name) for name in loaded])


def get_snapshot(instance: models.Model) -> dict[str, Any] | None:
    """Return the state the instance was loaded or last saved with, if known."""
    state = instance.__dict__
    snapshot = state.get(SNAPSHOT_ATTR)
    if snapshot is None or snapshot.__class__ is dict:
        return snapshot
    # A row kept by LoadedRows.
    if snapshot[0] is PARTIAL_ROW:
        _, field_names, values = snapshot
    else:
        field_names = [field.attname for field in instance._meta.concrete_fields]
        values = snapshot
    snapshot = state[SNAPSHOT_ATTR] = dict(zip(field_names, values, strict=True))
    for attname, value in snapshot.items():
        if value.__class__ is _Marker:
            snapshot[attname] = value.kind()
    return snapshot


def refresh_snapshot(instance: models.Model, attnames: set[str], mutable: tuple[str, ...]) -> None:
    """Update the snapshot for fields just reloaded from the database."""
    snapshot = get_snapshot(instance)
    if snapshot is None:
        take_snapshot(instance, mutable)
        return
    state = instance.__dict__
    for attname in attnames:
        if attname in state:
            value = state[attname]
            snapshot[attname] = private_copy(value) if attname in mutable else value
