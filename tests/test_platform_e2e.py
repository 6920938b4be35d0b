"""The platform end to end with the real engines: Prometheus, Alertmanager, Pushgateway, and an OTLP receiver."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from otlp_receiver import OtlpReceiver, attributes_of, down_endpoint
from servers import Alertmanager, PrometheusFactory, Pushgateway, ScrapeJob, http_request

from flext_observability import flext_monitor_function
from flext_observability.core.alerts.expressions import threshold
from flext_observability.core.alerts.rules import alert_rule
from flext_observability.platform.default import reset_platform
from flext_observability.platform.platform import FlextObservabilityPlatform, ShutdownSummary
from flext_observability.shell.logs.setup import reset_logging

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _clean_process_state() -> Iterator[None]:
    """Each test ends without a default platform, a logging set-up, or a delivery thread of its own still retrying."""
    before = set(threading.enumerate())
    yield
    reset_platform()
    reset_logging()
    # An outbox given up on at shutdown may still be finishing its last attempt at a dead peer;
    # later tests (Hypothesis watches the random module) must not see its retries.
    deadline = time.monotonic() + 30
    for thread in set(threading.enumerate()) - before:
        if thread.name.startswith("flext-"):
            thread.join(max(deadline - time.monotonic(), 0))


def _platform(environ: dict[str, str], **options: Any) -> FlextObservabilityPlatform:
    return FlextObservabilityPlatform(environ=environ, log_stream=io.StringIO(), load_plugins=False, **options)


def test_prometheus_scrapes_every_signal_from_serve(prometheus_factory: PrometheusFactory) -> None:
    """A real Prometheus scrapes serve(): the app's metric, span counts and health status arrive; /readyz answers."""
    with _platform({"FLEXT_OBSERVABILITY_SERVICE_NAME": "orders-api", "FLEXT_OBSERVABILITY_PORT": "0"}) as platform:
        platform.metrics.counter("orders_loaded_total", "Orders loaded.").unwrap().inc(7)
        platform.health.register(lambda: True, component="db")
        platform.health.check_health(None)
        with platform.tracing.start_span("load"):
            pass

        @flext_monitor_function("load_orders", platform=platform)
        def load_orders() -> int:
            return 7

        assert load_orders() == 7
        server = platform.serve().unwrap()
        assert http_request("GET", f"http://127.0.0.1:{server.port}/readyz").status == 200
        jobs = [ScrapeJob("platform", f"127.0.0.1:{server.port}")]
        prometheus = prometheus_factory(jobs, features=["exemplar-storage"])
        target = prometheus.wait_for_scrape("platform")
        assert target["health"] == "up", target.get("lastError")
        assert prometheus.query("orders_loaded_total")[0]["value"][1] == "7"
        assert prometheus.query('flext_health_check_status{component="db"}')[0]["value"][1] == "1"
        assert prometheus.query("flext_observability_spans_started_total")
        assert prometheus.query('flext_function_calls_total{function="load_orders",outcome="success"}')
        now = time.time()
        exemplars = prometheus.api(
            "query_exemplars", query="flext_function_duration_seconds_bucket", start=str(now - 300), end=str(now + 60)
        )
        platform.tracing.force_flush(5)
        traced = {span.trace_id for span in platform.spans.spans() if span.name == "load_orders"}
        found = {exemplar["labels"]["trace_id"] for entry in exemplars for exemplar in entry["exemplars"]}
        assert found, "Prometheus stored no exemplar of the decorated function's duration"
        assert found <= traced  # each links to the trace of a call


def test_a_rule_on_the_platform_reaches_a_real_alertmanager(alertmanager: Alertmanager) -> None:
    """A rule added to platform.alerts fires, and the Alertmanager of the settings stores the alert."""
    environ = {"FLEXT_OBSERVABILITY_ALERTMANAGER_URLS": alertmanager.url, "FLEXT_OBSERVABILITY_SERVICE_NAME": "etl"}
    with _platform(environ) as platform:
        platform.metrics.gauge("queue_depth", "Items waiting.").unwrap().set(500)
        rule = alert_rule("QueueTooDeep", threshold("queue_depth", ">", 100), severity="critical").unwrap()
        platform.alerts.add_rule(rule).unwrap()
        platform.alerts.evaluate_now().unwrap()
        deadline = time.monotonic() + 10
        while not alertmanager.alerts() and time.monotonic() < deadline:
            time.sleep(0.05)
        [stored] = alertmanager.alerts()
        status = platform.status()
    assert (stored["labels"]["alertname"], stored["labels"]["severity"]) == ("QueueTooDeep", "critical")
    assert [alert["name"] for alert in status["alerts"]["firing"]] == ["QueueTooDeep"]


