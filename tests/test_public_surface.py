"""The public surface: what the docs import, and what each face exports, are deliberate."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FACES = (
    "flext_observability.metrics",
    "flext_observability.tracing",
    "flext_observability.propagation",
    "flext_observability.logs",
    "flext_observability.health",
    "flext_observability.alerts",
    "flext_observability.wsgi",
    "flext_observability.asgi",
    "flext_observability.clients",
    "flext_observability.testing",
)
PUBLIC_MODULES = {"flext_observability", *FACES, "flext_observability.testing.strategies"}
IMPORT_LINE = re.compile(
    r"^\s*(?:>>>\s*|\.\.\.\s*)?(?:from\s+(flext_observability[\w.]*)\s+import|import\s+(flext_observability[\w.]*))"
)

# Changing a face's names is a decision: edit the list here, and docs/api.md with it.
EXPECTED: dict[str, list[str]] = {
    "flext_observability": [
        "AlertSeverity",
        "AlertStatus",
        "Clock",
        "ConsoleSpanExporter",
        "FlextAlert",
        "FlextAlertService",
        "FlextErrorCode",
        "FlextExportError",
        "FlextFieldError",
        "FlextHealthCheck",
        "FlextHealthService",
        "FlextLogEntry",
        "FlextLogger",
        "FlextLoggingService",
        "FlextMetric",
        "FlextMetricsService",
        "FlextObservabilityMasterFactory",
        "FlextObservabilityPlatform",
        "FlextOtlpHttpExporter",
        "FlextPlugin",
        "FlextSpan",
        "FlextTrace",
        "FlextTracingService",
        "FlextValidationError",
        "FrozenMap",
        "HealthStatus",
        "IdGenerator",
        "InMemorySpanRepository",
        "LogLevel",
        "MetricKind",
        "PlatformSettings",
        "RandomIdGenerator",
        "ShutdownSummary",
        "SpanEvent",
        "SpanExporter",
        "SpanKind",
        "SpanLink",
        "SpanStatus",
        "SpanStatusCode",
        "SystemClock",
        "__version__",
        "alert_fingerprint",
        "alert_from_dict",
        "assemble_trace",
        "build_alert",
        "build_health_check",
        "build_log_entry",
        "build_metric",
        "build_span",
        "configure",
        "configure_logging",
        "flext_create_alert",
        "flext_create_health_check",
        "flext_create_log_entry",
        "flext_create_metric",
        "flext_create_span",
        "flext_create_trace",
        "flext_monitor_function",
        "format_traceparent",
        "format_tracestate",
        "get_logger",
        "get_platform",
        "health_check_from_dict",
        "log_entry_from_dict",
        "metric_from_dict",
        "parse_traceparent",
        "parse_tracestate",
        "reset_logging",
        "reset_platform",
        "span_from_dict",
        "trace_from_dict",
        "validate_alert",
        "validate_health_check",
        "validate_log_entry",
        "validate_metric",
        "validate_span",
        "validate_trace",
    ],
    "flext_observability.metrics": [
        "CallbackHandle",
        "Counter",
        "CounterState",
        "DEFAULT_BUCKETS",
        "DEFAULT_MAX_SERIES",
        "DEFAULT_QUANTILES",
        "FamilySnapshot",
        "FlextExportError",
        "FlextMetric",
        "FlextMetricsCollector",
        "FlextMetricsService",
        "Gauge",
        "GaugeState",
        "Histogram",
        "HistogramState",
        "InstrumentSpec",
        "MetricKind",
        "MetricsServer",
        "MetricsSnapshot",
        "PushMethod",
        "REJECTED_SAMPLES",
        "SERIES_OVERFLOW",
        "SeriesSnapshot",
        "SketchState",
        "Summary",
        "SummaryRow",
        "build_metric",
        "define_instrument",
        "fold",
        "histogram_quantile",
        "identity",
        "increase",
        "lint_family",
        "make_metrics_app",
        "merge",
        "merge_snapshots",
        "metric_from_dict",
        "observe",
        "push_to_gateway",
        "serve_metrics",
        "sketch_quantile",
        "validate_metric",
        "write_textfile",
    ],
    "flext_observability.tracing": [
        "AlwaysOffSampler",
        "AlwaysOnSampler",
        "AnySpan",
        "BatchSpanProcessor",
        "ConsoleSpanExporter",
        "DEFAULT_LIMITS",
        "FlextExportError",
        "FlextOtlpHttpExporter",
        "FlextSpan",
        "FlextTrace",
        "FlextTracingService",
        "InMemorySpanRepository",
        "NonRecordingSpan",
        "ParentBasedSampler",
        "ProcessorCounts",
        "Sampler",
        "Span",
        "SpanEvent",
        "SpanExporter",
        "SpanKind",
        "SpanLimits",
        "SpanLink",
        "SpanScope",
        "SpanStatus",
        "SpanStatusCode",
        "TraceIdRatioSampler",
        "TraceQuery",
        "TracingSettings",
        "always_off",
        "always_on",
        "assemble_trace",
        "build_span",
        "current_span",
        "parent_based",
        "parse_otel_environment",
        "span_from_dict",
        "trace_from_dict",
        "trace_id_ratio",
        "validate_span",
        "validate_trace",
    ],
    "flext_observability.propagation": [
        "Baggage",
        "BaggageEntry",
        "BaggageProperty",
        "ContextExecutor",
        "EMPTY_BAGGAGE",
        "EMPTY_TRACE_STATE",
        "HeaderCarrier",
        "RemoteContext",
        "SpanContext",
        "SpanIds",
        "TraceState",
        "bind_context",
        "bound_context",
        "build_span_context",
        "child_of",
        "clear_context",
        "current_baggage",
        "current_context",
        "current_span_ids",
        "extract",
        "format_baggage",
        "format_trace_context",
        "format_traceparent",
        "format_tracestate",
        "inject",
        "parse_baggage",
        "parse_trace_context",
        "parse_traceparent",
        "parse_tracestate",
        "refused_span_ids",
        "unbind_context",
        "use_baggage",
        "use_span_ids",
        "valid_span_ids",
        "with_current_context",
    ],
    "flext_observability.logs": [
        "ContextCorrelation",
        "ContextExecutor",
        "CorrelationSource",
        "DEFAULT_POLICY",
        "FlextLogEntry",
        "FlextLogger",
        "FlextLoggingService",
        "HasSpanIds",
        "LogLevel",
        "RedactionPolicy",
        "SpanIds",
        "bind_context",
        "bound_context",
        "build_log_entry",
        "clear_context",
        "configure_logging",
        "current_context",
        "current_span_ids",
        "escape_text",
        "get_logger",
        "is_sensitive_key",
        "log_entry_from_dict",
        "parse_logfmt",
        "redact_mapping",
        "redact_text",
        "redact_value",
        "redaction_policy",
        "render_logfmt",
        "reset_logging",
        "unbind_context",
        "use_span_ids",
        "validate_log_entry",
        "with_current_context",
    ],
    "flext_observability.alerts": [
        "ActiveAlert",
        "AlertEvent",
        "AlertInstance",
        "AlertPhase",
        "AlertQuery",
        "AlertRoute",
        "AlertRule",
        "AlertSeverity",
        "AlertSink",
        "AlertStatus",
        "AlertmanagerSink",
        "AnnotationTemplate",
        "Comparison",
        "DEFAULT_HISTORY",
        "DEFAULT_INTERVAL",
        "DEFAULT_MAX_ACTIVE",
        "DEFAULT_REPEAT_INTERVAL",
        "DEFAULT_RESEND_DELAY",
        "DEFAULT_SUMMARY",
        "EMPTY_RULE_STATE",
        "EvaluationSummary",
        "Expression",
        "ExpressionElement",
        "FlextAlert",
        "FlextAlertService",
        "HEALTH_CHECK_STATUS_METRIC",
        "LabelMatcher",
        "LogSink",
        "MatchOp",
        "NO_RETRY",
        "PendingAlert",
        "RESERVED_ALERT_LABELS",
        "RetryPolicy",
        "RuleEvaluation",
        "RuleState",
        "SinkStats",
        "Transition",
        "WebhookSink",
        "absent",
        "alert_fingerprint",
        "alert_from_dict",
        "alert_label_set",
        "alert_query",
        "alert_route",
        "alert_rule",
        "alertmanager_alert",
        "alertmanager_body",
        "annotation_template",
        "build_alert",
        "evaluate_expression",
        "evaluate_rule",
        "firing_alerts",
        "group_key",
        "health_check_status",
        "increase_over",
        "label_matcher",
        "label_set_fingerprint",
        "quantile_over",
        "rate_over",
        "register_alert_metrics",
        "render_template",
        "rule_reach",
        "stale_for",
        "threshold",
        "transition_alert",
        "validate_alert",
        "webhook_payload",
    ],
    "flext_observability.wsgi": [
        "ACTIVE_REQUESTS",
        "DEFAULT_MAX_ROUTES",
        "DURATION_BUCKETS",
        "FlextWsgiMiddleware",
        "KNOWN_METHODS",
        "MAX_ROUTE_LENGTH",
        "OTHER",
        "REQUESTS_TOTAL",
        "REQUEST_DURATION",
        "REQUEST_LABELS",
        "ROUTE_KEY",
        "UNMATCHED",
        "WEB_REFUSALS",
        "method_label",
        "set_route",
        "status_label",
        "wsgi_route",
    ],
    "flext_observability.asgi": [
        "ACTIVE_REQUESTS",
        "DEFAULT_MAX_ROUTES",
        "DURATION_BUCKETS",
        "FlextAsgiMiddleware",
        "KNOWN_METHODS",
        "MAX_ROUTE_LENGTH",
        "OTHER",
        "REQUESTS_TOTAL",
        "REQUEST_DURATION",
        "REQUEST_LABELS",
        "ROUTE_KEY",
        "UNMATCHED",
        "WEB_REFUSALS",
        "asgi_route",
        "method_label",
        "set_route",
        "status_label",
    ],
    "flext_observability.clients": [
        "CLIENT_DURATION",
        "CLIENT_LABELS",
        "CLIENT_REFUSALS",
        "DEFAULT_MAX_ADDRESSES",
        "DURATION_BUCKETS",
        "FlextHttpClientInstrumentation",
        "HTTPX_EXTRA",
        "KNOWN_METHODS",
        "MAX_ADDRESSES_CAP",
        "MAX_ADDRESS_LENGTH",
        "MAX_ERROR_TYPES",
        "OTHER",
        "PROPAGATION_HEADERS",
        "REQUESTS_EXTRA",
        "method_label",
    ],
    "flext_observability.health": [
        "aggregate",
        "build_health_check",
        "build_health_outcome",
        "build_service_info",
        "build_threshold",
        "cpu_plan",
        "CPU_THRESHOLD",
        "CpuProbe",
        "DEFAULT_FAIL_TTL",
        "DEFAULT_PASS_TTL",
        "DEFAULT_PROBES",
        "DEFAULT_TIMEOUT",
        "disk_plan",
        "disk_plans",
        "DISK_THRESHOLD",
        "DiskProbe",
        "effective_status",
        "evaluate_threshold",
        "FlextHealthCheck",
        "FlextHealthService",
        "HEALTH_CHECK_DURATION",
        "health_check_from_dict",
        "health_check_plan",
        "HEALTH_CHECK_STATUS",
        "HEALTH_CHECK_TIMEOUTS",
        "health_document",
        "HEALTH_JSON",
        "HEALTH_PATHS",
        "HealthApp",
        "HealthCheckPlan",
        "HealthCheckState",
        "HealthOutcome",
        "HealthProbe",
        "HealthReport",
        "HealthRun",
        "HealthStatus",
        "higher_is_worse",
        "http_plan",
        "http_status",
        "HttpProbe",
        "lower_is_worse",
        "make_health_app",
        "memory_plan",
        "MEMORY_THRESHOLD",
        "MemoryProbe",
        "NO_SERVICE_INFO",
        "process_plans",
        "ProcessProbe",
        "register_health_metrics",
        "ServiceInfo",
        "status_score",
        "tcp_plan",
        "TcpProbe",
        "Threshold",
        "threshold_output",
        "ThresholdDirection",
        "validate_health_check",
    ],
    "flext_observability.testing": [
        "DeterministicIdGenerator",
        "FakeClock",
    ],
}


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = IMPORT_LINE.match(line)
        if match:
            found.append((number, match.group(1) or match.group(2)))
    return found


def test_the_documents_import_something() -> None:
    """The scan finds the imports the documents make (so the next test cannot pass by finding none)."""
    modules = {module for path in DOCUMENTS for _, module in _imports(path)}
    assert {"flext_observability", "flext_observability.metrics", "flext_observability.tracing"} <= modules


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_documents_import_only_the_public_faces(path: Path) -> None:
    """Every import line in the README and docs names the top level or a public face, never core or shell."""
    private = [f"{path.name}:{number}: {module}" for number, module in _imports(path) if module not in PUBLIC_MODULES]
    assert not private, "import from a public face instead:\n" + "\n".join(private)


@pytest.mark.parametrize("module_name", sorted(EXPECTED))
def test_each_face_exports_exactly_its_names(module_name: str) -> None:
    """A face's ``__all__`` is the list written here, and every name in it can be imported."""
    module = importlib.import_module(module_name)
    assert sorted(module.__all__) == sorted(EXPECTED[module_name])
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.{name}"


