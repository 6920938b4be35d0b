"""A real Prometheus scrapes a ``FlextMetricsService``; promtool and prometheus_client parse what it exports.

One Prometheus (started once for the module, as its first scrape takes 5 to 7 s) scrapes
the same service three ways: through ``service.serve()`` as Prometheus negotiates it
(OpenMetrics), and through a recording WSGI server in this module that mounts
``make_metrics_app`` twice, once passing Prometheus's ``Accept`` header on and once
dropping it (text format 0.0.4). Every value recorded must come back through the HTTP
API unchanged, awkward label values included.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics_untyped
from prometheus_client.parser import text_string_to_metric_families as parse_text
from returns.result import Failure, Success
from servers import PrometheusServer, ScrapeJob, http_request, promtool_lint

from flext_observability.core.metrics.aggregation import HistogramState, histogram_quantile
from flext_observability.core.metrics.sketch import SketchState, sketch_quantile
from flext_observability.shell.metrics.http import MetricsServer, make_metrics_app
from flext_observability.shell.metrics.service import REJECTED_SAMPLES, SERIES_OVERFLOW, FlextMetricsService

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

pytestmark = pytest.mark.integration

COUNTER = "export_rows"
COUNTER_LABEL = "source"
# Label values that break naive escaping: quotes, backslashes (one before an "n"),
# newlines, non-ASCII letters, CJK, an emoji, and all of them at once.
LABEL_VALUES: dict[str, float] = {
    'say "hi"': 3,
    "C:\\temp\\new": 5,
    "first\nsecond": 7,
    "naïve café ✓ 日本語 🚀": 11,
    'all \\" of\n"them" \\n ü': 13,
    "plain": 1.5,
}
GAUGE = "queue_depth"
GAUGE_VALUE = 42.25  # set 40.0, inc 2.5, dec 0.25: exact in binary
HISTOGRAM = "request_latency_seconds"
BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5)
# Values on the bounds (le is inclusive), inside every bucket, and above the last bound.
LATENCIES = (0.05, 0.1, 0.2, 0.25, 0.3, 0.3, 0.45, 0.7, 0.9, 1.0, 1.7, 2.2, 4.0, 0.1, 0.6)
SUMMARY = "payload_size_bytes"
SIZES = (120.0, 80.0, 4096.0, 512.0, 64.0, 1024.0, 2048.0)
QUANTILE_LEVELS = (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)

OPENMETRICS_TYPE = "application/openmetrics-text"
TEXT_TYPE = "text/plain; version=0.0.4"


def parse_openmetrics(text: str) -> list[Metric]:
    """The families of an OpenMetrics text, read by prometheus_client's strict parser (raises ``ValueError``)."""
    return list(parse_openmetrics_untyped(text))  # type: ignore[no-untyped-call] # the parser module has no annotations


def naive_sum(values: Iterable[float]) -> float:
    """Add left to right from 0.0, as a series accumulates (``sum`` may compensate in newer Pythons)."""
    total = 0.0
    for value in values:
        total += value
    return total


def build_service() -> FlextMetricsService:
    """A service with one instrument of every kind, holding the module's fixed recordings."""
    service = FlextMetricsService()
    rows = service.counter(f"{COUNTER}_total", "Rows exported, by source.", labels=(COUNTER_LABEL,)).unwrap()
    for value, amount in LABEL_VALUES.items():
        assert rows.labels(source=value).inc(amount) == Success(None)
    depth = service.gauge(GAUGE, "Items waiting in the queue.").unwrap()
    assert depth.set(40.0) == Success(None)
    assert depth.inc(2.5) == Success(None)
    assert depth.dec(0.25) == Success(None)
    latency = service.histogram(HISTOGRAM, "Request latency.", buckets=BUCKETS).unwrap()
    for seconds in LATENCIES:
        assert latency.observe(seconds) == Success(None)
    sizes = service.summary(SUMMARY, "Payload size.").unwrap()
    for size in SIZES:
        assert sizes.observe(size) == Success(None)
    return service


@dataclass(frozen=True)
class Exchange:
    """One request to the recording endpoint: the path, the Accept header received, and our answer."""

    path: str
    accept: str | None
    status: str
    content_type: str | None


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it so
        """Keep the test output free of access logs."""


