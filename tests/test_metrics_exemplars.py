"""Exemplars: a histogram observation made in a sampled span links its bucket to the trace, in OpenMetrics output.

Checked with prometheus_client's strict OpenMetrics parser, and end to end: a
real Prometheus with exemplar storage scrapes ``/metrics`` and gives the
exemplar back from ``/api/v1/query_exemplars``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families
from returns.result import Failure
from servers import PrometheusServer, ScrapeJob

from flext_observability import FlextTracingService, InMemorySpanRepository
from flext_observability.core.metrics.exposition import Exemplar
from flext_observability.metrics import (
    FamilySnapshot,
    FlextMetricsService,
    HistogramState,
    MetricsSnapshot,
    SeriesSnapshot,
    define_instrument,
    merge_snapshots,
)
from flext_observability.propagation import use_span_ids
from flext_observability.tracing import always_off

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def tracing() -> Iterator[FlextTracingService]:
    """A tracing service sampling everything, exporting to memory."""
    service = FlextTracingService(exporters=[InMemorySpanRepository()])
    yield service
    service.shutdown(1.0)


def _bucket_exemplars(text: str, family_name: str) -> dict[str, tuple[str, str, float]]:
    """``le`` -> (trace id, span id, value) of each bucket with an exemplar, read by the strict parser."""
    found: dict[str, tuple[str, str, float]] = {}
    for family in text_string_to_metric_families(text):  # type: ignore[no-untyped-call] # the parser has no annotations
        if family.name != family_name:
            continue
        for sample in family.samples:
            if sample.name.endswith("_bucket") and sample.exemplar is not None:
                labels = sample.exemplar.labels
                found[sample.labels["le"]] = (labels["trace_id"], labels["span_id"], sample.exemplar.value)
    return found


def test_an_observation_in_a_sampled_span_becomes_its_buckets_exemplar(tracing: FlextTracingService) -> None:
    """Inside a span the bucket carries its trace and span ids and the value; the latest one per bucket is kept."""
    metrics = FlextMetricsService()
    latency = metrics.histogram("req_seconds", "Requests.", unit="seconds", labels=("route",)).unwrap()
    latency.labels(route="/a").observe(3.0)  # no span: no exemplar
    with tracing.start_span("first"):
        latency.labels(route="/a").observe(0.2)
    with tracing.start_span("second") as second:
        latency.labels(route="/a").observe(0.21)
        latency.labels(route="/b").observe(9.0)
    text = metrics.export_prometheus(openmetrics=True).unwrap()
    exemplars = _bucket_exemplars(text, "req_seconds")
    assert exemplars == {
        "0.25": (second.trace_id, second.span_id, 0.21),
        "10.0": (second.trace_id, second.span_id, 9.0),
    }
    assert " # {" not in metrics.export_prometheus().unwrap()  # the text format has no exemplars


def test_no_exemplar_without_a_sampled_span() -> None:
    """A span that was not sampled, or ids bound by hand, give no exemplar: only sampled traces are kept."""
    quiet = FlextTracingService(sampler=always_off())
    try:
        metrics = FlextMetricsService()
        latency = metrics.histogram("req_seconds", "Requests.", unit="seconds").unwrap()
        with quiet.start_span("unsampled"):
            latency.observe(0.2)
        with use_span_ids(TRACE, "00f067aa0ba902b7"):
            latency.observe(0.3)
        text = metrics.export_prometheus(openmetrics=True).unwrap()
        assert _bucket_exemplars(text, "req_seconds") == {}
        assert metrics.snapshot().family("req_seconds").exemplars == ()  # type: ignore[union-attr]
    finally:
        quiet.shutdown(1.0)


def test_exemplars_of_the_overflow_series_and_of_merged_snapshots(tracing: FlextTracingService) -> None:
    """The overflow series keeps exemplars too, and merging two snapshots keeps each bucket's later exemplar."""
    metrics = FlextMetricsService(max_series=1)
    latency = metrics.histogram("req_seconds", "Requests.", unit="seconds", labels=("route",)).unwrap()
    with tracing.start_span("a"):
        latency.labels(route="/a").observe(0.2)
        latency.labels(route="/b").observe(0.2)  # beyond the cap: the overflow series
    earlier = metrics.snapshot()
    with tracing.start_span("later") as later:
        latency.labels(route="/a").observe(0.22)
    merged = merge_snapshots(earlier, metrics.snapshot()).unwrap()
    family = merged.family("req_seconds")
    assert family is not None
    by_labels = dict(family.exemplars)
    assert {exemplar.span_id for exemplar in by_labels[(("route", "/a"),)] if exemplar} == {later.span_id}
    assert set(by_labels) == {(("route", "/a"),), (("otel_metric_overflow", "true"),)}


