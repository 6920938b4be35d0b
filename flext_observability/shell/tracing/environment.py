"""The standard ``OTEL_*`` environment, read for tracing: settings, the problems found, and the sampler named.

A bad variable never stops a service: it is left out (which gives it the
OpenTelemetry specification's default), reported as an
:class:`EnvironmentProblem` with its value redacted, and the rest is read
again. :class:`~flext_observability.shell.tracing.service.FlextTracingService`
and the platform both read the environment through this module.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from attrs import evolve, frozen
from returns.result import Failure

from flext_observability.core.checks import describe
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.core.settings import DEFAULT_SERVICE_NAME, TracingSettings, parse_otel_environment
from flext_observability.core.tracing.sampling import Sampler, always_off, always_on, parent_based, trace_id_ratio
from flext_observability.core.tracing.span_limits import clean_name
from flext_observability.shell.library_log import library_logger
from flext_observability.shell.tracing.processor import DEFAULT_MAX_EXPORT_BATCH_SIZE, DEFAULT_MAX_QUEUE_SIZE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_LOG: Final = library_logger("flext_observability.tracing")


def sampler_of(settings: TracingSettings) -> Sampler:
    """The sampler ``settings`` name (``OTEL_TRACES_SAMPLER``, already checked, and its ratio); off when disabled.

    >>> sampler_of(TracingSettings(sampler="parentbased_traceidratio", sampler_ratio=0.25))
    parent_based(trace_id_ratio(0.25))
    >>> sampler_of(TracingSettings(disabled=True))
    always_off()
    """
    if settings.disabled:
        return always_off()
    roots: dict[str, Callable[[], Sampler]] = {
        "always_on": always_on,
        "always_off": always_off,
        "traceidratio": lambda: trace_id_ratio(settings.sampler_ratio),
    }
    name = settings.sampler
    if name.startswith("parentbased_"):
        return parent_based(roots[name.removeprefix("parentbased_")]())
    return roots[name]()


_SPEC_DEFAULTS: Final = {
    "OTEL_SERVICE_NAME": f"service.name of OTEL_RESOURCE_ATTRIBUTES, else {DEFAULT_SERVICE_NAME}",
    "OTEL_RESOURCE_ATTRIBUTES": "no resource attributes",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, else http://localhost:4318/v1/traces",
    "OTEL_EXPORTER_OTLP_HEADERS": "no headers",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_COMPRESSION": "none",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TIMEOUT": "10000",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_TRACES_SAMPLER": "parentbased_always_on",
    "OTEL_TRACES_SAMPLER_ARG": "1.0",
    "OTEL_BSP_SCHEDULE_DELAY": "5000",
    "OTEL_BSP_EXPORT_TIMEOUT": "30000",
    "OTEL_BSP_MAX_QUEUE_SIZE": str(DEFAULT_MAX_QUEUE_SIZE),
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": str(DEFAULT_MAX_EXPORT_BATCH_SIZE),
    "OTEL_SDK_DISABLED": "false",
}
"""Every variable tracing reads, with what the OpenTelemetry specification uses when it is not set."""

_TRACES_FIRST: Final = {
    general: (general.replace("OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_TRACES_"), general)
    for general in ("OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TIMEOUT")
}
"""Problems reported under the general name, and the variables read for it: the traces-specific one wins when set."""

_ENDPOINTS: Final = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_DEFAULT_ENDPOINT: Final = "http://localhost:4318/v1/traces"
_MAX_SHOWN: Final = 200
_MAX_MILLISECONDS: Final = threading.TIMEOUT_MAX * 1000


@frozen(kw_only=True)
class EnvironmentProblem:
    """One ``OTEL_*`` variable that was not valid: its name, its value as shown (redacted), what was wrong."""

    variable: str
    shown: str
    problem: str

    def describe(self) -> str:
        """One line: the variable, its value, what was wrong, and the default used instead."""
        default = _SPEC_DEFAULTS.get(self.variable, "the default")
        return f"{self.variable}={self.shown} is not valid: {self.problem}; the OpenTelemetry default is {default}"


def _shown(name: str, value: str) -> str:
    """``value`` for a message: header values hidden (they carry credentials), other secrets redacted."""
    if name.endswith("_HEADERS"):
        members = [member.partition("=") for member in value.split(",") if member.strip()]
        shown = ",".join(f"{key.strip()}=REDACTED" if equals else "REDACTED" for key, equals, _ in members)
    else:
        shown = redact_text(DEFAULT_POLICY, value)
    return ascii(shown if len(shown) <= _MAX_SHOWN else shown[:_MAX_SHOWN] + "...")


def _variable_read(variables: Mapping[str, str], field: str) -> str | None:
    """The variable a problem reported on ``field`` came from, if it is one of ``variables``."""
    for name in _TRACES_FIRST.get(field, (field,)):
        if variables.get(name):
            return name
    return None


def _set(variables: Mapping[str, str], name: str) -> bool:
    return bool(variables.get(name, "").strip())


def _setting_problems(settings: TracingSettings, variables: Mapping[str, str]) -> list[tuple[str, str]]:
    """What the core's parsing accepts but the service cannot use, as (variable, problem) pairs."""
    found: list[tuple[str, str]] = []
    name = settings.service_name
    if not name or clean_name(name, "") != name:
        source = "OTEL_SERVICE_NAME" if _set(variables, "OTEL_SERVICE_NAME") else "OTEL_RESOURCE_ATTRIBUTES"
        found.append((source, "a service name is non-empty text of at most 255 characters"))
    endpoint = settings.traces_endpoint
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        source = _ENDPOINTS[0] if _set(variables, _ENDPOINTS[0]) else _ENDPOINTS[1]
        found.append((source, "an endpoint is an http:// or https:// URL, such as http://collector:4318"))
    for source, seconds in (
        ("OTEL_EXPORTER_OTLP_TIMEOUT", settings.timeout_seconds),
        ("OTEL_BSP_SCHEDULE_DELAY", settings.schedule_delay_seconds),
        ("OTEL_BSP_EXPORT_TIMEOUT", settings.export_timeout_seconds),
    ):
        if seconds is not None and not 0 < seconds <= threading.TIMEOUT_MAX:
            found.append((source, f"a time is a number of milliseconds above 0 and at most {_MAX_MILLISECONDS:.0f}"))
    queue = settings.max_queue_size or DEFAULT_MAX_QUEUE_SIZE
    if settings.max_export_batch_size is not None and settings.max_export_batch_size > queue:
        found.append(("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", f"a batch may not be larger than the queue ({queue} spans)"))
    if variables.get("OTEL_SDK_DISABLED", "").strip().lower() not in {"", "true", "false"}:
        found.append(("OTEL_SDK_DISABLED", "use true or false"))
    return found


