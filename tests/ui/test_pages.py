"""The event page and the object history page: diffs, links, deleted objects, paging."""

import pytest
from django.urls import reverse

from tests.testapp.models import Book, Car, Country, Engine
from tests.ui.conftest import make_event, spread_events
from tsunami.models import Event

pytestmark = pytest.mark.django_db


def history(app_label, model_name, object_id):
    return reverse(
        "tsunami:object-history",
        kwargs={"app_label": app_label, "model_name": model_name, "object_id": str(object_id)},
    )


def test_event_page_shows_the_diff_raw_json_and_links(root_client, garage):
    car = garage["car"]
    event = Event.objects.get(event_type="testapp.car.updated")
    response = root_client.get(reverse("tsunami:event", kwargs={"pk": event.pk}))
    content = response.content.decode()
    assert response.status_code == 200
    assert '<code class="tsunami-string">Toyota</code>' in content
    assert '<code class="tsunami-string">Volkswagen</code>' in content
    assert "&quot;manufacturer&quot;: &quot;Volkswagen&quot;" in content  # raw data
    assert "&quot;manufacturer&quot;: &quot;Toyota&quot;" in content  # raw previous values
    assert f'href="{history("testapp", "car", car.pk)}"' in content
    assert "bob" in content
    assert "HX-Request" in response["Vary"]
    assert "private" in response["Cache-Control"]


def test_event_page_links_the_aggregates_to_their_histories(root_client, garage):
    cylinder = garage["cylinder"]
    event = Event.objects.for_target(cylinder).get()
    response = root_client.get(reverse("tsunami:event", kwargs={"pk": event.pk}))
    content = response.content.decode()
    for model_name, obj in (
        ("cylinder", cylinder),
        ("engine", garage["engine"]),
        ("car", garage["car"]),
    ):
        assert f'href="{history("testapp", model_name, obj.pk)}"' in content
    assert [item["ctype"].model for item in response.context["aggregates"]] == [
        "cylinder",
        "engine",
        "car",
    ]


def test_event_and_history_pages_link_the_admin_when_the_model_is_registered(root_client, db):
    from django.contrib import admin

    car = Car.objects.create(manufacturer="x")
    assert admin.site.is_registered(Car)
    response = root_client.get(Event.objects.for_target(car).get().get_absolute_url())
    assert response.context["target_admin_url"] == f"/admin/testapp/car/{car.pk}/change/"
    assert f'href="/admin/testapp/car/{car.pk}/change/"' in response.content.decode()
    response = root_client.get(history("testapp", "car", car.pk))
    assert f'href="/admin/testapp/car/{car.pk}/change/"' in response.content.decode()


def test_no_admin_links_without_the_admin(root_client, db, settings):
    settings.ROOT_URLCONF = "tests.ui.urls_without_admin"
    car = Car.objects.create(manufacturer="x")
    response = root_client.get(Event.objects.for_target(car).get().get_absolute_url())
    assert response.status_code == 200
    assert response.context["target_admin_url"] is None
    assert "/admin/" not in response.content.decode()
    response = root_client.get(history("testapp", "car", car.pk))
    assert response.context["admin_url"] is None


def test_unknown_event_is_404(root_client, db):
    assert root_client.get(reverse("tsunami:event", kwargs={"pk": 999999})).status_code == 404


def test_history_shows_the_object_and_every_event_that_affects_it(root_client, garage):
    car = garage["car"]
    response = root_client.get(history("testapp", "car", car.pk))
    assert response.status_code == 200
    assert response.context["object"] == car
    assert [event.event_type for event in response.context["events"]] == [
        "testapp.engine.updated",
        "testapp.cylinder.created",
        "testapp.car.updated",
        "testapp.engine.created",
        "testapp.car.created",
    ]
    content = response.content.decode()
    assert "<h1>Volkswagen</h1>" in content
    assert '<td class="tsunami-old"><code class="tsunami-json">4</code></td>' in content
    assert '→</span> <code class="tsunami-json">6</code>' in content
    for event in response.context["events"]:
        assert f'href="{event.get_absolute_url()}"' in content


def test_history_of_a_part_shows_only_its_own_events(root_client, garage):
    response = root_client.get(history("testapp", "cylinder", garage["cylinder"].pk))
    assert [event.event_type for event in response.context["events"]] == [
        "testapp.cylinder.created"
    ]


