"""The platform: wiring, routes, /status, plugins, lifecycle, the process default and forks."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import http_request

from flext_observability.core.alerts.alert import build_alert
from flext_observability.core.alerts.expressions import threshold
from flext_observability.core.alerts.rules import alert_rule
from flext_observability.core.frozen import EMPTY_MAP
from flext_observability.core.metrics.metric import FlextMetric
from flext_observability.core.values import HealthStatus, MetricKind
from flext_observability.platform import default
from flext_observability.platform.default import (
    configure,
    default_generation,
    get_platform,
    is_configured,
    reset_platform,
)
from flext_observability.platform.platform import FlextObservabilityPlatform
from flext_observability.platform.plugins import ENTRY_POINT_GROUP, LOAD, PluginHooks, load_entry_point_plugins
from flext_observability.shell.logs.setup import reset_logging
from flext_observability.shell.web.bridge import wsgi_to_asgi

Environ = dict[str, Any]


@pytest.fixture(autouse=True)
def _clean_process_state() -> Iterator[None]:
    """Each test starts and ends without a default platform or a logging set-up."""
    reset_platform()
    yield
    reset_platform()
    reset_logging()


def _platform(name: str = "orders", **options: Any) -> FlextObservabilityPlatform:
    options.setdefault("environ", {})
    options.setdefault("log_stream", io.StringIO())
    options.setdefault("load_plugins", False)
    return FlextObservabilityPlatform(name, **options)


def _call(app: Any, path: str, method: str = "GET") -> tuple[str, dict[str, str], bytes]:
    answered: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        del exc_info
        answered.append((status, dict(headers)))

    body = b"".join(app({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": ""}, start_response))
    status, headers = answered[0]
    return status, headers, body


# --- wiring ------------------------------------------------------------------------


def test_every_service_carries_the_one_service_name() -> None:
    """The name given reaches tracing, the logging service, the logger's lines and the Pushgateway job."""
    stream = io.StringIO()
    with _platform("billing", log_stream=stream) as platform:
        platform.logger.info("ready")
        assert platform.tracing.service_name == "billing"
        assert platform.settings.pushgateway_job == "billing"
        line = json.loads(stream.getvalue().strip().splitlines()[-1])
        assert line["service"] == "billing"


def test_self_metrics_of_tracing_alerts_health_and_logs_land_in_the_platform_metrics() -> None:
    """One metrics service shows span counts, alert counts, health status and log counts."""
    with _platform() as platform:
        platform.health.register(lambda: True, component="db")
        platform.health.check_health(None)
        with platform.tracing.start_span("load"):
            platform.logger.info("loaded")
        platform.tracing.force_flush(5)
        names = {family.spec.exposed_name for family in platform.metrics.snapshot().families}
        exposition = platform.metrics.export_prometheus().unwrap()
    for wanted in (
        "flext_observability_spans_ended_total",
        "flext_alerts_active",
        "flext_health_check_status",
        "flext_observability_log_events_total",
        "flext_observability_plugin_failures_total",
    ):
        assert wanted in names
    assert 'flext_health_check_status{component="db",measurement="status"} 1.0' in exposition


def test_log_lines_carry_the_current_span_ids() -> None:
    """A line logged inside a span names that span's trace and span ids."""
    stream = io.StringIO()
    with _platform(log_stream=stream) as platform, platform.tracing.start_span("step") as span:
        platform.logger.info("inside")
        line = json.loads(stream.getvalue().strip().splitlines()[-1])
        assert (line["trace_id"], line["span_id"]) == (span.trace_id, span.span_id)


def test_record_metric_records_and_refuses_like_the_metrics_service() -> None:
    """An entity recorded through the platform lands in its metrics; a bad one is a Failure, not an exception."""
    with _platform() as platform:
        metric = FlextMetric(
            name="rows_total", value=3.0, kind=MetricKind.COUNTER, unit="", labels=EMPTY_MAP, timestamp=1.0
        )
        assert platform.record_metric(metric).unwrap() == metric
        bad = FlextMetric(
            name="rows_total", value=-1.0, kind=MetricKind.COUNTER, unit="", labels=EMPTY_MAP, timestamp=1.0
        )
        assert platform.record_metric(bad).failure().codes


