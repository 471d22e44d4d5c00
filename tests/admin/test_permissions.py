"""Who may see the Event admin and an object's history; nobody may edit events."""

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.admin.conftest import grant
from tests.testapp.models import Car
from tsunami.models import Event

pytestmark = pytest.mark.urls("tests.admin.urls_admin_only")

LOGIN = "login"
DENIED = 403
OK = 200
EVENTS = "events"

MATRIX = [
    # role,                    changelist, detail, history
    ("anonymous", LOGIN, LOGIN, LOGIN),
    ("active non-staff", LOGIN, LOGIN, LOGIN),
    ("staff without perms", DENIED, DENIED, DENIED),
    ("staff with view perm", OK, OK, EVENTS),
    ("superuser", OK, OK, EVENTS),
]


def assert_outcome(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    elif expected == EVENTS:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:tsunami_event_changelist"))
    else:
        assert response.status_code == expected


@pytest.fixture
def car(db):
    return Car.objects.create(manufacturer="Volvo")


@pytest.mark.parametrize(("role", "changelist", "detail", "history"), MATRIX)
def test_event_changelist_access(admin_client_for, car, role, changelist, detail, history):
    client = admin_client_for(role)

    assert_outcome(client.get(reverse("admin:tsunami_event_changelist")), changelist)


@pytest.mark.parametrize(("role", "changelist", "detail", "history"), MATRIX)
def test_event_detail_access(admin_client_for, car, role, changelist, detail, history):
    client = admin_client_for(role)
    event = Event.objects.for_target(car).get()

    assert_outcome(client.get(reverse("admin:tsunami_event_change", args=[event.pk])), detail)


@pytest.mark.parametrize(("role", "changelist", "detail", "history"), MATRIX)
def test_object_history_access(admin_client_for, car, role, changelist, detail, history):
    client = admin_client_for(role)

    response = client.get(reverse("admin:testapp_car_history", args=[quote(str(car.pk))]))

    assert_outcome(response, history)


def test_history_with_view_perm_on_another_model_only_is_denied(admin_client_for, car):
    client = admin_client_for("staff without perms")
    grant(get_user_model().objects.get(username="clerk"), "tsunami.view_event", "testapp.view_tag")

    response = client.get(reverse("admin:testapp_car_history", args=[car.pk]))

    assert response.status_code == 403


@pytest.mark.parametrize("role", ["staff with view perm", "superuser"])
def test_event_pages_show_no_add_change_or_delete_controls(admin_client_for, car, role):
    client = admin_client_for(role)
    event = Event.objects.for_target(car).get()

    changelist = client.get(reverse("admin:tsunami_event_changelist")).content.decode()
    detail = client.get(reverse("admin:tsunami_event_change", args=[event.pk])).content.decode()

    assert reverse("admin:tsunami_event_add") not in changelist + detail
    assert 'name="action"' not in changelist
    assert 'class="deletelink' not in detail
    assert 'name="_save"' not in detail
    assert 'name="_continue"' not in detail
    assert 'name="_addanother"' not in detail
    assert 'class="historylink"' not in detail


def test_superuser_cannot_add_change_or_delete_events_by_post(superuser_client, car):
    event = Event.objects.for_target(car).get()
    before = (Event.objects.count(), event.event_type, event.data)

    add = superuser_client.post(
        reverse("admin:tsunami_event_add"),
        {"event_type": "forged.created", "target_ctype": event.target_ctype_id, "target_id": "1"},
    )
    change = superuser_client.post(
        reverse("admin:tsunami_event_change", args=[event.pk]),
        {"event_type": "forged.updated", "data": "{}"},
    )
    delete = superuser_client.post(
        reverse("admin:tsunami_event_delete", args=[event.pk]), {"post": "yes"}
    )
    delete_page = superuser_client.get(reverse("admin:tsunami_event_delete", args=[event.pk]))
    bulk = superuser_client.post(
        reverse("admin:tsunami_event_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert delete_page.status_code == 403
    assert bulk.status_code in (200, 302, 403)
    event.refresh_from_db()
    assert (Event.objects.count(), event.event_type, event.data) == before
