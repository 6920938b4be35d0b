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

The platform's own ``FLEXT_OBSERVABILITY_*`` variables are read here too,
by :func:`parse_platform_environment` (every problem at once, or the
settings) and :func:`read_platform_environment` (the settings with each bad
value replaced by its default, and the problems). Each variable is a
constant of this module whose docstring says what it means and its default;
:data:`PLATFORM_DEFAULTS` holds the defaults as the documentation shows them.

>>> platform = parse_platform_environment({
...     "FLEXT_OBSERVABILITY_SERVICE_NAME": "orders-api",
...     "OTEL_SERVICE_NAME": "ignored-here",
...     "FLEXT_OBSERVABILITY_ALERTMANAGER_URLS": "http://am-1:9093, http://am-2:9093",
... }).unwrap()
>>> platform.service_name, platform.alertmanager_urls, platform.port
('orders-api', ('http://am-1:9093', 'http://am-2:9093'), 9464)
>>> [error.field for error in parse_platform_environment({"FLEXT_OBSERVABILITY_PORT": "http"}).failure().errors]
['FLEXT_OBSERVABILITY_PORT']
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

from attrs import field, frozen
from returns.result import Result, Success

from flext_observability.core.checks import Problems, add, check_text, describe, invalid, key_path, read_items
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.headers import percent_decode
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

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


_MAX_DIGITS: Final = 18
"""The longest whole number read from a variable: every bound here has fewer digits."""


