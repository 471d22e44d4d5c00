"""Bad input is refused with a ValidationError and nothing written; good input round-trips.

Property-based (hypothesis): event types from inside and outside the documented character
set, and event data from every corner of JSON and Unicode.
"""

import re
import string

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability import stats
from tests.testapp.models import Car
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
