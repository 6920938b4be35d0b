"""The alert service as metrics: alerts by state and severity, sinks' counts, rule runs, refusals; promtool agrees."""

from __future__ import annotations

import socket
import urllib.request
from typing import Final

import pytest
from prometheus_client.parser import text_string_to_metric_families
from returns.result import Failure
from servers import promtool_lint

from flext_observability.alerts import (
    AlertmanagerSink,
    FlextAlertService,
    LogSink,
    RetryPolicy,
    alert_rule,
    increase_over,
    register_alert_metrics,
    threshold,
)
from flext_observability.metrics import FlextMetricsService
from flext_observability.testing import FakeClock

QUICK_RETRY: Final = RetryPolicy(attempts=2, backoff=0.01, max_pause=0.02)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return str(response.read().decode())


def _samples(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_pending_and_firing_alerts_sinks_rules_and_refusals_show_at_scrape_and_pass_promtool() -> None:
    """A scrape shows pending and firing rule alerts, a log sink's sends, a dead Alertmanager's failures and drops."""
    clock = FakeClock(1_700_000_000.0)
    metrics = FlextMetricsService()
    depth = metrics.gauge("queue_depth", "Records waiting.", labels=("tap",)).unwrap()
    log = LogSink()
    dead = AlertmanagerSink(_dead_url(), retry=QUICK_RETRY, timeout=0.5)
    service = FlextAlertService(routes=[log, dead], metrics=metrics, clock=clock)
    assert register_alert_metrics(service, metrics).unwrap() is None
    assert isinstance(register_alert_metrics(service, metrics), Failure)  # the names are taken now
    service.add_rule(alert_rule("Deep", threshold("queue_depth", ">", 10), severity="critical").unwrap()).unwrap()
    slow = alert_rule("DeepForLong", threshold("queue_depth", ">", 10), for_seconds=600, severity="warning")
    service.add_rule(slow.unwrap()).unwrap()
    service.add_rule(alert_rule("Broken", increase_over("queue_depth", ">", 1, window=60)).unwrap()).unwrap()
    depth.labels(tap="pg").set(50)
    depth.labels(tap="mysql").set(70)
    for _ in range(3):
        service.evaluate_now().unwrap()
        clock.advance(15.0)
    assert isinstance(service.process_alert("no alert"), Failure)  # type: ignore[arg-type] # refused and counted
    dead.flush(5.0)
    server = metrics.serve().unwrap()
    try:
        text = _scrape(server.port)
    finally:
        server.close()
        service.shutdown(2.0)
    samples = _samples(text)

    def active(state: str, severity: str) -> float:
        return samples["flext_alerts_active", (("severity", severity), ("state", state))]

    assert active("firing", "critical") == 2.0  # Deep, for each tap
    assert active("pending", "warning") == 2.0  # DeepForLong waits out its 600 s
    assert active("firing", "warning") == 0.0
    assert active("pending", "critical") == 0.0
    assert samples["flext_alert_notifications_total", (("sink", "log"),)] == 2.0
    dead_failed = samples["flext_alert_notifications_failed_total", (("sink", "alertmanager"),)]
    dead_dropped = samples["flext_alert_queue_dropped_total", (("sink", "alertmanager"),)]
    assert dead_failed >= 1.0
    assert dead_failed + dead_dropped >= 2.0  # nothing it was handed is unaccounted for
    assert samples["flext_alert_notifications_total", (("sink", "alertmanager"),)] == 0.0
    assert samples["flext_alert_rule_evaluation_failures_total", (("rule", "Broken"),)] == 3.0
    assert samples["flext_alert_rule_evaluation_failures_total", (("rule", "Deep"),)] == 0.0
    assert samples["flext_alert_rule_evaluation_duration_seconds_count", (("rule", "Deep"),)] == 3.0
    assert sum(value for (name, _), value in samples.items() if name == "flext_alerts_refused_total") >= 1.0
    promtool_lint(text)


def test_scraping_evaluates_no_rule_and_sends_nothing() -> None:
    """Reading the metrics runs no rule: the pending count comes from the last evaluation, and nothing is sent."""
    clock = FakeClock(1_700_000_000.0)
    metrics = FlextMetricsService()
    metrics.gauge("queue_depth", "Records waiting.").unwrap().set(50)
    log = LogSink()
    service = FlextAlertService(routes=[log], metrics=metrics, clock=clock)
    register_alert_metrics(service, metrics).unwrap()
    service.add_rule(alert_rule("Deep", threshold("queue_depth", ">", 10), for_seconds=60).unwrap()).unwrap()
    before = _samples(metrics.export_prometheus().unwrap())
    assert before["flext_alerts_active", (("severity", "warning"), ("state", "pending"))] == 0.0
    service.evaluate_now().unwrap()
    for _ in range(5):
        clock.advance(120.0)
        after = _samples(metrics.export_prometheus().unwrap())
    assert after["flext_alerts_active", (("severity", "warning"), ("state", "pending"))] == 1.0
    assert log.stats().sent == 0
    assert service.evaluations == 1


@pytest.mark.parametrize("bad", [None, object(), "alerts"])
def test_register_refuses_what_is_no_service(bad: object) -> None:
    """Set-up with something that is no alert or metrics service raises a TypeError naming the argument."""
    with pytest.raises(TypeError, match="alerts must be"):
        register_alert_metrics(bad, FlextMetricsService())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="metrics must be"):
        register_alert_metrics(FlextAlertService(), bad)  # type: ignore[arg-type]


def test_a_collected_service_leaves_empty_families() -> None:
    """The readers hold the service weakly: once it is gone, the families are there and empty."""
    metrics = FlextMetricsService()
    service = FlextAlertService(routes=[LogSink()])
    register_alert_metrics(service, metrics).unwrap()
    del service
    samples = _samples(metrics.export_prometheus().unwrap())
    assert not [key for key in samples if key[0] == "flext_alerts_active"]