@dataclass
class RecordingEndpoint:
    """A loopback wsgiref server mounting ``make_metrics_app(path=None)`` and recording each exchange.

    ``/openmetrics`` passes the scraper's ``Accept`` header on; ``/text`` drops it, so
    that our app answers the text format 0.0.4.
    """

    service: FlextMetricsService
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._inner = make_metrics_app(self.service.registry, path=None)
        self._server: WSGIServer = make_server("127.0.0.1", 0, self._app, handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def target(self) -> str:
        """The ``host:port`` Prometheus scrapes."""
        return f"127.0.0.1:{self._server.server_address[1]}"

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        accept = environ.get("HTTP_ACCEPT")
        if path == "/text":
            environ.pop("HTTP_ACCEPT", None)

        def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            self.exchanges.append(Exchange(path, accept, status, dict(headers).get("Content-Type")))
            return start_response(status, headers, exc_info)  # type: ignore[arg-type]

        return self._inner(environ, recording_start_response)

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@dataclass(frozen=True)
class Scraped:
    """The module's service, its server, the recording endpoint and the Prometheus scraping them."""

    service: FlextMetricsService
    server: MetricsServer
    endpoint: RecordingEndpoint
    prometheus: PrometheusServer


SERVED_JOB = "served"  # service.serve(), as Prometheus negotiates it
OPENMETRICS_JOB = "openmetrics"  # make_metrics_app behind the recorder, Accept passed on
TEXT_JOB = "text"  # make_metrics_app behind the recorder, Accept dropped
JOBS = (SERVED_JOB, OPENMETRICS_JOB, TEXT_JOB)


@pytest.fixture(scope="module")
def scraped() -> Iterator[Scraped]:
    """One service served and scraped by one real Prometheus through all three jobs."""
    service = build_service()
    server = service.serve("127.0.0.1", 0).unwrap()
    endpoint = RecordingEndpoint(service)
    try:
        jobs = [
            ScrapeJob(SERVED_JOB, target=f"127.0.0.1:{server.port}"),
            ScrapeJob(OPENMETRICS_JOB, target=endpoint.target, metrics_path="/openmetrics"),
            ScrapeJob(TEXT_JOB, target=endpoint.target, metrics_path="/text"),
        ]
        with PrometheusServer(jobs, scrape_interval="1s") as prometheus:
            for job in JOBS:
                prometheus.wait_for_scrape(job)
            yield Scraped(service, server, endpoint, prometheus)
    finally:
        endpoint.close()
        server.close()


def query_values(prometheus: PrometheusServer, expr: str, label: str) -> dict[str, float]:
    """Run ``expr`` and return each sample's value keyed by the value of ``label``."""
    samples = prometheus.query(expr)
    values = {sample["metric"].get(label, ""): float(sample["value"][1]) for sample in samples}
    assert len(values) == len(samples), f"{expr}: several samples share a {label} value: {samples}"
    return values


def query_one(prometheus: PrometheusServer, expr: str) -> float:
    """Run ``expr`` and return the value of its only sample."""
    samples = prometheus.query(expr)
    assert len(samples) == 1, f"{expr} returned {samples}"
    return float(samples[0]["value"][1])


def histogram_state(service: FlextMetricsService, name: str) -> HistogramState:
    """The snapshot state of an unlabeled histogram of ``service``."""
    family = service.snapshot().family(name)
    assert family is not None
    state = family.state()
    assert isinstance(state, HistogramState)
    return state


def summary_state(service: FlextMetricsService, name: str) -> SketchState:
    """The snapshot state of an unlabeled summary of ``service``."""
    family = service.snapshot().family(name)
    assert family is not None
    state = family.state()
    assert isinstance(state, SketchState)
    return state


# --- the real Prometheus ------------------------------------------------------


@pytest.mark.parametrize("job", JOBS)
def test_target_is_up(scraped: Scraped, job: str) -> None:
    """Ensures Prometheus scraped each endpoint successfully: health up, no error, and the ``up`` series is 1."""
    target = scraped.prometheus.target(job)
    assert target is not None
    assert target["health"] == "up"
    assert target["lastError"] == ""
    assert query_one(scraped.prometheus, f'up{{job="{job}"}}') == 1.0


@pytest.mark.parametrize("job", [SERVED_JOB, TEXT_JOB])
def test_counter_values_and_awkward_labels_come_back(scraped: Scraped, job: str) -> None:
    """Ensures every counter series comes back from Prometheus with its exact label value and amount."""
    values = query_values(scraped.prometheus, f'{COUNTER}_total{{job="{job}"}}', COUNTER_LABEL)
    assert values == {value: float(amount) for value, amount in LABEL_VALUES.items()}


@pytest.mark.parametrize("job", [SERVED_JOB, TEXT_JOB])
def test_gauge_value_comes_back(scraped: Scraped, job: str) -> None:
    """Ensures the gauge's value after set, inc and dec comes back from Prometheus unchanged."""
    assert query_one(scraped.prometheus, f'{GAUGE}{{job="{job}"}}') == GAUGE_VALUE


@pytest.mark.parametrize("job", [SERVED_JOB, TEXT_JOB])
def test_histogram_buckets_count_and_sum_come_back(scraped: Scraped, job: str) -> None:
    """Ensures each ``_bucket{le=...}`` counts the observations at or below ``le``, and count and sum are exact."""
    buckets = query_values(scraped.prometheus, f'{HISTOGRAM}_bucket{{job="{job}"}}', "le")
    expected = {bound: float(sum(1 for x in LATENCIES if x <= bound)) for bound in (*BUCKETS, math.inf)}
    assert {float(le): value for le, value in buckets.items()} == expected
    assert query_one(scraped.prometheus, f'{HISTOGRAM}_count{{job="{job}"}}') == float(len(LATENCIES))
    assert query_one(scraped.prometheus, f'{HISTOGRAM}_sum{{job="{job}"}}') == naive_sum(LATENCIES)


@pytest.mark.parametrize("job", [SERVED_JOB, TEXT_JOB])
def test_summary_count_sum_and_quantiles_come_back(scraped: Scraped, job: str) -> None:
    """Ensures the summary's ``_count``, ``_sum`` and quantile samples come back as the service recorded them."""
    prometheus = scraped.prometheus
    assert query_one(prometheus, f'{SUMMARY}_count{{job="{job}"}}') == float(len(SIZES))
    assert query_one(prometheus, f'{SUMMARY}_sum{{job="{job}"}}') == naive_sum(SIZES)
    family = scraped.service.snapshot().family(SUMMARY)
    assert family is not None
    state = summary_state(scraped.service, SUMMARY)
    quantiles = query_values(prometheus, f'{SUMMARY}{{job="{job}"}}', "quantile")
    assert {float(q): value for q, value in quantiles.items()} == {
        q: sketch_quantile(state, q) for q in family.spec.quantiles
    }


@pytest.mark.parametrize("q", QUANTILE_LEVELS)
def test_histogram_quantile_agrees_with_prometheus(scraped: Scraped, q: float) -> None:
    """Ensures our ``histogram_quantile`` of the snapshot equals PromQL's within 1e-9 relative."""
    theirs = query_one(scraped.prometheus, f'histogram_quantile({q!r}, {HISTOGRAM}_bucket{{job="{SERVED_JOB}"}})')
    ours = histogram_quantile(histogram_state(scraped.service, HISTOGRAM), q)
    assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=0.0), f"q={q}: ours {ours!r}, Prometheus {theirs!r}"


