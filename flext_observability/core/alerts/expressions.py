"""Alert expressions: what a rule asks of the metrics, checked once when it is made.

Each factory checks every argument and returns ``Success(expression)`` or a
``Failure`` naming each broken one. An expression is a small frozen plan;
:func:`~flext_observability.core.alerts.queries.evaluate_expression` reads
it over a history of snapshots and yields the series for which it holds,
one value each, like the result of a PromQL alerting expression.

- :func:`threshold`: a gauge's (or a counter's) current value compared with a number;
- :func:`increase_over` and :func:`rate_over`: how much a counter grew in a window,
  in total or per second, compared with a number;
- :func:`quantile_over`: a histogram's quantile over a window, compared with a number;
- :func:`absent`: no series of a metric matches (then one element fires);
- :func:`stale_for`: a series whose state has not changed for a duration;
- :func:`health_check_status`: health checks at a status or worse.

The repr of an expression is the call that makes it; its ``str`` is a
PromQL-like line for messages:

>>> deep = threshold("queue_depth", ">", 100, matchers={"queue": "orders"}).unwrap()
>>> deep
threshold('queue_depth', '>', 100.0, matchers=[('queue', '=', 'orders')])
>>> print(deep)
queue_depth{queue="orders"} > 100
>>> print(rate_over("rows_total", "<", 0.5, window=300).unwrap())
rate(rows_total[300s]) < 0.5
>>> for error in quantile_over("latency_seconds", "=>", 1, q=1.5, window=0).failure().errors:
...     print(error)
comparison: got '=>'; use one of: >, >=, <, <=, ==, != [invalid_choice]
q: a quantile is a number from 0 to 1, got 1.5 [out_of_range]
window: must be more than 0 seconds, got 0.0 [out_of_range]
"""

from __future__ import annotations

import math
import operator
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from attrs import frozen
from returns.result import Result, Success

