"""Every public callable, fuzzed: runtime calls never raise; set-up calls raise only a clear error.

The rule (docs/api.md, "Errors"): a call made while the application runs
returns a ``Failure`` or a documented neutral value and never raises; a set-up
call (a constructor, ``configure_*``, an instrument definition, a decorator)
raises only a ``TypeError`` or ``ValueError`` whose message names the argument,
or returns a ``Failure``.

``ROLES`` classifies every public callable: the names of each face's
``__all__``, the public methods of its classes, and those of the objects the
library hands out (instruments and their series, spans, scopes, loggers,
timers). A new public name fails ``test_every_public_callable_is_classified``
until it is classified here. Each fuzzed callable is called with real objects
(a metrics service, a tracing service exporting to an in-memory repository,
logging configured on a ``StringIO``, a platform that reads no environment
variable and binds no port) and one argument replaced by a hostile value:
first every value of a fixed list in every parameter, then values drawn by
Hypothesis. A call is made only when ``inspect.signature(...).bind`` accepts
it: a wrong call signature is Python's own ``TypeError``. After each call that
may change the process's state (``CLEAN_UP``), the default platform is reset
and logging put back on the application's stream, so that no call leaks into
the next.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import contextvars
import enum
import functools
import inspect
import io
import math
import os
import socket
import tempfile
import threading
import traceback
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import attrs
import httpx
import pytest
import requests
import requests.adapters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from returns.result import Failure, Success

import flext_observability as top
from flext_observability import alerts, asgi, clients, health, logs, metrics, propagation, testing, tracing, wsgi
from flext_observability.testing.strategies import HOSTILE_MAKERS, anything

FACES: Final = (top, metrics, tracing, propagation, logs, testing, health, alerts, wsgi, asgi, clients)
TRACE: Final = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN: Final = "00f067aa0ba902b7"
TRACEPARENT: Final = f"00-{TRACE}-{SPAN}-01"
QUICK: Final = 0.05
"""Seconds: every timeout the fuzzer passes, so that calls to closed ports end at once."""

SETUP: Final = "set-up"
RUNTIME: Final = "runtime"
NOT_FUZZED: Final = "not fuzzed"

# ---------------------------------------------------------------------------------------------
# The classification: every public callable, with its role. Methods are "Class.method".
# ---------------------------------------------------------------------------------------------

_PROTOCOL = "a Protocol: not instantiable; its implementations are fuzzed"
_PROTOCOL_METHOD = "a Protocol's method: fuzzed on the library's implementations"
_ENUM = "an Enum: Python's own lookup by value"
_INTERNAL = "constructed by the library only (its parts are internal); the instances it hands out are fuzzed"
_HOOK = "a hook between the service and its series, not for users"

ROLES: Final[dict[str, str]] = {
    # Enums and protocols.
    "AlertSeverity": NOT_FUZZED,
    "AlertStatus": NOT_FUZZED,
    "FlextErrorCode": NOT_FUZZED,
    "HealthStatus": NOT_FUZZED,
    "LogLevel": NOT_FUZZED,
    "MetricKind": NOT_FUZZED,
    "SpanKind": NOT_FUZZED,
    "SpanStatusCode": NOT_FUZZED,
    "Clock": NOT_FUZZED,
    "Clock.monotonic": NOT_FUZZED,
    "Clock.monotonic_ns": NOT_FUZZED,
    "Clock.time": NOT_FUZZED,
    "Clock.time_ns": NOT_FUZZED,
    "IdGenerator": NOT_FUZZED,
    "IdGenerator.new_span_id": NOT_FUZZED,
    "IdGenerator.new_trace_id": NOT_FUZZED,
    "SpanExporter": NOT_FUZZED,
    "SpanExporter.export": NOT_FUZZED,
    "SpanExporter.shutdown": NOT_FUZZED,
    "Sampler": NOT_FUZZED,
    "Sampler.should_sample": NOT_FUZZED,
    "CorrelationSource": NOT_FUZZED,
    "CorrelationSource.current": NOT_FUZZED,
    "HasSpanIds": NOT_FUZZED,
    "FlextLogger": NOT_FUZZED,
    # Constructed by the library only.
    "CallbackHandle": NOT_FUZZED,
    "Counter": NOT_FUZZED,
    "Gauge": NOT_FUZZED,
    "Histogram": NOT_FUZZED,
    "Summary": NOT_FUZZED,
    "MetricsServer": NOT_FUZZED,
    "NonRecordingSpan": NOT_FUZZED,
    "Span": NOT_FUZZED,
    "SpanScope": NOT_FUZZED,
    "Counter.plain": NOT_FUZZED,
    "Counter.refusing": NOT_FUZZED,
    "Counter.state_of": NOT_FUZZED,
    "Gauge.plain": NOT_FUZZED,
    "Gauge.refusing": NOT_FUZZED,
    "Gauge.state_of": NOT_FUZZED,
    "Histogram.plain": NOT_FUZZED,
    "Histogram.refusing": NOT_FUZZED,
    "Histogram.state_of": NOT_FUZZED,
    "Summary.plain": NOT_FUZZED,
    "Summary.refusing": NOT_FUZZED,
    "Summary.state_of": NOT_FUZZED,
    # Top level: entities and value objects (their constructors are set-up; validation is separate).
    "FlextAlert": SETUP,
    "FlextAlert.from_dict": RUNTIME,
    "FlextAlert.to_dict": RUNTIME,
    "FlextAlert.validate_domain_rules": RUNTIME,
    "FlextHealthCheck": SETUP,
    "FlextHealthCheck.from_dict": RUNTIME,
    "FlextHealthCheck.to_dict": RUNTIME,
    "FlextHealthCheck.validate_domain_rules": RUNTIME,
    "FlextLogEntry": SETUP,
    "FlextLogEntry.from_dict": RUNTIME,
    "FlextLogEntry.to_dict": RUNTIME,
    "FlextLogEntry.validate_domain_rules": RUNTIME,
    "FlextMetric": SETUP,
    "FlextMetric.from_dict": RUNTIME,
    "FlextMetric.to_dict": RUNTIME,
    "FlextMetric.validate_domain_rules": RUNTIME,
    "FlextSpan": SETUP,
    "FlextSpan.from_dict": RUNTIME,
    "FlextSpan.to_dict": RUNTIME,
    "FlextSpan.validate_domain_rules": RUNTIME,
    "FlextTrace": SETUP,
    "FlextTrace.children": RUNTIME,
    "FlextTrace.from_dict": RUNTIME,
    "FlextTrace.to_dict": RUNTIME,
    "FlextTrace.validate_domain_rules": RUNTIME,
    "SpanEvent": SETUP,
    "SpanEvent.to_dict": RUNTIME,
    "SpanLink": SETUP,
    "SpanLink.to_dict": RUNTIME,
    "SpanStatus": SETUP,
    "SpanStatus.to_dict": RUNTIME,
    "FlextExportError": SETUP,
    "FlextFieldError": SETUP,
    "FlextValidationError": SETUP,
    "FlextValidationError.for_field": RUNTIME,
    "FrozenMap": SETUP,
    "FrozenMap.adopt": SETUP,
    "FrozenMap.to_dict": RUNTIME,
    # Top level: functions.
    "alert_fingerprint": RUNTIME,
    "alert_from_dict": RUNTIME,
    "assemble_trace": RUNTIME,
    "build_alert": RUNTIME,
    "build_health_check": RUNTIME,
    "build_log_entry": RUNTIME,
    "build_metric": RUNTIME,
    "build_span": RUNTIME,
    "health_check_from_dict": RUNTIME,
    "log_entry_from_dict": RUNTIME,
    "metric_from_dict": RUNTIME,
    "span_from_dict": RUNTIME,
    "trace_from_dict": RUNTIME,
    "validate_alert": RUNTIME,
    "validate_health_check": RUNTIME,
    "validate_log_entry": RUNTIME,
    "validate_metric": RUNTIME,
    "validate_span": RUNTIME,
    "validate_trace": RUNTIME,
    "format_traceparent": RUNTIME,
    "format_tracestate": RUNTIME,
    "parse_traceparent": RUNTIME,
    "parse_tracestate": RUNTIME,
    "flext_create_alert": RUNTIME,
    "flext_create_health_check": RUNTIME,
    "flext_create_log_entry": RUNTIME,
    "flext_create_metric": RUNTIME,
    "flext_create_span": RUNTIME,
    "flext_create_trace": RUNTIME,
    # Top level: set-up and the services.
    "configure_logging": SETUP,
    "reset_logging": RUNTIME,
    "get_logger": RUNTIME,
    "SystemClock": SETUP,
    "SystemClock.monotonic": RUNTIME,
    "SystemClock.monotonic_ns": RUNTIME,
    "SystemClock.time": RUNTIME,
    "SystemClock.time_ns": RUNTIME,
    "RandomIdGenerator": SETUP,
    "RandomIdGenerator.new_span_id": RUNTIME,
    "RandomIdGenerator.new_trace_id": RUNTIME,
    "FlextObservabilityMasterFactory": SETUP,
    "FlextObservabilityMasterFactory.create_alert": RUNTIME,
    "FlextObservabilityMasterFactory.create_health_check": RUNTIME,
    "FlextObservabilityMasterFactory.create_log_entry": RUNTIME,
    "FlextObservabilityMasterFactory.create_metric": RUNTIME,
    "FlextObservabilityMasterFactory.create_span": RUNTIME,
    "FlextObservabilityMasterFactory.create_trace": RUNTIME,
    "FlextLoggingService": SETUP,
    "FlextLoggingService.critical": RUNTIME,
    "FlextLoggingService.debug": RUNTIME,
    "FlextLoggingService.error": RUNTIME,
    "FlextLoggingService.info": RUNTIME,
    "FlextLoggingService.log": RUNTIME,
    "FlextLoggingService.log_entry": RUNTIME,
    "FlextLoggingService.query_logs": RUNTIME,
    "FlextLoggingService.warning": RUNTIME,
    "FlextLogger.acritical": RUNTIME,
    "FlextLogger.adebug": RUNTIME,
    "FlextLogger.aerror": RUNTIME,
    "FlextLogger.aexception": RUNTIME,
    "FlextLogger.afatal": RUNTIME,
    "FlextLogger.ainfo": RUNTIME,
    "FlextLogger.alog": RUNTIME,
    "FlextLogger.amsg": RUNTIME,
    "FlextLogger.awarn": RUNTIME,
    "FlextLogger.awarning": RUNTIME,
    "FlextLogger.bind": RUNTIME,
    "FlextLogger.critical": RUNTIME,
    "FlextLogger.debug": RUNTIME,
    "FlextLogger.err": RUNTIME,
    "FlextLogger.error": RUNTIME,
    "FlextLogger.exception": RUNTIME,
    "FlextLogger.fatal": RUNTIME,
    "FlextLogger.get_effective_level": RUNTIME,
    "FlextLogger.info": RUNTIME,
    "FlextLogger.is_enabled_for": RUNTIME,
    "FlextLogger.log": RUNTIME,
    "FlextLogger.msg": RUNTIME,
    "FlextLogger.new": RUNTIME,
    "FlextLogger.try_unbind": RUNTIME,
    "FlextLogger.unbind": RUNTIME,
    "FlextLogger.warn": RUNTIME,
    "FlextLogger.warning": RUNTIME,
    "FlextMetricsService": SETUP,
    "FlextMetricsService.counter": SETUP,
    "FlextMetricsService.counter_callback": SETUP,
    "FlextMetricsService.gauge": SETUP,
    "FlextMetricsService.gauge_callback": SETUP,
    "FlextMetricsService.histogram": SETUP,
    "FlextMetricsService.summary": SETUP,
    "FlextMetricsService.register": SETUP,
    "FlextMetricsService.serve": SETUP,
    "FlextMetricsService.export_prometheus": RUNTIME,
    "FlextMetricsService.get_metrics_summary": RUNTIME,
    "FlextMetricsService.push": RUNTIME,
    "FlextMetricsService.record_metric": RUNTIME,
    "FlextMetricsService.snapshot": RUNTIME,
    "FlextMetricsService.write_textfile": RUNTIME,
    "FlextTracingService": SETUP,
    "FlextTracingService.from_environment": SETUP,
    "FlextTracingService.counts": RUNTIME,
    "FlextTracingService.add_start_hook": SETUP,
    "FlextTracingService.current_span": RUNTIME,
    "FlextTracingService.extract": RUNTIME,
    "FlextTracingService.force_flush": RUNTIME,
    "FlextTracingService.inject": RUNTIME,
    "FlextTracingService.shutdown": RUNTIME,
    "FlextTracingService.start_span": RUNTIME,
    "InMemorySpanRepository": SETUP,
    "InMemorySpanRepository.clear": RUNTIME,
    "InMemorySpanRepository.export": RUNTIME,
    "InMemorySpanRepository.query_traces": RUNTIME,
    "InMemorySpanRepository.shutdown": RUNTIME,
    "InMemorySpanRepository.spans": RUNTIME,
    "ConsoleSpanExporter": SETUP,
    "ConsoleSpanExporter.export": RUNTIME,
    "ConsoleSpanExporter.shutdown": RUNTIME,
    "FlextOtlpHttpExporter": SETUP,
    "FlextOtlpHttpExporter.export": RUNTIME,
    "FlextOtlpHttpExporter.shutdown": RUNTIME,
    # Metrics face.
    "CallbackHandle.remove": RUNTIME,
    "Counter.inc": RUNTIME,
    "Counter.labels": RUNTIME,
    "Counter.read": RUNTIME,
    "Gauge.dec": RUNTIME,
    "Gauge.inc": RUNTIME,
    "Gauge.labels": RUNTIME,
    "Gauge.read": RUNTIME,
    "Gauge.set": RUNTIME,
    "Gauge.time": RUNTIME,
    "Histogram.labels": RUNTIME,
    "Histogram.observe": RUNTIME,
    "Histogram.read": RUNTIME,
    "Histogram.time": RUNTIME,
    "Summary.labels": RUNTIME,
    "Summary.observe": RUNTIME,
    "Summary.read": RUNTIME,
    "Summary.time": RUNTIME,
    "Timer.__enter__": RUNTIME,
    "Timer.__exit__": RUNTIME,
    "Timer.__call__": SETUP,
    "CounterState": SETUP,
    "GaugeState": SETUP,
    "HistogramState": SETUP,
    "SketchState": SETUP,
    "InstrumentSpec": SETUP,
    "FamilySnapshot": SETUP,
    "FamilySnapshot.state": RUNTIME,
    "MetricsSnapshot": SETUP,
    "MetricsSnapshot.family": RUNTIME,
    "SeriesSnapshot": SETUP,
    "SummaryRow": SETUP,
    "FlextMetricsCollector": SETUP,
    "FlextMetricsCollector.collect": RUNTIME,
    "FlextMetricsCollector.describe": RUNTIME,
    "MetricsServer.close": RUNTIME,
    "MetricsServer.__enter__": RUNTIME,
    "MetricsServer.__exit__": RUNTIME,
    "define_instrument": SETUP,
    "lint_family": SETUP,
    "make_metrics_app": SETUP,
    "serve_metrics": SETUP,
    "fold": RUNTIME,
    "histogram_quantile": RUNTIME,
    "identity": RUNTIME,
    "increase": RUNTIME,
    "merge": RUNTIME,
    "merge_snapshots": RUNTIME,
    "observe": RUNTIME,
    "push_to_gateway": RUNTIME,
    "sketch_quantile": RUNTIME,
    "write_textfile": RUNTIME,
    # Tracing face.
    "AlwaysOffSampler": SETUP,
    "AlwaysOffSampler.should_sample": RUNTIME,
    "AlwaysOnSampler": SETUP,
    "AlwaysOnSampler.should_sample": RUNTIME,
    "ParentBasedSampler": SETUP,
    "ParentBasedSampler.should_sample": RUNTIME,
    "TraceIdRatioSampler": SETUP,
    "TraceIdRatioSampler.should_sample": RUNTIME,
    "always_off": SETUP,
    "always_on": SETUP,
    "parent_based": SETUP,
    "trace_id_ratio": SETUP,
    "BatchSpanProcessor": SETUP,
    "BatchSpanProcessor.counts": RUNTIME,
    "BatchSpanProcessor.force_flush": RUNTIME,
    "BatchSpanProcessor.on_end": RUNTIME,
    "BatchSpanProcessor.on_start": RUNTIME,
    "BatchSpanProcessor.shutdown": RUNTIME,
    "ProcessorCounts": SETUP,
    "SpanLimits": SETUP,
    "TraceQuery": SETUP,
    "TracingSettings": SETUP,
    "parse_otel_environment": SETUP,
    "current_span": RUNTIME,
    "Span.add_event": RUNTIME,
    "Span.add_link": RUNTIME,
    "Span.end": RUNTIME,
    "Span.is_recording": RUNTIME,
    "Span.record_exception": RUNTIME,
    "Span.set_attribute": RUNTIME,
    "Span.set_attributes": RUNTIME,
    "Span.set_status": RUNTIME,
    "Span.to_entity": RUNTIME,
    "Span.update_name": RUNTIME,
    "NonRecordingSpan.add_event": RUNTIME,
    "NonRecordingSpan.add_link": RUNTIME,
    "NonRecordingSpan.end": RUNTIME,
    "NonRecordingSpan.is_recording": RUNTIME,
    "NonRecordingSpan.record_exception": RUNTIME,
    "NonRecordingSpan.set_attribute": RUNTIME,
    "NonRecordingSpan.set_attributes": RUNTIME,
    "NonRecordingSpan.set_status": RUNTIME,
    "NonRecordingSpan.update_name": RUNTIME,
    "SpanScope.__enter__": RUNTIME,
    "SpanScope.__exit__": RUNTIME,
    "SpanScope.__call__": SETUP,
    # Propagation face.
    "Baggage": SETUP,
    "Baggage.with_entry": RUNTIME,
    "Baggage.without": RUNTIME,
    "BaggageEntry": SETUP,
    "TraceState": SETUP,
    "TraceState.get": RUNTIME,
    "TraceState.with_entry": RUNTIME,
    "TraceState.without": RUNTIME,
    "SpanContext": SETUP,
    "RemoteContext": SETUP,
    "SpanIds": SETUP,
    "ContextExecutor": SETUP,
    "ContextExecutor.submit": RUNTIME,
    "bind_context": RUNTIME,
    "bound_context": RUNTIME,
    "build_span_context": RUNTIME,
    "child_of": RUNTIME,
    "clear_context": RUNTIME,
    "current_baggage": RUNTIME,
    "current_context": RUNTIME,
    "current_span_ids": RUNTIME,
    "extract": RUNTIME,
    "format_baggage": RUNTIME,
    "format_trace_context": RUNTIME,
    "inject": RUNTIME,
    "parse_baggage": RUNTIME,
    "parse_trace_context": RUNTIME,
    "refused_span_ids": RUNTIME,
    "unbind_context": RUNTIME,
    "use_baggage": RUNTIME,
    "use_span_ids": RUNTIME,
    "valid_span_ids": RUNTIME,
    "with_current_context": SETUP,
    # Logs face.
    "ContextCorrelation": SETUP,
    "ContextCorrelation.current": RUNTIME,
    "RedactionPolicy": SETUP,
    "redaction_policy": SETUP,
    "escape_text": RUNTIME,
    "is_sensitive_key": RUNTIME,
    "parse_logfmt": RUNTIME,
    "redact_mapping": RUNTIME,
    "redact_text": RUNTIME,
    "redact_value": RUNTIME,
    "render_logfmt": RUNTIME,
    # Testing face.
    "DeterministicIdGenerator": SETUP,
    "DeterministicIdGenerator.new_span_id": RUNTIME,
    "DeterministicIdGenerator.new_trace_id": RUNTIME,
    "FakeClock": SETUP,
    "FakeClock.advance": SETUP,
    "FakeClock.monotonic": RUNTIME,
    "FakeClock.monotonic_ns": RUNTIME,
    "FakeClock.set": SETUP,
    "FakeClock.time": RUNTIME,
    "FakeClock.time_ns": RUNTIME,
    # Health face.
    "HealthProbe": NOT_FUZZED,
    "ThresholdDirection": NOT_FUZZED,
    "HealthApp": NOT_FUZZED,
    "HealthApp.__call__": RUNTIME,
    "FlextHealthService": SETUP,
    "FlextHealthService.register": SETUP,
    "FlextHealthService.register_plan": SETUP,
    "FlextHealthService.add_run_hook": SETUP,
    "FlextHealthService.check_health": RUNTIME,
    "FlextHealthService.states": RUNTIME,
    "FlextHealthService.shutdown": RUNTIME,
    "make_health_app": SETUP,
    "register_health_metrics": SETUP,
    "health_check_plan": SETUP,
    "cpu_plan": SETUP,
    "disk_plan": SETUP,
    "disk_plans": SETUP,
    "http_plan": SETUP,
    "memory_plan": SETUP,
    "process_plans": SETUP,
    "tcp_plan": SETUP,
    "higher_is_worse": SETUP,
    "lower_is_worse": SETUP,
    "CpuProbe": SETUP,
    "CpuProbe.__call__": RUNTIME,
    "DiskProbe": SETUP,
    "DiskProbe.__call__": RUNTIME,
    "HttpProbe": SETUP,
    "HttpProbe.__call__": RUNTIME,
    "MemoryProbe": SETUP,
    "MemoryProbe.__call__": RUNTIME,
    "ProcessProbe": SETUP,
    "ProcessProbe.__call__": RUNTIME,
    "TcpProbe": SETUP,
    "TcpProbe.__call__": RUNTIME,
    "HealthCheckPlan": SETUP,
    "HealthCheckState": SETUP,
    "HealthOutcome": SETUP,
    "HealthReport": SETUP,
    "HealthRun": SETUP,
    "ServiceInfo": SETUP,
    "Threshold": SETUP,
    "Threshold.__call__": RUNTIME,
    "aggregate": RUNTIME,
    "build_health_outcome": RUNTIME,
    "build_service_info": RUNTIME,
    "build_threshold": RUNTIME,
    "effective_status": RUNTIME,
    "evaluate_threshold": RUNTIME,
    "health_document": RUNTIME,
    "http_status": RUNTIME,
    "status_score": RUNTIME,
    "threshold_output": RUNTIME,
    # Web faces.
    "FlextWsgiMiddleware": SETUP,
    "FlextWsgiMiddleware.__call__": NOT_FUZZED,
    "FlextAsgiMiddleware": SETUP,
    "FlextAsgiMiddleware.__call__": NOT_FUZZED,
    "FlextHttpClientInstrumentation": SETUP,
    "FlextHttpClientInstrumentation.instrument_session": SETUP,
    "FlextHttpClientInstrumentation.requests_adapter": SETUP,
    "FlextHttpClientInstrumentation.httpx_transport": SETUP,
    "FlextHttpClientInstrumentation.httpx_async_transport": SETUP,
    "FlextHttpClientInstrumentation.urlopen": NOT_FUZZED,
    "set_route": RUNTIME,
    "method_label": RUNTIME,
    "status_label": RUNTIME,
    "wsgi_route": RUNTIME,
    "asgi_route": RUNTIME,
    # Alerts face: enums and the sink protocol.
    "AlertPhase": NOT_FUZZED,
    "Comparison": NOT_FUZZED,
    "MatchOp": NOT_FUZZED,
    "AlertSink": NOT_FUZZED,
    "AlertSink.flush": NOT_FUZZED,
    "AlertSink.shutdown": NOT_FUZZED,
    "AlertSink.submit": NOT_FUZZED,
    # Alerts face: value objects (their constructors check nothing; what reads them must cope).
    "ActiveAlert": SETUP,
    "AlertEvent": SETUP,
    "AlertInstance": SETUP,
    "AlertQuery": SETUP,
    "AlertQuery.matches": RUNTIME,
    "AlertRoute": SETUP,
    "AlertRoute.accepts": RUNTIME,
    "AlertRule": SETUP,
    "AnnotationTemplate": SETUP,
    "EvaluationSummary": SETUP,
    "ExpressionElement": SETUP,
    "LabelMatcher": SETUP,
    "LabelMatcher.matches": RUNTIME,
    "PendingAlert": SETUP,
    "RetryPolicy": SETUP,
    "RetryPolicy.pause_before": RUNTIME,
    "RetryPolicy.retries": RUNTIME,
    "RuleEvaluation": SETUP,
    "RuleState": SETUP,
    "SinkStats": SETUP,
    "Transition": SETUP,
    # Alerts face: rules, expressions, matchers and templates are made once (a Failure names the argument).
    "absent": SETUP,
    "alert_rule": SETUP,
    "annotation_template": SETUP,
    "health_check_status": SETUP,
    "increase_over": SETUP,
    "label_matcher": SETUP,
    "quantile_over": SETUP,
    "rate_over": SETUP,
    "stale_for": SETUP,
    "threshold": SETUP,
    # Alerts face: the pure functions a running application calls.
    "alert_label_set": RUNTIME,
    "alert_query": RUNTIME,
    "alertmanager_alert": RUNTIME,
    "alertmanager_body": RUNTIME,
    "evaluate_expression": RUNTIME,
    "evaluate_rule": RUNTIME,
    "firing_alerts": RUNTIME,
    "group_key": RUNTIME,
    "label_set_fingerprint": RUNTIME,
    "render_template": RUNTIME,
    "rule_reach": RUNTIME,
    "transition_alert": RUNTIME,
    "webhook_payload": RUNTIME,
    # Alerts face: the service, its sinks and routes.
    "FlextAlertService": SETUP,
    "FlextAlertService.add_rule": SETUP,
    "FlextAlertService.add_rule_hook": SETUP,
    "FlextAlertService.start": SETUP,
    "FlextAlertService.active_alerts": RUNTIME,
    "FlextAlertService.evaluate_now": RUNTIME,
    "FlextAlertService.pending_alerts": RUNTIME,
    "FlextAlertService.process_alert": RUNTIME,
    "FlextAlertService.query_alerts": RUNTIME,
    "FlextAlertService.refusals": RUNTIME,
    "FlextAlertService.rule_failures": RUNTIME,
    "FlextAlertService.rules": RUNTIME,
    "FlextAlertService.shutdown": RUNTIME,
    "FlextAlertService.stop": RUNTIME,
    "alert_route": SETUP,
    "register_alert_metrics": SETUP,
    "AlertmanagerSink": SETUP,
    "AlertmanagerSink.flush": RUNTIME,
    "AlertmanagerSink.shutdown": RUNTIME,
    "AlertmanagerSink.stats": RUNTIME,
    "AlertmanagerSink.stats_by_url": RUNTIME,
    "AlertmanagerSink.submit": RUNTIME,
    "WebhookSink": SETUP,
    "WebhookSink.flush": RUNTIME,
    "WebhookSink.shutdown": RUNTIME,
    "WebhookSink.stats": RUNTIME,
    "WebhookSink.submit": RUNTIME,
    "LogSink": SETUP,
    "LogSink.flush": RUNTIME,
    "LogSink.shutdown": RUNTIME,
    "LogSink.stats": RUNTIME,
    "LogSink.submit": RUNTIME,
    # Metrics face, newer: a histogram series' latest exemplars.
    "Histogram.exemplars": RUNTIME,
    # Top level: the platform, its process-wide default, its plugins and the decorator.
    "FlextObservabilityPlatform": SETUP,
    "FlextObservabilityPlatform.__enter__": RUNTIME,
    "FlextObservabilityPlatform.__exit__": RUNTIME,
    "FlextObservabilityPlatform.asgi_app": SETUP,
    "FlextObservabilityPlatform.counters": RUNTIME,
    "FlextObservabilityPlatform.record_metric": RUNTIME,
    "FlextObservabilityPlatform.refusals": RUNTIME,
    "FlextObservabilityPlatform.routes": SETUP,
    "FlextObservabilityPlatform.serve": SETUP,
    "FlextObservabilityPlatform.shutdown": RUNTIME,
    "FlextObservabilityPlatform.start": SETUP,
    "FlextObservabilityPlatform.status": RUNTIME,
    "FlextObservabilityPlatform.wsgi_app": SETUP,
    "FlextPlugin": NOT_FUZZED,
    "FlextPlugin.on_alert_transition": NOT_FUZZED,
    "FlextPlugin.on_health_change": NOT_FUZZED,
    "FlextPlugin.on_metric_recorded": NOT_FUZZED,
    "FlextPlugin.on_span_end": NOT_FUZZED,
    "FlextPlugin.on_span_start": NOT_FUZZED,
    "PlatformSettings": SETUP,
    "ShutdownSummary": SETUP,
    "configure": SETUP,
    "flext_monitor_function": SETUP,
    "get_platform": RUNTIME,
    "reset_platform": RUNTIME,
}

WHY_NOT_FUZZED: Final[dict[str, str]] = {
    **dict.fromkeys(
        ["AlertSeverity", "AlertStatus", "FlextErrorCode", "HealthStatus", "LogLevel", "MetricKind", "SpanKind"],
        _ENUM,
    ),
    "SpanStatusCode": _ENUM,
    **dict.fromkeys(["AlertPhase", "Comparison", "MatchOp"], _ENUM),
    "AlertSink": _PROTOCOL,
    **dict.fromkeys(["AlertSink.flush", "AlertSink.shutdown", "AlertSink.submit"], _PROTOCOL_METHOD),
    "HealthProbe": _ENUM,
    "ThresholdDirection": _ENUM,
    "HealthApp": "made by make_health_app, which checks its settings; the app it hands out is fuzzed",
    **dict.fromkeys(
        ["FlextWsgiMiddleware.__call__", "FlextAsgiMiddleware.__call__", "FlextHttpClientInstrumentation.urlopen"],
        "a call through to a server, an app or urllib: what they raise passes through unchanged, by design; "
        "the instrumentation's own failures and hostile requests are tested in tests/test_web_*.py",
    ),
    **dict.fromkeys(
        ["Clock", "IdGenerator", "SpanExporter", "Sampler", "CorrelationSource", "HasSpanIds", "FlextLogger"], _PROTOCOL
    ),
    **dict.fromkeys(
        [name for name in ROLES if name.split(".")[0] in {"Clock", "IdGenerator", "SpanExporter", "Sampler"}]
        + ["CorrelationSource.current"],
        _PROTOCOL_METHOD,
    ),
    **dict.fromkeys(
        ["CallbackHandle", "Counter", "Gauge", "Histogram", "Summary", "MetricsServer", "NonRecordingSpan", "Span"],
        _INTERNAL,
    ),
    "SpanScope": _INTERNAL,
    **dict.fromkeys(
        [f"{kind}.{hook}" for kind in ("Counter", "Gauge", "Histogram", "Summary") for hook in ("plain", "refusing")]
        + [f"{kind}.state_of" for kind in ("Counter", "Gauge", "Histogram", "Summary")],
        _HOOK,
    ),
    "FlextPlugin": "a Protocol for the users' plugins: the platform calls it; plugins, one raising in every hook, "
    "are given to the platform the calls are made on",
    **dict.fromkeys(
        [
            f"FlextPlugin.{hook}"
            for hook in (
                "on_alert_transition",
                "on_health_change",
                "on_metric_recorded",
                "on_span_end",
                "on_span_start",
            )
        ],
        "a hook of the users' plugins: the platform calls it, and what it raises is counted, never passed on",
    ),
}

# ---------------------------------------------------------------------------------------------
# Known open: cases the fuzzer finds in modules that other work owns right now, by module:
# (callable, parameter) -> where it raised, what, and the first hostile value of the sweep that
# broke the rule (line numbers as found). The owner fixes the module and removes the line; the
# sweep fails when an entry no longer fails, so a stale entry cannot stay.
# ---------------------------------------------------------------------------------------------

KNOWN_OPEN: Final[dict[tuple[str, str], str]] = {}

# ---------------------------------------------------------------------------------------------
# Discovery.
# ---------------------------------------------------------------------------------------------

_DUNDERS: Final = frozenset({"__call__", "__enter__", "__exit__"})


def _timer_type() -> type:
    service = metrics.FlextMetricsService()
    return type(service.gauge("fuzz_probe", "A probe.").unwrap().time())


HANDED_OUT: Final[dict[str, type]] = {"Timer": _timer_type()}
"""Private types whose instances the library hands out (``Gauge.time()`` returns a timer)."""


def _is_ours(owner: type) -> bool:
    return owner.__module__.startswith("flext_observability")


def _is_protocol(cls: type) -> bool:
    return bool(getattr(cls, "_is_protocol", False))


def _methods(cls: type) -> Iterator[str]:
    for name in dir(cls):
        if name.startswith("_") and name not in _DUNDERS:
            continue
        owner = next((klass for klass in cls.__mro__ if name in vars(klass)), None)
        raw = vars(owner).get(name) if owner is not None else None
        # A protocol of ours may extend a third party's (``FlextLogger`` is structlog's bound logger).
        ours = owner is not None and (_is_ours(owner) or (_is_protocol(cls) and owner.__module__ != "typing"))
        if not ours or isinstance(raw, property | type(None)):
            continue
        if callable(getattr(cls, name, None)):
            yield name


def _face_values() -> dict[str, object]:
    found: dict[str, object] = {}
    for face in FACES:
        for name in face.__all__:
            value = getattr(face, name)
            if not (inspect.isclass(value) or inspect.isroutine(value)):
                continue  # constants and type aliases (``PushMethod``, ``BaggageProperty``, ``AnySpan``)
            assert found.setdefault(name, value) is value, f"two public objects are both named {name}"
    return found


def discover() -> set[str]:
    """Every public callable: face names, their classes' methods, and those of handed-out objects."""
    names: set[str] = set()
    classes: dict[str, type] = dict(HANDED_OUT)
    for name, value in _face_values().items():
        names.add(name)
        if inspect.isclass(value):
            classes[name] = value
    for class_name, cls in classes.items():
        if issubclass(cls, enum.Enum):
            continue
        names.update(f"{class_name}.{method}" for method in _methods(cls))
    return names - set(HANDED_OUT)


