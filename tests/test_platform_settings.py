"""The platform's settings: every variable, precedence, strict and lenient environments, and the docs' table."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from attrs import evolve

from flext_observability.core import settings as settings_module
from flext_observability.core.metrics.instruments import DEFAULT_MAX_SERIES
from flext_observability.core.settings import (
    DEFAULT_SERVICE_NAME,
    PLATFORM_DEFAULTS,
    PLATFORM_VARIABLES,
    PlatformSettings,
    check_platform_settings,
    parse_platform_environment,
    read_platform_environment,
)
from flext_observability.platform.platform import FlextObservabilityPlatform
from flext_observability.shell.alerts.repository import DEFAULT_HISTORY
from flext_observability.shell.logs.setup import reset_logging
from flext_observability.shell.tracing.processor import DEFAULT_MAX_QUEUE_SIZE

DOCS = Path(__file__).resolve().parent.parent / "docs" / "platform.md"

EVERY_VARIABLE = {
    "FLEXT_OBSERVABILITY_SERVICE_NAME": "orders-api",
    "FLEXT_OBSERVABILITY_ENVIRONMENT": "staging",
    "FLEXT_OBSERVABILITY_HOST": "0.0.0.0",  # noqa: S104 - a value under test, nothing listens
    "FLEXT_OBSERVABILITY_PORT": "0",
    "FLEXT_OBSERVABILITY_HEALTH_DETAILS": "yes",
    "FLEXT_OBSERVABILITY_PUSHGATEWAY_URL": "http://gateway:9091/",
    "FLEXT_OBSERVABILITY_PUSHGATEWAY_JOB": "nightly",
    "FLEXT_OBSERVABILITY_ALERTMANAGER_URLS": "http://am-1:9093,https://am-2:9093",
    "FLEXT_OBSERVABILITY_LOG_FORMAT": "LOGFMT",
    "FLEXT_OBSERVABILITY_LOG_LEVEL": "warning",
    "FLEXT_OBSERVABILITY_MAX_SERIES": "50",
    "FLEXT_OBSERVABILITY_SPAN_QUEUE_SIZE": "64",
    "FLEXT_OBSERVABILITY_SPAN_REPOSITORY_SIZE": "10",
    "FLEXT_OBSERVABILITY_STATUS_TRACES": "5",
    "FLEXT_OBSERVABILITY_ALERT_HISTORY": "7",
    "FLEXT_OBSERVABILITY_ALERT_INTERVAL": "0.5",
    "FLEXT_OBSERVABILITY_SHUTDOWN_TIMEOUT": "2",
    "FLEXT_OBSERVABILITY_LOAD_PLUGINS": "off",
}

BAD_VALUES = {
    "FLEXT_OBSERVABILITY_SERVICE_NAME": "a\tb",
    "FLEXT_OBSERVABILITY_HOST": "two words",
    "FLEXT_OBSERVABILITY_PORT": "65536",
    "FLEXT_OBSERVABILITY_HEALTH_DETAILS": "maybe",
    "FLEXT_OBSERVABILITY_PUSHGATEWAY_URL": "gateway:9091",
    "FLEXT_OBSERVABILITY_PUSHGATEWAY_JOB": "x" * 300,
    "FLEXT_OBSERVABILITY_ALERTMANAGER_URLS": "http://am-1:9093,ftp://am-2",
    "FLEXT_OBSERVABILITY_LOG_FORMAT": "xml",
    "FLEXT_OBSERVABILITY_LOG_LEVEL": "loud",
    "FLEXT_OBSERVABILITY_MAX_SERIES": "0",
    "FLEXT_OBSERVABILITY_SPAN_QUEUE_SIZE": "-3",
    "FLEXT_OBSERVABILITY_SPAN_REPOSITORY_SIZE": "1e3",
    "FLEXT_OBSERVABILITY_STATUS_TRACES": "٣",
    "FLEXT_OBSERVABILITY_ALERT_HISTORY": "many",
    "FLEXT_OBSERVABILITY_ALERT_INTERVAL": "nan",
    "FLEXT_OBSERVABILITY_SHUTDOWN_TIMEOUT": "-1",
    "FLEXT_OBSERVABILITY_LOAD_PLUGINS": "perhaps",
}


@pytest.fixture(autouse=True)
def _no_logging_set_up() -> None:
    """Each test leaves the process's logging as it found it."""
    reset_logging()


def test_an_empty_environment_gives_the_defaults() -> None:
    """No variable set gives the documented defaults."""
    settings = parse_platform_environment({}).unwrap()
    assert settings == PlatformSettings()
    assert (settings.service_name, settings.host, settings.port) == (DEFAULT_SERVICE_NAME, "127.0.0.1", 9464)
    assert settings.queue_size == DEFAULT_MAX_QUEUE_SIZE


def test_the_numeric_defaults_agree_with_the_services() -> None:
    """The settings' defaults are the services' own, so an unset variable changes nothing."""
    settings = PlatformSettings()
    assert settings.max_series == DEFAULT_MAX_SERIES
    assert settings.alert_history == DEFAULT_HISTORY
    assert settings.queue_size == DEFAULT_MAX_QUEUE_SIZE


