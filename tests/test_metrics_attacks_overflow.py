"""Attack: a label set beyond the series cap is counted at every call and re-checked at every call.

``flext_observability_series_overflow_total`` said +10 for ten increments of
one overflowed label set, and each of those calls re-ran the label checks and
redaction (eight times slower). An overflowed label set is now remembered (up
to ``OVERFLOW_MEMORY`` times ``max_series`` of them): asked for again it goes straight to the overflow
series, counted once, without checks or redaction.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flext_observability.core.metrics.aggregation import CounterState
from flext_observability.shell.metrics import series
from flext_observability.shell.metrics.service import FlextMetricsService

if TYPE_CHECKING:
    import pytest

SERIES_OVERFLOW = "flext_observability_series_overflow_total"
REDACTED_LABEL_VALUES = "flext_observability_redacted_label_values_total"


def _count(service: FlextMetricsService, family_name: str, **labels: str) -> float | None:
    family = service.snapshot().family(family_name)
    assert family is not None
    state = family.state(**labels)
    return None if state is None else state.value  # type: ignore[union-attr]


def test_overflow_counts_label_sets_not_calls(caplog: pytest.LogCaptureFixture) -> None:
    """Ensures 5 extra label sets incremented 10 times each count 5 overflows, and the overflow series holds all 50."""
    service = FlextMetricsService()
    rows = service.counter("rows_total", "Rows.", labels=("table",), max_series=2).unwrap()
    rows.labels(table="a").inc()
    rows.labels(table="b").inc()
    with caplog.at_level(logging.WARNING, logger="flext_observability.metrics"):
        for _ in range(10):
            for table in ("c", "d", "e", "f", "g"):
                assert rows.labels(table=table).inc().unwrap() is None
    assert _count(service, SERIES_OVERFLOW, metric="rows_total") == 5.0
    family = service.snapshot().family("rows_total")
    assert family is not None
    assert family.state(otel_metric_overflow="true") == CounterState(value=50.0)
    assert sum(series.state.value for series in family.series) == 52.0  # type: ignore[union-attr, misc]
    assert len([record for record in caplog.records if "rows_total" in record.getMessage()]) == 1


def test_a_remembered_label_set_skips_the_checks_and_redaction() -> None:
    """Ensures an overflowed label set with a credential is checked, redacted and counted once over many lookups."""
    service = FlextMetricsService()
    calls = service.counter("calls_total", "Calls.", labels=("endpoint", "status"), max_series=1).unwrap()
    calls.labels(endpoint="/health", status=200).inc()
    url = "https://etl:pw@api.example/v1"
    overflow = calls.labels(endpoint=url, status=500)
    for _ in range(5):
        assert calls.labels(endpoint=url, status=500) is overflow
        assert calls.labels(url, 500) is overflow
    for _ in range(10):
        assert overflow.inc().unwrap() is None
    # Each run of the checks redacts the URL again and counts it: one run in all.
    assert _count(service, REDACTED_LABEL_VALUES, metric="calls_total") == 1.0
    assert _count(service, SERIES_OVERFLOW, metric="calls_total") == 1.0
    # An integer label value is remembered too, and a bool or float equal to it finds nothing.
    ok = calls.labels(endpoint="/health", status=200)
    assert calls.labels(endpoint="/health", status=200) is ok
    assert calls.labels(endpoint="/health", status="200") is ok
    assert calls.labels(endpoint="/x", status=True).inc().failure().codes == {
        calls.labels(endpoint="/x", status=1.0).inc().failure().errors[0].code
    }


def test_the_memory_of_label_sets_is_bounded_and_counts_beyond_it() -> None:
    """Ensures at most OVERFLOW_MEMORY x max_series overflowed sets are remembered; beyond, each call counts again."""
    service = FlextMetricsService()
    rows = service.counter("rows_total", "Rows.", labels=("table",), max_series=1).unwrap()
    rows.labels(table="a").inc()
    remembered = series.OVERFLOW_MEMORY * 1
    tables = [f"t{index}" for index in range(remembered + 2)]
    for table in tables:
        for _ in range(3):
            rows.labels(table=table).inc()
    assert _count(service, SERIES_OVERFLOW, metric="rows_total") == remembered + 2 * 3
    family = service.snapshot().family("rows_total")
    assert family is not None
    assert family.state(otel_metric_overflow="true") == CounterState(value=3.0 * len(tables))
