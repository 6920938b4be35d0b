"""Limits on what a span may hold, as pure functions that say how much they dropped.

A span records what the code tells it; a loop that adds an attribute or an
event per row must not grow it without bound. :class:`SpanLimits` caps the
number of attributes, events and links (128 each, OpenTelemetry's defaults)
and the length of attribute values; the functions here apply the caps, clean
values the exporters could not carry, and redact secrets with the same policy
the logs use.

>>> limits = SpanLimits(max_attributes=2, max_attribute_length=5)
>>> accepted, dropped = limit_attributes({}, {"table": "orders", "rows": 3, "extra": True}, limits)
>>> accepted, dropped
({'table': 'order', 'rows': 3}, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from flext_observability.core.attributes import AttributeValue, check_attribute_value
from flext_observability.core.checks import is_encodable
from flext_observability.core.limits import (
    MAX_ATTRIBUTE_VALUE_LENGTH,
    MAX_ATTRIBUTES,
    MAX_EVENTS,
    MAX_LINKS,
    MAX_NAME_LENGTH,
)
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, is_sensitive_key, redact_text

if TYPE_CHECKING:
    from flext_observability.core.checks import Problems


@frozen(kw_only=True)
class SpanLimits:
    """Caps on one span: attributes, events, links, and the length of attribute values.

    Beyond a count cap the newest item is dropped (and counted); a value
    longer than ``max_attribute_length`` is truncated. The redaction policy
    applies to attribute values as it does to log values.
    """

    max_attributes: int = MAX_ATTRIBUTES
    max_events: int = MAX_EVENTS
    max_links: int = MAX_LINKS
    max_attribute_length: int = MAX_ATTRIBUTE_VALUE_LENGTH
    redaction: RedactionPolicy = DEFAULT_POLICY

    def __attrs_post_init__(self) -> None:
        """Refuse limits no span could live with (a set-up mistake)."""
        for name in ("max_attributes", "max_events", "max_links", "max_attribute_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ATTRIBUTE_VALUE_LENGTH:
                message = f"{name} must be an int from 0 to {MAX_ATTRIBUTE_VALUE_LENGTH}, not {value!r}"
                raise ValueError(message)


DEFAULT_LIMITS: Final = SpanLimits()


def _precut(value: object, length: int) -> object:
    """Text and arrays of text cut to ``length`` before they are checked (exact types only; anything else as is)."""
    kind = type(value)
    if kind is str:
        return value[:length]  # type: ignore[index]
    if kind is list or kind is tuple:
        items = value[:length]  # type: ignore[index]
        return [item[:length] if type(item) is str else item for item in items]
    return value


def _truncate(value: AttributeValue, length: int) -> AttributeValue:
    if isinstance(value, str):
        return value[:length]
    if isinstance(value, tuple):
        kept = value[:length]
        return tuple(item[:length] if isinstance(item, str) else item for item in kept)
    return value


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
    the length limit, and redacted: a sensitive key's value is replaced, and
    secrets inside text are hidden.
    """
    if not isinstance(key, str) or not key or len(key) > MAX_NAME_LENGTH or not is_encodable(key):
        return None
    problems: Problems = []
    # Cut first, then check: a value longer than the limit is kept, truncated, as OpenTelemetry does.
    checked = check_attribute_value(problems, "value", _precut(value, limits.max_attribute_length))
    if checked is None:
        return None
    policy = limits.redaction
    if is_sensitive_key(policy, key):
        return policy.replacement
    if isinstance(checked, str):
        checked = redact_text(policy, checked)
    elif isinstance(checked, tuple):
        checked = tuple(redact_text(policy, item) if isinstance(item, str) else item for item in checked)
    return _truncate(checked, limits.max_attribute_length)


def limit_attributes(
    existing: Mapping[str, AttributeValue],
    new: Mapping[Any, object],
    limits: SpanLimits = DEFAULT_LIMITS,
) -> tuple[dict[str, AttributeValue], int]:
    """``existing`` with ``new`` added within the limits, and how many of ``new`` were dropped.

    Updating a key already present never counts against the cap; a value
    that cannot be an attribute is dropped and counted.
    """
    accepted = dict(existing)
    dropped = 0
    try:
        items = list(new.items())
    except Exception:  # noqa: BLE001 - a mapping that cannot be read adds nothing
        return accepted, 1
    for key, value in items:
        name = str.__str__(key) if isinstance(key, str) else ""
        cleaned = clean_attribute(name, value, limits)
        if cleaned is None or (name not in accepted and len(accepted) >= limits.max_attributes):
            dropped += 1
            continue
        accepted[name] = cleaned
    return accepted, dropped


def room_for(count: int, limit: int) -> bool:
    """Whether one more item fits under ``limit`` (events and links)."""
    return count < limit