# ---------------------------------------------------------------------------------------------
# Hostile values.
# ---------------------------------------------------------------------------------------------


def _raise(*_args: object, **_kwargs: object) -> typing.NoReturn:
    message = "hostile value"
    raise RuntimeError(message)


class _BadRepr:
    """Hashable and comparable, but ``repr`` and ``str`` raise."""

    __repr__ = __str__ = __format__ = _raise


class _BadContainer:
    """Iteration, length, truth and item access raise."""

    __iter__ = __len__ = __bool__ = __getitem__ = __contains__ = _raise


class _LyingStr(str):
    """A ``str`` whose ``__str__``, ``__eq__`` and ``__hash__`` lie (other text, always equal, one hash)."""

    __slots__ = ()

    def __str__(self) -> str:
        return "lie"

    def __eq__(self, _other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


class _FloatSubclass(float):
    __slots__ = ()


def _deep_list(depth: int = 3000) -> list[object]:
    deep: list[object] = []
    for _ in range(depth):
        deep = [deep]
    return deep


def _generator() -> Iterator[object]:
    yield from ("a", 1)
    _raise()


EXTRA_MAKERS: Final[tuple[tuple[str, Callable[[], object]], ...]] = (
    ("None", lambda: None),
    ("True", lambda: True),
    ("0", lambda: 0),
    ("-1", lambda: -1),
    ("2**63", lambda: 2**63),
    ("inf", lambda: math.inf),
    ("-inf", lambda: -math.inf),
    ("1e308", lambda: 1e308),
    ("1e10", lambda: 1e10),
    ("float subclass", lambda: _FloatSubclass(1.0)),
    ("empty text", lambda: ""),
    ("long text", lambda: "x" * 200_000),
    ("control text", lambda: "a\x00\n\r\x1b[31m\u2028b"),
    ("lying str", lambda: _LyingStr("name")),
    ("bad repr", _BadRepr),
    ("bad container", _BadContainer),
    ("deep list", _deep_list),
    ("non-text keys", lambda: {1: 2, None: "x", b"k": [3]}),
    ("exception", lambda: ValueError("boom")),
    ("raising generator", _generator),
    ("function", lambda: _raise),
)
HOSTILE: Final[tuple[tuple[str, Callable[[], object]], ...]] = (
    *((f"hostile #{index}", make) for index, make in enumerate(HOSTILE_MAKERS)),
    *EXTRA_MAKERS,
)


def hostile_arguments() -> st.SearchStrategy[object]:
    """Anything, hostile values included, and the extra values above."""
    return st.one_of(anything(), st.sampled_from([make for _, make in EXTRA_MAKERS]).map(lambda make: make()))


# ---------------------------------------------------------------------------------------------
# The real objects the calls are made on.
# ---------------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _noop(*_args: object, **_kwargs: object) -> None:
    return None


def _true() -> bool:
    return True


def _reading(*_args: object) -> object:
    """What psutil's ``virtual_memory()`` and ``disk_usage(path)`` give, as far as the probes read it."""
    return types.SimpleNamespace(percent=10.0)


HEALTH_REQUEST: Final = {"PATH_INFO": "/health", "REQUEST_METHOD": "GET", "QUERY_STRING": "verbose"}


class _Listener:
    """A plugin that keeps the last events it heard of (bounded)."""

    name = "fuzz-listener"

    def __init__(self) -> None:
        self.heard: collections.deque[tuple[str, object]] = collections.deque(maxlen=64)

    def on_metric_recorded(self, metric: object) -> None:
        self.heard.append(("metric", metric))

    def on_span_end(self, span: object) -> None:
        self.heard.append(("span", span))

    def on_alert_transition(self, alert: object) -> None:
        self.heard.append(("alert", alert))

    def on_health_change(self, run: object, previous: object) -> None:
        self.heard.append(("health", (run, previous)))


class _FailingPlugin:
    """A plugin whose every hook raises: the platform counts it and goes on."""

    on_metric_recorded = on_span_end = on_alert_transition = on_health_change = _raise


class Env:
    """A running application: services, instruments, a span in progress, logging on a ``StringIO``."""

    def __init__(self) -> None:  # noqa: PLR0915 - one running application, built in order
        self.stack = contextlib.ExitStack()
        self.stream = io.StringIO()
        top.configure_logging(format="json", stream=self.stream, level="debug")
        self.stack.callback(top.reset_logging)
        self.stack.callback(propagation.clear_context)
        self.stack.callback(top.reset_platform)  # last but the logging: no default platform outlives the test
        self.tmp = Path(self.stack.enter_context(tempfile.TemporaryDirectory()))
        # A hostile text given as a path names a file relative to the working directory: keep it in tmp.
        self.stack.callback(os.chdir, Path.cwd())
        os.chdir(self.tmp)
        self.url = f"http://127.0.0.1:{_closed_port()}"
        self.clock = testing.FakeClock()
        self.ids = testing.DeterministicIdGenerator(seed=1)
        self.factory = top.FlextObservabilityMasterFactory(clock=self.clock, id_generator=self.ids, service="fuzz")
        self.metrics = metrics.FlextMetricsService(clock=self.clock)
        self.counter = self.metrics.counter("fuzz_rows_total", "Rows.", labels=("tap",)).unwrap()
        self.gauge = self.metrics.gauge("fuzz_depth", "Depth.", labels=("tap",)).unwrap()
        self.histogram = self.metrics.histogram("fuzz_latency_seconds", "Latency.", labels=("tap",)).unwrap()
        self.summary = self.metrics.summary("fuzz_size_bytes", "Size.", labels=("tap",)).unwrap()
        self.counter_series = self.counter.labels(tap="pg")
        self.gauge_series = self.gauge.labels(tap="pg")
        self.histogram_series = self.histogram.labels(tap="pg")
        self.summary_series = self.summary.labels(tap="pg")
        self.timed: dict[str, metrics.Gauge | metrics.Histogram | metrics.Summary] = {
            "Gauge": self.gauge_series,
            "Histogram": self.histogram_series,
            "Summary": self.summary_series,
        }
        self.series: dict[str, metrics.Counter | metrics.Gauge | metrics.Histogram | metrics.Summary] = {
            "Counter": self.counter_series,
            **self.timed,
        }
        self.counter_series.inc(2)
        self.gauge_series.set(3)
        self.histogram_series.observe(0.2)
        self.summary_series.observe(10)
        self.timer = self.gauge_series.time()
        self.handle = self.metrics.gauge_callback("fuzz_queue", "Queue.", lambda: 1).unwrap()
        self.registry = CollectorRegistry()
        self.metrics.register(self.registry).unwrap()
        self.collector = metrics.FlextMetricsCollector(self.metrics.snapshot)
        self.snapshot = self.metrics.snapshot()
        family = self.snapshot.family("fuzz_rows_total")
        assert family is not None
        self.family = family
        self.states = {family.spec.name: family.series[0].state for family in self.snapshot.families if family.series}
        self.repository = top.InMemorySpanRepository()
        self.tracing = top.FlextTracingService(
            service_name="fuzz",
            exporters=[self.repository],
            metrics=self.metrics,
            schedule_delay=QUICK,
            export_timeout=QUICK,
        )
        self.stack.callback(self.tracing.shutdown, QUICK)
        self.scope = self.tracing.start_span("fuzz", attributes={"rows": 1})
        self.span = self.stack.enter_context(self.scope)
        with self.tracing.start_span("done"):
            pass
        self.spans = top.FlextTracingService(sampler=tracing.always_on(), exporters=[top.InMemorySpanRepository()])
        self.stack.callback(self.spans.shutdown, QUICK)
        self.quiet = top.FlextTracingService(sampler=tracing.always_off())
        self.stack.callback(self.quiet.shutdown, QUICK)
        self.non_recording = self.stack.enter_context(self.quiet.start_span("quiet"))
        self.processor = tracing.BatchSpanProcessor([top.InMemorySpanRepository()], schedule_delay=QUICK)
        self.stack.callback(self.processor.shutdown, QUICK)
        self.otlp = top.FlextOtlpHttpExporter(f"{self.url}/v1/traces", timeout=QUICK, max_retries=0, backoff=0.0)
        self.console = top.ConsoleSpanExporter(io.StringIO())
        self.span_entity = self.factory.create_span("fuzz", attributes={"rows": 1}).unwrap()
        self.trace = self.factory.create_trace("fuzz").unwrap()
        self.entities: dict[str, object] = {
            "FlextAlert": self.factory.create_alert("FuzzAlert", "m", labels={"a": "b"}).unwrap(),
            "FlextHealthCheck": self.factory.create_health_check("db").unwrap(),
            "FlextLogEntry": self.factory.create_log_entry("e", context={"a": 1}).unwrap(),
            "FlextMetric": self.factory.create_metric("fuzz_m", 1.0, labels={"a": "b"}).unwrap(),
            "FlextSpan": self.span_entity,
            "FlextTrace": self.trace,
            "SpanEvent": top.SpanEvent(name="e", time_ns=1),
            "SpanLink": top.SpanLink(trace_id=TRACE, span_id=SPAN),
            "SpanStatus": top.SpanStatus(),
        }
        self.error = top.build_metric(name=5, value=1, timestamp=1.0).failure()
        self.span_context = top.parse_traceparent(TRACEPARENT).unwrap()
        self.trace_state = top.parse_tracestate("vendor=v,other=w")
        self.baggage = propagation.parse_baggage("k=v;p=1,run=r")
        self.executor = self.stack.enter_context(propagation.ContextExecutor(max_workers=1))
        self.logger = top.get_logger("fuzz", component="fuzzer")
        self.logging = top.FlextLoggingService(metrics=self.metrics, factory=self.factory)
        self.logging.info("seed", rows=1)
        self.loop = asyncio.new_event_loop()
        self.stack.callback(self.loop.close)
        self._server: metrics.MetricsServer | None = None
        self.health = self.new_health()
        self.health_check = self.factory.create_health_check("db").unwrap()
        self.outcome = health.build_health_outcome(self.health_check, component_type="datastore").unwrap()
        self.report = health.aggregate([self.outcome], time=1.0)
        self.health_app = health.make_health_app(self.health, details=True, allow_verbose=True)
        self.health.check_health(None).unwrap()

    def new_health(self) -> health.FlextHealthService:
        """A health service with one quick check, shut down when the application stops."""
        service = health.FlextHealthService(max_workers=1)
        self.stack.callback(service.shutdown, QUICK)
        service.register(_true, component="base", timeout=QUICK, probes=("liveness", "readiness"))
        return service

    def bare_health(self) -> health.FlextHealthService:
        """A health service with no check, shut down when the application stops."""
        service = health.FlextHealthService(max_workers=1)
        self.stack.callback(service.shutdown, QUICK)
        return service

    @property
    def outgoing(self) -> clients.FlextHttpClientInstrumentation:
        """The instrumentation of outgoing calls, on the sampling tracing service."""
        return clients.FlextHttpClientInstrumentation(tracing=self.spans, metrics=self.metrics, max_addresses=8)

    @property
    def server(self) -> metrics.MetricsServer:
        """A ``/metrics`` server on loopback, started on first use."""
        if self._server is None:
            self._server = self.metrics.serve().unwrap()
            self.stack.callback(self._server.close, QUICK)
        return self._server

    def fresh_span(self) -> object:
        """A span started and not ended, not made current (it is started in a copy of the context)."""
        return contextvars.copy_context().run(self.spans.start_span("fresh").__enter__)

    def close_later(self, server: metrics.MetricsServer) -> None:
        """Stop ``server`` in the background (a stop waits for the server's poll); ``close`` waits for it."""
        closing = threading.Thread(target=server.close, args=(5.0,))
        closing.start()
        self.stack.callback(closing.join)

    @functools.cached_property
    def platform(self) -> top.FlextObservabilityPlatform:
        """The platform of the application, built on first use (with a listening and a failing plugin)."""
        return self.new_platform()

    def new_platform(self, **options: Any) -> top.FlextObservabilityPlatform:
        """A platform that reads nothing of the process's environment, leaves logging as it is and binds no port.

        It is shut down when the application stops; ``options`` replace the constructor's arguments.
        """
        arguments: dict[str, Any] = {
            "environ": {},
            "load_plugins": False,
            "configure_logs": False,
            "log_stream": self.stream,
            "plugins": [self.listener, _FailingPlugin()],
            **options,
        }
        platform = top.FlextObservabilityPlatform("fuzz", **arguments)
        self.stack.callback(platform.shutdown, QUICK)
        return platform

    def busy_platform(self) -> top.FlextObservabilityPlatform:
        """A new platform with a span ended, a metric recorded and an alert raised, all still to be flushed."""
        platform = self.new_platform()
        with platform.tracing.start_span("busy"):
            platform.record_metric(_recorded_metric(self))
        platform.alerts.process_alert(typing.cast("top.FlextAlert", self.entities["FlextAlert"]))
        return platform

    @functools.cached_property
    def listener(self) -> _Listener:
        """The plugin that hears of what the application's platforms do."""
        return _Listener()

    @functools.cached_property
    def alerting(self) -> Alerting:
        """The alerting part of the application, built on first use (its sinks start threads)."""
        return Alerting(self)

    def close(self) -> None:
        """Stop every thread and server, and undo the logging set-up."""
        self.stack.close()


class Alerting:
    """An alert service on the fake clock and the metrics, with rules, and sinks posting to a closed loopback port.

    The sinks try once (``NO_RETRY``) within ``QUICK`` seconds, so every delivery fails at once and is counted.
    Every service and sink made here is shut down when the application stops.
    """

    def __init__(self, env: Env) -> None:
        """Build the service, raise one alert by code, and evaluate the rules once."""
        self.env = env
        self.now = env.clock.time()
        self.alert = typing.cast("top.FlextAlert", env.entities["FlextAlert"])
        self.retry = alerts.RetryPolicy(attempts=2, backoff=0.0, max_pause=0.0)
        self.log_sink = self.new_log_sink()
        self.webhook = self.new_webhook()
        self.alertmanager = self.new_alertmanager()
        self.route = alerts.alert_route(self.webhook, severities=["warning", "error"], matchers={"a": "b"})
        expression = alerts.threshold("fuzz_depth", ">", 1, matchers={"tap": "pg"}).unwrap()
        self.rule = alerts.alert_rule(
            "FuzzDepthHigh",
            expression,
            keep_firing_for=30.0,
            severity="error",
            labels={"team": "data"},
            annotations={"summary": "{labels.tap} depth {value:.0f}", "runbook": "{rule}"},
            max_alerts=10,
        ).unwrap()
        self.slow_rule = alerts.alert_rule("FuzzDepthPending", expression, for_seconds=60.0).unwrap()
        self.history = ((self.now, env.snapshot),)
        self.evaluation = alerts.evaluate_rule(self.rule, self.history, alerts.EMPTY_RULE_STATE, self.now).unwrap()
        self.state = self.evaluation.state
        self.instance = self.state.instances[0]
        self.transition = self.evaluation.transitions[0]
        self.element = alerts.evaluate_expression(expression, self.history, self.now).unwrap()[0]
        self.matcher = alerts.label_matcher("tap", "=~", "p.*").unwrap()
        self.template = alerts.annotation_template("{rule}: {labels.tap} {value:.2f}").unwrap()
        self.query = alerts.alert_query(name="FuzzAlert", matchers={"a": "b"}, limit=5).unwrap()
        self.service = self.new_service(routes=[self.log_sink, self.route, self.alertmanager])
        self.service.add_rule(self.rule).unwrap()
        self.service.add_rule(self.slow_rule).unwrap()
        self.service.process_alert(self.alert).unwrap()
        self.summary = self.service.evaluate_now().unwrap()
        self.event = self.service.query_alerts(limit=1).unwrap()[0]
        self.active = self.service.active_alerts()[0]
        self.pending = self.service.pending_alerts()[0]
        self.last_service = self.service
        self.last_metrics = env.metrics

    def new_log_sink(self) -> alerts.LogSink:
        """A log sink writing through the application's logging service."""
        return alerts.LogSink(name="fuzz-log", logger=self.env.logging)

    def new_webhook(self, **options: object) -> alerts.WebhookSink:
        """A webhook sink to the closed port, shut down when the application stops."""
        settings: dict[str, Any] = {"name": "fuzz-hook", "timeout": QUICK, "retry": alerts.NO_RETRY, **options}
        sink = alerts.WebhookSink(f"{self.env.url}/hook", **settings)
        self.env.stack.callback(sink.shutdown, QUICK)
        return sink

    def new_alertmanager(self) -> alerts.AlertmanagerSink:
        """An Alertmanager sink to the closed port, shut down when the application stops."""
        sink = alerts.AlertmanagerSink([self.env.url], name="fuzz-am", timeout=QUICK, retry=alerts.NO_RETRY)
        self.env.stack.callback(sink.shutdown, QUICK)
        return sink

    def new_service(self, *, routes: list[object] | None = None, rule: bool = False) -> alerts.FlextAlertService:
        """An alert service on the application's clock and metrics, shut down when the application stops."""
        given = routes if routes is not None else [self.new_log_sink()]
        service = alerts.FlextAlertService(
            routes=typing.cast("list[alerts.AlertSink]", given),
            metrics=self.env.metrics,
            clock=self.env.clock,
            max_active=10,
            history=10,
            max_samples=4,
        )
        self.env.stack.callback(service.shutdown, QUICK)
        if rule:
            service.add_rule(self.rule).unwrap()
        self.last_service = service
        return service

    def busy_webhook(self) -> alerts.WebhookSink:
        """A new webhook sink with one batch handed to it."""
        sink = self.new_webhook()
        sink.submit([self.alert])
        return sink

    def busy_alertmanager(self) -> alerts.AlertmanagerSink:
        """A new Alertmanager sink with one batch handed to it."""
        sink = self.new_alertmanager()
        sink.submit([self.alert])
        return sink

    def started(self) -> alerts.FlextAlertService:
        """A new service evaluating in its own thread (once a minute: the thread only waits)."""
        service = self.new_service(rule=True)
        service.start(60.0)
        return service

    def metrics_pair(self) -> dict[str, object]:
        """A new service with a rule and a new metrics service, to be joined by ``register_alert_metrics``."""
        self.last_metrics = metrics.FlextMetricsService(clock=self.env.clock)
        return {"alerts": self.new_service(rule=True), "metrics": self.last_metrics}


# ---------------------------------------------------------------------------------------------
# How to call each fuzzed callable: the object (bound method or function) and valid arguments.
# ---------------------------------------------------------------------------------------------

Getter = Callable[[Env], Callable[..., object]]
Arguments = Callable[[Env], dict[str, object]]


def _fields(value: object) -> dict[str, object]:
    cls = type(value)
    if attrs.has(cls):
        return {field.name: getattr(value, field.name) for field in attrs.fields(cls)}
    return dict(value._asdict())  # type: ignore[attr-defined]


def _no_arguments(_env: Env) -> dict[str, object]:
    return {}


def _method_of(attribute: str, method: str) -> Getter:
    """The method ``method`` of the object ``attribute`` of the running application, looked up by name."""
    return lambda env: getattr(getattr(env, attribute), method)


def _entity_calls() -> dict[str, tuple[Getter, Arguments]]:  # noqa: C901 - one table, built by loops
    calls: dict[str, tuple[Getter, Arguments]] = {}

    def entity(name: str) -> None:
        calls[name] = (lambda _env: getattr(top, name), lambda env: _fields(env.entities[name]))
        calls[f"{name}.from_dict"] = (
            lambda _env: getattr(top, name).from_dict,
            lambda env: {"data": env.entities[name].to_dict()},  # type: ignore[attr-defined]
        )
        calls[f"{name}.to_dict"] = (lambda env: env.entities[name].to_dict, _no_arguments)  # type: ignore[attr-defined]
        calls[f"{name}.validate_domain_rules"] = (
            lambda env: env.entities[name].validate_domain_rules,  # type: ignore[attr-defined]
            _no_arguments,
        )

    def value_object(name: str) -> None:
        calls[name] = (lambda _env: getattr(top, name), lambda env: _fields(env.entities[name]))
        calls[f"{name}.to_dict"] = (lambda env: env.entities[name].to_dict, _no_arguments)  # type: ignore[attr-defined]

    def instrument(kind: str, labels: str) -> None:
        family = kind.lower()
        calls[f"{kind}.labels"] = (lambda env: getattr(env, family).labels, lambda _env: {"named": {"tap": "x"}})
        calls[f"{kind}.read"] = (lambda env: env.series[kind].read, _no_arguments)
        argument = "amount" if labels == "inc" else "value"
        calls[f"{kind}.{labels}"] = (lambda env: getattr(env.series[kind], labels), lambda _env: {argument: 1})
        if kind != "Counter":
            calls[f"{kind}.time"] = (lambda env: env.timed[kind].time, _no_arguments)

    def sampler(name: str, make: Callable[[], tracing.Sampler]) -> None:
        calls[name] = (lambda _env: getattr(tracing, name), lambda _env: _fields(make()))
        calls[f"{name}.should_sample"] = (
            lambda _env: make().should_sample,
            lambda env: {"trace_id": TRACE, "parent": env.span_context},
        )

    def clock_method(clock: str, method: str) -> None:
        calls[f"{clock}.{method}"] = (
            lambda env: getattr(top.SystemClock() if clock == "SystemClock" else env.clock, method),
            _no_arguments,
        )

    def generator_method(generator: str, method: str) -> None:
        calls[f"{generator}.{method}"] = (
            lambda env: getattr(top.RandomIdGenerator() if generator == "RandomIdGenerator" else env.ids, method),
            _no_arguments,
        )

    for name in ("FlextAlert", "FlextHealthCheck", "FlextLogEntry", "FlextMetric", "FlextSpan", "FlextTrace"):
        entity(name)
    for name in ("SpanEvent", "SpanLink", "SpanStatus"):
        value_object(name)
    for kind, labels in (("Counter", "inc"), ("Gauge", "set"), ("Histogram", "observe"), ("Summary", "observe")):
        instrument(kind, labels)
    calls["Gauge.inc"] = (lambda env: env.gauge_series.inc, lambda _env: {"amount": 1})
    calls["Gauge.dec"] = (lambda env: env.gauge_series.dec, lambda _env: {"amount": 1})
    for span_kind in ("Span", "NonRecordingSpan"):
        attribute = "span" if span_kind == "Span" else "non_recording"
        method_arguments: dict[str, Arguments] = {
            "add_event": lambda _env: {"name": "e", "attributes": {"a": 1}, "timestamp_ns": 5},
            "add_link": lambda env: {"context": env.span_context, "attributes": {"a": 1}},
            "end": lambda _env: {"end_time_ns": None},
            "is_recording": _no_arguments,
            "record_exception": lambda _env: {"error": ValueError("boom"), "attributes": {"a": 1}},
            "set_attribute": lambda _env: {"key": "k", "value": 1},
            "set_attributes": lambda _env: {"attributes": {"k": 1}},
            "set_status": lambda _env: {"code": "error", "description": "d"},
            "update_name": lambda _env: {"name": "renamed"},
        }
        if span_kind == "Span":
            method_arguments["to_entity"] = _no_arguments
        for method, arguments in method_arguments.items():
            calls[f"{span_kind}.{method}"] = (_method_of(attribute, method), arguments)
    sampler("AlwaysOffSampler", tracing.always_off)
    sampler("AlwaysOnSampler", tracing.always_on)
    sampler("ParentBasedSampler", lambda: tracing.parent_based(tracing.always_on()))
    sampler("TraceIdRatioSampler", lambda: tracing.trace_id_ratio(0.5))
    for exporter in ("InMemorySpanRepository", "ConsoleSpanExporter", "FlextOtlpHttpExporter"):
        attribute = {"InMemorySpanRepository": "repository", "ConsoleSpanExporter": "console"}.get(exporter, "otlp")
        calls[f"{exporter}.export"] = (
            _method_of(attribute, "export"),
            lambda env: {"spans": [env.span_entity], "timeout": QUICK},
        )
        calls[f"{exporter}.shutdown"] = (_method_of(attribute, "shutdown"), lambda _env: {"timeout": QUICK})
    for clock in ("SystemClock", "FakeClock"):
        for method in ("monotonic", "monotonic_ns", "time", "time_ns"):
            clock_method(clock, method)
    for generator in ("RandomIdGenerator", "DeterministicIdGenerator"):
        for method in ("new_span_id", "new_trace_id"):
            generator_method(generator, method)
    return calls


def _recorded_metric(env: Env) -> top.FlextMetric:
    return env.factory.create_metric("fuzz_rows_total", 1.0, unit="", kind="counter", labels={"tap": "pg"}).unwrap()


def _service_calls() -> dict[str, tuple[Getter, Arguments]]:
    def definition(env: Env) -> dict[str, object]:
        return {"name": "fuzz_new_total", "help": "New.", "unit": "", "labels": ("tap",), "max_series": 10}

    calls: dict[str, tuple[Getter, Arguments]] = {
        "FlextMetricsService": (
            lambda _env: metrics.FlextMetricsService,
            lambda env: {"max_series": 10, "clock": env.clock},
        ),
        "FlextMetricsService.counter": (lambda env: env.metrics.counter, definition),
        "FlextMetricsService.gauge": (
            lambda env: env.metrics.gauge,
            lambda env: {**definition(env), "name": "fuzz_new"},
        ),
        "FlextMetricsService.histogram": (
            lambda env: env.metrics.histogram,
            lambda env: {**definition(env), "name": "fuzz_new_seconds", "unit": "seconds", "buckets": (0.1, 1.0)},
        ),
        "FlextMetricsService.summary": (
            lambda env: env.metrics.summary,
            lambda env: {**definition(env), "name": "fuzz_new_bytes", "unit": "bytes", "quantiles": (0.5,)},
        ),
        "FlextMetricsService.counter_callback": (
            lambda env: env.metrics.counter_callback,
            lambda env: {**definition(env), "name": "fuzz_read_total", "labels": (), "read": lambda: 1},
        ),
        "FlextMetricsService.gauge_callback": (
            lambda env: env.metrics.gauge_callback,
            lambda env: {**definition(env), "name": "fuzz_read", "labels": (), "read": lambda: 1},
        ),
        "FlextMetricsService.register": (
            lambda env: env.metrics.register,
            lambda _env: {"registry": CollectorRegistry()},
        ),
        "FlextMetricsService.serve": (
            lambda env: env.metrics.serve,
            lambda _env: {"host": "127.0.0.1", "port": 0, "options": {"path": "/metrics"}},
        ),
        "FlextMetricsService.export_prometheus": (
            lambda env: env.metrics.export_prometheus,
            lambda _env: {"openmetrics": True},
        ),
        "FlextMetricsService.get_metrics_summary": (lambda env: env.metrics.get_metrics_summary, _no_arguments),
        "FlextMetricsService.snapshot": (lambda env: env.metrics.snapshot, _no_arguments),
        "FlextMetricsService.push": (
            lambda env: env.metrics.push,
            lambda env: {
                "gateway_url": env.url,
                "job": "fuzz",
                "grouping_key": {"instance": "a"},
                "method": "push",
                "timeout": QUICK,
                "retries": 0,
            },
        ),
        "FlextMetricsService.write_textfile": (
            lambda env: env.metrics.write_textfile,
            lambda env: {"path": env.tmp / "fuzz.prom"},
        ),
        "FlextMetricsService.record_metric": (
            lambda env: env.metrics.record_metric,
            lambda env: {"metric": _recorded_metric(env)},
        ),
        "FlextTracingService": (
            lambda _env: top.FlextTracingService,
            lambda env: {
                "service_name": "fuzz",
                "exporters": [top.InMemorySpanRepository()],
                "sampler": tracing.always_on(),
                "limits": tracing.DEFAULT_LIMITS,
                "id_generator": env.ids,
                "metrics": env.metrics,
                "clock": env.clock,
                "max_queue_size": 16,
                "max_export_batch_size": 4,
                "schedule_delay": QUICK,
                "export_timeout": QUICK,
            },
        ),
        "FlextTracingService.add_start_hook": (
            lambda _env: top.FlextTracingService(exporters=[top.InMemorySpanRepository()]).add_start_hook,
            lambda _env: {"hook": _noop},
        ),
        "FlextTracingService.from_environment": (
            lambda _env: top.FlextTracingService.from_environment,
            lambda env: {
                "environ": {"OTEL_SERVICE_NAME": "fuzz", "OTEL_TRACES_EXPORTER": "none"},
                "exporters": [top.InMemorySpanRepository()],
                "metrics": env.metrics,
            },
        ),
        "FlextTracingService.start_span": (
            lambda env: env.tracing.start_span,
            lambda env: {
                "name": "step",
                "kind": "client",
                "attributes": {"rows": 1},
                "links": [env.span_context],
                "parent": env.span_context,
                "start_time_ns": 10,
            },
        ),
        "FlextTracingService.current_span": (lambda env: env.tracing.current_span, _no_arguments),
        "FlextTracingService.inject": (
            lambda env: env.tracing.inject,
            lambda env: {"carrier": {}, "span": env.span},
        ),
        "FlextTracingService.extract": (
            lambda env: env.tracing.extract,
            lambda _env: {"carrier": {"traceparent": TRACEPARENT, "baggage": "k=v"}},
        ),
        "FlextTracingService.force_flush": (lambda env: env.tracing.force_flush, lambda _env: {"timeout": QUICK}),
        "FlextTracingService.shutdown": (lambda env: env.tracing.shutdown, lambda _env: {"timeout": QUICK}),
        "FlextTracingService.counts": (lambda env: env.tracing.counts, _no_arguments),
        "InMemorySpanRepository": (lambda _env: top.InMemorySpanRepository, lambda _env: {"capacity": 10}),
        "InMemorySpanRepository.clear": (lambda env: env.repository.clear, _no_arguments),
        "InMemorySpanRepository.spans": (lambda env: env.repository.spans, _no_arguments),
        "InMemorySpanRepository.query_traces": (
            lambda env: env.repository.query_traces,
            lambda _env: {"criteria": tracing.TraceQuery(service="fuzz"), "options": {"limit": 3}},
        ),
        "ConsoleSpanExporter": (lambda _env: top.ConsoleSpanExporter, lambda _env: {"stream": io.StringIO()}),
        "FlextOtlpHttpExporter": (
            lambda _env: top.FlextOtlpHttpExporter,
            lambda env: {
                "endpoint": f"{env.url}/v1/traces",
                "headers": {"x-tenant": "a"},
                "timeout": QUICK,
                "compression": "gzip",
                "max_retries": 0,
                "resource": {"service.name": "fuzz"},
                "backoff": 0.0,
            },
        ),
        "BatchSpanProcessor": (
            lambda _env: tracing.BatchSpanProcessor,
            lambda env: {
                "exporters": [top.InMemorySpanRepository()],
                "max_queue_size": 8,
                "max_export_batch_size": 2,
                "schedule_delay": QUICK,
                "export_timeout": QUICK,
                "metrics": env.metrics,
                "time_ns": env.clock.time_ns,
            },
        ),
        "BatchSpanProcessor.counts": (lambda env: env.processor.counts, _no_arguments),
        "BatchSpanProcessor.force_flush": (lambda env: env.processor.force_flush, lambda _env: {"timeout": QUICK}),
        "BatchSpanProcessor.shutdown": (lambda env: env.processor.shutdown, lambda _env: {"timeout": QUICK}),
        "BatchSpanProcessor.on_start": (lambda env: env.processor.on_start, _no_arguments),
        "BatchSpanProcessor.on_end": (
            lambda env: env.processor.on_end,
            lambda env: {"span": env.fresh_span(), "end_time_ns": None},
        ),
        "SpanScope.__enter__": (lambda env: env.tracing.start_span("scope").__enter__, _no_arguments),
        "SpanScope.__exit__": (
            lambda env: _entered(env.tracing.start_span("scope")).__exit__,
            lambda _env: {"exc_type": None, "exc": None, "traceback": None},
        ),
        "SpanScope.__call__": (lambda env: env.tracing.start_span("decorated"), lambda _env: {"function": _noop}),
        "Timer.__enter__": (lambda env: env.histogram_series.time().__enter__, _no_arguments),
        "Timer.__exit__": (
            lambda env: _entered(env.histogram_series.time()).__exit__,
            lambda _env: {"exc_type": None, "exc": None, "traceback": None},
        ),
        "Timer.__call__": (lambda env: env.histogram_series.time(), lambda _env: {"function": _noop}),
        "CallbackHandle.remove": (lambda env: env.handle.remove, _no_arguments),
        "MetricsServer.close": (lambda env: env.server.close, lambda _env: {"timeout": QUICK}),
        "MetricsServer.__enter__": (lambda env: env.server.__enter__, _no_arguments),
        "MetricsServer.__exit__": (lambda env: env.server.__exit__, lambda _env: {"_exc": (None, None, None)}),
        "FlextMetricsCollector": (
            lambda _env: metrics.FlextMetricsCollector,
            lambda env: {"snapshot": env.metrics.snapshot},
        ),
        "FlextMetricsCollector.collect": (lambda env: env.collector.collect, _no_arguments),
        "FlextMetricsCollector.describe": (lambda env: env.collector.describe, _no_arguments),
        "FamilySnapshot.state": (lambda env: env.family.state, lambda _env: {"labels": {"tap": "pg"}}),
        "MetricsSnapshot.family": (lambda env: env.snapshot.family, lambda _env: {"name": "fuzz_rows_total"}),
        "FlextLoggingService": (
            lambda _env: top.FlextLoggingService,
            lambda env: {"logger": "fuzz", "capacity": 10, "factory": env.factory, "metrics": env.metrics},
        ),
        "FlextLoggingService.log_entry": (
            lambda env: env.logging.log_entry,
            lambda env: {"entry": env.entities["FlextLogEntry"]},
        ),
        "FlextLoggingService.log": (
            lambda env: env.logging.log,
            lambda _env: {"level": "info", "event": "e", "context": {"rows": 1}},
        ),
        "FlextLoggingService.query_logs": (
            lambda env: env.logging.query_logs,
            lambda _env: {
                "level": "info",
                "min_level": "debug",
                "logger": "flext",
                "trace_id": TRACE,
                "since": 0.0,
                "limit": 5,
            },
        ),
        "FlextObservabilityMasterFactory": (
            lambda _env: top.FlextObservabilityMasterFactory,
            lambda env: {"clock": env.clock, "id_generator": env.ids, "service": "fuzz"},
        ),
    }

    for level in ("critical", "debug", "error", "info", "warning"):
        calls[f"FlextLoggingService.{level}"] = (
            _method_of("logging", level),
            lambda _env: {"event": "e", "context": {"rows": 1}},
        )
    for method in ROLES:
        if not method.startswith("FlextLogger."):
            continue
        name = method.split(".")[1]
        arguments: Arguments
        if name in {"bind", "new"}:
            arguments = lambda _env: {"new_values": {"rows": 1}}  # noqa: E731 - one small table entry
        elif name in {"unbind", "try_unbind"}:
            arguments = lambda _env: {"keys": ("component",)}  # noqa: E731 - one small table entry
        elif name == "is_enabled_for":
            arguments = lambda _env: {"level": 20}  # noqa: E731 - one small table entry
        elif name == "get_effective_level":
            arguments = _no_arguments
        elif name in {"log", "alog"}:
            arguments = lambda _env: {"level": 20, "event": "e %s", "args": ("x",), "kw": {"rows": 1}}  # noqa: E731
        else:
            arguments = lambda _env: {"event": "e %s", "args": ("x",), "kw": {"rows": 1}}  # noqa: E731
        calls[method] = (_method_of("logger", name), arguments)
    return calls


def _entered(manager: Any) -> Any:
    manager.__enter__()
    return manager


def _factory_calls() -> dict[str, tuple[Getter, Arguments]]:
    create: dict[str, Arguments] = {
        "create_alert": lambda _env: {
            "name": "FuzzAlert",
            "message": "m",
            "severity": "info",
            "source": "s",
            "labels": {"a": "b"},
            "annotations": {"a": "b"},
            "status": "firing",
            "starts_at": 1.0,
            "ends_at": None,
        },
        "create_health_check": lambda _env: {
            "component": "db",
            "status": "pass",
            "measurement": "status",
            "observed_value": 1,
            "observed_unit": "",
            "output": "",
            "time": 1.0,
            "duration": 0.0,
        },
        "create_log_entry": lambda _env: {
            "event": "e",
            "level": "info",
            "logger": "l",
            "context": {"a": 1},
            "trace_id": TRACE,
            "span_id": SPAN,
            "timestamp": 1.0,
        },
        "create_metric": lambda _env: {
            "name": "fuzz_m",
            "value": 1.0,
            "unit": "",
            "kind": "gauge",
            "labels": {"a": "b"},
            "timestamp": 1.0,
        },
        "create_span": lambda _env: {
            "name": "s",
            "service": "fuzz",
            "trace_id": TRACE,
            "span_id": SPAN,
            "parent_span_id": None,
            "kind": "internal",
            "start_time_ns": 1,
            "end_time_ns": 2,
            "status": "ok",
            "attributes": {"a": 1},
            "events": [{"name": "e", "time_ns": 1}],
            "links": [{"trace_id": TRACE, "span_id": SPAN}],
        },
        "create_trace": lambda _env: {
            "name": "t",
            "service": "fuzz",
            "kind": "server",
            "start_time_ns": 1,
            "end_time_ns": 2,
            "status": "ok",
            "attributes": {"a": 1},
        },
    }
    calls: dict[str, tuple[Getter, Arguments]] = {}

    def add(method: str, arguments: Arguments) -> None:
        calls[f"FlextObservabilityMasterFactory.{method}"] = (_method_of("factory", method), arguments)
        simple = "flext_" + method
        calls[simple] = (lambda _env: getattr(top, simple), arguments)

    for method, arguments in create.items():
        add(method, arguments)
    return calls


_VALIDATED: Final = {"health_check": "check", "log_entry": "entry"}
"""The parameter of ``validate_<kind>`` where it is not the kind's name."""


def _builder_arguments(env: Env, name: str) -> dict[str, object]:
    fields = _fields(env.entities[name])
    return {key: value.to_dict() if isinstance(value, top.FrozenMap) else value for key, value in fields.items()}


def _function_calls() -> dict[str, tuple[Getter, Arguments]]:
    def fixed(**values: object) -> Arguments:
        return lambda _env: dict(values)

    calls: dict[str, tuple[Getter, Arguments]] = {}

    def entity_functions(kind: str, entity: str) -> None:
        calls[f"validate_{kind}"] = (
            lambda _env: getattr(top, f"validate_{kind}"),
            lambda env: {_VALIDATED.get(kind, kind): env.entities[entity]},
        )
        calls[f"{kind}_from_dict"] = (
            lambda _env: getattr(top, f"{kind}_from_dict"),
            lambda env: {"data": env.entities[entity].to_dict()},  # type: ignore[attr-defined]
        )
        if kind != "trace":
            calls[f"build_{kind}"] = (
                lambda _env: getattr(top, f"build_{kind}"),
                lambda env: _builder_arguments(env, entity),
            )

    for kind, entity in (
        ("alert", "FlextAlert"),
        ("health_check", "FlextHealthCheck"),
        ("log_entry", "FlextLogEntry"),
        ("metric", "FlextMetric"),
        ("span", "FlextSpan"),
        ("trace", "FlextTrace"),
    ):
        entity_functions(kind, entity)
    span_fields = calls["build_span"][1]
    calls["build_span"] = (
        lambda _env: top.build_span,
        lambda env: {**span_fields(env), "events": [], "links": [], "status": "ok"},
    )
    calls.update(
        {
            "alert_fingerprint": (lambda _env: top.alert_fingerprint, fixed(name="A", labels={"a": "b"})),
            "assemble_trace": (lambda _env: top.assemble_trace, lambda env: {"spans": list(env.trace.spans)}),
            "format_traceparent": (lambda _env: top.format_traceparent, lambda env: {"context": env.span_context}),
            "format_tracestate": (lambda _env: top.format_tracestate, lambda env: {"state": env.trace_state}),
            "parse_traceparent": (lambda _env: top.parse_traceparent, fixed(header=TRACEPARENT)),
            "parse_tracestate": (lambda _env: top.parse_tracestate, fixed(header="a=b")),
            "configure_logging": (
                lambda _env: top.configure_logging,
                lambda env: {
                    "format": "json",
                    "level": "info",
                    "stream": io.StringIO(),
                    "service_name": "fuzz",
                    "redaction": logs.DEFAULT_POLICY,
                    "correlation": logs.ContextCorrelation(),
                    "capture_stdlib": False,
                    "metrics": env.metrics,
                    "clock": env.clock,
                },
            ),
            "reset_logging": (lambda _env: top.reset_logging, _no_arguments),
            "get_logger": (lambda _env: top.get_logger, fixed(name="fuzz", initial_values={"a": 1})),
            "SystemClock": (lambda _env: top.SystemClock, _no_arguments),
            "RandomIdGenerator": (lambda _env: top.RandomIdGenerator, _no_arguments),
            "FlextExportError": (
                lambda _env: top.FlextExportError,
                fixed(target="t", message="m", status=500),
            ),
            "FlextFieldError": (
                lambda _env: top.FlextFieldError,
                fixed(code=top.FlextErrorCode.EMPTY, field="f", message="m"),
            ),
            "FlextValidationError": (lambda _env: top.FlextValidationError, lambda env: _fields(env.error)),
            "FlextValidationError.for_field": (lambda env: env.error.for_field, fixed(field="name")),
            "FrozenMap": (lambda _env: top.FrozenMap, fixed(data={"a": 1})),
            "FrozenMap.adopt": (lambda _env: top.FrozenMap.adopt, fixed(data={"a": 1})),
            "FrozenMap.to_dict": (lambda _env: top.FrozenMap({"a": 1}).to_dict, _no_arguments),
            "FlextTrace.children": (lambda env: env.trace.children, lambda env: {"span_id": env.trace.root.span_id}),
            # Metrics face.
            "CounterState": (lambda _env: metrics.CounterState, fixed(value=1.0)),
            "GaugeState": (lambda _env: metrics.GaugeState, fixed(value=1.0)),
            "HistogramState": (
                lambda _env: metrics.HistogramState,
                lambda env: _fields(env.states["fuzz_latency_seconds"]),
            ),
            "SketchState": (lambda _env: metrics.SketchState, lambda env: _fields(env.states["fuzz_size_bytes"])),
            "InstrumentSpec": (lambda _env: metrics.InstrumentSpec, lambda env: _fields(env.family.spec)),
            "FamilySnapshot": (lambda _env: metrics.FamilySnapshot, lambda env: _fields(env.family)),
            "MetricsSnapshot": (lambda _env: metrics.MetricsSnapshot, lambda env: _fields(env.snapshot)),
            "SeriesSnapshot": (lambda _env: metrics.SeriesSnapshot, lambda env: _fields(env.family.series[0])),
            "SummaryRow": (lambda _env: metrics.SummaryRow, lambda env: _fields(env.metrics.get_metrics_summary()[0])),
            "define_instrument": (
                lambda _env: metrics.define_instrument,
                fixed(
                    kind="histogram",
                    name="fuzz_seconds",
                    help_text="h",
                    unit="seconds",
                    label_names=("a",),
                    buckets=(0.1, 1.0),
                    quantiles=None,
                    max_series=10,
                ),
            ),
            "lint_family": (
                lambda _env: metrics.lint_family,
                fixed(name="fuzz_total", kind=metrics.MetricKind.COUNTER, help_text="h", label_names=("a",)),
            ),
            "make_metrics_app": (
                lambda _env: metrics.make_metrics_app,
                lambda env: {"registry": env.registry, "path": "/metrics", "basic_auth": ("u", "p")},
            ),
            "serve_metrics": (
                lambda _env: metrics.serve_metrics,
                lambda env: {"registry": env.registry, "host": "127.0.0.1", "port": 0, "path": "/metrics"},
            ),
            "fold": (lambda _env: metrics.fold, lambda env: {"state": env.states["fuzz_rows"], "values": [1, 2]}),
            "histogram_quantile": (
                lambda _env: metrics.histogram_quantile,
                lambda env: {"state": env.states["fuzz_latency_seconds"], "q": 0.5},
            ),
            "identity": (lambda _env: metrics.identity, lambda env: {"state": env.states["fuzz_size_bytes"]}),
            "increase": (
                lambda _env: metrics.increase,
                fixed(earlier=metrics.CounterState(value=1.0), later=metrics.CounterState(value=3.0)),
            ),
            "merge": (
                lambda _env: metrics.merge,
                lambda env: {"a": env.states["fuzz_latency_seconds"], "b": env.states["fuzz_latency_seconds"]},
            ),
            "merge_snapshots": (
                lambda _env: metrics.merge_snapshots,
                lambda env: {"first": env.snapshot, "second": env.snapshot},
            ),
            "observe": (lambda _env: metrics.observe, lambda env: {"state": env.states["fuzz_depth"], "value": 2.0}),
            "push_to_gateway": (
                lambda _env: metrics.push_to_gateway,
                lambda env: {
                    "registry": env.registry,
                    "gateway_url": env.url,
                    "job": "fuzz",
                    "grouping_key": {"instance": "a"},
                    "method": "delete",
                    "timeout": QUICK,
                    "retries": 0,
                },
            ),
            "sketch_quantile": (
                lambda _env: metrics.sketch_quantile,
                lambda env: {"state": env.states["fuzz_size_bytes"], "q": 0.5},
            ),
            "write_textfile": (
                lambda _env: metrics.write_textfile,
                lambda env: {"registry": env.registry, "path": str(env.tmp / "out.prom")},
            ),
            # Tracing face.
            "always_off": (lambda _env: tracing.always_off, _no_arguments),
            "always_on": (lambda _env: tracing.always_on, _no_arguments),
            "parent_based": (lambda _env: tracing.parent_based, lambda _env: {"root": tracing.always_on()}),
            "trace_id_ratio": (lambda _env: tracing.trace_id_ratio, fixed(ratio=0.25)),
            "ProcessorCounts": (lambda _env: tracing.ProcessorCounts, lambda env: _fields(env.tracing.counts())),
            "SpanLimits": (lambda _env: tracing.SpanLimits, lambda _env: _fields(tracing.DEFAULT_LIMITS)),
            "TraceQuery": (lambda _env: tracing.TraceQuery, fixed(service="fuzz", limit=3, has_error=False)),
            "TracingSettings": (
                lambda _env: tracing.TracingSettings,
                lambda _env: _fields(tracing.parse_otel_environment({}).unwrap()),
            ),
            "parse_otel_environment": (
                lambda _env: tracing.parse_otel_environment,
                fixed(environ={"OTEL_SERVICE_NAME": "fuzz", "OTEL_TRACES_SAMPLER": "always_on"}),
            ),
            "current_span": (lambda _env: tracing.current_span, _no_arguments),
            # Propagation face.
            "Baggage": (lambda _env: propagation.Baggage, lambda env: _fields(env.baggage)),
            "Baggage.with_entry": (
                lambda env: env.baggage.with_entry,
                fixed(name="n", value="v", properties=(("p", None),)),
            ),
            "Baggage.without": (lambda env: env.baggage.without, fixed(name="k")),
            "BaggageEntry": (lambda _env: propagation.BaggageEntry, fixed(value="v", properties=())),
            "TraceState": (lambda _env: propagation.TraceState, lambda env: _fields(env.trace_state)),
            "TraceState.get": (lambda env: env.trace_state.get, fixed(key="vendor")),
            "TraceState.with_entry": (lambda env: env.trace_state.with_entry, fixed(key="k", value="v")),
            "TraceState.without": (lambda env: env.trace_state.without, fixed(key="vendor")),
            "SpanContext": (lambda _env: propagation.SpanContext, lambda env: _fields(env.span_context)),
            "RemoteContext": (
                lambda _env: propagation.RemoteContext,
                lambda env: {"span_context": env.span_context, "baggage": env.baggage},
            ),
            "SpanIds": (lambda _env: propagation.SpanIds, fixed(trace_id=TRACE, span_id=SPAN)),
            "ContextExecutor": (lambda _env: propagation.ContextExecutor, fixed(max_workers=1)),
            "ContextExecutor.submit": (
                lambda env: env.executor.submit,
                fixed(fn=_noop, args=(1,), kwargs={"a": 1}),
            ),
            "bind_context": (lambda _env: propagation.bind_context, fixed(values={"run": "r"})),
            "bound_context": (lambda _env: propagation.bound_context, fixed(values={"run": "r"})),
            "build_span_context": (
                lambda _env: propagation.build_span_context,
                lambda env: {**_fields(env.span_context), "trace_state": env.trace_state},
            ),
            "child_of": (lambda _env: propagation.child_of, lambda env: {"parent": env.span_context, "span_id": SPAN}),
            "clear_context": (lambda _env: propagation.clear_context, _no_arguments),
            "current_baggage": (lambda _env: propagation.current_baggage, _no_arguments),
            "current_context": (lambda _env: propagation.current_context, _no_arguments),
            "current_span_ids": (lambda _env: propagation.current_span_ids, _no_arguments),
            "extract": (lambda _env: propagation.extract, fixed(carrier={"traceparent": TRACEPARENT})),
            "format_baggage": (lambda _env: propagation.format_baggage, lambda env: {"baggage": env.baggage}),
            "format_trace_context": (
                lambda _env: propagation.format_trace_context,
                lambda env: {"context": env.span_context},
            ),
            "inject": (lambda _env: propagation.inject, lambda env: {"carrier": {}, "span": env.span_context}),
            "parse_baggage": (lambda _env: propagation.parse_baggage, fixed(header="k=v")),
            "parse_trace_context": (
                lambda _env: propagation.parse_trace_context,
                fixed(traceparent=TRACEPARENT, tracestate="a=b"),
            ),
            "refused_span_ids": (lambda _env: propagation.refused_span_ids, _no_arguments),
            "unbind_context": (lambda _env: propagation.unbind_context, fixed(keys=("run",))),
            "use_baggage": (
                lambda _env: propagation.use_baggage,
                lambda env: {"baggage": env.baggage, "values": {"run": "r"}},
            ),
            "use_span_ids": (lambda _env: propagation.use_span_ids, fixed(trace_id=TRACE, span_id=SPAN)),
            "valid_span_ids": (
                lambda _env: propagation.valid_span_ids,
                fixed(ids=propagation.SpanIds(TRACE, SPAN), source="fuzz"),
            ),
            "with_current_context": (lambda _env: propagation.with_current_context, fixed(function=_noop)),
            # Logs face.
            "ContextCorrelation": (lambda _env: logs.ContextCorrelation, _no_arguments),
            "ContextCorrelation.current": (lambda _env: logs.ContextCorrelation().current, _no_arguments),
            "RedactionPolicy": (lambda _env: logs.RedactionPolicy, lambda _env: _fields(logs.DEFAULT_POLICY)),
            "redaction_policy": (
                lambda _env: logs.redaction_policy,
                fixed(extra_keys=("tenant_key",)),
            ),
            "escape_text": (lambda _env: logs.escape_text, fixed(text="a\nb")),
            "is_sensitive_key": (lambda _env: logs.is_sensitive_key, fixed(policy=logs.DEFAULT_POLICY, key="token")),
            "parse_logfmt": (lambda _env: logs.parse_logfmt, fixed(line='a=1 b="x y"')),
            "redact_mapping": (
                lambda _env: logs.redact_mapping,
                fixed(policy=logs.DEFAULT_POLICY, mapping={"password": "x", "a": 1}),
            ),
            "redact_text": (lambda _env: logs.redact_text, fixed(policy=logs.DEFAULT_POLICY, text="password=x")),
            "redact_value": (lambda _env: logs.redact_value, fixed(policy=logs.DEFAULT_POLICY, value={"token": "x"})),
            "render_logfmt": (lambda _env: logs.render_logfmt, fixed(items=[("a", 1), ("b", "x y")])),
            # Testing face.
            "DeterministicIdGenerator": (lambda _env: testing.DeterministicIdGenerator, fixed(seed=3)),
            "FakeClock": (lambda _env: testing.FakeClock, fixed(start=5.0)),
            "FakeClock.advance": (lambda env: env.clock.advance, fixed(seconds=1.0)),
            "FakeClock.set": (lambda env: env.clock.set, fixed(seconds=1.0e9)),
        }
    )
    return calls


def _plan_arguments(_env: Env) -> dict[str, object]:
    return {
        "check": _true,
        "component": "fuzz",
        "measurement": "status",
        "critical": True,
        "timeout": QUICK,
        "probes": ("readiness",),
        "pass_ttl": 1.0,
        "fail_ttl": 1.0,
        "component_type": "system",
        "component_id": "a",
    }


def _health_calls() -> dict[str, tuple[Getter, Arguments]]:
    quick: Final = {"timeout": QUICK}

    def fixed(**values: object) -> Arguments:
        return lambda _env: dict(values)

    return {
        "HealthApp.__call__": (
            lambda env: env.health_app,
            lambda _env: {"environ": dict(HEALTH_REQUEST), "start_response": _noop},
        ),
        "FlextHealthService": (
            lambda _env: health.FlextHealthService,
            lambda _env: {
                "clock": top.SystemClock(),
                "max_workers": 1,
                "redaction": logs.DEFAULT_POLICY,
                "on_run": _noop,
            },
        ),
        "FlextHealthService.register": (lambda env: env.new_health().register, _plan_arguments),
        "FlextHealthService.register_plan": (
            lambda env: env.new_health().register_plan,
            lambda env: {"plan": health.health_check_plan(**_plan_arguments(env))},  # type: ignore[arg-type]
        ),
        "FlextHealthService.add_run_hook": (lambda env: env.new_health().add_run_hook, fixed(hook=_noop)),
        "FlextHealthService.check_health": (lambda env: env.health.check_health, fixed(probe="readiness")),
        "FlextHealthService.states": (lambda env: env.health.states, _no_arguments),
        "FlextHealthService.shutdown": (lambda env: env.new_health().shutdown, fixed(timeout=QUICK)),
        "make_health_app": (
            lambda _env: health.make_health_app,
            lambda env: {
                "service": env.health,
                "details": True,
                "allow_verbose": True,
                "service_info": health.NO_SERVICE_INFO,
            },
        ),
        "register_health_metrics": (
            lambda _env: health.register_health_metrics,
            lambda env: {"health": env.new_health(), "metrics": metrics.FlextMetricsService()},
        ),
        "health_check_plan": (lambda _env: health.health_check_plan, _plan_arguments),
        "cpu_plan": (
            lambda _env: health.cpu_plan,
            fixed(threshold=health.CPU_THRESHOLD, interval=None, options=quick),
        ),
        "disk_plan": (
            lambda _env: health.disk_plan,
            lambda env: {"path": str(env.tmp), "threshold": health.DISK_THRESHOLD, "options": quick},
        ),
        "disk_plans": (lambda _env: health.disk_plans, fixed(threshold=health.DISK_THRESHOLD, options=quick)),
        "http_plan": (
            lambda _env: health.http_plan,
            lambda env: {
                "url": f"{env.url}/livez",
                "component": "web",
                "expect": 200,
                "client": None,
                "options": quick,
            },
        ),
        "memory_plan": (lambda _env: health.memory_plan, fixed(threshold=health.MEMORY_THRESHOLD, options=quick)),
        "process_plans": (
            lambda _env: health.process_plans,
            fixed(rss=None, open_files=None, threads=health.higher_is_worse(warn=1e6, inclusive=True), options=quick),
        ),
        "tcp_plan": (
            lambda _env: health.tcp_plan,
            lambda env: {
                "host": "127.0.0.1",
                "port": int(env.url.rsplit(":", 1)[1]),
                "component": "db",
                "options": quick,
            },
        ),
        "higher_is_worse": (lambda _env: health.higher_is_worse, fixed(warn=1.0, fail=2.0, inclusive=True)),
        "lower_is_worse": (lambda _env: health.lower_is_worse, fixed(warn=2.0, fail=1.0, inclusive=False)),
        "CpuProbe": (
            lambda _env: health.CpuProbe,
            fixed(threshold=health.CPU_THRESHOLD, interval=None, cpu_percent=lambda _interval: 10.0),
        ),
        "CpuProbe.__call__": (lambda _env: health.CpuProbe(cpu_percent=lambda _interval: 10.0), _no_arguments),
        "DiskProbe": (
            lambda _env: health.DiskProbe,
            lambda env: {"path": str(env.tmp), "threshold": health.DISK_THRESHOLD, "disk_usage": _reading},
        ),
        "DiskProbe.__call__": (lambda env: health.DiskProbe(str(env.tmp)), _no_arguments),
        "HttpProbe": (
            lambda _env: health.HttpProbe,
            lambda env: {"url": f"{env.url}/livez", "expect": (200, 204), "timeout": QUICK, "client": None},
        ),
        "HttpProbe.__call__": (lambda env: health.HttpProbe(f"{env.url}/livez", timeout=QUICK), _no_arguments),
        "MemoryProbe": (
            lambda _env: health.MemoryProbe,
            fixed(threshold=health.MEMORY_THRESHOLD, virtual_memory=_reading),
        ),
        "MemoryProbe.__call__": (lambda _env: health.MemoryProbe(), _no_arguments),
        "ProcessProbe": (
            lambda _env: health.ProcessProbe,
            fixed(measurement="threads", threshold=health.higher_is_worse(fail=1e6, inclusive=True), process=None),
        ),
        "ProcessProbe.__call__": (lambda _env: health.ProcessProbe("rss"), _no_arguments),
        "TcpProbe": (
            lambda _env: health.TcpProbe,
            lambda env: {"host": "127.0.0.1", "port": int(env.url.rsplit(":", 1)[1]), "timeout": QUICK},
        ),
        "TcpProbe.__call__": (
            lambda env: health.TcpProbe("127.0.0.1", int(env.url.rsplit(":", 1)[1]), timeout=QUICK),
            _no_arguments,
        ),
        "HealthCheckPlan": (lambda _env: health.HealthCheckPlan, lambda env: _fields(env.health.plans[0])),
        "HealthCheckState": (lambda _env: health.HealthCheckState, lambda env: _fields(env.health.states()[0])),
        "HealthOutcome": (lambda _env: health.HealthOutcome, lambda env: _fields(env.outcome)),
        "HealthReport": (lambda _env: health.HealthReport, lambda env: _fields(env.report)),
        "HealthRun": (
            lambda _env: health.HealthRun,
            lambda env: {"plan": env.health.plans[0], "outcome": env.outcome, "duration": 0.0, "timed_out": False},
        ),
        "ServiceInfo": (lambda _env: health.ServiceInfo, lambda _env: _fields(health.NO_SERVICE_INFO)),
        "Threshold": (lambda _env: health.Threshold, lambda _env: _fields(health.CPU_THRESHOLD)),
        "Threshold.__call__": (lambda _env: health.CPU_THRESHOLD, fixed(value=50.0)),
        "aggregate": (
            lambda _env: health.aggregate,
            lambda env: {"checks": [env.outcome, env.health_check], "time": 1.0},
        ),
        "build_health_outcome": (
            lambda _env: health.build_health_outcome,
            lambda env: {"check": env.health_check, "critical": False, "component_type": "db", "component_id": "1"},
        ),
        "build_service_info": (
            lambda _env: health.build_service_info,
            fixed(
                version="1",
                release_id="r",
                service_id="s",
                description="d",
                notes=("n",),
                links={"about": "http://127.0.0.1/"},
            ),
        ),
        "build_threshold": (
            lambda _env: health.build_threshold,
            fixed(direction="higher_is_worse", warn=1.0, fail=2.0, inclusive=True),
        ),
        "effective_status": (lambda _env: health.effective_status, lambda env: {"outcome": env.outcome}),
        "evaluate_threshold": (
            lambda _env: health.evaluate_threshold,
            fixed(threshold=health.CPU_THRESHOLD, value=95.0),
        ),
        "health_document": (
            lambda _env: health.health_document,
            lambda env: {"report": env.report, "details": True, "service": health.NO_SERVICE_INFO},
        ),
        "http_status": (lambda _env: health.http_status, fixed(status=top.HealthStatus.WARN)),
        "status_score": (lambda _env: health.status_score, fixed(status=top.HealthStatus.FAIL)),
        "threshold_output": (
            lambda _env: health.threshold_output,
            fixed(threshold=health.CPU_THRESHOLD, value=95.0, unit="%"),
        ),
    }


def _alerting(attribute: str, method: str) -> Getter:
    """The method ``method`` of the object ``attribute`` of the application's alerting, looked up by name."""
    return lambda env: getattr(getattr(env.alerting, attribute), method)


def _alert_value_calls() -> dict[str, tuple[Getter, Arguments]]:
    """The value objects of the alerts face, each made again from the fields of a real one."""

    def value(name: str, attribute: str) -> tuple[Getter, Arguments]:
        return (lambda _env: getattr(alerts, name), lambda env: _fields(getattr(env.alerting, attribute)))

    calls = {
        name: value(name, attribute)
        for name, attribute in (
            ("ActiveAlert", "active"),
            ("AlertEvent", "event"),
            ("AlertInstance", "instance"),
            ("AlertQuery", "query"),
            ("AlertRoute", "route"),
            ("AlertRule", "rule"),
            ("AnnotationTemplate", "template"),
            ("EvaluationSummary", "summary"),
            ("ExpressionElement", "element"),
            ("LabelMatcher", "matcher"),
            ("PendingAlert", "pending"),
            ("RetryPolicy", "retry"),
            ("RuleEvaluation", "evaluation"),
            ("RuleState", "state"),
            ("Transition", "transition"),
        )
    }
    calls["SinkStats"] = (
        lambda _env: alerts.SinkStats,
        lambda _env: {"sent": 1, "failed": 2, "dropped": 3, "queued": 4},
    )
    calls["AlertQuery.matches"] = (_alerting("query", "matches"), lambda env: {"event": env.alerting.event})
    calls["AlertRoute.accepts"] = (_alerting("route", "accepts"), lambda env: {"alert": env.alerting.alert})
    calls["LabelMatcher.matches"] = (_alerting("matcher", "matches"), lambda _env: {"labels": {"tap": "pg"}})
    calls["RetryPolicy.pause_before"] = (
        lambda _env: alerts.RetryPolicy(attempts=3, backoff=0.2).pause_before,
        lambda _env: {"attempt": 1, "retry_after": 0.5, "jitter": 1.0},
    )
    calls["RetryPolicy.retries"] = (lambda env: env.alerting.retry.retries, lambda _env: {"status": 503})
    return calls


def _alert_rule_calls() -> dict[str, tuple[Getter, Arguments]]:
    """Rules, their expressions, matchers and templates, and the pure functions over them."""

    def fixed(**values: object) -> Arguments:
        return lambda _env: dict(values)

    window = {"comparison": ">", "value": 1, "window": 60, "matchers": [("tap", "=", "pg")]}
    return {
        "threshold": (
            lambda _env: alerts.threshold,
            fixed(metric="fuzz_depth", comparison=">", value=1, matchers={"tap": "pg"}),
        ),
        "increase_over": (lambda _env: alerts.increase_over, fixed(metric="fuzz_rows_total", **window)),
        "rate_over": (lambda _env: alerts.rate_over, fixed(metric="fuzz_rows", **window)),
        "quantile_over": (
            lambda _env: alerts.quantile_over,
            fixed(metric="fuzz_latency_seconds", comparison=">", value=0.5, q=0.9, window=60, matchers=None),
        ),
        "absent": (lambda _env: alerts.absent, fixed(metric="fuzz_missing", matchers={"tap": "pg"})),
        "stale_for": (lambda _env: alerts.stale_for, fixed(metric="fuzz_depth", duration=60, matchers=None)),
        "health_check_status": (
            lambda _env: alerts.health_check_status,
            fixed(status="warn", component="db", measurement="status"),
        ),
        "label_matcher": (lambda _env: alerts.label_matcher, fixed(name="tap", op="=~", value="p.*")),
        "annotation_template": (
            lambda _env: alerts.annotation_template,
            fixed(text="{rule}: {labels.tap} {value:.2f}"),
        ),
        "alert_rule": (
            lambda _env: alerts.alert_rule,
            lambda env: {
                "name": "FuzzRule",
                "expression": env.alerting.rule.expression,
                "for_seconds": 0.0,
                "keep_firing_for": 30.0,
                "severity": "error",
                "labels": {"team": "data"},
                "annotations": {"summary": "{labels.tap}: {value:.1f}"},
                "max_alerts": 10,
            },
        ),
        "alert_label_set": (lambda _env: alerts.alert_label_set, lambda env: {"alert": env.alerting.alert}),
        "alert_query": (
            lambda _env: alerts.alert_query,
            fixed(
                name="FuzzAlert", severity="warning", state="firing", matchers={"a": "b"}, since=0.0, until=2e9, limit=5
            ),
        ),
        "alertmanager_alert": (
            lambda _env: alerts.alertmanager_alert,
            lambda env: {"alert": env.alerting.alert, "generator_url": "http://127.0.0.1/graph"},
        ),
        "alertmanager_body": (
            lambda _env: alerts.alertmanager_body,
            lambda env: {"alerts": [env.alerting.alert], "generator_url": "http://127.0.0.1/graph"},
        ),
        "evaluate_expression": (
            lambda _env: alerts.evaluate_expression,
            lambda env: {
                "expression": env.alerting.rule.expression,
                "history": env.alerting.history,
                "now": env.alerting.now,
            },
        ),
        "evaluate_rule": (
            lambda _env: alerts.evaluate_rule,
            lambda env: {
                "rule": env.alerting.rule,
                "history": env.alerting.history,
                "state": env.alerting.state,
                "now": env.alerting.now,
            },
        ),
        "firing_alerts": (
            lambda _env: alerts.firing_alerts,
            lambda env: {"rule": env.alerting.rule, "state": env.alerting.state},
        ),
        "group_key": (lambda _env: alerts.group_key, fixed(group_labels={"alertname": "FuzzAlert"}, route="{}")),
        "label_set_fingerprint": (
            lambda _env: alerts.label_set_fingerprint,
            fixed(labels={"alertname": "FuzzAlert", "tap": "pg"}),
        ),
        "render_template": (
            lambda _env: alerts.render_template,
            lambda env: {"template": env.alerting.template, "value": 1.5, "labels": {"tap": "pg"}, "rule": "R"},
        ),
        "rule_reach": (lambda _env: alerts.rule_reach, lambda env: {"rule": env.alerting.rule}),
        "transition_alert": (
            lambda _env: alerts.transition_alert,
            lambda env: {"rule": env.alerting.rule, "transition": env.alerting.transition},
        ),
        "webhook_payload": (
            lambda _env: alerts.webhook_payload,
            lambda env: {
                "alerts": [env.alerting.alert],
                "receiver": "fuzz",
                "group_labels": {"alertname": "FuzzAlert"},
                "external_url": "http://127.0.0.1:9093",
                "generator_url": "http://127.0.0.1/graph",
                "key": None,
                "max_alerts": 10,
            },
        ),
    }


def _alert_service_calls() -> dict[str, tuple[Getter, Arguments]]:
    """The alert service, its routes and sinks (to a closed loopback port), and joining its metrics."""

    def sink_options(env: Env) -> dict[str, object]:
        return {
            "timeout": QUICK,
            "retry": env.alerting.retry,
            "max_queue": 10,
            "max_queue_bytes": 65_536,
            "ssl_context": None,
            "cafile": None,
            "client": None,
        }

    calls: dict[str, tuple[Getter, Arguments]] = {
        "FlextAlertService": (
            lambda _env: alerts.FlextAlertService,
            lambda env: {
                "routes": [
                    env.alerting.new_log_sink(),
                    alerts.alert_route(env.alerting.new_webhook(), severities=["warning"]),
                ],
                "metrics": env.metrics,
                "clock": env.clock,
                "redaction": logs.DEFAULT_POLICY,
                "repeat_interval": 3600.0,
                "resend_delay": 30.0,
                "max_active": 10,
                "history": 10,
                "max_samples": 4,
            },
        ),
        "FlextAlertService.add_rule": (
            lambda env: env.alerting.new_service().add_rule,
            lambda env: {"rule": env.alerting.rule},
        ),
        "FlextAlertService.add_rule_hook": (
            lambda env: env.alerting.new_service(rule=True).add_rule_hook,
            lambda _env: {"hook": _noop},
        ),
        "FlextAlertService.start": (lambda env: env.alerting.new_service().start, lambda _env: {"interval": 60.0}),
        "FlextAlertService.process_alert": (
            _alerting("service", "process_alert"),
            lambda env: {"alert": env.alerting.alert},
        ),
        "FlextAlertService.query_alerts": (
            _alerting("service", "query_alerts"),
            lambda _env: {
                "name": "FuzzAlert",
                "severity": "warning",
                "state": "firing",
                "matchers": {"a": "b"},
                "since": 0.0,
                "until": 2e9,
                "limit": 5,
            },
        ),
        "FlextAlertService.shutdown": (
            lambda env: env.alerting.new_service().shutdown,
            lambda _env: {"timeout": QUICK},
        ),
        "FlextAlertService.stop": (lambda env: env.alerting.started().stop, lambda _env: {"timeout": QUICK}),
        "alert_route": (
            lambda _env: alerts.alert_route,
            lambda env: {
                "sink": env.alerting.new_log_sink(),
                "severities": ["warning", "error"],
                "matchers": [("a", "=~", "b|c")],
            },
        ),
        "register_alert_metrics": (lambda _env: alerts.register_alert_metrics, lambda env: env.alerting.metrics_pair()),
        "AlertmanagerSink": (
            lambda _env: alerts.AlertmanagerSink,
            lambda env: {
                "urls": [env.url],
                "name": "am",
                "generator_url": "http://127.0.0.1/graph",
                **sink_options(env),
            },
        ),
        "WebhookSink": (
            lambda _env: alerts.WebhookSink,
            lambda env: {
                "url": f"{env.url}/hook",
                "name": "hook",
                "receiver": "fuzz",
                "bearer_token": "token-123",
                **sink_options(env),
            },
        ),
        "LogSink": (lambda _env: alerts.LogSink, lambda env: {"name": "log", "logger": env.logging}),
        "Histogram.exemplars": (lambda env: env.histogram_series.exemplars, _no_arguments),
    }
    for method in ("active_alerts", "evaluate_now", "pending_alerts", "refusals", "rule_failures", "rules"):
        calls[f"FlextAlertService.{method}"] = (_alerting("service", method), _no_arguments)
    for kind, attribute in (("AlertmanagerSink", "alertmanager"), ("WebhookSink", "webhook"), ("LogSink", "log_sink")):
        calls[f"{kind}.submit"] = (_alerting(attribute, "submit"), lambda env: {"alerts": [env.alerting.alert]})
        calls[f"{kind}.flush"] = (_alerting(attribute, "flush"), lambda _env: {"timeout": QUICK})
        calls[f"{kind}.stats"] = (_alerting(attribute, "stats"), _no_arguments)
    calls["AlertmanagerSink.stats_by_url"] = (_alerting("alertmanager", "stats_by_url"), _no_arguments)
    calls["AlertmanagerSink.shutdown"] = (
        lambda env: env.alerting.busy_alertmanager().shutdown,
        lambda _env: {"timeout": QUICK},
    )
    calls["WebhookSink.shutdown"] = (lambda env: env.alerting.busy_webhook().shutdown, lambda _env: {"timeout": QUICK})
    calls["LogSink.shutdown"] = (lambda env: env.alerting.new_log_sink().shutdown, lambda _env: {"timeout": QUICK})
    return calls


def _wsgi_app(environ: object, start_response: Callable[..., object]) -> list[bytes]:
    """A WSGI application answering 200 whatever it is asked."""
    del environ
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


async def _asgi_app(scope: object, receive: Callable[[], object], send: Callable[[object], object]) -> None:
    """An ASGI application answering 200 whatever it is asked."""
    del scope, receive
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[misc]
    await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[misc]


async def _asgi_receive() -> dict[str, object]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _asgi_send(message: object) -> None:
    del message


WSGI_ENVIRON: Final = {"REQUEST_METHOD": "GET", "PATH_INFO": "/orders/7", "HTTP_TRACEPARENT": TRACEPARENT}
ASGI_SCOPE: Final = {
    "type": "http",
    "method": "GET",
    "path": "/orders/7",
    "headers": [(b"traceparent", TRACEPARENT.encode())],
}


def _httpx_answer(request: httpx.Request) -> httpx.Response:
    """A transport's answer without a network, for the adapters' set-up."""
    del request
    return httpx.Response(200)


def _web_calls() -> dict[str, tuple[Getter, Arguments]]:
    def middleware(face: types.ModuleType, name: str, app: object) -> Arguments:
        del face, name
        return lambda env: {"app": app, "metrics": env.metrics, "tracing": env.spans, "max_routes": 8}

    return {
        "FlextWsgiMiddleware": (lambda _env: wsgi.FlextWsgiMiddleware, middleware(wsgi, "wsgi", _wsgi_app)),
        "FlextAsgiMiddleware": (lambda _env: asgi.FlextAsgiMiddleware, middleware(asgi, "asgi", _asgi_app)),
        "FlextHttpClientInstrumentation": (
            lambda _env: clients.FlextHttpClientInstrumentation,
            lambda env: {"tracing": env.spans, "metrics": env.metrics, "max_addresses": 8, "clock": env.clock},
        ),
        "FlextHttpClientInstrumentation.instrument_session": (
            lambda env: env.outgoing.instrument_session,
            lambda _env: {"session": requests.Session()},
        ),
        "FlextHttpClientInstrumentation.requests_adapter": (
            lambda env: env.outgoing.requests_adapter,
            lambda _env: {"adapter": requests.adapters.HTTPAdapter()},
        ),
        "FlextHttpClientInstrumentation.httpx_transport": (
            lambda env: env.outgoing.httpx_transport,
            lambda _env: {"transport": httpx.MockTransport(_httpx_answer)},
        ),
        "FlextHttpClientInstrumentation.httpx_async_transport": (
            lambda env: env.outgoing.httpx_async_transport,
            lambda _env: {"transport": httpx.MockTransport(_httpx_answer)},
        ),
        "set_route": (
            lambda _env: wsgi.set_route,
            lambda _env: {"environ_or_scope": dict(WSGI_ENVIRON), "route": "/orders/{id}"},
        ),
        "method_label": (lambda _env: wsgi.method_label, lambda _env: {"method": "GET"}),
        "status_label": (lambda _env: wsgi.status_label, lambda _env: {"status": "200 OK"}),
        "wsgi_route": (lambda _env: wsgi.wsgi_route, lambda _env: {"environ": dict(WSGI_ENVIRON)}),
        "asgi_route": (lambda _env: asgi.asgi_route, lambda _env: {"scope": dict(ASGI_SCOPE)}),
    }


SERVING: Final = {"FLEXT_OBSERVABILITY_PORT": "0"}
"""The environment of a platform that serves: any free port on loopback when ``serve()`` is given none."""


def _platform_calls() -> dict[str, tuple[Getter, Arguments]]:
    """The platform (its methods on the application's one, or on a new one where a call changes its state)."""

    def made(env: Env) -> dict[str, object]:
        return {
            "service_name": "fuzz-made",
            "settings": None,
            "environ": {"FLEXT_OBSERVABILITY_ENVIRONMENT": "test", "OTEL_TRACES_SAMPLER": "always_on"},
            "strict": True,
            "clock": top.SystemClock(),
            "id_generator": top.RandomIdGenerator(),
            "span_exporters": [top.InMemorySpanRepository()],
            "alert_sinks": [alerts.LogSink(name="fuzz-log", logger=env.logging)],
            "plugins": [env.listener, _FailingPlugin()],
            "load_plugins": False,
            "log_stream": env.stream,
            "configure_logs": True,
        }

    calls: dict[str, tuple[Getter, Arguments]] = {
        "FlextObservabilityPlatform": (lambda _env: top.FlextObservabilityPlatform, made),
        "FlextObservabilityPlatform.__enter__": (lambda env: env.new_platform().__enter__, _no_arguments),
        "FlextObservabilityPlatform.__exit__": (
            lambda env: env.busy_platform().__exit__,
            lambda _env: {"_exc": (None, None, None)},
        ),
        "FlextObservabilityPlatform.asgi_app": (
            _method_of("platform", "asgi_app"),
            lambda _env: {"max_workers": 1, "max_pending": 4},
        ),
        "FlextObservabilityPlatform.record_metric": (
            _method_of("platform", "record_metric"),
            lambda env: {"metric": _recorded_metric(env)},
        ),
        "FlextObservabilityPlatform.serve": (
            lambda env: env.new_platform(environ=dict(SERVING)).serve,
            lambda _env: {"host": "127.0.0.1", "port": 0, "tls": None, "basic_auth": None},
        ),
        "FlextObservabilityPlatform.shutdown": (
            lambda env: env.busy_platform().shutdown,
            lambda _env: {"timeout": QUICK},
        ),
        "FlextObservabilityPlatform.start": (lambda env: env.new_platform().start, _no_arguments),
        "PlatformSettings": (
            lambda _env: top.PlatformSettings,
            lambda _env: _fields(
                top.PlatformSettings(
                    service_name="fuzz-settings",
                    port=0,
                    load_plugins=False,
                    log_format="json",
                    alert_interval=60.0,
                    shutdown_timeout=QUICK,
                )
            ),
        ),
        "ShutdownSummary": (
            lambda _env: top.ShutdownSummary,
            lambda _env: _fields(
                top.ShutdownSummary(
                    spans_flushed=True,
                    alerts_delivered=True,
                    pushed=None,
                    health_stopped=True,
                    server_closed=None,
                    seconds=0.1,
                )
            ),
        ),
        "configure": (
            lambda _env: top.configure,
            lambda env: {
                "force": True,
                "arguments": {
                    "service_name": "fuzz-default",
                    "environ": {},
                    "load_plugins": False,
                    "configure_logs": False,
                    "log_stream": env.stream,
                },
            },
        ),
        "get_platform": (lambda _env: top.get_platform, _no_arguments),
        "reset_platform": (lambda _env: top.reset_platform, _no_arguments),
        "flext_monitor_function": (
            lambda _env: top.flext_monitor_function,
            lambda env: {
                "name": "fuzz_monitored",
                "platform": env.platform,
                "labels": {"tap": "pg"},
                "log_success": True,
                "trace": True,
            },
        ),
    }
    for method in ("counters", "refusals", "routes", "status", "wsgi_app"):
        calls[f"FlextObservabilityPlatform.{method}"] = (_method_of("platform", method), _no_arguments)
    return calls


CALLS: Final[dict[str, tuple[Getter, Arguments]]] = {
    **_platform_calls(),
    **_web_calls(),
    **_alert_value_calls(),
    **_alert_rule_calls(),
    **_alert_service_calls(),
    **_entity_calls(),
    **_service_calls(),
    **_factory_calls(),
    **_function_calls(),
    **_health_calls(),
}
FUZZED: Final = sorted(name for name, role in ROLES.items() if role != NOT_FUZZED)

# ---------------------------------------------------------------------------------------------
# Calling, and judging a call.
# ---------------------------------------------------------------------------------------------


def _signature(function: Callable[..., object]) -> inspect.Signature:
    """The call signature; builtins Python cannot read (``ContextVar.get``, ``time.time``) take no arguments."""
    try:
        return inspect.signature(function)
    except ValueError:
        return inspect.Signature()


def _arrange(signature: inspect.Signature, values: Mapping[str, object]) -> tuple[list[object], dict[str, object]]:
    positional: list[object] = []
    named: dict[str, object] = {}
    for parameter in signature.parameters.values():
        if parameter.name not in values:
            continue
        value = values[parameter.name]
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            positional.append(value)
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            positional.extend(typing.cast("tuple[object, ...]", value))
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
            named.update(value)  # type: ignore[call-overload]
        else:
            named[parameter.name] = value
    return positional, named


def _slots(signature: inspect.Signature, valid: Mapping[str, object]) -> list[tuple[str, str | None]]:
    """Where a hostile value can go: (parameter, key inside ``**kwargs`` or one more ``*args`` item)."""
    slots: list[tuple[str, str | None]] = []
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            given = valid.get(parameter.name, {})
            slots += [(parameter.name, key) for key in given]  # type: ignore[attr-defined]
            slots.append((parameter.name, "fuzz_key"))
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            slots.append((parameter.name, "*"))
        else:
            slots.append((parameter.name, None))
    return slots


def _replaced(
    signature: inspect.Signature, valid: Mapping[str, object], slot: tuple[str, str | None], hostile: object
) -> dict[str, object]:
    name, key = slot
    values = dict(valid)
    kind = signature.parameters[name].kind
    if kind is inspect.Parameter.VAR_KEYWORD:
        values[name] = {**valid.get(name, {}), key: hostile}  # type: ignore[dict-item]
    elif kind is inspect.Parameter.VAR_POSITIONAL:
        values[name] = (*valid.get(name, ()), hostile)  # type: ignore[misc]
    else:
        values[name] = hostile
    return values


def _where(error: BaseException) -> str:
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if "flext_observability" in frame.filename and "strategies" not in frame.filename
    ]
    if not frames:
        return "outside the library"
    frame = frames[-1]
    return f"{Path(frame.filename).relative_to(Path(top.__file__).parent.parent)}:{frame.lineno}"