def _count(problems: Problems, name: str, text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    stripped = text.strip()
    # ASCII digits only ("²" is a digit to isdigit(), not to int()), and few enough for int() to read.
    if not stripped.isascii() or not stripped.isdigit() or len(stripped) > _MAX_DIGITS or int(stripped) < 1:
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


# --- the platform's own variables -----------------------------------------------

FLEXT_OBSERVABILITY_SERVICE_NAME: Final = "FLEXT_OBSERVABILITY_SERVICE_NAME"
"""The service's name on every signal (metrics' ``service`` facts, spans' ``service.name``, log lines).

Default: ``OTEL_SERVICE_NAME``, else ``service.name`` in
``OTEL_RESOURCE_ATTRIBUTES``, else ``unknown_service:python``. When both are
set this variable wins over ``OTEL_SERVICE_NAME``: the more specific setting
wins, as ``OTEL_EXPORTER_OTLP_TRACES_*`` wins over ``OTEL_EXPORTER_OTLP_*``.
"""

FLEXT_OBSERVABILITY_ENVIRONMENT: Final = "FLEXT_OBSERVABILITY_ENVIRONMENT"
"""The deployment environment (``production``, ``staging``, ...): the spans' ``deployment.environment.name``.

Default: not set (no such attribute, unless ``OTEL_RESOURCE_ATTRIBUTES`` gives one).
"""

FLEXT_OBSERVABILITY_HOST: Final = "FLEXT_OBSERVABILITY_HOST"
"""The address ``serve()`` listens on. Default: ``127.0.0.1`` (loopback; ``0.0.0.0`` must be asked for)."""

FLEXT_OBSERVABILITY_PORT: Final = "FLEXT_OBSERVABILITY_PORT"
"""The port ``serve()`` listens on, 0 to 65535 (0 picks a free one). Default: ``9464``."""

FLEXT_OBSERVABILITY_HEALTH_DETAILS: Final = "FLEXT_OBSERVABILITY_HEALTH_DETAILS"
"""Whether the health endpoints show check outputs and observed values (``true``/``false``). Default: ``false``."""

FLEXT_OBSERVABILITY_PUSHGATEWAY_URL: Final = "FLEXT_OBSERVABILITY_PUSHGATEWAY_URL"
"""A Pushgateway (``http://gateway:9091``) that ``shutdown()`` pushes the metrics to. Default: not set (no push)."""

FLEXT_OBSERVABILITY_PUSHGATEWAY_JOB: Final = "FLEXT_OBSERVABILITY_PUSHGATEWAY_JOB"
"""The ``job`` the Pushgateway files the push under. Default: the service name."""

FLEXT_OBSERVABILITY_ALERTMANAGER_URLS: Final = "FLEXT_OBSERVABILITY_ALERTMANAGER_URLS"
"""Alertmanagers that receive the alerts, comma-separated (an HA pair gets each alert twice). Default: not set."""

FLEXT_OBSERVABILITY_LOG_FORMAT: Final = "FLEXT_OBSERVABILITY_LOG_FORMAT"
"""The log line format: ``json``, ``logfmt`` or ``console``. Default: ``console`` on a terminal, else ``json``."""

FLEXT_OBSERVABILITY_LOG_LEVEL: Final = "FLEXT_OBSERVABILITY_LOG_LEVEL"
"""The least severe level written: ``debug``, ``info``, ``warning``, ``error`` or ``critical``. Default: ``info``."""

FLEXT_OBSERVABILITY_MAX_SERIES: Final = "FLEXT_OBSERVABILITY_MAX_SERIES"
"""Label sets one metric keeps before new ones go to its overflow series. Default: ``2000``."""

FLEXT_OBSERVABILITY_SPAN_QUEUE_SIZE: Final = "FLEXT_OBSERVABILITY_SPAN_QUEUE_SIZE"
"""Ended spans waiting for export at most; more are dropped and counted.

Default: ``OTEL_BSP_MAX_QUEUE_SIZE``, else ``2048``; this variable wins when both are set.
"""

FLEXT_OBSERVABILITY_SPAN_REPOSITORY_SIZE: Final = "FLEXT_OBSERVABILITY_SPAN_REPOSITORY_SIZE"
"""Recent spans the platform keeps in memory for ``/status`` (older traces are dropped). Default: ``1000``."""

FLEXT_OBSERVABILITY_STATUS_TRACES: Final = "FLEXT_OBSERVABILITY_STATUS_TRACES"
"""The most recent traces ``/status`` shows. Default: ``20``."""

FLEXT_OBSERVABILITY_ALERT_HISTORY: Final = "FLEXT_OBSERVABILITY_ALERT_HISTORY"
"""Alert events (firing, resolved) kept for queries. Default: ``10000``."""

FLEXT_OBSERVABILITY_ALERT_INTERVAL: Final = "FLEXT_OBSERVABILITY_ALERT_INTERVAL"
"""Seconds between two evaluations of the alert rules once ``start()`` ran. Default: ``15``."""

FLEXT_OBSERVABILITY_SHUTDOWN_TIMEOUT: Final = "FLEXT_OBSERVABILITY_SHUTDOWN_TIMEOUT"
"""Seconds the shutdown at interpreter exit may take in all, 0 to 3600. Default: ``5``."""

FLEXT_OBSERVABILITY_LOAD_PLUGINS: Final = "FLEXT_OBSERVABILITY_LOAD_PLUGINS"
"""Whether plugins of the entry-point group ``flext_observability.plugins`` are loaded. Default: ``true``."""

PLATFORM_DEFAULTS: Final = FrozenMap.adopt(
    {
        FLEXT_OBSERVABILITY_SERVICE_NAME: f"OTEL_SERVICE_NAME, else {DEFAULT_SERVICE_NAME}",
        FLEXT_OBSERVABILITY_ENVIRONMENT: "not set",
        FLEXT_OBSERVABILITY_HOST: "127.0.0.1",
        FLEXT_OBSERVABILITY_PORT: "9464",
        FLEXT_OBSERVABILITY_HEALTH_DETAILS: "false",
        FLEXT_OBSERVABILITY_PUSHGATEWAY_URL: "not set",
        FLEXT_OBSERVABILITY_PUSHGATEWAY_JOB: "the service name",
        FLEXT_OBSERVABILITY_ALERTMANAGER_URLS: "not set",
        FLEXT_OBSERVABILITY_LOG_FORMAT: "console on a terminal, else json",
        FLEXT_OBSERVABILITY_LOG_LEVEL: "info",
        FLEXT_OBSERVABILITY_MAX_SERIES: "2000",
        FLEXT_OBSERVABILITY_SPAN_QUEUE_SIZE: "OTEL_BSP_MAX_QUEUE_SIZE, else 2048",
        FLEXT_OBSERVABILITY_SPAN_REPOSITORY_SIZE: "1000",
        FLEXT_OBSERVABILITY_STATUS_TRACES: "20",
        FLEXT_OBSERVABILITY_ALERT_HISTORY: "10000",
        FLEXT_OBSERVABILITY_ALERT_INTERVAL: "15",
        FLEXT_OBSERVABILITY_SHUTDOWN_TIMEOUT: "5",
        FLEXT_OBSERVABILITY_LOAD_PLUGINS: "true",
    }
)
"""Every ``FLEXT_OBSERVABILITY_*`` variable, with its default as ``docs/platform.md`` shows it."""

PLATFORM_VARIABLES: Final = tuple(PLATFORM_DEFAULTS)
"""The names of the platform's variables, in the order of the documentation."""

NAMING_VARIABLES: Final = frozenset(
    {FLEXT_OBSERVABILITY_SERVICE_NAME, FLEXT_OBSERVABILITY_ENVIRONMENT, "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"}
)
"""The variables that only name the service: what a platform that sends nothing still reads."""

LOG_FORMATS: Final = ("json", "logfmt", "console")
"""The values of ``FLEXT_OBSERVABILITY_LOG_FORMAT``."""
LOG_LEVELS: Final = ("debug", "info", "warning", "error", "critical")
"""The values of ``FLEXT_OBSERVABILITY_LOG_LEVEL``, least severe first."""

DEFAULT_PORT: Final = 9464
DEFAULT_SPAN_QUEUE_SIZE: Final = 2048
MAX_ALERTMANAGERS: Final = 16
"""Alertmanager URLs one variable may list."""

_MAX_PORT: Final = 65535
_MAX_COUNT: Final = 1_000_000
_MAX_HOST: Final = 253
_MAX_URL: Final = 2048
_BOOLEANS: Final = {
    "true": True,
    "1": True,
    "yes": True,
    "on": True,
    "false": False,
    "0": False,
    "no": False,
    "off": False,
}


@frozen(kw_only=True)
class PlatformSettings:
    """Everything the environment asks of a platform: its own variables, resolved, and the ``OTEL_*`` ones.

    ``service_name`` is the resolved name (see
    :data:`FLEXT_OBSERVABILITY_SERVICE_NAME`); ``tracing`` holds what the
    ``OTEL_*`` variables said. ``log_format`` ``None`` means "pick by the stream";
    ``span_queue_size`` ``None`` means "``OTEL_BSP_MAX_QUEUE_SIZE``, else 2048".
    """

    service_name: str = DEFAULT_SERVICE_NAME
    environment: str = ""
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    health_details: bool = False
    pushgateway_url: str | None = None
    pushgateway_job: str = DEFAULT_SERVICE_NAME
    alertmanager_urls: tuple[str, ...] = ()
    log_format: str | None = None
    log_level: str = "info"
    max_series: int = 2000
    span_queue_size: int | None = None
    span_repository_size: int = 1000
    status_traces: int = 20
    alert_history: int = 10_000
    alert_interval: float = 15.0
    shutdown_timeout: float = 5.0
    load_plugins: bool = True
    tracing: TracingSettings = field(factory=TracingSettings)

    @property
    def queue_size(self) -> int:
        """The span queue's size: this setting, else ``OTEL_BSP_MAX_QUEUE_SIZE``, else 2048."""
        return self.span_queue_size or self.tracing.max_queue_size or DEFAULT_SPAN_QUEUE_SIZE


_SETTING_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "service_name": (str,),
    "environment": (str,),
    "host": (str,),
    "port": (int,),
    "health_details": (bool,),
    "pushgateway_url": (str, type(None)),
    "pushgateway_job": (str,),
    "log_format": (str, type(None)),
    "log_level": (str,),
    "max_series": (int,),
    "span_queue_size": (int, type(None)),
    "span_repository_size": (int,),
    "status_traces": (int,),
    "alert_history": (int,),
    "alert_interval": (float, int),
    "shutdown_timeout": (float, int),
    "load_plugins": (bool,),
}
_MAX_SETTING_INT: Final = 10_000_000
_MAX_SETTING_SECONDS: Final = 86_400.0


