"""Thresholds: the status of an observed value, from a warn level and a fail level.

A threshold says which way is worse and whether reaching a level exactly
counts, and neither has a default: ``inclusive=True`` means a value equal
to a level is already at that level (``>=`` when higher is worse, ``<=``
when lower is worse); ``inclusive=False`` means it must go past it (``>``
or ``<``). The fail level is looked at first, so a value at both levels
fails.

Rules checked when a threshold is built (all broken ones reported at once):
each level is a finite number or ``None``, at least one is given, and the
warn level comes first on the way to worse (``warn <= fail`` when higher is
worse, ``warn >= fail`` when lower is worse; equal levels mean no warn
band). Then evaluation is monotonic: a worse value never gets a better
status. A reading that is not a number, or is NaN, gets ``fail``: a probe
that cannot measure has not shown health.

>>> cpu = higher_is_worse(warn=80, fail=95, inclusive=True)
>>> cpu
higher_is_worse(warn=80.0, fail=95.0, inclusive=True)
>>> [cpu(value) for value in (10, 80, 94.9, 95)]
[<HealthStatus.PASS: 'pass'>, <HealthStatus.WARN: 'warn'>, <HealthStatus.WARN: 'warn'>, <HealthStatus.FAIL: 'fail'>]
>>> lower_is_worse(warn=10, fail=5, inclusive=False)(5)
<HealthStatus.WARN: 'warn'>
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Final

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import Problems, add, as_number, check_choice, check_finite, describe, invalid
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.values import HealthStatus

_EXACT_INT: Final = 2.0**53


class ThresholdDirection(StrEnum):
    """Which way an observed value gets worse."""

    HIGHER_IS_WORSE = "higher_is_worse"
    LOWER_IS_WORSE = "lower_is_worse"


@frozen(kw_only=True)
class Threshold:
    """A warn level and a fail level on one direction; call it with a value to get its status.

    Build it with :func:`higher_is_worse`, :func:`lower_is_worse` or
    :func:`build_threshold`, which check the rules; the constructor checks
    nothing.
    """

    direction: ThresholdDirection
    warn: float | None
    fail: float | None
    inclusive: bool

    def __call__(self, value: object) -> HealthStatus:
        """The status of ``value``; see :func:`evaluate_threshold`."""
        return evaluate_threshold(self, value)

    def __repr__(self) -> str:
        return f"{self.direction.value}(warn={self.warn!r}, fail={self.fail!r}, inclusive={self.inclusive!r})"


def _check_level(problems: Problems, field: str, value: object) -> tuple[bool, float | None]:
    """``(ok, level)``: a level may legitimately be ``None``."""
    if value is None:
        return True, None
    level = check_finite(problems, field, value)
    # Adding 0.0 turns -0.0 into 0.0, so that the repr reads as people write it.
    return level is not None, None if level is None else level + 0.0


def _check_order(problems: Problems, direction: ThresholdDirection, warn: float, fail: float) -> None:
    if direction is ThresholdDirection.HIGHER_IS_WORSE and warn > fail:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            "warn",
            f"the warn level {warn!r} is above the fail level {fail!r}; when higher is worse, "
            "warn at a lower value than fail (or swap them if lower is worse)",
        )
    if direction is ThresholdDirection.LOWER_IS_WORSE and warn < fail:
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            "warn",
            f"the warn level {warn!r} is below the fail level {fail!r}; when lower is worse, "
            "warn at a higher value than fail (or swap them if higher is worse)",
        )


def build_threshold(
    *,
    direction: object,
    warn: object = None,
    fail: object = None,
    inclusive: object,
) -> Result[Threshold, FlextValidationError]:
    """Check every rule of a threshold (see the module) and build it.

    >>> build_threshold(direction="lower_is_worse", warn=0.1, fail=0.05, inclusive=True).unwrap()
    lower_is_worse(warn=0.1, fail=0.05, inclusive=True)
    >>> print(build_threshold(direction="higher_is_worse", warn=95, fail=80, inclusive=1).failure())
    invalid threshold: warn: the warn level 95.0 is above the fail level 80.0; when higher is worse, \
warn at a lower value than fail (or swap them if lower is worse) [out_of_range]
      inclusive: expected True or False, got a value of type int [wrong_type]
    """
    problems: Problems = []
    checked_direction = check_choice(problems, "direction", direction, ThresholdDirection)
    warn_ok, checked_warn = _check_level(problems, "warn", warn)
    fail_ok, checked_fail = _check_level(problems, "fail", fail)
    if warn is None and fail is None:
        add(problems, FlextErrorCode.MISSING, "fail", "give a warn level, a fail level, or both")
    if checked_direction is not None and checked_warn is not None and checked_fail is not None:
        _check_order(problems, checked_direction, checked_warn, checked_fail)
    if not isinstance(inclusive, bool):
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            "inclusive",
            f"expected True or False, got {describe(inclusive)}",
        )
    if problems or checked_direction is None or not warn_ok or not fail_ok:
        return invalid("threshold", problems)
    return Success(
        Threshold(direction=checked_direction, warn=checked_warn, fail=checked_fail, inclusive=inclusive is True),
    )


def _made(result: Result[Threshold, FlextValidationError]) -> Threshold:
    if isinstance(result, Failure):
        raise result.failure()
    return result.unwrap()


def higher_is_worse(*, warn: float | None = None, fail: float | None = None, inclusive: bool) -> Threshold:
    """A threshold where bigger readings are worse (CPU, latency, used space).

    A broken rule is a set-up mistake: a :class:`FlextValidationError`
    (a ``ValueError``) naming the argument.

    >>> higher_is_worse(warn=90, fail=80, inclusive=True)
    Traceback (most recent call last):
    ...
    flext_observability.FlextValidationError: invalid threshold: warn: the warn level 90.0 is above the fail level \
