"""The bounds every entity is validated against.

They keep one bad input from growing memory without bound or producing data
that a downstream engine rejects. They are deliberately generous for normal
use.
"""

from __future__ import annotations

from typing import Final

MAX_NAME_LENGTH: Final = 255
"""Names of metrics, labels, spans, services, alerts, components, loggers."""

MAX_LABELS: Final = 32
"""Label pairs on one metric or alert."""

MAX_LABEL_VALUE_LENGTH: Final = 1024
"""Characters in one label or annotation value."""

MAX_LABEL_VALUE_BYTES: Final = 1024
"""Bytes (UTF-8) in one label value of a live series, after redaction.

A character takes one to four bytes, so this bounds what a value costs on the
wire, and (with the character bound) in memory, whatever its script.
"""

MAX_LABEL_SET_BYTES: Final = 2048
"""Bytes (UTF-8) of all the label values of one live series, after redaction.

With :data:`MAX_LABEL_VALUE_BYTES` it gives every series, and so every
instrument, a ceiling in bytes (the figures are in ``docs/metrics.md``).
"""

MAX_UNIT_LENGTH: Final = 64
"""Characters in a unit."""

MAX_TEXT_LENGTH: Final = 8192
"""Characters in a message, a log event, a health output or a context string."""

MAX_ATTRIBUTES: Final = 128
"""Attributes on a span, event or link (the OpenTelemetry default)."""

MAX_ATTRIBUTE_VALUE_LENGTH: Final = 4096
"""Characters in one string attribute value, and items in one array value."""

DEFAULT_MAX_ARRAY_LENGTH: Final = 128
"""Items a recording span keeps of one array attribute value, unless its limits say otherwise."""

DEFAULT_MAX_SPAN_BYTES: Final = 262_144
"""Estimated bytes (256 KiB) a span keeps in its attributes, events and links, unless its limits say otherwise."""

MAX_SPAN_BYTES: Final = 2**30
"""The largest per-span byte budget a ``SpanLimits`` accepts (1 GiB)."""

MAX_EVENTS: Final = 128
"""Events on one span."""

MAX_LINKS: Final = 128
"""Links on one span."""

MAX_CONTEXT_ITEMS: Final = 128
"""Items in one mapping or list of a log entry's context."""

MAX_CONTEXT_DEPTH: Final = 8
"""Nesting depth of a log entry's context."""

MAX_SPANS_PER_TRACE: Final = 10_000
"""Spans one assembled trace may hold."""

MAX_TIMESTAMP: Final = 253_402_300_799.0
"""The last second of the year 9999, in seconds since the epoch."""

MAX_TIME_NS: Final = 2**64 - 1
"""The largest time in nanoseconds that OTLP's ``fixed64`` can carry."""

MIN_INT64: Final = -(2**63)
MAX_INT64: Final = 2**63 - 1
"""The range of an integer attribute (OTLP ``int64``)."""

TRACE_ID_LENGTH: Final = 32
"""Hex digits of a W3C trace id (16 bytes); shared by spans and the log entries that point at them."""

SPAN_ID_LENGTH: Final = 16
"""Hex digits of a W3C span id (8 bytes)."""
