"""A trigger's fields are declared once: what the declaration says is what the domain takes."""

from datetime import date

import pytest

from workflow.case_lifecycle import CASE_LIFECYCLE
from workflow.commands import TEXT_MAX, FieldSpec, Kind, fields_of, parse, refuse_unknown
from workflow.concern_lifecycle import CONCERN_LIFECYCLE
from workflow.errors import ValidationFailed

SPECS = (FieldSpec("notes", Kind.TEXT, "Notes", required=True), FieldSpec("ok", Kind.FLAG, "OK"),
         FieldSpec("day", Kind.DATE, "Day"), FieldSpec("who", Kind.EMAIL, "Who"), FieldSpec("code", Kind.CODE, "Code"))


def test_values_come_back_typed_and_trimmed():
    assert parse({"notes": "  seen  ", "ok": False, "day": "2026-11-20", "who": " Rita@QA.test "}, SPECS) == {
        "notes": "seen", "ok": False, "day": date(2026, 11, 20), "who": "rita@qa.test", "code": None}


@pytest.mark.parametrize(("given", "field", "says"), [
    ({}, "notes", "required"),
    ({"notes": "   "}, "notes", "required"),                  # blank text counts as not given
    ({"notes": ["a list"]}, "notes", "text"),
    ({"notes": "x" * (TEXT_MAX + 1)}, "notes", f"at most {TEXT_MAX}"),
    ({"notes": "x", "ok": "yes"}, "ok", "true or false"),
    ({"notes": "x", "day": "20/11/2026"}, "day", "YYYY-MM-DD"),
    ({"notes": "x", "code": {"a": 1}}, "code", "text"),
    ({"notes": "x", "who": "x" * 201}, "who", "at most 200"),
])
def test_a_value_of_the_wrong_kind_is_refused_with_the_reason(given, field, says):
    with pytest.raises(ValidationFailed) as refused:
        parse(given, SPECS)
    assert says in refused.value.details[field][0]


def test_a_field_the_trigger_does_not_take_is_refused_not_ignored():
    with pytest.raises(ValidationFailed) as refused:
        refuse_unknown({"notes": "x", "colour": "red"}, SPECS, "screen")
    assert refused.value.details == {"colour": ["unknown field for 'screen'"]}


def test_every_trigger_takes_notes_and_every_lifecycle_knows_the_fields_of_each_of_its_triggers():
    for lifecycle in (CASE_LIFECYCLE, CONCERN_LIFECYCLE):
        assert set(lifecycle.fields) == set(lifecycle.rules)
        assert all(any(f.name == "notes" for f in specs) for specs in lifecycle.fields.values())
    assert [f.name for f in fields_of({}, "screen")] == ["notes"]
    assert [f.name for f in CASE_LIFECYCLE.fields["submit_review"]] == ["review_date", "notes"]
