"""The alert service as metrics: what fires, what was sent and failed per sink, and how the rules run.

:func:`register_alert_metrics` joins a :class:`FlextAlertService` to a
:class:`FlextMetricsService`, read at scrape time (scraping evaluates no
rule and sends nothing):

- ``flext_alerts_active{state,severity}``: alerts firing now, and the
  rules' alerts pending (waiting out their ``for_seconds``), every
  severity of both shown, at 0 when there is none;
- ``flext_alert_notifications_total{sink}``, ``flext_alert_notifications_failed_total{sink}``
  and ``flext_alert_queue_dropped_total{sink}``: alerts each sink delivered,
  gave up on after its retries, and dropped (queue full, shut down);
- ``flext_alert_rule_evaluation_failures_total{rule}`` and
  ``flext_alert_rule_evaluation_duration_seconds{rule}`` (a histogram fed by
  every evaluation);
- ``flext_alerts_refused_total{reason}``: alerts and deliveries refused.

The readers hold the alert service weakly: once it is gone they report nothing.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Final

from returns.result import Failure, Result, Success

from flext_observability.core.checks import describe, invalid_one
from flext_observability.core.errors import FlextErrorCode
from flext_observability.core.values import AlertSeverity
from flext_observability.shell.locks import fork_safe_lock

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.core.errors import FlextValidationError
    from flext_observability.shell.alerts.service import FlextAlertService
    from flext_observability.shell.metrics.callbacks import CallbackHandle
    from flext_observability.shell.metrics.service import FlextMetricsService

RULE_DURATION_BUCKETS: Final = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0)
"""Upper bounds of the rule evaluation histogram, seconds: from one gauge to 100,000 series."""


def _active(ref: weakref.ref[FlextAlertService]) -> Callable[[], object]:
    def read() -> object:
        alive = ref()
        if alive is None:
            return ()
        counts: dict[tuple[str, str], int] = {}
        # Every severity of both states is shown, at 0 when none: a series that vanishes is no "0" to alert on.
        for state in ("firing", "pending"):
            for severity in AlertSeverity:
                counts[state, severity.value] = 0
        for entry in alive.active_alerts():
            key = ("firing", entry.alert.severity.value)
            counts[key] = counts.get(key, 0) + 1
        for pending in alive.pending_alerts():
            key = ("pending", pending.severity.value)
            counts[key] = counts.get(key, 0) + 1
        return [({"state": state, "severity": severity}, count) for (state, severity), count in sorted(counts.items())]

    return read


def _sink_stat(name: str) -> Callable[[weakref.ref[FlextAlertService]], Callable[[], object]]:
    def reader(ref: weakref.ref[FlextAlertService]) -> Callable[[], object]:
        def read() -> object:
            alive = ref()
            if alive is None:
                return ()
            samples = []
            for route in alive.routes:
                stats = getattr(route.sink, "stats", None)
                value = getattr(stats(), name, None) if callable(stats) else None
                if isinstance(value, int) and not isinstance(value, bool):
                    samples.append(({"sink": route.sink.name}, value))
            return samples

        return read

    return reader


def _rule_failures(ref: weakref.ref[FlextAlertService]) -> Callable[[], object]:
    def read() -> object:
        alive = ref()
        return () if alive is None else [({"rule": name}, count) for name, count in alive.rule_failures().items()]

    return read


def _refusals(ref: weakref.ref[FlextAlertService]) -> Callable[[], object]:
    def read() -> object:
        alive = ref()
        if alive is None:
            return ()
        totals: dict[str, int] = {}
        for kind, count in alive.refusals().items():
            reason = kind.partition(":")[0]  # per-rule kinds are summed under their reason
            totals[reason] = totals.get(reason, 0) + count
        return [({"reason": reason}, count) for reason, count in sorted(totals.items())]

    return read


_CALLBACKS: Final = (
    (
        "gauge",
        "flext_alerts_active",
        "Alerts active now, by state (pending, firing) and severity.",
        _active,
        ("state", "severity"),
    ),
    ("counter", "flext_alert_notifications_total", "Alerts each sink delivered.", _sink_stat("sent"), ("sink",)),
    (
        "counter",
        "flext_alert_notifications_failed_total",
        "Alerts each sink gave up on after its retries.",
        _sink_stat("failed"),
        ("sink",),
    ),
    (
        "counter",
        "flext_alert_queue_dropped_total",
        "Alerts each sink dropped (queue full, shut down).",
        _sink_stat("dropped"),
        ("sink",),
    ),
    (
        "counter",
        "flext_alert_rule_evaluation_failures_total",
        "Evaluations of each rule that failed.",
        _rule_failures,
        ("rule",),
    ),
    ("counter", "flext_alerts_refused_total", "Alerts and deliveries refused, by reason.", _refusals, ("reason",)),
)


_JOINED: Final[weakref.WeakKeyDictionary[FlextAlertService, weakref.WeakSet[FlextMetricsService]]] = (
    weakref.WeakKeyDictionary()
)
"""The metrics services each alert service already shows in (callbacks of one name add up)."""
_JOINED_LOCK: Final = fork_safe_lock()


def register_alert_metrics(
    alerts: FlextAlertService, metrics: FlextMetricsService
) -> Result[None, FlextValidationError]:
    """Expose ``alerts`` as the metrics of this module, in ``metrics``; a ``Failure`` when a name is taken.

    Several alert services may show in one metrics service (their counts add
    up); the same one twice is a ``Failure``, as it would count everything twice.
    """
    given: tuple[object, object] = (alerts, metrics)
    if not callable(getattr(given[0], "active_alerts", None)) or not callable(getattr(given[0], "add_rule_hook", None)):
        message = f"alerts must be a FlextAlertService, not {describe(given[0])}"
        raise TypeError(message)
    if not all(callable(getattr(given[1], name, None)) for name in ("histogram", "gauge_callback", "counter_callback")):
        message = f"metrics must be a FlextMetricsService, not {describe(given[1])}"
        raise TypeError(message)
    with _JOINED_LOCK:
        joined = _JOINED.setdefault(alerts, weakref.WeakSet())
        if metrics in joined:
            return invalid_one(
                "alert metrics",
                FlextErrorCode.CONFLICTING_DEFINITION,
                "alerts",
                "this alert service already shows in this metrics service; a second time would count it twice",
            )
        joined.add(metrics)
    ref = weakref.ref(alerts)
    duration = metrics.histogram(
        "flext_alert_rule_evaluation_duration_seconds",
        "Seconds each evaluation of each alert rule took.",
        unit="seconds",
        labels=("rule",),
        buckets=RULE_DURATION_BUCKETS,
    )
    if isinstance(duration, Failure):
        return Failure(duration.failure())
    histogram = duration.unwrap()
    made: list[CallbackHandle] = []
    for kind, name, help_text, reader, labels in _CALLBACKS:
        define = metrics.gauge_callback if kind == "gauge" else metrics.counter_callback
        result = define(name, help_text, reader(ref), labels=labels)
        if isinstance(result, Failure):
            for handle in made:
                handle.remove()
            return Failure(result.failure())
        made.append(result.unwrap())

    def observe(rule: str, seconds: float) -> None:
        histogram.labels(rule=rule).observe(seconds)

    alerts.add_rule_hook(observe)
    return Success(None)