def _describe(error: BaseException) -> str:
    try:
        text = str(error)[:160]
    except Exception:  # noqa: BLE001 - the message itself may be hostile
        text = "<unprintable>"
    return f"{type(error).__name__}: {text} at {_where(error)}"


def _follow_up(env: Env, result: object) -> None:
    """Use what a runtime call handed back as an application would: enter scopes, await coroutines."""
    if isinstance(result, Success):
        result = result.unwrap()
    if inspect.iscoroutine(result):
        env.loop.run_until_complete(result)
    elif hasattr(result, "__enter__") and not isinstance(result, type | Path):  # a Path's with is deprecated
        with result:  # type: ignore[attr-defined]
            pass


DECORATORS: Final = frozenset({"with_current_context", "SpanScope.__call__", "Timer.__call__"})


def _smoke(  # noqa: C901, PLR0912, PLR0915 - one case per kind of object a set-up call hands out
    env: Env, made: object, hostile: object, *, decorator: bool
) -> None:
    """Use what a set-up call accepted: what set-up lets through must work at runtime (and is stopped)."""
    if isinstance(made, Success):
        made = made.unwrap()
    if isinstance(made, Failure) or _smoke_alerting(env, made) or _smoke_platform_parts(env, made):
        return
    if isinstance(made, top.FlextTracingService):
        try:
            with made.start_span("smoke") as span:
                span.set_attribute("k", 1)
            made.force_flush(QUICK)
        finally:
            made.shutdown(QUICK)
    elif isinstance(made, tracing.BatchSpanProcessor):
        made.shutdown(QUICK)
    elif isinstance(made, metrics.MetricsServer):
        env.close_later(made)
    elif isinstance(made, propagation.ContextExecutor):
        try:
            concurrent.futures.wait([made.submit(_noop)], timeout=5)
        finally:
            made.shutdown(wait=False)
    elif isinstance(made, metrics.FlextMetricsService):
        made.counter("smoke_total", "Smoke.").unwrap().inc()
        made.export_prometheus()
    elif isinstance(made, top.FlextLoggingService):
        made.info("smoke", rows=1)
        made.query_logs()
    elif isinstance(made, top.InMemorySpanRepository | top.ConsoleSpanExporter | top.FlextOtlpHttpExporter):
        made.export([env.span_entity], QUICK)
        made.shutdown(QUICK)
    elif hasattr(made, "should_sample") and not isinstance(made, type):
        made.should_sample(TRACE, None)
    elif isinstance(made, logs.RedactionPolicy):
        logs.redact_text(made, "password=hunter2")
        logs.redact_mapping(made, {"password": "x", "nested": {"token": "y"}})
    elif isinstance(made, tracing.SpanLimits):
        service = top.FlextTracingService(limits=made, exporters=[top.InMemorySpanRepository()])
        try:
            with service.start_span("smoke", attributes={"k": "v" * 10}) as span:
                span.add_event("e", {"a": 1})
        finally:
            service.shutdown(QUICK)
    elif isinstance(made, metrics.Counter | metrics.Gauge):
        made.inc()
        env.metrics.export_prometheus()
    elif isinstance(made, metrics.Histogram | metrics.Summary):
        made.observe(1.0)
        env.metrics.export_prometheus()
    elif isinstance(made, metrics.CallbackHandle):
        env.metrics.export_prometheus()
        made.remove()
    elif type(made).__name__ == "LoggingSetup":
        try:
            top.get_logger("smoke").info("smoke", rows=1)
        finally:
            top.configure_logging(format="json", stream=env.stream, level="debug")
    elif isinstance(made, testing.FakeClock | top.SystemClock):
        made.time()
        made.monotonic_ns()
    elif isinstance(made, testing.DeterministicIdGenerator | top.RandomIdGenerator):
        made.new_trace_id()
    elif isinstance(made, health.FlextHealthService):
        try:
            made.register(_true, component="smoke", timeout=QUICK)
            made.check_health().unwrap()
        finally:
            made.shutdown(QUICK)
    elif isinstance(made, health.HealthApp):
        b"".join(made(dict(HEALTH_REQUEST), _noop))
    elif isinstance(made, health.HealthCheckPlan | tuple) and all(
        isinstance(plan, health.HealthCheckPlan) for plan in (made if isinstance(made, tuple) else (made,))
    ):
        _smoke_plans(env, made if isinstance(made, tuple) else (made,))
    elif isinstance(made, wsgi.FlextWsgiMiddleware) and getattr(made, "_app", None) is _wsgi_app:
        body = made(
            dict(WSGI_ENVIRON), typing.cast("Any", _noop)
        )  # a hostile app raises what it raises: only ours is served here
        try:
            b"".join(body)
        finally:
            body.close()  # type: ignore[attr-defined]
    elif isinstance(made, asgi.FlextAsgiMiddleware) and getattr(made, "_app", None) is _asgi_app:
        env.loop.run_until_complete(made(dict(ASGI_SCOPE), _asgi_receive, _asgi_send))
    elif isinstance(made, health.CpuProbe | health.MemoryProbe | health.DiskProbe | health.ProcessProbe):
        probing = env.bare_health()  # a probe's own errors are the service's to turn into a fail
        probing.register(made, component="smoke", timeout=QUICK)
        probing.check_health().unwrap()
    elif decorator and not callable(hostile):
        typing.cast(
            "Callable[[], object]", made
        )()  # a decorator that accepted a non-callable must not fail when its result is called


