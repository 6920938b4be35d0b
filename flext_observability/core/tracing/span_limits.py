"""Limits on what a span may hold, as pure functions that say how much they dropped and cut.

A span records what the code tells it; a loop that adds an attribute or an
event per row must not grow it without bound. :class:`SpanLimits` caps the
number of attributes, events and links (128 each, OpenTelemetry's defaults),
the length of attribute values and the items of array values; the functions
here apply the caps, clean values the exporters could not carry, and redact
secrets with the same policy the logs use. Every value they cut is counted as
truncated, every one they leave out as dropped, so that a span says what its
limits took from it.

A span also has a budget in bytes, ``max_span_bytes``: the functions
``*_bytes`` estimate what an item takes (an upper bound of what 64-bit
CPython allocates for it, computed in O(size of the value) with no object
walk), and :func:`fit_attributes` keeps attributes while they fit in the
room left. :attr:`SpanLimits.byte_ceiling` turns the budget into a ceiling
of one span's memory.

>>> limits = SpanLimits(max_attributes=2, max_attribute_length=5)
>>> accepted, dropped, truncated = limit_attributes({}, {"table": "orders", "rows": 3, "extra": True}, limits)
>>> accepted, dropped, truncated
({'table': 'order', 'rows': 3}, 1, 1)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from flext_observability.core.attributes import AttributeValue, check_attribute_value
from flext_observability.core.checks import describe, is_encodable
from flext_observability.core.limits import (
    DEFAULT_MAX_ARRAY_LENGTH,
    DEFAULT_MAX_SPAN_BYTES,
    MAX_ATTRIBUTE_VALUE_LENGTH,
    MAX_ATTRIBUTES,
    MAX_EVENTS,
    MAX_INT64,
    MAX_LINKS,
    MAX_NAME_LENGTH,
    MAX_SPAN_BYTES,
    MIN_INT64,
)
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, is_sensitive_key, redact_text
from flext_observability.core.tracing.span import MAX_TRACE_STATE_LENGTH
from flext_observability.core.tracing.tracestate import (
    MAX_TRACE_STATE_KEY_LENGTH,
    MAX_TRACE_STATE_MEMBERS,
    MAX_TRACE_STATE_VALUE_LENGTH,
    TraceState,
)

if TYPE_CHECKING:
    from flext_observability.core.checks import Problems
    from flext_observability.core.tracing.traceparent import SpanContext


# What one item costs in the byte estimate: upper bounds of what 64-bit CPython allocates for it.
_STR_BYTES: Final = 80
"""A text's header and terminator; each character adds 1 byte (ASCII) or at most 4 (any other text)."""
_BYTES_PER_CHAR: Final = 4
_SLOT_BYTES: Final = 8
"""One pointer in a tuple or a list."""
_TUPLE_BYTES: Final = 64
_SCALAR_BYTES: Final = 48
"""An int of 64 bits, a float or a bool, aligned."""
_ENTRY_BYTES: Final = 64
"""One entry of a dict, with the slack of its table."""
EVENT_BYTES: Final = 512
"""The fixed part of an event: its slot, its tuple, its time, its (empty) attributes and its frozen entity."""
LINK_BYTES: Final = 1024
"""The fixed part of a link: its slot, its tuple, its (empty) attributes, the span context with its ids, its entity."""
SPAN_BYTES: Final = 1024
"""The fixed part of a span: the object, its ids, times and containers, its queue slot and its frozen entity."""


def text_bytes(text: str) -> int:
    """The estimate of one text: 80 bytes, plus 1 a character when it is ASCII, else 4 (O(1): no scan).

    An upper bound both of what CPython allocates for it and of its UTF-8 form.

    >>> text_bytes("orders"), text_bytes("\u00fcber")
    (86, 96)
    """
    return _STR_BYTES + (len(text) if text.isascii() else _BYTES_PER_CHAR * len(text))


def value_bytes(value: AttributeValue) -> int:
    """The estimate of an attribute value (as stored): a text by :func:`text_bytes`, 48 bytes a number or bool.

    An array costs 64 bytes and each item its 8-byte slot plus its own
    estimate; nothing else is walked, so the cost is O(items).

    >>> value_bytes(3), value_bytes("abc"), value_bytes((1, 2)), value_bytes(("a", "bc"))
    (48, 83, 176, 243)
    """
    if type(value) is str:
        return text_bytes(value)
    if type(value) is tuple:
        return _TUPLE_BYTES + sum(
            _SLOT_BYTES + (text_bytes(item) if type(item) is str else _SCALAR_BYTES) for item in value
        )
    return _SCALAR_BYTES


