"""Bad input is refused with a ValidationError and nothing written; good input round-trips.

Property-based (hypothesis): event types from inside and outside the documented character
set, and event data from every corner of JSON and Unicode.
"""

import contextlib
import datetime
import decimal
import json
import re
import string
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DataError, connection, transaction
from django.utils.translation import gettext_lazy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability import stats
from tests.testapp.models import Book, Car
from tests.ui.conftest import make_user
from tsunami.models import EVENT_TYPE_MAX_LENGTH, Event, EventAggregate
from tsunami.tracking import suspend

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]

ALLOWED = string.ascii_letters + string.digits + "._@\\/-"
ALLOWED_RE = re.compile(r"[A-Za-z0-9._@\\/-]{1,200}")


def fuzz(max_examples=150):
    """Hypothesis settings: bounded, no deadline, no example database in the repository."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


valid_types = st.text(alphabet=ALLOWED, min_size=1, max_size=EVENT_TYPE_MAX_LENGTH)
# Every code point, lone surrogates included.
any_character = st.characters(exclude_categories=())
invalid_types = st.one_of(
    st.just(""),
    st.text(alphabet=ALLOWED, min_size=EVENT_TYPE_MAX_LENGTH + 1, max_size=400),
    st.builds(
        lambda before, bad, after: before + bad + after,
        st.text(alphabet=ALLOWED, max_size=20),
        any_character.filter(lambda c: c not in ALLOWED),
        st.text(alphabet=ALLOWED, max_size=20),
    ),
    st.sampled_from(["a\n", "a\r\n", "\na", "a b", "a\x00", "a:b", "a\u00e9", "a\t", "a\u2028"]),
    st.text(any_character, min_size=1, max_size=60),
)


@pytest.fixture
def car():
    with suspend():
        return Car.objects.create(manufacturer="Ford")


def counts():
    return Event.objects.count(), EventAggregate.objects.count()


@fuzz()
@given(event_type=valid_types)
def test_every_valid_event_type_round_trips(car, event_type):
    stats.add(stats.FUZZ_CASES)
    with transaction.atomic():
        event = Event.objects.create(event_type=event_type, target=car)
        stored = Event.objects.get(pk=event.pk)
        assert stored.event_type == event_type
        assert stored.aggregates.count() == 1
        transaction.set_rollback(True)


@fuzz(max_examples=250)
@given(event_type=invalid_types)
def test_every_invalid_event_type_is_refused_and_nothing_is_written(car, event_type):
    stats.add(stats.FUZZ_CASES)
    if ALLOWED_RE.fullmatch(event_type):
        return  # the free text strategy drew a valid one
    before = counts()
    with pytest.raises(ValidationError) as refused:
        Event.objects.create(event_type=event_type, target=car)
    assert list(refused.value.message_dict) == ["event_type"]
    assert counts() == before


def test_an_event_type_with_a_trailing_newline_is_refused(car):
    # "$" in a regex also matches before a final newline; the check must not.
    for event_type in ("a\n", "app.model.created\n"):
        with pytest.raises(ValidationError):
            Event.objects.create(event_type=event_type, target=car)
    assert counts() == (0, 0)


def is_mariadb():
    return connection.vendor == "mysql" and connection.mysql_is_mariadb


def is_postgres():
    return connection.vendor == "postgresql"


def json_equal(a, b):
    """Compare JSON values: numbers by value (PostgreSQL may give 1e20 back as an integer),
    everything else by type and value."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b) if float in (type(a), type(b)) else a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def storable(value, field="data"):
    """Tell whether tsunami must store ``value`` (JSON-safe already) on this database."""
    if value is None:
        return field == "previous_data"  # data is NOT NULL; None is refused clearly
    for text in strings_in(value):
        if any("\ud800" <= char <= "\udfff" for char in text):
            return False
        if "\x00" in text and is_postgres():
            return False
    return True


def write(car, data, field="data"):
    """Write an event with ``data``; return "stored" or "refused", checking either outcome."""
    stats.add(stats.FUZZ_CASES)
    before = counts()
    with transaction.atomic():
        try:
            event = Event.objects.create(event_type="fuzz.data", target=car, **{field: data})
        except ValidationError as error:
            assert list(error.message_dict) == [field]
            assert counts() == before
            outcome = "refused"
        else:
            stored = Event.objects.get(pk=event.pk)
            expected = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
            assert json_equal(getattr(stored, field), expected)
            assert stored.aggregates.count() == 1
            outcome = "stored"
        transaction.set_rollback(True)
    return outcome


text = st.text(any_character, max_size=30)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(st.text(any_character, max_size=10), children, max_size=6)
    ),
    max_leaves=40,
)


@fuzz(max_examples=200)
@given(data=documents)
def test_json_documents_with_any_unicode_are_stored_exactly_or_refused(car, data):
    assert write(car, data) == ("stored" if storable(data) else "refused")


@fuzz(max_examples=100)
@given(data=documents)
def test_previous_data_is_checked_like_data(car, data):
    outcome = write(car, data, "previous_data")
    assert outcome == ("stored" if storable(data, "previous_data") else "refused")


not_json = st.sampled_from(
    [object(), {1, 2}, b"bytes", 1j, float("nan"), float("inf"), -float("inf"), Car, Car()]
)
with_something_not_json = st.recursive(
    not_json,
    lambda inner: (
        st.builds(lambda before, x: [*before, x], st.lists(scalars, max_size=3), inner)
        | st.builds(
            lambda others, key, x: {**others, key: x},
            st.dictionaries(text, scalars, max_size=3),
            text,
            inner,
        )
    ),
    max_leaves=6,
)