def _smoke_platform(env: Env, platform: top.FlextObservabilityPlatform) -> None:
    """A platform set-up accepted records a metric, traces, logs, reports its status and shuts down at once."""
    with _thread_errors() as caught:
        try:
            recorded = platform.record_metric(_recorded_metric(env)).unwrap()
            if env.listener.name in platform.plugins.names and ("metric", recorded) not in env.listener.heard:
                message = "the platform's plugin did not hear of the metric recorded"
                raise AssertionError(message)
            with platform.tracing.start_span("smoke") as span:
                span.set_attribute("k", 1)
                platform.logger.info("smoke", rows=1)
            platform.status()
            platform.counters()
            platform.metrics.export_prometheus()
        finally:
            summary: object = platform.shutdown(QUICK)
            again: object = platform.shutdown(QUICK)
            platform.__exit__(None, None, None)  # reads the settings' own shutdown timeout
    if not isinstance(summary, top.ShutdownSummary) or not (isinstance(again, top.ShutdownSummary) and again.already):
        message = f"shutdown gave {summary!r}, then {again!r}"
        raise AssertionError(message)
    _raise_first(caught)


def _smoke_platform_parts(env: Env, made: object) -> bool:
    """Use a platform, or settings, that set-up accepted; ``False`` when ``made`` is neither."""
    if isinstance(made, top.FlextObservabilityPlatform):
        _smoke_platform(env, made)
    elif isinstance(made, top.PlatformSettings):
        try:  # the platform's own set-up may refuse settings made by hand
            platform = env.new_platform(settings=made, load_plugins=None, configure_logs=True)
        except (TypeError, ValueError):
            return True
        _smoke_platform(env, platform)
    else:
        return isinstance(made, top.ShutdownSummary)  # a record of what a shutdown did: nothing reads it back
    return True


