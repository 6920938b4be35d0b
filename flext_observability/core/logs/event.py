"""Pure shaping of log events: level names and JSON-safe values.

Whatever a caller puts in a log event (a datetime, a custom object whose
``repr`` raises, a float NaN, a dict keyed by tuples, a list that contains
itself), :func:`json_safe` returns plain JSON data for it, never raising:

>>> json_safe({"rows": 3, "ratio": float("nan"), ("a", 1): [1, {2}]})
{'rows': 3, 'ratio': 'nan', "('a', 1)": [1, '{2}']}
>>> class Broken:
...     def __repr__(self):
...         raise RuntimeError("no")
>>> json_safe(Broken())
'<unrepresentable Broken>'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from flext_observability.core.values import LogLevel

if TYPE_CHECKING:
    from flext_observability.core.records import JsonValue

LEVEL_OF_METHOD: Final[Mapping[str, LogLevel]] = {
    "debug": LogLevel.DEBUG,
    "info": LogLevel.INFO,
    "msg": LogLevel.INFO,
    "warning": LogLevel.WARNING,
    "warn": LogLevel.WARNING,
    "error": LogLevel.ERROR,
    "exception": LogLevel.ERROR,
    "critical": LogLevel.CRITICAL,
    "fatal": LogLevel.CRITICAL,
}
"""The level of each logging method name (structlog's and the standard library's)."""

MAX_DEPTH: Final = 8
_SCALARS: Final = (str, int, bool)


def placeholder(value: object) -> str:
    """The text that stands for a value that cannot be shown."""
    return f"<unrepresentable {type(value).__name__}>"


def _text(value: object) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - user objects may fail in any way; the event still goes out
        return placeholder(value)
    return text if type(text) is str else placeholder(value)


def json_safe(value: object, depth: int = 0) -> JsonValue:  # noqa: PLR0911 - one return per kind of value
    """``value`` as JSON data: scalars as they are, containers copied, anything else as text.

    Non-finite floats become ``'nan'``, ``'inf'`` and ``'-inf'`` (JSON has no
    such numbers); mapping keys become text; nesting deeper than
    :data:`MAX_DEPTH` and objects whose ``repr`` fails become placeholders.
    """
    kind = type(value)
    if kind in _SCALARS or value is None:
        return value  # type: ignore[return-value]
    if kind is float:
        return value if math.isfinite(value) else repr(value)  # type: ignore[arg-type, return-value]
    if depth >= MAX_DEPTH:
        return placeholder(value)
    try:
        if isinstance(value, Mapping):
            return {key if type(key) is str else _text(key): json_safe(item, depth + 1) for key, item in value.items()}
        if kind is list or kind is tuple:
            return [json_safe(item, depth + 1) for item in value]  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a container whose iteration fails is shown as a placeholder
        return placeholder(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__int__(value)
    if isinstance(value, float):
        return json_safe(float.__float__(value))
    return _text(value)
