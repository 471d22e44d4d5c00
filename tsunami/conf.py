"""The one place that reads ``settings.TSUNAMI``.

Every accessor reads the setting on each call so that ``override_settings`` just works;
only the per-model answers, which are costly to compute and asked on every save, are
memoised, and that memo is cleared whenever ``TSUNAMI`` or ``AUTH_USER_MODEL`` changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.module_loading import import_string

#: Apps whose models are never tracked, whatever the settings say.
ALWAYS_EXCLUDED_APPS = frozenset({"migrations", "contenttypes", "sessions", "admin", "tsunami"})
#: Models (lower-case labels) that are never tracked, whatever the settings say.
ALWAYS_EXCLUDED_MODELS = frozenset({"auth.permission"})

#: Every key of ``TSUNAMI`` with its default value.
DEFAULTS: dict[str, Any] = {
    # Apps to track; ``None`` tracks every app not excluded.
    "INCLUDE_APPS": None,
    # Apps never to track (beaten by INCLUDE_MODELS for a model named there).
    "EXCLUDE_APPS": (),
    # Models ("app_label.ModelName") to track; ``None`` tracks every model not excluded.
    "INCLUDE_MODELS": None,
    # Models never to track; beats every inclusion.
    "EXCLUDE_MODELS": (),
    # A callable ``(model) -> bool`` (or its dotted path) that replaces the lists above.
    "IS_TRACKED": None,
    # {"app_label.ModelName": ["field", ...]}: fields left out of events altogether.
    "EXCLUDE_FIELDS": {},
    # {"app_label.ModelName": ["field", ...]}: fields whose changes are recorded with
    # MASK_VALUE instead of the value; merged over the default that masks the user
    # model's password.
    "MASK_FIELDS": {},
    # What a masked value is recorded as.
    "MASK_VALUE": "********",
    # Replace every ModelAdmin's "History" view with a redirect to the object's events.
    "REPLACE_ADMIN_HISTORY": True,
}

_LIST_KEYS = ("EXCLUDE_APPS", "EXCLUDE_MODELS")
_OPTIONAL_LIST_KEYS = ("INCLUDE_APPS", "INCLUDE_MODELS")
_FIELD_MAP_KEYS = ("EXCLUDE_FIELDS", "MASK_FIELDS")


def _is_string_list(value: object) -> bool:
    return (
        isinstance(value, Iterable)
        and not isinstance(value, str | bytes | Mapping)
        and all(isinstance(item, str) for item in value)
    )


def configuration_errors(config: object) -> list[str]:
    """Return a message for every unknown key or wrongly typed value in ``config``."""
    if not isinstance(config, Mapping):
        return [f"TSUNAMI must be a dict, not {type(config).__name__}."]
    errors = [
        f"TSUNAMI has an unknown key {key!r}; known keys are {', '.join(sorted(DEFAULTS))}."
        for key in config
        if key not in DEFAULTS
    ]
    for key in _LIST_KEYS:
        if key in config and not _is_string_list(config[key]):
            errors.append(f"TSUNAMI[{key!r}] must be a list of strings.")
    for key in _OPTIONAL_LIST_KEYS:
        if config.get(key) is not None and not _is_string_list(config[key]):
            errors.append(f"TSUNAMI[{key!r}] must be None or a list of strings.")
    for key in _FIELD_MAP_KEYS:
        value = config.get(key, {})
        if not isinstance(value, Mapping) or not all(
            isinstance(label, str) and _is_string_list(fields) for label, fields in value.items()
        ):
            errors.append(
                f'TSUNAMI[{key!r}] must map "app_label.ModelName" to a list of field names.'
            )
    predicate = config.get("IS_TRACKED")
    if predicate is not None and not (callable(predicate) or isinstance(predicate, str)):
        errors.append("TSUNAMI['IS_TRACKED'] must be a callable or its dotted path.")
    if not isinstance(config.get("MASK_VALUE", ""), str):
        errors.append("TSUNAMI['MASK_VALUE'] must be a string.")
    if not isinstance(config.get("REPLACE_ADMIN_HISTORY", True), bool):
        errors.append("TSUNAMI['REPLACE_ADMIN_HISTORY'] must be True or False.")
    return errors


def _config() -> Mapping[str, Any]:
    return getattr(settings, "TSUNAMI", {})


def get(key: str) -> Any:
    """Return the configured value of ``key``, or its default."""
    return _config().get(key, DEFAULTS[key])


def validate() -> None:
    """Raise ``ImproperlyConfigured`` when ``settings.TSUNAMI`` is not valid."""
    errors = configuration_errors(_config())
    if errors:
        raise ImproperlyConfigured(" ".join(errors))


def _lower(labels: Iterable[str] | None) -> frozenset[str] | None:
    return None if labels is None else frozenset(label.lower() for label in labels)


def _default_is_tracked(model: type[models.Model]) -> bool:
    label = model._meta.label_lower
    app_label = model._meta.app_label
    if label in (_lower(get("EXCLUDE_MODELS")) or ()):
        return False
    include_models = _lower(get("INCLUDE_MODELS"))
    if include_models is not None and label in include_models:
        return True
    if app_label in (_lower(get("EXCLUDE_APPS")) or ()):
        return False
    include_apps = _lower(get("INCLUDE_APPS"))
    if include_apps is not None and app_label in include_apps:
        return True
    return include_apps is None and include_models is None


def _predicate() -> Callable[[type[models.Model]], bool]:
    predicate = get("IS_TRACKED")
    if predicate is None:
        return _default_is_tracked
    if isinstance(predicate, str):
        return import_string(predicate)
    return predicate


def _concrete(model: type[models.Model]) -> type[models.Model]:
    return model._meta.concrete_model or model


_tracked_cache: dict[type[models.Model], bool] = {}
_field_cache: dict[tuple[str, type[models.Model]], frozenset[str]] = {}


def is_tracked(model: type[models.Model]) -> bool:
    """Return whether changes to instances of ``model`` are recorded."""
    try:
        return _tracked_cache[model]
    except KeyError:
        pass
    opts = model._meta
    concrete = _concrete(model)
    tracked = not (
        opts.auto_created
        or concrete._meta.app_label in ALWAYS_EXCLUDED_APPS
        or concrete._meta.label_lower in ALWAYS_EXCLUDED_MODELS
    ) and bool(_predicate()(concrete))
    _tracked_cache[model] = tracked
    return tracked


def _fields_for(key: str, model: type[models.Model]) -> frozenset[str]:
    try:
        return _field_cache[key, model]
    except KeyError:
        pass
    mapping: dict[str, Iterable[str]] = {}
    if key == "MASK_FIELDS":
        mapping[settings.AUTH_USER_MODEL.lower()] = ("password",)
    mapping.update((label.lower(), fields) for label, fields in get(key).items())
    fields = frozenset(mapping.get(_concrete(model)._meta.label_lower, ()))
    _field_cache[key, model] = fields
    return fields


def excluded_fields(model: type[models.Model]) -> frozenset[str]:
    """Return the names of the fields of ``model`` that events leave out."""
    return _fields_for("EXCLUDE_FIELDS", model)


def masked_fields(model: type[models.Model]) -> frozenset[str]:
    """Return the names of the fields of ``model`` whose values events mask."""
    return _fields_for("MASK_FIELDS", model)


def mask_value() -> str:
    """Return what a masked value is recorded as."""
    return str(get("MASK_VALUE"))


def replace_admin_history() -> bool:
    """Return whether every ModelAdmin's history view redirects to the object's events."""
    return bool(get("REPLACE_ADMIN_HISTORY"))


def clear_caches() -> None:
    """Forget every memoised answer (called when the settings change)."""
    _tracked_cache.clear()
    _field_cache.clear()


@receiver(setting_changed, dispatch_uid="tsunami.conf.setting_changed")
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("TSUNAMI", "AUTH_USER_MODEL"):
        clear_caches()
