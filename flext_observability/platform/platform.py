"""``FlextObservabilityPlatform``: the five services, built from the settings and wired once.

What the platform wires, so an application does not have to:

- one service name for every signal: spans' ``service.name``, log lines'
  ``service``, the Pushgateway job (unless set), alert sources;
- tracing's and alerts' self-metrics, health status and log counts land in
  the platform's metrics service, so ``/metrics`` shows them all;
- log lines carry the current span's ids (the logging pipeline reads the
  span context tracing keeps);
- spans go to an in-memory repository (for ``/status``), to the exporters
  given, and to OTLP when ``OTEL_EXPORTER_OTLP_*`` asks for it;
- alerts go to the sinks given (a log sink when none), and to the
  Alertmanagers of ``FLEXT_OBSERVABILITY_ALERTMANAGER_URLS``;
- plugins hear of spans, alerts, health changes and recorded metrics.

Arguments win over the environment; the environment wins over defaults. A
bad variable is logged as an error naming it and replaced by its default,
unless ``strict=True``, which raises ``ValueError`` listing every bad one.

>>> import io
>>> platform = FlextObservabilityPlatform("orders", environ={}, log_stream=io.StringIO(), load_plugins=False)
>>> platform.service_name, platform.tracing.service_name
('orders', 'orders')
>>> with platform.tracing.start_span("load"):
...     platform.logger.info("loaded", rows=3)
>>> platform.shutdown(timeout=5).clean
True
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Self, TextIO

from attrs import evolve, frozen
from returns.result import Failure, Result, Success

from flext_observability.core.errors import FlextExportError
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.core.settings import (
    FLEXT_OBSERVABILITY_PUSHGATEWAY_JOB,
    FLEXT_OBSERVABILITY_SERVICE_NAME,
    PlatformSettings,
    read_platform_environment,
)
from flext_observability.platform.arguments import (
    check_log_stream,
    check_settings_argument,
    checked_environ,
    checked_exporters,
    checked_flag,
    checked_service_name,
    checked_sinks,
)
from flext_observability.platform.page import PAGE_PATH, StatusPageApp
from flext_observability.platform.plugins import (
    LOAD,
    MAX_PLUGINS,
    HealthChanges,
    PluginAlerts,
    PluginHooks,
    PluginSpans,
    check_plugins,
    load_entry_point_plugins,
)
from flext_observability.platform.status import StatusApp, status_document
from flext_observability.shell.alerts.delivery import AlertmanagerSink, LogSink
from flext_observability.shell.alerts.metrics import register_alert_metrics
from flext_observability.shell.alerts.routing import AlertRoute, AlertSink
from flext_observability.shell.alerts.service import FlextAlertService
from flext_observability.shell.health.http import make_health_app
from flext_observability.shell.health.metrics import register_health_metrics
from flext_observability.shell.health.service import FlextHealthService
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.logs.service import FlextLoggingService
from flext_observability.shell.logs.setup import configure_logging, get_logger
from flext_observability.shell.metrics.http import make_metrics_app
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.shell.seconds import timeout_seconds
from flext_observability.shell.tracing.environment import read_environment, sampler_of
from flext_observability.shell.tracing.exporters import FlextOtlpHttpExporter, InMemorySpanRepository, SpanExporter
from flext_observability.shell.tracing.service import FlextTracingService

if TYPE_CHECKING:
    from flext_observability.core.errors import FlextValidationError
    from flext_observability.core.metrics.metric import FlextMetric
    from flext_observability.shell.clock import Clock
    from flext_observability.shell.ids import IdGenerator
    from flext_observability.shell.logs.setup import FlextLogger
    from flext_observability.shell.metrics.http import MetricsServer, WSGIApp
    from flext_observability.shell.web.bridge import WsgiBridge

_LOG: Final = library_logger("flext_observability.platform")

STATUS_PATH: Final = "/status"
DEFAULT_SHUTDOWN_SECONDS: Final = 5.0
"""What :meth:`FlextObservabilityPlatform.shutdown` may take unless told; a timeout that is no number waits this."""
METRICS_PATH: Final = "/metrics"
PLUGIN_FAILURES: Final = "flext_observability_plugin_failures_total"
PLATFORM_REFUSALS: Final = "flext_observability_platform_refusals_total"
_MIN_BATCH: Final = 1


@frozen(kw_only=True)
class ShutdownSummary:
    """What ``shutdown()`` managed, part by part; ``clean`` when everything finished within the timeout.

    ``spans_flushed``: every ended span was exported (or given up on) and the
    exporters stopped; ``alerts_delivered``: every sink delivered what it held
    and stopped; ``pushed``: the final Pushgateway push succeeded (``None``
    without a Pushgateway); ``health_stopped``: the check threads stopped;
    ``server_closed``: the server stopped serving (``None`` when none was
    started). ``seconds`` is the time it took; ``already`` says an earlier
    call did the work and this one only returned its summary.
    """

    spans_flushed: bool
    alerts_delivered: bool
    pushed: bool | None
    health_stopped: bool
    server_closed: bool | None
    seconds: float
    problems: tuple[str, ...] = ()
    already: bool = False

    @property
    def clean(self) -> bool:
        """Whether every part finished in time and nothing failed."""
        return (
            self.spans_flushed
            and self.alerts_delivered
            and self.pushed is not False
            and self.health_stopped
            and self.server_closed is not False
            and not self.problems
        )


class FlextObservabilityPlatform:
    """Metrics, tracing, logging, health and alerts for one service, built and wired once; thread-safe.

    See the module for what is wired. Nothing listens and no thread runs
    until :meth:`serve` or :meth:`start`; :meth:`shutdown` (or leaving a
    ``with`` block, or the interpreter's exit after ``start``) flushes and
    stops everything within its timeout.
    """

    def __init__(  # noqa: C901, PLR0913, PLR0915 - the composition root: every part may be chosen
        self,
        service_name: str | None = None,
        *,
        settings: PlatformSettings | None = None,
        environ: Mapping[str, str] | None = None,
        strict: bool = False,
        clock: Clock | None = None,
        id_generator: IdGenerator | None = None,
        span_exporters: Iterable[SpanExporter] | None = None,
        alert_sinks: Iterable[AlertSink | AlertRoute] | None = None,
        plugins: Iterable[object] | None = None,
        load_plugins: bool | None = None,
        log_stream: TextIO | None = None,
        configure_logs: bool = True,
    ) -> None:
        """Build the services; a set-up mistake raises ``TypeError`` or ``ValueError`` naming the argument.

        - ``service_name``: wins over ``FLEXT_OBSERVABILITY_SERVICE_NAME``,
          which wins over ``OTEL_SERVICE_NAME``.
        - ``settings``: a ready :class:`PlatformSettings`; the environment
          is then not read at all.
        - ``environ``: where the variables are read (``os.environ`` by default).
        - ``strict``: a bad variable raises ``ValueError`` (listing every
          bad one) instead of being logged and replaced by its default.
        - ``clock``, ``id_generator``: for exact tests.
        - ``span_exporters``, ``alert_sinks``: more destinations, beside those
          the settings ask for (without ``alert_sinks``, alerts are logged).
        - ``plugins``, ``load_plugins``: plugins given, and whether to load
          those of the entry points too (``FLEXT_OBSERVABILITY_LOAD_PLUGINS``
          by default).
        - ``log_stream``, ``configure_logs``: where log lines go (standard
          output by default), and whether this platform sets up the
          process's logging at all (``False`` leaves it as it is).
        """
        name = checked_service_name(service_name)
        strict = checked_flag("strict", strict)
        configure_logs = checked_flag("configure_logs", configure_logs)
        if load_plugins is not None:
            checked_flag("load_plugins", load_plugins)
        check_settings_argument(settings)
        check_log_stream(log_stream)
        exporters = checked_exporters(span_exporters)
        sinks = checked_sinks(alert_sinks)
        given_plugins = check_plugins(plugins)

        self._lock = fork_safe_lock()
        self._refusals: dict[str, int] = {}
        problems: list[str] = []
        if settings is None:
            settings, problems = self._read_settings(checked_environ(environ))
            if problems and strict:
                listed = "\n  ".join(problems)
                message = f"the environment variables are not valid (fix them, or leave them unset):\n  {listed}"
                raise ValueError(message)
        if name is not None:
            job = settings.pushgateway_job
            named_job = job if job != settings.service_name else name
            settings = evolve(settings, service_name=name, pushgateway_job=named_job)
        self.settings: Final = settings
        """The settings in force: the environment's, with the arguments applied."""
        self.service_name: Final = settings.service_name
        """The one name of the service on every signal."""

        loaded_names: list[str] = []
        all_plugins = list(given_plugins)
        load_failures: list[str] = []
        if settings.load_plugins if load_plugins is None else load_plugins:
            loaded = load_entry_point_plugins(limit=max(MAX_PLUGINS - len(all_plugins), 0))
            all_plugins.extend(loaded.plugins)
            loaded_names = [""] * len(given_plugins) + loaded.names
            load_failures = loaded.failed
        self.plugins: Final = PluginHooks(all_plugins, loaded_names)
        """The plugins, their hooks, and the count of their failures."""
        for failed in load_failures:
            self.plugins.count_failure(failed, LOAD)

        self.metrics: Final = FlextMetricsService(max_series=settings.max_series, clock=clock)
        """Instruments and their series; ``/metrics`` serves them."""
        self._register_platform_metrics()

        self.spans: Final = InMemorySpanRepository(capacity=settings.span_repository_size)
        """The most recent spans, for ``/status`` and for queries."""
        self.tracing: Final = self._make_tracing(settings, exporters, clock, id_generator)
        """Spans in context, propagation, sampling and export."""
        if self.plugins.wants("on_span_start"):
            self.tracing.add_start_hook(partial(self.plugins.call, "on_span_start"))

        if configure_logs:
            configure_logging(
                format=settings.log_format,  # type: ignore[arg-type]
                level=settings.log_level,
                stream=log_stream,
                service_name=self.service_name,
                metrics=self.metrics,
                clock=clock,
            )
        self.logging: Final = FlextLoggingService(logger=self.service_name, metrics=self.metrics)
        """Log entities, and the recent entries."""
        self.logger: Final[FlextLogger] = get_logger(self.service_name)
        """A structured logger of the service (structlog's bound logger), correlated with the current span."""

        self.health: Final = FlextHealthService(clock=clock)
        """Health checks; ``/livez``, ``/readyz``, ``/startupz`` and ``/health`` answer them."""
        self._unwrap(register_health_metrics(self.health, self.metrics), "health metrics")
        if self.plugins.wants("on_health_change"):
            self.health.add_run_hook(HealthChanges(self.plugins))
        self._health_app = make_health_app(self.health, details=settings.health_details)

        self.alerts: Final = self._make_alerts(settings, sinks, clock)
        """Alerts raised by code and by rules, sent to the sinks."""
        self._unwrap(register_alert_metrics(self.alerts, self.metrics), "alert metrics")

        self._status_app = StatusApp(self.status)
        self._server: MetricsServer | None = None
        self._started = False
        self._shutdown_summary: ShutdownSummary | None = None
        self._shutting_down = threading.Event()
        self._pid = os.getpid()
        _EVERY.add(self)
        for problem in problems:
            _LOG.error("%s; the default is used", problem)
        if problems:
            self._refuse("invalid_environment", len(problems))

    # --- set-up ------------------------------------------------------------------

    @staticmethod
    def _read_settings(environ: Mapping[str, str]) -> tuple[PlatformSettings, list[str]]:
        """The environment's settings, and one line per bad variable (``OTEL_*`` checked as tracing checks them)."""
        reading = read_platform_environment(environ)
        tracing, otel_problems = read_environment(environ)
        lines = [
            redact_text(DEFAULT_POLICY, f"{problem.field}: {problem.message}")
            for problem in reading.problems
            if not problem.field.startswith(("OTEL_", "environ['OTEL_"))
        ]
        lines.extend(problem.describe() for problem in otel_problems)
        settings = reading.settings
        bad = {problem.field for problem in reading.problems}
        own_name = (
            FLEXT_OBSERVABILITY_SERVICE_NAME not in bad
            and isinstance(environ.get(FLEXT_OBSERVABILITY_SERVICE_NAME), str)
            and bool(str(environ.get(FLEXT_OBSERVABILITY_SERVICE_NAME, "")).strip())
        )
        name = settings.service_name if own_name else tracing.service_name
        own_job = FLEXT_OBSERVABILITY_PUSHGATEWAY_JOB not in bad and bool(
            str(environ.get(FLEXT_OBSERVABILITY_PUSHGATEWAY_JOB, "") or "").strip()
        )
        job = settings.pushgateway_job if own_job else name
        return evolve(settings, tracing=tracing, service_name=name, pushgateway_job=job), lines

    def _make_tracing(
        self,
        settings: PlatformSettings,
        exporters: tuple[SpanExporter, ...],
        clock: Clock | None,
        id_generator: IdGenerator | None,
    ) -> FlextTracingService:
        tracing = settings.tracing
        chosen: list[SpanExporter] = [self.spans]
        if self.plugins.wants("on_span_end"):
            chosen.append(PluginSpans(self.plugins))
        chosen.extend(exporters)
        if tracing.traces_endpoint is not None and not tracing.disabled:
            resource: dict[str, str] = {**tracing.resource_attributes, "service.name": self.service_name}
            if settings.environment:
                resource["deployment.environment.name"] = settings.environment
            chosen.append(
                FlextOtlpHttpExporter(
                    tracing.traces_endpoint,
                    headers=tracing.headers,
                    timeout=tracing.timeout_seconds or 10.0,
                    compression=tracing.compression,
                    resource=resource,
                )
            )
        queue = settings.queue_size
        return FlextTracingService(
            service_name=self.service_name,
            exporters=chosen,
            sampler=sampler_of(tracing),
            id_generator=id_generator,
            metrics=self.metrics,
            clock=clock,
            max_queue_size=queue,
            max_export_batch_size=max(min(tracing.max_export_batch_size or 512, queue), _MIN_BATCH),
            schedule_delay=tracing.schedule_delay_seconds or 5.0,
            export_timeout=tracing.export_timeout_seconds or 30.0,
        )

    def _make_alerts(self, settings: PlatformSettings, sinks: list[object], clock: Clock | None) -> FlextAlertService:
        routes: list[Any] = list(sinks) if sinks else [LogSink(logger=self.logging)]
        if settings.alertmanager_urls:
            routes.append(AlertmanagerSink(list(settings.alertmanager_urls)))
        if self.plugins.wants("on_alert_transition"):
            routes.append(PluginAlerts(self.plugins))
        return FlextAlertService(routes=routes, metrics=self.metrics, clock=clock, history=settings.alert_history)

    def _register_platform_metrics(self) -> None:
        ref = weakref.ref(self)

        def plugin_failures() -> object:
            platform = ref()
            if platform is None:
                return []
            return [
                ({"plugin": plugin, "hook": hook}, count)
                for (plugin, hook), count in platform.plugins.failures().items()
            ]

        def refusals() -> object:
            platform = ref()
            if platform is None:
                return []
            return [({"reason": reason}, count) for reason, count in platform.refusals().items()]

        self._unwrap(
            self.metrics.counter_callback(
                PLUGIN_FAILURES,
                "Plugin hooks that raised (or plugins that failed to load, hook=load), by plugin and hook.",
                plugin_failures,
                labels=("plugin", "hook"),
            ),
            "plugin metrics",
        )
        self._unwrap(
            self.metrics.counter_callback(
                PLATFORM_REFUSALS,
                "What the platform refused (bad environment variables, bad calls), by reason.",
                refusals,
                labels=("reason",),
            ),
            "platform metrics",
        )

    @staticmethod
    def _unwrap(result: Result[Any, FlextValidationError], what: str) -> None:
        if isinstance(result, Failure):  # only a name clash in a fresh metrics service: a defect, said plainly
            message = f"setting up {what} failed: {result.failure()}"
            raise ValueError(message)  # noqa: TRY004 - a set-up defect, like every other of the constructor

    def _refuse(self, reason: str, count: int = 1) -> None:
        with self._lock:
            first = reason not in self._refusals
            self._refusals[reason] = self._refusals.get(reason, 0) + count
        if first and reason != "invalid_environment":
            _LOG.warning("the platform refused a call (%s); further ones of this kind are only counted", reason)

    def refusals(self) -> dict[str, int]:
        """What the platform itself refused, by reason (the services count their own)."""
        with self._lock:
            return dict(self._refusals)

    # --- recording ---------------------------------------------------------------

    def record_metric(self, metric: FlextMetric) -> Result[FlextMetric, FlextValidationError]:
        """Record a metric entity in :attr:`metrics`, and tell the plugins' ``on_metric_recorded``."""
        recorded = self.metrics.record_metric(metric)
        if isinstance(recorded, Success) and self.plugins.wants("on_metric_recorded"):
            self.plugins.call("on_metric_recorded", recorded.unwrap())
        return recorded

    # --- serving -----------------------------------------------------------------

    def routes(self) -> dict[str, WSGIApp]:
        """The paths served beside ``/metrics``: the health endpoints, ``/status`` and the status page ``/``."""
        page = StatusPageApp(self.status, self.metrics.snapshot)
        return {**self._health_app.routes, STATUS_PATH: self._status_app, PAGE_PATH: page}

    def wsgi_app(self) -> WSGIApp:
        """A WSGI app answering ``/metrics``, ``/livez``, ``/readyz``, ``/startupz``, ``/health``, ``/status``, ``/``.

        ``/`` is the status page: the ``/status`` document and the metric series as one self-contained HTML page.
        """
        return make_metrics_app(self.metrics.registry, path=METRICS_PATH, routes=self.routes())

    def asgi_app(self, *, max_workers: int = 4, max_pending: int = 64) -> WsgiBridge:
        """The same routes for ASGI servers; the WSGI routes run in a bounded pool, off the event loop."""
        from flext_observability.shell.web.bridge import wsgi_to_asgi  # noqa: PLC0415 - only ASGI users need it

        return wsgi_to_asgi(self.wsgi_app(), max_workers=max_workers, max_pending=max_pending)

    def serve(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        tls: tuple[str, str] | None = None,
        basic_auth: tuple[str, str] | None = None,
    ) -> Result[MetricsServer, FlextExportError]:
        """Serve every route on one port in a background thread (loopback and port 9464 by default).

        ``host`` and ``port`` win over ``FLEXT_OBSERVABILITY_HOST`` and
        ``FLEXT_OBSERVABILITY_PORT``. A second ``serve`` while serving
        answers the running server; after ``shutdown`` it is a ``Failure``.
        """
        chosen_host = self.settings.host if host is None else host
        chosen_port = self.settings.port if port is None else port
        with self._lock:
            if self._shutting_down.is_set():
                return Failure(FlextExportError(target="platform", message="the platform is shut down"))
            if self._server is not None:
                return Success(self._server)
            served = self.metrics.serve(
                chosen_host, chosen_port, path=METRICS_PATH, tls=tls, basic_auth=basic_auth, routes=self.routes()
            )
            if isinstance(served, Success):
                self._server = served.unwrap()
        return served

    @property
    def server(self) -> MetricsServer | None:
        """The running server, if :meth:`serve` started one."""
        return self._server

    # --- status --------------------------------------------------------------------

    def counters(self) -> dict[str, object]:
        """The platform's counters: refusals, drops and plugin failures, each by where it happened."""
        spans = self.tracing.counts()
        families = {family.spec.exposed_name: family for family in self.metrics.snapshot().families}
        rejected = families.get("flext_observability_rejected_samples_total")
        overflow = families.get("flext_observability_series_overflow_total")
        sinks = {route.sink.name: route.sink for route in self.alerts.routes}
        sink_drops: dict[str, int] = {}
        for sink_name, sink in sinks.items():
            stats = getattr(sink, "stats", None)
            try:
                sink_drops[sink_name] = stats().dropped if callable(stats) else 0
            except Exception:  # noqa: BLE001 - a sink's counts are its own code
                sink_drops[sink_name] = 0
        return {
            "refusals": {
                "platform": self.refusals(),
                "spans": {reason: count for reason, count in spans.refusals.items() if count},
                "alerts": self.alerts.refusals(),
                "metric_samples": _family_total(rejected),
            },
            "drops": {
                "spans_queue_full": spans.dropped_queue_full,
                "spans_after_shutdown": spans.dropped_after_shutdown,
                "spans_repository": self.spans.dropped,
                "log_entries": self.logging.dropped,
                "metric_series_overflow": _family_total(overflow),
                "alert_sinks": sink_drops,
            },
            "plugin_failures": {f"{plugin}.{hook}": count for (plugin, hook), count in self.plugins.failures().items()},
            "spans": {
                "started": spans.started,
                "ended": spans.ended,
                "exported": spans.exported,
                "failed": spans.failed,
                "queued": spans.queued,
            },
        }

    def status(self) -> dict[str, Any]:
        """The ``/status`` document (see :mod:`flext_observability.platform.status`); bounded and redacted."""
        return status_document(
            service={
                "name": self.service_name,
                "environment": self.settings.environment,
                "plugins": list(self.plugins.names),
            },
            lifecycle={
                "started": self._started,
                "serving": self._server is not None,
                "shut_down": self._shutdown_summary is not None,
            },
            traces=self.spans.query_traces(limit=self.settings.status_traces),
            active=self.alerts.active_alerts(),
            pending=self.alerts.pending_alerts(),
            checks=self.health.states(),
            counters=self.counters(),
            details=self.settings.health_details,
        )

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        """Start the alert evaluation thread, and register the shutdown at the interpreter's exit (once).

        Calling it again changes nothing; after :meth:`shutdown` it does nothing.
        """
        with self._lock:
            if self._shutting_down.is_set():
                return self
            self.alerts.start(self.settings.alert_interval)
            if not self._started:
                self._started = True
                _at_exit(self)
        return self

    def shutdown(self, timeout: float = DEFAULT_SHUTDOWN_SECONDS) -> ShutdownSummary:
        """Flush and stop everything within ``timeout`` seconds in all, even with every remote dead; idempotent.

        In order: stop serving, stop the alert evaluation and deliver what
        the sinks hold, export the spans left, push to the Pushgateway once
        (when configured), stop the health checks' threads. Each part gets
        what is left of the timeout. A second call returns the first one's
        summary with ``already=True``. Never raises: a negative timeout is 0
        (stop at once), an infinite one the longest a thread can wait, and one
        that is no number the default, as for every run-time timeout.
        """
        seconds = timeout_seconds(timeout, DEFAULT_SHUTDOWN_SECONDS)
        began = time.monotonic()
        deadline = began + seconds
        with self._lock:
            if self._shutdown_summary is not None or self._shutting_down.is_set():
                done = self._shutdown_summary
                return evolve(done, already=True) if done is not None else _in_progress()
            self._shutting_down.set()
            server, self._server = self._server, None
        problems: list[str] = []

        def left() -> float:
            return max(deadline - time.monotonic(), 0.0)

        server_closed: bool | None = None
        if server is not None:

            def close() -> bool:
                server.close(min(left(), 1.0))
                return True

            server_closed = _quietly(problems, "closing the server", close)
        alerts_done = _quietly(problems, "stopping alerts", lambda: self.alerts.shutdown(left() / 3))
        spans_done = _quietly(problems, "flushing spans", lambda: self.tracing.shutdown(left() / 2))
        pushed: bool | None = None
        if self.settings.pushgateway_url is not None:
            pushed = self._final_push(problems, left())
        health_done = _quietly(problems, "stopping health checks", lambda: self.health.shutdown(left()))
        summary = ShutdownSummary(
            spans_flushed=spans_done,
            alerts_delivered=alerts_done,
            pushed=pushed,
            health_stopped=health_done,
            server_closed=server_closed,
            seconds=time.monotonic() - began,
            problems=tuple(problems),
        )
        with self._lock:
            self._shutdown_summary = summary
        if not summary.clean:
            _LOG.warning("the platform shut down with parts unfinished: %s", summary)
        return summary

    def _final_push(self, problems: list[str], seconds: float) -> bool:
        url = self.settings.pushgateway_url
        if url is None or seconds <= 0:
            problems.append("no time was left for the final Pushgateway push")
            return False
        pushed = self.metrics.push(url, self.settings.pushgateway_job, timeout=max(seconds, 0.01), retries=0)
        if isinstance(pushed, Failure):
            problems.append(str(pushed.failure()))
            return False
        return True

    def __enter__(self) -> Self:
        """Use the platform as a context manager that shuts it down."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Shut the platform down (with the settings' shutdown timeout)."""
        self.shutdown(self.settings.shutdown_timeout)

    def _after_fork_in_child(self) -> None:
        """In a forked child: the parent's server thread and evaluation thread are gone; serve and start again."""
        self._server = None
        self._started = False
        self._pid = os.getpid()

    def __repr__(self) -> str:
        return f"FlextObservabilityPlatform({self.service_name!r})"


def _family_total(family: object) -> float:
    series = getattr(family, "series", ())
    total = 0.0
    for one in series:
        value = getattr(one.state, "value", 0.0)
        total += value if isinstance(value, float | int) else 0.0
    return total


def _in_progress() -> ShutdownSummary:
    return ShutdownSummary(
        spans_flushed=False,
        alerts_delivered=False,
        pushed=None,
        health_stopped=False,
        server_closed=None,
        seconds=0.0,
        problems=("another shutdown() is in progress",),
        already=True,
    )


def _quietly(problems: list[str], what: str, step: Any) -> bool:  # noqa: ANN401 - a step of any kind
    try:
        return bool(step())
    except Exception as error:  # noqa: BLE001 - shutdown never raises; a failing part is reported
        problems.append(redact_text(DEFAULT_POLICY, f"{what} raised {type(error).__name__}"))
        return False


# --- the interpreter's exit, and forks ----------------------------------------------

_STARTED: Final[weakref.WeakSet[FlextObservabilityPlatform]] = weakref.WeakSet()
"""The platforms started: shut down at the interpreter's exit."""
_EVERY: Final[weakref.WeakSet[FlextObservabilityPlatform]] = weakref.WeakSet()
"""Every platform alive: told of a fork in the child."""
_AT_EXIT_LOCK: Final = fork_safe_lock()
_REGISTERED: Final = [False]


def _at_exit(platform: FlextObservabilityPlatform) -> None:
    with _AT_EXIT_LOCK:
        _STARTED.add(platform)
        if not _REGISTERED[0]:
            _REGISTERED[0] = True
            atexit.register(_shut_started_down)


def _shut_started_down() -> None:
    for platform in list(_STARTED):
        platform.shutdown(platform.settings.shutdown_timeout)


def _after_fork_in_child() -> None:
    for platform in list(_EVERY):
        platform._after_fork_in_child()  # noqa: SLF001 - this module's own fork hook


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
