"""Bad ``OTEL_*`` variables are logged (named, value redacted), replaced by the specification's default, counted."""

from __future__ import annotations

import logging

import pytest

from flext_observability.tracing import FlextTracingService

LOGGER = "flext_observability.tracing"
OTEL_VARIABLES = (
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OTEL_* variable of the host leaks into a test."""
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage() for record in caplog.records if record.name == LOGGER and record.levelno >= logging.ERROR
    ]


@pytest.mark.parametrize(
    ("variables", "expected_sampler", "named"),
    [
        ({"OTEL_TRACES_SAMPLER": "always_onn"}, "parent_based(always_on())", "OTEL_TRACES_SAMPLER='always_onn'"),
        (
            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "abc"},
            "trace_id_ratio(1.0)",
            "OTEL_TRACES_SAMPLER_ARG='abc'",
        ),
    ],
)
def test_a_bad_sampler_variable_falls_back_to_the_default(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    variables: dict[str, str],
    expected_sampler: str,
    named: str,
) -> None:
    """The service starts with the specification's default sampler; the variable is logged by name and counted."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        tracing = FlextTracingService.from_environment()
    assert repr(tracing.sampler) == expected_sampler
    (line,) = _errors(caplog)
    assert line.startswith(named)
    assert "OpenTelemetry default" in line
    assert tracing.counts().refusals["invalid_environment"] == 1
    tracing.shutdown(1)


def test_an_endpoint_without_scheme_is_named_and_redacted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An endpoint without http:// is logged under its variable, credentials hidden; the default endpoint is used."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "etl:hunter2@collector:4318/?token=s3cret")
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        tracing = FlextTracingService.from_environment()
    (exporter,) = tracing.processor.exporters
    assert exporter.endpoint == "http://localhost:4318/v1/traces"  # type: ignore[attr-defined]
    (line,) = _errors(caplog)
    assert line.startswith("OTEL_EXPORTER_OTLP_ENDPOINT=")
    assert "http://" in line
    assert "s3cret" not in line
    assert tracing.counts().refusals["invalid_environment"] == 1
    tracing.shutdown(1)


def test_header_values_never_reach_the_log(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Malformed OTLP headers are named with their keys only: header values carry credentials."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-honeycomb-team=k3y,oops")
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        tracing = FlextTracingService.from_environment()
    (exporter,) = tracing.processor.exporters
    assert exporter.headers == {}  # type: ignore[attr-defined]
    (line,) = _errors(caplog)
    assert "x-honeycomb-team=REDACTED" in line
    assert "k3y" not in line
    assert "oops" not in line
    tracing.shutdown(1)


def test_strict_raises_one_error_listing_every_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """``strict=True`` raises one ValueError that names every bad variable."""
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "abc")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "x" * 300)
    with pytest.raises(ValueError, match="OTEL_TRACES_SAMPLER_ARG") as raised:
        FlextTracingService.from_environment(strict=True)
    message = str(raised.value)
    for name in ("OTEL_TRACES_SAMPLER_ARG", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME"):
        assert f"\n  {name}=" in message


def test_every_variable_tracing_reads_is_checked(caplog: pytest.LogCaptureFixture) -> None:
    """Each bad variable is reported once and the service still starts with working settings."""
    environ = {
        "OTEL_SERVICE_NAME": "x" * 300,
        "OTEL_RESOURCE_ATTRIBUTES": "team",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector/v1/traces",
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "zstd",
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "soon",
        "OTEL_TRACES_SAMPLER": "sometimes",
        "OTEL_BSP_SCHEDULE_DELAY": "1e300",
        "OTEL_BSP_EXPORT_TIMEOUT": "-1",
        "OTEL_BSP_MAX_QUEUE_SIZE": "many",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4096",
        "OTEL_SDK_DISABLED": "yes",
    }
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        tracing = FlextTracingService.from_environment(environ)
    reported = sorted(line.partition("=")[0] for line in _errors(caplog))
    assert reported == sorted(environ)
    assert tracing.service_name == "unknown_service:python"
    assert tracing.processor.schedule_delay == 5.0
    assert (tracing.processor.max_queue_size, tracing.processor.max_export_batch_size) == (2048, 512)
    assert tracing.counts().refusals["invalid_environment"] == len(environ)
    tracing.shutdown(1)


def test_an_environ_that_is_no_mapping_is_a_type_error() -> None:
    """Passing something other than a mapping as ``environ`` is a set-up mistake, named."""
    with pytest.raises(TypeError, match="environ must be a mapping"):
        FlextTracingService.from_environment(5)  # type: ignore[arg-type]


def test_default_service_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``service_name``: OTEL_SERVICE_NAME, else service.name of the resource, else unknown_service:python."""
    assert FlextTracingService().service_name == "unknown_service:python"
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource,team=data")
    assert FlextTracingService().service_name == "from-resource"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "orders")
    assert FlextTracingService().service_name == "orders"
    assert FlextTracingService(service_name="explicit").service_name == "explicit"


def test_a_bad_service_name_variable_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A too-long OTEL_SERVICE_NAME is logged and counted; the default name is used."""
    monkeypatch.setenv("OTEL_SERVICE_NAME", "x" * 300)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        tracing = FlextTracingService()
    assert tracing.service_name == "unknown_service:python"
    (line,) = _errors(caplog)
    assert line.startswith("OTEL_SERVICE_NAME=")
    assert tracing.counts().refusals["invalid_environment"] == 1
