"""``FlextMetricsService``: instruments, live series, snapshots and Prometheus export.

>>> service = FlextMetricsService()
>>> rows = service.counter("pipeline_rows_total", "Rows read from the source.", labels=("tap",)).unwrap()
>>> rows.labels(tap="postgres").inc(120)
<Success: None>
>>> rows.labels(tap="postgres").inc(-1).failure().codes
frozenset({<FlextErrorCode.NEGATIVE_COUNTER: 'negative_counter'>})
>>> service.snapshot().family("pipeline_rows_total").state(tap="postgres")
CounterState(value=120.0)
>>> print(service.export_prometheus().unwrap())  # doctest: +ELLIPSIS
# HELP flext_observability_redacted_label_values_total ...
flext_observability_rejected_samples_total{metric="pipeline_rows_total",reason="negative_counter"} 1.0
...
pipeline_rows_total{tap="postgres"} 120.0
<BLANKLINE>

Every message and error target the service writes or returns passes its
redaction policy, so a push to ``http://user:secret@gateway`` fails naming
``http://REDACTED:REDACTED@gateway``; only the request itself uses the URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple, TypeVar, cast

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from returns.result import Failure, Result, Success

from flext_observability.core.checks import Problems, add, describe, invalid_one
from flext_observability.core.errors import FlextErrorCode, FlextExportError, FlextValidationError
from flext_observability.core.metrics.aggregation import (
    CounterState,
    GaugeState,
    HistogramState,
    SketchState,
    histogram_quantile,
)
from flext_observability.core.metrics.exposition import FamilySnapshot, MetricsSnapshot
from flext_observability.core.metrics.instruments import (
    DEFAULT_MAX_SERIES,
    InstrumentSpec,
    define_instrument,
    instrument_conflict,
    name_clash,
)
from flext_observability.core.metrics.metric import FlextMetric, validate_metric
from flext_observability.core.metrics.sketch import sketch_quantile
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, redact_text
from flext_observability.core.values import MetricKind
from flext_observability.shell.clock import Clock, checked_clock
from flext_observability.shell.counts import check_count
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.locks import adopt_lock, fork_safe_lock
from flext_observability.shell.metrics.callbacks import CallbackFamily, CallbackHandle
from flext_observability.shell.metrics.collector import FlextMetricsCollector
from flext_observability.shell.metrics.series import Counter, Family, Gauge, Histogram, Series, Summary

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Iterable, Mapping
    from pathlib import Path

    from prometheus_client.metrics_core import Metric
    from prometheus_client.registry import Collector

    from flext_observability.shell.metrics.http import MetricsServer, WSGIApp
    from flext_observability.shell.metrics.push import PushMethod

S = TypeVar("S", bound=Series)

_LOG: Final = library_logger("flext_observability.metrics")

SELF_METRIC_PREFIX: Final = "flext_observability_"
"""The prefix of the library's own metrics."""
REJECTED_SAMPLES: Final = "flext_observability_rejected_samples_total"
SERIES_OVERFLOW: Final = "flext_observability_series_overflow_total"
REDACTED_LABEL_VALUES: Final = "flext_observability_redacted_label_values_total"
DEFAULT_MAX_INSTRUMENTS: Final = 1000
"""Instruments one service may define (the self-metrics included)."""

_RECORDED_HELP: Final = "Recorded from FlextMetric entities."
_SELF_METRICS: Final = 3
"""The service's own counters: rejected samples, series overflows, redacted label values."""


class SummaryRow(NamedTuple):
    """One series in readable text, for a summary table."""

    metric: str
    kind: str
    labels: str
    value: str