def test_threads_observing_in_their_own_spans_leave_each_bucket_a_whole_exemplar(tracing: FlextTracingService) -> None:
    """Eight threads in their own spans: every exemplar kept is one of theirs, whole (ids of the same span)."""
    metrics = FlextMetricsService()
    latency = metrics.histogram("req_seconds", "Requests.", unit="seconds").unwrap()
    pairs: set[tuple[str, str]] = set()
    lock = threading.Lock()

    def work() -> None:
        for _ in range(200):
            with tracing.start_span("step") as span:
                with lock:
                    pairs.add((span.trace_id, span.span_id))
                latency.observe(0.2)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    exemplars = _bucket_exemplars(metrics.export_prometheus(openmetrics=True).unwrap(), "req_seconds")
    assert set(exemplars) == {"0.25"}
    assert exemplars["0.25"][:2] in pairs


def test_a_forked_child_keeps_recording_exemplars(tracing: FlextTracingService) -> None:
    """After fork the child's histogram still records exemplars of the child's own spans."""
    metrics = FlextMetricsService()
    latency = metrics.histogram("req_seconds", "Requests.", unit="seconds").unwrap()
    with tracing.start_span("parent"):
        latency.observe(0.2)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports by exit code
        code = 1
        try:
            with tracing.start_span("child") as span:
                latency.observe(0.2)
            found = _bucket_exemplars(metrics.export_prometheus(openmetrics=True).unwrap(), "req_seconds")
            code = 0 if found["0.25"][1] == span.span_id else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.integration
def test_a_real_prometheus_with_exemplar_storage_reads_the_exemplar_back(tracing: FlextTracingService) -> None:
    """Prometheus scrapes OpenMetrics from serve() and /api/v1/query_exemplars gives our trace id for the bucket."""
    metrics = FlextMetricsService()
    latency = metrics.histogram("checkout_seconds", "Checkouts.", unit="seconds").unwrap()
    with tracing.start_span("checkout") as span:
        latency.observe(0.7)
    server = metrics.serve().unwrap()
    try:
        jobs = [ScrapeJob("exemplars", target=f"127.0.0.1:{server.port}")]
        with PrometheusServer(jobs, features=["exemplar-storage"]) as prometheus:
            prometheus.wait_for_scrape("exemplars")
            deadline = time.monotonic() + 20.0
            series: list[dict[str, object]] = []
            while time.monotonic() < deadline:
                now = time.time()
                series = prometheus.api(
                    "query_exemplars", query="checkout_seconds_bucket", start=str(now - 300), end=str(now + 60)
                )
                if series:
                    break
                time.sleep(0.5)
    finally:
        server.close()
    assert series, "Prometheus stored no exemplar"
    exemplars = [exemplar for entry in series for exemplar in entry["exemplars"]]  # type: ignore[attr-defined]
    assert {exemplar["labels"]["trace_id"] for exemplar in exemplars} == {span.trace_id}
    assert {exemplar["labels"]["span_id"] for exemplar in exemplars} == {span.span_id}
    assert {float(exemplar["value"]) for exemplar in exemplars} == {0.7}
    assert {entry["seriesLabels"]["le"] for entry in series} == {"0.75"}  # type: ignore[index]


def _snapshot(exemplars: tuple[tuple[object, object], ...]) -> MetricsSnapshot:
    spec = define_instrument(kind="histogram", name="req_seconds", help_text="Requests.", buckets=(0.5,)).unwrap()
    series = (SeriesSnapshot((), HistogramState(bounds=(0.5,), counts=(1, 0), sum=0.2, count=1)),)
    return MetricsSnapshot(families=(FamilySnapshot(spec=spec, series=series, exemplars=exemplars),))  # type: ignore[arg-type]


def test_merging_keeps_each_buckets_later_exemplar_and_refuses_ill_formed_ones() -> None:
    """Per bucket the later exemplar wins, a missing one is filled, other shapes are replaced; junk is a Failure."""
    old = Exemplar(TRACE, "00f067aa0ba902b7", 0.2, 10.0)
    new = Exemplar(TRACE, "00f067aa0ba902b8", 0.3, 20.0)

    def one(*buckets: Exemplar | None) -> tuple[tuple[object, object], ...]:
        return (((), buckets),)

    cases = [
        (one(old, None), one(new, old), ((), (new, old))),  # later wins; the earlier stays where it is later
        (one(None, new), one(old, None), ((), (old, new))),  # a missing one is filled from either side
        (one(old), one(None, new), ((), (None, new))),  # other bucket count: the second's replaces it
        ((), one(new, None), ((), (new, None))),  # only the second has any
    ]
    for first, second, merged in cases:
        family = merge_snapshots(_snapshot(first), _snapshot(second)).unwrap().family("req_seconds")
        assert family is not None
        assert family.exemplars == (merged,)
    for junk in [
        (("not", "pairs"),),
        (((), [old]),),
        (((), (("trace", "span", 1.0, 2.0),)),),
        (((), (Exemplar(TRACE, "x", 1, 2.0),)),),
        ((((1, 2),), (old,)),),
    ]:
        assert isinstance(merge_snapshots(_snapshot(junk), _snapshot(())), Failure)
