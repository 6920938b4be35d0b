"""Reading the standard OpenTelemetry environment variables."""

from __future__ import annotations

import pytest

from flext_observability import FlextErrorCode
from flext_observability.core.settings import DEFAULT_SERVICE_NAME, parse_otel_environment


def test_defaults_without_variables() -> None:
    """Nothing set: the default service name, parent-based always-on sampling, no endpoint."""
    settings = parse_otel_environment({}).unwrap()
    assert settings.service_name == DEFAULT_SERVICE_NAME
    assert (settings.sampler, settings.sampler_ratio, settings.traces_endpoint) == ("parentbased_always_on", 1.0, None)
    assert not settings.disabled


def test_every_variable_is_read() -> None:
    """Endpoints, headers, compression, timeouts (ms to s), batch settings and the kill switch."""
    settings = parse_otel_environment(
        {
            "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-resource, team=data%20eng,,",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector:4318/custom",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://ignored:4318",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "authorization=Bearer%20x,tenant=acme",
            "OTEL_EXPORTER_OTLP_COMPRESSION": "none",
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2500",
            "OTEL_TRACES_SAMPLER": "TraceIdRatio",
            "OTEL_TRACES_SAMPLER_ARG": "0.125",
            "OTEL_BSP_SCHEDULE_DELAY": "1000",
            "OTEL_BSP_MAX_QUEUE_SIZE": "4096",
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "256",
            "OTEL_BSP_EXPORT_TIMEOUT": "30000",
            "OTEL_SDK_DISABLED": "TRUE",
        },
    ).unwrap()
    assert settings.service_name == "from-resource"
    assert settings.resource_attributes == {"service.name": "from-resource", "team": "data eng"}
    assert settings.traces_endpoint == "https://collector:4318/custom"
    assert settings.headers == {"authorization": "Bearer x", "tenant": "acme"}
    assert settings.compression is None
    assert settings.timeout_seconds == 2.5
    assert (settings.sampler, settings.sampler_ratio) == ("traceidratio", 0.125)
    assert (settings.schedule_delay_seconds, settings.max_queue_size, settings.max_export_batch_size) == (
        1.0,
        4096,
        256,
    )
    assert settings.export_timeout_seconds == 30.0
    assert settings.disabled


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("OTEL_RESOURCE_ATTRIBUTES", "novalue", FlextErrorCode.INVALID_TEXT),
        ("OTEL_TRACES_SAMPLER", "sometimes", FlextErrorCode.INVALID_CHOICE),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", FlextErrorCode.INVALID_CHOICE),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon", FlextErrorCode.OUT_OF_RANGE),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "-1", FlextErrorCode.OUT_OF_RANGE),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "0", FlextErrorCode.OUT_OF_RANGE),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "many", FlextErrorCode.OUT_OF_RANGE),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "\u00b2", FlextErrorCode.OUT_OF_RANGE),  # a digit to isdigit(), not to int()
        ("OTEL_BSP_MAX_QUEUE_SIZE", "\u0663", FlextErrorCode.OUT_OF_RANGE),  # an Arabic-Indic three
        ("OTEL_BSP_MAX_QUEUE_SIZE", "9" * 5000, FlextErrorCode.OUT_OF_RANGE),  # beyond int()'s digit limit
    ],
)
def test_bad_values_are_reported_by_name(name: str, value: str, code: FlextErrorCode) -> None:
    """Each bad variable is reported on its own name with its rule's code."""
    error = parse_otel_environment({name: value}).failure()
    assert [(item.field, item.code) for item in error.errors] == [(name, code)]


def test_sampler_argument_rules() -> None:
    """The ratio applies to ratio samplers only and must lie from 0 to 1."""
    assert parse_otel_environment({"OTEL_TRACES_SAMPLER_ARG": "0.5"}).unwrap().sampler_ratio == 1.0
    ratio = {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}
    assert parse_otel_environment(ratio).failure().codes == {FlextErrorCode.OUT_OF_RANGE}
    default = {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio"}
    assert parse_otel_environment(default).unwrap().sampler_ratio == 1.0


def test_general_endpoint_gets_the_traces_path() -> None:
    """The general OTLP endpoint is used with /v1/traces appended."""
    settings = parse_otel_environment({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"}).unwrap()
    assert settings.traces_endpoint == "http://collector:4318/v1/traces"