class FlextMetricsService:
    """Defines instruments and keeps their live series; thread-safe.

    Each service owns a ``prometheus_client`` registry holding one collector
    for all its instruments; nothing joins the library's global registry.
    """

    def __init__(
        self,
        *,
        max_series: int = DEFAULT_MAX_SERIES,
        max_instruments: int = DEFAULT_MAX_INSTRUMENTS,
        redaction: RedactionPolicy = DEFAULT_POLICY,
        clock: Clock | None = None,
    ) -> None:
        """Set the default series cap per instrument, the cap on instruments, and the redaction policy.

        New label values are redacted with ``redaction``, the policy logs
        use; ``time()`` timers read ``clock``'s monotonic time (the system's
        by default). Set-up mistakes raise, naming the argument: ``ValueError``
        for a cap that is not an integer of at least 1 (``max_instruments``
        at least 4: the three self-metrics count), ``TypeError`` for a
        ``redaction`` that is not a policy or a ``clock`` without ``monotonic()``.
        """
        self._max_series = check_count("max_series", max_series, not_an_int=ValueError)
        self._max_instruments = check_count(
            "max_instruments", max_instruments, least=_SELF_METRICS + 1, not_an_int=ValueError
        )
        given: object = redaction  # the annotation binds type checkers, not every caller
        if not isinstance(given, RedactionPolicy):
            message = f"redaction must be a RedactionPolicy (see redaction_policy()), got {describe(given)}"
            raise TypeError(message)
        self._redaction = redaction
        self._clock = checked_clock(clock)
        self._lock = fork_safe_lock()
        self._families: dict[str, Family] = {}
        self._callbacks: dict[str, CallbackFamily] = {}
        # (metric, reason) pairs already logged; bounded by instruments times error codes.
        self._warned: set[tuple[str, FlextErrorCode]] = set()
        self._warned_redaction: set[str] = set()
        self._rejected: Counter = self._self_metric(
            REJECTED_SAMPLES,
            "Samples refused by flext-observability (bad value or labels), by metric and reason.",
            ("metric", "reason"),
        )
        self._overflowed: Counter = self._self_metric(
            SERIES_OVERFLOW,
            "Label sets sent to the overflow series because their metric reached its series cap.",
            ("metric",),
        )
        self._redacted: Counter = self._self_metric(
            REDACTED_LABEL_VALUES,
            "Label values whose credentials (URL user-info, tokens) were redacted, by metric.",
            ("metric",),
        )
        self.collector: Final = FlextMetricsCollector(self.snapshot)
        """The ``prometheus_client`` collector of this service's instruments."""
        self.registry: Final = CollectorRegistry(auto_describe=False)
        """The registry this service owns; its only collector is :attr:`collector`."""
        self.registry.register(self.collector)
        # prometheus_client guards a registry with a plain lock; a scrape running in another
        # thread at fork time would leave it held in the child, so it joins the reinit set.
        adopt_lock(getattr(self.registry, "_lock", None))

    def _self_metric(self, name: str, help_text: str, labels: tuple[str, ...]) -> Counter:
        spec = define_instrument(kind=MetricKind.COUNTER, name=name, help_text=help_text, label_names=labels)
        family = self._new_family(spec.unwrap())
        self._families[family.spec.name] = family
        return cast("Counter", family.root)

    def _new_family(self, spec: InstrumentSpec) -> Family:
        return Family(
            spec,
            on_reject=self._count_rejection,
            on_overflow=self._count_overflow,
            on_redact=self._count_redaction,
            redaction=self._redaction,
            monotonic=self._clock.monotonic,
        )

    def _count_rejection(self, metric: str, error: FlextValidationError) -> None:
        reason = error.errors[0].code
        self._rejected.labels(metric=metric, reason=reason.value).inc()
        if (metric, reason) not in self._warned:
            self._warn_rejection(metric, reason, "a sample was refused", str(error))

    def _warn_rejection(self, metric: str, reason: FlextErrorCode, what: str, detail: str) -> None:
        """Log a refusal the first time its (metric, reason) pair is seen."""
        with self._lock:
            first = (metric, reason) not in self._warned
            self._warned.add((metric, reason))
        if first:
            _LOG.warning("metric %s: %s (%s): %s", metric, what, reason.value, detail)

    def _count_redaction(self, metric: str, labels: tuple[str, ...]) -> None:
        self._redacted.labels(metric=metric).inc(len(labels))
        with self._lock:
            first = metric not in self._warned_redaction
            self._warned_redaction.add(metric)
        if first:
            _LOG.warning(
                "metric %s: the values of label(s) %s held credentials and are exposed with them replaced "
                "(counted in %s); keep credentials out of label values",
                metric,
                ", ".join(labels),
                REDACTED_LABEL_VALUES,
            )

    def _count_overflow(self, metric: str, first: bool) -> None:
        self._overflowed.labels(metric=metric).inc()
        if first:
            _LOG.warning(
                "metric %s reached its cap of label sets; new label sets now go to the series "
                'with otel_metric_overflow="true"',
                metric,
            )

    # --- instruments -------------------------------------------------------

    def _instrument(
        self, spec: Result[InstrumentSpec, FlextValidationError], kind: type[S]
    ) -> Result[S, FlextValidationError]:
        if isinstance(spec, Failure):
            return Failure(spec.failure())
        wanted = spec.unwrap()
        with self._lock:
            existing = self._families.get(wanted.name)
            if existing is not None:
                conflict = instrument_conflict(existing.spec, wanted)
                root = existing.root
                if conflict is None and isinstance(root, kind):
                    return Success(root)
                return Failure(conflict or _kind_mismatch(existing.spec))
            refusal = self._refuse_new(wanted)
            if refusal is not None:
                return Failure(refusal)
            family = self._new_family(wanted)
            self._families[wanted.name] = family
        return Success(family.root) if isinstance(family.root, kind) else Failure(_kind_mismatch(wanted))

    def _refuse_new(self, wanted: InstrumentSpec) -> FlextValidationError | None:
        """Why ``wanted`` cannot join the instruments (a name in use, or too many); call with the lock held."""
        if wanted.name in self._families or wanted.name in self._callbacks:
            holder = self._families.get(wanted.name) or self._callbacks[wanted.name]
            return instrument_conflict(holder.spec, wanted) or _kind_mismatch(
                holder.spec, "read when scraped" if wanted.name in self._callbacks else "updated by calls"
            )
        if len(self._families) + len(self._callbacks) >= self._max_instruments:
            return _too_many_instruments(self._max_instruments)
        specs = [family.spec for family in self._families.values()]
        specs += [family.spec for family in self._callbacks.values()]
        for other in specs:
            clash = name_clash(other, wanted)
            if clash is not None:
                return clash
        return None

    def _define(  # noqa: PLR0913, PLR0917 - one instrument definition, taken apart
        self,
        kind: MetricKind,
        handle: type[S],
        name: str,
        help_text: str,
        unit: str,
        labels: Iterable[str],
        max_series: int | None,
        **parameters: Iterable[float] | None,
    ) -> Result[S, FlextValidationError]:
        spec = define_instrument(
            kind=kind,
            name=name,
            help_text=help_text,
            unit=unit,
            label_names=_as_tuple(labels),
            max_series=self._max_series if max_series is None else max_series,
            **{key: None if value is None else _as_tuple(value) for key, value in parameters.items()},
        )
        return self._instrument(spec, handle)

    def counter(
        self,
        name: str,
        help: str,  # noqa: A002 - prometheus_client's name for it
        *,
        unit: str = "",
        labels: Iterable[str] = (),
        max_series: int | None = None,
    ) -> Result[Counter, FlextValidationError]:
        """A counter; asking again with the same definition gives the same one."""
        return self._define(MetricKind.COUNTER, Counter, name, help, unit, labels, max_series)

    def gauge(
        self,
        name: str,
        help: str,  # noqa: A002 - prometheus_client's name for it
        *,
        unit: str = "",
        labels: Iterable[str] = (),
        max_series: int | None = None,
    ) -> Result[Gauge, FlextValidationError]:
        """A gauge; asking again with the same definition gives the same one."""
        return self._define(MetricKind.GAUGE, Gauge, name, help, unit, labels, max_series)

    def histogram(
        self,
        name: str,
        help: str,  # noqa: A002 - prometheus_client's name for it
        *,
        unit: str = "",
        labels: Iterable[str] = (),
        buckets: Iterable[float] | None = None,
        max_series: int | None = None,
    ) -> Result[Histogram, FlextValidationError]:
        """A histogram with ``buckets`` as upper bounds (default: prometheus_client's)."""
        return self._define(MetricKind.HISTOGRAM, Histogram, name, help, unit, labels, max_series, buckets=buckets)

    def summary(
        self,
        name: str,
        help: str,  # noqa: A002 - prometheus_client's name for it
        *,
        unit: str = "",
        labels: Iterable[str] = (),
        quantiles: Iterable[float] | None = None,
        max_series: int | None = None,
    ) -> Result[Summary, FlextValidationError]:
        """A summary reporting ``quantiles`` (default 0.5, 0.9, 0.99) of a 1%-accurate sketch."""
        return self._define(MetricKind.SUMMARY, Summary, name, help, unit, labels, max_series, quantiles=quantiles)

    # --- read when scraped -------------------------------------------------

    def counter_callback(
        self,
        name: str,
        help: str,  # noqa: A002 - prometheus_client's name for it
        read: Callable[[], object],
        *,
        unit: str = "",
        labels: Iterable[str] = (),
        max_series: int | None = None,
    ) -> Result[CallbackHandle, FlextValidationError]:
        """A counter whose value ``read()`` gives at each snapshot (a total kept elsewhere).

        ``read`` returns a number, or ``(labels, value)`` pairs for a labelled
        counter. Registering the same definition again adds a second reader
        whose values add up with the first's.

        >>> service = FlextMetricsService()
        >>> jobs = {"done": 3}
        >>> service.counter_callback("jobs_done_total", "Jobs finished.", lambda: jobs["done"]).unwrap().name
        'jobs_done_total'
        >>> service.snapshot().family("jobs_done_total").state()
        CounterState(value=3.0)
        """
        return self._callback(MetricKind.COUNTER, name, help, read, unit, labels, max_series)

    def gauge_callback(
        self,
        name: str,
        help: str,  # noqa: A002 - prometheus_client's name for it
        read: Callable[[], object],
        *,
        unit: str = "",
        labels: Iterable[str] = (),
        max_series: int | None = None,
    ) -> Result[CallbackHandle, FlextValidationError]:
        """A gauge whose value ``read()`` gives at each snapshot (a queue's length, memory in use, ...).

        >>> service = FlextMetricsService()
        >>> queue = [1, 2]
        >>> handle = service.gauge_callback("work_queue_items", "Items waiting.", lambda: len(queue)).unwrap()
        >>> queue.append(3)
        >>> service.snapshot().family("work_queue_items").state()
        GaugeState(value=3.0)
        >>> handle.remove()
        >>> service.snapshot().family("work_queue_items").series
        ()
        """
        return self._callback(MetricKind.GAUGE, name, help, read, unit, labels, max_series)

    def _callback(  # noqa: PLR0913, PLR0917 - one callback definition, taken apart
        self,
        kind: MetricKind,
        name: str,
        help_text: str,
        read: Callable[[], object],
        unit: str,
        labels: Iterable[str],
        max_series: int | None,
    ) -> Result[CallbackHandle, FlextValidationError]:
        given: object = read  # callers outside the type checker may pass anything
        if not callable(given):
            return invalid_one(
                "instrument",
                FlextErrorCode.WRONG_TYPE,
                "read",
                f"expected a function to call, got {type(read).__name__}",
            )
        spec = define_instrument(
            kind=kind,
            name=name,
            help_text=help_text,
            unit=unit,
            label_names=_as_tuple(labels),
            max_series=self._max_series if max_series is None else max_series,
        )
        if isinstance(spec, Failure):
            return Failure(spec.failure())
        wanted = spec.unwrap()
        with self._lock:
            family = self._callbacks.get(wanted.name)
            if family is None or instrument_conflict(family.spec, wanted) is not None:
                refusal = self._refuse_new(wanted)
                if refusal is not None:
                    return Failure(refusal)
                family = CallbackFamily(
                    wanted,
                    redaction=self._redaction,
                    on_reject=self._count_callback_rejection,
                    on_overflow=self._count_overflow,
                    on_redact=self._count_redaction,
                )
                self._callbacks[wanted.name] = family
        return Success(family.add(read))

    def _count_callback_rejection(self, metric: str, reason: FlextErrorCode, detail: str) -> None:
        self._rejected.labels(metric=metric, reason=reason.value).inc()
        if (metric, reason) not in self._warned:
            self._warn_rejection(metric, reason, "a reader's sample was refused", detail)

    # --- entities ----------------------------------------------------------

    def record_metric(self, metric: FlextMetric) -> Result[FlextMetric, FlextValidationError]:
        """Record an entity; its instrument is made on first sight.

        A counter is incremented by the value, a gauge set to it, and a
        histogram or summary observes it.
        """
        return validate_metric(metric).bind(self._record)

    def _record(self, metric: FlextMetric) -> Result[FlextMetric, FlextValidationError]:
        label_names = tuple(sorted(metric.labels))
        base = metric.name.removesuffix("_total") if metric.kind is MetricKind.COUNTER else metric.name
        with self._lock:
            existing = self._families.get(base)
        if existing is not None:
            mismatch = _entity_mismatch(existing.spec, metric, label_names)
            if mismatch is not None:
                return Failure(mismatch)
            handle: Result[Series, FlextValidationError] = Success(existing.root)
        else:
            spec = define_instrument(
                kind=metric.kind,
                name=metric.name,
                help_text=_RECORDED_HELP,
                unit=metric.unit,
                label_names=label_names,
                max_series=self._max_series,
            )
            handle = self._instrument(spec, Series)
        return handle.bind(lambda root: _apply(root.labels(**metric.labels), metric))

    # --- reading -----------------------------------------------------------

    def snapshot(self) -> MetricsSnapshot:
        """An immutable copy of every series of every instrument, ordered by name."""
        with self._lock:
            holders: dict[str, Family | CallbackFamily] = {**self._families, **self._callbacks}
        # Readers run here, outside the lock, so that a reader may use the service.
        return MetricsSnapshot(families=tuple(holders[name].snapshot() for name in sorted(holders)))

    def get_metrics_summary(self) -> tuple[SummaryRow, ...]:
        """One row of readable text per series: its value, or count, sum and quantiles.

        The command line prints these rows as a table.
        """
        return tuple(
            SummaryRow(
                family.spec.exposed_name,
                family.spec.kind.value,
                _labels_text(series.labels),
                _state_text(family, series.state),
            )
            for family in self.snapshot().families
            for series in family.series
        )

    def export_prometheus(self, *, openmetrics: bool = False) -> Result[str, FlextExportError]:
        """The exposition text of every instrument, rendered by prometheus_client."""
        try:
            render = generate_openmetrics if openmetrics else generate_latest
            return Success(render(self.registry).decode("utf-8"))
        except Exception as error:  # noqa: BLE001 - rendering must never break the caller
            message = redact_text(self._redaction, f"rendering failed: {error!r}")
            return Failure(FlextExportError(target="exposition", message=message))

    def register(self, registry: CollectorRegistry) -> Result[Collector, FlextExportError]:
        """Add this service's collector to another registry (yours, or prometheus_client's default).

        ``registry`` is a ``CollectorRegistry`` or any object with a
        ``register(collector)`` method; anything else raises ``TypeError``
        naming it (a set-up mistake). A registry that refuses the collector
        (names it already holds) gives a ``Failure``.
        """
        try:
            add_collector = getattr(registry, "register", None)
        except Exception:  # noqa: BLE001 - a property that raises is no registry either
            add_collector = None
        if not callable(add_collector):
            message = f"registry must be a prometheus_client CollectorRegistry, got {describe(registry)}"
            raise TypeError(message)
        try:
            add_collector(self.collector)
        except Exception as error:  # noqa: BLE001 - a refusal (or a broken registry) becomes a Failure
            return Failure(FlextExportError(target="registry", message=redact_text(self._redaction, _text(error))))
        return Success(self.collector)

    # --- leaving the process ----------------------------------------------

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        path: str = "/metrics",
        tls: tuple[str, str] | ssl.SSLContext | None = None,
        basic_auth: tuple[str, str] | None = None,
        routes: Mapping[str, WSGIApp] | None = None,
    ) -> Result[MetricsServer, FlextExportError]:
        """Serve ``path`` in a background thread; ``tls`` is ``(certfile, keyfile)`` or an ``SSLContext``.

        ``routes`` serves more paths on the same server and port, under the
        same TLS and basic authentication: ``routes=health_app.routes`` adds
        the health endpoints. See
        :func:`~flext_observability.shell.metrics.http.serve_metrics`.
        """
        from flext_observability.shell.metrics.http import serve_metrics  # noqa: PLC0415 - HTTP is optional

        return serve_metrics(
            self.registry,
            host=host,
            port=port,
            path=path,
            tls=tls,
            basic_auth=basic_auth,
            redaction=self._redaction,
            routes=routes,
        )

    def push(  # noqa: PLR0913 - the gateway's parameters, all keyword-only but the address and the job
        self,
        gateway_url: str,
        job: str,
        *,
        grouping_key: Mapping[str, str] | None = None,
        method: PushMethod = "push",
        timeout: float = 5.0,
        retries: int = 2,
        include_self_metrics: bool = True,
    ) -> Result[None, FlextExportError]:
        """Send every instrument to a Pushgateway (for batch jobs).

        With ``include_self_metrics=False`` the library's own
        ``flext_observability_*`` metrics (refusals, overflows, span counts)
        stay out of the push. See
        :func:`~flext_observability.shell.metrics.push.push_to_gateway`.
        """
        from flext_observability.shell.metrics.push import push_to_gateway  # noqa: PLC0415 - only batch jobs push

        return push_to_gateway(
            self._exported(include_self_metrics=include_self_metrics),
            gateway_url,
            job,
            grouping_key=grouping_key,
            method=method,
            timeout=timeout,
            retries=retries,
            redaction=self._redaction,
        )

    def write_textfile(self, path: str | Path, *, include_self_metrics: bool = True) -> Result[Path, FlextExportError]:
        """Write the exposition for node_exporter's textfile collector (a ``.prom`` file, atomic rename)."""
        from flext_observability.shell.metrics.push import write_textfile  # noqa: PLC0415 - only batch jobs write files

        return write_textfile(
            self._exported(include_self_metrics=include_self_metrics), path, redaction=self._redaction
        )

    def _exported(self, *, include_self_metrics: bool) -> Collector:
        return self.registry if include_self_metrics is not False else _WithoutSelfMetrics(self.registry)


