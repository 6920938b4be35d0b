"""Health as metrics: the status gauge, the duration histogram and the timeout counter; promtool lints them."""

from __future__ import annotations

import http.client as http_client
import threading
from typing import Final

import pytest
from prometheus_client.parser import text_string_to_metric_families
from returns.result import Failure
from servers import promtool_lint

from flext_observability.health import (
    HEALTH_CHECK_DURATION,
    HEALTH_CHECK_STATUS,
    HEALTH_CHECK_TIMEOUTS,
    FlextHealthService,
    build_health_check,
    make_health_app,
    register_health_metrics,
)
from flext_observability.metrics import FlextMetricsService

pytestmark = pytest.mark.integration

LOOPBACK: Final = "127.0.0.1"
"""Where ``serve()`` listens unless told otherwise."""

TIMEOUT: Final = 0.2


def _scrape(port: int) -> str:
    connection = http_client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        connection.close()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _warn() -> object:
    return build_health_check(component="disk", status="warn", time=0.0)


def test_the_metrics_appear_in_metrics_and_pass_promtool() -> None:
    """After /health ran pass, warn, fail and hung checks, /metrics shows 1, 0.5, 0, 0, a timeout; promtool agrees."""
    release = threading.Event()
    health = FlextHealthService()
    metrics = FlextMetricsService()
    assert register_health_metrics(health, metrics).unwrap() is None
    health.register(lambda: True, component="app", probes="liveness")
    health.register(_warn, component="disk", critical=False)
    health.register(lambda: False, component="cache", critical=False)
    health.register(lambda: release.wait(30.0), component="db", timeout=TIMEOUT)
    server = metrics.serve(routes=make_health_app(health).routes).unwrap()
    try:
        connection = http_client.HTTPConnection(LOOPBACK, server.port, timeout=10)
        connection.request("GET", "/health")
        assert connection.getresponse().status == 503
        connection.close()
        text = _scrape(server.port)
    finally:
        server.close()
        release.set()
        health.shutdown(1.0)
    samples = _samples(text)

    def labels(component: str) -> tuple[tuple[str, str], ...]:
        return (("component", component), ("measurement", "status"))

    assert samples[HEALTH_CHECK_STATUS, labels("app")] == 1.0
    assert samples[HEALTH_CHECK_STATUS, labels("disk")] == 0.5
    assert samples[HEALTH_CHECK_STATUS, labels("cache")] == 0.0
    assert samples[HEALTH_CHECK_STATUS, labels("db")] == 0.0
    assert samples[HEALTH_CHECK_TIMEOUTS, labels("db")] == 1.0
    assert samples[HEALTH_CHECK_TIMEOUTS, labels("app")] == 0.0
    base = HEALTH_CHECK_DURATION
    assert samples[f"{base}_count", labels("app")] == 1.0
    assert samples[f"{base}_count", labels("cache")] == 1.0
    promtool_lint(text)


def test_a_check_that_never_ran_has_no_status_sample() -> None:
    """Scraping runs no check: before the first run the status family is empty."""
    health = FlextHealthService()
    metrics = FlextMetricsService()
    register_health_metrics(health, metrics).unwrap()
    health.register(lambda: True, component="app")
    family = metrics.snapshot().family(HEALTH_CHECK_STATUS)
    assert family is not None
    assert family.series == ()
    assert health.states()[0].runs == 0
    health.shutdown()


def test_a_name_taken_by_another_kind_is_a_failure() -> None:
    """When the metrics service already holds the status name as a counter, registering is a Failure."""
    metrics = FlextMetricsService()
    metrics.counter(HEALTH_CHECK_STATUS, "Taken.").unwrap()
    health = FlextHealthService()
    assert isinstance(register_health_metrics(health, metrics), Failure)
    health.shutdown()