STATUS_REQUEST: Final = {"PATH_INFO": "/status", "REQUEST_METHOD": "GET", "QUERY_STRING": ""}


def _answer(app: Callable[..., object], path: str) -> tuple[str, bytes]:
    """What a WSGI ``app`` answers to ``GET path``: its status line and body."""
    started: list[str] = []

    def start_response(status: str, _headers: object, _exc_info: object = None) -> None:
        started.append(status)

    body = typing.cast("typing.Iterable[bytes]", app({**STATUS_REQUEST, "PATH_INFO": path}, start_response))
    try:
        return started[0], b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if callable(close):
            close()


def _smoke_routes(env: Env, made: object, _hostile: object) -> None:
    """Every route the platform hands out answers a GET."""
    del env
    for path, app in typing.cast("dict[str, Callable[..., object]]", made).items():
        status, _ = _answer(app, path)
        if not status[:3].isdigit():
            message = f"{path} answered the status {status!r}"
            raise AssertionError(message)


def _smoke_wsgi(env: Env, made: object, _hostile: object) -> None:
    """The platform's WSGI app serves ``/metrics`` and ``/status``."""
    del env
    app = typing.cast("Callable[..., object]", made)
    for path in ("/metrics", "/status", "/livez"):
        status, _ = _answer(app, path)
        if not status.startswith("200"):
            message = f"{path} answered {status!r}"
            raise AssertionError(message)