def check_platform_settings(settings: object) -> Result[PlatformSettings, FlextValidationError]:
    """``settings`` when it is a ``PlatformSettings`` whose fields have their types and ranges; else every problem.

    What :func:`parse_platform_environment` makes always passes; a
    ``PlatformSettings`` written by hand (or changed with ``attrs.evolve``)
    is checked field by field, so that a platform never runs on a value no
    variable could have given.

    >>> print(check_platform_settings(PlatformSettings(port=-1, load_plugins="yes")).failure())
    invalid settings: port: must be from 0 to 65535, got -1 [out_of_range]
      load_plugins: must be of type bool, got 'yes' [wrong_type]
    """
    if type(settings) is not PlatformSettings:
        return invalid(
            "settings",
            [
                _problem(
                    "settings", f"must be a PlatformSettings (see parse_platform_environment), got {describe(settings)}"
                )
            ],
        )
    problems: Problems = []
    for name, kinds in _SETTING_TYPES.items():
        value: object = getattr(settings, name)
        if type(value) not in kinds:
            wanted = " or ".join("None" if kind is type(None) else kind.__name__ for kind in kinds)
            add(problems, FlextErrorCode.WRONG_TYPE, name, f"must be of type {wanted}, got {describe(value)}")
            continue
        _check_setting_range(problems, name, value)
    urls: object = settings.alertmanager_urls
    if type(urls) is not tuple or not all(type(url) is str for url in urls) or len(urls) > MAX_ALERTMANAGERS:
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            "alertmanager_urls",
            f"must be a tuple of at most {MAX_ALERTMANAGERS} URLs (text), got {describe(urls)}",
        )
    tracing: object = settings.tracing
    if type(tracing) is not TracingSettings:
        add(problems, FlextErrorCode.WRONG_TYPE, "tracing", f"must be a TracingSettings, got {describe(tracing)}")
    if problems:
        return invalid("settings", problems)
    return Success(settings)


