"""The one module that owns structlog's global configuration and the root logging handler.

:func:`configure_logging` sets both up so that the whole process writes one
format: events logged through :func:`get_logger` and records of other
libraries that use the standard :mod:`logging` module go through the same
:class:`~flext_observability.shell.logs.pipeline.LogPipeline` and the same
stream (and the same lock, so lines never interleave). :func:`reset_logging`
undoes it; tests call it between cases.

>>> import io
>>> stream = io.StringIO()
>>> setup = configure_logging(format="logfmt", stream=stream, service_name="orders")
>>> get_logger("etl").info("loaded", rows=3, password="hunter2")
>>> print(stream.getvalue().split(" ", 1)[1].strip())
level=info logger=etl service=orders event=loaded rows=3 password=REDACTED
>>> reset_logging()
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import weakref
from typing import TYPE_CHECKING, Any, Final, TextIO, cast

import structlog
from returns.result import Failure
from structlog import DropEvent
from structlog.stdlib import ExtraAdder, ProcessorFormatter, add_logger_name
from structlog.typing import FilteringBoundLogger

from flext_observability.core.checks import describe
from flext_observability.core.logs.event import LEVEL_OF_METHOD, json_safe
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy
from flext_observability.core.settings import DEFAULT_SERVICE_NAME, parse_otel_environment
from flext_observability.core.values import LogLevel
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.logs.pipeline import FAILURES, LogFormat, LogPipeline, format_of_stream

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from flext_observability.shell.clock import Clock
    from flext_observability.shell.context import CorrelationSource
    from flext_observability.shell.metrics.service import FlextMetricsService

FlextLogger = FilteringBoundLogger
"""The type of the loggers :func:`get_logger` returns (structlog's filtering bound logger)."""

_LEVELS: Final = {
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.INFO: logging.INFO,
    LogLevel.WARNING: logging.WARNING,
    LogLevel.ERROR: logging.ERROR,
    LogLevel.CRITICAL: logging.CRITICAL,
}
_METHODS: Final = ("debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "msg")
_STATE_LOCK: Final = fork_safe_lock()
_PROCESSORS: Final[list[Any]] = []
"""The one processor list every logger holds (changed in place, so set-ups reach loggers made before)."""
_WRITER: Final[list[_LineWriter | None]] = [None]
"""The current set-up's writer."""
_PROXIES: Final[weakref.WeakSet[Any]] = weakref.WeakSet()
"""The loggers :func:`get_logger` handed out, told to forget their cached set-up at each re-configuration."""


class LoggingSetup:
    """What :func:`configure_logging` installed: the pipeline, the level and the stream."""

    def __init__(
        self,
        pipeline: LogPipeline,
        level: LogLevel,
        stream: TextIO,
        handler: logging.Handler,
        on_failure: Callable[[], object] | None = None,
    ) -> None:
        """Keep the pieces so that they can be inspected and removed."""
        self.pipeline = pipeline
        self.level = level
        self.stream = stream
        self.handler = handler
        self.on_failure = on_failure

    @property
    def failures(self) -> int:
        """Events that needed a placeholder since the process started."""
        return FAILURES.count


_current: LoggingSetup | None = None


class _PipelineHandler(logging.Handler):
    """Writes standard-library records through the pipeline, on the stream's structlog writer.

    Sharing the stream's one writer (and so its lock) keeps lines of both
    paths from interleaving.
    """

    def __init__(self, writer: _LineWriter, formatter: logging.Formatter) -> None:
        super().__init__()
        self._writer = writer
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._writer.msg(self.format(record))
        except Exception:  # noqa: BLE001 - a broken stream or a bad record must not reach the caller
            FAILURES.add()


class _SafeFormatter(ProcessorFormatter):
    """A ProcessorFormatter that turns any failure (such as bad ``%`` arguments) into a placeholder line."""

    def __init__(self, pipeline: LogPipeline) -> None:
        super().__init__(
            processors=[pipeline],
            foreign_pre_chain=[add_logger_name, ExtraAdder()],
            use_get_message=True,
        )
        self._pipeline = pipeline

    def format(self, record: logging.LogRecord) -> str:
        try:
            return super().format(record)
        except Exception:  # noqa: BLE001 - e.g. logging.info("%d", "x"): the record still goes out
            FAILURES.add()
            level = LEVEL_OF_METHOD.get(record.levelname.lower(), LogLevel.INFO)
            return self._pipeline(
                None,
                level.value,
                {"event": "<unformattable log record>", "logger": record.name, "raw": repr(record.msg)},
            )


def _unloggable(logger: Any, method_name: str, event: object) -> None:  # noqa: ANN401 - a structlog bound logger
    """After a failure, still write one line with what can safely be shown (e.g. bad % arguments)."""
    FAILURES.add()
    with contextlib.suppress(Exception):  # e.g. a closed stream: nothing more can be done
        logger._proxy_to_logger(method_name, "<unloggable event>", raw=json_safe(event))  # noqa: SLF001 - structlog's hook for wrapper classes


def _call_parts(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, object, dict[str, Any]]:
    """The logger, the event (``%`` arguments applied) and the keywords of one call.

    The event is the first positional argument, or ``event=`` when there is
    none; an ``event=`` given besides a positional event is a field like any
    other, kept as ``event_``.
    """
    logger, *rest = args
    if rest:
        event = rest[0]
        if "event" in kwargs:
            name = "event_"
            while name in kwargs:
                name += "_"
            kwargs[name] = kwargs.pop("event")
        return logger, cast("Any", event) % tuple(rest[1:]) if len(rest) > 1 else event, kwargs
    return logger, kwargs.pop("event", None), kwargs


def _emit(logger: Any, method_name: str, event: object, kwargs: dict[str, Any]) -> Any:  # noqa: ANN401 - structlog's types
    """Run structlog's chain with ``kwargs`` as the event's fields, whatever their names."""
    # Not _proxy_to_logger(method_name, event, **kwargs): a field named "method_name" would clash.
    try:
        positional, keywords = logger._process_event(method_name, event, kwargs)  # noqa: SLF001 - structlog's hook for wrapper classes
    except DropEvent:
        return None
    return getattr(logger._logger, method_name)(*positional, **keywords)  # noqa: SLF001 - see above


def _enabled_method(method_name: str) -> Callable[..., Any]:
    """A logging method that formats ``%`` arguments and processes the event; never raises."""

    def log(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - structlog's types
        # No named parameters: any keyword (self=, event=, method_name=) is a field of the event.
        logger, event = args[0], None
        try:
            logger, event, fields = _call_parts(args, kwargs)
            return _emit(logger, method_name, event, fields)
        except Exception:  # noqa: BLE001 - logging must not break the application
            return _unloggable(logger, method_name, event)

    log.__name__ = method_name
    return log


def _exception_method(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - structlog's types
    """Log at error level with the current exception's traceback."""
    logger, event = args[0], None
    try:
        logger, event, fields = _call_parts(args, kwargs)
        fields.setdefault("exc_info", True)
        return _emit(logger, "error", event, fields)
    except Exception:  # noqa: BLE001 - logging must not break the application
        return _unloggable(logger, "error", event)


_LOG_PARAMETERS: Final = ("self", "level", "event", "method_name")
"""The names structlog's ``log(level, event, ...)`` and its proxy take for themselves."""


def _guarded_log(method: Callable[..., Any]) -> Callable[..., Any]:
    def log(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - structlog's types
        for key in _LOG_PARAMETERS:
            if key in kwargs:
                name = f"{key}_"
                while name in kwargs:
                    name += "_"
                kwargs[name] = kwargs.pop(key)
        try:
            return method(*args, **kwargs)
        except Exception:  # noqa: BLE001 - logging must not break the application
            return _unloggable(args[0], "info", args[2] if len(args) > 2 else None)

    return log


def _forgiving(method: Callable[..., Any], fallback: Callable[[Any], Any]) -> Callable[..., Any]:
    """``method``, answering ``fallback(self)`` instead of raising."""

    def call(self: Any, *args: object, **kwargs: object) -> Any:  # noqa: ANN401 - structlog's types
        try:
            return method(self, *args, **kwargs)
        except Exception:  # noqa: BLE001 - a logger's call must not break the application
            return fallback(self)

    return call


def _same(logger: object) -> object:
    return logger


def _disabled(_logger: object) -> bool:
    return False


def _wrapper_class(level: LogLevel) -> type[FilteringBoundLogger]:
    """Structlog's filtering logger: disabled levels stay its free no-ops, enabled ones never raise."""
    base = structlog.make_filtering_bound_logger(_LEVELS[level])
    threshold = _LEVELS[level]
    overrides: dict[str, Any] = {"log": _guarded_log(base.log)}
    for name in _METHODS:
        method_level = LEVEL_OF_METHOD.get(name)
        if method_level is None or _LEVELS[method_level] < threshold:
            continue
        overrides[name] = _exception_method if name == "exception" else _enabled_method(name)
    # The protocol's ``err`` is ``error``; ``unbind`` of a key not bound is ignored, as by ``try_unbind``.
    overrides["err"] = overrides.get("error", base.error)
    overrides["unbind"] = overrides["try_unbind"] = _forgiving(base.try_unbind, _same)
    overrides["is_enabled_for"] = _forgiving(base.is_enabled_for, _disabled)
    return cast("type[FilteringBoundLogger]", type("FlextBoundLogger", (base,), overrides))


def configure_logging(  # noqa: PLR0913 - the whole set-up in one call
    *,
    format: LogFormat | None = None,  # noqa: A002 - the natural name of the option
    level: LogLevel | str | int = LogLevel.INFO,
    stream: TextIO | None = None,
    service_name: str | None = None,
    redaction: RedactionPolicy = DEFAULT_POLICY,
    correlation: CorrelationSource | None = None,
    capture_stdlib: bool = True,
    metrics: FlextMetricsService | None = None,
    clock: Clock | None = None,
) -> LoggingSetup:
    """Set up structured logging for the whole process; call it once at start-up.

    ``format`` defaults to ``console`` when ``stream`` (default: standard
    output) is a terminal and ``json`` otherwise. With ``capture_stdlib``,
    the standard library's root logger writes through the same pipeline at
    the same level. With ``metrics``, events are counted per level in
    ``flext_observability_log_events_total{level}`` and placeholder lines in
    ``flext_observability_log_failures_total``. Timestamps read ``clock``
    (the system's by default). Calling it again replaces the previous set-up.
    ``level`` is a name (``"info"``), a :class:`LogLevel` or the standard
    library's number (``logging.INFO``). Without ``service_name`` the service
    is named as tracing names it: ``OTEL_SERVICE_NAME``, else ``service.name``
    in ``OTEL_RESOURCE_ATTRIBUTES``, else ``unknown_service:python``.

    Raises ``ValueError`` for an unknown format or level, and ``TypeError``
    naming the argument for any other of the wrong type (set-up mistakes).
    """
    global _current  # noqa: PLW0603 - this module is the one owner of the process's logging set-up
    chosen_format = _checked_format(format)
    chosen_level = _checked_level(level)
    if service_name is None:
        service_name = service_from_environment()
    _check_parts(
        stream=stream,
        service_name=service_name,
        redaction=redaction,
        correlation=correlation,
        capture_stdlib=capture_stdlib,
        metrics=metrics,
        clock=clock,
    )
    service_name = str.__str__(service_name)
    on_event, on_failure = _metric_hooks(metrics)
    output = stream if stream is not None else sys.stdout
    log_format: LogFormat = chosen_format or format_of_stream(output)
    pipeline = LogPipeline(
        log_format=log_format,
        service=service_name,
        policy=redaction,
        correlation=correlation,
        colors=log_format == "console" and format_of_stream(output) == "console",
        on_event=on_event,
        clock=clock,
    )
    pipeline.threshold = _LEVELS[chosen_level]
    writer = _LineWriter(output)
    with _STATE_LOCK:
        _uninstall()
        _WRITER[0] = writer
        _PROCESSORS[:] = [pipeline]
        structlog.configure(
            processors=_PROCESSORS,
            wrapper_class=_wrapper_class(chosen_level),
            logger_factory=_named_writer,
            cache_logger_on_first_use=True,
        )
        handler = _PipelineHandler(writer, _SafeFormatter(pipeline))
        # Records of a child logger set more verbose than the root still stop here, at the set-up's level.
        handler.setLevel(_LEVELS[chosen_level])
        if capture_stdlib:
            root = logging.getLogger()
            root.addHandler(handler)
            root.setLevel(_LEVELS[chosen_level])
        if on_failure is not None:
            FAILURES.listeners.append(on_failure)
        _current = LoggingSetup(pipeline, chosen_level, output, handler, on_failure)
    return _current


def _checked_format(given: object) -> LogFormat | None:
    if given is None:
        return None
    text = str.__str__(given) if isinstance(given, str) else None
    if text in _FORMATS:
        return _FORMATS[text]
    message = f"unknown log format {describe(given)}; use 'json', 'console' or 'logfmt'"
    raise ValueError(message)


def _checked_level(given: object) -> LogLevel:
    if type(given) is int and given in _LEVEL_NUMBERS:
        return _LEVEL_NUMBERS[given]
    text = str.__str__(given).lower() if isinstance(given, str) else None
    if text in _LEVEL_NAMES:
        return _LEVEL_NAMES[text]
    shown = repr(given) if type(given) is int else describe(given)
    message = f"unknown log level {shown}; use one of {sorted(_LEVEL_NAMES)} or logging.DEBUG ... logging.CRITICAL"
    raise ValueError(message)


def service_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The service name OpenTelemetry's variables give, or ``unknown_service:python``; never raises.

    A bad ``OTEL_RESOURCE_ATTRIBUTES`` is logged (naming the variable) and the default used.
    """
    source = os.environ if environ is None else environ
    variables = {name: source[name] for name in _SERVICE_VARIABLES if name in source}
    parsed = parse_otel_environment(variables)
    if isinstance(parsed, Failure):
        _LOG.error(
            "ignoring %s for the service name (%s); using %s",
            " and ".join(sorted(variables)),
            parsed.failure(),
            DEFAULT_SERVICE_NAME,
        )
        return DEFAULT_SERVICE_NAME
    return parsed.unwrap().service_name


_LEVEL_NAMES: Final = {member.value: member for member in LogLevel}
_LEVEL_NUMBERS: Final = {
    logging.DEBUG: LogLevel.DEBUG,
    logging.INFO: LogLevel.INFO,
    logging.WARNING: LogLevel.WARNING,
    logging.ERROR: LogLevel.ERROR,
    logging.CRITICAL: LogLevel.CRITICAL,
}
_SERVICE_VARIABLES: Final = ("OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES")
_LOG: Final = library_logger("flext_observability.logs")
_FORMATS: Final[dict[str, LogFormat]] = {"json": "json", "console": "console", "logfmt": "logfmt"}
_NEEDS: Final = {
    "stream": ("a text stream (with write())", "write"),
    "correlation": ("a CorrelationSource (with current())", "current"),
    "metrics": ("a FlextMetricsService", "counter"),
    "clock": ("a Clock (with time())", "time"),
}
"""The optional parts of the set-up, what each must be, and the method that shows it."""


def _check_parts(**parts: object) -> None:
    """A ``TypeError`` naming the first part of the set-up that is of the wrong type."""
    wrong: tuple[str, str] | None = None
    if not isinstance(parts["service_name"], str):
        wrong = ("service_name", "text")
    elif not isinstance(parts["redaction"], RedactionPolicy):
        wrong = ("redaction", "a RedactionPolicy")
    elif not isinstance(parts["capture_stdlib"], bool):
        wrong = ("capture_stdlib", "True or False")
    for name, (expected, method) in _NEEDS.items():
        part = parts[name]
        if wrong is None and part is not None and not callable(getattr(part, method, None)):
            wrong = (name, expected)
    if wrong is not None:
        name, expected = wrong
        message = f"{name} must be {expected}, got {type(parts[name]).__name__}"
        raise TypeError(message)


def _metric_hooks(
    metrics: FlextMetricsService | None,
) -> tuple[Callable[[LogLevel], object] | None, Callable[[], object] | None]:
    if metrics is None:
        return None, None
    events = metrics.counter(
        "flext_observability_log_events_total", "Log events written, by level.", labels=("level",)
    ).unwrap()
    failures = metrics.counter(
        "flext_observability_log_failures_total",
        "Log events written with a placeholder because a value or the output failed.",
    ).unwrap()
    series = {level: events.labels(level=level.value) for level in LogLevel}

    def count(level: LogLevel) -> object:
        return series[level].inc()

    return count, failures.inc


def _uninstall() -> None:
    global _current  # noqa: PLW0603 - see configure_logging
    if _current is not None:
        logging.getLogger().removeHandler(_current.handler)
        if _current.on_failure in FAILURES.listeners:
            FAILURES.listeners.remove(_current.on_failure)
        _current = None
    structlog.reset_defaults()
    _WRITER[0] = None
    # Loggers bound before keep this very list: they now use structlog's defaults, then what comes next.
    _PROCESSORS[:] = structlog.get_config()["processors"]
    for proxy in list(_PROXIES):
        # A proxy caches its assembled logger on first use; forgetting it makes the next call use the new set-up.
        proxy.__dict__.pop("bind", None)


def reset_logging() -> None:
    """Undo :func:`configure_logging`: structlog's defaults, and no handler of ours on the root logger."""
    with _STATE_LOCK:
        _uninstall()


def current_setup() -> LoggingSetup | None:
    """The set-up :func:`configure_logging` installed, if any."""
    return _current


def get_logger(name: str = "root", **initial_values: object) -> FlextLogger:
    """A structured logger named ``name``; take it at import time, configure later.

    Its methods never raise: an event that cannot be written is written as a
    placeholder line, ``unbind`` of a key not bound is ignored (as
    ``try_unbind``), and a ``name`` that is not text logs as ``root``.

    >>> logger: FlextLogger = get_logger(__name__)
    """
    proxy = structlog.get_logger(name, **initial_values)
    with _STATE_LOCK:
        _PROXIES.add(proxy)
    return cast("FlextLogger", proxy)


def _named_writer(name: object = "root", *_args: object) -> _NamedWriter:
    """Structlog's logger factory: a named writer (a name that is not text is ``root``)."""
    return _NamedWriter(str.__str__(name) if isinstance(name, str) else "root")


class _LineWriter:
    """Writes whole lines to one stream under one lock, which a forked child gets unlocked.

    It takes the place of structlog's ``WriteLogger``, whose lock a child
    inherits held when another thread was writing at the fork.
    """

    __slots__ = ("_lock", "_stream")

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = fork_safe_lock()

    def msg(self, message: str) -> None:
        """Write ``message`` and a newline, then flush."""
        with self._lock:
            self._stream.write(message + "\n")
            self._stream.flush()


class _NamedWriter:
    """What structlog's logger factory returns: a name; lines go to the current set-up's writer.

    The writer is looked up at each line, so a logger made before a
    re-configuration writes to the new stream (standard output after a reset).
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def msg(self, message: str) -> None:
        """Write one rendered line (under the stream's lock)."""
        writer = _WRITER[0]
        if writer is None:
            writer = _LineWriter(sys.stdout)
        writer.msg(message)

    log = debug = info = warn = warning = fatal = failure = err = error = critical = exception = msg
