"""Marshmallow's dump, minus its per-value machinery, for the dicts our views return.

For each value, `Schema._serialize` calls `Field.serialize`, which finds the value through
`get_value`, an accessor and `utils.get_value` before the field converts it: ~1.5 µs a value, most of
the time of a 50-case page. Here each schema instance plans its dump fields once; a dict's values are
read directly and handed to the very same `Field._serialize` conversions, except the values those
conversions would return unchanged (None, a str for a String, an int for an Integer). So the output
cannot differ: tests/unit/test_dumping.py holds it to marshmallow's own dump. Anything else (an object
that is not a dict, a dotted or computed attribute) goes through marshmallow's path.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, missing

#: Value types a field class's own `_serialize` returns as they are.
_UNCHANGED = {
    fields.String._serialize: frozenset({str, type(None)}),
    fields.Number._serialize: frozenset(),  # an Integer below, if not as_string
    fields.Field._serialize: frozenset({str, int, bool, float, type(None)}),  # Raw, Boolean: value as given
    fields.Nested._serialize: frozenset({type(None)}),
    fields.List._serialize: frozenset({type(None)}),
    fields.Mapping._serialize: frozenset({type(None)}),
    fields._TemporalField._serialize: frozenset({type(None)}),
}


def _unchanged(field: fields.Field) -> frozenset[type]:
    if isinstance(field, fields.Integer) and type(field)._serialize is fields.Number._serialize:
        return frozenset() if field.as_string else frozenset({int, type(None)})
    return _UNCHANGED.get(type(field)._serialize, frozenset())


class DumpSchema(Schema):
    """A schema whose dump of a dict skips marshmallow's accessor chain."""

    def _serialize(self, obj: Any, *, many: bool = False):
        if many and obj is not None:
            return [self._serialize(item) for item in obj]
        if type(obj) is not dict or (plan := self._plan()) is None:
            return super()._serialize(obj, many=many)
        result = {}
        for name, attribute, key, field, unchanged in plan:
            # As marshmallow's get_value reads a dict: the key, else an attribute of that name.
            value = obj[attribute] if attribute in obj else getattr(obj, attribute, missing)
            if value is missing:
                default = field.dump_default
                value = default() if callable(default) else default
                if value is missing:
                    continue
            result[key] = value if type(value) in unchanged else field._serialize(value, name, obj)
        return result

    def _plan(self) -> list[tuple[str, str, str, fields.Field, frozenset[type]]] | None:
        """(name, attribute, output key, field, types it returns unchanged) for each dump field; None if a
        field needs marshmallow's own path."""
        try:
            return self.__dict__["_dump_plan"]
        except KeyError:
            pass
        plan = []
        for name, field in self.dump_fields.items():
            attribute = field.attribute or name
            if not field._CHECK_ATTRIBUTE or "." in attribute:
                plan = None
                break
            key = field.data_key if field.data_key is not None else name
            plan.append((name, attribute, key, field, _unchanged(field)))
        self.__dict__["_dump_plan"] = plan
        return plan
