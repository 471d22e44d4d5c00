"""Filter values at the edges: far-away times in any time zone, odd globs, untracked models."""

import pytest
from django.test import override_settings

from tests.testapp.models import Car, Untracked
from tests.ui.conftest import make_event
from tsunami.models import Event

pytestmark = pytest.mark.django_db
PAGES = ("/events/", "/events/chart/")


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/New_York"])
@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "0001-01-01T00:00"}, "from the year 1900 on"),
        ({"since": "0001-01-01"}, "from the year 1900 on"),
        ({"until": "0001-01-01T05:00"}, "from the year 1900 on"),
        ({"until": "9999-12-31T23:59:59"}, "before the year 9000"),
        ({"since": "9999-12-31T23:59:59"}, "before the year 9000"),
    ],
)
def test_times_beyond_the_supported_range_are_refused(root_client, url, zone, query, message):
    with override_settings(TIME_ZONE=zone):
        response = root_client.get(url, query)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York"])
@pytest.mark.parametrize("url", PAGES)
def test_the_edges_of_the_supported_range_work_in_any_time_zone(root_client, url, zone):
    make_event(Car.objects.create(manufacturer="Saab"), "shop.tick")
    with override_settings(TIME_ZONE=zone):
        response = root_client.get(url, {"since": "1900-01-02T00:00", "until": "8999-12-31T00:00"})
    assert response.status_code == 200


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    "pattern", ["a[[.]b", "shop.[[.]*", "shop.[[-]]", "[[]", "[!]", "shop.[!]]*", "[]]"]
)
def test_brackets_inside_a_glob_class_match_literally_on_every_database(root_client, url, pattern):
    make_event(Car.objects.create(manufacturer="Saab"), "shop.tick")
    response = root_client.get(url, {"type": pattern})
    assert response.status_code == 200


def test_a_bracket_in_a_class_is_an_ordinary_character(db):
    car = Car.objects.create(manufacturer="Saab")
    make_event(car, "shop.tick")
    make_event(car, "shop.a")
    assert list(Event.objects.of_type("shop.[[a]*").values_list("event_type", flat=True)) == [
        "shop.a"
    ]


def test_a_superuser_may_filter_by_an_object_of_an_untracked_model(root_client):
    thing = Untracked.objects.create(name="crate")
    event = make_event(thing, "shop.packed")
    response = root_client.get("/events/", {"aggregate": f"testapp.untracked:{thing.pk}"})
    assert response.status_code == 200
    assert [row.pk for row in response.context["table"].data] == [event.pk]


def test_the_history_pages_timeline_link_works_for_an_untracked_model(root_client):
    thing = Untracked.objects.create(name="crate")
    make_event(thing, "shop.packed")
    history = root_client.get(f"/events/history/testapp/untracked/{thing.pk}/")
    link = f"/events/?aggregate=testapp.untracked:{thing.pk}"
    assert link in history.content.decode()
    assert root_client.get(link).status_code == 200


def test_an_unknown_model_as_affecting_object_is_still_refused_for_a_superuser(root_client):
    response = root_client.get("/events/", {"aggregate": "testapp.nothing:1"})
    assert response.status_code == 400
    assert "app_label.model:id" in response.content.decode()