def test_history_of_a_deleted_object_still_lists_its_events(root_client, db):
    car = Car.objects.create(manufacturer="Trabant")
    car_id = car.pk
    car.delete()
    response = root_client.get(history("testapp", "car", car_id))
    assert response.status_code == 200
    assert response.context["object"] is None
    assert [event.event_type for event in response.context["events"]] == [
        "testapp.car.deleted",
        "testapp.car.created",
    ]
    content = response.content.decode()
    assert "(deleted)" in content
    assert "removed" in content
    assert "added" in content


def test_history_accepts_string_keys_with_slashes_and_the_model_name_in_any_case(root_client, db):
    country = Country.objects.create(code="a/b", name="Slash")
    response = root_client.get(history("testapp", "Country", country.pk))
    assert response.status_code == 200
    assert response.context["object"] == country
    assert len(response.context["events"]) == 1


@pytest.mark.parametrize(
    "url",
    [
        "/events/history/nope/car/1/",
        "/events/history/testapp/nope/1/",
        "/events/history/testapp/car/%00/",
    ],
)
def test_history_of_an_unknown_model_is_404(root_client, db, url):
    assert root_client.get(url).status_code == 404


def test_history_with_an_id_the_model_cannot_hold_is_an_empty_page(root_client, db):
    response = root_client.get(history("testapp", "car", "not-a-number"))
    assert response.status_code == 200
    assert response.context["events"] == []
    assert response.context["object"] is None


def test_history_pages_through_long_histories(root_client, db, now):
    car = Car.objects.create(manufacturer="x")
    spread_events(car, 75, start=now)
    url = history("testapp", "car", car.pk)
    first = root_client.get(url)
    page = first.context["page"]
    assert len(first.context["events"]) == 50
    assert page.has_next
    second = root_client.get(url, {"after": page.next_cursor})
    ids = [e.pk for e in first.context["events"]] + [e.pk for e in second.context["events"]]
    assert ids == list(Event.objects.for_target(car).values_list("pk", flat=True))
    assert not second.context["page"].has_next


def test_history_bad_cursor_is_a_400_with_a_message(root_client, garage):
    response = root_client.get(history("testapp", "car", garage["car"].pk), {"after": "x"})
    assert response.status_code == 400
    assert "cursor" in response.content.decode()


def test_history_htmx_requests_render_only_the_event_list(root_client, garage):
    response = root_client.get(
        history("testapp", "car", garage["car"].pk),
        headers={"HX-Request": "true", "HX-Target": "tsunami-history-events"},
    )
    assert response.templates[0].name == "tsunami/partials/history_events.html"
    assert "<html" not in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_history_links_to_the_timeline_filtered_by_the_object(root_client, garage):
    car = garage["car"]
    content = root_client.get(history("testapp", "car", car.pk)).content.decode()
    assert f'href="/events/?aggregate=testapp.car:{car.pk}"' in content


def test_history_shows_nested_json_changes_key_by_key(root_client, db):
    book = Book.objects.create(title="t", metadata={"a": {"b": [1, 2]}, "keep": 1})
    book.metadata = {"a": {"b": [1, 3, 4]}, "keep": 1}
    book.save()
    content = root_client.get(history("testapp", "book", book.pk)).content.decode()
    assert '<th scope="row">Metadata.a.b[1]</th>' in content
    assert '<th scope="row">Metadata.a.b[2] <span class="tsunami-badge tsunami-badge-added">' in (
        content
    )
    assert "Metadata.keep" not in content


def test_history_names_the_target_of_events_of_parts(root_client, db):
    car = Car.objects.create(manufacturer="Saab")
    Engine.objects.create(car=car, num_cylinders=3)
    content = root_client.get(history("testapp", "car", car.pk)).content.decode()
    assert "engine 3-cylinder engine of Saab" in content


def test_custom_event_data_is_shown_on_the_event_page(root_client, db):
    car = Car.objects.create(manufacturer="x")
    event = make_event(car, "shop.sold", data={"price": 100, "buyer": "Eve"})
    content = root_client.get(event.get_absolute_url()).content.decode()
    assert '<th scope="col">Key</th>' in content
    assert '<code class="tsunami-string">Eve</code>' in content


@pytest.mark.parametrize(
    "url",
    [
        "/events/99999999999999999999999/",
        "/events/history/testapp/car/99999999999999999999999/",
        "/events/?model=testapp.car&object=99999999999999999999999",
        "/events/?aggregate=testapp.car:99999999999999999999999",
    ],
)
def test_ids_beyond_the_integer_range_are_not_server_errors(root_client, garage, url):
    assert root_client.get(url).status_code in (200, 404)
