"""The timeline: columns, every filter, sorting, keyset paging, htmx partials, bad input."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from tests.testapp.models import Car, Country, Gadget
from tests.ui.conftest import make_event, spread_events
from tsunami.models import Event

pytestmark = pytest.mark.django_db
URL = "/events/"
HTMX = {"HX-Request": "true", "HX-Target": "tsunami-results"}


def events_of(response):
    return list(response.context["table"].data)


def test_timeline_is_mounted_at_the_included_prefix():
    assert reverse("tsunami:timeline") == URL


def test_timeline_lists_all_events_newest_first(root_client, garage):
    response = root_client.get(URL)
    assert response.status_code == 200
    assert [event.pk for event in events_of(response)] == list(
        Event.objects.values_list("pk", flat=True)
    )
    assert response.templates[0].name == "tsunami/timeline.html"


def test_rows_show_time_type_target_user_and_changed_fields(root_client, garage):
    car = garage["car"]
    response = root_client.get(URL, {"type": "testapp.car.updated"})
    content = response.content.decode()
    event = Event.objects.get(event_type="testapp.car.updated")
    assert f'<time datetime="{event.created_at.isoformat()}">' in content
    assert "ago</span>" in content
    assert '<code class="tsunami-type">testapp.car.updated</code>' in content
    history = reverse(
        "tsunami:object-history",
        kwargs={"app_label": "testapp", "model_name": "car", "object_id": car.pk},
    )
    assert f'<a href="{history}">Volkswagen</a>' in content
    assert '<td data-label="User">bob</td>' in content
    assert '<td data-label="Changed">Manufacturer</td>' in content
    assert f'href="{event.get_absolute_url()}"' in content


def test_the_table_has_a_caption_and_cells_named_by_their_column(root_client, garage):
    content = root_client.get(URL).content.decode()
    assert '<caption class="tsunami-visually-hidden">Events matching the filters</caption>' in (
        content
    )
    for header in ("When", "Event type", "Target", "User", "Changed"):
        assert f'<td data-label="{header}"' in content


def test_a_deleted_target_is_shown_as_text_named_by_its_id(root_client, db):
    car = Car.objects.create(manufacturer="Gone")
    car_id = car.pk
    car.delete()
    content = root_client.get(URL).content.decode()
    assert f'<span class="tsunami-deleted">#{car_id} (deleted)</span>' in content
    assert f'/history/testapp/car/{car_id}/"' not in content


def test_summary_shortens_long_field_lists(root_client, garage):
    make_event(garage["car"], "shop.sold", data={f"k{index}": index for index in range(7)})
    response = root_client.get(URL, {"type": "shop.sold"})
    assert "k0, k1, k2, k3 and 3 more" in response.content.decode()


def test_filter_by_username(root_client, garage):
    response = root_client.get(URL, {"user": "alice"})
    assert {event.user.username for event in events_of(response)} == {"alice"}
    assert len(events_of(response)) == 2


def test_filter_by_unknown_username_shows_nothing(root_client, garage):
    response = root_client.get(URL, {"user": "nobody"})
    assert response.status_code == 200
    assert events_of(response) == []
    assert "No events match these filters." in response.content.decode()


def test_filter_by_several_event_types_and_globs(root_client, garage):
    response = root_client.get(URL, {"type": "testapp.car.*, testapp.book.created"})
    assert {event.event_type for event in events_of(response)} == {
        "testapp.car.created",
        "testapp.car.updated",
        "testapp.book.created",
    }


def test_event_types_may_be_repeated_parameters(root_client, garage):
    response = root_client.get(URL + "?type=testapp.engine.updated&type=testapp.cylinder.*")
    assert {event.event_type for event in events_of(response)} == {
        "testapp.engine.updated",
        "testapp.cylinder.created",
    }


def test_filter_by_target_model(root_client, garage):
    response = root_client.get(URL, {"model": "testapp.engine"})
    assert {event.event_type for event in events_of(response)} == {
        "testapp.engine.created",
        "testapp.engine.updated",
    }


def test_filter_by_target_object(root_client, garage):
    other = Car.objects.create(manufacturer="Other")
    response = root_client.get(URL, {"model": "testapp.car", "object": str(other.pk)})
    assert [event.target_id for event in events_of(response)] == [str(other.pk)]


def test_filter_by_object_of_models_with_uuid_and_string_keys(root_client, db):
    gadget = Gadget.objects.create(name="g")
    Gadget.objects.create(name="h")
    country = Country.objects.create(code="NZ", name="New Zealand")
    response = root_client.get(URL, {"model": "testapp.gadget", "object": str(gadget.pk)})
    assert [event.target_id for event in events_of(response)] == [str(gadget.pk)]
    response = root_client.get(URL, {"model": "testapp.country", "object": "NZ"})
    assert [event.target for event in events_of(response)] == [country]


def test_filter_by_aggregate_object_includes_events_of_its_parts(root_client, garage):
    car = garage["car"]
    response = root_client.get(URL, {"aggregate": f"testapp.car:{car.pk}"})
    assert {event.event_type for event in events_of(response)} == {
        "testapp.car.created",
        "testapp.car.updated",
        "testapp.engine.created",
        "testapp.engine.updated",
        "testapp.cylinder.created",
    }


def test_filter_by_time_range(root_client, garage, now):
    car = garage["car"]
    old = make_event(car, "shop.old", at=now - datetime.timedelta(days=10))
    make_event(car, "shop.older", at=now - datetime.timedelta(days=20))
    since = (now - datetime.timedelta(days=11)).strftime("%Y-%m-%dT%H:%M:%S")
    until = (now - datetime.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")
    response = root_client.get(URL, {"since": since, "until": until})
    assert [event.pk for event in events_of(response)] == [old.pk]


def test_filters_combine(root_client, garage):
    response = root_client.get(URL, {"user": "bob", "type": "testapp.engine.*"})
    assert [event.event_type for event in events_of(response)] == ["testapp.engine.updated"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"type": "auth.user.<script>"}, "is not an event type"),
        ({"type": ",".join(f"t{index}" for index in range(21))}, "at most 20"),
        ({"model": "testapp.nope"}, "Select a valid choice"),
        ({"object": "3"}, "Choose a target model"),
        ({"aggregate": "testapp.car"}, "app_label.model:id"),
        ({"aggregate": "nope.nope:1"}, "app_label.model:id"),
        ({"since": "yesterday"}, "Enter a valid date/time"),
        ({"since": "2024-01-02T00:00", "until": "2024-01-01T00:00"}, "must be later"),
        ({"user": "a\x00b"}, "Null characters are not allowed"),
        ({"user": "x" * 300}, "at most 255"),
        ({"sort": "target"}, "Sort by"),
        ({"after": "yesterday"}, "cursor"),
        ({"after": "99999999999999999999.1"}, "cursor"),
        ({"before": "1.x"}, "cursor"),
        ({"after": "1.1", "before": "1.1"}, "either"),
        ({"since": "99999-01-01T00:00"}, "Enter a valid date/time"),
    ],
)
def test_invalid_parameters_give_a_400_with_a_clear_message(root_client, garage, query, message):
    response = root_client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert events_of(response) == []


def test_invalid_parameters_on_htmx_requests_render_the_partial_with_the_message(
    root_client, garage
):
    response = root_client.get(URL, {"after": "nonsense"}, headers=HTMX)
    assert response.status_code == 400
    assert [t.name for t in response.templates][0] == "tsunami/partials/timeline_results.html"
    assert "cursor" in response.content.decode()


def test_htmx_requests_for_the_table_render_only_the_partial(root_client, garage):
    response = root_client.get(URL, {"user": "bob"}, headers=HTMX)
    assert response.status_code == 200
    names = [template.name for template in response.templates]
    assert names[0] == "tsunami/partials/timeline_results.html"
    assert "tsunami/timeline.html" not in names
    assert "<html" not in response.content.decode()
    assert 'id="tsunami-table"' in response.content.decode()


def test_other_htmx_requests_and_history_restores_get_the_full_page(root_client, garage):
    for headers in (
        {"HX-Request": "true"},
        {"HX-Request": "true", "HX-Target": "elsewhere"},
        {
            "HX-Request": "true",
            "HX-Target": "tsunami-results",
            "HX-History-Restore-Request": "true",
        },
    ):
        response = root_client.get(URL, headers=headers)
        assert response.templates[0].name == "tsunami/timeline.html", headers


def test_responses_vary_on_the_htmx_headers_and_are_not_cached(root_client, garage):
    for headers in ({}, HTMX):
        response = root_client.get(URL, headers=headers)
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"HX-Request", "HX-Target"} <= vary
        assert "no-cache" in response["Cache-Control"]


def test_full_page_loads_htmx_from_django_htmx_and_the_stylesheet(root_client, garage):
    content = root_client.get(URL).content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in content
    assert "/static/tsunami/tsunami.css" in content
    assert "https://" not in content
    assert 'hx-get="/events/"' in content
    assert 'hx-push-url="true"' in content


def test_filter_form_works_without_javascript(root_client, garage):
    content = root_client.get(URL, {"user": "bob"}).content.decode()
    assert '<form id="tsunami-filters" class="tsunami-filters" method="get"' in content
    assert 'action="/events/"' in content
    assert '<button type="submit">' in content
    assert 'name="user" id="tsunami-filter-user" value="bob"' in content
    for name in ("type", "model", "object", "aggregate", "since", "until"):
        assert f'for="tsunami-filter-{name}"' in content
        assert f'id="tsunami-filter-{name}"' in content


def test_event_type_suggestions_cover_the_viewable_models(viewer_client, garage):
    response = viewer_client.get(URL)
    assert "testapp.car.*" in response.context["type_suggestions"]
    assert not any("book" in item for item in response.context["type_suggestions"])


def test_sorting_oldest_first_reverses_the_order(root_client, garage):
    newest_first = [event.pk for event in events_of(root_client.get(URL))]
    response = root_client.get(URL, {"sort": "when"})
    assert [event.pk for event in events_of(response)] == newest_first[::-1]
    content = response.content.decode()
    assert 'aria-sort="ascending"' in content
    assert 'href="?sort=-when"' in content
    assert '<input type="hidden" name="sort" value="when" form="tsunami-filters">' in content


def test_sort_link_keeps_filters_and_drops_the_page_cursor(root_client, garage):
    events = spread_events(garage["car"], 60)
    page2 = root_client.get(URL, {"type": "testapp.car.updated", "after": "1.1"})
    assert page2.status_code == 200
    content = root_client.get(
        URL, {"type": "testapp.car.updated", "after": f"{10**17}.{events[0].pk}"}
    ).content.decode()
    assert 'href="?type=testapp.car.updated&amp;sort=when"' in content


def test_keyset_pages_cover_every_event_once_in_order(root_client, db, now):
    car = Car.objects.create(manufacturer="x")
    spread_events(car, 120, start=now)
    # Ties on created_at are broken by id.
    for _ in range(3):
        make_event(car, "shop.tie", at=now - datetime.timedelta(seconds=30))
    expected = list(Event.objects.values_list("pk", flat=True))
    seen = []
    response = root_client.get(URL)
    while True:
        rows = events_of(response)
        assert len(rows) <= 50
        seen.extend(event.pk for event in rows)
        page = response.context["page"]
        if not page.has_next:
            break
        assert f'href="?after={page.next_cursor}"' in response.content.decode()
        response = root_client.get(URL, {"after": page.next_cursor})
    assert seen == expected
    # And back again with the "previous" links.
    back = []
    while response.context["page"].has_previous:
        response = root_client.get(URL, {"before": response.context["page"].previous_cursor})
        back = [event.pk for event in events_of(response)] + back
    assert back == expected[: len(back)]
    assert back == expected[:100]


def test_first_page_has_no_previous_link_and_the_last_no_next(root_client, db, now):
    car = Car.objects.create(manufacturer="x")
    spread_events(car, 10, start=now)
    content = root_client.get(URL).content.decode()
    assert 'rel="next"' not in content
    assert 'rel="prev"' not in content


def test_pager_links_are_boosted_into_the_table(root_client, db, now):
    car = Car.objects.create(manufacturer="x")
    spread_events(car, 55, start=now)
    content = root_client.get(URL).content.decode()
    assert '<nav class="tsunami-pager" aria-label="Pages" hx-boost="true">' in content
    assert '<thead hx-boost="true">' in content
    assert 'id="tsunami-results"' in content


def test_events_of_a_model_that_no_longer_exists_are_listed_for_superusers(root_client, db):
    from django.contrib.contenttypes.models import ContentType

    stale = ContentType.objects.create(app_label="gone", model="thing")
    event = make_event(Car.objects.create(manufacturer="x"), "gone.thing.updated", data={"x": 1})
    # Events are immutable through the ORM, and save() needs a model to resolve the target.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Event._meta.db_table} SET target_ctype_id = %s, target_id = %s WHERE id = %s",
            [stale.pk, "1", event.pk],
        )
    response = root_client.get(URL)
    assert response.status_code == 200
    assert "#1 (deleted)" in response.content.decode()


def test_head_requests_work(root_client, garage):
    assert root_client.head(URL).status_code == 200


@pytest.mark.parametrize("cursor", ["-50000000000000000.5", "99999999999999999.1", "0.0"])
def test_cursors_far_in_the_past_or_future_give_a_page_not_an_error(root_client, garage, cursor):
    for key in ("after", "before"):
        response = root_client.get(URL, {key: cursor})
        assert response.status_code == 200


@pytest.mark.parametrize(
    "pattern", ["*.car.*", "testapp.*.up*", "testapp.[ce]ar.*", "t?stapp.car.*"]
)
def test_globs_with_several_wildcards_match_on_every_database(root_client, garage, pattern):
    response = root_client.get(URL, {"type": pattern})
    assert response.status_code == 200
    assert "testapp.car.updated" in {event.event_type for event in events_of(response)}


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("*.car.*", ["testapp.car.updated"], ["testapp.cart.updated"]),
        ("a?c", ["abc"], ["ac", "abbc"]),
        ("a[!b]c", ["axc"], ["abc"]),
        ("a[b-d]", ["ac"], ["ae"]),
        ("x[y", ["x[y"], ["xy"]),
        ("a[!]", ["a[!]"], ["ab", "a!"]),
        ("a[!]]", ["ab"], ["a]"]),
        ("a[]]", ["a]"], ["ab"]),
        ("a\\b*", ["a\\bc"], ["ab"]),
        ("a.b-c/d@e*", ["a.b-c/d@ef"], ["aXb-c/d@e"]),
    ],
)
def test_glob_regex_matches_like_fnmatch(pattern, matches, misses):
    import re

    from tsunami.globs import glob_regex

    regex = re.compile(glob_regex(pattern))
    assert all(regex.search(value) for value in matches)
    assert not any(regex.search(value) for value in misses)


def test_an_invalid_character_range_is_a_400(root_client, db):
    response = root_client.get(URL, {"type": "a[z-a]"})
    assert response.status_code == 400
    assert "is not an event type" in response.content.decode()


def test_htmx_responses_push_the_url_without_empty_parameters(root_client, garage):
    query = "?user=bob&type=&model=&object=&aggregate=&since=&until=&type=testapp.car.*"
    response = root_client.get(URL + query, headers=HTMX)
    assert response["HX-Push-Url"] == "/events/?user=bob&type=testapp.car.%2A"
    response = root_client.get(URL + "?user=&type=", headers=HTMX)
    assert response["HX-Push-Url"] == "/events/"
    assert "HX-Push-Url" not in root_client.get(URL + query)


@pytest.mark.parametrize("sort", ["nope", "1.2.3", "title", "-when.x"])
def test_an_unknown_sort_is_a_clear_message_not_an_error(root_client, garage, sort):
    response = root_client.get(URL, {"sort": sort})
    assert response.status_code in (200, 400)
    assert "Sort by" in response.content.decode()
