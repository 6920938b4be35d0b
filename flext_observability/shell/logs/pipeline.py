"""The logging pipeline: every event's processing and rendering in one callable.

structlog runs a list of processors per event; ours is a single
:class:`LogPipeline` that does the whole job in one pass, which is both
faster and easier to guard:

1. merge the bound context (:mod:`~flext_observability.shell.context`),
2. stamp the UTC time, the level, the logger and the service name,
3. add the ``trace_id`` and ``span_id`` of the current span,
4. redact secrets with the core's :class:`~flext_observability.core.redaction.RedactionPolicy`,
5. turn every value into plain JSON data (:func:`~flext_observability.core.logs.event.json_safe`),
6. render one line: JSON, logfmt or the console format.

Every renderer writes exactly one line per event and keeps the original text
recoverable: JSON escapes control characters itself; logfmt and the console
format escape them with :func:`~flext_observability.core.logs.escaping.escape_text`.
If anything fails, the event still goes out as one line with a placeholder,
and the failure is counted; nothing is raised to the caller.
"""

from __future__ import annotations

import json
import time
import traceback
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, Any, Final, Literal

from structlog import DropEvent
from structlog.dev import ConsoleRenderer

from flext_observability.core.logs.escaping import escape_text, render_logfmt
from flext_observability.core.logs.event import LEVEL_OF_METHOD, json_safe, placeholder
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy
from flext_observability.core.settings import DEFAULT_SERVICE_NAME
from flext_observability.core.values import LogLevel
from flext_observability.shell.clock import Clock, SystemClock
from flext_observability.shell.context import (
    ContextCorrelation,
    CorrelationSource,
    HasSpanIds,
    bound_items,
    valid_span_ids,
)
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.redactor import CachingRedactor

if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping

LogFormat = Literal["json", "console", "logfmt"]
"""How events are written: JSON lines for machines, logfmt, or a readable console format."""

FIRST_KEYS: Final = ("timestamp", "level", "logger", "service", "event")
"""The keys every event starts with, in this order."""

_STANDARD_KEYS: Final = frozenset({"timestamp", "level", "logger", "service", "trace_id", "span_id"})
STANDARD_OVERRIDES: Final = "_flext_standard"
"""The key under which the library itself passes standard fields (a stored entry's
timestamp and span ids) to the pipeline, as a :class:`StandardFields`; anything else
under that key is a caller's field like any other, so a caller never sets them."""


class StandardFields(dict[str, object]):
    """The standard fields the library itself gives one event (only the logging service makes these)."""

    __slots__ = ()


def _own_fields(event_dict: MutableMapping[str, Any]) -> StandardFields | None:
    given = event_dict.get(STANDARD_OVERRIDES)
    if type(given) is StandardFields:
        del event_dict[STANDARD_OVERRIDES]
        return given
    return None


_MAX_LOGGER_NAMES: Final = 1024
_NUMERIC: Final = {
    LogLevel.DEBUG: 10,
    LogLevel.INFO: 20,
    LogLevel.WARNING: 30,
    LogLevel.ERROR: 40,
    LogLevel.CRITICAL: 50,
}
"""The standard library's number of each level."""
_CONSOLE_OWN_LINES: Final = ("exception", "stack", "exc_info")
# One encoder for every line; ensure_ascii (the default) escapes U+2028, U+2029 and
# U+0085 too, which some readers treat as line ends. Values are finite by now.
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"))
_quote: Final = encode_basestring_ascii


class _UtcClock:
    """ISO 8601 UTC timestamps with microseconds; the date part is formatted once per second."""

    __slots__ = ("_lock", "_prefix", "_second", "_time")

    def __init__(self, time_now: Callable[[], float]) -> None:
        self._time = time_now
        self._second = -1
        self._prefix = ""
        self._lock = fork_safe_lock()

    def now(self) -> str:
        stamp = self._time()
        second = int(stamp)
        micros = int((stamp - second) * 1_000_000)
        if second != self._second:
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            with self._lock:
                self._second, self._prefix = second, prefix
            return f"{prefix}.{micros:06d}Z"
        return f"{self._prefix}.{micros:06d}Z"


class FailureCounter:
    """How many events needed a placeholder because processing or rendering failed."""

    __slots__ = ("_lock", "count", "listeners")

    def __init__(self) -> None:
        self.count = 0
        self._lock = fork_safe_lock()
        self.listeners: list[Callable[[], object]] = []

    def add(self) -> None:
        """Count one failure and tell the listeners (such as a metrics counter)."""
        with self._lock:
            self.count += 1
        for listener in self.listeners:
            try:
                listener()
            except Exception:  # noqa: BLE001, S112 - a failing listener must not break logging
                continue


FAILURES: Final = FailureCounter()
"""Every failure of every pipeline in this process."""


