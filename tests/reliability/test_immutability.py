"""Events and aggregates cannot be changed or deleted through the ORM's ordinary paths.

Extends tests/core/test_models.py (instance save/delete, ``Event`` queryset update and
delete) to bulk updates, related managers and the aggregates' querysets.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from tests.testapp.models import Car, Engine
from tsunami.exceptions import ImmutableEventError
from tsunami.models import Event, EventAggregate
from tsunami.tracking import suspend

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]


@pytest.fixture
def event():
    with suspend():
        car = Car.objects.create(manufacturer="Ford")
    Engine.objects.create(car=car)  # an event with two aggregates: the engine and the car
    return Event.objects.get(event_type="testapp.engine.created")


def everything():
    return (
        list(Event.objects.order_by("pk").values()),
        list(EventAggregate.objects.order_by("pk").values()),
    )


ATTEMPTS = {
    "event bulk_update": lambda e: Event.objects.bulk_update(
        [Event(pk=e.pk, event_type="changed")], ["event_type"]
    ),
    "event update through values()": lambda e: Event.objects.values("pk").update(data={}),
    "event update through select_for_update()": lambda e: (
        Event.objects.select_for_update().filter(pk=e.pk).update(data={})
    ),
    "event update_or_create of an existing event": lambda e: Event.objects.update_or_create(
        pk=e.pk, defaults={"event_type": "changed"}
    ),
    "event delete through a sliced-off filter": lambda e: Event.objects.filter(
        pk__in=Event.objects.values("pk")
    ).delete(),
    "aggregate queryset update": lambda e: EventAggregate.objects.update(aggregate_id="0"),
    "aggregate queryset delete": lambda e: EventAggregate.objects.all().delete(),
    "aggregate filtered delete": lambda e: EventAggregate.objects.filter(event=e).delete(),
    "aggregate bulk_update": lambda e: EventAggregate.objects.bulk_update(
        [EventAggregate(pk=a.pk, aggregate_id="0") for a in e.aggregates.all()],
        ["aggregate_id"],
    ),
    "aggregate update through the related manager": lambda e: e.aggregates.update(aggregate_id="0"),
    "aggregate delete through the related manager": lambda e: e.aggregates.all().delete(),
    "aggregate instance save": lambda e: e.aggregates.first().save(),
    "aggregate update_or_create": lambda e: EventAggregate.objects.update_or_create(
        pk=e.aggregates.first().pk, defaults={"aggregate_id": "0"}
    ),
}


@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_events_and_aggregates_cannot_be_changed_or_deleted(event, attempt):
    before = everything()
    # In a savepoint: Django's bulk_update() poisons the surrounding transaction on errors.
    with pytest.raises(ImmutableEventError), transaction.atomic():
        ATTEMPTS[attempt](event)
    assert everything() == before


def test_writing_events_in_bulk_is_refused(event):
    before = everything()
    with pytest.raises(NotImplementedError):
        Event.objects.bulk_create([Event(event_type="x", target_ctype_id=1, target_id="1")])
    assert everything() == before


def test_purge_still_removes_events_with_their_aggregates(event):
    Event.objects.filter(pk=event.pk).purge()
    assert not Event.objects.filter(pk=event.pk).exists()
    assert not EventAggregate.objects.filter(event_id=event.pk).exists()


def test_deleting_a_user_only_clears_the_user_of_their_events(event):
    user = get_user_model().objects.create_user("u")
    with suspend():
        car = Car.objects.create(manufacturer="VW")
    mine = Event.objects.create(event_type="cars.x", target=car, user=user)
    before = [row for row in everything()[0] if row["id"] != mine.pk]
    user.delete()
    after = everything()[0]
    kept = [r for r in after if r["id"] != mine.pk and r["event_type"] != "auth.user.deleted"]
    assert kept == before
    assert Event.objects.get(pk=mine.pk).user_id is None
