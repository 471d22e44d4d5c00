"""A loaded instance keeps the row it was read from as its snapshot, until one is needed."""

import copy
import pickle
from collections import OrderedDict

import pytest

from tests.testapp.models import Book, Car, Engine
from tsunami import tracking
from tsunami.models import Event

pytestmark = pytest.mark.django_db


def _last_event() -> Event:
    return Event.objects.order_by("-id").first()


def test_the_wrapper_writes_the_attribute_the_snapshot_reads():
    car = Car.objects.create(manufacturer="a")
    loaded = Car.objects.get(pk=car.pk)
    assert tracking.SNAPSHOT_ATTR in loaded.__dict__
    assert tracking.get_snapshot(loaded) == {"id": car.pk, "manufacturer": "a"}
    book = Book.objects.create(title="T")
    deferred = Book.objects.only("title").get(pk=book.pk)
    assert deferred.__dict__[tracking.SNAPSHOT_ATTR][0] is tracking.PARTIAL_ROW
    assert tracking.get_snapshot(deferred) == {"id": book.pk, "title": "T"}
    # One attribute only: a second one costs every loaded row.
    assert [key for key in vars(deferred) if key.startswith("_tsunami")] == [tracking.SNAPSHOT_ATTR]


def test_a_row_becomes_a_dict_once_and_stays_one():
    car = Car.objects.create(manufacturer="a")
    loaded = Car.objects.get(pk=car.pk)
    first = tracking.get_snapshot(loaded)
    assert first["manufacturer"] == "a"
    assert tracking.get_snapshot(loaded) is first


def test_an_empty_document_edited_in_place_after_loading_is_a_change():
    book = Book.objects.create(title="T")
    loaded = Book.objects.get(pk=book.pk)
    loaded.metadata["pages"] = 12
    loaded.save()
    event = _last_event()
    assert event.data == {"metadata": {"pages": 12}}
    assert event.previous_data == {"metadata": {}}


def test_a_document_loaded_beside_deferred_fields_is_copied():
    book = Book.objects.create(title="T", metadata={"tags": ["a"]})
    loaded = Book.objects.only("metadata").get(pk=book.pk)
    loaded.metadata["tags"].append("b")
    loaded.save()
    event = _last_event()
    assert event.data == {"metadata": {"tags": ["a", "b"]}}
    assert event.previous_data == {"metadata": {"tags": ["a"]}}


def test_a_deferred_field_assigned_before_loading_is_recorded_without_a_previous_value():
    book = Book.objects.create(title="T", metadata={"a": 1})
    loaded = Book.objects.only("title").get(pk=book.pk)
    loaded.metadata = {"a": 2}
    loaded.save()
    event = _last_event()
    assert event.data == {"metadata": {"a": 2}}
    assert event.previous_data == {}


@pytest.mark.parametrize("fields", [(), ("title", "metadata"), ("title",)])
@pytest.mark.parametrize("clone", [pickle.loads, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_a_cached_instance_keeps_its_snapshot(fields, clone):
    # Django's cache pickles model instances; the row and its markers travel along.
    book = Book.objects.create(title="T")
    queryset = Book.objects.only(*fields) if fields else Book.objects.all()
    loaded = queryset.get(pk=book.pk)
    cached = clone(pickle.dumps(loaded) if clone is pickle.loads else loaded)
    if "metadata" in fields or not fields:
        cached.metadata["a"] = 1
    cached.title = "U"
    cached.save()
    event = _last_event()
    if "metadata" in fields or not fields:
        assert event.data == {"title": "U", "metadata": {"a": 1}}
        assert event.previous_data == {"title": "T", "metadata": {}}
    else:
        assert event.data == {"title": "U"}
        assert event.previous_data == {"title": "T"}


def test_copies_of_an_instance_each_diff_against_the_row_they_were_loaded_from():
    car = Car.objects.create(manufacturer="a")
    first = Car.objects.get(pk=car.pk)
    second = copy.copy(first)
    first.manufacturer = "b"
    first.save()
    second.manufacturer = "c"
    second.save()
    assert _last_event().previous_data == {"manufacturer": "a"}


@pytest.mark.parametrize(
    ("value", "expected_copy"),
    [
        ({}, True),
        ([], True),
        ({"a": [1, {"b": 2}]}, True),
        (OrderedDict(a=[1]), True),
        (None, False),
    ],
)
def test_kept_rows_copy_every_document_and_nothing_else(value, expected_copy):
    rows = tracking.LoadedRows(Book, ("metadata",))
    names = [field.attname for field in Book._meta.concrete_fields]
    values = [None] * len(names)
    values[names.index("metadata")] = value
    kept = rows.keep(values)
    assert kept is not values
    book = Book()
    book.__dict__[tracking.SNAPSHOT_ATTR] = kept
    snapshot = tracking.get_snapshot(book)
    assert snapshot["metadata"] == value
    assert (snapshot["metadata"] is not value) is expected_copy
    assert values[names.index("metadata")] is value  # the row Django passed is left alone


def test_instances_from_raw_queries_diff_against_the_columns_they_loaded():
    book = Book.objects.create(title="T", metadata={"a": 1})
    table = Book._meta.db_table
    full = next(iter(Book.objects.raw(f"SELECT * FROM {table} WHERE id = %s", [book.pk])))
    full.metadata["a"] = 2
    full.save()
    assert _last_event().previous_data == {"metadata": {"a": 1}}
    partial = next(
        iter(Book.objects.raw(f"SELECT id, title FROM {table} WHERE id = %s", [book.pk]))
    )
    partial.title = "U"
    partial.save()
    event = _last_event()
    assert (event.data, event.previous_data) == ({"title": "U"}, {"title": "T"})


def test_instances_loaded_through_select_related_diff_against_their_rows():
    car = Car.objects.create(manufacturer="a")
    engine = Engine.objects.create(car=car, num_cylinders=4)
    loaded = Engine.objects.select_related("car").get(pk=engine.pk)
    loaded.car.manufacturer = "b"
    loaded.car.save()
    event = _last_event()
    assert (event.target_id, event.previous_data) == (str(car.pk), {"manufacturer": "a"})
    only = Engine.objects.select_related("car").only("num_cylinders", "car__manufacturer")
    loaded = only.get(pk=engine.pk)
    loaded.car.manufacturer = "c"
    loaded.car.save()
    assert _last_event().previous_data == {"manufacturer": "b"}