def attribute_bytes(key: str, value: AttributeValue) -> int:
    """The estimate of one attribute: a dict entry (64 bytes), its key and its value.

    >>> attribute_bytes("rows", 3)
    196
    """
    return _ENTRY_BYTES + text_bytes(key) + value_bytes(value)


def trace_state_bytes(state: TraceState) -> int:
    """The estimate of a ``tracestate`` a span or link holds: its entries, and the header text made of them.

    >>> from flext_observability.core.tracing.tracestate import EMPTY_TRACE_STATE
    >>> trace_state_bytes(EMPTY_TRACE_STATE), trace_state_bytes(TraceState((("rojo", "00f067aa0ba902b7"),)))
    (0, 418)
    """
    entries = state.entries
    if not entries:
        return 0
    pairs = [item for item in entries if type(item) is tuple and len(item) == 2]
    texts = [text for pair in pairs for text in pair if type(text) is str]
    # The entries, each a tuple of two texts, then the header text ``to_entity`` formats (at most 512 characters).
    header = min(sum(map(len, texts)) + 2 * len(pairs), MAX_TRACE_STATE_LENGTH)
    return _TUPLE_BYTES + len(pairs) * (_SLOT_BYTES + _TUPLE_BYTES) + sum(map(text_bytes, texts)) + _STR_BYTES + header


def event_bytes(name: str) -> int:
    """The estimate of an event without its attributes: 512 bytes and its name.

    >>> event_bytes("retry")
    597
    """
    return EVENT_BYTES + text_bytes(name)


def link_bytes(context: SpanContext) -> int:
    """The estimate of a link without its attributes: 1 KiB (the context and its ids) and its ``tracestate``.

    >>> from flext_observability.core.tracing.traceparent import parse_traceparent
    >>> link_bytes(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap())
    1024
    """
    return LINK_BYTES + trace_state_bytes(context.trace_state)


def span_bytes(name: str, description: str, trace_state: TraceState) -> int:
    """The estimate of a span's fixed part: 1 KiB, its name, its status description and its ``tracestate``.

    What its attributes, events and links take is kept apart, as they are
    added (see :func:`fit_attributes`); a span's size is the sum of both.

    >>> from flext_observability.core.tracing.tracestate import EMPTY_TRACE_STATE
    >>> span_bytes("load", "", EMPTY_TRACE_STATE) == 1024 + text_bytes("load") + text_bytes("")
    True
    """
    # On the path of every ended span: text_bytes written out, and no call for the usual empty tracestate.
    size = (
        _SPAN_FIXED_BYTES
        + (len(name) if name.isascii() else _BYTES_PER_CHAR * len(name))
        + (len(description) if description.isascii() else _BYTES_PER_CHAR * len(description))
    )
    return size + trace_state_bytes(trace_state) if trace_state.entries else size


_SPAN_FIXED_BYTES: Final = SPAN_BYTES + 2 * _STR_BYTES
"""A span's own part and the headers of its name and status description."""


_TRACE_STATE_CEILING: Final = (
    _TUPLE_BYTES
    + MAX_TRACE_STATE_MEMBERS
    * (_SLOT_BYTES + _TUPLE_BYTES + 2 * _STR_BYTES + MAX_TRACE_STATE_KEY_LENGTH + MAX_TRACE_STATE_VALUE_LENGTH)
    + _STR_BYTES
    + MAX_TRACE_STATE_LENGTH
)
"""The most :func:`trace_state_bytes` gives for a ``tracestate`` read from a header (32 members)."""


