"""Checks shared by the reliability tests."""

from __future__ import annotations

from django.db.models import Count, F, Q

from tsunami.models import Event


def assert_every_event_is_whole(using: str = "default") -> None:
    """Assert that every event has its aggregates, its target among them."""
    partial = list(
        Event.objects.using(using)
        .annotate(
            own=Count(
                "aggregate",
                filter=Q(
                    aggregate__aggregate_ctype=F("target_ctype"),
                    aggregate__aggregate_id=F("target_id"),
                ),
            )
        )
        .filter(own=0)
        .values_list("pk", "event_type")
    )
    assert partial == [], f"events without their target aggregate: {partial}"