def test_every_variable_is_read() -> None:
    """Each variable reaches its field, normalised."""
    settings = parse_platform_environment(EVERY_VARIABLE).unwrap()
    assert settings == PlatformSettings(
        service_name="orders-api",
        environment="staging",
        host="0.0.0.0",  # noqa: S104 - the value under test
        port=0,
        health_details=True,
        pushgateway_url="http://gateway:9091",
        pushgateway_job="nightly",
        alertmanager_urls=("http://am-1:9093", "https://am-2:9093"),
        log_format="logfmt",
        log_level="warning",
        max_series=50,
        span_queue_size=64,
        span_repository_size=10,
        status_traces=5,
        alert_history=7,
        alert_interval=0.5,
        shutdown_timeout=2.0,
        load_plugins=False,
        tracing=settings.tracing,
    )


def test_every_bad_value_is_reported_at_once_naming_its_variable() -> None:
    """One parse reports one problem per bad variable, each naming it."""
    failure = parse_platform_environment(BAD_VALUES).failure()
    assert sorted(error.field for error in failure.errors) == sorted(BAD_VALUES)


def test_the_lenient_reading_keeps_the_good_values_and_defaults_the_bad() -> None:
    """Bad values fall back to their defaults; good ones beside them are kept."""
    reading = read_platform_environment({**BAD_VALUES, "FLEXT_OBSERVABILITY_ENVIRONMENT": "prod"})
    assert reading.settings == PlatformSettings(environment="prod", tracing=reading.settings.tracing)
    assert len(reading.problems) == len(BAD_VALUES)


def test_a_credential_in_a_bad_url_is_not_repeated() -> None:
    """The problem of a bad URL holding a password shows it redacted."""
    [problem] = (
        parse_platform_environment({"FLEXT_OBSERVABILITY_PUSHGATEWAY_URL": "ftp://user:s3cr3t@gateway"})
        .failure()
        .errors
    )
    assert "s3cr3t" not in problem.message


def test_too_many_alertmanagers_are_refused() -> None:
    """A list longer than the bound is one problem, not a list kept."""
    urls = ",".join(f"http://am-{number}:9093" for number in range(20))
    [problem] = parse_platform_environment({"FLEXT_OBSERVABILITY_ALERTMANAGER_URLS": urls}).failure().errors
    assert problem.field == "FLEXT_OBSERVABILITY_ALERTMANAGER_URLS"


def test_an_environment_that_is_no_mapping_is_a_failure() -> None:
    """Anything but a mapping is a Failure naming environ, never an exception."""
    assert [error.field for error in parse_platform_environment(5).failure().errors] == ["environ"]  # type: ignore[arg-type]


def test_a_value_that_is_not_text_is_reported() -> None:
    """A non-text value of one of the platform's variables is a problem naming it."""
    failure = parse_platform_environment({"FLEXT_OBSERVABILITY_PORT": 9464}).failure()  # type: ignore[dict-item]
    assert [error.field for error in failure.errors] == ["environ['FLEXT_OBSERVABILITY_PORT']"]


def test_service_name_precedence() -> None:
    """The argument wins over FLEXT_OBSERVABILITY_SERVICE_NAME, which wins over OTEL_SERVICE_NAME."""
    both = {"FLEXT_OBSERVABILITY_SERVICE_NAME": "flext-name", "OTEL_SERVICE_NAME": "otel-name"}
    assert parse_platform_environment(both).unwrap().service_name == "flext-name"
    assert parse_platform_environment({"OTEL_SERVICE_NAME": "otel-name"}).unwrap().service_name == "otel-name"
    resource = {"OTEL_RESOURCE_ATTRIBUTES": "service.name=from-resource"}
    assert parse_platform_environment(resource).unwrap().service_name == "from-resource"
    with FlextObservabilityPlatform("argument", environ=both, log_stream=io.StringIO(), load_plugins=False) as platform:
        assert (platform.service_name, platform.tracing.service_name) == ("argument", "argument")
        assert platform.settings.pushgateway_job == "argument"
    with FlextObservabilityPlatform(environ=both, log_stream=io.StringIO(), load_plugins=False) as platform:
        assert platform.service_name == "flext-name"


def test_the_span_queue_size_variable_wins_over_otel() -> None:
    """FLEXT_OBSERVABILITY_SPAN_QUEUE_SIZE wins; OTEL_BSP_MAX_QUEUE_SIZE is used without it."""
    otel = {"OTEL_BSP_MAX_QUEUE_SIZE": "100"}
    assert parse_platform_environment(otel).unwrap().queue_size == 100
    both = {**otel, "FLEXT_OBSERVABILITY_SPAN_QUEUE_SIZE": "30"}
    assert parse_platform_environment(both).unwrap().queue_size == 30


