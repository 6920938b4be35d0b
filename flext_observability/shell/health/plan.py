"""Health-check plans: what to call, how its result counts, how long it may take and how long it holds.

A :class:`HealthCheckPlan` is the svcs "ping" shape: a frozen record made
once at set-up, beside the one stateful :class:`~flext_observability.shell.health.service.FlextHealthService`
that runs plans. Whether the callable is async is decided here, once, with
:mod:`inspect` (an ``async def`` function, or an object whose ``__call__`` is
one), never per call.

:func:`health_check_plan` checks every setting and raises a ``TypeError``
(wrong kind of value) or ``ValueError`` (right kind, wrong value) naming the
argument: a bad registration is a set-up mistake, found at start-up rather
than at the first probe.

Defaults, and why:

- ``critical=True``: a check counts fully unless said otherwise.
- ``timeout=1.0`` s: Kubernetes' default probe timeout is 1 s too, so set
  the probe's ``timeoutSeconds`` above the largest check timeout.
- ``probes={readiness}``: a dependency check belongs to readiness only, so
  an outage of a shared database takes pods out of rotation instead of
  restarting all of them; liveness holds only what was registered for it.
- ``pass_ttl=5.0`` s and ``fail_ttl=1.0`` s: a good result is reused for a
  while (probes and load balancers ask often, dependencies should not feel
  it), a bad one is retried soon, so recovery shows quickly.

>>> plan = health_check_plan(lambda: True, component="app")
>>> plan
HealthCheckPlan('app:status', sync, critical=True, timeout=1.0, probes=readiness)
>>> async def ping() -> bool:
...     return True
>>> health_check_plan(ping, component="cache", critical=False, probes=("liveness", "readiness")).is_async
True
>>> health_check_plan(print, component="db:main")
Traceback (most recent call last):
...
flext_observability.FlextValidationError: invalid health_check_plan: component: 'db:main' holds ':', which \
separates component and measurement in application/health+json; use '_' or '-' instead [invalid_name]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Final, TypedDict

import attrs
from attrs import frozen
from returns.result import Failure

from flext_observability.core.checks import describe, invalid
from flext_observability.core.health.check import build_health_check
from flext_observability.core.health.report import build_health_outcome
from flext_observability.shell.seconds import check_seconds


class HealthProbe(StrEnum):
    """The questions an orchestrator asks: is it alive, may it get traffic, has it started."""

    LIVENESS = "liveness"
    READINESS = "readiness"
    STARTUP = "startup"


ProbesArgument = HealthProbe | str | Iterable[HealthProbe | str]
"""What ``probes=`` accepts: one probe (member or name), or several."""

DEFAULT_TIMEOUT: Final = 1.0
"""Seconds a check may take before it counts as ``fail``."""

DEFAULT_PROBES: Final = frozenset({HealthProbe.READINESS})
"""The probes a check belongs to unless told: readiness only."""

DEFAULT_PASS_TTL: Final = 5.0
"""Seconds a ``pass`` or ``warn`` result is reused before the check runs again."""

DEFAULT_FAIL_TTL: Final = 1.0
"""Seconds a ``fail`` result is reused before the check runs again."""


class PlanOptions(TypedDict, total=False):
    """The settings of :func:`health_check_plan` that the ready-made probes pass through."""

    critical: bool
    timeout: float
    probes: ProbesArgument
    pass_ttl: float
    fail_ttl: float
    component_type: str
    component_id: str


@frozen(kw_only=True, repr=False)
class HealthCheckPlan:
    """One registered check: what to call and how its result counts. Build it with :func:`health_check_plan`.

    ``check`` takes no argument and returns a ``FlextHealthCheck``, a
    ``Result`` of one, or a ``bool`` (``True`` pass, ``False`` fail); it may
    raise (a ``fail``). ``is_async`` says whether calling it gives an
    awaitable. Times are seconds.
    """

    component: str
    measurement: str
    check: Callable[[], object]
    is_async: bool
    critical: bool
    timeout: float
    probes: frozenset[HealthProbe]
    pass_ttl: float
    fail_ttl: float
    component_type: str
    component_id: str

    def __attrs_post_init__(self) -> None:
        """Check a plan built directly as :func:`health_check_plan` checks its arguments."""
        _check_plan(self)

    @property
    def key(self) -> str:
        """The ``component:measurement`` key of the check in ``application/health+json``."""
        return f"{self.component}:{self.measurement}"

    def __repr__(self) -> str:
        probes = ",".join(sorted(probe.value for probe in self.probes))
        kind = "async" if self.is_async else "sync"
        return (
            f"HealthCheckPlan({self.key!r}, {kind}, critical={self.critical!r}, "
            f"timeout={self.timeout!r}, probes={probes})"
        )


def is_async_callable(check: object) -> bool:
    """Whether calling ``check`` gives an awaitable: an ``async def`` function, or an object with one as ``__call__``.

    >>> class Ping:
    ...     async def __call__(self) -> bool:
    ...         return True
    >>> is_async_callable(Ping()), is_async_callable(lambda: True)
    (True, False)
    """
    if inspect.iscoroutinefunction(check):
        return True
    call = getattr(type(check), "__call__", None)  # noqa: B004 - the type's method, not whether it is callable
    return call is not None and not inspect.isfunction(check) and inspect.iscoroutinefunction(call)


def check_probes(value: object) -> frozenset[HealthProbe]:
    """``value`` (one probe or several, members or names) as a non-empty set; else an error naming ``probes``.

    >>> sorted(check_probes("liveness")), sorted(check_probes([HealthProbe.STARTUP, "readiness"]))
    ([<HealthProbe.LIVENESS: 'liveness'>], [<HealthProbe.READINESS: 'readiness'>, <HealthProbe.STARTUP: 'startup'>])
    """
    items: list[object] = [value] if isinstance(value, str) else []
    if not items:
        if not isinstance(value, Iterable):
            message = f"probes must be a probe name or a list of them, not {describe(value)}"
            raise TypeError(message)
        try:
            items = list(value)
        except Exception:  # noqa: BLE001 - a list that cannot be read is the caller's error, named
            message = f"probes must be a probe name or a list of them that can be read, not {describe(value)}"
            raise TypeError(message) from None
    allowed = ", ".join(probe.value for probe in HealthProbe)
    chosen: set[HealthProbe] = set()
    for item in items:
        if not isinstance(item, str):
            message = f"probes must hold probe names ({allowed}), not {describe(item)}"
            raise TypeError(message)
        try:
            chosen.add(HealthProbe(str.__str__(item)))
        except ValueError:
            message = f"probes: {describe(item)} is no probe; use {allowed}"
            raise ValueError(message) from None
    if not chosen:
        message = f"probes must name at least one probe ({allowed})"
        raise ValueError(message)
    return frozenset(chosen)


def _check_texts(component: object, measurement: object, component_type: object, component_id: object) -> None:
    """Raise a ``TypeError`` for a text that is no ``str``, and every broken rule of the texts as a ``ValueError``."""
    named = {
        "component": component,
        "measurement": measurement,
        "component_type": component_type,
        "component_id": component_id,
    }
    for name, value in named.items():
        if not isinstance(value, str):
            message = f"{name} must be text (str), not {describe(value)}"
            raise TypeError(message)
    # The core's own rules of a check and an outcome, run on the names alone.
    check = build_health_check(component=component, measurement=measurement, time=0.0)
    if isinstance(check, Failure):
        raise invalid("health_check_plan", check.failure().errors).failure()
    outcome = build_health_outcome(check.unwrap(), component_type=component_type, component_id=component_id)
    if isinstance(outcome, Failure):
        raise invalid("health_check_plan", outcome.failure().errors).failure()


def _check_plan(plan: HealthCheckPlan) -> None:
    """Raise a ``TypeError`` or ``ValueError`` naming the first field of ``plan`` that is not as made."""
    fields: dict[str, object] = {name: getattr(plan, name) for name in attrs.fields_dict(HealthCheckPlan)}
    if not callable(fields["check"]):
        message = f"check must be a function taking no argument, not {describe(fields['check'])}"
        raise TypeError(message)
    for name in ("component", "measurement", "component_type", "component_id"):
        if type(fields[name]) is not str:
            message = f"{name} must be text (str), not {describe(fields[name])}"
            raise TypeError(message)
    _check_texts(fields["component"], fields["measurement"], fields["component_type"], fields["component_id"])
    for name in ("is_async", "critical"):
        if not isinstance(fields[name], bool):
            message = f"{name} must be True or False, not {describe(fields[name])}"
            raise TypeError(message)
    for name, allow_zero in (("timeout", False), ("pass_ttl", True), ("fail_ttl", True)):
        check_seconds(name, fields[name], allow_zero=allow_zero)
        if type(fields[name]) is not float:
            message = f"{name} must be seconds as a float, not {describe(fields[name])}"
            raise TypeError(message)
    probes = fields["probes"]
    if type(probes) is not frozenset or not probes or not all(isinstance(probe, HealthProbe) for probe in probes):
        message = f"probes must be a non-empty frozenset of HealthProbe (see health_check_plan), not {describe(probes)}"
        raise TypeError(message)


def health_check_plan(  # noqa: PLR0913 - one argument per setting, all keyword-only but the check
    check: Callable[[], object],
    *,
    component: str,
    measurement: str = "status",
    critical: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    probes: ProbesArgument = DEFAULT_PROBES,
    pass_ttl: float = DEFAULT_PASS_TTL,
    fail_ttl: float = DEFAULT_FAIL_TTL,
    component_type: str = "",
    component_id: str = "",
) -> HealthCheckPlan:
    """Check every setting (see the module) and make the plan of one check.

    ``pass_ttl`` also holds for ``warn`` results; a time-to-live of 0 runs
    the check at every request (concurrent requests still share one run).
    """
    given: object = check  # callers outside the type checker may pass anything
    if not callable(given):
        message = f"check must be a function taking no argument, not {describe(given)}"
        raise TypeError(message)
    _check_texts(component, measurement, component_type, component_id)
    flag: object = critical
    if not isinstance(flag, bool):
        message = f"critical must be True or False, not {describe(flag)}"
        raise TypeError(message)
    return HealthCheckPlan(
        component=str.__str__(component),
        measurement=str.__str__(measurement),
        check=check,
        is_async=is_async_callable(check),
        critical=critical,
        timeout=check_seconds("timeout", timeout, allow_zero=False),
        probes=check_probes(probes),
        pass_ttl=check_seconds("pass_ttl", pass_ttl, allow_zero=True),
        fail_ttl=check_seconds("fail_ttl", fail_ttl, allow_zero=True),
        component_type=str.__str__(component_type),
        component_id=str.__str__(component_id),
    )
