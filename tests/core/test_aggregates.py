import pytest
from django.contrib.contenttypes.models import ContentType

from tests.testapp.models import Car, Cylinder, Engine, Node
from tsunami.models import Event, EventAggregate

pytestmark = pytest.mark.django_db


def aggregates_of(event):
    return {
        (a.aggregate_ctype.model, a.aggregate_id)
        for a in event.aggregates.select_related("aggregate_ctype")
    }


def test_the_target_is_the_only_aggregate_by_default():
    car = Car.objects.create(manufacturer="Ford")
    event = Event.objects.get()
    assert aggregates_of(event) == {("car", str(car.pk))}


def test_seed_readme_car_engine_cylinder_example():
    car = Car.objects.create(manufacturer="Ford")
    engine = Engine.objects.create(car=car)
    cylinder = Cylinder.objects.create(engine=engine)
    cylinder_event = Event.objects.get(event_type="testapp.cylinder.created")
    assert aggregates_of(cylinder_event) == {
        ("cylinder", str(cylinder.pk)),
        ("engine", str(engine.pk)),
        ("car", str(car.pk)),
    }
    # The seed README's query, exactly as written there.
    car = Car.objects.first()
    events = Event.objects.filter(
        aggregate__aggregate_ctype=ContentType.objects.get_for_model(car),
        aggregate__aggregate_id=car.pk,
    )
    assert {e.event_type for e in events} == {
        "testapp.car.created",
        "testapp.engine.created",
        "testapp.cylinder.created",
    }


def test_aggregate_cycles_and_duplicates_end_the_walk():
    a = Node.objects.create(name="a")
    b = Node.objects.create(name="b", parent=a)
    a.partner = b
    a.save()  # a -> b -> a is a cycle; each node also lists itself
    event = Event.objects.filter(target_id=str(a.pk)).latest("id")
    assert aggregates_of(event) == {("node", str(a.pk)), ("node", str(b.pk))}
    assert EventAggregate.objects.filter(event=event).count() == 2


def test_events_of_deleted_children_stay_in_the_parents_history():
    car = Car.objects.create(manufacturer="Ford")
    engine = Engine.objects.create(car=car)
    engine.delete()
    assert [e.event_type for e in Event.objects.for_object(car).order_by("id")] == [
        "testapp.car.created",
        "testapp.engine.created",
        "testapp.engine.deleted",
    ]