80.0; when higher is worse, warn at a lower value than fail (or swap them if lower is worse) [out_of_range]
    """
    return _made(
        build_threshold(direction=ThresholdDirection.HIGHER_IS_WORSE, warn=warn, fail=fail, inclusive=inclusive),
    )


def lower_is_worse(*, warn: float | None = None, fail: float | None = None, inclusive: bool) -> Threshold:
    """A threshold where smaller readings are worse (free space, free connections).

    Broken rules raise as for :func:`higher_is_worse`.

    >>> lower_is_worse(fail=float("nan"), inclusive=True)
    Traceback (most recent call last):
    ...
    flext_observability.FlextValidationError: invalid threshold: fail: must be a finite number; NaN and \
infinities cannot be exported [not_finite]
    """
    return _made(
        build_threshold(direction=ThresholdDirection.LOWER_IS_WORSE, warn=warn, fail=fail, inclusive=inclusive),
    )


def reaches_level(threshold: Threshold, value: float, level: float | None) -> bool:
    """Tell whether ``value`` is at or past ``level`` on ``threshold``'s way to worse.

    ``None`` is a level never reached; ``threshold.inclusive`` says whether
    being exactly at the level counts.

    >>> reaches_level(higher_is_worse(fail=1, inclusive=False), 1.0, 1.0)
    False
    """
    if level is None:
        return False
    if threshold.direction is ThresholdDirection.HIGHER_IS_WORSE:
        return value >= level if threshold.inclusive else value > level
    return value <= level if threshold.inclusive else value < level


def evaluate_threshold(threshold: Threshold, value: object) -> HealthStatus:
    """The status of ``value``: ``fail`` at the fail level, else ``warn`` at the warn level, else ``pass``.

    A ``value`` that is not a number (``bool`` included), or is NaN, is
    ``fail``. Infinities compare as the largest and smallest numbers.

    >>> free = lower_is_worse(warn=20, fail=10, inclusive=True)
    >>> evaluate_threshold(free, 10), evaluate_threshold(free, "n/a")
    (<HealthStatus.FAIL: 'fail'>, <HealthStatus.FAIL: 'fail'>)
    """
    given: object = threshold  # callers outside the type checker may pass anything
    if not isinstance(given, Threshold):
        return HealthStatus.FAIL
    number = as_number(value)
    if number is None or math.isnan(number) or reaches_level(threshold, number, threshold.fail):
        return HealthStatus.FAIL
    if reaches_level(threshold, number, threshold.warn):
        return HealthStatus.WARN
    return HealthStatus.PASS


def threshold_output(threshold: Threshold, value: object, unit: str = "") -> str:
    """A one-line ``output`` for a check whose reading ``value`` was judged by ``threshold``; empty on ``pass``.

    >>> disk = higher_is_worse(warn=80, fail=90, inclusive=True)
    >>> threshold_output(disk, 85, "percent")
    '85 percent reached the warn level 80.0 (higher is worse, at or above counts)'
    >>> threshold_output(disk, 12), threshold_output(disk, None)
    ('', 'the reading is not a number, so it cannot be compared with the levels')
    """
    given: tuple[object, object] = (threshold, unit)  # callers outside the type checker may pass anything
    if not isinstance(given[0], Threshold):
        return "no threshold to judge the reading by"
    unit = str.__str__(given[1]) if isinstance(given[1], str) else ""
    status = evaluate_threshold(threshold, value)
    if status is HealthStatus.PASS:
        return ""
    number = as_number(value)
    if number is None or math.isnan(number):
        return "the reading is not a number, so it cannot be compared with the levels"
    level = threshold.fail if status is HealthStatus.FAIL else threshold.warn
    # Ints print as written, unless so large that only their float reads sensibly.
    shown = str(int.__int__(value)) if isinstance(value, int) and abs(number) < _EXACT_INT else repr(number)
    reading = f"{shown} {unit}" if unit else shown
    higher = threshold.direction is ThresholdDirection.HIGHER_IS_WORSE
    way = "higher is worse" if higher else "lower is worse"
    if threshold.inclusive:
        counts = "at or above counts" if higher else "at or below counts"
    else:
        counts = "only above counts" if higher else "only below counts"
    return f"{reading} reached the {status.value} level {level!r} ({way}, {counts})"
