"""System checks with stable ids (``tsunami.E001`` ...)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from tsunami import conf

_AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
_TRACKING = "tsunami.middleware.user_tracking"


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report unknown keys and wrong types in ``settings.TSUNAMI``."""
    return [
        Error(message, hint="See the settings reference in tsunami's README.", id="tsunami.E001")
        for message in conf.configuration_errors(getattr(settings, "TSUNAMI", {}))
    ]


@register()
def check_middleware_order(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when the user-tracking middleware runs before authentication."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or ())
    if (
        _TRACKING in middleware
        and _AUTH in middleware
        and middleware.index(_TRACKING) < middleware.index(_AUTH)
    ):
        return [
            Warning(
                f"{_TRACKING} is installed before {_AUTH}.",
                hint="Move it after the authentication middleware, as the README says.",
                id="tsunami.W001",
            )
        ]
    return []
