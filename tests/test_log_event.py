"""json_safe: any value becomes plain JSON data, without raising."""

from __future__ import annotations

import math
from enum import IntEnum

from flext_observability.core.logs.event import MAX_DEPTH, json_safe


class Size(IntEnum):
    """An int subclass."""

    BIG = 7


class Ratio(float):
    """A float subclass."""


class Label(str):
    """A str subclass."""

    __slots__ = ()


def test_scalars_and_subclasses() -> None:
    """Plain scalars stay; subclasses of int, float and str become the plain type; non-finite floats text."""
    assert json_safe(None) is None
    assert json_safe(True) is True  # noqa: FBT003 - the value under test
    assert json_safe(3) == 3
    assert json_safe(1.5) == 1.5
    assert json_safe(math.inf) == "inf"
    assert type(json_safe(Size.BIG)) is int
    assert json_safe(Ratio(0.5)) == 0.5
    assert json_safe(Ratio(math.nan)) == "nan"
    assert type(json_safe(Label("x"))) is str


def test_containers_are_copied_and_bounded() -> None:
    """Tuples become lists, keys become text, and nesting stops at the depth limit."""
    assert json_safe((1, (2,))) == [1, [2]]
    assert json_safe({1: "a"}) == {"1": "a"}
    deep: object = 0
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    text = str(json_safe(deep))
    assert "<unrepresentable list>" in text


def test_unreadable_containers_and_odd_objects() -> None:
    """A mapping that fails when read, and a repr that returns no text, become placeholders."""

    class Broken(dict[str, int]):
        def items(self) -> object:  # type: ignore[override]
            raise RuntimeError

    class NotText:
        def __repr__(self) -> str:
            return 3  # type: ignore[return-value]

    assert json_safe(Broken(a=1)) == "<unrepresentable Broken>"
    assert json_safe(NotText()) == "<unrepresentable NotText>"
    assert json_safe({1, 2}) == "{1, 2}"