def _otel_variables(environ: object, only: tuple[str, ...] | None) -> tuple[dict[str, str], list[EnvironmentProblem]]:
    """The ``OTEL_*`` variables of ``environ`` (or the ``only`` ones) with text values; the others are problems."""
    if not isinstance(environ, Mapping):
        message = (
            f"environ must be a mapping of variable names to text (os.environ by default), not {describe(environ)}"
        )
        raise TypeError(message)
    variables: dict[str, str] = {}
    problems: list[EnvironmentProblem] = []
    try:
        items = list(environ.items())
    except Exception as error:
        message = f"environ must be a mapping of variable names to text; reading {describe(environ)} failed"
        raise TypeError(message) from error
    for key, value in items:
        # Plain texts only: a str subclass's own comparisons and hash may raise or lie.
        name = str.__str__(key) if isinstance(key, str) else ""
        if not name.startswith("OTEL_") or (only is not None and name not in only):
            continue
        if isinstance(value, str):
            variables[name] = str.__str__(value)
        else:
            problems.append(EnvironmentProblem(variable=name, shown=describe(value), problem="the value is not text"))
    return variables, problems


def _left_out(variables: dict[str, str], found: list[tuple[str, str]]) -> list[EnvironmentProblem]:
    """Take the variables ``found`` blames out of ``variables``; one problem for each."""
    blamed: dict[str, list[str]] = {}
    for field, message in found:
        name = _variable_read(variables, field)
        if name is not None:
            blamed.setdefault(name, []).append(message)
    problems = []
    for name, messages in blamed.items():
        value = variables.pop(name)
        # A header's message could quote its value; say what the format is instead.
        problem = (
            "each member is key=value (values percent-encoded), separated by commas"
            if name.endswith("_HEADERS")
            else redact_text(DEFAULT_POLICY, "; ".join(messages))
        )
        problems.append(EnvironmentProblem(variable=name, shown=_shown(name, value), problem=problem))
    return problems


def read_environment(
    environ: object, *, only: tuple[str, ...] | None = None
) -> tuple[TracingSettings, tuple[EnvironmentProblem, ...]]:
    """The tracing settings of ``environ``, each bad variable replaced by its default, and the problems found.

    Reads the ``OTEL_*`` variables (or the ``only`` ones); never raises but
    for an ``environ`` that is no mapping (a ``TypeError``). Each bad
    variable is left out, which gives it the specification's default, and
    the rest is read again.

    >>> settings, problems = read_environment({"OTEL_TRACES_SAMPLER": "always_onn", "OTEL_SERVICE_NAME": "orders"})
    >>> settings.sampler, settings.service_name, [problem.variable for problem in problems]
    ('parentbased_always_on', 'orders', ['OTEL_TRACES_SAMPLER'])
    """
    variables, problems = _otel_variables(environ, only)
    settings = TracingSettings()
    # Each round leaves at least one variable out, so there are at most as many rounds as variables.
    for _ in range(len(variables) + 1):
        read = parse_otel_environment(variables)
        if isinstance(read, Failure):
            found = [(error.field, error.message) for error in read.failure().errors]
        else:
            settings = read.unwrap()
            found = _setting_problems(settings, variables)
        left_out = _left_out(variables, found)
        if not left_out:
            if isinstance(read, Failure):
                # Blamed on no variable we could leave out: every default is used, and each problem reported.
                problems.extend(
                    EnvironmentProblem(variable=field, shown="?", problem=redact_text(DEFAULT_POLICY, message))
                    for field, message in found
                )
            break
        problems.extend(left_out)
    if settings.traces_endpoint is None and any(problem.variable in _ENDPOINTS for problem in problems):
        settings = evolve(settings, traces_endpoint=_DEFAULT_ENDPOINT)
    return settings, tuple(problems)


def log_problems(problems: Iterable[EnvironmentProblem]) -> None:
    """Log each bad variable as an error (the service starts with the defaults)."""
    for problem in problems:
        _LOG.error("%s", problem.describe())


__all__ = ["EnvironmentProblem", "log_problems", "read_environment", "sampler_of"]
