"""Snapshots copy JSON values deeply, whatever containers a project assigned."""

from collections import OrderedDict

import pytest

from tests.testapp.models import Book
from tsunami import tracking
from tsunami.models import Event

pytestmark = pytest.mark.django_db


def test_in_place_changes_inside_other_containers_are_detected():
    book = Book.objects.create(title="T")
    book.metadata = OrderedDict(tags=["a"])
    book.save()
    book.metadata["tags"].append("b")
    book.save()
    event = Event.objects.order_by("-id").first()
    assert event.data == {"metadata": {"tags": ["a", "b"]}}
    assert event.previous_data == {"metadata": {"tags": ["a"]}}


def test_a_value_that_contains_itself_is_still_snapshotted():
    value: dict = {"name": "loop"}
    value["self"] = value
    book = Book(title="T", metadata=value)
    tracking.take_snapshot(book, ("metadata",))
    snapshot = tracking.get_snapshot(book)
    copied = snapshot["metadata"]
    assert copied is not value
    assert copied["self"] is copied
