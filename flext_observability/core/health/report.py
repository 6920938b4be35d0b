"""Aggregating health checks into one report, and the report's HTTP status.

Criticality belongs to the registration of a check, not to what the check
measured, so it is not a field of :class:`FlextHealthCheck`: a
:class:`HealthOutcome` pairs a check's result with how it counts (critical or
not) and with the component facts that the registration knows
(``componentType``, ``componentId``). A bare :class:`FlextHealthCheck` given
to :func:`aggregate` counts as critical.

The rule, with the statuses ordered ``pass < warn < fail``:

- a critical check counts with its own status, a non-critical one with at
  most ``warn`` (its ``fail`` counts as ``warn``);
- the report's status is the worst counted status, and ``pass`` when there
  is no check at all;
- ``pass`` and ``warn`` are served as HTTP 200, ``fail`` as HTTP 503.

The worst of a set does not depend on its order, so neither does the status.
Each check keeps its own status in the report (a failing optional cache
still shows ``fail``); only the overall status is softened.

>>> from flext_observability.core.health.check import build_health_check
>>> ok = build_health_check(component="app", status="pass", time=0.0).unwrap()
>>> cache = build_health_check(component="cache", status="fail", time=0.0).unwrap()
>>> report = aggregate([ok, HealthOutcome(check=cache, critical=False)], time=0.0)
>>> report.status, report.http_status
(<HealthStatus.WARN: 'warn'>, 200)
>>> aggregate([ok, cache], time=0.0).http_status
503
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from attrs import field, frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import Problems, add, check_text, describe, invalid
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.health.check import FlextHealthCheck, validate_health_check
from flext_observability.core.limits import MAX_TIMESTAMP
from flext_observability.core.records import nest_errors
from flext_observability.core.values import HealthStatus

_RANK: Final = {HealthStatus.PASS: 0, HealthStatus.WARN: 1, HealthStatus.FAIL: 2}
_HTTP_STATUS: Final = {HealthStatus.PASS: 200, HealthStatus.WARN: 200, HealthStatus.FAIL: 503}
_SCORE: Final = {HealthStatus.PASS: 1.0, HealthStatus.WARN: 0.5, HealthStatus.FAIL: 0.0}


@frozen(kw_only=True)
class HealthOutcome:
    """One check's result, with how it counts and what the registration knows of its component.

    ``critical`` is ``True`` unless said otherwise: a check counts fully
    until its registration softens it. ``component_type`` (the draft names
    ``component``, ``datastore`` and ``system``, or a URI) and
    ``component_id`` (which instance was checked) are shown in the document
    only when not empty. Build one with :func:`build_health_outcome` to have
    every rule checked; the constructor checks nothing.
    """

    check: FlextHealthCheck
    critical: bool = True
    component_type: str = ""
    component_id: str = ""

    @property
    def key(self) -> str:
        """The ``component:measurement`` key of the check."""
        return self.check.key

    @property
    def status(self) -> HealthStatus:
        """The status this outcome counts with; see :func:`effective_status`."""
        return effective_status(self)


def build_health_outcome(
    check: object,
    *,
    critical: object = True,
    component_type: object = "",
    component_id: object = "",
) -> Result[HealthOutcome, FlextValidationError]:
    """Check every rule of a check and of its registration facts, and pair them.

    The check's own problems are reported under ``check.``.

    >>> from flext_observability.core.health.check import build_health_check
    >>> check = build_health_check(component="postgres", time=0.0).unwrap()
    >>> build_health_outcome(check, critical=False, component_type="datastore").unwrap().critical
    False
    >>> print(build_health_outcome("up", critical="no").failure())
    invalid health_outcome: check: expected a FlextHealthCheck, got 'up' [wrong_type]
      critical: expected True or False, got 'no' [wrong_type]
    """
    problems: Problems = []
    checked: FlextHealthCheck | None = None
    if isinstance(check, FlextHealthCheck):
        validated = validate_health_check(check)
        if isinstance(validated, Failure):
            nest_errors(problems, "check", validated.failure())
        else:
            checked = validated.unwrap()
    else:
        add(problems, FlextErrorCode.WRONG_TYPE, "check", f"expected a FlextHealthCheck, got {describe(check)}")
    if not isinstance(critical, bool):
        add(problems, FlextErrorCode.WRONG_TYPE, "critical", f"expected True or False, got {describe(critical)}")
    checked_type = check_text(problems, "component_type", component_type, allow_empty=True)
    checked_id = check_text(problems, "component_id", component_id, allow_empty=True)
    if problems or checked is None or checked_type is None or checked_id is None:
        return invalid("health_outcome", problems)
    return Success(
        HealthOutcome(
            check=checked,
            critical=critical is True,
            component_type=checked_type,
            component_id=checked_id,
        ),
    )


def effective_status(outcome: HealthOutcome) -> HealthStatus:
    """The status ``outcome`` counts with: its own, except that a non-critical ``fail`` counts as ``warn``.

    >>> from flext_observability.core.health.check import build_health_check
    >>> down = build_health_check(component="cache", status="fail", time=0.0).unwrap()
    >>> effective_status(HealthOutcome(check=down, critical=False))
    <HealthStatus.WARN: 'warn'>
    """
    given: object = outcome  # callers outside the type checker may pass anything
    if not isinstance(given, HealthOutcome):
        return HealthStatus.FAIL
    status = outcome.check.status
    if status is HealthStatus.FAIL and not outcome.critical:
        return HealthStatus.WARN
    return status


def combine_statuses(statuses: Iterable[HealthStatus]) -> HealthStatus:
    """The worst of ``statuses`` (``pass < warn < fail``), or ``pass`` for none.

    >>> combine_statuses([HealthStatus.PASS, HealthStatus.WARN]), combine_statuses([])
    (<HealthStatus.WARN: 'warn'>, <HealthStatus.PASS: 'pass'>)
    """
    return max(statuses, key=_RANK.__getitem__, default=HealthStatus.PASS)


def http_status(status: HealthStatus) -> int:
    """The HTTP status code that serves ``status``: 200 for ``pass`` and ``warn``, 503 for ``fail``.

    A ``warn`` is still healthy enough for traffic; only ``fail`` tells a
    load balancer or a Kubernetes probe to stay away.

    >>> [http_status(status) for status in HealthStatus]
    [200, 200, 503]
    """
    given: object = status  # anything but a status is served as a failure
    return _HTTP_STATUS[status] if isinstance(given, HealthStatus) else _HTTP_STATUS[HealthStatus.FAIL]


def status_score(status: HealthStatus) -> float:
    """``status`` as a gauge value: 1 for ``pass``, 0.5 for ``warn``, 0 for ``fail``.

    >>> [status_score(status) for status in HealthStatus]
    [1.0, 0.5, 0.0]
    """
    given: object = status  # anything but a status scores as a failure
    return _SCORE[status] if isinstance(given, HealthStatus) else _SCORE[HealthStatus.FAIL]


def _failed(output: str) -> HealthOutcome:
    return HealthOutcome(check=FlextHealthCheck(component="health", status=HealthStatus.FAIL, output=output, time=0.0))


def _as_outcome(item: object) -> HealthOutcome:
    if isinstance(item, HealthOutcome):
        return item
    if isinstance(item, FlextHealthCheck):
        return HealthOutcome(check=item)
    return _failed(f"not a health check: {describe(item)}")


def _report_time(time: object) -> float:
    if isinstance(time, float):
        return float.__float__(time)
    if isinstance(time, int) and not isinstance(time, bool) and abs(int.__int__(time)) <= MAX_TIMESTAMP:
        return float(int.__int__(time))
    return 0.0


@frozen(kw_only=True)
class HealthReport:
    """The outcomes of one run of health checks, their overall status, and when the run ended.

    ``status`` is not an argument: it is derived from ``outcomes`` (see the
    module's rule), so a report can never disagree with its checks.
    ``time`` is seconds since the epoch, as the caller's clock gave it.
    """

    outcomes: tuple[HealthOutcome, ...]
    time: float
    status: HealthStatus = field(init=False)

    @status.default
    def _status_of_outcomes(self) -> HealthStatus:
        given: object = self.outcomes
        if type(given) is not tuple or not all(isinstance(outcome, HealthOutcome) for outcome in given):
            message = f"outcomes must be a tuple of HealthOutcome (see aggregate), not {describe(given)}"
            raise TypeError(message)
        return combine_statuses(outcome.status for outcome in self.outcomes)

    @property
    def http_status(self) -> int:
        """The HTTP status code that serves this report; see :func:`http_status`."""
        return http_status(self.status)

    @property
    def checks(self) -> tuple[FlextHealthCheck, ...]:
        """The checks of the outcomes, in the order given."""
        return tuple(outcome.check for outcome in self.outcomes)


def aggregate(checks: Iterable[HealthOutcome | FlextHealthCheck], *, time: float) -> HealthReport:
    """The report of ``checks`` at ``time``; a bare :class:`FlextHealthCheck` counts as critical.

    The outcomes keep the order given (the document groups them by key);
    the status does not depend on it.

    >>> from flext_observability.core.health.check import build_health_check
    >>> warm = build_health_check(component="cpu", status="warn", time=5.0).unwrap()
    >>> report = aggregate([warm], time=6.0)
    >>> report.status, report.outcomes[0].critical, report.time
    (<HealthStatus.WARN: 'warn'>, True, 6.0)
    """
    try:
        items: tuple[object, ...] = tuple(checks)
    except Exception as error:  # noqa: BLE001 - checks that cannot be read make a failed report, never a raise
        items = (_failed(f"the checks could not be read: {type(error).__name__}"),)
    return HealthReport(outcomes=tuple(_as_outcome(item) for item in items), time=_report_time(time))
