"""Properties of the platform's settings: total, every problem named, strict and lenient agreeing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.settings import (
    PLATFORM_VARIABLES,
    PlatformSettings,
    parse_platform_environment,
    read_platform_environment,
)

_OTEL = (
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
)
_NAMES = st.sampled_from(PLATFORM_VARIABLES + _OTEL)
_VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(-5, 70_000).map(str),
    st.sampled_from(["true", "off", "json", "debug", "http://h:1", "http://a:1,https://b:2", "1e3", "nan", " "]),
)
_ENVIRONS = st.dictionaries(_NAMES, _VALUES, max_size=12)


@given(_ENVIRONS)
def test_reading_is_total_and_names_each_problem(environ: dict[str, str]) -> None:
    """Whatever the values, reading returns settings, and each problem names a variable that was given."""
    reading = read_platform_environment(environ)
    assert isinstance(reading.settings, PlatformSettings)
    for problem in reading.problems:
        assert problem.field in environ


@given(_ENVIRONS)
def test_strict_and_lenient_readings_agree(environ: dict[str, str]) -> None:
    """The strict parse succeeds exactly when the lenient reading found nothing wrong, with the same settings."""
    reading = read_platform_environment(environ)
    parsed = parse_platform_environment(environ)
    if reading.problems:
        assert parsed.failure().errors == reading.problems
    else:
        assert parsed.unwrap() == reading.settings


@given(_ENVIRONS, st.text(max_size=10).map(lambda name: "APP_" + name))
def test_other_variables_change_nothing(environ: dict[str, str], other: str) -> None:
    """A variable that is neither the platform's nor OpenTelemetry's is ignored, whatever its value."""
    assert read_platform_environment({**environ, other: "x"}) == read_platform_environment(environ)


@given(st.integers(0, 65535))
def test_every_port_reads_back(port: int) -> None:
    """Each valid port number is read as itself."""
    assert parse_platform_environment({"FLEXT_OBSERVABILITY_PORT": f" {port} "}).unwrap().port == port


@given(st.integers().filter(lambda number: not 0 <= number <= 65535))
def test_every_port_out_of_range_is_refused(port: int) -> None:
    """A number outside 0 to 65535 is a problem naming the variable, and the default port is kept."""
    reading = read_platform_environment({"FLEXT_OBSERVABILITY_PORT": str(port)})
    assert [problem.field for problem in reading.problems] == ["FLEXT_OBSERVABILITY_PORT"]
    assert reading.settings.port == PlatformSettings().port


@given(st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), min_size=1, max_size=16))
def test_alertmanager_lists_read_back_in_order(hosts: list[str]) -> None:
    """A comma-separated list of URLs reads back as the same URLs, in order, without trailing slashes."""
    urls = [f"http://{host}:9093/" for host in hosts]
    settings = parse_platform_environment({"FLEXT_OBSERVABILITY_ALERTMANAGER_URLS": " , ".join(urls)}).unwrap()
    assert settings.alertmanager_urls == tuple(url.rstrip("/") for url in urls)


@given(st.text(min_size=1, max_size=40).filter(lambda text: text.strip() == text and text.isprintable()))
def test_the_platform_name_wins_over_the_otel_name(name: str) -> None:
    """A valid FLEXT_OBSERVABILITY_SERVICE_NAME is the service name whatever OTEL_SERVICE_NAME says."""
    environ = {"FLEXT_OBSERVABILITY_SERVICE_NAME": name, "OTEL_SERVICE_NAME": "otel-name"}
    settings = parse_platform_environment(environ).unwrap()
    assert (settings.service_name, settings.pushgateway_job) == (name, name)
