"""``FlextHealthCheck``: one measurement of one component's health.

The fields follow ``application/health+json`` (draft-inadarei-api-health-check):
a check is keyed ``component:measurement`` there, so neither may hold a colon.

>>> check = build_health_check(
...     component="postgres", measurement="connections", status="warn",
...     observed_value=95, observed_unit="connections", output="pool nearly full",
...     time=1_700_000_000.0, duration=0.004,
... ).unwrap()
>>> check.key, check.status
('postgres:connections', <HealthStatus.WARN: 'warn'>)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from attrs import frozen
from returns.result import Result, Success

from flext_observability.core.checks import (
    Problems,
    add,
    check_choice,
    check_finite,
    check_non_negative,
    check_text,
    check_timestamp,
    describe,
    invalid,
)
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.limits import MAX_LABEL_VALUE_LENGTH, MAX_TEXT_LENGTH, MAX_UNIT_LENGTH
from flext_observability.core.records import read_record, wrong_entity
from flext_observability.core.values import HealthStatus

if TYPE_CHECKING:
    from flext_observability.core.records import JsonDict

ObservedValue = None | bool | int | float | str
"""What a health check measured: a number, a flag, a short text, or nothing."""


@frozen(kw_only=True)
class FlextHealthCheck:
    """The result of checking one measurement of one component.

    Instances made by :func:`build_health_check` are valid; the constructor
    itself checks nothing (call :meth:`validate_domain_rules` after using it).
    """

    component: str
    measurement: str = "status"
    status: HealthStatus = HealthStatus.PASS
    observed_value: ObservedValue = None
    observed_unit: str = ""
    output: str = ""
    time: float
    duration: float = 0.0

    @property
    def key(self) -> str:
        """The ``component:measurement`` key of ``application/health+json``."""
        return f"{self.component}:{self.measurement}"

    def validate_domain_rules(self) -> Result[FlextHealthCheck, FlextValidationError]:
        """``Success(self)`` when every rule holds, else every broken rule."""
        return validate_health_check(self)

    def to_dict(self) -> JsonDict:
        """JSON-safe data that :func:`health_check_from_dict` turns back into this check."""
        return {
            "component": self.component,
            "measurement": self.measurement,
            "status": self.status.value,
            "observed_value": self.observed_value,
            "observed_unit": self.observed_unit,
            "output": self.output,
            "time": self.time,
            "duration": self.duration,
        }

    @staticmethod
    def from_dict(data: object) -> Result[FlextHealthCheck, FlextValidationError]:
        """Read a check from :meth:`to_dict` data; see :func:`health_check_from_dict`."""
        return health_check_from_dict(data)


def _check_key_part(problems: Problems, field: str, value: object) -> str | None:
    text = check_text(problems, field, value)
    if text is not None and ":" in text:
        add(
            problems,
            FlextErrorCode.INVALID_NAME,
            field,
            f"{describe(text)} holds ':', which separates component and measurement in "
            "application/health+json; use '_' or '-' instead",
        )
        return None
    return text


def _check_observed(problems: Problems, value: object) -> tuple[bool, ObservedValue]:
    """``(ok, value)``: the observed value may legitimately be ``None``."""
    if value is None or isinstance(value, bool):
        return True, value
    if isinstance(value, int | float):
        number = check_finite(problems, "observed_value", value)
        if number is None:
            return False, None
        return True, int.__int__(value) if isinstance(value, int) else number
    text = check_text(problems, "observed_value", value, max_length=MAX_LABEL_VALUE_LENGTH, allow_empty=True)
    return text is not None, text


def build_health_check(  # noqa: PLR0913 - one argument per field, all keyword-only
    *,
    component: object,
    measurement: object = "status",
    status: object = HealthStatus.PASS,
    observed_value: object = None,
    observed_unit: object = "",
    output: object = "",
    time: object,
    duration: object = 0.0,
) -> Result[FlextHealthCheck, FlextValidationError]:
    """Check every rule on the given fields and build a :class:`FlextHealthCheck`."""
    problems: Problems = []
    checked_component = _check_key_part(problems, "component", component)
    checked_measurement = _check_key_part(problems, "measurement", measurement)
    checked_status = check_choice(problems, "status", status, HealthStatus)
    observed_ok, checked_observed = _check_observed(problems, observed_value)
    checked_unit = check_text(problems, "observed_unit", observed_unit, max_length=MAX_UNIT_LENGTH, allow_empty=True)
    checked_output = check_text(problems, "output", output, max_length=MAX_TEXT_LENGTH, allow_empty=True)
    checked_time = check_timestamp(problems, "time", time)
    checked_duration = check_non_negative(problems, "duration", duration)
    if (
        problems
        or not observed_ok
        or checked_component is None
        or checked_measurement is None
        or checked_status is None
        or checked_unit is None
        or checked_output is None
        or checked_time is None
        or checked_duration is None
    ):
        return invalid("health_check", problems)
    return Success(
        FlextHealthCheck(
            component=checked_component,
            measurement=checked_measurement,
            status=checked_status,
            observed_value=checked_observed,
            observed_unit=checked_unit,
            output=checked_output,
            time=checked_time,
            duration=checked_duration,
        ),
    )


_HEALTH_REQUIRED: Final = ("component", "time")
_HEALTH_OPTIONAL: Final = ("measurement", "status", "observed_value", "observed_unit", "output", "duration")


def validate_health_check(check: object) -> Result[FlextHealthCheck, FlextValidationError]:
    """``Success(check)`` when ``check`` is a valid :class:`FlextHealthCheck`."""
    if not isinstance(check, FlextHealthCheck):
        return wrong_entity("health_check", check, "FlextHealthCheck")
    fields = {name: getattr(check, name) for name in _HEALTH_REQUIRED + _HEALTH_OPTIONAL}
    return build_health_check(**fields).map(lambda _: check)


def health_check_from_dict(data: object) -> Result[FlextHealthCheck, FlextValidationError]:
    """Read a check from :meth:`FlextHealthCheck.to_dict` data, checking every rule."""
    return read_record(
        "health_check",
        data,
        build_health_check,
        required=_HEALTH_REQUIRED,
        optional=_HEALTH_OPTIONAL,
    )
