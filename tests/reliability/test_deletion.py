"""Deleting a user, a content type's model or a target object never deletes events."""

import builtins

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.models import ProtectedError

from tests.testapp.models import Car, Cylinder, Engine, Tag
from tsunami.models import Event, EventAggregate
from tsunami.tracking import acting_user, suspend

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]


def snapshot():
    """Every event and aggregate as it is now, without the user column."""
    events = set(
        Event.objects.values_list("pk", "event_type", "target_ctype", "target_id", "created_at")
    )
    aggregates = set(EventAggregate.objects.values_list("pk", "event", "aggregate_ctype"))
    return events, aggregates


def assert_kept(before):
    events, aggregates = snapshot()
    assert before[0] <= events
    assert before[1] <= aggregates


@pytest.fixture
def car_with_parts():
    car = Car.objects.create(manufacturer="Ford")
    engine = Engine.objects.create(car=car)
    for bore in (80, 81):
        Cylinder.objects.create(engine=engine, bore=bore)
    engine.num_cylinders = 2
    engine.save()
    return car


@pytest.fixture
def forget_content_types():
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def test_deleting_a_user_keeps_every_event_they_made_or_that_targets_them(car_with_parts):
    User = get_user_model()
    user = User.objects.create_user("doer")
    with acting_user(user):
        car_with_parts.manufacturer = "VW"
        car_with_parts.save()
        Tag.objects.create(name="t")
        user.first_name = "D"
        user.save()
    theirs = set(Event.objects.by_user(user).values_list("pk", flat=True))
    before = snapshot()
    user_id = user.pk
    user.delete()
    assert_kept(before)
    assert not Event.objects.filter(pk__in=theirs, user__isnull=False).exists()
    targeting = Event.objects.filter(event_type__startswith="auth.user.", target_id=str(user_id))
    assert [e.action for e in targeting.order_by("id")] == ["created", "updated", "deleted"]
    assert EventAggregate.objects.filter(event__in=targeting).count() == 3


def test_deleting_users_in_bulk_while_acting_as_one_of_them_keeps_events(car_with_parts):
    User = get_user_model()
    users = [User.objects.create_user(f"u{i}") for i in range(3)]
    with acting_user(users[0]):
        car_with_parts.manufacturer = "VW"
        car_with_parts.save()
    before = snapshot()
    with acting_user(users[0]):
        deleted, _ = User.objects.filter(pk__in=[u.pk for u in users]).delete()
    assert deleted == 3
    connection.check_constraints()  # no event refers to a deleted user, even deferred
    assert_kept(before)
    assert Event.objects.filter(event_type="auth.user.deleted", user__isnull=True).count() == 3


def test_deleting_a_target_and_its_cascade_keeps_their_events_and_aggregates(car_with_parts):
    car_type = ContentType.objects.get_for_model(Car)
    car_id = car_with_parts.pk
    history = set(Event.objects.for_object(car_with_parts).values_list("pk", flat=True))
    before = snapshot()
    car_with_parts.delete()
    assert_kept(before)
    after = set(Event.objects.for_aggregate(car_type, car_id).values_list("pk", flat=True))
    # The car's history still holds the engine's and cylinders' events, and their deletion.
    assert history < after
    deleted = Event.objects.filter(pk__in=after - history).values_list("event_type", flat=True)
    assert sorted(deleted) == [
        "testapp.car.deleted",
        "testapp.cylinder.deleted",
        "testapp.cylinder.deleted",
        "testapp.engine.deleted",
    ]


def test_deleting_a_target_in_bulk_keeps_its_events():
    cars = [Car.objects.create(manufacturer=str(i)) for i in range(3)]
    before = snapshot()
    Car.objects.filter(pk__in=[c.pk for c in cars]).delete()
    assert_kept(before)
    assert Event.objects.filter(event_type="testapp.car.deleted").count() == 3


def make_stale(model):
    """Make ``model``'s content type stale, as if the model had been removed from the code."""
    ctype = ContentType.objects.get_for_model(model)
    ContentType.objects.filter(pk=ctype.pk).update(model=f"{ctype.model}removed")
    ContentType.objects.clear_cache()
    return ctype


def test_remove_stale_contenttypes_refuses_clearly_to_delete_a_type_with_events(
    car_with_parts, forget_content_types
):
    before = snapshot()
    ctype = make_stale(Car)
    with pytest.raises(ProtectedError) as refused:
        call_command("remove_stale_contenttypes", interactive=False, verbosity=0)
    assert "Event.target_ctype" in str(refused.value)
    assert ContentType.objects.filter(pk=ctype.pk).exists()
    assert_kept(before)


def test_remove_stale_contenttypes_refuses_before_asking_in_interactive_mode(
    car_with_parts, forget_content_types, monkeypatch
):
    def no_questions(prompt=""):
        raise AssertionError("asked to confirm a deletion that cannot happen")

    monkeypatch.setattr(builtins, "input", no_questions)
    before = snapshot()
    make_stale(Car)
    with pytest.raises(ProtectedError):
        call_command("remove_stale_contenttypes", interactive=True, verbosity=0)
    assert_kept(before)


def test_a_type_referred_to_only_by_aggregates_is_protected_too(forget_content_types):
    with suspend():
        car = Car.objects.create(manufacturer="Ford")
    Engine.objects.create(car=car)  # its event has the car as an aggregate
    assert not Event.objects.for_target(car).exists()
    before = snapshot()
    ctype = make_stale(Car)
    with pytest.raises(ProtectedError) as refused:
        call_command("remove_stale_contenttypes", interactive=False, verbosity=0)
    assert "EventAggregate.aggregate_ctype" in str(refused.value)
    with pytest.raises(ProtectedError):
        ContentType.objects.filter(pk=ctype.pk).delete()
    assert_kept(before)


def test_stale_types_without_events_are_still_removed(forget_content_types):
    with suspend():
        Tag.objects.create(name="never recorded")
    ctype = make_stale(Tag)
    call_command("remove_stale_contenttypes", interactive=False, verbosity=0)
    assert not ContentType.objects.filter(pk=ctype.pk).exists()
