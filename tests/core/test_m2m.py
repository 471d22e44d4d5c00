import pytest
from django.db import connection
from django.db.models import QuerySet

from tests.testapp.models import Book, Club, Gadget, Membership, Person, Tag
from tsunami.models import Event
from tsunami.tracking import suspend

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    with suspend():
        book = Book.objects.create(title="B")
        other = Book.objects.create(title="O")
        tags = [Tag.objects.create(name=name) for name in "abc"]
    return book, other, tags


def m2m_events():
    return [
        (e.target_id, e.data, e.previous_data)
        for e in Event.objects.filter(event_type="testapp.book.updated").order_by("id")
    ]


def test_adding_from_the_declaring_side(setup):
    book, _, (a, b, c) = setup
    book.tags.add(a, b)
    book.tags.add(b)  # already there: no change, no event
    assert m2m_events() == [(str(book.pk), {"tags": [a.pk, b.pk]}, {"tags": []})]


def test_an_add_costs_a_pinned_number_of_statements(setup, django_assert_num_queries):
    book, other, (a, b, _c) = setup
    other.tags.add(b)  # warm-up: content types come from Django's cache after this
    event_statements = 1 if connection.vendor == "postgresql" else 2
    # Django's query for the ids not yet related (it runs it because tsunami listens to
    # m2m_changed), its insert, tsunami's query for the field's new list, and the event.
    with django_assert_num_queries(3 + event_statements):
        book.tags.add(a)


def test_removing_and_clearing_from_the_declaring_side(setup):
    book, _, (a, b, c) = setup
    with suspend():
        book.tags.add(a, b, c)
    book.tags.remove(a, Tag(pk=999))
    book.tags.clear()
    book.tags.clear()  # already empty: no event
    assert m2m_events() == [
        (str(book.pk), {"tags": [b.pk, c.pk]}, {"tags": [a.pk, b.pk, c.pk]}),
        (str(book.pk), {"tags": []}, {"tags": [b.pk, c.pk]}),
    ]


def test_setting_records_the_new_list(setup):
    book, _, (a, b, c) = setup
    with suspend():
        book.tags.add(a, b)
    book.tags.set([b, c])
    assert m2m_events()[-1][1] == {"tags": [b.pk, c.pk]}
    assert Book.objects.get(pk=book.pk).tags.count() == 2


def test_changes_from_the_reverse_side_are_recorded_on_the_declaring_instances(setup):
    book, other, (a, b, c) = setup
    with suspend():
        book.tags.add(b)
    a.books.add(book, other)
    assert m2m_events() == [
        (str(book.pk), {"tags": [a.pk, b.pk]}, {"tags": [b.pk]}),
        (str(other.pk), {"tags": [a.pk]}, {"tags": []}),
    ]
    a.books.remove(other)
    assert m2m_events()[-1] == (str(other.pk), {"tags": []}, {"tags": [a.pk]})
    a.books.clear()
    assert m2m_events()[-1] == (str(book.pk), {"tags": [b.pk]}, {"tags": [a.pk, b.pk]})
    a.books.clear()
    assert len(m2m_events()) == 4


def test_reverse_set(setup):
    book, other, (a, b, c) = setup
    a.books.set([other])
    a.books.set([book])
    assert [d for _, d, _ in m2m_events()] == [
        {"tags": [a.pk]},  # other gains a
        {"tags": []},  # other loses a
        {"tags": [a.pk]},  # book gains a
    ]


def test_through_models_record_membership_and_the_relation():
    with suspend():
        person = Person.objects.create(name="p")
        club = Club.objects.create(name="c")
    club.members.add(person, through_defaults={"role": "chair"})
    event = Event.objects.get(event_type="testapp.club.updated")
    assert event.data == {"members": [person.pk]}
    membership = Membership.objects.get()
    membership.role = "treasurer"
    membership.save()
    assert Event.objects.get(event_type="testapp.membership.updated").data == {"role": "treasurer"}
    person.clubs.remove(club)
    assert Event.objects.filter(event_type="testapp.club.updated").latest("id").data == {
        "members": []
    }
    assert Event.objects.filter(event_type="testapp.membership.deleted").count() == 1


def test_a_row_created_on_the_through_model_records_only_its_own_event():
    # Documented limit: Django sends no m2m_changed for it.
    with suspend():
        person = Person.objects.create(name="p")
        club = Club.objects.create(name="c")
    Membership.objects.create(person=person, club=club)
    assert list(Event.objects.values_list("event_type", flat=True)) == [
        "testapp.membership.created"
    ]


def test_uuid_primary_keys_in_relations_are_strings():
    with suspend():
        gadget = Gadget.objects.create(name="g")
        tag = Tag.objects.create(name="t")
    tag.gadgets.add(gadget)
    event = Event.objects.get(event_type="testapp.gadget.updated")
    assert event.target_id == str(gadget.pk)
    assert event.data == {"parts": [tag.pk]}


def test_self_referential_relations():
    with suspend():
        a = Person.objects.create(name="a")
        b = Person.objects.create(name="b")
    a.friends.add(b)
    updates = Event.objects.filter(event_type="testapp.person.updated").order_by("id")
    assert [(e.target_id, e.data, e.previous_data) for e in updates] == [
        (str(a.pk), {"friends": [b.pk]}, {"friends": []}),
        (str(b.pk), {"friends": [a.pk]}, {"friends": []}),
    ]
    b.friends.remove(a)
    b.friends.clear()
    updates = Event.objects.filter(event_type="testapp.person.updated").order_by("id")
    assert [(e.target_id, e.data) for e in updates[2:]] == [
        (str(b.pk), {"friends": []}),
        (str(a.pk), {"friends": []}),
    ]


def test_suspended_m2m_changes_record_nothing(setup):
    book, _, (a, *_) = setup
    with suspend():
        book.tags.add(a)
        a.books.clear()
    assert m2m_events() == []


def test_forward_changes_with_uuid_primary_keys_diff_the_stored_list():
    with suspend():
        gadget = Gadget.objects.create(name="g")
        first, second = Tag.objects.create(name="a"), Tag.objects.create(name="b")
    gadget.parts.add(first)
    gadget.parts.add(second)
    gadget.parts.remove(first)
    updates = Event.objects.filter(event_type="testapp.gadget.updated").order_by("id")
    assert [(e.target_id, e.data, e.previous_data) for e in updates] == [
        (str(gadget.pk), {"parts": [first.pk]}, {"parts": []}),
        (str(gadget.pk), {"parts": [first.pk, second.pk]}, {"parts": [first.pk]}),
        (str(gadget.pk), {"parts": [second.pk]}, {"parts": [first.pk, second.pk]}),
    ]


def test_an_instance_list_is_read_by_a_query_built_once_per_relation(monkeypatch):
    with suspend():
        book = Book.objects.create(title="T")
        tags = [Tag.objects.create(name=str(i)) for i in range(3)]
    book.tags.add(tags[0])
    built = []
    values_list = QuerySet.values_list

    def counting_values_list(self, *fields, **kwargs):
        if fields == ("book_id", "tag_id"):
            built.append(fields)
        return values_list(self, *fields, **kwargs)

    monkeypatch.setattr(QuerySet, "values_list", counting_values_list)
    book.tags.add(tags[1])
    book.tags.remove(tags[0])
    book.tags.add(tags[2])
    assert built == []
    latest = Event.objects.filter(event_type="testapp.book.updated").latest("id")
    assert latest.data == {"tags": [tags[1].pk, tags[2].pk]}
    assert latest.previous_data == {"tags": [tags[1].pk]}
