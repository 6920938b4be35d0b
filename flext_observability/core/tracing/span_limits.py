"""Limits on what a span may hold, as pure functions that say how much they dropped and cut.

A span records what the code tells it; a loop that adds an attribute or an
event per row must not grow it without bound. :class:`SpanLimits` caps the
number of attributes, events and links (128 each, OpenTelemetry's defaults),
the length of attribute values and the items of array values; the functions
here apply the caps, clean values the exporters could not carry, and redact
secrets with the same policy the logs use. Every value they cut is counted as
truncated, every one they leave out as dropped, so that a span says what its
limits took from it.

>>> limits = SpanLimits(max_attributes=2, max_attribute_length=5)
>>> accepted, dropped, truncated = limit_attributes({}, {"table": "orders", "rows": 3, "extra": True}, limits)
>>> accepted, dropped, truncated
({'table': 'order', 'rows': 3}, 1, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from flext_observability.core.attributes import AttributeValue, check_attribute_value
from flext_observability.core.checks import is_encodable
from flext_observability.core.limits import (
    DEFAULT_MAX_ARRAY_LENGTH,
    MAX_ATTRIBUTE_VALUE_LENGTH,
    MAX_ATTRIBUTES,
    MAX_EVENTS,
    MAX_LINKS,
    MAX_NAME_LENGTH,
)
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, is_sensitive_key, redact_text

if TYPE_CHECKING:
    from flext_observability.core.checks import Problems


# Upper bounds of what CPython (64-bit) allocates, for the byte ceiling below.
_STR_BYTES: Final = 80
"""A string's header and terminator; each character adds at most 4 bytes."""
_BYTES_PER_CHAR: Final = 4
_SLOT_BYTES: Final = 8
"""One pointer in a tuple or a list."""
_TUPLE_BYTES: Final = 64
_SCALAR_BYTES: Final = 48
"""An int of 64 bits or a float, aligned."""
_ENTRY_BYTES: Final = 64
"""One entry of a dict, with the slack of its table."""
_MAP_BYTES: Final = 256
_CONTEXT_BYTES: Final = 8192
"""A linked span context: its ids and its ``tracestate`` (at most 512 characters)."""
_SPAN_BYTES: Final = 16384
"""The span object itself: ids, name, service, kind, times, trace state, the containers."""


def _text_bytes(length: int) -> int:
    return _STR_BYTES + _BYTES_PER_CHAR * length


