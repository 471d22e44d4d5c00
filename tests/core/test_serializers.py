"""The fast field serializers give exactly what the general conversion gives."""

import datetime
import decimal
import uuid
import warnings

from django.db import models
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.testapp.models import Book
from tsunami.diff import normalize, serializer, to_json


class RoundedDecimalField(models.DecimalField):
    def to_python(self, value):
        value = super().to_python(value)
        return value if value is None or abs(value) > 10**6 else round(value, 1)


class FirstOfMonthField(models.DateField):
    def to_python(self, value):
        value = super().to_python(value)
        return value if value is None else value.replace(day=1)


FIELDS = [
    *(Book._meta.get_field(name) for name in ("title", "author", "published", "updated_at")),
    *(Book._meta.get_field(name) for name in ("price", "metadata", "cover", "reference")),
    models.IntegerField(),
    models.BooleanField(),
    models.FloatField(),
    models.SlugField(),
    models.TimeField(),
    models.DurationField(),
    RoundedDecimalField(max_digits=8, decimal_places=2),
    FirstOfMonthField(),
]

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=20),
    st.floats(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(datetime.UTC)),
    st.decimals(places=3, max_value=10**6, min_value=-(10**6)),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.uuids(),
    st.times(),
    st.timedeltas(),
    st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3),
)


def outcome(convert, value):
    """Return what ``convert(value)`` gives, or the kind of error it raises."""
    with warnings.catch_warnings():
        # A date in a DateTimeField warns of a naive datetime, either way.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = convert(value)
        except Exception as error:  # noqa: BLE001 - both ways must fail alike
            return "raises", type(error)
    # NaN is not equal to itself; its text is.
    return type(result), repr(result)


@settings(max_examples=400, deadline=None)
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_a_fast_serializer_gives_what_the_general_conversion_gives(field, value):
    general = outcome(lambda value: to_json(normalize(field, value)), value)
    assert outcome(serializer(field), value) == general


def test_a_field_that_converts_its_own_way_is_honoured():
    rounded = serializer(RoundedDecimalField(max_digits=8, decimal_places=2))
    assert rounded(decimal.Decimal("2.25")) == "2.2"
    assert serializer(FirstOfMonthField())(datetime.date(2024, 5, 17)) == "2024-05-01"


def test_usual_values_take_their_json_form():
    values = {
        "title": ("Dune", "Dune"),
        "author": (7, 7),
        "published": (datetime.date(1965, 8, 1), "1965-08-01"),
        "updated_at": (
            datetime.datetime(2024, 5, 17, 8, 30, 0, 123456, tzinfo=datetime.UTC),
            "2024-05-17T08:30:00.123Z",
        ),
        "price": (decimal.Decimal("19.90"), "19.90"),
        "reference": (uuid.UUID(int=7), "00000000-0000-0000-0000-000000000007"),
        "metadata": ({"edition": 1}, {"edition": 1}),
    }
    for name, (value, json_value) in values.items():
        assert serializer(Book._meta.get_field(name))(value) == json_value