def test_spans_reach_the_otlp_receiver_named_by_the_platform() -> None:
    """With OTEL_EXPORTER_OTLP_ENDPOINT set, spans reach the collector with the platform's name and environment."""
    with OtlpReceiver() as receiver:
        environ = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_SERVICE_NAME": "otel-name",
            "FLEXT_OBSERVABILITY_SERVICE_NAME": "orders-api",
            "FLEXT_OBSERVABILITY_ENVIRONMENT": "staging",
        }
        platform = _platform(environ)
        with platform.tracing.start_span("nightly"), platform.tracing.start_span("extract"):
            pass
        assert platform.shutdown(10).spans_flushed
        [request] = receiver.decoded_requests()
    [resource_spans] = request.resource_spans
    resource = attributes_of(resource_spans.resource.attributes)
    assert (resource["service.name"], resource["deployment.environment.name"]) == ("orders-api", "staging")
    names = sorted(span.name for scope in resource_spans.scope_spans for span in scope.spans)
    assert names == ["extract", "nightly"]


def test_shutdown_pushes_to_the_pushgateway_once(pushgateway: Pushgateway) -> None:
    """A configured Pushgateway gets the metrics at shutdown, under the platform's job."""
    environ = {"FLEXT_OBSERVABILITY_PUSHGATEWAY_URL": pushgateway.url, "FLEXT_OBSERVABILITY_SERVICE_NAME": "nightly"}
    platform = _platform(environ)
    platform.metrics.counter("rows_loaded_total", "Rows loaded.").unwrap().inc(42)
    summary = platform.shutdown(10)
    assert summary.pushed is True
    assert 'rows_loaded_total{instance="",job="nightly"} 42' in pushgateway.metrics_text()


def _shutdown_in_thread(platform: FlextObservabilityPlatform, timeout: float) -> ShutdownSummary | None:
    done: list[ShutdownSummary] = []
    thread = threading.Thread(target=lambda: done.append(platform.shutdown(timeout)), daemon=True)
    thread.start()
    # Generous: this checks that shutdown ends at all with every remote dead, not how fast it is.
    thread.join(timeout * 10)
    return done[0] if done else None


def test_shutdown_ends_with_every_remote_dead_or_hanging() -> None:
    """OTLP, Alertmanager and Pushgateway all refusing or hanging: shutdown returns, reporting what did not finish."""
    with ExitStack() as stack:
        closed = stack.enter_context(down_endpoint())
        hanging = stack.enter_context(OtlpReceiver("black_hole"))
        environ = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": hanging.endpoint,
            "FLEXT_OBSERVABILITY_ALERTMANAGER_URLS": f"{closed},{hanging.endpoint}",
            "FLEXT_OBSERVABILITY_PUSHGATEWAY_URL": hanging.endpoint,
        }
        platform = _platform(environ)
        platform.start()
        platform.serve(port=0).unwrap()
        for number in range(50):
            with platform.tracing.start_span(f"step {number}"):
                pass
        platform.metrics.gauge("queue_depth", "Items waiting.").unwrap().set(500)
        platform.alerts.add_rule(alert_rule("QueueTooDeep", threshold("queue_depth", ">", 100)).unwrap()).unwrap()
        platform.alerts.evaluate_now().unwrap()
        summary = _shutdown_in_thread(platform, 2.0)
        assert summary is not None, "shutdown did not return"
        assert not summary.clean
        assert summary.pushed is False
        assert summary.server_closed is True
        assert platform.shutdown(2.0).already


def test_shutdown_with_a_closed_collector_reports_the_spans_unflushed() -> None:
    """A collector whose port refuses connections leaves spans unexported, and shutdown says so."""
    with down_endpoint() as closed:
        platform = _platform({"OTEL_EXPORTER_OTLP_ENDPOINT": closed})
        with platform.tracing.start_span("lost"):
            pass
        summary = _shutdown_in_thread(platform, 2.0)
    assert summary is not None, "shutdown did not return"
    assert summary.health_stopped
    assert platform.tracing.counts().exported == 0
