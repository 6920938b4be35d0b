"""Examples of the shared pieces: errors, frozen maps and the rule checks."""

from __future__ import annotations

import pickle

import pytest

from flext_observability import FlextErrorCode, FlextFieldError, FlextValidationError, FrozenMap
from flext_observability.core.checks import check_text, check_time_ns, read_items, read_sequence
from flext_observability.core.records import join_path


def test_validation_error_lists_fields_and_codes() -> None:
    """An error's text has one line per rule, and its problems can be looked up by field."""
    first = FlextFieldError(code=FlextErrorCode.EMPTY, field="name", message="must not be empty")
    second = FlextFieldError(code=FlextErrorCode.TOO_LONG, field="unit", message="too long")
    error = FlextValidationError(entity="metric", errors=(first, second))
    assert str(error) == "invalid metric: name: must not be empty [empty]\n  unit: too long [too_long]"
    assert error.for_field("unit") == (second,)
    assert error.codes == {FlextErrorCode.EMPTY, FlextErrorCode.TOO_LONG}


def test_frozen_map_behaves_like_a_read_only_dict() -> None:
    """FrozenMap compares with dicts, hashes by content, pickles, and cannot be changed."""
    frozen = FrozenMap({"a": 1, "b": 2})
    assert frozen == {"b": 2, "a": 1}
    assert frozen != {"a": 1}
    assert frozen != [("a", 1)]
    assert "a" in frozen
    assert "z" not in frozen
    assert frozen.to_dict() == {"a": 1, "b": 2}
    assert pickle.loads(pickle.dumps(frozen)) == frozen  # noqa: S301 - our own data
    assert hash(frozen) == hash(FrozenMap([("b", 2), ("a", 1)]))
    assert hash(frozen) == hash(frozen)  # computed once, then cached
    assert repr(frozen) == "FrozenMap({'a': 1, 'b': 2})"
    with pytest.raises(TypeError):
        frozen["a"] = 3  # type: ignore[index]


def test_frozen_map_copies_its_input() -> None:
    """Changing the dict a FrozenMap was made from does not change the map."""
    source = {"a": 1}
    frozen = FrozenMap(source)
    source["a"] = 2
    assert frozen["a"] == 1


def test_text_checks_reject_lone_surrogates_and_keep_other_unicode() -> None:
    """Text that cannot be encoded as UTF-8 is rejected; any other Unicode is kept."""
    problems: list[FlextFieldError] = []
    assert check_text(problems, "name", "día 🌙") == "día 🌙"
    assert check_text(problems, "name", "bad\udc80") is None
    assert [item.code for item in problems] == [FlextErrorCode.INVALID_TEXT]


def test_text_checks_return_exact_strings() -> None:
    """A str subclass comes back as a plain str."""

    class Name(str):
        __slots__ = ()

    checked = check_text([], "name", Name("rows"))
    assert type(checked) is str


def test_nanosecond_times_are_bounded() -> None:
    """Nanosecond times must be ints in the OTLP fixed64 range."""
    problems: list[FlextFieldError] = []
    assert check_time_ns(problems, "t", 2**64) is None
    assert check_time_ns(problems, "t", -1) is None
    assert check_time_ns(problems, "t", 1.0) is None
    assert [item.code for item in problems] == [
        FlextErrorCode.OUT_OF_RANGE,
        FlextErrorCode.OUT_OF_RANGE,
        FlextErrorCode.WRONG_TYPE,
    ]


def test_unreadable_containers_are_reported() -> None:
    """A mapping or sequence whose iteration raises is reported as unreadable."""

    class Broken(dict[str, str]):
        def __iter__(self) -> object:  # type: ignore[override]
            raise RuntimeError

    class BrokenList(list[int]):
        def __iter__(self) -> object:  # type: ignore[override]
            raise RuntimeError

    problems: list[FlextFieldError] = []
    assert read_items(problems, "labels", Broken(a="b")) is None
    assert read_sequence(problems, "events", BrokenList([1])) is None
    assert read_sequence(problems, "events", "abc") is None
    assert [item.code for item in problems] == [FlextErrorCode.WRONG_TYPE] * 3
    assert "could not be read" in problems[0].message


def test_sequences_other_than_lists_are_read() -> None:
    """Any non-string sequence, such as a range, reads as a list."""
    assert read_sequence([], "events", range(2)) == [0, 1]


def test_paths_join_fields_and_indexes() -> None:
    """Nested paths read like Python: ``events[0].name``."""
    assert join_path("", "name") == "name"
    assert join_path("events[0]", "") == "events[0]"
    assert join_path("spans", "[1]") == "spans[1]"
    assert join_path("events[0]", "name") == "events[0].name"
