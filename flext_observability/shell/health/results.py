"""Reading what a check gave back (or raised) as one valid ``FlextHealthCheck``.

A check may return a :class:`FlextHealthCheck`, a ``Result`` of one, or a
``bool``; anything else, an invalid check and an exception are a ``fail``
that says what happened. The service stamps every result: ``component`` and
``measurement`` come from the plan (the registration owns the key, so a check
cannot report under another's name), ``time`` from the service's clock and
``duration`` from the run. So a check may build its result with any valid
``time`` (``0.0`` will do).

Every ``output`` passes the redaction policy and is cut to the core's text
limit: an exception's message or a driver's error can hold a DSN with its
password. An exception's ``output`` names its type, then the redacted
message.

>>> from flext_observability.core.redaction import DEFAULT_POLICY
>>> from flext_observability.shell.health.plan import health_check_plan
>>> plan = health_check_plan(lambda: True, component="db")
>>> error = ConnectionError("cannot reach postgres://etl:hunter2@db:5432/dw")
>>> print(check_from_error(plan, error, time=0.0, duration=0.01, policy=DEFAULT_POLICY).output)
ConnectionError: cannot reach postgres://REDACTED:REDACTED@db:5432/dw
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Final

from returns.result import Failure, Success

from flext_observability.core.checks import describe
from flext_observability.core.health.check import FlextHealthCheck, ObservedValue, validate_health_check
from flext_observability.core.health.report import HealthOutcome
from flext_observability.core.limits import MAX_LABEL_VALUE_LENGTH, MAX_TEXT_LENGTH, MAX_UNIT_LENGTH
from flext_observability.core.redaction import RedactionPolicy, redact_text
from flext_observability.core.values import HealthStatus

if TYPE_CHECKING:
    from flext_observability.shell.health.plan import HealthCheckPlan

_ELLIPSIS: Final = "..."
_EXPECTED: Final = "return a FlextHealthCheck, a Result of one, or True/False"


def clean_output(policy: RedactionPolicy, text: str, limit: int = MAX_TEXT_LENGTH) -> str:
    """``text`` redacted, made encodable as UTF-8, and cut to ``limit`` characters (the core's text limit).

    >>> from flext_observability.core.redaction import DEFAULT_POLICY
    >>> len(clean_output(DEFAULT_POLICY, "x" * 10_000)) == MAX_TEXT_LENGTH
    True
    """
    if not text:
        return text
    redacted = redact_text(policy, text)
    if not redacted.isascii():
        redacted = redacted.encode("utf-8", "replace").decode("utf-8")
    if len(redacted) > limit:
        redacted = redacted[: limit - len(_ELLIPSIS)] + _ELLIPSIS
    return redacted


def stamped_check(  # noqa: PLR0913 - the fields a check's answer gives, all keyword-only
    plan: HealthCheckPlan,
    *,
    status: HealthStatus,
    output: str,
    time: float,
    duration: float,
    policy: RedactionPolicy,
    observed_value: ObservedValue = None,
    observed_unit: str = "",
) -> FlextHealthCheck:
    """A check under ``plan``'s key with the given facts, its texts cleaned; valid by construction.

    A text ``observed_value`` and the ``observed_unit`` pass the redaction
    policy like the output: a check may report a connection string it tried.
    """
    if isinstance(observed_value, str):
        observed_value = clean_output(policy, observed_value, MAX_LABEL_VALUE_LENGTH)
    return FlextHealthCheck(
        component=plan.component,
        measurement=plan.measurement,
        status=status,
        observed_value=observed_value,
        observed_unit=clean_output(policy, observed_unit, MAX_UNIT_LENGTH),
        output=clean_output(policy, output),
        time=time,
        duration=max(duration, 0.0),
    )


def check_from_answer(
    plan: HealthCheckPlan,
    answer: object,
    *,
    time: float,
    duration: float,
    policy: RedactionPolicy,
) -> FlextHealthCheck:
    """The check that ``answer`` (what ``plan.check`` returned, awaited if async) stands for."""
    if isinstance(answer, Success):
        answer = answer.unwrap()
        if isinstance(answer, Success | Failure):
            return _failed(plan, f"the check returned a Result inside a Result; {_EXPECTED}", time, duration, policy)
    elif isinstance(answer, Failure):
        error = answer.failure()
        text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
        return _failed(plan, text or "the check returned a Failure", time, duration, policy)
    if answer is True or answer is False:
        status = HealthStatus.PASS if answer else HealthStatus.FAIL
        output = "" if answer else "the check returned False"
        return stamped_check(plan, status=status, output=output, time=time, duration=duration, policy=policy)
    if isinstance(answer, FlextHealthCheck):
        validated = validate_health_check(answer)
        if isinstance(validated, Failure):
            return _failed(
                plan, f"the check returned an invalid FlextHealthCheck: {validated.failure()}", time, duration, policy
            )
        return stamped_check(
            plan,
            status=answer.status,
            output=answer.output,
            time=time,
            duration=duration,
            policy=policy,
            observed_value=answer.observed_value,
            observed_unit=answer.observed_unit,
        )
    if is_awaitable(answer):
        output = "the check returned an awaitable but was registered as sync; register the async function itself"
    else:
        output = f"the check returned {describe(answer)}; {_EXPECTED}"
    return _failed(plan, output, time, duration, policy)


def _failed(
    plan: HealthCheckPlan, output: str, time: float, duration: float, policy: RedactionPolicy
) -> FlextHealthCheck:
    return stamped_check(plan, status=HealthStatus.FAIL, output=output, time=time, duration=duration, policy=policy)


def is_awaitable(answer: object) -> bool:
    """Whether ``answer`` is an awaitable; a coroutine is closed, so that it never warns it was not awaited."""
    if inspect.iscoroutine(answer):
        answer.close()
        return True
    return inspect.isawaitable(answer)


def check_from_error(
    plan: HealthCheckPlan,
    error: BaseException,
    *,
    time: float,
    duration: float,
    policy: RedactionPolicy,
) -> FlextHealthCheck:
    """The ``fail`` of a check that raised ``error``: its type, then its message, redacted."""
    try:
        message = str(error)
    except Exception:  # noqa: BLE001 - an exception whose str raises still names its type
        message = ""
    return _failed(
        plan, f"{type(error).__name__}: {message}" if message else type(error).__name__, time, duration, policy
    )


def outcome_of(plan: HealthCheckPlan, check: FlextHealthCheck) -> HealthOutcome:
    """``check`` with how it counts and the component facts of its registration."""
    return HealthOutcome(
        check=check,
        critical=plan.critical,
        component_type=plan.component_type,
        component_id=plan.component_id,
    )
