import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.testapp.models import Car
from tsunami.models import Event


@pytest.mark.django_db
def test_seed_demo_creates_users_and_a_history_spread_over_time(capsys):
    call_command("seed_demo")
    assert get_user_model().objects.filter(username__in=["admin", "alice", "bob"]).count() == 3
    car = Car.objects.order_by("pk").last()
    types = set(Event.objects.for_object(car).values_list("event_type", flat=True))
    assert {"testapp.car.created", "testapp.engine.created", "testapp.cylinder.created"} <= types
    assert Event.objects.filter(user__username="alice").exists()
    times = Event.objects.order_by("created_at").values_list("created_at", flat=True)
    assert (times.last() - times.first()).days >= 5
    call_command("seed_demo")
    assert "already has data" in capsys.readouterr().out