def _smoke_asgi(env: Env, made: object, _hostile: object) -> None:
    """The platform's ASGI app serves ``/status`` from its pool, and closes."""
    bridge = typing.cast("Any", made)
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    try:
        scope = {**ASGI_SCOPE, "path": "/status"}
        env.loop.run_until_complete(bridge(scope, _asgi_receive, send))
    finally:
        bridge.close()
    if not sent or sent[0].get("status") != 200:
        message = f"/status over ASGI answered {sent[:1]!r}"
        raise AssertionError(message)


def _smoke_served(env: Env, made: object, _hostile: object) -> None:
    """A platform that serves answers ``/status`` over HTTP (on loopback only), and stops."""
    if isinstance(made, Failure):
        return
    server = typing.cast("metrics.MetricsServer", made.unwrap() if isinstance(made, Success) else made)
    try:
        if server.host == "127.0.0.1":
            answer = httpx.get(f"http://127.0.0.1:{server.port}/status", timeout=5.0)
            if answer.status_code != 200:
                message = f"/status answered {answer.status_code}"
                raise AssertionError(message)
    finally:
        env.close_later(server)


def _doubled(rows: int) -> int:
    return rows * 2


async def _doubled_later(rows: int) -> int:
    return rows * 2


def _outcome(call: Callable[[], object]) -> tuple[str, type]:
    """What calling ``call`` gave, by kind: returned a value of a type, or raised an exception of a type."""
    try:
        return "returned", type(call())
    except Exception as error:  # noqa: BLE001 - what the call raises is what is compared
        return "raised", type(error)