from flext_observability.core.alerts.matchers import (
    LabelMatcher,
    MatchOp,
    check_matchers,
    is_well_formed_matcher,
    matchers_repr,
    matchers_text,
)
from flext_observability.core.checks import (
    Problems,
    add,
    check_choice,
    check_finite,
    check_metric_name,
    check_text,
    invalid,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.limits import MAX_LABEL_VALUE_LENGTH
from flext_observability.core.values import HealthStatus

if TYPE_CHECKING:
    from collections.abc import Callable

HEALTH_CHECK_STATUS_METRIC: Final = "flext_health_check_status"
"""The gauge the health metrics expose: 1 ``pass``, 0.5 ``warn``, 0 ``fail``, by component and measurement."""

_HEALTH_LEVELS: Final = {HealthStatus.WARN: 0.5, HealthStatus.FAIL: 0.0}
_ENTITY: Final = "expression"


class Comparison(StrEnum):
    """How a series' value is compared with a rule's number (the PromQL comparison operators)."""

    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    EQ = "=="
    NE = "!="

    def holds(self, left: float, right: float) -> bool:
        """Tell whether ``left <op> right``; NaN compares as Go and PromQL do (only ``!=`` holds).

        >>> Comparison.GE.holds(2.0, 2.0), Comparison.NE.holds(float("nan"), 1.0)
        (True, True)
        """
        return _OPERATORS[self](left, right)


_OPERATORS: Final[dict[Comparison, Callable[[float, float], bool]]] = {
    Comparison.GT: operator.gt,
    Comparison.GE: operator.ge,
    Comparison.LT: operator.lt,
    Comparison.LE: operator.le,
    Comparison.EQ: operator.eq,
    Comparison.NE: operator.ne,
}


def show_number(number: float) -> str:
    """A number as people write it in a rule: ``100`` rather than ``100.0``.

    >>> show_number(100.0), show_number(0.25), show_number(1e21)
    ('100', '0.25', '1e+21')
    """
    text = repr(number)
    return text.removesuffix(".0")


@frozen(kw_only=True)
class ThresholdExpression:
    """The current value of a gauge (or a counter) compared with ``value``; see :func:`threshold`."""

    metric: str
    comparison: Comparison
    value: float
    matchers: tuple[LabelMatcher, ...] = ()

    def __repr__(self) -> str:
        args = f"{self.metric!r}, {self.comparison.value!r}, {self.value!r}"
        return f"threshold({args}{matchers_repr(self.matchers)})"

    def __str__(self) -> str:
        return f"{self.metric}{matchers_text(self.matchers)} {self.comparison.value} {show_number(self.value)}"


@frozen(kw_only=True)
class IncreaseExpression:
    """How much a counter grew over ``window`` seconds, compared with ``value``; see :func:`increase_over`."""

    metric: str
    comparison: Comparison
    value: float
    window: float
    matchers: tuple[LabelMatcher, ...] = ()

    def __repr__(self) -> str:
        args = f"{self.metric!r}, {self.comparison.value!r}, {self.value!r}, window={self.window!r}"
        return f"increase_over({args}{matchers_repr(self.matchers)})"

    def __str__(self) -> str:
        selector = f"{self.metric}{matchers_text(self.matchers)}[{show_number(self.window)}s]"
        return f"increase({selector}) {self.comparison.value} {show_number(self.value)}"


@frozen(kw_only=True)
class RateExpression:
    """How fast a counter grew over ``window`` seconds, per second, compared with ``value``; see :func:`rate_over`."""

    metric: str
    comparison: Comparison
    value: float
    window: float
    matchers: tuple[LabelMatcher, ...] = ()

    def __repr__(self) -> str:
        args = f"{self.metric!r}, {self.comparison.value!r}, {self.value!r}, window={self.window!r}"
        return f"rate_over({args}{matchers_repr(self.matchers)})"

    def __str__(self) -> str:
        selector = f"{self.metric}{matchers_text(self.matchers)}[{show_number(self.window)}s]"
        return f"rate({selector}) {self.comparison.value} {show_number(self.value)}"


@frozen(kw_only=True)
class QuantileExpression:
    """A histogram's ``q``-quantile over ``window`` seconds compared with ``value``; see :func:`quantile_over`."""

    metric: str
    comparison: Comparison
    value: float
    q: float
    window: float
    matchers: tuple[LabelMatcher, ...] = ()

    def __repr__(self) -> str:
        args = f"{self.metric!r}, {self.comparison.value!r}, {self.value!r}, q={self.q!r}, window={self.window!r}"
        return f"quantile_over({args}{matchers_repr(self.matchers)})"

    def __str__(self) -> str:
        selector = f"{self.metric}{matchers_text(self.matchers)}[{show_number(self.window)}s]"
        level = show_number(self.q)
        return f"histogram_quantile({level}, increase({selector})) {self.comparison.value} {show_number(self.value)}"


@frozen(kw_only=True)
class AbsentExpression:
    """No series of ``metric`` matches ``matchers`` in the latest snapshot; see :func:`absent`."""

    metric: str
    matchers: tuple[LabelMatcher, ...] = ()

    def __repr__(self) -> str:
        return f"absent({self.metric!r}{matchers_repr(self.matchers)})"

    def __str__(self) -> str:
        return f"absent({self.metric}{matchers_text(self.matchers)})"


@frozen(kw_only=True)
class StaleExpression:
    """A series whose state has not changed for ``duration`` seconds; see :func:`stale_for`."""

    metric: str
    duration: float
    matchers: tuple[LabelMatcher, ...] = ()

    def __repr__(self) -> str:
        return f"stale_for({self.metric!r}, duration={self.duration!r}{matchers_repr(self.matchers)})"

    def __str__(self) -> str:
        return f"unchanged_seconds({self.metric}{matchers_text(self.matchers)}) >= {show_number(self.duration)}"


@frozen(kw_only=True)
class HealthCheckExpression:
    """Health checks at ``status`` or worse, by their status gauge; see :func:`health_check_status`."""

    status: HealthStatus
    component: str | None = None
    measurement: str | None = None

    @property
    def matchers(self) -> tuple[LabelMatcher, ...]:
        """The ``=`` matchers on the gauge's ``component`` and ``measurement`` labels that were given."""
        pairs = (("component", self.component), ("measurement", self.measurement))
        return tuple(
            LabelMatcher(name=name, op=MatchOp.EQUAL, value=value) for name, value in pairs if value is not None
        )

    @property
    def level(self) -> float:
        """The highest gauge value that counts: 0.5 for ``warn`` (warn or fail), 0 for ``fail``."""
        return _HEALTH_LEVELS[self.status]

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={value!r}"
            for name, value in (("component", self.component), ("measurement", self.measurement))
            if value is not None
        )
        return f"health_check_status({self.status.value!r}{extra})"

    def __str__(self) -> str:
        return f"{HEALTH_CHECK_STATUS_METRIC}{matchers_text(self.matchers)} <= {show_number(self.level)}"


