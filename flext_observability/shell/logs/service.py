"""``FlextLoggingService``: log entities, bind context, and keep the recent entries.

>>> import io
>>> from flext_observability.logs import configure_logging, reset_logging
>>> _ = configure_logging(format="json", stream=io.StringIO(), service_name="orders")
>>> logs = FlextLoggingService(capacity=2)
>>> for table in ("a", "b", "c"):
...     _ = logs.info("table loaded", table=table)
>>> [entry.context["table"] for entry in logs.query_logs()]
['b', 'c']
>>> logs.dropped
1
>>> reset_logging()
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING, Final

from returns.result import Result, Success

from flext_observability.core.frozen import FrozenMap
from flext_observability.core.logs.entry import FlextLogEntry, build_log_entry, validate_log_entry
from flext_observability.core.redaction import DEFAULT_POLICY, redact_mapping, redact_text
from flext_observability.core.values import LogLevel
from flext_observability.shell.context import current_context, current_span_ids
from flext_observability.shell.counts import check_count
from flext_observability.shell.factory import FlextObservabilityMasterFactory
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.logs.pipeline import STANDARD_OVERRIDES, StandardFields
from flext_observability.shell.logs.setup import current_setup, get_logger

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.core.errors import FlextValidationError
    from flext_observability.shell.metrics.service import FlextMetricsService

DEFAULT_CAPACITY: Final = 1000
"""Entries kept in memory by default; older ones are dropped, and counted."""

MAX_CAPACITY: Final = 10_000_000
"""The most entries a service keeps in memory."""

_ORDER: Final = {level: index for index, level in enumerate(LogLevel)}
_LEVEL_NAMES: Final = {level.value: level for level in LogLevel}
_NO_MATCH: Final = object()
"""A criterion of the wrong type: it matches no entry."""


def _level_criterion(value: object) -> LogLevel | object | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _LEVEL_NAMES.get(str.__str__(value), _NO_MATCH)
    return _NO_MATCH


def _text_criterion(value: object) -> str | object | None:
    if value is None:
        return None
    return str.__str__(value) if isinstance(value, str) else _NO_MATCH


def _number_criterion(value: object, *, integral: bool) -> float | object | None:
    if value is None:
        return None
    kinds: tuple[type, ...] = (int,) if integral else (int, float)
    if isinstance(value, bool) or type(value) not in kinds or value != value:  # noqa: PLR0124 - NaN matches nothing
        return _NO_MATCH
    return value


def _redacted(entry: FlextLogEntry) -> Result[FlextLogEntry, FlextValidationError]:
    """``entry`` as the pipeline writes it: event and context redacted with the current set-up's policy."""
    setup = current_setup()
    policy = setup.pipeline.policy if setup is not None else DEFAULT_POLICY
    event = redact_text(policy, entry.event)
    context = redact_mapping(policy, entry.context)
    if event == entry.event and context == dict(entry.context):
        return Success(entry)
    return build_log_entry(
        event=event,
        level=entry.level,
        logger=entry.logger,
        timestamp=entry.timestamp,
        context=context,
        trace_id=entry.trace_id,
        span_id=entry.span_id,
    )


def _iso(seconds: float) -> str:
    whole = int(seconds)
    micros = min(round((seconds - whole) * 1_000_000), 999_999)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole))}.{micros:06d}Z"


