"""Concurrent increments give exact totals while scrapes run, and label sets are never duplicated."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from returns.result import Success

from flext_observability.shell.metrics.service import FlextMetricsService

THREADS = 16
PER_THREAD = 100_000
TABLES = PER_THREAD // 20  # a new label set every 20 increments, all run long


@pytest.fixture
def eager_switching() -> Iterator[None]:
    """Switch threads far more often than usual, so that races show up in a short run."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.mark.usefixtures("eager_switching")
def test_sixteen_threads_count_exactly_while_scraped() -> None:  # noqa: C901 - workers, scraper and checks read best together
    """16 threads x 100k increments over labeled and unlabeled series give exact totals; scrapes never fail."""
    service = FlextMetricsService(max_series=TABLES)
    jobs = service.counter("jobs_total", "Jobs.").unwrap()
    rows = service.counter("rows_total", "Rows.", labels=("table",)).unwrap()
    latency = service.histogram("latency_seconds", "Latency.", unit="seconds", buckets=(0.5,)).unwrap()
    start = threading.Barrier(THREADS + 1)
    stop = threading.Event()
    scrape_problems: list[str] = []
    scrapes = 0

    def work() -> None:
        start.wait()
        for index in range(PER_THREAD):
            if index % 2:
                jobs.inc()
            else:
                # New label sets keep appearing while others are looked up and scraped.
                rows.labels(table=f"t{index // 20}").inc()
            if index % 10 == 0:
                latency.observe(0.25 if index % 20 else 1.0)

    def scrape() -> None:
        nonlocal scrapes
        while not stop.is_set():
            result = service.export_prometheus()
            if not isinstance(result, Success):
                scrape_problems.append(str(result))
                continue
            names = {family.name for family in text_string_to_metric_families(result.unwrap())}
            if not {"jobs", "rows", "latency_seconds"} <= names:
                scrape_problems.append(f"families missing from a scrape: {sorted(names)}")
            scrapes += 1

    workers = [threading.Thread(target=work) for _ in range(THREADS)]
    scraper = threading.Thread(target=scrape)
    for thread in [*workers, scraper]:
        thread.start()
    start.wait()
    for thread in workers:
        thread.join()
    stop.set()
    scraper.join()

    snapshot = service.snapshot()
    assert scrape_problems == []
    assert scrapes > 0
    assert snapshot.family("jobs_total").state().value == THREADS * PER_THREAD // 2  # type: ignore[union-attr]
    table_series = snapshot.family("rows_total").series  # type: ignore[union-attr]
    assert len(table_series) == TABLES
    assert {series.state.value for series in table_series} == {THREADS * PER_THREAD // 2 / TABLES}  # type: ignore[union-attr]
    histogram = snapshot.family("latency_seconds").state()  # type: ignore[union-attr]
    observations = THREADS * PER_THREAD // 10
    assert histogram.count == observations  # type: ignore[union-attr]
    assert histogram.counts == (observations // 2, observations // 2)  # type: ignore[union-attr]
