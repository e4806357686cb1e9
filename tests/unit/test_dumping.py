"""Every response schema dumps exactly what marshmallow's own dump would, for any values."""

from datetime import UTC, date, datetime
from types import SimpleNamespace
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

from web.api import schemas
from web.api.dumping import DumpSchema

READ_SCHEMAS = sorted({cls for cls in vars(schemas).values()
                       if isinstance(cls, type) and issubclass(cls, DumpSchema) and cls is not DumpSchema},
                      key=lambda cls: cls.__name__)
SCHEMAS = READ_SCHEMAS + [schemas.page_of(s) for s in READ_SCHEMAS]

ANY = st.one_of(st.none(), st.text(max_size=5), st.integers(-5, 5), st.booleans())
MOMENTS = st.datetimes(timezones=st.just(UTC))


def values(field: fields.Field, depth: int = 0) -> st.SearchStrategy:
    """Values a view might hand this field: its own kind, None, and other plain values."""
    if isinstance(field, fields.Nested):
        own = st.none() if depth > 2 else objects(field.schema, depth + 1)
    elif isinstance(field, fields.List):
        own = st.lists(values(field.inner, depth + 1), max_size=3)
    elif isinstance(field, fields.Mapping):
        own = st.dictionaries(st.text(max_size=3), st.integers(0, 9), max_size=3)
    elif isinstance(field, fields.DateTime):
        own = MOMENTS
    elif isinstance(field, fields.Date):
        own = st.dates(min_value=date(2000, 1, 1))
    elif isinstance(field, fields.Integer):
        own = st.one_of(st.integers(), st.booleans(), st.text(alphabet="0123456789", min_size=1, max_size=3))
    elif isinstance(field, fields.Boolean):
        own = st.one_of(st.booleans(), st.sampled_from(["true", "0", 1, 0]))
    else:
        own = st.one_of(st.text(max_size=5), st.integers(), MOMENTS)
    return st.one_of(own, ANY) if not isinstance(field, (fields.Integer, fields.Nested, fields.List, fields.Mapping,
                                                         fields.DateTime, fields.Date)) else st.one_of(own, st.none())


def objects(schema: Schema, depth: int = 0) -> st.SearchStrategy:
    """A dict with some of the schema's fields (by their attribute names), or the same as an object."""
    def pick(drawn):
        return {name: value for name, (keep, value) in drawn.items() if keep}
    fields_ = {name: st.tuples(st.booleans(), values(field, depth)) for name, field in schema.dump_fields.items()}
    as_dict = st.fixed_dictionaries(fields_).map(pick)
    return st.one_of(as_dict, as_dict.map(lambda d: SimpleNamespace(**d))) if depth else as_dict


def marshmallows_own(schema: Schema, obj) -> dict:
    with patch.object(DumpSchema, "_serialize", Schema._serialize):
        return schema.dump(obj)


@pytest.mark.parametrize("schema_class", SCHEMAS, ids=lambda cls: cls.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_dump_equals_marshmallows_own(schema_class, data):
    schema = schema_class()
    obj = data.draw(objects(schema))
    try:
        expected = marshmallows_own(schema, obj)
    except Exception as error:  # e.g. a page without "items" reads the dict's own `items` method
        with pytest.raises(type(error)):
            schema.dump(obj)
    else:
        assert schema.dump(obj) == expected


def test_a_field_that_computes_its_value_goes_through_marshmallow():
    class Computed(DumpSchema):
        plain = fields.String()
        shout = fields.Function(lambda obj: obj["plain"].upper())

    assert Computed().dump({"plain": "ok"}) == {"plain": "ok", "shout": "OK"}


def test_a_case_dumps_its_moments_and_dates_as_iso_text():
    moment = datetime(2026, 11, 23, 4, 5, 6, tzinfo=UTC)
    dumped = schemas.CaseReadSchema().dump({"id": 7, "review_date": date(2026, 11, 2), "finalized_at": moment,
                                            "deadlines": {"finalize_due": moment, "deidentify_due": None}})
    assert dumped == {"id": 7, "review_date": "2026-11-02", "finalized_at": "2026-11-23T04:05:06+00:00",
                      "deadlines": {"finalize_due": "2026-11-23T04:05:06+00:00", "deidentify_due": None}}