# --- set-up mistakes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "error", "named"),
    [
        ({"service_name": 7}, TypeError, "service_name"),
        ({"service_name": ""}, ValueError, "service_name"),
        ({"service_name": "a\nb"}, ValueError, "service_name"),
        ({"strict": "yes"}, TypeError, "strict"),
        ({"environ": 5}, TypeError, "environ"),
        ({"settings": {"port": 1}}, TypeError, "settings"),
        ({"plugins": [object()]}, TypeError, "plugins[0]"),
        ({"plugins": "plugin"}, TypeError, "plugins"),
        ({"span_exporters": 3}, TypeError, "span_exporters"),
        ({"span_exporters": [object()]}, TypeError, "span_exporters[0] must be a span exporter"),
        ({"alert_sinks": [object()]}, TypeError, "alert_sinks[0] must be an alert sink"),
        ({"configure_logs": 1}, TypeError, "configure_logs"),
    ],
)
def test_set_up_mistakes_raise_naming_the_argument(
    arguments: dict[str, Any], error: type[Exception], named: str
) -> None:
    """Each wrong argument raises its exception type with a message that names it."""
    options: dict[str, Any] = {"environ": {}, "log_stream": io.StringIO(), "load_plugins": False, **arguments}
    with pytest.raises(error, match=named.replace("[", r"\[").replace("]", r"\]")):
        FlextObservabilityPlatform(**options)


# --- routes --------------------------------------------------------------------------------


def test_wsgi_app_answers_every_route() -> None:
    """The WSGI app serves metrics, the four health paths and /status, and 404 elsewhere."""
    with _platform() as platform:
        platform.health.register(lambda: True, component="db", probes=("liveness", "readiness", "startup"))
        app = platform.wsgi_app()
        assert _call(app, "/metrics")[0] == "200 OK"
        for path in ("/livez", "/readyz", "/startupz", "/health"):
            status, headers, body = _call(app, path)
            assert (status, json.loads(body)["status"]) == ("200 OK", "pass")
            assert headers["Content-Type"].startswith("application/health+json")
        status, headers, body = _call(app, "/status")
        assert (status, headers["Content-Type"]) == ("200 OK", "application/json")
        assert json.loads(body)["service"]["name"] == "orders"
        assert _call(app, "/status", "HEAD")[2] == b""
        assert _call(app, "/status", "POST")[0].startswith("405")
        assert _call(app, "/nothing")[0].startswith("404")


def test_failing_readiness_answers_503() -> None:
    """A failing critical readiness check makes /readyz answer 503 while /livez stays 200."""
    with _platform() as platform:
        platform.health.register(lambda: False, component="db", probes="readiness")
        app = platform.wsgi_app()
        assert _call(app, "/readyz")[0].startswith("503")
        assert _call(app, "/livez")[0] == "200 OK"


def test_serve_listens_on_loopback_and_answers_every_route_on_one_port() -> None:
    """serve() binds 127.0.0.1 by default; metrics, health and /status answer on the same port."""
    with _platform() as platform:
        server = platform.serve(port=0).unwrap()
        assert server.host == "127.0.0.1"
        assert platform.serve(port=0).unwrap() is server
        base = f"http://127.0.0.1:{server.port}"
        assert "flext_observability_spans_ended_total" in http_request("GET", base + "/metrics").text
        assert http_request("GET", base + "/readyz").status == 200
        assert http_request("GET", base + "/status").json()["lifecycle"]["serving"] is True
    assert platform.serve(port=0).failure().message == "the platform is shut down"


def test_serve_refuses_a_taken_port_with_a_failure() -> None:
    """A port already in use is a Failure naming the address, never an exception."""
    with _platform() as first, _platform() as second:
        taken = first.serve(port=0).unwrap().port
        failure = second.serve(port=taken).failure()
        assert f"127.0.0.1:{taken}" in failure.target


def _asgi(app: Any, path: str, *, method: str = "GET", body: bytes = b"") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [(b"accept", b"*/*")], "query_string": b""}
    asyncio.run(app(scope, receive, send))
    return sent


def test_asgi_app_answers_the_same_routes() -> None:
    """The ASGI app answers metrics, health and /status like the WSGI one."""
    with _platform() as platform:
        app = platform.asgi_app()
        try:
            start, body = _asgi(app, "/livez")
            assert (start["status"], json.loads(body["body"])["status"]) == (200, "pass")
            start, body = _asgi(app, "/status")
            assert json.loads(body["body"])["service"]["name"] == "orders"
            start, body = _asgi(app, "/metrics")
            assert start["status"] == 200
            assert b"flext_health_check_status" in body["body"]
        finally:
            app.close()