@frozen(kw_only=True)
class SpanLimits:
    """Caps on one span: attributes, events, links, the length of attribute values, the items of arrays, bytes.

    Beyond a count cap the newest item is dropped (and counted); a text
    longer than ``max_attribute_length`` is cut, and an array longer than
    ``max_array_length`` keeps its first items (both counted as truncated).
    An attribute, event or link that would take the span's estimate past
    ``max_span_bytes`` is dropped and counted like one beyond a count cap.
    The redaction policy applies to attribute values as it does to log
    values. :attr:`byte_ceiling` is the most memory one span can hold under
    these limits.

    >>> SpanLimits(max_array_length=-1)
    Traceback (most recent call last):
    ...
    ValueError: max_array_length must be an int from 0 to 4096, not -1
    >>> SpanLimits(max_span_bytes="256k")
    Traceback (most recent call last):
    ...
    ValueError: max_span_bytes must be an int from 0 to 1073741824, not '256k'
    """

    max_attributes: int = MAX_ATTRIBUTES
    max_events: int = MAX_EVENTS
    max_links: int = MAX_LINKS
    max_attribute_length: int = MAX_ATTRIBUTE_VALUE_LENGTH
    max_array_length: int = DEFAULT_MAX_ARRAY_LENGTH
    max_span_bytes: int = DEFAULT_MAX_SPAN_BYTES
    """The budget of a span's attributes, events and links, in estimated bytes (see :func:`value_bytes`)."""
    redaction: RedactionPolicy = DEFAULT_POLICY

    def __attrs_post_init__(self) -> None:
        """Refuse limits no span could live with (a set-up mistake); keep each as a plain ``int``.

        An ``int`` subclass is read by ``int.__int__`` (its own methods may
        raise or lie) and stored as the plain value, so no span ever calls it.
        """
        for name, top in (
            ("max_attributes", MAX_ATTRIBUTE_VALUE_LENGTH),
            ("max_events", MAX_ATTRIBUTE_VALUE_LENGTH),
            ("max_links", MAX_ATTRIBUTE_VALUE_LENGTH),
            ("max_attribute_length", MAX_ATTRIBUTE_VALUE_LENGTH),
            ("max_array_length", MAX_ATTRIBUTE_VALUE_LENGTH),
            ("max_span_bytes", MAX_SPAN_BYTES),
        ):
            value = getattr(self, name)
            plain = int.__int__(value) if isinstance(value, int) and not isinstance(value, bool) else None
            if plain is None or not 0 <= plain <= top:
                shown = describe(value) if plain is None else str(plain) if plain.bit_length() < 64 else "a huge int"
                message = f"{name} must be an int from 0 to {top}, not {shown}"
                raise ValueError(message)
            if type(value) is not int:
                object.__setattr__(self, name, plain)

    @property
    def byte_ceiling(self) -> int:
        """The most bytes one span can take under these limits: its budget plus its largest fixed part.

        The budget, ``max_span_bytes``, bounds the estimate of the span's
        attributes, events and links; the fixed part is what
        :func:`span_bytes` gives for the longest name (255 characters beyond
        ASCII), the longest status description (``max_attribute_length``
        characters) and a ``tracestate`` of 32 members. The estimate is an
        upper bound of what 64-bit CPython allocates, so this is a ceiling of
        the span's memory, its frozen entity included.

        >>> SpanLimits().byte_ceiling
        305196
        >>> SpanLimits(max_span_bytes=16_384, max_attribute_length=1024).byte_ceiling
        47148
        """
        longest_name = _STR_BYTES + _BYTES_PER_CHAR * MAX_NAME_LENGTH
        longest_description = _STR_BYTES + _BYTES_PER_CHAR * self.max_attribute_length
        return SPAN_BYTES + longest_name + longest_description + _TRACE_STATE_CEILING + self.max_span_bytes


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
    if not isinstance(name, str):
        return fallback
    # ``str.__str__`` reads a subclass's text without calling its own methods (which may raise or lie).
    text = str.__str__(name)[:MAX_NAME_LENGTH]
    if not text:
        return fallback
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
    if not isinstance(description, str):
        return ""
    text = str.__str__(description)
    if not text:
        return ""
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
    if type(key) is not str:
        if not isinstance(key, str):
            return None, False
        key = str.__str__(key)  # a subclass's own methods may raise or lie
    if not key or len(key) > MAX_NAME_LENGTH or not is_encodable(key):
        return None, False
    length, items = limits.max_attribute_length, limits.max_array_length
    policy = limits.redaction
    plain = _plain_attribute(key, value, length, policy)
    if plain is not None:
        return plain, False
    problems: Problems = []
    # Cut first, then check: a value longer than the limit is kept, truncated, as OpenTelemetry does.
    precut, cut = _precut(value, length, items)
    checked = check_attribute_value(problems, "value", precut)
    if checked is None:
        return None, False
    if is_sensitive_key(policy, key):
        return policy.replacement, False
    if isinstance(checked, str):
        checked = redact_text(policy, checked)
    elif isinstance(checked, tuple):
        checked = tuple(redact_text(policy, item) if isinstance(item, str) else item for item in checked)
    truncated, recut = _truncate(checked, length, items)
    return truncated, cut or recut


