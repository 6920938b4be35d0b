"""``flext_monitor_function``: metrics, a span and correlated logs for every call of a function.

>>> from flext_observability.shell.logs.setup import get_logger
>>> from flext_observability.shell.metrics.service import FlextMetricsService
>>> from flext_observability.shell.tracing.service import FlextTracingService
>>> class Platform:
...     metrics = FlextMetricsService()
...     tracing = FlextTracingService(service_name="orders")
...     logger = get_logger("orders")
>>> @flext_monitor_function("load_orders", platform=Platform)
... def load_orders(day: str) -> int:
...     return 120
>>> load_orders("2024-05-01")
120
>>> Platform.metrics.snapshot().family("flext_function_calls").state(function="load_orders", outcome="success")
CounterState(value=1.0)
>>> Platform.tracing.shutdown(5)
True

Without ``platform``, a function records into the process-wide default
platform, and follows it when ``configure(...)`` replaces it: decorators
run at import time, before ``main()`` configures anything.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar, overload

from returns.result import Failure

from flext_observability.core.checks import describe
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.monitoring import (
    FunctionInstruments,
    MonitorLogger,
    check_monitor_labels,
    check_monitor_name,
    monitor,
)
from flext_observability.shell.tracing.service import FlextTracingService

if TYPE_CHECKING:
    from types import ModuleType

F = TypeVar("F", bound="Callable[..., Any]")

_DEFAULT_MODULE: Final = "flext_observability.platform.default"
"""The module that owns the process-wide default platform (``get_platform()``, ``default_generation()``)."""


class MonitoredPlatform(Protocol):
    """What a platform gives a monitored function: its metrics and tracing services, and a logger."""

    @property
    def metrics(self) -> FlextMetricsService:
        """Where the function's metrics go."""
        ...

    @property
    def tracing(self) -> FlextTracingService | None:
        """Where the function's spans go (``None``: no spans)."""
        ...

    @property
    def logger(self) -> MonitorLogger:
        """Where the function's log lines go."""
        ...


def _services(platform: object, argument: str) -> tuple[FlextMetricsService, FlextTracingService | None, MonitorLogger]:
    """The services of ``platform``; a ``TypeError`` naming ``argument`` when it lacks one."""
    try:
        metrics = getattr(platform, "metrics", None)
        tracing = getattr(platform, "tracing", None)
        logger = getattr(platform, "logger", None)
    except Exception as error:  # noqa: BLE001 - a platform whose attributes fail is a set-up mistake, named
        message = f"{argument} could not be read ({type(error).__name__}); pass a FlextObservabilityPlatform"
        raise TypeError(message) from None
    if not isinstance(metrics, FlextMetricsService):
        message = f"{argument} must have a FlextMetricsService as .metrics, got {describe(metrics)}"
        raise TypeError(message)
    if tracing is not None and not isinstance(tracing, FlextTracingService):
        message = f"{argument} must have a FlextTracingService (or None) as .tracing, got {describe(tracing)}"
        raise TypeError(message)
    if not all(callable(getattr(logger, method, None)) for method in ("debug", "info", "error")):
        message = f"{argument} must have a logger (get_logger(...)) as .logger, got {describe(logger)}"
        raise TypeError(message)
    return metrics, tracing, logger  # type: ignore[return-value] # checked above: it logs


class _DefaultSource:
    """The services of the process-wide default platform, and the generation that tells when it changed."""

    __slots__ = ("_module", "_trace", "generation")

    def __init__(self, module: ModuleType, *, trace: bool) -> None:
        self._module = module
        self._trace = trace
        self.generation: Callable[[], int] = module.default_generation

    def services(self) -> tuple[FlextMetricsService, FlextTracingService | None, MonitorLogger]:
        metrics, tracing, logger = _services(self._module.get_platform(), "the default platform")
        return metrics, tracing if self._trace else None, logger


def _default_source(*, trace: bool) -> _DefaultSource:
    """The default platform's source; a ``TypeError`` naming ``platform`` when there is none to follow."""
    try:
        module = importlib.import_module(_DEFAULT_MODULE)
    except ModuleNotFoundError as error:
        if error.name != _DEFAULT_MODULE:
            raise  # the default platform's module is there but broken: a bug to see, not to hide
        module = None
    if module is None or not callable(getattr(module, "get_platform", None)):
        message = f"platform is needed: no default platform is available ({_DEFAULT_MODULE}); pass platform=..."
        raise TypeError(message)
    return _DefaultSource(module, trace=trace)


