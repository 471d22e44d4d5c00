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


def test_loaded_rows_are_snapshotted_with_or_without_their_json_values():
    book = Book.objects.create(title="T", metadata={"a": 1})
    # Without the JSON field (deferred), the wrapper copies the row itself.
    loaded = Book.objects.only("title").get(pk=book.pk)
    snapshot = tracking.get_snapshot(loaded)
    assert (snapshot["id"], snapshot["title"]) == (book.pk, "T")
    assert "metadata" not in snapshot
    # With it, the JSON value is copied deeply, out of reach of in-place edits.
    full = Book.objects.get(pk=book.pk)
    snapshot = tracking.get_snapshot(full)
    assert snapshot["metadata"] == full.metadata
    assert snapshot["metadata"] is not full.metadata


def test_a_file_field_swapped_for_a_fieldfile_is_no_change():
    book = Book.objects.create(title="T", cover="covers/a.png")
    loaded = Book.objects.only("title", "cover").get(pk=book.pk)
    assert loaded.cover.name == "covers/a.png"  # the descriptor swaps in a FieldFile
    loaded.save()
    loaded.title = "U"
    loaded.save()
    events = list(Event.objects.filter(target_id=str(book.pk)).order_by("id"))
    assert [e.event_type for e in events] == ["testapp.book.created", "testapp.book.updated"]
    assert events[-1].data == {"title": "U"}
    assert events[-1].previous_data == {"title": "T"}
