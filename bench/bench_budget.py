"""The seed's stated budget, beside our medians: entity creation under 1 ms, service operations under 5 ms.

There is no peer here: the "peer" column is the budget itself, so the ratio
says which share of the budget an operation takes. (The decorator's budget,
2 ms, is printed by ``bench_decorator``.)
"""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING, Final

from harness import Comparison, compare

from flext_observability import (
    FlextObservabilityMasterFactory,
    FlextTracingService,
    InMemorySpanRepository,
    configure_logging,
    get_logger,
    reset_logging,
)
from flext_observability.alerts import FlextAlertService, LogSink
from flext_observability.health import FlextHealthService
from flext_observability.metrics import FlextMetricsService

if TYPE_CHECKING:
    from collections.abc import Callable

ENTITY_BUDGET_NS: Final = 1_000_000
"""The seed's budget for creating an entity: under 1 ms."""
SERVICE_BUDGET_NS: Final = 5_000_000
"""The seed's budget for a service operation: under 5 ms."""

TRACE: Final = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN: Final = "00f067aa0ba902b7"


def _noop() -> None:
    return None


def _against_budget(name: str, operation: Callable[[], object], budget: int, *, number: int) -> Comparison:
    ours, _ = compare(operation, _noop, number=number, repeat=9)
    label = f"{budget / 1e6:g} ms"
    return Comparison(
        name=name,
        ours=ours,
        peer=float(budget),
        peer_name=f"the seed's budget ({label})",
        unit="µs/op",
        goal_ours=budget,
    )


def _entities(factory: FlextObservabilityMasterFactory) -> list[Comparison]:
    labels = {"tap": "postgres", "step": "extract"}
    operations: dict[str, Callable[[], object]] = {
        "metric": lambda: factory.create_metric("pipeline_rows_total", 120.0, kind="counter", labels=labels),
        "span": lambda: factory.create_span("extract", trace_id=TRACE, span_id=SPAN, attributes={"rows": 120}),
        "trace": lambda: factory.create_trace("orders-run", attributes={"run": "r1"}),
        "alert": lambda: factory.create_alert("RowsRejected", "rows rejected", labels=labels),
        "health check": lambda: factory.create_health_check("warehouse", status="pass"),
        "log entry": lambda: factory.create_log_entry("rows loaded", context={"rows": 120}),
    }
    for operation in operations.values():
        assert operation().unwrap() is not None  # type: ignore[attr-defined] # each makes a valid entity
    return [
        _against_budget(f"entity creation: {kind}", operation, ENTITY_BUDGET_NS, number=2_000)
        for kind, operation in operations.items()
    ]


def _services(factory: FlextObservabilityMasterFactory) -> tuple[list[Comparison], Callable[[], None]]:
    metrics = FlextMetricsService()
    rows = metrics.counter("pipeline_rows", "Rows.", labels=("tap",)).unwrap()
    for tap in range(50):
        rows.labels(tap=f"tap-{tap}").inc()
    metric = factory.create_metric("pipeline_rows_total", 1.0, kind="counter", labels={"tap": "tap-1"}).unwrap()
    tracing = FlextTracingService(exporters=[InMemorySpanRepository(capacity=1000)], metrics=metrics)
    health = FlextHealthService()
    health.register(lambda: True, component="warehouse")
    alerts = FlextAlertService(routes=[LogSink()])
    alert = factory.create_alert("RowsRejected", "rows rejected", labels={"tap": "pg"}).unwrap()
    logger = get_logger("bench")

    def span() -> None:
        with tracing.start_span("extract", attributes={"rows": 120}):
            pass

    operations: dict[str, Callable[[], object]] = {
        "metrics: record_metric (an entity into its series)": lambda: metrics.record_metric(metric),
        "metrics: export_prometheus (50 series)": metrics.export_prometheus,
        "tracing: start and end a span": span,
        "logging: one JSON line": lambda: logger.info("rows loaded", rows=120),
        "health: check_health (cached)": health.check_health,
        "alerts: process_alert (a repeat, deduplicated)": lambda: alerts.process_alert(alert),
    }
    results = [
        _against_budget(f"service operation: {name}", operation, SERVICE_BUDGET_NS, number=500)
        for name, operation in operations.items()
    ]

    def close() -> None:
        tracing.shutdown(1.0)
        health.shutdown(1.0)
        alerts.shutdown(1.0)

    return results, close


def run() -> list[Comparison]:
    """Each kind of entity and a handful of service operations, against the seed's budget."""
    configure_logging(format="json", stream=io.StringIO(), level="info")
    factory = FlextObservabilityMasterFactory(service="bench")
    try:
        results = _entities(factory)
        services, close = _services(factory)
        try:
            results.extend(services)
        finally:
            close()
    finally:
        reset_logging()
    return results


if __name__ == "__main__":
    started = time.perf_counter()
    for comparison in run():
        print(comparison.line())
    print(f"{time.perf_counter() - started:.1f} s")
