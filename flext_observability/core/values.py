"""Enumerated value objects shared by the entities.

Every enumeration is a ``StrEnum``: members compare equal to their lowercase
string value, so ``MetricKind.COUNTER == "counter"``, and builders accept
either form.

>>> MetricKind("histogram") is MetricKind.HISTOGRAM
True
"""

from __future__ import annotations

from enum import StrEnum


class MetricKind(StrEnum):
    """The four Prometheus metric types."""

    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"
    SUMMARY = "summary"


class SpanKind(StrEnum):
    """The role of a span in a call, as OpenTelemetry names it."""

    INTERNAL = "internal"
    SERVER = "server"
    CLIENT = "client"
    PRODUCER = "producer"
    CONSUMER = "consumer"


class SpanStatusCode(StrEnum):
    """The outcome of a span."""

    UNSET = "unset"
    OK = "ok"
    ERROR = "error"


class AlertSeverity(StrEnum):
    """How urgent an alert is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class AlertStatus(StrEnum):
    """Whether an alert still fires."""

    FIRING = "firing"
    RESOLVED = "resolved"


class HealthStatus(StrEnum):
    """The three statuses of ``application/health+json``."""

    PASS = "pass"  # noqa: S105 - a status word, not a password
    WARN = "warn"
    FAIL = "fail"


class LogLevel(StrEnum):
    """Log levels, in increasing severity."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"
