"""Decorators that register listeners for events of given types."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models, transaction
from django.db.models.signals import post_save

from tsunami.globs import glob_regex, is_glob
from tsunami.models import Event

Listener = Callable[[Event], Any]


def _matcher(event_types: Iterable[str]) -> Callable[[str], bool]:
    event_types = list(event_types)
    # The same glob syntax as Event.objects.of_type() and the timeline's type filter.
    globs = [t for t in event_types if is_glob(t)]
    exact = frozenset(t for t in event_types if t not in globs)
    if not globs:
        return exact.__contains__
    pattern = re.compile("|".join(glob_regex(glob) for glob in globs))
    return lambda event_type: event_type in exact or pattern.match(event_type) is not None


def event_listener(
    *event_types: str, on_commit: bool = False, **kwargs: Any
) -> Callable[[Listener], Callable[..., None]]:
    """Register the decorated function as a listener for events of ``event_types``.

    Event types may be glob patterns such as ``"auth.user.*"``. With ``on_commit=True`` the
    listener runs only once the surrounding transaction commits, so its side effects never
    fire for a change that is rolled back. Other ``kwargs`` go to ``post_save.connect``.
    The wrapper is returned so that a weak reference to it stays alive.
    """
    matches = _matcher(event_types)

    def decorator(listener: Listener) -> Callable[..., None]:
        @functools.wraps(listener)
        def receiver(
            sender: type[Event], instance: Event, created: bool = True, **signal_kwargs: Any
        ) -> None:
            if not created or not matches(instance.event_type):
                return
            if on_commit:
                transaction.on_commit(
                    functools.partial(listener, instance), using=signal_kwargs.get("using")
                )
            else:
                listener(instance)

        post_save.connect(receiver, sender=Event, **kwargs)
        return receiver

    return decorator


def model_event_listener(
    model: type[models.Model], event_types: Iterable[str], **kwargs: Any
) -> Callable[[Listener], Callable[..., None]]:
    """Shorthand for ``event_listener`` with each event type prefixed by the model's label.

    Avoids hard-coding the label, which matters for swappable models such as the user model.
    """
    label = model._meta.label_lower
    return event_listener(*(f"{label}.{event_type}" for event_type in event_types), **kwargs)
