"""The admin "History" view of every object, replaced by a redirect to its events."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from tsunami import conf
from tsunami.admin.links import events_url


def events_redirect(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, object_id: str
) -> HttpResponse | None:
    """Redirect to the object's events, with the checks of Django's history view.

    A missing object gets Django's "doesn't exist" redirect and a user who may neither
    view nor change it gets 403. Return ``None`` when there is no list of events to
    redirect to (neither ``tsunami.urls`` nor the Event admin is mounted).
    """
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        return model_admin._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
            request, model_admin.opts, object_id
        )
    if not model_admin.has_view_or_change_permission(request, obj):
        raise PermissionDenied
    # The concrete model's type, as events record it: a proxy's history is its concrete object's.
    url = events_url(ContentType.objects.get_for_model(obj), str(obj.pk), model_admin.admin_site)
    return None if url is None else HttpResponseRedirect(url)


class TsunamiHistoryMixin:
    """Make a ModelAdmin's "History" redirect to the object's events, whatever the setting.

    For projects that set ``TSUNAMI["REPLACE_ADMIN_HISTORY"] = False`` and want the
    redirect on some models only.
    """

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = events_redirect(self, request, object_id)  # type: ignore[arg-type]
        if response is None:
            return super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        return response


def _replacing(django_history_view: Any) -> Any:
    @functools.wraps(django_history_view)
    def history_view(
        self: admin.ModelAdmin[Any],
        request: HttpRequest,
        object_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if conf.replace_admin_history():
            response = events_redirect(self, request, object_id)
            if response is not None:
                return response
        return django_history_view(self, request, object_id, extra_context)

    history_view.tsunami_replaced = True  # type: ignore[attr-defined]
    return history_view


def install_history_redirect() -> None:
    """Make the "History" view of every ModelAdmin on every site redirect to the events.

    Patches ``ModelAdmin`` itself, once, so that admins registered before or after this
    call and on any ``AdminSite`` are covered; ``TSUNAMI["REPLACE_ADMIN_HISTORY"]`` is
    read on each request. A ModelAdmin that defines its own ``history_view`` keeps it.
    """
    if not getattr(admin.ModelAdmin.history_view, "tsunami_replaced", False):
        admin.ModelAdmin.history_view = _replacing(  # type: ignore[method-assign]
            admin.ModelAdmin.history_view
        )