class FlextLoggingService:
    """Writes log entries through the configured pipeline and keeps the last ``capacity`` of them.

    The pipeline itself is set up once per process by
    :func:`~flext_observability.shell.logs.setup.configure_logging`.
    """

    def __init__(
        self,
        *,
        logger: str = "flext",
        capacity: int = DEFAULT_CAPACITY,
        factory: FlextObservabilityMasterFactory | None = None,
        metrics: FlextMetricsService | None = None,
    ) -> None:
        """Log as ``logger`` by default; keep ``capacity`` entries; count drops in ``metrics`` if given.

        Raises ``TypeError`` or ``ValueError`` naming the argument for a
        set-up mistake: a ``logger`` that is not text, a ``capacity`` that is
        not an ``int`` from 1 to :data:`MAX_CAPACITY`, a ``factory`` or
        ``metrics`` of another type.
        """
        name: object = logger  # what callers pass at runtime may be anything
        if not isinstance(name, str) or not str.__str__(name):
            message = f"logger must be a non-empty logger name (str), got {type(logger).__name__}"
            raise TypeError(message)
        capacity = check_count("capacity", capacity, most=MAX_CAPACITY)
        maker: object = factory
        if maker is not None and not isinstance(maker, FlextObservabilityMasterFactory):
            message = f"factory must be a FlextObservabilityMasterFactory, got {type(factory).__name__}"
            raise TypeError(message)
        if metrics is not None and not callable(getattr(metrics, "counter", None)):
            message = f"metrics must be a FlextMetricsService, got {type(metrics).__name__}"
            raise TypeError(message)
        self._name = logger = str.__str__(logger)
        self._factory = factory if factory is not None else FlextObservabilityMasterFactory(service=logger)
        self._entries: deque[FlextLogEntry] = deque(maxlen=capacity)
        self._lock = fork_safe_lock()
        self._dropped = 0
        self._on_drop: Callable[[], object] | None = None
        if metrics is not None:
            dropped = metrics.counter(
                "flext_observability_log_entries_dropped_total",
                "Log entries pushed out of the in-memory repository by newer ones.",
            ).unwrap()
            self._on_drop = dropped.inc

    # --- writing -----------------------------------------------------------

    def log_entry(self, entry: FlextLogEntry) -> Result[FlextLogEntry, FlextValidationError]:
        """Check ``entry``, write it through the pipeline and keep it; never raises.

        What is kept and returned is what was written: the event and the
        context with their secrets replaced by the logging set-up's redaction
        policy, so ``query_logs()``, ``to_dict()`` and ``repr`` never hold a
        secret the log line did not.
        """
        return validate_log_entry(entry).bind(_redacted).map(self._write)

    def _write(self, entry: FlextLogEntry) -> FlextLogEntry:
        with self._lock:
            full = len(self._entries) == self._entries.maxlen
            self._entries.append(entry)
            if full:
                self._dropped += 1
        if full and self._on_drop is not None:
            self._on_drop()
        # The entry's own timestamp and ids travel apart from its context, which may use any key.
        standard = StandardFields(timestamp=_iso(entry.timestamp))
        if entry.trace_id is not None and entry.span_id is not None:
            standard["trace_id"], standard["span_id"] = entry.trace_id, entry.span_id
        logger = get_logger(entry.logger)
        if current_setup() is None:
            # structlog's own defaults (configure_logging not called) know nothing of the standard
            # fields' key: the ids go as plain fields, and its renderer stamps its own time.
            plain = {
                key: value.to_dict() if isinstance(value, FrozenMap) else value for key, value in entry.context.items()
            }
            standard.pop("timestamp")
            getattr(logger, entry.level.value)(entry.event, **{**plain, **standard})
        else:
            getattr(logger, entry.level.value)(entry.event, **entry.context, **{STANDARD_OVERRIDES: standard})
        return entry

    def log(
        self, level: LogLevel | str, event: str, /, **context: object
    ) -> Result[FlextLogEntry, FlextValidationError]:
        """Log ``event`` at ``level`` now, with ``context`` and the current span's ids."""
        ids = current_span_ids()
        return self._factory.create_log_entry(
            event,
            level=level,
            logger=self._name,
            context={**current_context(), **context},
            trace_id=None if ids is None else ids.trace_id,
            span_id=None if ids is None else ids.span_id,
        ).bind(self.log_entry)

    def debug(self, event: str, /, **context: object) -> Result[FlextLogEntry, FlextValidationError]:
        """Log at debug level."""
        return self.log(LogLevel.DEBUG, event, **context)

    def info(self, event: str, /, **context: object) -> Result[FlextLogEntry, FlextValidationError]:
        """Log at info level."""
        return self.log(LogLevel.INFO, event, **context)

    def warning(self, event: str, /, **context: object) -> Result[FlextLogEntry, FlextValidationError]:
        """Log at warning level."""
        return self.log(LogLevel.WARNING, event, **context)

    def error(self, event: str, /, **context: object) -> Result[FlextLogEntry, FlextValidationError]:
        """Log at error level."""
        return self.log(LogLevel.ERROR, event, **context)

    def critical(self, event: str, /, **context: object) -> Result[FlextLogEntry, FlextValidationError]:
        """Log at critical level."""
        return self.log(LogLevel.CRITICAL, event, **context)

    # --- reading -----------------------------------------------------------

    @property
    def dropped(self) -> int:
        """Entries pushed out by newer ones since the service started."""
        return self._dropped

    def query_logs(
        self,
        *,
        level: LogLevel | str | None = None,
        min_level: LogLevel | str | None = None,
        logger: str | None = None,
        trace_id: str | None = None,
        since: float | None = None,
        limit: int | None = None,
    ) -> tuple[FlextLogEntry, ...]:
        """The kept entries matching every given criterion, oldest first.

        ``level`` matches one level exactly and ``min_level`` that level and
        above; ``since`` is seconds since the epoch; ``limit`` keeps the newest.
        A criterion of the wrong type (``limit="x"``, an unknown level) matches
        nothing: the answer is ``()``. Never raises.
        """
        exact, lowest = _level_criterion(level), _level_criterion(min_level)
        name, trace = _text_criterion(logger), _text_criterion(trace_id)
        start, count = _number_criterion(since, integral=False), _number_criterion(limit, integral=True)
        if _NO_MATCH in {exact, lowest, name, trace, start, count} or (count is not None and count < 0):  # type: ignore[operator]
            return ()
        with self._lock:
            entries = tuple(self._entries)
        floor = None if lowest is None else _ORDER[lowest]  # type: ignore[index]
        found = tuple(
            entry
            for entry in entries
            if (exact is None or entry.level == exact)
            and (floor is None or _ORDER[entry.level] >= floor)
            and (name is None or entry.logger == name)
            and (trace is None or entry.trace_id == trace)
            and (start is None or entry.timestamp >= start)  # type: ignore[operator]
        )
        return found if count is None else found[max(len(found) - count, 0) :]  # type: ignore[operator]