def _problem(field: str, message: str) -> FlextFieldError:
    return FlextFieldError(code=FlextErrorCode.WRONG_TYPE, field=field, message=message)


def _check_setting_range(problems: Problems, name: str, value: object) -> None:
    if type(value) is str:
        if len(value) > _MAX_URL or not value.isprintable():
            add(problems, FlextErrorCode.INVALID_TEXT, name, f"must be printable text of at most {_MAX_URL} characters")
        return
    if type(value) is not int and type(value) is not float:
        return  # None and booleans: their type was all there was to check
    number: float = value
    if name in {"alert_interval", "shutdown_timeout"}:
        if not 0 < number <= _MAX_SETTING_SECONDS:  # NaN fails this too
            add(problems, FlextErrorCode.OUT_OF_RANGE, name, f"must be above 0 and at most {_MAX_SETTING_SECONDS:g} s")
        return
    least, most = (0, _MAX_PORT) if name == "port" else (1, _MAX_SETTING_INT)
    if not least <= number <= most:
        shown = number if abs(number) < _MAX_SETTING_INT * 1000 else "a larger number"
        add(problems, FlextErrorCode.OUT_OF_RANGE, name, f"must be from {least} to {most}, got {shown}")


@frozen(kw_only=True)
class PlatformReading:
    """The settings an environment gives, each bad value replaced by its default, and what was wrong."""

    settings: PlatformSettings
    problems: tuple[FlextFieldError, ...]


def _text_of(problems: Problems, name: str, text: str, *, allow_empty: bool = False) -> str | None:
    checked = check_text(problems, name, text.strip(), allow_empty=allow_empty)
    if checked is not None and not checked.isprintable():
        add(problems, FlextErrorCode.INVALID_TEXT, name, "must hold no control characters (newlines, tabs, ...)")
        return None
    return checked


def _whole(problems: Problems, name: str, text: str, least: int, most: int) -> int | None:
    stripped = text.strip()
    if (
        not stripped.isascii()
        or not stripped.isdigit()
        or len(stripped) > _MAX_DIGITS
        or not least <= int(stripped) <= most
    ):
        shown = describe(redact_text(DEFAULT_POLICY, text))
        add(problems, FlextErrorCode.OUT_OF_RANGE, name, f"{shown} is not a whole number from {least} to {most}")
        return None
    return int(stripped)


def _seconds(problems: Problems, name: str, text: str, *, least: float, most: float) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        number = math.nan
    if not least <= number <= most:  # NaN is in no range
        shown = describe(redact_text(DEFAULT_POLICY, text))
        add(
            problems,
            FlextErrorCode.OUT_OF_RANGE,
            name,
            f"{shown} is not a number of seconds from {least:g} to {most:g}",
        )
        return None
    return number