Expression = (
    ThresholdExpression
    | IncreaseExpression
    | RateExpression
    | QuantileExpression
    | AbsentExpression
    | StaleExpression
    | HealthCheckExpression
)
"""Any alert expression made by the factories of this module."""

EXPRESSION_TYPES: Final = (
    ThresholdExpression,
    IncreaseExpression,
    RateExpression,
    QuantileExpression,
    AbsentExpression,
    StaleExpression,
    HealthCheckExpression,
)

EXPRESSION_HELP: Final = (
    "expected an expression made by threshold(), increase_over(), rate_over(), quantile_over(), absent(), "
    "stale_for() or health_check_status()"
)


def _check_positive(problems: Problems, field: str, value: object) -> float | None:
    number = check_finite(problems, field, value)
    if number is not None and number <= 0:
        add(problems, FlextErrorCode.OUT_OF_RANGE, field, f"must be more than 0 seconds, got {number!r}")
        return None
    return number


def _check_quantile(problems: Problems, value: object) -> float | None:
    number = check_finite(problems, "q", value)
    if number is not None and not 0.0 <= number <= 1.0:
        add(problems, FlextErrorCode.OUT_OF_RANGE, "q", f"a quantile is a number from 0 to 1, got {number!r}")
        return None
    return number


def threshold(
    metric: object,
    comparison: object,
    value: object,
    *,
    matchers: object = None,
) -> Result[ThresholdExpression, FlextValidationError]:
    """Series of a gauge (or counter) whose current value compares with ``value`` as ``comparison`` says.

    ``metric`` is the family name (a counter with or without ``_total``);
    ``comparison`` one of ``>``, ``>=``, ``<``, ``<=``, ``==``, ``!=``;
    ``value`` a finite number; ``matchers`` as
    :func:`~flext_observability.core.alerts.matchers.check_matchers` reads them.

    >>> [error.field for error in threshold("queue depth", "gt", float("nan"), matchers=5).failure().errors]
    ['metric', 'comparison', 'value', 'matchers']
    """
    problems: Problems = []
    checked_metric = check_metric_name(problems, "metric", metric)
    checked_comparison = check_choice(problems, "comparison", comparison, Comparison)
    checked_value = check_finite(problems, "value", value)
    checked_matchers = check_matchers(problems, "matchers", matchers)
    if problems or checked_metric is None or checked_comparison is None or checked_value is None:
        return invalid(_ENTITY, problems)
    return Success(
        ThresholdExpression(
            metric=checked_metric,
            comparison=checked_comparison,
            value=checked_value,
            matchers=checked_matchers or (),
        ),
    )


def increase_over(
    metric: object,
    comparison: object,
    value: object,
    *,
    window: object,
    matchers: object = None,
) -> Result[IncreaseExpression, FlextValidationError]:
    """Series of a counter whose increase over the last ``window`` seconds compares with ``value``.

    The increase is summed over the consecutive samples of the series inside
    the window, so a counter reset (a restart) does not hide what was
    counted; it is not extrapolated to the window's edges. A series needs
    two samples in the window to have a value.

    >>> increase_over("rows_total", "==", 0, window=600).unwrap()
    increase_over('rows_total', '==', 0.0, window=600.0)
    """
    problems: Problems = []
    checked_metric = check_metric_name(problems, "metric", metric)
    checked_comparison = check_choice(problems, "comparison", comparison, Comparison)
    checked_value = check_finite(problems, "value", value)
    checked_window = _check_positive(problems, "window", window)
    checked_matchers = check_matchers(problems, "matchers", matchers)
    if (
        problems
        or checked_metric is None
        or checked_comparison is None
        or checked_value is None
        or checked_window is None
    ):
        return invalid(_ENTITY, problems)
    return Success(
        IncreaseExpression(
            metric=checked_metric,
            comparison=checked_comparison,
            value=checked_value,
            window=checked_window,
            matchers=checked_matchers or (),
        ),
    )


