"""Health as metrics: each check's last status, how long runs take, and how often they time out.

:func:`register_health_metrics` joins a :class:`FlextHealthService` to a
:class:`FlextMetricsService`:

- ``flext_health_check_status{component,measurement}``: a gauge read at
  scrape time from the service's last results: 1 ``pass``, 0.5 ``warn``,
  0 ``fail`` (the check's own status, so a failing non-critical cache shows
  0 while the report is ``warn``). A check that never ran has no sample; two
  checks under one key (different ``component_id``) show the worse.
- ``flext_health_check_duration_seconds{component,measurement}``: a
  histogram fed by every finished run (the service's run hook), a timed-out
  run with the time it was waited for.
- ``flext_health_check_timeouts_total{component,measurement}``: a counter
  read at scrape time from the service's count of runs that outlived their
  timeout.

The readers hold the health service weakly: once it is gone they report
nothing. Scraping never runs a check.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Final

from returns.result import Failure, Result, Success

from flext_observability.core.checks import describe
from flext_observability.core.health.report import status_score

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.core.errors import FlextValidationError
    from flext_observability.shell.health.service import FlextHealthService, HealthRun
    from flext_observability.shell.metrics.service import FlextMetricsService

HEALTH_CHECK_STATUS: Final = "flext_health_check_status"
HEALTH_CHECK_DURATION: Final = "flext_health_check_duration_seconds"
HEALTH_CHECK_TIMEOUTS: Final = "flext_health_check_timeouts_total"

DURATION_BUCKETS: Final = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds of the duration histogram, seconds: from a cache ping to a slow dependency."""

_LABELS: Final = ("component", "measurement")


def register_health_metrics(
    health: FlextHealthService, metrics: FlextMetricsService
) -> Result[None, FlextValidationError]:
    """Expose ``health``'s checks as the three metrics of the module, in ``metrics``.

    A ``Failure`` when ``metrics`` refuses a definition (its name is taken by
    another kind); nothing is hooked up then.
    """
    given: tuple[object, object] = (health, metrics)  # callers outside the type checker may pass anything
    if not callable(getattr(given[0], "add_run_hook", None)) or not callable(getattr(given[0], "states", None)):
        message = f"health must be a FlextHealthService, not {describe(given[0])}"
        raise TypeError(message)
    if not all(callable(getattr(given[1], name, None)) for name in ("histogram", "gauge_callback", "counter_callback")):
        message = f"metrics must be a FlextMetricsService, not {describe(given[1])}"
        raise TypeError(message)
    ref = weakref.ref(health)
    duration = metrics.histogram(
        HEALTH_CHECK_DURATION,
        "Seconds each health check run took (a timed-out run: the time it was waited for).",
        unit="seconds",
        labels=_LABELS,
        buckets=DURATION_BUCKETS,
    )
    if isinstance(duration, Failure):
        return Failure(duration.failure())
    histogram = duration.unwrap()

    status = metrics.gauge_callback(
        HEALTH_CHECK_STATUS,
        "Last result of each health check: 1 pass, 0.5 warn, 0 fail.",
        _status_reader(ref),
        labels=_LABELS,
    )
    if isinstance(status, Failure):
        return Failure(status.failure())
    timeouts = metrics.counter_callback(
        HEALTH_CHECK_TIMEOUTS,
        "Health check runs that outlived their timeout.",
        _timeouts_reader(ref),
        labels=_LABELS,
    )
    if isinstance(timeouts, Failure):
        status.unwrap().remove()
        return Failure(timeouts.failure())

    def observe(run: HealthRun) -> None:
        histogram.labels(component=run.plan.component, measurement=run.plan.measurement).observe(run.duration)

    health.add_run_hook(observe)
    return Success(None)


def _status_reader(ref: weakref.ref[FlextHealthService]) -> Callable[[], object]:
    def read() -> object:
        alive = ref()
        if alive is None:
            return ()
        worst: dict[tuple[str, str], float] = {}
        for state in alive.states():
            if state.last is not None:
                key = (state.plan.component, state.plan.measurement)
                score = status_score(state.last.check.status)
                worst[key] = min(score, worst.get(key, score))
        return [({"component": key[0], "measurement": key[1]}, score) for key, score in worst.items()]

    return read


def _timeouts_reader(ref: weakref.ref[FlextHealthService]) -> Callable[[], object]:
    def read() -> object:
        alive = ref()
        if alive is None:
            return ()
        return [
            ({"component": state.plan.component, "measurement": state.plan.measurement}, state.timeouts)
            for state in alive.states()
        ]

    return read