def test_a_strict_platform_raises_listing_every_problem() -> None:
    """strict=True raises ValueError naming each bad variable, its own and OpenTelemetry's."""
    environ = {
        "FLEXT_OBSERVABILITY_PORT": "http",
        "FLEXT_OBSERVABILITY_LOG_LEVEL": "loud",
        "OTEL_TRACES_SAMPLER": "sometimes",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318",
    }
    with pytest.raises(ValueError, match="not valid") as raised:
        FlextObservabilityPlatform(environ=environ, strict=True, log_stream=io.StringIO(), load_plugins=False)
    for name in environ:
        assert name in str(raised.value)


def test_a_lenient_platform_logs_each_problem_and_uses_the_defaults(caplog: pytest.LogCaptureFixture) -> None:
    """Without strict, each bad variable is logged as an error naming it, counted, and replaced by its default."""
    environ = {"FLEXT_OBSERVABILITY_PORT": "http", "OTEL_TRACES_SAMPLER": "sometimes", "OTEL_SERVICE_NAME": "named"}
    with (
        caplog.at_level(logging.ERROR),
        FlextObservabilityPlatform(environ=environ, log_stream=io.StringIO(), load_plugins=False) as platform,
    ):
        assert (platform.settings.port, platform.settings.tracing.sampler) == (9464, "parentbased_always_on")
        assert platform.service_name == "named"
        assert platform.refusals() == {"invalid_environment": 2}
    errors = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert any("FLEXT_OBSERVABILITY_PORT" in message for message in errors)
    assert any("OTEL_TRACES_SAMPLER" in message for message in errors)


def test_given_settings_skip_the_environment() -> None:
    """A PlatformSettings given is used as is; the environment is not read."""
    chosen = PlatformSettings(service_name="given", status_traces=2)
    environ = {"FLEXT_OBSERVABILITY_PORT": "nonsense"}
    with FlextObservabilityPlatform(
        settings=chosen, environ=environ, strict=True, log_stream=io.StringIO(), load_plugins=False
    ) as platform:
        assert platform.settings == chosen


def test_an_otlp_endpoint_in_the_environment_adds_an_exporter() -> None:
    """OTEL_EXPORTER_OTLP_ENDPOINT gives the platform an OTLP exporter besides its memory."""
    environ = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    with FlextObservabilityPlatform(environ=environ, log_stream=io.StringIO(), load_plugins=False) as platform:
        kinds = [type(exporter).__name__ for exporter in platform.tracing.processor.exporters]
    assert kinds == ["InMemorySpanRepository", "FlextOtlpHttpExporter"]


def _documented_table() -> dict[str, str]:
    rows = re.findall(
        r"^\| `(FLEXT_OBSERVABILITY_[A-Z_]+)` \| ([^|]+) \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE
    )
    return {name: default.strip().strip("`") for name, default in rows}


def test_the_docs_table_lists_exactly_the_variables_with_their_defaults() -> None:
    """docs/platform.md lists every FLEXT_OBSERVABILITY_* constant, once, with its default."""
    constants = {name for name in vars(settings_module) if name.startswith("FLEXT_OBSERVABILITY_")}
    assert constants == set(PLATFORM_VARIABLES)
    assert _documented_table() == dict(PLATFORM_DEFAULTS)


def test_every_variable_constant_has_a_docstring_saying_its_default() -> None:
    """Each variable is documented in the module's source with the word Default."""
    source = Path(settings_module.__file__).read_text(encoding="utf-8")
    for name in PLATFORM_VARIABLES:
        documented = re.search(rf'^{name}: Final = "{name}"\n"""(.*?)"""', source, re.DOTALL | re.MULTILINE)
        assert documented is not None, name
        assert "Default" in documented.group(1), name


def test_settings_written_by_hand_are_checked_field_by_field() -> None:
    """Every field of a hand-made PlatformSettings is checked for its type and range; every problem is named."""
    good = PlatformSettings()
    assert check_platform_settings(good).unwrap() is good
    assert check_platform_settings("settings").failure().errors[0].field == "settings"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"host": "a\nb"}, "host"),
        ({"environment": "x" * 5000}, "environment"),
        ({"shutdown_timeout": 0.0}, "shutdown_timeout"),
        ({"alert_interval": float("nan")}, "alert_interval"),
        ({"alert_interval": 10**400}, "alert_interval"),
        ({"max_series": 0}, "max_series"),
        ({"max_series": 10**400}, "max_series"),
        ({"span_queue_size": "big"}, "span_queue_size"),
        ({"alertmanager_urls": ["http://am:9093"]}, "alertmanager_urls"),
        ({"alertmanager_urls": tuple(f"http://am-{n}:9093" for n in range(17))}, "alertmanager_urls"),
        ({"tracing": None}, "tracing"),
    ]
    for changes, field_name in cases:
        failure = check_platform_settings(evolve(good, **changes)).failure()
        assert [error.field for error in failure.errors] == [field_name], changes
    assert check_platform_settings(evolve(good, span_queue_size=None, pushgateway_url=None)).unwrap() is not None