_MONITOR_ARGUMENTS: Final = tuple(inspect.signature(top.flext_monitor_function).parameters)


def _smoke_monitor(env: Env, made: object, hostile: object) -> None:
    """A function monitored by what set-up accepted runs, and returns (or raises) what it would have."""
    if getattr(made, "__wrapped__", None) is hostile and callable(hostile):  # used bare, over the hostile value
        monitored = typing.cast("Callable[[], object]", made)
        expected, got = _outcome(typing.cast("Callable[[], object]", hostile)), _outcome(monitored)
        if got != expected:
            message = f"monitored, it {got[0]} {got[1].__name__}; alone, it {expected[0]} {expected[1].__name__}"
            raise AssertionError(message)
        return
    decorate = typing.cast("Callable[[Callable[..., Any]], Callable[..., Any]]", made)
    try:  # decorating is set-up too: labels that do not fit the service's monitored functions are refused then
        monitored = decorate(_doubled)
    except (TypeError, ValueError) as refused:
        if any(argument in str(refused) for argument in _MONITOR_ARGUMENTS):
            return
        raise
    answers = (monitored(21), env.loop.run_until_complete(decorate(_doubled_later)(21)))
    if answers != (42, 42):
        message = f"the monitored functions gave {answers!r}, not (42, 42)"
        raise AssertionError(message)
    error = ValueError("the function's own")
    try:
        decorate(_raise_this)(error)
    except ValueError as raised:
        if raised is not error:
            raise
    else:
        message = "the monitored function did not raise its own exception"
        raise AssertionError(message)