def test_bridge_refuses_a_body_too_large_and_a_raising_app() -> None:
    """A body over the bound is 413; a WSGI app that raises is 500; nothing reaches the server."""

    def broken(environ: Environ, start_response: Any) -> list[bytes]:
        raise RuntimeError(environ["PATH_INFO"])

    bridge = wsgi_to_asgi(broken, max_body=10)
    try:
        assert _asgi(bridge, "/x", method="POST", body=b"x" * 11)[0]["status"] == 413
        assert _asgi(bridge, "/x")[0]["status"] == 500
    finally:
        bridge.close()


def test_bridge_answers_503_beyond_max_pending() -> None:
    """With every slot taken by a hanging request, one more is refused at once and counted."""
    release = threading.Event()

    def hanging(environ: Environ, start_response: Any) -> list[bytes]:
        release.wait(30)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    bridge = wsgi_to_asgi(hanging, max_workers=1, max_pending=1)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first: list[dict[str, Any]] = []
        second: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        def sender(into: list[dict[str, Any]]) -> Any:
            async def send(message: dict[str, Any]) -> None:
                into.append(message)

            return send

        scope = {"type": "http", "method": "GET", "path": "/slow", "headers": []}
        task = asyncio.ensure_future(bridge(scope, receive, sender(first)))
        while bridge._pending == 0:  # noqa: ASYNC110 - polling the bridge's own count, which has no event
            await asyncio.sleep(0.001)
        await bridge(scope, receive, sender(second))
        release.set()
        await task
        return first, second

    try:
        first, second = asyncio.run(scenario())
    finally:
        release.set()
        bridge.close()
    assert (first[0]["status"], second[0]["status"], bridge.refused) == (200, 503, 1)


def _empty_app(environ: Environ, start_response: Any) -> list[bytes]:
    start_response("204 No Content", [])
    return [environ.get("PATH_INFO", "").encode()][:0]


def test_bridge_acknowledges_lifespan_and_closes_websockets() -> None:
    """Lifespan startup and shutdown are acknowledged; a websocket is closed, not served."""
    bridge: Any = wsgi_to_asgi(_empty_app)
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(bridge({"type": "lifespan"}, receive, send))
    asyncio.run(bridge({"type": "websocket"}, receive, send))
    assert [message["type"] for message in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
        "websocket.close",
    ]


@pytest.mark.parametrize(("name", "value"), [("max_workers", 0), ("max_pending", "8"), ("max_body", True)])
def test_bridge_bounds_are_checked(name: str, value: object) -> None:
    """A bound that is not a positive integer raises ValueError naming it."""
    with pytest.raises(ValueError, match=name):
        wsgi_to_asgi(_empty_app, **{name: value})  # type: ignore[arg-type]


# --- /status -------------------------------------------------------------------------------


def test_status_shows_traces_alerts_health_and_counters() -> None:
    """/status lists recent traces, firing alerts, each check's state and the counters."""
    with _platform() as platform:
        platform.health.register(lambda: True, component="db")
        platform.health.check_health(None)
        with platform.tracing.start_span("nightly"), platform.tracing.start_span("extract"):
            pass
        platform.tracing.force_flush(5)
        alert = build_alert(name="RowsRejected", message="12 rows", source="tap", starts_at=1.0).unwrap()
        platform.alerts.process_alert(alert)
        document = platform.status()
    [trace] = document["traces"]
    assert (trace["root"], trace["span_count"]) == ("nightly", 2)
    assert [entry["name"] for entry in document["alerts"]["firing"]] == ["RowsRejected"]
    assert [(check["check"], check["status"]) for check in document["health"]] == [("db:status", "pass")]
    assert set(document["counters"]) == {"refusals", "drops", "plugin_failures", "spans"}
    json.dumps(document, allow_nan=False)


def test_status_redacts_secrets_and_keeps_only_the_last_traces() -> None:
    """A credential in a span name or alert label is redacted, and only the last N traces show."""
    with _platform(settings=None, environ={"FLEXT_OBSERVABILITY_STATUS_TRACES": "3"}) as platform:
        for number in range(6):
            with platform.tracing.start_span(f"GET postgres://etl:hunter2@db/{number}"):
                pass
        platform.tracing.force_flush(5)
        alert = build_alert(
            name="Leak", message="token=abc123", source="tap", labels={"dsn": "https://u:pw1@h/x"}, starts_at=1.0
        ).unwrap()
        platform.alerts.process_alert(alert)
        text = json.dumps(platform.status())
    assert "hunter2" not in text
    assert "pw1" not in text
    assert "abc123" not in text
    assert len(json.loads(text)["traces"]) == 3


