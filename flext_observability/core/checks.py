"""Small, total rule checks shared by the entity validators.

Each ``check_*`` function takes the list of problems found so far, the field
path and a value of any type. It returns the value normalised (an exact
``str``, a ``float``, a :class:`FrozenMap`...) when the value obeys the rule,
and otherwise appends one or more :class:`FlextFieldError` and returns ``None``.
None of them raises, whatever the value: a user's mapping whose iteration
fails is reported as unreadable, not propagated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final, TypeVar

from returns.result import Failure

from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.limits import (
    MAX_INT64,
    MAX_LABEL_VALUE_LENGTH,
    MAX_LABELS,
    MAX_NAME_LENGTH,
    MAX_TIME_NS,
    MAX_TIMESTAMP,
    MIN_INT64,
)

if TYPE_CHECKING:
    from enum import StrEnum

E = TypeVar("E", bound="StrEnum")

Problems = list[FlextFieldError]
"""The problems found so far by one validation run, in field order."""

METRIC_NAME: Final = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_HEX: Final = frozenset("0123456789abcdef")
_PREVIEW: Final = 40


def add(problems: Problems, code: FlextErrorCode, field: str, message: str) -> None:
    """Record one broken rule."""
    problems.append(FlextFieldError(code=code, field=field, message=message))


def invalid(entity: str, problems: Iterable[FlextFieldError]) -> Failure[FlextValidationError]:
    """The ``Failure`` for an input of kind ``entity`` that broke the rules in ``problems``.

    >>> print(invalid("metric", [FlextFieldError(FlextErrorCode.EMPTY, "name", "give it a name")]).failure())
    invalid metric: name: give it a name [empty]
    """
    return Failure(FlextValidationError(entity=entity, errors=tuple(problems)))


def invalid_one(entity: str, code: FlextErrorCode, field: str, message: str) -> Failure[FlextValidationError]:
    """The ``Failure`` for an input of kind ``entity`` that broke one rule.

    >>> invalid_one("span", FlextErrorCode.EMPTY, "name", "give it a name").failure().codes
    frozenset({<FlextErrorCode.EMPTY: 'empty'>})
    """
    return invalid(entity, [FlextFieldError(code=code, field=field, message=message)])


def describe(value: object) -> str:
    """A short, safe description of ``value`` for messages (never its repr)."""
    if isinstance(value, str):
        text = str.__str__(value)
        if len(text) > _PREVIEW:
            text = text[:_PREVIEW] + "..."
        return ascii(text)
    return f"a value of type {type(value).__name__}"


def key_path(field: str, key: object) -> str:
    """The path of one entry of a mapping field, such as ``labels['tap']``."""
    if isinstance(key, str):
        return f"{field}[{describe(key)}]"
    return f"{field}[?]"


def is_encodable(text: str) -> bool:
    """Tell whether ``text`` encodes as UTF-8 (no lone surrogates)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(
    problems: Problems,
    field: str,
    value: object,
    *,
    max_length: int = MAX_NAME_LENGTH,
    allow_empty: bool = False,
) -> str | None:
    """Check a text field: a ``str``, non-empty unless allowed, bounded, UTF-8."""
    if not isinstance(value, str):
        add(problems, FlextErrorCode.WRONG_TYPE, field, f"expected text (str), got {describe(value)}")
        return None
    text = value if type(value) is str else str.__str__(value)
    if not text:
        if allow_empty:
            return text
        add(problems, FlextErrorCode.EMPTY, field, "must not be empty")
        return None
    if len(text) > max_length:
        add(
            problems,
            FlextErrorCode.TOO_LONG,
            field,
            f"has {len(text)} characters; shorten it to at most {max_length}",
        )
        return None
    if not is_encodable(text):
        add(
            problems,
            FlextErrorCode.INVALID_TEXT,
            field,
            "contains lone surrogate characters that cannot be encoded as UTF-8; "
            "decode bytes with errors='replace' first",
        )
        return None
    return text


def suggest_name(text: str, *, allow_colon: bool) -> str:
    """A valid Prometheus name close to ``text``, for hints.

    >>> suggest_name("rows/sec", allow_colon=False)
    'rows_sec'
    >>> suggest_name("2xx", allow_colon=False)
    '_2xx'
    """
    allowed = r"[^a-zA-Z0-9_:]" if allow_colon else r"[^a-zA-Z0-9_]"
    fixed = re.sub(allowed, "_", text) or "_"
    if fixed[0].isdigit():
        fixed = "_" + fixed
    return fixed