def test_scrape_takes_every_sample(scraped: Scraped) -> None:
    """Ensures Prometheus ingested as many samples from each job as the exposition holds (none silently dropped)."""
    exported = scraped.service.export_prometheus().unwrap()
    sample_count = sum(len(family.samples) for family in parse_text(exported))
    for job in JOBS:
        assert query_one(scraped.prometheus, f'scrape_samples_scraped{{job="{job}"}}') == float(sample_count), job


def test_prometheus_negotiates_openmetrics(scraped: Scraped) -> None:
    """Ensures Prometheus's Accept header gets OpenMetrics from our app, the text job gets 0.0.4, and both are up."""
    openmetrics = [exchange for exchange in scraped.endpoint.exchanges if exchange.path == "/openmetrics"]
    text = [exchange for exchange in scraped.endpoint.exchanges if exchange.path == "/text"]
    assert openmetrics
    assert text
    for exchange in openmetrics:
        assert exchange.accept is not None
        assert exchange.accept.startswith(OPENMETRICS_TYPE), exchange.accept
        assert exchange.status == "200 OK"
        assert exchange.content_type is not None
        assert exchange.content_type.startswith(OPENMETRICS_TYPE), exchange.content_type
    for exchange in text:
        assert exchange.status == "200 OK"
        assert exchange.content_type is not None
        assert exchange.content_type.startswith(TEXT_TYPE), exchange.content_type
    # The same request, sent by us to the endpoint of service.serve().
    prometheus_accept = openmetrics[0].accept
    assert prometheus_accept is not None
    response = http_request("GET", scraped.server.url, headers={"Accept": prometheus_accept})
    assert response.status == 200
    assert response.content_type.startswith(OPENMETRICS_TYPE), response.content_type
    assert response.text.endswith("# EOF\n")
    assert [family.name for family in parse_openmetrics(response.text)]
    for job in (SERVED_JOB, OPENMETRICS_JOB, TEXT_JOB):
        target = scraped.prometheus.target(job)
        assert target is not None
        assert target["health"] == "up", target.get("lastError")