def test_status_shows_health_output_only_with_details() -> None:
    """A check's output shows in /status only when health details are on."""
    for details, shown in (("false", False), ("true", True)):
        environ = {"FLEXT_OBSERVABILITY_HEALTH_DETAILS": details}
        with _platform(environ=environ) as platform:
            platform.health.register(lambda: False, component="db")
            platform.health.check_health(None)
            [check] = platform.status()["health"]
            assert ("output" in check) is shown


# --- plugins -------------------------------------------------------------------------------


class _Recorder:
    """A plugin that remembers every hook call."""

    def __init__(self) -> None:
        self.name = "recorder"
        self.calls: list[tuple[str, object]] = []

    def on_metric_recorded(self, metric: object) -> None:
        self.calls.append(("metric", getattr(metric, "name", None)))

    def on_span_start(self, span: object) -> None:
        self.calls.append(("started", getattr(span, "name", None)))
        span.set_attribute("plugin.saw_start", value=True)  # type: ignore[attr-defined]

    def on_span_end(self, span: object) -> None:
        self.calls.append(("span", getattr(span, "name", None)))
        self.calls.append(("saw_start", getattr(span, "attributes", {}).get("plugin.saw_start")))

    def on_alert_transition(self, alert: object) -> None:
        self.calls.append(("alert", getattr(getattr(alert, "status", None), "value", None)))

    def on_health_change(self, run: object, previous: object) -> None:
        self.calls.append(("health", previous))


class _Raising:
    """A plugin whose every hook raises."""

    name = "raising"

    def on_span_start(self, span: object) -> None:
        raise RuntimeError(span)

    def on_span_end(self, span: object) -> None:
        raise RuntimeError(span)

    def on_alert_transition(self, alert: object) -> None:
        raise RuntimeError(alert)

    def on_health_change(self, run: object, previous: object) -> None:
        raise RuntimeError(run, previous)

    def on_metric_recorded(self, metric: object) -> None:
        raise RuntimeError(metric)


def test_plugins_hear_of_every_signal_and_a_raising_one_is_isolated(caplog: pytest.LogCaptureFixture) -> None:
    """Every hook reaches the recorder though the raising plugin fails first; failures are counted, logged once."""
    recorder = _Recorder()
    with _platform(plugins=[_Raising(), recorder]) as platform:
        metric = FlextMetric(
            name="rows_total", value=1.0, kind=MetricKind.COUNTER, unit="", labels=EMPTY_MAP, timestamp=1.0
        )
        platform.record_metric(metric)
        platform.record_metric(metric)
        for _ in range(2):
            with platform.tracing.start_span("step"):
                pass
        platform.tracing.force_flush(5)
        verdict = {"ok": True}
        platform.health.register(lambda: verdict["ok"], component="db")
        platform.health.check_health(None)
        verdict["ok"] = False
        platform.health.register(lambda: True, component="cache")
        alert = build_alert(name="Stalled", message="no rows", source="tap", starts_at=1.0).unwrap()
        platform.alerts.process_alert(alert)
        failures = platform.plugins.failures()
        status = platform.status()["counters"]["plugin_failures"]
        exposition = platform.metrics.export_prometheus().unwrap()
    assert ("metric", "rows_total") in recorder.calls
    assert recorder.calls.count(("span", "step")) == 2
    assert recorder.calls.count(("started", "step")) == 2
    assert recorder.calls.count(("saw_start", True)) == 2  # what on_span_start set is on the ended span
    assert failures[("raising", "on_span_start")] == 2
    assert ("alert", "firing") in recorder.calls
    assert ("health", None) in recorder.calls
    assert failures[("raising", "on_metric_recorded")] == 2
    assert failures[("raising", "on_span_end")] == 2
    assert failures[("raising", "on_alert_transition")] == 1
    assert failures[("raising", "on_health_change")] == 1
    assert status["raising.on_span_end"] == 2
    assert 'flext_observability_plugin_failures_total{hook="on_span_end",plugin="raising"} 2.0' in exposition
    logged = [record for record in caplog.records if "'raising' failed in on_span_end" in record.getMessage()]
    assert len(logged) == 1