def check_metric_name(problems: Problems, field: str, value: object) -> str | None:
    """Check a Prometheus metric name: ``[a-zA-Z_:][a-zA-Z0-9_:]*``."""
    text = check_text(problems, field, value)
    if text is None:
        return None
    if METRIC_NAME.fullmatch(text) is None:
        add(
            problems,
            FlextErrorCode.INVALID_NAME,
            field,
            f"{describe(text)} is not a Prometheus metric name "
            "(letters, digits, '_' and ':', not starting with a digit); "
            f"try {describe(suggest_name(text, allow_colon=True))}",
        )
        return None
    return text


def check_label_name(
    problems: Problems,
    field: str,
    value: object,
    reserved: frozenset[str],
) -> str | None:
    """Check a label name: ``[a-zA-Z_][a-zA-Z0-9_]*``, no ``__`` prefix, not reserved."""
    text = check_text(problems, field, value)
    if text is None:
        return None
    if LABEL_NAME.fullmatch(text) is None:
        add(
            problems,
            FlextErrorCode.INVALID_NAME,
            field,
            f"{describe(text)} is not a label name "
            "(letters, digits and '_', not starting with a digit, no ':'); "
            f"try {describe(suggest_name(text, allow_colon=False))}",
        )
        return None
    if text.startswith("__"):
        add(
            problems,
            FlextErrorCode.RESERVED_NAME,
            field,
            f"{describe(text)} starts with '__', which Prometheus reserves for "
            "internal use; drop the leading underscores",
        )
        return None
    if text in reserved:
        add(
            problems,
            FlextErrorCode.RESERVED_NAME,
            field,
            f"{describe(text)} is reserved here ({', '.join(sorted(reserved))}); choose another name",
        )
        return None
    return text


def check_choice(problems: Problems, field: str, value: object, choices: type[E]) -> E | None:
    """Check that ``value`` is a member of ``choices`` or one of their string values."""
    if isinstance(value, choices):
        return value
    if isinstance(value, str):
        member: E | None = choices._value2member_map_.get(str.__str__(value))  # type: ignore[assignment]
        if member is not None:
            return member
    allowed = ", ".join(member.value for member in choices)
    add(
        problems,
        FlextErrorCode.INVALID_CHOICE,
        field,
        f"got {describe(value)}; use one of: {allowed}",
    )
    return None


def as_number(value: object) -> float | None:
    """``value`` as a float if it is an int or float (not a bool), else ``None``.

    An int too large for a float becomes an infinity of its sign.

    >>> as_number(3), as_number(True), as_number(-(10**400))
    (3.0, None, -inf)
    """
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = int.__int__(value)
        try:
            return float(number)
        except OverflowError:
            return math.inf if number > 0 else -math.inf
    return None


def check_finite(problems: Problems, field: str, value: object) -> float | None:
    """Check a real number: an int or float, finite (no NaN, no infinity)."""
    number = as_number(value)
    if number is None:
        add(problems, FlextErrorCode.WRONG_TYPE, field, f"expected a number, got {describe(value)}")
        return None
    if not math.isfinite(number):
        add(
            problems,
            FlextErrorCode.NOT_FINITE,
            field,
            "must be a finite number; NaN and infinities cannot be exported",
        )
        return None
    return number


def check_non_negative(problems: Problems, field: str, value: object) -> float | None:
    """Check a finite number that is zero or more (durations)."""
    number = check_finite(problems, field, value)
    if number is not None and number < 0:
        add(problems, FlextErrorCode.OUT_OF_RANGE, field, f"must not be negative, got {number!r}")
        return None
    return number


def check_timestamp(problems: Problems, field: str, value: object) -> float | None:
    """Check seconds since the epoch: finite, between 1970 and the year 9999."""
    number = check_finite(problems, field, value)
    if number is None:
        return None
    if not 0.0 <= number <= MAX_TIMESTAMP:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            field,
            f"{number!r} is not seconds since the epoch between 1970 and 9999; "
            "pass time.time(), not milliseconds or nanoseconds",
        )
        return None
    return number


def check_time_ns(problems: Problems, field: str, value: object) -> int | None:
    """Check nanoseconds since the epoch: an int in ``[0, 2**64)``."""
    if not isinstance(value, int) or isinstance(value, bool):
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            field,
            f"expected integer nanoseconds (time.time_ns()), got {describe(value)}",
        )
        return None
    number = int.__int__(value)
    if not 0 <= number <= MAX_TIME_NS:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            field,
            f"{number} is outside 0..2**64-1 nanoseconds since the epoch",
        )
        return None
    return number