def _raise_this(error: BaseException) -> typing.NoReturn:
    raise error


SMOKES: Final[dict[str, Callable[[Env, object, object], None]]] = {
    "FlextObservabilityPlatform.asgi_app": _smoke_asgi,
    "FlextObservabilityPlatform.routes": _smoke_routes,
    "FlextObservabilityPlatform.serve": _smoke_served,
    "FlextObservabilityPlatform.wsgi_app": _smoke_wsgi,
    "flext_monitor_function": _smoke_monitor,
}
"""Set-up calls whose result is used in its own way (instead of by its type)."""


def _restore_process_state(env: Env) -> None:
    """Forget the default platform a call may have made or set, and put logging back on the application's stream."""
    top.reset_platform()
    top.configure_logging(format="json", stream=env.stream, level="debug")


CLEAN_UP: Final[dict[str, Callable[[Env], None]]] = dict.fromkeys(
    ["FlextObservabilityPlatform", "PlatformSettings", "configure", "flext_monitor_function", "get_platform"],
    _restore_process_state,
)
"""Calls that may change the process's state (the default platform, logging): what undoes it after each call."""


@contextlib.contextmanager
def _thread_errors() -> Iterator[list[BaseException]]:
    """Keep what threads raise meanwhile (a sink's sending thread), so that the call that caused it is named."""
    caught: list[BaseException] = []
    previous = threading.excepthook

    def keep(arguments: threading.ExceptHookArgs) -> None:
        if arguments.exc_value is not None:
            caught.append(arguments.exc_value)

    threading.excepthook = keep
    try:
        yield caught
    finally:
        threading.excepthook = previous


def _raise_first(caught: list[BaseException]) -> None:
    if caught:
        raise caught[0]


_SETTLE_ROUNDS: Final = 100
"""Rounds of ``QUICK`` seconds a sink may take to give up on a batch to a closed port."""


def _smoke_sink(alerting: Alerting, sink: alerts.WebhookSink | alerts.AlertmanagerSink | alerts.LogSink) -> None:
    """Hand ``sink`` one alert (taken, or dropped and counted), wait until it tried to send it, and shut it down.

    Its sending thread must not die on the way.
    """
    with _thread_errors() as caught:
        try:
            taken: object = sink.submit([alerting.alert])  # what a sink gives back is checked, not assumed
            if type(taken) is not bool:
                message = f"submit gave {taken!r}, not True or False"
                raise AssertionError(message)
            if not taken and sink.stats().dropped == 0:
                message = "submit refused a valid alert without counting it as dropped"
                raise AssertionError(message)
            for _ in range(_SETTLE_ROUNDS):
                if caught or sink.flush(QUICK):
                    break
            else:
                message = "the sink still holds its batch to a closed port"
                raise AssertionError(message)
            sink.stats()
        finally:
            sink.shutdown(QUICK)
    _raise_first(caught)


def _smoke_service(alerting: Alerting, service: alerts.FlextAlertService) -> None:
    """A service set-up accepted takes an alert, evaluates its rules, and stops."""
    with _thread_errors() as caught:
        try:
            service.process_alert(alerting.alert).unwrap()
            service.evaluate_now().unwrap()
            service.active_alerts()
            service.pending_alerts()
        finally:
            service.shutdown(QUICK)
    _raise_first(caught)


def _smoke_rule(alerting: Alerting, rule: alerts.AlertRule) -> None:
    """A rule evaluates (or fails), alone and in a service; a hand-made one is refused or read as it is."""
    alerts.evaluate_rule(rule, alerting.history, alerts.EMPTY_RULE_STATE, alerting.now)
    alerts.firing_alerts(rule, alerting.state)
    alerts.rule_reach(rule)
    service = alerting.new_service()
    if isinstance(service.add_rule(rule), Success):
        service.evaluate_now().unwrap()
        service.pending_alerts()


_EXPRESSIONS: Final = typing.get_args(alerts.Expression)
_ALERTING: Final = (
    alerts.FlextAlertService,
    alerts.WebhookSink,
    alerts.AlertmanagerSink,
    alerts.LogSink,
    alerts.AlertRoute,
    alerts.AlertRule,
    alerts.AnnotationTemplate,
    alerts.LabelMatcher,
    alerts.RuleState,
    alerts.AlertInstance,
    alerts.Transition,
    alerts.RetryPolicy,
    *_EXPRESSIONS,
)


def _smoke_alerting(env: Env, made: object) -> bool:  # noqa: C901, PLR0912 - one case per kind of object
    """Use an object of the alerts face that set-up accepted; ``False`` when ``made`` is none of them."""
    if not isinstance(made, _ALERTING):
        return False
    alerting = env.alerting
    history, now = alerting.history, alerting.now
    if isinstance(made, alerts.FlextAlertService):
        _smoke_service(alerting, made)
    elif isinstance(made, alerts.WebhookSink | alerts.AlertmanagerSink | alerts.LogSink):
        _smoke_sink(alerting, made)
    elif isinstance(made, alerts.RetryPolicy):
        _smoke_sink(alerting, alerting.new_webhook(retry=made))
    elif isinstance(made, alerts.AlertRoute):
        try:  # the service's own set-up may refuse a route made by hand
            service = alerting.new_service(routes=[made])
        except (TypeError, ValueError):
            return True
        _smoke_service(alerting, service)
    elif isinstance(made, alerts.AlertRule):
        _smoke_rule(alerting, made)
    elif isinstance(made, _EXPRESSIONS):
        alerts.evaluate_expression(made, history, now)
        _smoke_rule(alerting, alerts.alert_rule("FuzzSmoke", made).unwrap())
    elif isinstance(made, alerts.AnnotationTemplate):
        text = alerts.render_template(made, value=1.5, labels={"tap": "pg"}, rule="R")
        if type(text) is not str:
            message = f"render_template gave {text!r}, not text"
            raise AssertionError(message)
    elif isinstance(made, alerts.LabelMatcher):
        expression = alerts.threshold("fuzz_depth", ">", 0, matchers=[made])
        if isinstance(expression, Success):
            alerts.evaluate_expression(expression.unwrap(), history, now)
    elif isinstance(made, alerts.RuleState):
        alerts.evaluate_rule(alerting.rule, history, made, now)
        alerts.firing_alerts(alerting.rule, made)
    elif isinstance(made, alerts.AlertInstance):
        alerts.evaluate_rule(alerting.rule, history, alerts.RuleState(instances=(made,)), now)
    else:
        alerts.transition_alert(alerting.rule, typing.cast("alerts.Transition", made))
    return True


def _evaluate_last(env: Env) -> None:
    """The service the set-up call was made on evaluates its rules (and their hooks) without raising."""
    env.alerting.last_service.evaluate_now().unwrap()
    env.alerting.last_service.rules()


def _stop_last(env: Env) -> None:
    """The service whose evaluation was started runs, and stops at once."""
    service = env.alerting.last_service
    running = service.running
    if not (service.stop(5.0) and running):
        message = f"start() left the service {'stuck' if running else 'not running'}"
        raise AssertionError(message)


def _scrape_last(env: Env) -> None:
    """The joined services evaluate and export without raising."""
    _evaluate_last(env)
    env.alerting.last_metrics.export_prometheus()


AFTER_SETUP: Final[dict[str, Callable[[Env], None]]] = {
    "FlextAlertService.add_rule": _evaluate_last,
    "FlextAlertService.add_rule_hook": _evaluate_last,
    "FlextAlertService.start": _stop_last,
    "register_alert_metrics": _scrape_last,
}
"""Set-up calls that change an object they were called on: what to check on it afterwards."""


def _smoke_plans(env: Env, plans: tuple[health.HealthCheckPlan, ...]) -> None:
    """Register plans a set-up call accepted and run them (a network probe only on loopback)."""
    service = env.bare_health()
    for plan in plans:
        service.register_plan(plan)
    local = all(not isinstance(plan.check, health.HttpProbe | health.TcpProbe) for plan in plans)
    if local or env.url in repr([vars(plan.check) for plan in plans]):
        service.check_health(None).unwrap()
    service.states()


def judge(env: Env, name: str, slot: tuple[str, str | None], hostile: object) -> str | None:
    """Call ``name`` with ``hostile`` in ``slot``; the rule it broke, or ``None``."""
    try:
        return _judged(env, name, slot, hostile)
    finally:
        clean_up = CLEAN_UP.get(name)
        if clean_up is not None:
            clean_up(env)


def _judged(env: Env, name: str, slot: tuple[str, str | None], hostile: object) -> str | None:
    getter, arguments = CALLS[name]
    function = getter(env)
    signature = _signature(function)
    values = _replaced(signature, arguments(env), slot, hostile) if slot[0] else arguments(env)
    positional, named = _arrange(signature, values)
    try:
        signature.bind(*positional, **named)
    except TypeError:
        return None  # Python's own error for a wrong call: not the library's to report
    role = ROLES[name]
    try:
        result = function(*positional, **named)
    except (TypeError, ValueError) as error:
        if role == SETUP:
            named_argument = slot[1] if slot[1] not in {None, "*"} else slot[0]
            return None if named_argument and named_argument in str(error) else f"unclear: {_describe(error)}"
        return f"raised {_describe(error)}"
    except Exception as error:  # noqa: BLE001 - any other exception is what the fuzzer looks for
        return f"raised {_describe(error)}"
    try:
        if role == RUNTIME:
            _follow_up(env, result)
        elif name in SMOKES:
            SMOKES[name](env, result, hostile)
        else:
            _smoke(env, result, hostile, decorator=name in DECORATORS)
            if name in AFTER_SETUP and not isinstance(result, Failure):
                AFTER_SETUP[name](env)
    except Exception as error:  # noqa: BLE001 - the same
        return f"{'using the result' if role == RUNTIME else 'after set-up'}: {_describe(error)}"
    return None


@pytest.fixture
def env() -> Iterator[Env]:
    """A running application, stopped after the test."""
    running = Env()
    yield running
    running.close()


# ---------------------------------------------------------------------------------------------
# The tests.
# ---------------------------------------------------------------------------------------------


def test_every_public_callable_is_classified() -> None:
    """The classification names exactly the public callables: a new one fails until it is classified."""
    discovered = discover()
    assert sorted(discovered - set(ROLES)) == [], "classify these in ROLES"
    assert sorted(set(ROLES) - discovered) == [], "these are not public callables any more"
    assert set(ROLES.values()) == {SETUP, RUNTIME, NOT_FUZZED}


def test_every_fuzzed_callable_has_a_call_and_every_skip_a_reason() -> None:
    """Each fuzzed name says how to call it; each name not fuzzed says why."""
    assert sorted(set(FUZZED) - set(CALLS)) == []
    assert sorted(set(CALLS) - set(FUZZED)) == []
    skipped = {name for name, role in ROLES.items() if role == NOT_FUZZED}
    assert skipped == set(WHY_NOT_FUZZED)


def test_the_known_open_cases_name_fuzzed_parameters() -> None:
    """Every known open case names a fuzzed callable and one of its parameters."""
    running = Env()
    try:
        for name, parameter in KNOWN_OPEN:
            assert name in CALLS, name
            getter, _ = CALLS[name]
            assert parameter in _signature(getter(running)).parameters, (name, parameter)
    finally:
        running.close()


@pytest.mark.parametrize("name", FUZZED)
def test_sweep(env: Env, name: str) -> None:
    """Every hostile value of the fixed list, in every parameter, keeps the rule of the callable's role."""
    getter, arguments = CALLS[name]
    signature = _signature(getter(env))
    assert judge(env, name, ("", None), None) is None, "the valid call itself breaks the rule"
    broken: dict[str, list[str]] = {}
    for slot in _slots(signature, arguments(env)):
        for label, make in HOSTILE:
            problem = judge(env, name, slot, make())
            if problem is not None:
                broken.setdefault(slot[0], []).append(f"{slot} = {label}: {problem}")
                if (name, slot[0]) in KNOWN_OPEN:
                    break  # still open: the rest of this parameter's values need not run
    open_here = {parameter for known, parameter in KNOWN_OPEN if known == name}
    stale = sorted(open_here - set(broken))
    assert not stale, f"fixed: remove {[(name, parameter) for parameter in stale]} from KNOWN_OPEN"
    new = {parameter: problems for parameter, problems in broken.items() if parameter not in open_here}
    assert not new, "\n".join(problem for problems in new.values() for problem in problems[:6])


@pytest.mark.parametrize("name", FUZZED)
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_drawn(env: Env, name: str, data: st.DataObject) -> None:
    """Values drawn by Hypothesis, anywhere in the call, keep the rule of the callable's role."""
    getter, arguments = CALLS[name]
    slots = _slots(_signature(getter(env)), arguments(env))
    if not slots:
        return
    slot = data.draw(st.sampled_from(slots), label="slot")
    if (name, slot[0]) in KNOWN_OPEN:
        return
    problem = judge(env, name, slot, data.draw(hostile_arguments(), label="value"))
    assert problem is None, problem


def test_the_fuzzer_catches_a_raise() -> None:
    """A runtime call that raises, and a set-up error that names no argument, are both reported."""
    running = Env()
    try:
        CALLS["fuzz.raises"] = (lambda _env: _raise, lambda _env: {"_args": ()})
        ROLES["fuzz.raises"] = RUNTIME
        assert "RuntimeError" in (judge(running, "fuzz.raises", ("_args", "*"), 1) or "")

        def refuse(value: object) -> None:
            message = "bad"
            raise ValueError(message)

        CALLS["fuzz.refuses"] = (lambda _env: refuse, lambda _env: {"value": 1})
        ROLES["fuzz.refuses"] = SETUP
        assert (judge(running, "fuzz.refuses", ("value", None), 2) or "").startswith("unclear")
    finally:
        for name in ("fuzz.raises", "fuzz.refuses"):
            CALLS.pop(name, None)
            ROLES.pop(name, None)
        running.close()
