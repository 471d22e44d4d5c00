"""The filters of the Event admin, alone and combined."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import reverse

from tests.testapp.models import Car, Country, Cylinder, Engine, Tag
from tsunami.models import Event
from tsunami.tracking import acting_user

pytestmark = pytest.mark.urls("tests.admin.urls_admin_only")


def ctype_id(model):
    return ContentType.objects.get_for_model(model).pk


def listed(client, **params):
    response = client.get(reverse("admin:tsunami_event_changelist"), params)
    assert response.status_code == 200
    return {event.pk for event in response.context["cl"].result_list}


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def superuser(db):
    """The logged-in superuser, also at a pk far from the chosen ones (see ``world``)."""
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw", pk=900_003)


@pytest.fixture
def world(db):
    """Two cars with parts at chosen pks (so that a car pk equals an engine pk), and users."""
    users = get_user_model().objects
    # Users get pks far from the chosen ones: an auto-increment that earlier tests moved on
    # (MariaDB and PostgreSQL never rewind it) must not make a user's pk 21 or 30.
    ann = users.create_user("ann", "ann@example.com", "pw", pk=900_001)
    bob = users.create_user("bob", "bob@example.com", "pw", pk=900_002)
    with acting_user(ann):
        car = Car.objects.create(pk=10, manufacturer="Volvo")
        engine = Engine.objects.create(pk=20, car=car)
        cylinder = Cylinder.objects.create(pk=30, engine=engine)
    with acting_user(bob):
        other_car = Car.objects.create(pk=20, manufacturer="Saab")
        other_engine = Engine.objects.create(pk=21, car=other_car)
        car.manufacturer = "Volvo Cars"
        car.save()
        tag = Tag.objects.create(pk=10, name="red")
    return {
        "ann": ann,
        "bob": bob,
        "car": car,
        "engine": engine,
        "cylinder": cylinder,
        "other_car": other_car,
        "other_engine": other_engine,
        "tag": tag,
    }


def test_event_type_filter_matches_the_exact_type(superuser_client, world):
    assert listed(superuser_client, event_type="testapp.car.updated") == ids(
        Event.objects.filter(event_type="testapp.car.updated")
    )


def test_event_type_filter_takes_globs_and_lists(superuser_client, world):
    assert listed(superuser_client, event_type="testapp.car.*") == ids(
        Event.objects.filter(event_type__startswith="testapp.car.")
    )
    assert listed(superuser_client, event_type="testapp.tag.created, testapp.engine.*") == ids(
        Event.objects.filter(event_type__in=["testapp.tag.created", "testapp.engine.created"])
    )


def test_target_type_filter_lists_events_of_that_model(superuser_client, world):
    assert listed(superuser_client, target_ctype=ctype_id(Engine)) == ids(
        Event.objects.filter(event_type__startswith="testapp.engine.")
    )


def test_target_id_filter_alone_matches_every_model_with_that_id(superuser_client, world):
    both = ids(Event.objects.for_target(world["engine"])) | ids(
        Event.objects.for_target(world["other_car"])
    )

    result = listed(superuser_client, target_id="20")

    assert result == ids(Event.objects.filter(target_id="20"))
    assert both <= result
    assert len(both) == 2


def test_target_type_and_id_together_name_one_object(superuser_client, world):
    assert listed(superuser_client, target_ctype=ctype_id(Car), target_id="10") == ids(
        Event.objects.for_target(world["car"])
    )


def test_aggregate_filter_lists_the_events_of_the_object_and_its_parts(superuser_client, world):
    car = world["car"]
    expected = (
        ids(Event.objects.for_target(car))
        | ids(Event.objects.for_target(world["engine"]))
        | ids(Event.objects.for_target(world["cylinder"]))
    )

    assert listed(superuser_client, aggregate_ctype=ctype_id(Car), aggregate_id="10") == expected
    assert expected == ids(Event.objects.for_object(car))


def test_aggregate_type_and_id_must_match_the_same_aggregate(superuser_client, world):
    # Car 10's engine has pk 20 and car 20 exists: the pair (car, 20) is car 20 only.
    assert listed(superuser_client, aggregate_ctype=ctype_id(Car), aggregate_id="20") == ids(
        Event.objects.for_object(world["other_car"])
    )


def test_aggregate_type_alone_and_id_alone(superuser_client, world):
    assert listed(superuser_client, aggregate_ctype=ctype_id(Engine)) == ids(
        Event.objects.filter(event_type__regex=r"^testapp\.(engine|cylinder)\.")
    )
    assert listed(superuser_client, aggregate_id="30") == ids(
        Event.objects.for_target(world["cylinder"])
    )


def test_user_filter_takes_a_username_or_an_id(superuser_client, world):
    ann_events = ids(Event.objects.filter(user=world["ann"]))

    assert len(ann_events) == 3
    assert listed(superuser_client, user="ann") == ann_events
    assert listed(superuser_client, user=str(world["ann"].pk)) == ann_events
    assert listed(superuser_client, user="nobody") == set()


def test_user_filter_never_lists_the_users(superuser_client, world):
    get_user_model().objects.create_user("bystander", "by@example.com", "pw")

    response = superuser_client.get(reverse("admin:tsunami_event_changelist"))

    html = response.content.decode()
    assert 'name="user"' in html
    assert "bystander" not in html


def test_type_filters_list_content_types_never_objects(superuser_client, world):
    Country.objects.create(code="zz", name="Unlisted Country Name")

    response = superuser_client.get(reverse("admin:tsunami_event_changelist"))

    html = response.content.decode()
    assert f'<option value="{ctype_id(Country)}">testapp.country</option>' in html
    assert "Unlisted Country Name" not in html


@pytest.fixture
def dated(db):
    tag = Tag.objects.create(name="dated")
    made = {}
    for day in ("2024-01-01", "2024-01-15", "2024-02-01"):
        moment = datetime.datetime.fromisoformat(f"{day}T12:00:00+00:00")
        event = Event(event_type="manual.dated", target=tag, created_at=moment)
        event.save()
        made[day] = event.pk
    return made


def test_created_range_filter_includes_both_ends(superuser_client, dated):
    assert listed(superuser_client, event_type="manual.*", created_from="2024-01-15") == {
        dated["2024-01-15"],
        dated["2024-02-01"],
    }
    assert listed(superuser_client, event_type="manual.*", created_to="2024-01-15") == {
        dated["2024-01-01"],
        dated["2024-01-15"],
    }
    assert listed(
        superuser_client,
        event_type="manual.*",
        created_from="2024-01-02",
        created_to="2024-01-31",
    ) == {dated["2024-01-15"]}


def test_created_range_filter_takes_date_times(superuser_client, dated):
    assert listed(
        superuser_client, event_type="manual.*", created_to="2024-01-15T11:59:00+00:00"
    ) == {dated["2024-01-01"]}


def test_invalid_dates_and_types_are_reported_not_applied(superuser_client, dated):
    response = superuser_client.get(
        reverse("admin:tsunami_event_changelist"),
        {"event_type": "manual.*", "created_from": "2024-13-45", "target_ctype": "car"},
    )

    assert response.status_code == 200
    assert {event.pk for event in response.context["cl"].result_list} == set(dated.values())
    html = response.content.decode()
    assert "Enter a date as YYYY-MM-DD." in html
    assert "Choose a content type from the list." in html


@pytest.mark.parametrize("ctype", ["¹", "٣", "1" * 19])
def test_a_content_type_that_is_no_ascii_number_is_reported(superuser_client, dated, ctype):
    # "¹".isdigit() is true, but int() refuses it.
    response = superuser_client.get(
        reverse("admin:tsunami_event_changelist"), {"target_ctype": ctype}
    )
    assert response.status_code == 200
    assert "Choose a content type from the list." in response.content.decode()


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/New_York"])
@pytest.mark.parametrize(
    "query",
    [
        {"created_to": "9999-12-31"},
        {"created_to": "9999-12-31T23:59:59"},
        {"created_from": "0001-01-01"},
        {"created_from": "0001-01-01T00:00:00"},
    ],
)
def test_dates_beyond_the_supported_range_are_reported_not_applied(
    superuser_client, dated, zone, query
):
    with override_settings(TIME_ZONE=zone):
        response = superuser_client.get(
            reverse("admin:tsunami_event_changelist"), {"event_type": "manual.*", **query}
        )

    assert response.status_code == 200
    assert {event.pk for event in response.context["cl"].result_list} == set(dated.values())
    assert "Give a date from the year 1900 up to 9000." in response.content.decode()


def test_filters_combine(superuser_client, world):
    assert listed(
        superuser_client,
        event_type="testapp.car.*",
        aggregate_ctype=ctype_id(Car),
        aggregate_id="10",
        user="bob",
        created_from=datetime.date.today().isoformat(),
        target_ctype=ctype_id(Car),
        target_id="10",
    ) == ids(Event.objects.filter(event_type="testapp.car.updated"))
    assert listed(
        superuser_client, aggregate_ctype=ctype_id(Car), aggregate_id="10", user="bob"
    ) == ids(Event.objects.filter(event_type="testapp.car.updated"))
    assert listed(superuser_client, event_type="testapp.tag.*", user="ann") == set()


def test_filter_forms_keep_the_other_filters(superuser_client, world):
    response = superuser_client.get(
        reverse("admin:tsunami_event_changelist"), {"user": "ann", "q": "testapp"}
    )

    html = response.content.decode()
    assert '<input type="hidden" name="user" value="ann">' in html
    assert '<input type="hidden" name="q" value="testapp">' in html


def test_search_matches_event_type_prefixes_and_exact_target_ids(superuser_client, world):
    assert listed(superuser_client, q="testapp.cyl") == ids(
        Event.objects.for_target(world["cylinder"])
    )
    assert listed(superuser_client, q="21") == ids(Event.objects.for_target(world["other_engine"]))
    assert listed(superuser_client, q="999") == set()