class _WithoutSelfMetrics:
    """A collector of another's metrics minus the library's own (``flext_observability_*``)."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Collector) -> None:
        self._inner = inner

    def collect(self) -> Iterable[Metric]:
        return [metric for metric in self._inner.collect() if not metric.name.startswith(SELF_METRIC_PREFIX)]


def _text(error: BaseException) -> str:
    """An exception's message; one whose ``str()`` fails is named by its type only."""
    try:
        return str(error)
    except Exception:  # noqa: BLE001 - the message is the raiser's code
        return f"{type(error).__name__} (no readable message)"


def _kind_mismatch(spec: InstrumentSpec, how: str = "") -> FlextValidationError:
    problems: Problems = []
    what = f"{spec.exposed_name!r} is a {spec.kind.value}" + (f" {how}; give this one another name" if how else "")
    add(problems, FlextErrorCode.CONFLICTING_DEFINITION, "kind", what)
    return FlextValidationError(entity="instrument", errors=tuple(problems))


def _as_tuple(values: object) -> object:
    """Any iterable as a tuple for the core (which reads lists and tuples); anything else as it is."""
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        return values
    try:
        return tuple(values)
    except Exception:  # noqa: BLE001 - an iterable that fails is reported by the core as the wrong type
        return values


def _too_many_instruments(limit: int) -> FlextValidationError:
    problems: Problems = []
    add(
        problems,
        FlextErrorCode.TOO_MANY,
        "name",
        f"this service already holds {limit} instruments; reuse one with labels, or raise max_instruments",
    )
    return FlextValidationError(entity="instrument", errors=tuple(problems))


