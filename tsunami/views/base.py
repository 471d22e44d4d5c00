"""What the pages share: htmx partial rendering, paging parameters and error reporting."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from tsunami.paginators import InvalidCursor, KeysetPage, KeysetPaginator

PER_PAGE = 50


class PartialTemplateMixin:
    """Render only the partial for htmx requests that target its container.

    History restores ask for the whole page, so they get it.
    """

    request: HttpRequest
    partial_template_name: str
    htmx_target: str

    def is_partial_request(self) -> bool:
        """Return whether the request is an htmx request aimed at the partial's container."""
        htmx = getattr(self.request, "htmx", None)
        return bool(htmx and htmx.target == self.htmx_target and not htmx.history_restore_request)

    def get_template_names(self) -> list[str]:
        """Return the partial for htmx requests and the full page otherwise."""
        if self.is_partial_request():
            return [self.partial_template_name]
        return super().get_template_names()  # type: ignore[misc]

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        """Answer 400 when a parameter was invalid; vary on the htmx headers; never cache."""
        if context.get("errors"):
            kwargs.setdefault("status", 400)
        response: HttpResponse = super().render_to_response(context, **kwargs)  # type: ignore[misc]
        return private_response(response)


def private_response(response: HttpResponse) -> HttpResponse:
    """Mark a page as varying with the htmx headers and never to be cached (it is private)."""
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    add_never_cache_headers(response)
    return response


def form_errors(form: Form) -> list[str]:
    """Return the errors of ``form`` as sentences that name the parameter."""
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            messages.append(f"{label}: {error}" if label else str(error))
    return messages


def keyset_page(
    request: HttpRequest, paginator: KeysetPaginator, errors: list[str]
) -> KeysetPage | None:
    """Return the page the ``after``/``before`` parameters ask for, or note why not."""
    try:
        return paginator.page(request.GET.get("after"), request.GET.get("before"))
    except InvalidCursor as error:
        errors.append(str(error))
        return None


def admin_url(ctype: ContentType, object_id: Any) -> str | None:
    """Return the admin change page of the object, if its model is registered."""
    try:
        return reverse(
            f"admin:{ctype.app_label}_{ctype.model}_change", args=[quote(str(object_id))]
        )
    except NoReverseMatch:
        return None