def _plain_attribute(key: str, value: object, length: int, policy: RedactionPolicy) -> AttributeValue | None:
    """The common cases, answered as the general path would, quickly; ``None`` for every other value.

    A plain ``bool``, finite ``float`` or 64-bit ``int``, and a plain text
    within ``length`` that stays within it once redacted.
    """
    if type(value) is bool or (type(value) is float and math.isfinite(value)):
        return policy.replacement if is_sensitive_key(policy, key) else value
    if type(value) is int and MIN_INT64 <= value <= MAX_INT64:
        return policy.replacement if is_sensitive_key(policy, key) else value
    if type(value) is str and len(value) <= length and is_encodable(value):
        if is_sensitive_key(policy, key):
            return policy.replacement
        text = redact_text(policy, value)
        if len(text) <= length:
            return text
    return None


def attribute_problem(key: object, value: object, limits: SpanLimits = DEFAULT_LIMITS) -> str:
    """Why ``key`` and ``value`` are not a span attribute, for a message: what is wrong and what to pass instead.

    >>> attribute_problem("rows", object())
    "'rows': attribute values are str, bool, int, float or a list of one of them; got a value of type object"
    >>> attribute_problem("", 1)
    'the key must be non-empty text of at most 255 characters, not an empty text'
    """
    text = str.__str__(key) if isinstance(key, str) else None
    if text is None or not text or len(text) > MAX_NAME_LENGTH or not is_encodable(text):
        shown = "an empty text" if text == "" else describe(key)
        return f"the key must be non-empty text of at most {MAX_NAME_LENGTH} characters, not {shown}"
    problems: Problems = []
    precut, _ = _precut(value, limits.max_attribute_length, limits.max_array_length)
    if check_attribute_value(problems, "value", precut) is not None:
        return f"{describe(key)}: the value was accepted"
    detail = problems[0].message if problems else "the value is not an attribute value"
    return f"{describe(key)}: {detail}"


def limit_attributes(
    existing: Mapping[str, AttributeValue],
    new: Mapping[Any, object],
    limits: SpanLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, AttributeValue], int, int]:
    """``existing`` with ``new`` added within the limits, how many of ``new`` were dropped, and how many kept cut.

    Updating a key already present never counts against the count cap; a
    value that cannot be an attribute is dropped and counted; a kept value
    the limits shortened counts as truncated. The attributes together stay
    within ``max_span_bytes`` (see :func:`fit_attributes`).
    """
    room = limits.max_span_bytes - sum(attribute_bytes(key, value) for key, value in existing.items())
    accepted, dropped, truncated, _ = fit_attributes(existing, new, limits, room)
    return accepted, dropped, truncated


def fit_attributes(
    existing: Mapping[str, AttributeValue],
    new: Mapping[Any, object],
    limits: SpanLimits,
    room: int,
) -> tuple[dict[str, AttributeValue], int, int, int]:
    """:func:`limit_attributes` within ``room`` estimated bytes; the last item says how many bytes it used.

    Attributes are taken in order while they fit: one that would use more
    than the room left is dropped and counted, and a later, smaller one may
    still fit. Replacing a value costs the difference of the two (it may
    give bytes back, a negative use).

    >>> limits = SpanLimits()
    >>> fit_attributes({}, {"rows": 3, "sql": "x" * 1000, "ok": True}, limits, room=400)
    ({'rows': 3, 'ok': True}, 1, 0, 390)
    """
    accepted = dict(existing)
    dropped = truncated = used = 0
    try:
        items = list(new.items())
    except Exception:  # noqa: BLE001 - a mapping that cannot be read adds nothing
        return accepted, 1, 0, 0
    for key, value in items:
        name = str.__str__(key) if isinstance(key, str) else ""
        cleaned, cut = limit_attribute(name, value, limits)
        if cleaned is None:
            dropped += 1
            continue
        old = accepted.get(name)
        if old is None and len(accepted) >= limits.max_attributes:
            dropped += 1
            continue
        cost = attribute_bytes(name, cleaned) if old is None else value_bytes(cleaned) - value_bytes(old)
        if used + cost > room:
            dropped += 1
            continue
        accepted[name] = cleaned
        used += cost
        truncated += cut
    return accepted, dropped, truncated, used


def room_for(count: int, limit: int) -> bool:
    """Whether one more item fits under ``limit`` (events and links)."""
    return count < limit