def _flag(problems: Problems, name: str, text: str) -> bool | None:
    flag = _BOOLEANS.get(text.strip().lower())
    if flag is None:
        add(problems, FlextErrorCode.INVALID_CHOICE, name, f"{describe(text)} is not true or false")
    return flag


def _choice(problems: Problems, name: str, text: str, choices: tuple[str, ...]) -> str | None:
    chosen = text.strip().lower()
    if chosen not in choices:
        add(problems, FlextErrorCode.INVALID_CHOICE, name, f"{describe(text)} is not one of {', '.join(choices)}")
        return None
    return chosen


def _url(problems: Problems, name: str, text: str) -> str | None:
    url = text.strip().rstrip("/")
    scheme, separator, rest = url.partition("://")
    host = rest.split("/", 1)[0].rpartition("@")[2]
    if (
        not separator
        or scheme.lower() not in {"http", "https"}
        or not host
        or len(url) > _MAX_URL
        or not url.isprintable()
        or any(character.isspace() for character in url)
    ):
        shown = describe(redact_text(DEFAULT_POLICY, text))
        add(problems, FlextErrorCode.INVALID_TEXT, name, f"{shown} is not an http:// or https:// URL with a host")
        return None
    return url


def _urls(problems: Problems, name: str, text: str) -> tuple[str, ...] | None:
    members = [member for member in text.split(",") if member.strip()]
    if len(members) > MAX_ALERTMANAGERS:
        add(problems, FlextErrorCode.TOO_MANY, name, f"lists {len(members)} URLs; list at most {MAX_ALERTMANAGERS}")
        return None
    before = len(problems)
    urls = tuple(_url(problems, name, member) for member in members)
    if len(problems) > before:
        return None
    return tuple(url for url in urls if url is not None)


def _host(problems: Problems, name: str, text: str) -> str | None:
    host = text.strip()
    if not host or len(host) > _MAX_HOST or not host.isprintable() or any(char.isspace() for char in host):
        add(problems, FlextErrorCode.INVALID_TEXT, name, f"{describe(text)} is not a host name or address")
        return None
    return host


def _platform_values(problems: Problems, environ: Mapping[str, str]) -> dict[str, object]:
    """The ``FLEXT_OBSERVABILITY_*`` values of ``environ`` that are set and valid, by field name."""
    readers: dict[str, tuple[str, Callable[[Problems, str, str], object]]] = {
        FLEXT_OBSERVABILITY_SERVICE_NAME: ("service_name", _text_of),
        FLEXT_OBSERVABILITY_ENVIRONMENT: ("environment", lambda p, n, t: _text_of(p, n, t, allow_empty=True)),
        FLEXT_OBSERVABILITY_HOST: ("host", _host),
        FLEXT_OBSERVABILITY_PORT: ("port", lambda p, n, t: _whole(p, n, t, 0, _MAX_PORT)),
        FLEXT_OBSERVABILITY_HEALTH_DETAILS: ("health_details", _flag),
        FLEXT_OBSERVABILITY_PUSHGATEWAY_URL: ("pushgateway_url", _url),
        FLEXT_OBSERVABILITY_PUSHGATEWAY_JOB: ("pushgateway_job", _text_of),
        FLEXT_OBSERVABILITY_ALERTMANAGER_URLS: ("alertmanager_urls", _urls),
        FLEXT_OBSERVABILITY_LOG_FORMAT: ("log_format", lambda p, n, t: _choice(p, n, t, LOG_FORMATS)),
        FLEXT_OBSERVABILITY_LOG_LEVEL: ("log_level", lambda p, n, t: _choice(p, n, t, LOG_LEVELS)),
        FLEXT_OBSERVABILITY_MAX_SERIES: ("max_series", lambda p, n, t: _whole(p, n, t, 1, _MAX_COUNT)),
        FLEXT_OBSERVABILITY_SPAN_QUEUE_SIZE: ("span_queue_size", lambda p, n, t: _whole(p, n, t, 1, _MAX_COUNT)),
        FLEXT_OBSERVABILITY_SPAN_REPOSITORY_SIZE: (
            "span_repository_size",
            lambda p, n, t: _whole(p, n, t, 1, 100_000),
        ),
        FLEXT_OBSERVABILITY_STATUS_TRACES: ("status_traces", lambda p, n, t: _whole(p, n, t, 1, 1000)),
        FLEXT_OBSERVABILITY_ALERT_HISTORY: ("alert_history", lambda p, n, t: _whole(p, n, t, 1, _MAX_COUNT)),
        FLEXT_OBSERVABILITY_ALERT_INTERVAL: (
            "alert_interval",
            lambda p, n, t: _seconds(p, n, t, least=0.01, most=86_400.0),
        ),
        FLEXT_OBSERVABILITY_SHUTDOWN_TIMEOUT: (
            "shutdown_timeout",
            lambda p, n, t: _seconds(p, n, t, least=0.0, most=3600.0),
        ),
        FLEXT_OBSERVABILITY_LOAD_PLUGINS: ("load_plugins", _flag),
    }
    values: dict[str, object] = {}
    for name, (field_name, read) in readers.items():
        text = environ.get(name)
        # An empty variable is one not set: shells and container specs write ``NAME=`` for "no value".
        if text is None or (not text.strip() and name != FLEXT_OBSERVABILITY_ENVIRONMENT):
            continue
        value = read(problems, name, text)
        if value is not None:
            values[field_name] = value
    return values