def test_every_face_is_pinned() -> None:
    """Each face (and the top level) has its list here."""
    assert set(EXPECTED) == {"flext_observability", *FACES}


@pytest.mark.parametrize("module_name", sorted(EXPECTED))
def test_the_api_page_lists_every_name(module_name: str) -> None:
    """docs/api.md names every exported name of every face, under the face's own heading."""
    page = (ROOT / "docs" / "api.md").read_text()
    sections = dict(re.findall(r"^## `([\w.]+)`\n(.*?)(?=^## |\Z)", page, flags=re.MULTILINE | re.DOTALL))
    assert module_name in sections
    listed = set(re.findall(r"^- `(\w+)", sections[module_name], flags=re.MULTILINE))
    missing = sorted(set(EXPECTED[module_name]) - listed)
    assert not missing, f"run python docs/api_page.py; missing from docs/api.md: {missing}"


def test_faces_only_reexport() -> None:
    """A face defines nothing of its own: every public name comes from an internal module."""
    for module_name in FACES[:-1]:
        module = importlib.import_module(module_name)
        source = Path(module.__file__ or "").read_text()
        assert not re.search(r"^(def|class) ", source, flags=re.MULTILINE), module_name


def test_the_lazy_top_level_names_the_modules_its_type_imports_name() -> None:
    """Each top-level name loads from the module the type checker is shown, and is that module's object."""
    import ast  # noqa: PLC0415 - only this test reads the source

    package = importlib.import_module("flext_observability")
    source = Path(package.__file__ or "").read_text(encoding="utf-8")
    guarded = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
    )
    shown = {
        alias.name: node.module for node in guarded.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    loaded = {name: f"flext_observability.{module}" for name, module in package._HOME.items()}
    assert shown == loaded
    assert set(shown) | {"__version__"} == set(package.__all__)
    for name, module in shown.items():
        assert getattr(package, name) is getattr(importlib.import_module(str(module)), name)
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match="has no attribute 'FlextMetricz'"):
        _ = package.FlextMetricz
