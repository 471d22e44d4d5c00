"""The fold-and-compare check: it passes on real histories and catches what it must."""

import datetime
import decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

from tests.reliability.fold import assert_folds, check_model
from tests.testapp.models import (
    Account,
    Author,
    Book,
    Car,
    Club,
    Country,
    Cylinder,
    Engine,
    Gadget,
    Node,
    Note,
    Person,
    PinnedNote,
    Tag,
)
from tsunami.models import Event
from tsunami.tracking import suspend

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]

HISTORY_MODELS = (
    Account,
    Author,
    Book,
    Car,
    Club,
    Country,
    Cylinder,
    Engine,
    Gadget,
    Node,
    Note,
    Person,
    Tag,
)


def make_history():
    """Create, change and delete objects of every shape the test app has."""
    car = Car.objects.create(manufacturer="Ford")
    engine = Engine.objects.create(car=car)
    cylinders = [Cylinder.objects.create(engine=engine, bore="80.5") for _ in range(3)]
    cylinders[0].bore = decimal.Decimal("81")
    cylinders[0].save()
    engine.num_cylinders = 6
    engine.save(update_fields=["num_cylinders"])
    car.manufacturer = "VW"
    car.save()
    tags = [Tag.objects.create(name=name) for name in "abcd"]
    author = Author.objects.create(name="Ann")
    book = Book.objects.create(
        title="T",
        author=author,
        published=datetime.date(2024, 2, 29),
        updated_at=timezone.now(),
        price=decimal.Decimal("1.5"),
        metadata={"k": [1, {"x": None}]},
        cover="covers/a.png",
    )
    book.tags.add(tags[0], tags[1])
    book.tags.remove(tags[0])
    tags[2].books.add(book)
    book.metadata["k"].append("more")
    book.price = "2.250"
    book.published = "2024-03-01"
    book.save()
    book.tags.set([tags[3]])
    book.tags.clear()
    tags[1].books.add(book)
    people = [Person.objects.create(name=name) for name in "xyz"]
    people[0].friends.add(people[1], people[2])
    people[1].friends.remove(people[0])
    club = Club.objects.create(name="c")
    club.members.add(people[0], through_defaults={"role": "chair"})
    people[2].clubs.add(club)
    club.members.remove(people[0])
    gadget = Gadget.objects.create(name="g")
    gadget.parts.add(tags[3])
    gadget.name = "g2"
    gadget.save()
    Country.objects.create(code="fr", name="France")
    Country.objects.create(code="de", name="Germany").delete()
    root = Node.objects.create(name="root")
    leaf = Node.objects.create(name="leaf", parent=root)
    root.partner = leaf
    root.save()
    pinned = PinnedNote.objects.create(text="pinned")
    pinned.text = "changed through the proxy"
    pinned.save()
    Note.objects.filter(pk=pinned.pk).get().delete()
    Engine.objects.get(pk=engine.pk).car.delete()  # cascades to the engine and cylinders
    account = Account.objects.create(name="acc", api_token="secret")
    account.api_token = "other secret"
    account.login_count = 3
    account.save()


def test_a_varied_history_folds_to_the_database_rows():
    make_history()
    assert assert_folds(*HISTORY_MODELS) == 22


def test_masked_fields_fold_to_the_mask():
    with override_settings(TSUNAMI={"MASK_FIELDS": {"testapp.Account": ["api_token"]}}):
        account = Account.objects.create(name="a", api_token="s1")
        account.api_token = "s2"
        account.save()
        assert Event.objects.filter(event_type="testapp.account.updated").get().data == {
            "api_token": "********"
        }
        assert_folds(Account)


def test_users_fold_with_their_password_masked():
    user = get_user_model().objects.create_user("u", password="one")
    user.set_password("two")
    user.first_name = "U"
    user.save()
    assert_folds(get_user_model(), m2m=False)


def test_fold_reports_a_change_made_while_suspended():
    car = Car.objects.create(manufacturer="Ford")
    with suspend():
        car.manufacturer = "VW"
        car.save()
    assert check_model(Car).problems == [
        f"testapp.car {car.pk}: manufacturer is 'VW' in the database, the events fold to 'Ford'"
    ]


