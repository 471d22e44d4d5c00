"""Run in a subprocess by tests/core/test_swapped_user.py, under tests.settings_custom_user."""

import pytest
from django.contrib.auth import get_user_model

from tsunami.helpers import model_event_listener
from tsunami.models import Event
from tsunami.tracking import acting_user

pytestmark = pytest.mark.django_db


def test_a_swapped_user_model_is_tracked_and_masked_and_attributed():
    calls = []

    @model_event_listener(get_user_model(), ["created", "updated"])
    def listener(event):
        calls.append(event.event_type)

    member = get_user_model().objects.create_user("m@example.com", "pw")
    with acting_user(member):
        member.nickname = "emm"
        member.save()
    created, updated = Event.objects.order_by("id")
    assert created.event_type == "customuser.member.created"
    assert created.data["password"] == "********"
    assert updated.data == {"nickname": "emm"}
    assert updated.user == member
    assert calls == ["customuser.member.created", "customuser.member.updated"]