def _exception_text(exc_info: object) -> str:
    if exc_info is True:
        return "".join(traceback.format_exc()).rstrip()
    if isinstance(exc_info, BaseException):
        return "".join(traceback.format_exception(exc_info)).rstrip()
    if isinstance(exc_info, tuple) and len(exc_info) == 3 and exc_info[1] is not None:
        return "".join(traceback.format_exception(*exc_info)).rstrip()
    return ""


def _json_value(value: object) -> str:
    kind = type(value)
    if isinstance(value, str) and kind is str:
        return _quote(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return float.__repr__(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    return _ENCODER.encode(value)


def _json_members(fields: dict[str, Any]) -> str:
    """``fields`` as JSON object members (without the braces), scalars written directly.

    The values are plain JSON data already (finite floats, text keys), so this
    writes exactly what the json module would, without building an encoder per call.
    """
    return ",".join(f"{_quote(key)}:{_json_value(value)}" for key, value in fields.items())


def _event_text(event: object) -> str:
    """The message of an event that was not given as plain text."""
    if event is None:
        return ""
    if isinstance(event, str):
        return str.__str__(event)
    return str(json_safe(event))


def _console_value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return escape_text(text)


class LogPipeline:
    """One structlog processor (and stdlib formatter step) that shapes, redacts and renders."""

    def __init__(  # noqa: PLR0913 - the pipeline's settings, all with defaults
        self,
        *,
        log_format: LogFormat = "json",
        service: str = DEFAULT_SERVICE_NAME,
        policy: RedactionPolicy = DEFAULT_POLICY,
        correlation: CorrelationSource | None = None,
        colors: bool = False,
        on_event: Callable[[LogLevel], object] | None = None,
        clock: Clock | None = None,
    ) -> None:
        """Choose the format, the service name, the redaction policy, the span source and the clock."""
        self.log_format: LogFormat = log_format
        self.service = service
        self.policy = policy
        self._redactor = CachingRedactor(policy)
        self.correlation: CorrelationSource = correlation or ContextCorrelation()
        # The context holds only checked ids (our spans, use_span_ids); any other source is checked per line.
        self._trusted = type(self.correlation) is ContextCorrelation
        self.on_event = on_event
        self.threshold = 0
        """Events below this standard-library level number are dropped (set by ``configure_logging``)."""
        self._clock = _UtcClock((clock if clock is not None else SystemClock()).time)
        self._service_json = _ENCODER.encode(service)
        self._logger_json: dict[object, str] = {}
        self._console = ConsoleRenderer(colors=colors, sort_keys=False)
        self._render: Callable[[dict[str, Any]], str] = {
            "json": self._render_json,
            "console": self._render_console,
            "logfmt": self._render_logfmt,
        }[log_format]

    def __call__(self, logger: object, method_name: str, event_dict: MutableMapping[str, Any]) -> str:
        """The rendered line for one event; never raises (an event below the set-up's level is dropped)."""
        level = LEVEL_OF_METHOD.get(method_name, LogLevel.INFO)
        if _NUMERIC[level] < self.threshold:
            # A logger bound under an earlier, more verbose set-up still calls in: the current level rules.
            raise DropEvent
        try:
            own = _own_fields(event_dict)
            user, record_name = self._user_fields(event_dict)
            name = getattr(logger, "name", "root")
            if record_name is not None:
                name, own = record_name, own or StandardFields()
            if self.log_format == "json" and not own:
                line = self._json_line(level, name, user)
            else:
                line = self._render(self._assemble(level, name, user, own))
        except Exception as error:  # noqa: BLE001 - an event is never lost to a failing value or renderer
            FAILURES.add()
            line = self._fallback(level, error)
        if self.on_event is not None:
            try:
                self.on_event(level)
            except Exception:  # noqa: BLE001 - counting must not break logging
                FAILURES.add()
        return line

    def shape(self, level: LogLevel, event_dict: MutableMapping[str, Any], logger: object = "root") -> dict[str, Any]:
        """The event as plain JSON data, redacted, with the standard keys first."""
        own = _own_fields(event_dict)
        user, record_name = self._user_fields(event_dict)
        if record_name is not None:
            logger = record_name
        return self._assemble(level, logger, user, own)

    def _user_fields(self, event_dict: MutableMapping[str, Any]) -> tuple[dict[str, Any], str | None]:
        """What the caller passed (and bound), event first, redacted, as plain JSON data."""
        bound = bound_items()
        # "event" first: later updates keep a key's position.
        given: dict[str, Any] = {"event": ""}
        if bound:
            given.update(bound)
        given.update(event_dict)
        event = given["event"]
        if type(event) is not str:
            given["event"] = _event_text(event)
        logger_name = None
        if "_record" in given:
            del given["_record"]
            given.pop("_from_structlog", None)
            # A standard-library record's logger name, added by the bridge itself.
            logger_name = given.pop("logger", None)
        exc_info = given.pop("exc_info", None)
        if exc_info:
            given["exception"] = _exception_text(exc_info)
        if not _STANDARD_KEYS.isdisjoint(given):
            given = _renamed_clashes(given)
        # Only what callers passed is redacted; the fields this pipeline adds are its own.
        # The record's logger name travels apart: no key a caller can pass may set it.
        return self._redactor.event(given), logger_name if type(logger_name) is str else None

    def _assemble(self, level: LogLevel, logger: object, user: dict[str, Any], own: object = None) -> dict[str, Any]:
        overrides = own if isinstance(own, dict) else {}
        timestamp = overrides.get("timestamp")
        shaped: dict[str, Any] = {
            "timestamp": timestamp if type(timestamp) is str else self._clock.now(),
            "level": level.value,
            "logger": logger if type(logger) is str else "root",
            "service": self.service,
        }
        shaped.update(user)
        ids = valid_span_ids(_GivenIds(overrides)) if "trace_id" in overrides else self._span_ids()
        if ids is not None:
            shaped["trace_id"] = ids.trace_id
            shaped["span_id"] = ids.span_id
        return shaped

    def _span_ids(self) -> HasSpanIds | None:
        """The current span's ids, if valid W3C ids (so that they are safe to write unquoted)."""
        ids = self.correlation.current()
        if ids is None or self._trusted:
            return ids
        return valid_span_ids(ids)

    def _json_line(self, level: LogLevel, logger: object, user: dict[str, Any]) -> str:
        """The JSON line, its standard fields written around the encoded caller fields.

        Every piece is JSON made by the json module (names and the service are
        encoded once and remembered; the timestamp, level and ids are ASCII
        without quotes or backslashes), so the line is the same JSON as
        encoding the whole dict, only cheaper.
        """
        names = self._logger_json
        logger_json = names.get(logger) if type(logger) is str else None
        if logger_json is None:
            logger_json = _ENCODER.encode(logger if type(logger) is str else "root")
            if len(names) < _MAX_LOGGER_NAMES:
                names[logger] = logger_json
        ids = self._span_ids()
        tail = "}" if ids is None else f',"trace_id":"{ids.trace_id}","span_id":"{ids.span_id}"}}'
        return (
            f'{{"timestamp":"{self._clock.now()}","level":"{level.value}","logger":{logger_json},'
            f'"service":{self._service_json},{_json_members(user)}{tail}'
        )

    def _render_json(self, event: dict[str, Any]) -> str:
        # ensure_ascii escapes U+2028, U+2029 and U+0085 too, which some readers treat as line ends.
        return _ENCODER.encode(event)

    def _render_logfmt(self, event: dict[str, Any]) -> str:
        return render_logfmt(
            (key, json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value)
            for key, value in event.items()
        )

    def _render_console(self, event: dict[str, Any]) -> str:
        escaped = {escape_text(str(key)): _console_value(value) for key, value in event.items()}
        # ConsoleRenderer prints these keys on lines of their own; here they stay on the event's line.
        own_lines = [f"{key}={escaped.pop(key)}" for key in _CONSOLE_OWN_LINES if key in escaped]
        line = self._console(None, "info", escaped)
        return " ".join([line, *own_lines]) if own_lines else line

    def _fallback(self, level: LogLevel, error: Exception) -> str:
        """A line built from safe values only, for an event that failed."""
        event = {
            "timestamp": self._clock.now(),
            "level": level.value,
            "service": escape_text(self.service),
            "event": placeholder(error).replace("unrepresentable", "unloggable event:"),
            "logging_error": type(error).__name__,
        }
        if self.log_format == "json":
            return _ENCODER.encode(event)
        return render_logfmt(event.items())


class _GivenIds:
    """The span ids the library passed for a stored entry, read like any correlation source's."""

    __slots__ = ("span_id", "trace_id")

    def __init__(self, overrides: dict[str, Any]) -> None:
        self.trace_id = overrides.get("trace_id")
        self.span_id = overrides.get("span_id")


def _renamed_clashes(given: dict[str, Any]) -> dict[str, Any]:
    """``given`` with each key that is a standard field renamed (``level`` to ``level_``), order kept.

    The standard fields are the library's: a caller's ``level=``, ``timestamp=``
    or ``trace_id=`` (an untrusted dict passed as keywords, say) is kept, under
    the first free name with ``_`` added, and never replaces them.
    """
    renamed: dict[str, Any] = {}
    for key, value in given.items():
        name = key
        if key in _STANDARD_KEYS:
            name = f"{key}_"
            while name in given or name in renamed:
                name += "_"
        renamed[name] = value
    return renamed


def format_of_stream(stream: object) -> LogFormat:
    """``console`` for a terminal, ``json`` for anything else (pipes, files, collectors)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return "console" if callable(isatty) and isatty() else "json"
    except Exception:  # noqa: BLE001 - a stream that cannot tell is not a terminal
        return "json"