def test_fold_reports_an_invented_change():
    car = Car.objects.create(manufacturer="Ford")
    Event.objects.create(
        event_type="testapp.car.updated",
        target=car,
        data={"manufacturer": "Kia"},
        previous_data={"manufacturer": "Ford"},
    )
    problems = check_model(Car).problems
    assert problems == [
        f"testapp.car {car.pk}: manufacturer is 'Ford' in the database, the events fold to 'Kia'"
    ]


def test_fold_reports_an_event_whose_previous_value_contradicts_the_history():
    car = Car.objects.create(manufacturer="Ford")
    Event.objects.create(
        event_type="testapp.car.updated",
        target=car,
        data={"manufacturer": "Ford"},
        previous_data={"manufacturer": "Kia"},
    )
    problems = check_model(Car).problems
    assert len(problems) == 1
    assert "previous manufacturer='Kia', but the events folded to 'Ford'" in problems[0]


def test_fold_reports_objects_without_events_and_deletions_without_an_event():
    with suspend():
        silent = Car.objects.create(manufacturer="silent")
    gone = Car.objects.create(manufacturer="gone")
    gone_id = gone.pk
    with suspend():
        gone.delete()
    assert sorted(check_model(Car).problems) == sorted(
        [
            f"testapp.car {silent.pk}: exists, but has no events",
            f"testapp.car {gone_id}: gone from the database, but no deleted event",
        ]
    )


def test_fold_reports_a_deleted_event_for_an_object_that_still_exists():
    car = Car.objects.create(manufacturer="Ford")
    Event.objects.create(event_type="testapp.car.deleted", target=car, data={"manufacturer": "x"})
    problems = check_model(Car).problems
    assert any("records {'manufacturer': 'x'}" in p for p in problems)
    assert any("exists, but its events end with deleted" in p for p in problems)


def test_fold_shows_the_lost_update_of_two_stale_instances():
    """A documented limit: save() writes every field, events diff against the loaded state.

    Two instances loaded before either saves: the second save silently writes back the
    first one's old name, and its event (rightly) only records the field it changed. Use
    ``select_for_update()`` or ``save(update_fields=...)`` against concurrent writers.
    """
    account = Account.objects.create(name="a")
    first, second = Account.objects.get(pk=account.pk), Account.objects.get(pk=account.pk)
    first.name = "renamed"
    first.save()
    second.login_count = 1
    second.save()
    assert check_model(Account).problems == [
        f"testapp.account {account.pk}: name is 'a' in the database, the events fold to 'renamed'"
    ]
    # With update_fields the second save writes only what it changed: nothing is lost.
    third = Account.objects.get(pk=account.pk)
    fourth = Account.objects.get(pk=account.pk)
    third.name = "again"
    third.save(update_fields=["name"])
    fourth.login_count = 2
    fourth.save(update_fields=["login_count"])
    assert Account.objects.get(pk=account.pk).name == "again"


def test_fold_shows_foreign_keys_set_null_by_a_deletion():
    """A limit: ``on_delete=SET_NULL`` updates the rows in bulk, without signals."""
    author = Author.objects.create(name="a")
    book = Book.objects.create(title="b", author=author)
    author_id = author.pk
    author.delete()
    assert check_model(Book).problems == [
        f"testapp.book {book.pk}: author is None in the database, the events fold to {author_id}"
    ]


def test_fold_shows_relations_removed_by_deleting_the_related_object():
    """A documented limit: deleting a related object removes through rows without m2m_changed."""
    book = Book.objects.create(title="b")
    tag = Tag.objects.create(name="t")
    book.tags.add(tag)
    tag_id = tag.pk
    tag.delete()
    assert check_model(Book).problems == [
        f"testapp.book {book.pk}: tags is [] in the database, the events fold to [{tag_id}]"
    ]
    assert check_model(Book, m2m=False).problems == []