def _otel_blamed(field_name: str) -> tuple[str, ...]:
    """The variables a problem ``parse_otel_environment`` reported on ``field_name`` may come from."""
    if field_name.startswith("OTEL_EXPORTER_OTLP_"):
        return (field_name, field_name.replace("OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_TRACES_", 1))
    return (field_name,)


def _otel_with_defaults(problems: Problems, variables: dict[str, str]) -> TracingSettings:
    """The tracing settings of ``variables``, each variable blamed for a problem left out (its default used)."""
    otel = {name: value for name, value in variables.items() if name.startswith("OTEL_")}
    seen: set[FlextFieldError] = set()
    # Each round leaves out at least one variable (all of them when no problem names one), so the
    # rounds end; with no variable left, the defaults parse.
    while True:
        parsed = parse_otel_environment(otel)
        if isinstance(parsed, Success) or not otel:
            return parsed.value_or(TracingSettings())
        errors = parsed.failure().errors
        problems.extend(error for error in errors if error not in seen)
        seen.update(errors)
        blamed = {name for error in errors for name in _otel_blamed(error.field) if name in otel}
        for name in blamed or set(otel):
            del otel[name]


def read_platform_environment(environ: Mapping[str, str]) -> PlatformReading:
    """The platform's settings from ``environ``, each bad value replaced by its default, and every problem.

    Total: whatever ``environ`` holds, the settings come back; each problem
    names the variable (``environ[...]`` for a value that is not text).

    >>> reading = read_platform_environment({"FLEXT_OBSERVABILITY_PORT": "99999", "OTEL_TRACES_SAMPLER": "often"})
    >>> reading.settings.port, reading.settings.tracing.sampler
    (9464, 'parentbased_always_on')
    >>> sorted(problem.field for problem in reading.problems)
    ['FLEXT_OBSERVABILITY_PORT', 'OTEL_TRACES_SAMPLER']
    """
    problems: Problems = []
    variables = _text_variables(problems, environ)
    tracing = _otel_with_defaults(problems, variables)
    values = _platform_values(problems, variables)
    service = values.pop("service_name", None)
    service_name = service if isinstance(service, str) else tracing.service_name
    job = values.pop("pushgateway_job", None)
    settings = PlatformSettings(
        service_name=service_name,
        pushgateway_job=job if isinstance(job, str) else service_name,
        tracing=tracing,
        **values,  # type: ignore[arg-type]
    )
    return PlatformReading(settings=settings, problems=tuple(problems))


def parse_platform_environment(environ: Mapping[str, str]) -> Result[PlatformSettings, FlextValidationError]:
    """The platform's settings from ``environ`` (its variables and the ``OTEL_*`` ones), or every problem at once.

    >>> print(parse_platform_environment({"FLEXT_OBSERVABILITY_LOG_LEVEL": "loud"}).failure().errors[0])
    FLEXT_OBSERVABILITY_LOG_LEVEL: 'loud' is not one of debug, info, warning, error, critical [invalid_choice]
    """
    reading = read_platform_environment(environ)
    if reading.problems:
        return invalid("environment", reading.problems)
    return Success(reading.settings)
