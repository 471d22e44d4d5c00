"""Who may open which page: the permission matrix, and nothing leaks to the unentitled."""

import pytest
from django.urls import reverse

from tests.ui.conftest import make_event, make_user
from tsunami.models import Event

pytestmark = pytest.mark.django_db


def _urls(garage):
    car = garage["car"]
    event = Event.objects.for_target(car).first()
    return [
        reverse("tsunami:timeline"),
        reverse("tsunami:chart"),
        reverse("tsunami:user-suggestions"),
        reverse("tsunami:event", kwargs={"pk": event.pk}),
        reverse(
            "tsunami:object-history",
            kwargs={"app_label": "testapp", "model_name": "car", "object_id": car.pk},
        ),
    ]


def test_anonymous_users_are_redirected_to_the_admin_login(client, garage):
    for url in _urls(garage):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_anonymous_htmx_requests_reload_the_page_on_the_login_url(client, garage):
    response = client.get(
        reverse("tsunami:timeline"), headers={"HX-Request": "true", "HX-Target": "tsunami-results"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("staff", "perms"),
    [
        (False, ["tsunami.view_event", "testapp.view_car"]),  # not staff
        (True, []),  # staff without permissions
        (True, ["testapp.view_car"]),  # a model's view permission without view_event
    ],
)
def test_users_who_are_not_staff_with_view_event_are_forbidden(client, garage, staff, perms):
    client.force_login(make_user("someone", staff=staff, perms=perms))
    for url in _urls(garage):
        assert client.get(url).status_code == 403, url


def test_inactive_staff_is_refused(client, garage):
    user = make_user("gone", perms=["tsunami.view_event", "testapp.view_car"])
    user.is_active = False
    user.save()
    client.force_login(user)
    assert client.get(reverse("tsunami:timeline")).status_code in (302, 403)


def test_view_event_alone_opens_the_timeline_but_shows_no_events(client, garage):
    client.force_login(make_user("plain", perms=["tsunami.view_event"]))
    response = client.get(reverse("tsunami:timeline"))
    assert response.status_code == 200
    assert list(response.context["table"].data) == []
    assert b"Volkswagen" not in response.content


def test_view_event_alone_cannot_open_an_event_or_a_history(client, garage):
    client.force_login(make_user("plain", perms=["tsunami.view_event"]))
    urls = _urls(garage)
    assert client.get(urls[3]).status_code == 404
    assert client.get(urls[4]).status_code == 403


def test_a_model_view_permission_shows_exactly_that_models_events(viewer_client, garage):
    response = viewer_client.get(reverse("tsunami:timeline"))
    events = list(response.context["table"].data)
    assert events
    assert {event.event_type.rsplit(".", 1)[0] for event in events} == {"testapp.car"}
    assert b"Secret plans" not in response.content


def test_the_change_permission_counts_as_view_permission(client, garage):
    client.force_login(make_user("editor", perms=["tsunami.view_event", "testapp.change_book"]))
    events = list(client.get(reverse("tsunami:timeline")).context["table"].data)
    assert {event.event_type for event in events} == {"testapp.book.created"}


def test_superusers_see_every_event(root_client, garage):
    events = list(root_client.get(reverse("tsunami:timeline")).context["table"].data)
    assert len(events) == Event.objects.count()


def test_an_event_of_a_model_the_user_may_not_view_is_not_found(viewer_client, garage):
    book_event = Event.objects.for_target(garage["book"]).get()
    response = viewer_client.get(reverse("tsunami:event", kwargs={"pk": book_event.pk}))
    assert response.status_code == 404


def test_the_history_of_a_model_the_user_may_not_view_is_forbidden(viewer_client, garage):
    url = reverse(
        "tsunami:object-history",
        kwargs={"app_label": "testapp", "model_name": "book", "object_id": garage["book"].pk},
    )
    assert viewer_client.get(url).status_code == 403


def test_history_hides_events_of_parts_whose_model_the_user_may_not_view(viewer_client, garage):
    url = reverse(
        "tsunami:object-history",
        kwargs={"app_label": "testapp", "model_name": "car", "object_id": garage["car"].pk},
    )
    response = viewer_client.get(url)
    types = {event.event_type for event in response.context["events"]}
    assert types == {"testapp.car.created", "testapp.car.updated"}
    assert b"testapp.engine" not in response.content


def test_event_page_lists_only_aggregates_the_user_may_view(client, garage):
    client.force_login(make_user("mech", perms=["tsunami.view_event", "testapp.view_engine"]))
    event = Event.objects.for_target(garage["engine"]).filter(event_type__endswith="updated").get()
    response = client.get(reverse("tsunami:event", kwargs={"pk": event.pk}))
    assert response.status_code == 200
    assert [item["ctype"].model for item in response.context["aggregates"]] == ["engine"]
    car_history = reverse(
        "tsunami:object-history",
        kwargs={"app_label": "testapp", "model_name": "car", "object_id": garage["car"].pk},
    )
    assert car_history.encode() not in response.content


def test_filters_cannot_name_a_model_the_user_may_not_view(viewer_client, garage):
    for query in ({"model": "testapp.book"}, {"aggregate": f"testapp.book:{garage['book'].pk}"}):
        response = viewer_client.get(reverse("tsunami:timeline"), query)
        assert response.status_code == 400, query
        assert list(response.context["table"].data) == []


def test_model_choices_offer_only_viewable_models(viewer_client, garage):
    form = viewer_client.get(reverse("tsunami:timeline")).context["filter"].form
    assert [value for value, _label in form.fields["model"].choices if value] == ["testapp.car"]


def test_user_suggestions_offer_only_users_of_viewable_events(client, garage):
    carol = make_user("carol", staff=False)
    make_event(garage["book"], "testapp.book.updated", data={"title": "x"}, user=carol)
    client.force_login(make_user("mech", perms=["tsunami.view_event", "testapp.view_car"]))
    response = client.get(reverse("tsunami:user-suggestions"), {"user": ""})
    content = response.content.decode()
    assert 'value="alice"' in content
    assert 'value="bob"' in content
    assert "carol" not in content
    assert "mech" not in content


def test_chart_counts_only_viewable_events(viewer_client, garage):
    viewer_total = viewer_client.get(reverse("tsunami:chart")).context["chart"].total
    assert viewer_total == Event.objects.filter(event_type__startswith="testapp.car.").count()
    assert viewer_total < Event.objects.count()
