"""The standard OpenTelemetry environment variables, read as pure data.

Deployments configure every service with the same variables; reading them
here means they configure flext-observability the same way. The shell passes
``os.environ``; this module only parses it, and reports every bad value at
once.

>>> settings = parse_otel_environment({
...     "OTEL_SERVICE_NAME": "orders-pipeline",
...     "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,team=data%20eng",
...     "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
...     "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
...     "OTEL_TRACES_SAMPLER_ARG": "0.25",
... }).unwrap()
>>> settings.service_name, settings.traces_endpoint, settings.sampler, settings.sampler_ratio
('orders-pipeline', 'http://collector:4318/v1/traces', 'parentbased_traceidratio', 0.25)
>>> settings.resource_attributes["team"]
'data eng'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

from attrs import field, frozen
from returns.result import Result, Success

from flext_observability.core.checks import Problems, add, describe, invalid, key_path, read_items
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.headers import percent_decode

if TYPE_CHECKING:
    from collections.abc import Mapping

SAMPLERS: Final = frozenset(
    {
        "always_on",
        "always_off",
        "traceidratio",
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
    },
)
"""The sampler names of the OpenTelemetry specification that this library implements."""

DEFAULT_SERVICE_NAME: Final = "unknown_service:python"


@frozen(kw_only=True)
class TracingSettings:
    """What the environment asks of tracing; ``None`` means "not set, use the default"."""

    service_name: str = DEFAULT_SERVICE_NAME
    resource_attributes: FrozenMap[str, str] = field(default=EMPTY_MAP)
    traces_endpoint: str | None = None
    headers: FrozenMap[str, str] = field(default=EMPTY_MAP)
    compression: str | None = None
    timeout_seconds: float | None = None
    sampler: str = "parentbased_always_on"
    sampler_ratio: float = 1.0
    schedule_delay_seconds: float | None = None
    max_queue_size: int | None = None
    max_export_batch_size: int | None = None
    export_timeout_seconds: float | None = None
    disabled: bool = False


def _pairs(problems: Problems, name: str, text: str) -> FrozenMap[str, str]:
    """``k=v,k2=v2`` with percent-encoded values (the W3C baggage format the spec uses)."""
    pairs: dict[str, str] = {}
    for member in text.split(","):
        if not member.strip():
            continue
        key, equals, value = member.partition("=")
        if not equals or not key.strip():
            add(problems, FlextErrorCode.INVALID_TEXT, name, f"{describe(member)} is not key=value")
            continue
        pairs[percent_decode(key.strip())] = percent_decode(value.strip())
    return FrozenMap.adopt(pairs)


def _number(problems: Problems, name: str, text: str | None, *, scale: float = 1.0) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        add(problems, FlextErrorCode.OUT_OF_RANGE, name, f"{describe(text)} is not a number of zero or more")
        return None
    return number * scale


def _count(problems: Problems, name: str, text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    stripped = text.strip()
    if not stripped.isdigit() or int(stripped) < 1:
        add(problems, FlextErrorCode.OUT_OF_RANGE, name, f"{describe(text)} is not a positive whole number")
        return None
    return int(stripped)


def _endpoint(environ: Mapping[str, str]) -> str | None:
    specific = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if specific:
        return specific  # used as it is, per the specification
    general = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    if general:
        return general.rstrip("/") + "/v1/traces"
    return None


def _sampler(problems: Problems, environ: Mapping[str, str]) -> tuple[str, float]:
    sampler = environ.get("OTEL_TRACES_SAMPLER", "").strip().lower() or "parentbased_always_on"
    if sampler not in SAMPLERS:
        add(
            problems,
            FlextErrorCode.INVALID_CHOICE,
            "OTEL_TRACES_SAMPLER",
            f"{describe(sampler)} is not one of {', '.join(sorted(SAMPLERS))}",
        )
        sampler = "parentbased_always_on"
    ratio = 1.0
    if sampler.endswith("traceidratio"):
        given = _number(problems, "OTEL_TRACES_SAMPLER_ARG", environ.get("OTEL_TRACES_SAMPLER_ARG"))
        if given is not None and given > 1:
            add(problems, FlextErrorCode.OUT_OF_RANGE, "OTEL_TRACES_SAMPLER_ARG", "a ratio is a number from 0 to 1")
        elif given is not None:
            ratio = given
    return sampler, ratio


def _text_variables(problems: Problems, given: object) -> dict[str, str]:
    """The variables of ``given`` named by text; a value that is not text is reported."""
    variables: dict[str, str] = {}
    for name, value in read_items(problems, "environ", given) or ():
        if not isinstance(name, str):
            continue  # no variable of OpenTelemetry's is named by anything but text
        if isinstance(value, str):
            variables[str.__str__(name)] = str.__str__(value)
        else:
            add(problems, FlextErrorCode.WRONG_TYPE, key_path("environ", name), f"expected text, got {describe(value)}")
    return variables


def parse_otel_environment(environ: Mapping[str, str]) -> Result[TracingSettings, FlextValidationError]:
    """Read the OpenTelemetry variables that concern tracing from ``environ``.

    Times given in milliseconds by the specification (``*_TIMEOUT``,
    ``OTEL_BSP_SCHEDULE_DELAY``) come back in seconds. An ``environ`` that
    is not a mapping of text to text is reported, never raised.

    >>> parse_otel_environment(5).failure().codes
    frozenset({<FlextErrorCode.WRONG_TYPE: 'wrong_type'>})
    """
    problems: Problems = []
    environ = _text_variables(problems, environ)
    service = environ.get("OTEL_SERVICE_NAME", "").strip()
    resource = _pairs(problems, "OTEL_RESOURCE_ATTRIBUTES", environ.get("OTEL_RESOURCE_ATTRIBUTES", ""))
    service = service or resource.get("service.name", "") or DEFAULT_SERVICE_NAME
    headers = _pairs(
        problems,
        "OTEL_EXPORTER_OTLP_HEADERS",
        environ.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS") or environ.get("OTEL_EXPORTER_OTLP_HEADERS", ""),
    )
    compression = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION") or environ.get("OTEL_EXPORTER_OTLP_COMPRESSION") or ""
    ).strip().lower() or None
    if compression not in {None, "gzip", "none"}:
        add(problems, FlextErrorCode.INVALID_CHOICE, "OTEL_EXPORTER_OTLP_COMPRESSION", "use gzip or none")
    timeout = _number(
        problems,
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        environ.get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") or environ.get("OTEL_EXPORTER_OTLP_TIMEOUT"),
        scale=0.001,
    )
    sampler, ratio = _sampler(problems, environ)
    settings = TracingSettings(
        service_name=service,
        resource_attributes=resource,
        traces_endpoint=_endpoint(environ),
        headers=headers,
        compression=None if compression == "none" else compression,
        timeout_seconds=timeout,
        sampler=sampler,
        sampler_ratio=ratio,
        schedule_delay_seconds=_number(
            problems, "OTEL_BSP_SCHEDULE_DELAY", environ.get("OTEL_BSP_SCHEDULE_DELAY"), scale=0.001
        ),
        max_queue_size=_count(problems, "OTEL_BSP_MAX_QUEUE_SIZE", environ.get("OTEL_BSP_MAX_QUEUE_SIZE")),
        max_export_batch_size=_count(
            problems, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", environ.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")
        ),
        export_timeout_seconds=_number(
            problems, "OTEL_BSP_EXPORT_TIMEOUT", environ.get("OTEL_BSP_EXPORT_TIMEOUT"), scale=0.001
        ),
        disabled=environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true",
    )
    if problems:
        return invalid("environment", problems)
    return Success(settings)