@frozen(kw_only=True)
class SpanLimits:
    """Caps on one span: attributes, events, links, the length of attribute values and the items of arrays.

    Beyond a count cap the newest item is dropped (and counted); a text
    longer than ``max_attribute_length`` is cut, and an array longer than
    ``max_array_length`` keeps its first items (both counted as truncated).
    The redaction policy applies to attribute values as it does to log
    values. :attr:`byte_ceiling` is the most memory one span can hold under
    these limits.

    >>> SpanLimits(max_array_length=-1)
    Traceback (most recent call last):
    ...
    ValueError: max_array_length must be an int from 0 to 4096, not -1
    """

    max_attributes: int = MAX_ATTRIBUTES
    max_events: int = MAX_EVENTS
    max_links: int = MAX_LINKS
    max_attribute_length: int = MAX_ATTRIBUTE_VALUE_LENGTH
    max_array_length: int = DEFAULT_MAX_ARRAY_LENGTH
    redaction: RedactionPolicy = DEFAULT_POLICY

    def __attrs_post_init__(self) -> None:
        """Refuse limits no span could live with (a set-up mistake)."""
        for name in ("max_attributes", "max_events", "max_links", "max_attribute_length", "max_array_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ATTRIBUTE_VALUE_LENGTH:
                message = f"{name} must be an int from 0 to {MAX_ATTRIBUTE_VALUE_LENGTH}, not {value!r}"
                raise ValueError(message)

    @property
    def byte_ceiling(self) -> int:
        """The most bytes one span's data can take under these limits (64-bit CPython, worst case).

        Every text counted at 4 bytes a character (what CPython needs for
        text beyond the Basic Multilingual Plane), every object with its
        header: one attribute value holds at most ``max_array_length`` texts
        of ``max_attribute_length`` characters; the span, each event and each
        link hold at most ``max_attributes`` of them under keys of at most
        255 characters.

        >>> SpanLimits().byte_ceiling
        69400161616
        >>> SpanLimits(max_attributes=16, max_events=0, max_links=0).byte_ceiling
        33787408
        >>> SpanLimits(
        ...     max_attributes=32, max_events=16, max_links=16, max_array_length=16, max_attribute_length=1024
        ... ).byte_ceiling
        72170384
        """
        key = _text_bytes(MAX_NAME_LENGTH)
        text = _text_bytes(self.max_attribute_length)
        value = max(text, _TUPLE_BYTES + self.max_array_length * (_SLOT_BYTES + text))
        attributes = _MAP_BYTES + self.max_attributes * (_ENTRY_BYTES + key + value)
        event = _TUPLE_BYTES + _SLOT_BYTES + key + _SCALAR_BYTES + attributes
        link = _TUPLE_BYTES + _SLOT_BYTES + _CONTEXT_BYTES + attributes
        return _SPAN_BYTES + text + attributes + self.max_events * event + self.max_links * link


DEFAULT_LIMITS: Final = SpanLimits()


def _precut(value: object, length: int, items: int) -> tuple[object, bool]:
    """Text and arrays cut to ``length`` characters and ``items`` items before the check, and whether anything was cut.

    Exact types only; anything else is returned as it is, to be checked (and
    cut after the check, see :func:`_truncate`).
    """
    kind = type(value)
    if kind is str:
        return value[:length], len(value) > length  # type: ignore[index, arg-type]
    if kind is list or kind is tuple:
        kept = value[:items]  # type: ignore[index]
        cut = len(value) > items  # type: ignore[arg-type]
        texts = [item[:length] if type(item) is str else item for item in kept]
        return texts, cut or any(type(item) is str and len(item) > length for item in kept)
    return value, False


def _truncate(value: AttributeValue, length: int, items: int) -> tuple[AttributeValue, bool]:
    """``value`` within the limits, and whether it had to be cut (redaction may lengthen a text)."""
    if isinstance(value, str):
        return value[:length], len(value) > length
    if isinstance(value, tuple):
        kept = value[:items]
        cut = len(value) > items or any(isinstance(item, str) and len(item) > length for item in kept)
        return (
            (tuple(item[:length] if isinstance(item, str) else item for item in kept), True) if cut else (kept, False)
        )
    return value, False


def clean_name(name: object, fallback: str = "unnamed") -> str:
    r"""A span or event name that always validates: text, shortened to the name limit, encodable.

    >>> clean_name("load"), clean_name(""), clean_name("x" * 300) == "x" * 255, clean_name("bad\udc80")
    ('load', 'unnamed', True, 'bad?')
    """
    if not isinstance(name, str) or not name:
        return fallback
    text = str.__str__(name)[:MAX_NAME_LENGTH]
    return text if text.isascii() or is_encodable(text) else text.encode("utf-8", "replace").decode("utf-8")


def redacted_name(name: object, limits: SpanLimits = DEFAULT_LIMITS, fallback: str = "unnamed") -> str:
    """A span or event name as :func:`clean_name` makes it, with secrets in it hidden by the limits' policy.

    >>> redacted_name("GET postgres://etl:hunter2@db/dw")
    'GET postgres://REDACTED:REDACTED@db/dw'
    """
    cleaned = clean_name(name, fallback)
    redacted = redact_text(limits.redaction, cleaned)
    return cleaned if redacted == cleaned else clean_name(redacted, fallback)


def redacted_description(description: object, limits: SpanLimits = DEFAULT_LIMITS) -> str:
    """A status description: text only, secrets hidden by the limits' policy, cut to the attribute length.

    >>> redacted_description("OperationalError: cannot connect to postgres://etl:hunter2@db/dw")
    'OperationalError: cannot connect to postgres://REDACTED:REDACTED@db/dw'
    >>> redacted_description(5)
    ''
    """
    if not isinstance(description, str) or not description:
        return ""
    text = str.__str__(description)
    text = text if text.isascii() or is_encodable(text) else text.encode("utf-8", "replace").decode("utf-8")
    return redact_text(limits.redaction, text)[: limits.max_attribute_length]


def clean_attribute(key: object, value: object, limits: SpanLimits = DEFAULT_LIMITS) -> AttributeValue | None:
    """The value to store for ``key``, or ``None`` when it cannot be an attribute.

    Values of OpenTelemetry's types are kept (arrays as tuples), truncated to
    the limits, and redacted: a sensitive key's value is replaced, and
    secrets inside text are hidden. :func:`limit_attribute` also tells
    whether the value was truncated.

    >>> short = SpanLimits(max_array_length=2, max_attribute_length=5)
    >>> clean_attribute("tables", ["orders", "customers", "items"], short)
    ('order', 'custo')
    """
    return limit_attribute(key, value, limits)[0]


def limit_attribute(
    key: object, value: object, limits: SpanLimits = DEFAULT_LIMITS
) -> tuple[AttributeValue | None, bool]:
    """What :func:`clean_attribute` stores for ``key``, and whether the limits cut the value.

    >>> limit_attribute("sql", "SELECT 1", SpanLimits(max_attribute_length=6))
    ('SELECT', True)
    >>> limit_attribute("ids", [1, 2, 3], SpanLimits(max_array_length=3)), limit_attribute("bad", object())
    (((1, 2, 3), False), (None, False))
    """
    if not isinstance(key, str) or not key or len(key) > MAX_NAME_LENGTH or not is_encodable(key):
        return None, False
    problems: Problems = []
    length, items = limits.max_attribute_length, limits.max_array_length
    # Cut first, then check: a value longer than the limit is kept, truncated, as OpenTelemetry does.
    precut, cut = _precut(value, length, items)
    checked = check_attribute_value(problems, "value", precut)
    if checked is None:
        return None, False
    policy = limits.redaction
    if is_sensitive_key(policy, key):
        return policy.replacement, False
    if isinstance(checked, str):
        checked = redact_text(policy, checked)
    elif isinstance(checked, tuple):
        checked = tuple(redact_text(policy, item) if isinstance(item, str) else item for item in checked)
    truncated, recut = _truncate(checked, length, items)
    return truncated, cut or recut


def limit_attributes(
    existing: Mapping[str, AttributeValue],
    new: Mapping[Any, object],
    limits: SpanLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, AttributeValue], int, int]:
    """``existing`` with ``new`` added within the limits, how many of ``new`` were dropped, and how many kept cut.

    Updating a key already present never counts against the cap; a value
    that cannot be an attribute is dropped and counted; a kept value the
    limits shortened counts as truncated.
    """
    accepted = dict(existing)
    dropped = truncated = 0
    try:
        items = list(new.items())
    except Exception:  # noqa: BLE001 - a mapping that cannot be read adds nothing
        return accepted, 1, 0
    for key, value in items:
        name = str.__str__(key) if isinstance(key, str) else ""
        cleaned, cut = limit_attribute(name, value, limits)
        if cleaned is None or (name not in accepted and len(accepted) >= limits.max_attributes):
            dropped += 1
            continue
        accepted[name] = cleaned
        truncated += cut
    return accepted, dropped, truncated


def room_for(count: int, limit: int) -> bool:
    """Whether one more item fits under ``limit`` (events and links)."""
    return count < limit
