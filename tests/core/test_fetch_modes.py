"""Django 6.1's fetch modes: deferred fields that Django loads for a whole queryset at once."""

import decimal

import pytest
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from tests.testapp.models import Book
from tsunami import receivers
from tsunami.models import Event

pytestmark = pytest.mark.django_db


def updates():
    return list(Event.objects.filter(event_type="testapp.book.updated").order_by("id"))


@pytest.mark.skipif(not hasattr(models, "FETCH_PEERS"), reason="fetch modes are new in Django 6.1")
def test_a_deferred_field_fetched_for_its_peers_is_no_change_of_theirs():
    first = Book.objects.create(title="A", price=decimal.Decimal("1.00"))
    Book.objects.create(title="B", price=decimal.Decimal("2.00"))
    loaded = list(Book.objects.only("title").order_by("pk").fetch_mode(models.FETCH_PEERS))
    assert loaded[0].price == decimal.Decimal("1.00")  # fetches every peer's price at once
    assert "price" in loaded[1].__dict__

    loaded[1].title = "B2"
    loaded[1].save()
    loaded[0].price = decimal.Decimal("1.50")
    loaded[0].save()

    assert [(e.target_id, e.data, e.previous_data) for e in updates()] == [
        (str(loaded[1].pk), {"title": "B2"}, {"title": "B"}),
        (str(first.pk), {"price": "1.50"}, {"price": "1.00"}),
    ]


def test_the_peer_fetch_wrapper_records_only_the_fields_the_fetch_set():
    book = Book.objects.create(title="A", price=decimal.Decimal("1.00"))
    loaded = Book.objects.only("title").get(pk=book.pk)
    untracked_peer = type("Peer", (), {})()

    def fetch_many(attribute, instances):  # what Django 6.1 does: set, no refresh_from_db()
        for instance in instances:
            instance.__dict__[attribute.field.attname] = decimal.Decimal("1.00")

    fetch = receivers._fetch_many_with_snapshot(fetch_many)
    fetch(DeferredAttribute(Book._meta.get_field("price")), [loaded, untracked_peer])
    loaded.title = "B"
    loaded.save()

    assert [(e.data, e.previous_data) for e in updates()] == [({"title": "B"}, {"title": "A"})]
    assert not hasattr(untracked_peer, "_tsunami_snapshot")