# --- promtool and prometheus_client's parsers ---------------------------------


def service_with_self_metrics() -> FlextMetricsService:
    """The module's service plus one refused sample and one overflowing label set, so the self-metrics have series."""
    service = build_service()
    rows = service.counter(f"{COUNTER}_total", "Rows exported, by source.", labels=(COUNTER_LABEL,)).unwrap()
    assert isinstance(rows.labels(source="plain").inc(-1), Failure)
    capped = service.counter("capped_events_total", "Events, at most one label set.", labels=("kind",), max_series=1)
    events = capped.unwrap()
    assert events.labels(kind="first").inc() == Success(None)
    assert events.labels(kind="second").inc() == Success(None)  # beyond the cap: the overflow series
    return service


def test_promtool_accepts_every_kind_and_the_self_metrics() -> None:
    """Ensures ``promtool check metrics`` exits 0 silently on every kind plus the self-metrics."""
    exposition = service_with_self_metrics().export_prometheus().unwrap()
    lines = exposition.splitlines()
    assert any(line.startswith(f"{REJECTED_SAMPLES}{{") for line in lines), exposition
    assert any(line.startswith(f"{SERIES_OVERFLOW}{{") for line in lines), exposition
    for kind in ("counter", "gauge", "histogram", "summary"):
        assert any(line.startswith("# TYPE ") and line.endswith(f" {kind}") for line in lines), kind
    promtool_lint(exposition)


def series_keys(families: Iterable[Metric]) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """Each sample's name and sorted labels, in exposition order."""
    return [(sample.name, tuple(sorted(sample.labels.items()))) for family in families for sample in family.samples]


def test_openmetrics_export_is_strict_and_has_no_duplicate_series() -> None:
    """Ensures the OpenMetrics export passes the strict parser, repeats no series and keeps awkward label values."""
    service = service_with_self_metrics()
    text = service.export_prometheus(openmetrics=True).unwrap()
    families = list(parse_openmetrics(text))
    keys = series_keys(families)
    duplicates = [key for key, seen in Counter(keys).items() if seen > 1]
    assert duplicates == []
    rows = {
        sample.labels[COUNTER_LABEL]: sample.value
        for family in families
        for sample in family.samples
        if sample.name == f"{COUNTER}_total" and COUNTER_LABEL in sample.labels
    }
    assert rows == {value: float(amount) for value, amount in LABEL_VALUES.items()}
    assert {family.name for family in families} >= {COUNTER, GAUGE, HISTOGRAM, SUMMARY}


def test_text_export_round_trips_label_values_without_duplicates() -> None:
    """Ensures prometheus_client's text parser reads back every awkward label value and amount, no series twice."""
    text = service_with_self_metrics().export_prometheus().unwrap()
    families = list(parse_text(text))
    keys = series_keys(families)
    assert [key for key, seen in Counter(keys).items() if seen > 1] == []
    rows = {
        sample.labels[COUNTER_LABEL]: sample.value
        for family in families
        for sample in family.samples
        if sample.name == f"{COUNTER}_total"
    }
    assert rows == {value: float(amount) for value, amount in LABEL_VALUES.items()}


def record_one(kind: str, instrument: Any) -> object:
    """Record one sample of 1 on an instrument of ``kind``."""
    if kind == "gauge":
        return instrument.set(1.0)
    if kind == "counter":
        return instrument.inc()
    return instrument.observe(1.0)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("counter", "jobs"), ("gauge", "jobs_created")),
        (("counter", "jobs"), ("counter", "jobs_created")),
        (("summary", "batch_size"), ("gauge", "batch_size_created")),
        (("histogram", "wait_seconds"), ("gauge", "wait_seconds_created")),
    ],
)
def test_openmetrics_export_stays_valid_next_to_a_created_name(first: tuple[str, str], second: tuple[str, str]) -> None:
    """Ensures a name clashing with a family's reserved ``_created`` sample is refused, or the export still parses."""
    service = FlextMetricsService()
    outcomes = [getattr(service, kind)(name, "Help.") for kind, name in (first, second)]
    for (kind, _), made in zip((first, second), outcomes, strict=True):
        if isinstance(made, Success):
            assert record_one(kind, made.unwrap()) == Success(None)
    assert isinstance(outcomes[0], Success)
    if isinstance(outcomes[1], Failure):
        return
    text = service.export_prometheus(openmetrics=True).unwrap()
    try:
        list(parse_openmetrics(text))
    except ValueError as error:
        pytest.fail(f"{first} and {second} were both accepted, but the OpenMetrics export is invalid: {error}\n{text}")
