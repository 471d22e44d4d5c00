"""``{% load tsunami %}``: diff rows, value rendering, escaping and folding."""

import pytest
from django.template import Context, Template

from tests.testapp.models import Book, Car, Person, Ticket
from tests.ui.conftest import make_event
from tsunami.diff import MISSING, UNKNOWN
from tsunami.models import Event
from tsunami.templatetags.tsunami import COLLAPSE_AFTER, diff_rows, summary, tsunami_value

pytestmark = pytest.mark.django_db


def rows(event):
    return [(row.label, row.kind, row.old, row.new) for row in diff_rows(event)]


def test_fields_are_labelled_with_their_declared_verbose_names(db):
    ann = Person.objects.create(name="Ann")
    bob = Person.objects.create(name="Bob")
    ann.name = "Ann Lee"
    ann.save()
    ann.friends.add(bob)
    updates = Event.objects.for_target(ann).filter(event_type="testapp.person.updated")
    assert [rows(event) for event in updates.order_by("id")] == [
        [("Full name", "changed", "Ann", "Ann Lee")],
        [("Close friends[0]", "added", MISSING, bob.pk)],
    ]


def test_created_shows_every_field_as_added_with_verbose_names(db):
    car = Car.objects.create(manufacturer="Fiat")
    assert rows(Event.objects.for_target(car).get()) == [("Manufacturer", "added", MISSING, "Fiat")]


def test_deleted_shows_every_field_as_removed(db):
    car = Car.objects.create(manufacturer="Fiat")
    car.delete()
    assert rows(Event.objects.get(event_type="testapp.car.deleted")) == [
        ("Manufacturer", "removed", "Fiat", MISSING)
    ]


def test_updated_shows_old_and_new_from_the_previous_values(db):
    car = Car.objects.create(manufacturer="Fiat")
    car.manufacturer = "Lancia"
    car.save()
    assert rows(Event.objects.get(event_type="testapp.car.updated")) == [
        ("Manufacturer", "changed", "Fiat", "Lancia")
    ]


def test_updated_without_previous_values_shows_unknown(db):
    car = Car.objects.create(manufacturer="Fiat")
    event = make_event(car, "testapp.car.updated", data={"manufacturer": "X"}, previous=None)
    assert rows(event) == [("Manufacturer", "changed", UNKNOWN, "X")]
    html = Template("{% load tsunami %}{% event_diff event %}").render(Context({"event": event}))
    assert '<em class="tsunami-unknown">unknown</em>' in html


def test_custom_event_type_with_previous_values_is_a_diff(db):
    ticket = Ticket.objects.create()
    ticket.status = "closed"
    ticket.save()
    event = Event.objects.get(event_type="tickets.closed")
    assert rows(event) == [("Status", "changed", "open", "closed")]


def test_custom_events_show_their_data(db):
    car = Car.objects.create(manufacturer="Fiat")
    event = make_event(car, "shop.sold", data={"price": 10, "manufacturer": "Fiat"})
    assert rows(event) == [
        ("price", "data", MISSING, 10),
        ("Manufacturer", "data", MISSING, "Fiat"),
    ]


def test_custom_event_with_non_object_data(db):
    car = Car.objects.create(manufacturer="Fiat")
    event = make_event(car, "shop.note", data=["a", "b"])
    assert rows(event) == [("", "data", MISSING, ["a", "b"])]
    assert summary(event) == "—"


def test_json_fields_are_diffed_key_by_key_and_lists_by_position(db):
    book = Book.objects.create(title="t", metadata={"a": {"b": [1, 2]}, "c": "x", "gone": 1})
    book.metadata = {"a": {"b": [1, 3, 4]}, "c": "x", "new": True}
    book.save()
    event = Event.objects.get(event_type="testapp.book.updated")
    assert rows(event) == [
        ("Metadata.a.b[1]", "changed", 2, 3),
        ("Metadata.a.b[2]", "added", MISSING, 4),
        ("Metadata.gone", "removed", 1, MISSING),
        ("Metadata.new", "added", MISSING, True),
    ]


def test_top_level_json_lists_are_diffed_by_position(db):
    book = Book.objects.create(title="t", metadata=[1, 2])
    book.metadata = [1, 5]
    book.save()
    assert rows(Event.objects.get(event_type="testapp.book.updated")) == [
        ("Metadata[1]", "changed", 2, 5)
    ]


def test_fields_of_models_that_no_longer_exist_keep_their_names(db):
    from django.contrib.contenttypes.models import ContentType

    event = Event(
        event_type="gone.thing.updated",
        data={"x": 1},
        previous_data={"x": 0},
        target_ctype=ContentType(app_label="gone", model="thing"),
        target_id="1",
    )
    assert rows(event) == [("x", "changed", 0, 1)]


def test_values_are_escaped():
    assert str(tsunami_value("<script>alert(1)</script>")) == (
        '<code class="tsunami-string">&lt;script&gt;alert(1)&lt;/script&gt;</code>'
    )
    assert "&lt;b&gt;" in str(tsunami_value({"<b>": 1}))


def test_json_values_render_as_json():
    assert str(tsunami_value(None)) == '<code class="tsunami-json">null</code>'
    assert str(tsunami_value([1, True])) == '<code class="tsunami-json">[1, true]</code>'


def test_long_values_fold_into_details():
    html = str(tsunami_value("<i>" + "x" * COLLAPSE_AFTER))
    assert html.startswith('<details class="tsunami-long"><summary>')
    assert "<i>" not in html
    assert "&lt;i&gt;" in html
    nested = str(tsunami_value({"key": "v" * COLLAPSE_AFTER}))
    assert "<pre" in nested
    assert "\n  &quot;key&quot;" in nested
    multiline = str(tsunami_value("a\nb"))
    assert "<details" in multiline


def test_missing_and_unknown_markers():
    assert "(none)" in str(tsunami_value(MISSING))
    assert "unknown" in str(tsunami_value(UNKNOWN))


def test_summary_names_the_changed_fields(db):
    book = Book.objects.create(title="t", price="1.00")
    book.title = "u"
    book.price = "2.00"
    book.save()
    # The order is the database's (PostgreSQL's jsonb sorts the keys).
    assert set(summary(Event.objects.get(event_type="testapp.book.updated")).split(", ")) == {
        "Title",
        "Price",
    }