def rate_over(
    metric: object,
    comparison: object,
    value: object,
    *,
    window: object,
    matchers: object = None,
) -> Result[RateExpression, FlextValidationError]:
    """Series of a counter whose per-second rate over the last ``window`` seconds compares with ``value``.

    The rate is the increase (as :func:`increase_over` sums it) divided by
    the seconds between the first and the last sample of the series in the
    window: the rate actually seen, not extrapolated.

    >>> print(rate_over("errors_total", ">", 1, window=60, matchers=[("code", "=~", "5..")]).unwrap())
    rate(errors_total{code=~"5.."}[60s]) > 1
    """
    checked = increase_over(metric, comparison, value, window=window, matchers=matchers)
    return checked.map(_as_rate)


def _as_rate(expression: IncreaseExpression) -> RateExpression:
    return RateExpression(
        metric=expression.metric,
        comparison=expression.comparison,
        value=expression.value,
        window=expression.window,
        matchers=expression.matchers,
    )


def quantile_over(
    metric: object,
    comparison: object,
    value: object,
    *,
    q: object,
    window: object,
    matchers: object = None,
) -> Result[QuantileExpression, FlextValidationError]:
    """Series of a histogram whose ``q``-quantile over the last ``window`` seconds compares with ``value``.

    The buckets' increases over the window (reset-aware, as for counters)
    are read by :func:`~flext_observability.core.metrics.aggregation.histogram_quantile`.
    A window without observations gives NaN, which no comparison but ``!=``
    accepts.

    >>> print(quantile_over("latency_seconds", ">", 0.5, q=0.99, window=300).unwrap())
    histogram_quantile(0.99, increase(latency_seconds[300s])) > 0.5
    """
    problems: Problems = []
    checked_metric = check_metric_name(problems, "metric", metric)
    checked_comparison = check_choice(problems, "comparison", comparison, Comparison)
    checked_value = check_finite(problems, "value", value)
    checked_q = _check_quantile(problems, q)
    checked_window = _check_positive(problems, "window", window)
    checked_matchers = check_matchers(problems, "matchers", matchers)
    if (
        problems
        or checked_metric is None
        or checked_comparison is None
        or checked_value is None
        or checked_q is None
        or checked_window is None
    ):
        return invalid(_ENTITY, problems)
    return Success(
        QuantileExpression(
            metric=checked_metric,
            comparison=checked_comparison,
            value=checked_value,
            q=checked_q,
            window=checked_window,
            matchers=checked_matchers or (),
        ),
    )


def absent(metric: object, *, matchers: object = None) -> Result[AbsentExpression, FlextValidationError]:
    """One element when no series of ``metric`` matches ``matchers`` in the latest snapshot.

    Its labels are those of the ``=`` matchers with a non-empty value (a
    label named by two ``=`` matchers is left out), and its value is 1, as
    PromQL's ``absent()`` gives.

    >>> print(absent("rows_total", matchers={"tap": "pg"}).unwrap())
    absent(rows_total{tap="pg"})
    """
    problems: Problems = []
    checked_metric = check_metric_name(problems, "metric", metric)
    checked_matchers = check_matchers(problems, "matchers", matchers)
    if problems or checked_metric is None:
        return invalid(_ENTITY, problems)
    return Success(AbsentExpression(metric=checked_metric, matchers=checked_matchers or ()))


