"""The metrics hot path, rendering and memory against prometheus_client, in one run."""

from __future__ import annotations

import gc
import statistics
import tracemalloc
from typing import TYPE_CHECKING

import prometheus_client
from harness import Comparison, compare
from prometheus_client import CollectorRegistry, generate_latest

from flext_observability.shell.metrics.service import FlextMetricsService

if TYPE_CHECKING:
    from collections.abc import Callable

SERIES = 10_000


def _hot_paths() -> list[Comparison]:
    service = FlextMetricsService()
    registry = CollectorRegistry()
    ours_counter = service.counter("jobs_total", "Jobs.").unwrap()
    peer_counter = prometheus_client.Counter("jobs", "Jobs.", registry=registry)
    ours_rows = service.counter("rows_total", "Rows.", labels=("tap",)).unwrap()
    peer_rows = prometheus_client.Counter("rows", "Rows.", ["tap"], registry=registry)
    ours_hist = service.histogram("load_seconds", "Load time.", unit="seconds").unwrap()
    peer_hist = prometheus_client.Histogram("load_seconds", "Load time.", registry=registry)

    def ours_inc() -> object:
        return ours_counter.inc()

    def peer_inc() -> None:
        peer_counter.inc()

    def ours_labeled() -> object:
        return ours_rows.labels(tap="postgres").inc()

    def peer_labeled() -> None:
        peer_rows.labels(tap="postgres").inc()

    def ours_observe() -> object:
        return ours_hist.observe(0.3)

    def peer_observe() -> None:
        peer_hist.observe(0.3)

    cases: list[tuple[str, Callable[[], object], Callable[[], object], float]] = [
        ("unlabeled counter increment", ours_inc, peer_inc, 1.0),
        ("labeled increment, label lookup on every call", ours_labeled, peer_labeled, 0.5),
        ("histogram observe (default buckets)", ours_observe, peer_observe, 0.8),
    ]
    results = []
    for name, ours_call, peer_call, goal in cases:
        ours, peer = compare(ours_call, peer_call, number=50_000)
        results.append(Comparison(name=name, ours=ours, peer=peer, peer_name="prometheus-client", goal_ratio=goal))
    return results


def _rendering() -> Comparison:
    service = FlextMetricsService(max_series=SERIES)
    ours_rows = service.counter("rows_total", "Rows.", labels=("table",)).unwrap()
    registry = CollectorRegistry()
    peer_rows = prometheus_client.Counter("rows", "Rows.", ["table"], registry=registry)
    for index in range(SERIES):
        ours_rows.labels(table=f"table_{index}").inc(index)
        peer_rows.labels(table=f"table_{index}").inc(index)
    ours_text = generate_latest(service.registry)
    assert ours_text.count(b"\nrows_total{") == SERIES
    ours, peer = compare(
        lambda: generate_latest(service.registry), lambda: generate_latest(registry), number=3, repeat=7
    )
    return Comparison(
        name=f"rendering {SERIES:,} labeled counter series",
        ours=ours,
        peer=peer,
        peer_name="prometheus-client",
        goal_ratio=1.2,
        unit="ms/op",
    )


def _bytes_per_series(make: Callable[[int], object], count: int = SERIES) -> float:
    """Median bytes allocated per series over three fresh runs."""
    sizes = []
    for _ in range(3):
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        keep = make(count)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        sizes.append(sum(stat.size_diff for stat in after.compare_to(before, "filename")) / count)
        del keep
    return statistics.median(sizes)


def _memory() -> list[Comparison]:
    def ours_counters(count: int) -> object:
        service = FlextMetricsService(max_series=count + 1)
        rows = service.counter("rows_total", "Rows.", labels=("table",)).unwrap()
        for index in range(count):
            rows.labels(table=f"t{index}").inc()
        return service

    def peer_counters(count: int) -> object:
        rows = prometheus_client.Counter("rows", "Rows.", ["table"], registry=CollectorRegistry())
        for index in range(count):
            rows.labels(table=f"t{index}").inc()
        return rows

    def ours_histograms(count: int) -> object:
        service = FlextMetricsService(max_series=count + 1)
        latency = service.histogram("latency_seconds", "Latency.", unit="seconds", labels=("table",)).unwrap()
        for index in range(count):
            latency.labels(table=f"t{index}").observe(0.1)
        return service

    def peer_histograms(count: int) -> object:
        latency = prometheus_client.Histogram("latency_seconds", "Latency.", ["table"], registry=CollectorRegistry())
        for index in range(count):
            latency.labels(table=f"t{index}").observe(0.1)
        return latency

    return [
        Comparison(
            name="memory per labeled counter series",
            ours=_bytes_per_series(ours_counters),
            peer=_bytes_per_series(peer_counters),
            peer_name="prometheus-client",
            goal_ratio=1.0,
            unit="B",
        ),
        Comparison(
            name="memory per labeled histogram series (default buckets)",
            ours=_bytes_per_series(ours_histograms, 2_000),
            peer=_bytes_per_series(peer_histograms, 2_000),
            peer_name="prometheus-client",
            goal_ratio=0.5,
            unit="B",
        ),
    ]


def run() -> list[Comparison]:
    """Every metrics comparison."""
    return [*_hot_paths(), _rendering(), *_memory()]
