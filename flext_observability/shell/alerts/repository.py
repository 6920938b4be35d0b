"""The alert service's memory of what happened: a bounded list of alert events, and queries over it.

Every alert the service takes in (raised by code or by a rule) is kept as
an :class:`AlertEvent`: the alert, whether it fired or resolved, and when
the service saw it. The list holds at most ``capacity`` events; the oldest
leave first and are counted in :attr:`AlertHistory.evicted`, so a query
knows it sees a window, not all time.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Final

from attrs import frozen
from returns.result import Result, Success

from flext_observability.core.alerts.alert import is_well_formed_alert
from flext_observability.core.alerts.matchers import LabelMatcher, check_matchers
from flext_observability.core.checks import Problems, add, as_number, check_choice, describe, invalid
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.values import AlertSeverity, AlertStatus

if TYPE_CHECKING:
    from flext_observability.core.alerts.alert import FlextAlert

DEFAULT_HISTORY: Final = 10_000
"""Events kept by default: a day of a busy pipeline's alerts, a few MiB."""

MAX_QUERY_LIMIT: Final = 10_000
"""The most events one query returns."""


@frozen(kw_only=True)
class AlertEvent:
    """One alert as the service saw it at ``at`` (its clock's time): firing or resolved."""

    alert: FlextAlert
    at: float

    @property
    def fingerprint(self) -> str:
        """The alert's identity, as Alertmanager computes it."""
        return self.alert.fingerprint


@frozen(kw_only=True)
class AlertQuery:
    """What :meth:`AlertHistory.query` looks for; made (and checked) by :func:`alert_query`."""

    name: str | None
    severity: AlertSeverity | None
    state: AlertStatus | None
    matchers: tuple[LabelMatcher, ...]
    since: float
    until: float
    limit: int

    def matches(self, event: AlertEvent) -> bool:
        """Whether ``event`` is one this query asks for (anything but an event of a well-formed alert is not)."""
        given: object = event  # callers outside the type checker may pass anything
        if not isinstance(given, AlertEvent) or not is_well_formed_alert(given.alert) or type(given.at) is not float:
            return False
        alert = event.alert
        if self.name is not None and alert.name != self.name:
            return False
        if self.severity is not None and alert.severity is not self.severity:
            return False
        if self.state is not None and alert.status is not self.state:
            return False
        if not self.since <= event.at <= self.until:
            return False
        labels = {**alert.labels, "alertname": alert.name, "severity": alert.severity.value}
        return all(matcher.matches(labels) for matcher in self.matchers)


def alert_query(  # noqa: PLR0913 - one keyword per filter
    *,
    name: object = None,
    severity: object = None,
    state: object = None,
    matchers: object = None,
    since: object = None,
    until: object = None,
    limit: object = 100,
) -> Result[AlertQuery, FlextValidationError]:
    """Check the filters of a history query; every problem is listed.

    ``matchers`` takes what rule expressions take (``{"tap": "pg"}``, or
    ``(name, op, value)`` triples with ``=``, ``!=``, ``=~``, ``!~``), and may
    test ``alertname`` and ``severity`` too. ``since`` and ``until`` are
    times in seconds (inclusive); ``limit`` (1 to 10,000) keeps the newest.

    >>> print(alert_query(severity="urgent", limit=0).failure())
    invalid alert query: severity: got 'urgent'; use one of: info, warning, error, critical [invalid_choice]
    limit: must be an int from 1 to 10000, got 0 [out_of_range]
    """
    problems: Problems = []
    checked_name: str | None = None
    if name is not None:
        if isinstance(name, str):
            checked_name = str.__str__(name)
        else:
            add(problems, FlextErrorCode.WRONG_TYPE, "name", "must be an alert name (text) or None")
    checked_severity = None if severity is None else check_choice(problems, "severity", severity, AlertSeverity)
    checked_state = None if state is None else check_choice(problems, "state", state, AlertStatus)
    checked_matchers = check_matchers(problems, "matchers", matchers)
    low = _time(problems, "since", since, -math.inf)
    high = _time(problems, "until", until, math.inf)
    count = limit if type(limit) is int and 1 <= limit <= MAX_QUERY_LIMIT else None
    if count is None:
        shown = repr(limit) if type(limit) is int else describe(limit)
        add(problems, FlextErrorCode.OUT_OF_RANGE, "limit", f"must be an int from 1 to {MAX_QUERY_LIMIT}, got {shown}")
    if problems or checked_matchers is None or count is None:
        return invalid("alert query", problems)
    return Success(
        AlertQuery(
            name=checked_name,
            severity=checked_severity,
            state=checked_state,
            matchers=checked_matchers,
            since=low,
            until=high,
            limit=count,
        )
    )


def _time(problems: Problems, field: str, value: object, default: float) -> float:
    if value is None:
        return default
    number = as_number(value)
    if number is None or math.isnan(number):
        add(problems, FlextErrorCode.WRONG_TYPE, field, "must be a time in seconds (a number) or None")
        return default
    return number


class AlertHistory:
    """A bounded, oldest-first list of alert events; not thread-safe (the service guards it)."""

    def __init__(self, capacity: int = DEFAULT_HISTORY) -> None:
        """Keep at most ``capacity`` events."""
        self._events: deque[AlertEvent] = deque(maxlen=capacity)
        self.capacity = capacity
        self.evicted = 0

    def __len__(self) -> int:
        """How many events are kept now."""
        return len(self._events)

    def append(self, event: AlertEvent) -> None:
        """Keep ``event``; the oldest leaves (and is counted) when the list is full."""
        if len(self._events) == self.capacity:
            self.evicted += 1
        self._events.append(event)

    def query(self, query: AlertQuery) -> tuple[AlertEvent, ...]:
        """The newest ``query.limit`` events it matches, oldest first."""
        found: list[AlertEvent] = []
        for event in reversed(self._events):
            if query.matches(event):
                found.append(event)
                if len(found) == query.limit:
                    break
        found.reverse()
        return tuple(found)

    def clear(self) -> None:
        """Forget every event (the eviction count stays)."""
        self._events.clear()