def test_health_change_is_heard_only_when_the_status_changes() -> None:
    """Two passing runs make one change (from nothing); a failing run then makes a second one."""
    recorder = _Recorder()
    with _platform(plugins=[recorder]) as platform:
        verdict = {"ok": True}
        platform.health.register(lambda: verdict["ok"], component="db", pass_ttl=0.0, fail_ttl=0.0)
        platform.health.check_health(None)
        platform.health.check_health(None)
        verdict["ok"] = False
        platform.health.check_health(None)
    assert [call for call in recorder.calls if call[0] == "health"] == [("health", None), ("health", HealthStatus.PASS)]


def test_plugin_names_are_unique() -> None:
    """Two plugins of one name are told apart in the counts."""
    hooks = PluginHooks([_Raising(), _Raising()])
    assert hooks.names == ("raising", "raising#2")


def _install_distribution(root: Path, module: str, entry_points: str, source: str) -> None:
    (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{module}_dist-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}-dist\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry_points}\n", encoding="utf-8")


@pytest.fixture
def distribution(tmp_path: Path) -> Iterator[Path]:
    """A directory on sys.path holding real distributions with entry points of the plugin group."""
    _install_distribution(
        tmp_path,
        "flext_test_plugin",
        "counting = flext_test_plugin:CountingPlugin\nbroken = flext_test_plugin:missing\n"
        "hookless = flext_test_plugin:Hookless",
        """
        SEEN = []

        class CountingPlugin:
            def on_span_end(self, span):
                SEEN.append(span.name)

        class Hookless:
            pass
        """,
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("flext_test_plugin", None)


@pytest.mark.usefixtures("distribution")
def test_entry_point_plugins_are_loaded_and_broken_ones_counted() -> None:
    """The platform loads the plugin an installed distribution declares; the broken ones are counted under load."""
    loaded = load_entry_point_plugins()
    assert loaded.names == ["counting"]
    assert sorted(loaded.failed) == ["broken", "hookless"]
    with _platform(load_plugins=True) as platform:
        with platform.tracing.start_span("seen by the plugin"):
            pass
        platform.tracing.force_flush(5)
        failures = platform.plugins.failures()
    seen = sys.modules["flext_test_plugin"].SEEN
    assert "seen by the plugin" in seen
    assert failures == {("broken", LOAD): 1, ("hookless", LOAD): 1}


@pytest.mark.usefixtures("distribution")
def test_entry_points_are_not_loaded_when_turned_off() -> None:
    """FLEXT_OBSERVABILITY_LOAD_PLUGINS=false keeps the entry points unloaded."""
    environ = {"FLEXT_OBSERVABILITY_LOAD_PLUGINS": "false"}
    with FlextObservabilityPlatform(environ=environ, log_stream=io.StringIO()) as platform:
        assert platform.plugins.names == ()


# --- lifecycle -------------------------------------------------------------------------------


def test_shutdown_is_idempotent_and_reports_each_part() -> None:
    """A second shutdown returns the first one's summary, marked as already done."""
    platform = _platform()
    platform.serve(port=0).unwrap()
    first = platform.shutdown(5)
    assert first.clean
    assert first.server_closed is True
    second = platform.shutdown(5)
    assert second.already
    assert (second.spans_flushed, second.seconds) == (first.spans_flushed, first.seconds)


def _running(platform: FlextObservabilityPlatform) -> bool:
    return platform.alerts.running


def test_start_runs_the_alert_evaluation_and_shutdown_stops_it() -> None:
    """start() runs the alert thread once however often called; shutdown stops it and start() after does nothing."""
    platform = _platform(environ={"FLEXT_OBSERVABILITY_ALERT_INTERVAL": "0.05"})
    assert platform.start() is platform.start()
    assert _running(platform)
    platform.shutdown(5)
    assert not _running(platform)
    platform.start()
    assert not _running(platform)


def test_a_rule_on_the_platform_metrics_fires_an_alert() -> None:
    """A rule added to platform.alerts reads the platform's metrics and fires into its sinks."""
    with _platform() as platform:
        platform.metrics.gauge("queue_depth", "Items waiting.").unwrap().set(500)
        platform.alerts.add_rule(alert_rule("QueueTooDeep", threshold("queue_depth", ">", 100)).unwrap()).unwrap()
        platform.alerts.evaluate_now().unwrap()
        assert [active.alert.name for active in platform.alerts.active_alerts()] == ["QueueTooDeep"]


# --- the process default -------------------------------------------------------------------


def test_the_lazy_default_binds_nothing_and_sends_nothing() -> None:
    """The first get_platform() makes one platform with no server, no exporter beyond memory, no Alertmanager."""
    before = default_generation()
    platform = get_platform()
    assert get_platform() is platform
    assert default_generation() == before + 1
    assert platform.server is None
    assert not is_configured()
    assert [type(route.sink).__name__ for route in platform.alerts.routes] == ["LogSink"]
    assert platform.tracing.processor.counts().queued == 0


def test_the_lazy_default_ignores_sending_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """An OTLP endpoint or Alertmanager in the environment does not reach the lazy default; its name does."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("FLEXT_OBSERVABILITY_ALERTMANAGER_URLS", "http://127.0.0.1:9")
    monkeypatch.setenv("FLEXT_OBSERVABILITY_SERVICE_NAME", "lazy-one")
    platform = get_platform()
    assert platform.service_name == "lazy-one"
    assert platform.settings.alertmanager_urls == ()
    assert platform.settings.tracing.traces_endpoint is None


def test_configure_sets_once_then_warns_and_changes_nothing() -> None:
    """A second configure() warns (warning and log line) and keeps the first; force=True replaces it."""
    lazy = get_platform()
    first = configure(service_name="first", environ={}, log_stream=io.StringIO(), load_plugins=False)
    assert first is not lazy
    assert lazy.shutdown().already
    assert get_platform() is first
    generation = default_generation()
    with pytest.warns(RuntimeWarning, match="configured already"):
        again = configure(service_name="second", environ={}, log_stream=io.StringIO(), load_plugins=False)
    assert (again, default_generation()) == (first, generation)
    forced = configure(service_name="third", force=True, environ={}, log_stream=io.StringIO(), load_plugins=False)
    assert (get_platform(), get_platform().service_name) == (forced, "third")
    assert default_generation() == generation + 1
    assert first.shutdown().already


def test_configure_with_a_mistake_leaves_the_default_as_it_was() -> None:
    """A bad argument raises and the default stays the one before."""
    platform = get_platform()
    generation = default_generation()
    with pytest.raises(TypeError, match="service_name"):
        configure(service_name=5)
    assert (get_platform(), default_generation()) == (platform, generation)


def test_reset_platform_shuts_the_default_down_and_changes_the_generation() -> None:
    """reset_platform() shuts the old default down; the next get_platform() makes a new one."""
    old = get_platform()
    generation = default_generation()
    reset_platform()
    assert old.shutdown().already
    assert default_generation() > generation
    assert get_platform() is not old


def test_get_platform_from_many_threads_makes_one_platform() -> None:
    """Threads racing for the first default all get the same platform."""
    seen: list[FlextObservabilityPlatform] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        barrier.wait()
        seen.append(get_platform())

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(platform) for platform in seen}) == 1
    assert default._STATE.generation >= 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_records_ends_spans_serves_and_exits_cleanly() -> None:
    """After a real fork the child's default platform records, exports a span, serves /status and exits 0."""
    platform = configure(service_name="forking", environ={}, log_stream=io.StringIO(), load_plugins=False)
    platform.start()
    platform.serve(port=0).unwrap()
    counter = platform.metrics.counter("jobs_total", "Jobs.").unwrap()
    busy = threading.Event()
    stop = threading.Event()

    def keep_busy() -> None:
        # A thread recording in the parent while it forks: its locks must not stay held in the child.
        while not stop.is_set():
            counter.inc()
            with platform.tracing.start_span("parent"):
                busy.set()

    worker = threading.Thread(target=keep_busy)
    worker.start()
    busy.wait(5)
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # forking a process with threads, on purpose
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            os.close(read)
            child = get_platform()
            child.metrics.counter("child_jobs_total", "Jobs of the child.").unwrap().inc()
            with child.tracing.start_span("in the child"):
                pass
            child.tracing.force_flush(5)
            names = [span.name for span in child.spans.spans()]
            server = child.serve(port=0).unwrap()
            status = http_request("GET", f"http://127.0.0.1:{server.port}/status").json()
            metrics = http_request("GET", f"http://127.0.0.1:{server.port}/metrics").text
            ok = (
                "in the child" in names and status["service"]["name"] == "forking" and "child_jobs_total 1.0" in metrics
            )
            child.shutdown(5)
            os.write(write, b"ok" if ok else b"no")
            code = 0 if ok else 2
        finally:
            os._exit(code)
    stop.set()
    worker.join()
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        said = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert (os.waitstatus_to_exitcode(status), said) == (0, b"ok")
    assert platform.serve(port=0).unwrap() is platform.server