def _entity_mismatch(
    spec: InstrumentSpec, metric: FlextMetric, label_names: tuple[str, ...]
) -> FlextValidationError | None:
    problems: Problems = []
    for field, have, got in (
        ("kind", spec.kind.value, metric.kind.value),
        ("unit", spec.unit, metric.unit),
        ("labels", tuple(sorted(spec.label_names)), label_names),
    ):
        if have != got:
            add(
                problems,
                FlextErrorCode.CONFLICTING_DEFINITION,
                field,
                f"{spec.name!r} is defined with {field} {have!r}; this metric has {got!r}",
            )
    return FlextValidationError(entity="metric", errors=tuple(problems)) if problems else None


def _apply(series: Series, metric: FlextMetric) -> Result[FlextMetric, FlextValidationError]:
    if isinstance(series, Counter):
        outcome = series.inc(metric.value)
    elif isinstance(series, Gauge):
        outcome = series.set(metric.value)
    else:
        outcome = cast("Histogram | Summary", series).observe(metric.value)
    return outcome.map(lambda _: metric)


def _labels_text(labels: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{name}={value}" for name, value in labels) or "-"


def _state_text(family: FamilySnapshot, state: object) -> str:
    if isinstance(state, CounterState | GaugeState):
        return f"{state.value:.12g}"
    if isinstance(state, HistogramState):
        median = histogram_quantile(state, 0.5)
        return f"count {state.count}, sum {state.sum:g}, median ~{median:g}"
    sketch = cast("SketchState", state)
    quantiles = ", ".join(f"p{q * 100:g} {sketch_quantile(sketch, q):g}" for q in family.spec.quantiles)
    return f"count {sketch.count}, sum {sketch.sum:g}, {quantiles}"
