"""``FlextLogEntry``: one structured log event, optionally tied to a span.

The context holds JSON data only (text, numbers, flags, ``None``, lists and
mappings of them), frozen so that the entry cannot change once made.

>>> entry = build_log_entry(
...     event="batch loaded", level="info", logger="target.snowflake",
...     timestamp=1_700_000_000.0, context={"rows": 120, "tables": ["a", "b"]},
... ).unwrap()
>>> entry.context["tables"]
('a', 'b')
>>> entry.to_dict()["context"]
{'rows': 120, 'tables': ['a', 'b']}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from attrs import field, frozen
from returns.result import Result, Success

from flext_observability.core.checks import (
    Problems,
    add,
    check_choice,
    check_count,
    check_finite,
    check_hex_id,
    check_text,
    check_timestamp,
    describe,
    invalid,
    key_path,
    read_items,
    read_sequence,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.limits import (
    MAX_CONTEXT_DEPTH,
    MAX_CONTEXT_ITEMS,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    SPAN_ID_LENGTH,
    TRACE_ID_LENGTH,
)
from flext_observability.core.records import read_record, wrong_entity
from flext_observability.core.values import LogLevel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flext_observability.core.records import JsonDict, JsonValue

ContextValue = None | bool | int | float | str | tuple["ContextValue", ...] | FrozenMap[str, "ContextValue"]
"""A frozen JSON value: lists become tuples and objects become ``FrozenMap``."""

RESERVED_CONTEXT_KEYS: Final = frozenset({"event", "level", "logger", "timestamp", "trace_id", "span_id"})
"""Keys the log record sets itself, so the context may not use them."""


@frozen(kw_only=True)
class FlextLogEntry:
    """A log event with its level, logger, time, context and trace correlation.

    Instances made by :func:`build_log_entry` are valid; the constructor itself
    checks nothing (call :meth:`validate_domain_rules` after using it).
    """

    event: str
    level: LogLevel = LogLevel.INFO
    logger: str
    timestamp: float
    context: FrozenMap[str, ContextValue] = field(default=EMPTY_MAP)
    trace_id: str | None = None
    span_id: str | None = None

    def validate_domain_rules(self) -> Result[FlextLogEntry, FlextValidationError]:
        """``Success(self)`` when every rule holds, else every broken rule."""
        return validate_log_entry(self)

    def to_dict(self) -> JsonDict:
        """JSON-safe data that :func:`log_entry_from_dict` turns back into this entry."""
        return {
            "event": self.event,
            "level": self.level.value,
            "logger": self.logger,
            "timestamp": self.timestamp,
            "context": _thaw_map(self.context),
            "trace_id": self.trace_id,
            "span_id": self.span_id,
        }

    @staticmethod
    def from_dict(data: object) -> Result[FlextLogEntry, FlextValidationError]:
        """Read an entry from :meth:`to_dict` data; see :func:`log_entry_from_dict`."""
        return log_entry_from_dict(data)


def _thaw_map(value: Mapping[str, ContextValue]) -> JsonDict:
    return {key: _thaw(item) for key, item in value.items()}


def _thaw(value: ContextValue) -> JsonValue:
    if isinstance(value, FrozenMap):
        return _thaw_map(value)
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value


def _check_context_map(problems: Problems, path: str, value: object, depth: int) -> FrozenMap[str, ContextValue] | None:
    items = read_items(problems, path, value)
    if items is None or not check_count(problems, path, len(items), MAX_CONTEXT_ITEMS, "items"):
        return None
    before = len(problems)
    checked: dict[str, ContextValue] = {}
    for key, item in items:
        item_path = key_path(path, key)
        name = check_text(problems, item_path, key, max_length=MAX_NAME_LENGTH, allow_empty=True)
        if depth == 0 and name in RESERVED_CONTEXT_KEYS:
            add(
                problems,
                FlextErrorCode.RESERVED_NAME,
                item_path,
                f"the log entry sets {describe(name)} itself; rename the context key",
            )
        ok, checked_item = _check_context_value(problems, item_path, item, depth + 1)
        if ok and name is not None:
            checked[name] = checked_item
    return None if len(problems) != before else FrozenMap.adopt(checked)


def _check_context_list(
    problems: Problems, path: str, value: Sequence[object], depth: int
) -> tuple[ContextValue, ...] | None:
    if not check_count(problems, path, len(value), MAX_CONTEXT_ITEMS, "items"):
        return None
    checked: list[ContextValue] = []
    for index, item in enumerate(value):
        ok, checked_item = _check_context_value(problems, f"{path}[{index}]", item, depth + 1)
        if ok:
            checked.append(checked_item)
    return tuple(checked) if len(checked) == len(value) else None


def _check_context_value(problems: Problems, path: str, value: object, depth: int) -> tuple[bool, ContextValue]:
    """``(ok, frozen value)``; ``None`` is a valid context value."""
    if value is None or isinstance(value, bool):
        return True, value
    if isinstance(value, int):
        return True, int.__int__(value)
    if isinstance(value, float):
        number = check_finite(problems, path, value)
        return number is not None, number
    if isinstance(value, str):
        text = check_text(problems, path, value, max_length=MAX_TEXT_LENGTH, allow_empty=True)
        return text is not None, text
    if depth >= MAX_CONTEXT_DEPTH:
        add(problems, FlextErrorCode.TOO_DEEP, path, f"nests deeper than {MAX_CONTEXT_DEPTH} levels; flatten it")
        return False, None
    if isinstance(value, list | tuple):
        items = read_sequence(problems, path, value)
        checked_list = None if items is None else _check_context_list(problems, path, items, depth)
        return checked_list is not None, checked_list
    if isinstance(value, Mapping):
        checked_map = _check_context_map(problems, path, value, depth)
        return checked_map is not None, checked_map
    add(
        problems,
        FlextErrorCode.WRONG_TYPE,
        path,
        f"log context holds JSON data only; convert {describe(value)} to str, a number, a list or a dict",
    )
    return False, None


def _check_correlation(problems: Problems, trace_id: object, span_id: object) -> tuple[str | None, str | None]:
    checked_trace = None if trace_id is None else check_hex_id(problems, "trace_id", trace_id, TRACE_ID_LENGTH)
    checked_span = None if span_id is None else check_hex_id(problems, "span_id", span_id, SPAN_ID_LENGTH)
    if span_id is not None and trace_id is None:
        add(problems, FlextErrorCode.MISSING, "trace_id", "a span id needs the trace id it belongs to")
    return checked_trace, checked_span


def build_log_entry(  # noqa: PLR0913 - one argument per field, all keyword-only
    *,
    event: object,
    level: object = LogLevel.INFO,
    logger: object,
    timestamp: object,
    context: object = None,
    trace_id: object = None,
    span_id: object = None,
) -> Result[FlextLogEntry, FlextValidationError]:
    """Check every rule on the given fields and build a :class:`FlextLogEntry`."""
    problems: Problems = []
    checked_event = check_text(problems, "event", event, max_length=MAX_TEXT_LENGTH)
    checked_level = check_choice(problems, "level", level, LogLevel)
    checked_logger = check_text(problems, "logger", logger)
    checked_time = check_timestamp(problems, "timestamp", timestamp)
    checked_context = EMPTY_MAP if context is None else _check_context_map(problems, "context", context, 0)
    checked_trace, checked_span = _check_correlation(problems, trace_id, span_id)
    if (
        problems
        or checked_event is None
        or checked_level is None
        or checked_logger is None
        or checked_time is None
        or checked_context is None
    ):
        return invalid("log_entry", problems)
    return Success(
        FlextLogEntry(
            event=checked_event,
            level=checked_level,
            logger=checked_logger,
            timestamp=checked_time,
            context=checked_context,
            trace_id=checked_trace,
            span_id=checked_span,
        ),
    )


_LOG_REQUIRED: Final = ("event", "logger", "timestamp")
_LOG_OPTIONAL: Final = ("level", "context", "trace_id", "span_id")


def validate_log_entry(entry: object) -> Result[FlextLogEntry, FlextValidationError]:
    """``Success(entry)`` when ``entry`` is a valid :class:`FlextLogEntry`."""
    if not isinstance(entry, FlextLogEntry):
        return wrong_entity("log_entry", entry, "FlextLogEntry")
    fields = {name: getattr(entry, name) for name in _LOG_REQUIRED + _LOG_OPTIONAL}
    return build_log_entry(**fields).map(lambda _: entry)


def log_entry_from_dict(data: object) -> Result[FlextLogEntry, FlextValidationError]:
    """Read an entry from :meth:`FlextLogEntry.to_dict` data, checking every rule."""
    return read_record("log_entry", data, build_log_entry, required=_LOG_REQUIRED, optional=_LOG_OPTIONAL)