def _default_name(function: object) -> str:
    """``module.qualified_name`` of what is decorated (the function inside a classmethod or staticmethod)."""
    inner = function.__func__ if isinstance(function, classmethod | staticmethod) else function
    module = getattr(inner, "__module__", None)
    qualname = getattr(inner, "__qualname__", None)
    if not isinstance(qualname, str):
        qualname = type(inner).__qualname__
    return f"{module}.{qualname}" if isinstance(module, str) and module else str(qualname)


class _Options:
    """The options of one ``flext_monitor_function(...)`` call, checked before any function is seen."""

    __slots__ = ("labels", "log_success", "name", "platform", "trace")

    def __init__(self, name: object, platform: object, labels: object, log_success: object, trace: object) -> None:
        self.name = None if name is None else check_monitor_name(name)
        self.labels = check_monitor_labels(labels)
        for argument, value in (("log_success", log_success), ("trace", trace)):
            if type(value) is not bool:
                message = f"{argument} must be True or False, got {describe(value)}"
                raise TypeError(message)
        self.log_success = log_success is True
        self.trace = trace is True
        if platform is not None:
            _services(platform, "platform")
        self.platform = platform

    def apply(self, function: F) -> F:
        """``function`` monitored with these options (instruments registered now)."""
        given: object = function
        if not callable(given) and not isinstance(given, classmethod | staticmethod):
            message = f"flext_monitor_function decorates functions, got {describe(given)}"
            raise TypeError(message)
        name = self.name if self.name is not None else check_monitor_name(_default_name(function))
        if self.platform is not None:
            metrics, tracing, logger = _services(self.platform, "platform")
            source = None
            generation = 0
        else:
            source = _default_source(trace=self.trace)
            generation = source.generation()
            metrics, tracing, logger = source.services()
        instruments = FunctionInstruments.register(metrics, label_names=tuple(self.labels))
        conflict = instruments.failure() if isinstance(instruments, Failure) else None
        if conflict is not None:
            message = (
                f"labels {sorted(self.labels)} do not fit the functions this metrics service monitors already: "
                f"{conflict}; every function monitored through one metrics service takes the same label names "
                '(give "" where one does not apply)'
            )
            raise ValueError(message)
        return monitor(
            function,
            name=name,
            instruments=instruments.unwrap(),
            tracing=tracing if self.trace else None,
            logger=logger,
            labels=self.labels,
            log_success=self.log_success,
            source=source,
            generation=generation,
        )


@overload
def flext_monitor_function(name: F, /) -> F: ...


@overload
def flext_monitor_function(
    name: str | None = None,
    /,
    *,
    platform: MonitoredPlatform | None = None,
    labels: Mapping[str, str] | None = None,
    log_success: bool = False,
    trace: bool = True,
) -> Callable[[F], F]: ...


def flext_monitor_function(
    name: str | Callable[..., Any] | None = None,
    /,
    *,
    platform: MonitoredPlatform | None = None,
    labels: Mapping[str, str] | None = None,
    log_success: bool = False,
    trace: bool = True,
) -> Any:
    """Record every call of the decorated function: ``@flext_monitor_function("name")``, ``()`` or bare.

    - ``name``: the function's name in metrics, spans and logs; by default
      its module and qualified name (``orders.api.Orders.load``).
    - ``platform``: where to record (``.metrics``, ``.tracing``,
      ``.logger``); by default the process-wide default platform, followed
      when it is replaced.
    - ``labels``: constant label values added to every metric of the
      function (the same label names for every function of a metrics service).
    - ``log_success``: a debug line for each call that returns, besides the
      error line of each call that raises.
    - ``trace``: ``False`` records metrics and logs without a span.

    Mistakes raise ``TypeError`` or ``ValueError`` naming the argument, when
    the function is decorated; calls never see an exception of the library.
    """
    if name is not None and not isinstance(name, str):
        given: object = name
        if not callable(given) and not isinstance(given, classmethod | staticmethod):
            message = f"name must be text, None or (used bare) the function to decorate, got {describe(given)}"
            raise TypeError(message)
        # Used bare: @flext_monitor_function over a function (or a classmethod or staticmethod).
        return _Options(None, platform, labels, log_success, trace).apply(name)
    options = _Options(name, platform, labels, log_success, trace)
    return options.apply


__all__ = ["MonitoredPlatform", "flext_monitor_function"]
