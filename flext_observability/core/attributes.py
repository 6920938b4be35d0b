"""Span attributes: the OpenTelemetry value types, checked and frozen.

An attribute value is a string, a bool, a signed 64-bit int, a finite float,
or a homogeneous array of one of those.

>>> problems = []
>>> attrs = check_attributes(problems, "attributes", {"rows": 10, "tables": ["a", "b"]})
>>> attrs["tables"], problems
(('a', 'b'), [])
>>> check_attributes(problems, "attributes", {"mixed": [1, "a"]}) is None
True
>>> problems[0].code.value
'mixed_array'
"""

from __future__ import annotations

from typing import Final

from flext_observability.core.checks import (
    Problems,
    add,
    check_count,
    check_finite,
    check_int64,
    check_text,
    describe,
    key_path,
    read_items,
    read_sequence,
)
from flext_observability.core.errors import FlextErrorCode
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.limits import MAX_ATTRIBUTE_VALUE_LENGTH, MAX_ATTRIBUTES, MAX_NAME_LENGTH

AttributeScalar = str | bool | int | float
"""One attribute value of a primitive type."""

AttributeValue = AttributeScalar | tuple[AttributeScalar, ...]
"""A primitive value, or an array of them all of one type (checked when built)."""

Attributes = FrozenMap[str, AttributeValue]
"""The attributes of a span, event or link."""

_SCALARS: Final = (bool, int, float, str)


def _scalar_type(value: object) -> type | None:
    """The attribute type of ``value`` (bool before int), or ``None``."""
    for kind in _SCALARS:
        if isinstance(value, kind):
            return kind
    return None


def _check_scalar(problems: Problems, path: str, value: object) -> AttributeScalar | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return check_int64(problems, path, value)
    if isinstance(value, float):
        return check_finite(problems, path, value)
    return check_text(problems, path, value, max_length=MAX_ATTRIBUTE_VALUE_LENGTH, allow_empty=True)


def check_attribute_value(problems: Problems, path: str, value: object) -> AttributeValue | None:
    """Check one attribute value and freeze arrays into tuples."""
    if _scalar_type(value) is not None:
        return _check_scalar(problems, path, value)
    if not isinstance(value, list | tuple):
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            path,
            f"attribute values are str, bool, int, float or a list of one of them; got {describe(value)}",
        )
        return None
    items = read_sequence(problems, path, value)
    if items is None or not check_count(problems, path, len(items), MAX_ATTRIBUTE_VALUE_LENGTH, "items"):
        return None
    kinds = {_scalar_type(item) for item in items}
    if len(kinds) > 1 or None in kinds:
        add(
            problems,
            FlextErrorCode.MIXED_ARRAY,
            path,
            "an array attribute must hold values of one primitive type (all str, all int...)",
        )
        return None
    checked: list[AttributeScalar] = []
    for index, item in enumerate(items):
        scalar = _check_scalar(problems, f"{path}[{index}]", item)
        if scalar is not None:
            checked.append(scalar)
    return tuple(checked) if len(checked) == len(items) else None


def check_attributes(problems: Problems, field: str, value: object) -> Attributes | None:
    """Check an attribute mapping: bounded count, non-empty text keys, valid values."""
    if value is None:
        return EMPTY_MAP
    items = read_items(problems, field, value)
    if items is None:
        return None
    if not items:
        return EMPTY_MAP
    if not check_count(problems, field, len(items), MAX_ATTRIBUTES, "attributes"):
        return None
    before = len(problems)
    checked: dict[str, AttributeValue] = {}
    for key, item in items:
        path = key_path(field, key)
        name = check_text(problems, path, key, max_length=MAX_NAME_LENGTH)
        checked_value = check_attribute_value(problems, path, item)
        if name is not None and checked_value is not None:
            checked[name] = checked_value
    if len(problems) != before:
        return None
    return FrozenMap.adopt(checked)