def check_hex_id(problems: Problems, field: str, value: object, length: int) -> str | None:
    """Check a W3C id: ``length`` lowercase hex digits, not all zero."""
    if not isinstance(value, str):
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            field,
            f"expected {length} lowercase hex digits, got {describe(value)}",
        )
        return None
    text = str.__str__(value)
    if len(text) != length or not _HEX.issuperset(text):
        add(
            problems,
            FlextErrorCode.INVALID_ID,
            field,
            f"{describe(text)} is not {length} lowercase hex digits (W3C trace context); "
            "lowercase it or generate a new id",
        )
        return None
    if text.count("0") == length:
        add(
            problems,
            FlextErrorCode.ZERO_ID,
            field,
            "an all-zero id is invalid in W3C trace context; generate a random one",
        )
        return None
    return text


def read_items(problems: Problems, field: str, value: object) -> list[tuple[object, object]] | None:
    """The items of a mapping, or ``None`` (reported) when it is not a readable mapping."""
    if type(value) is dict or type(value) is FrozenMap:
        return list(value.items())
    if not isinstance(value, Mapping):
        add(problems, FlextErrorCode.WRONG_TYPE, field, f"expected a mapping, got {describe(value)}")
        return None
    try:
        return [(key, value[key]) for key in value]
    except Exception:  # noqa: BLE001 - a user's mapping may fail in any way; report it
        add(problems, FlextErrorCode.WRONG_TYPE, field, "the mapping could not be read; pass a dict")
        return None


def read_sequence(problems: Problems, field: str, value: object) -> list[object] | None:
    """The items of a list or tuple (never of a string), or ``None`` (reported)."""
    if type(value) is list or type(value) is tuple:
        return list(value)
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Sequence):
        add(problems, FlextErrorCode.WRONG_TYPE, field, f"expected a list or tuple, got {describe(value)}")
        return None
    try:
        return list(value)
    except Exception:  # noqa: BLE001 - a user's sequence may fail in any way; report it
        add(problems, FlextErrorCode.WRONG_TYPE, field, "the sequence could not be read; pass a list")
        return None


def check_count(problems: Problems, field: str, count: int, limit: int, what: str) -> bool:
    """Check that a container holds at most ``limit`` items."""
    if count > limit:
        add(problems, FlextErrorCode.TOO_MANY, field, f"has {count} {what}; keep at most {limit}")
        return False
    return True


def check_string_map(
    problems: Problems,
    field: str,
    value: object,
    *,
    reserved: frozenset[str] = frozenset(),
    max_items: int = MAX_LABELS,
    max_value_length: int = MAX_LABEL_VALUE_LENGTH,
) -> FrozenMap[str, str] | None:
    """Check labels or annotations: valid label names to bounded text values."""
    if value is None:
        return EMPTY_MAP
    items = read_items(problems, field, value)
    if items is None:
        return None
    if not items:
        return EMPTY_MAP
    if not check_count(problems, field, len(items), max_items, "entries"):
        return None
    before = len(problems)
    checked: dict[str, str] = {}
    for key, item in items:
        path = key_path(field, key)
        name = check_label_name(problems, path, key, reserved)
        text = check_text(problems, path, item, max_length=max_value_length, allow_empty=True)
        if name is not None and text is not None:
            checked[name] = text
    if len(problems) != before:
        return None
    return FrozenMap.adopt(checked)


def check_int64(problems: Problems, field: str, value: int) -> int | None:
    """Check that an integer fits OTLP's signed 64 bits."""
    number = int.__int__(value)
    if not MIN_INT64 <= number <= MAX_INT64:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            field,
            f"{number} does not fit a signed 64-bit integer; send it as text",
        )
        return None
    return number


def shown_number(value: object) -> str:
    """``value`` for a set-up message: a plain number as written, anything else described (never its ``repr``).

    >>> shown_number(-1), shown_number(0.5), shown_number(10**400), shown_number("5s"), shown_number(object())
    ('-1', '0.5', 'an int of 1329 bits', "'5s'", 'a value of type object')
    """
    if type(value) is int:
        return str(value) if value.bit_length() <= _SHOWN_BITS else f"an int of {value.bit_length()} bits"
    if type(value) is float:
        return repr(value)
    return describe(value)


_SHOWN_BITS: Final = 64