@fuzz(max_examples=150)
@given(data=with_something_not_json)
def test_data_that_is_not_json_is_refused_wherever_it_hides(car, data):
    assert write(car, data) == "refused"


def test_circular_and_oddly_keyed_data_is_refused(car):
    loop = []
    loop.append(loop)
    assert write(car, {"loop": loop}) == "refused"
    assert write(car, {("tuple", "key"): 1}) == "refused"
    # JSON turns other keys into strings, as json.dumps does.
    assert write(car, {1: "one", None: "none", 2.5: "x"}) == "stored"


def test_django_json_encoder_types_are_stored_in_their_json_form(car):
    data = {
        "when": datetime.datetime(2024, 2, 29, 12, 30, tzinfo=datetime.UTC),
        "price": decimal.Decimal("1.10"),
        "id": uuid.UUID(int=1),
        "lazy": gettext_lazy("lazy text"),
        "span": datetime.timedelta(days=1),
    }
    assert write(car, data) == "stored"


@pytest.mark.parametrize("character", ["\x00", "\ud800", "\udfff", "\U0010ffff", "\ufeff"])
@pytest.mark.parametrize("where", ["value", "key"])
def test_single_characters_in_keys_and_values(car, character, where):
    data = {"k": f"a{character}b"} if where == "value" else {f"a{character}b": "v"}
    assert write(car, data) == ("stored" if storable(data) else "refused")


def test_none_as_data_is_refused_clearly(car):
    assert write(car, None) == "refused"
    assert write(car, None, "previous_data") == "stored"


def test_nul_is_refused_only_where_the_database_cannot_store_it(car):
    assert write(car, {"k": "a\x00b"}) == ("refused" if is_postgres() else "stored")
    # A backslash followed by "u0000" is no NUL, and PostgreSQL stores it.
    assert write(car, {"k": "a\\u0000b", "\\u0000": 1}) == "stored"
    assert write(car, {"k": "a\\\x00b"}) == ("refused" if is_postgres() else "stored")


def test_a_model_value_with_nul_is_recorded_where_the_database_stores_it():
    with transaction.atomic():
        try:
            car = Car.objects.create(manufacturer="nul\x00inside")
        except DataError:
            assert is_postgres()  # PostgreSQL refuses the row itself, before tsunami
            car = None
        else:
            assert not is_postgres()
        transaction.set_rollback(car is None)
    if car is not None:
        event = Event.objects.for_target(car).get()
        assert event.data == {"manufacturer": "nul\x00inside"}
        assert Car.objects.get(pk=car.pk).manufacturer == "nul\x00inside"


def nested(depth):
    value = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [1, 30, 31, 32, 100, 5000])
def test_deep_documents_are_stored_exactly_or_refused(car, depth):
    outcome = write(car, nested(depth))
    if depth <= 31:
        assert outcome == "stored"  # every backend takes 31 levels
    if 32 <= depth <= 100:  # MariaDB's JSON check refuses 32 levels
        assert outcome == ("refused" if is_mariadb() else "stored")
    if depth >= 5000:
        assert outcome == "refused"


def test_a_model_json_value_too_deep_for_the_event_is_refused_clearly():
    # The row takes 31 levels on MariaDB, but the event wraps the value in one more.
    refused = pytest.raises(ValidationError) if is_mariadb() else contextlib.nullcontext()
    with refused, transaction.atomic():
        Book.objects.create(title="deep", metadata=nested(31))
    assert Book.objects.exists() is not is_mariadb()
    assert Event.objects.filter(event_type="testapp.book.created").count() == Book.objects.count()


def test_large_documents_round_trip(car):
    data = {
        "text": "\u00e9\u4e2d\U0001f600" * 100_000,
        "numbers": list(range(50_000)),
        "keys": {f"key {i}": i for i in range(10_000)},
    }
    assert write(car, data) == "stored"


EDGE_DOCUMENTS = {
    "deep": lambda: {"v": nested(30)},
    "large": lambda: {"text": "\u00e9\u4e2d\U0001f600" * 20_000, "numbers": list(range(20_000))},
    "unicode": lambda: {
        "\u202eright-to-left\u202c": "\u200b\ufeff\u2028\u2029\U0010ffff",
        "emoji \U0001f9e8": ["\u0301", "\ud7ff", "\ue000"],
    },
    "markup keys": lambda: {'</td><script>x</script>"': {"<b>": "&amp;"}},
    "numbers": lambda: {"big": 2**70, "small": -(2**70), "float": 1e308, "tiny": 5e-324},
}


@pytest.mark.parametrize("kind", EDGE_DOCUMENTS)
def test_stored_edge_case_documents_render_on_every_page(car, client, kind):
    document = EDGE_DOCUMENTS[kind]()
    event = Event.objects.create(event_type="shop.edge", target=car, data=document)
    updated = Event.objects.create(
        event_type="testapp.car.updated", target=car, data=document, previous_data=document
    )
    client.force_login(make_user("edge-root", superuser=True))
    for url in (
        "/events/",
        "/events/?type=shop.*",
        f"/events/{event.pk}/",
        f"/events/{updated.pk}/",
        f"/events/history/testapp/car/{car.pk}/",
        "/events/chart/",
        f"/admin/tsunami/event/{event.pk}/change/",
        "/admin/tsunami/event/",
    ):
        stats.add(stats.FUZZ_CASES)
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>x</script>" not in response.content.decode(), url