def stale_for(
    metric: object,
    *,
    duration: object,
    matchers: object = None,
) -> Result[StaleExpression, FlextValidationError]:
    """Series whose state has not changed for at least ``duration`` seconds; the value is how long.

    The value is the seconds from the first sample showing the series'
    current state to now. When the whole history shows that state, it is
    the age of the oldest sample, and it counts only once the history
    reaches back ``duration`` seconds: without that, staleness is unknown.

    >>> stale_for("last_success_timestamp_seconds", duration=3600).unwrap()
    stale_for('last_success_timestamp_seconds', duration=3600.0)
    """
    problems: Problems = []
    checked_metric = check_metric_name(problems, "metric", metric)
    checked_duration = _check_positive(problems, "duration", duration)
    checked_matchers = check_matchers(problems, "matchers", matchers)
    if problems or checked_metric is None or checked_duration is None:
        return invalid(_ENTITY, problems)
    return Success(StaleExpression(metric=checked_metric, duration=checked_duration, matchers=checked_matchers or ()))


def _check_label_value(problems: Problems, field: str, value: object) -> tuple[bool, str | None]:
    if value is None:
        return True, None
    text = check_text(problems, field, value, max_length=MAX_LABEL_VALUE_LENGTH)
    return text is not None, text


def health_check_status(
    status: object = HealthStatus.FAIL,
    *,
    component: object = None,
    measurement: object = None,
) -> Result[HealthCheckExpression, FlextValidationError]:
    """Health checks whose last status is ``status`` (``"warn"`` or ``"fail"``) or worse.

    It reads the gauge ``flext_health_check_status{component,measurement}``
    (1 pass, 0.5 warn, 0 fail); ``component`` and ``measurement`` narrow it
    to one check. The value is the gauge's.

    >>> health_check_status("warn", component="postgres").unwrap()
    health_check_status('warn', component='postgres')
    >>> print(health_check_status("pass").failure())
    invalid expression: status: every check is at 'pass' or worse, so this would always fire; \
use 'warn' or 'fail' [out_of_range]
    """
    problems: Problems = []
    checked_status = check_choice(problems, "status", status, HealthStatus)
    if checked_status is HealthStatus.PASS:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            "status",
            "every check is at 'pass' or worse, so this would always fire; use 'warn' or 'fail'",
        )
    component_ok, checked_component = _check_label_value(problems, "component", component)
    measurement_ok, checked_measurement = _check_label_value(problems, "measurement", measurement)
    if problems or checked_status is None or not component_ok or not measurement_ok:
        return invalid(_ENTITY, problems)
    return Success(
        HealthCheckExpression(status=checked_status, component=checked_component, measurement=checked_measurement),
    )


def _is_number(value: object) -> bool:
    return type(value) is float and math.isfinite(value)


def _is_matchers(value: object) -> bool:
    return type(value) is tuple and all(is_well_formed_matcher(matcher) for matcher in value)


def _is_optional_text(value: object) -> bool:
    return value is None or type(value) is str


def is_well_formed_expression(expression: object) -> bool:
    """Tell whether ``expression`` is one the factories of this module make (not built or changed by hand).

    >>> is_well_formed_expression(absent("up").unwrap()), is_well_formed_expression("up == 0")
    (True, False)
    """
    # Exact types only: a subclass could override the methods evaluation and messages call.
    if type(expression) is HealthCheckExpression:
        status: object = expression.status
        return (
            isinstance(status, HealthStatus)
            and status in _HEALTH_LEVELS
            and _is_optional_text(expression.component)
            and _is_optional_text(expression.measurement)
        )
    if isinstance(expression, AbsentExpression | StaleExpression):
        return (
            type(expression.metric) is str
            and _is_matchers(expression.matchers)
            and (isinstance(expression, AbsentExpression) or _is_number(expression.duration))
        )
    if not isinstance(expression, ThresholdExpression | IncreaseExpression | RateExpression | QuantileExpression):
        return False
    comparison: object = expression.comparison
    return (
        type(expression.metric) is str
        and _is_matchers(expression.matchers)
        and isinstance(comparison, Comparison)
        and _is_number(expression.value)
        and (isinstance(expression, ThresholdExpression) or _is_number(expression.window))
        and (not isinstance(expression, QuantileExpression) or _is_number(expression.q))
    )
