"""The checks of the platform's set-up arguments: each mistake raises ``TypeError`` or ``ValueError`` naming it.

The services' own checks are called where one exists (``check_exporters``,
``check_sink``), given the platform's argument name, so a message names
``span_exporters[0]`` or ``alert_sinks[1]`` as the caller wrote it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from returns.result import Failure

from flext_observability.core.checks import describe
from flext_observability.core.errors import FlextErrorCode
from flext_observability.core.settings import check_platform_settings
from flext_observability.core.tracing.span_limits import clean_name
from flext_observability.shell.alerts.routing import AlertRoute, check_sink
from flext_observability.shell.tracing.exporters import SpanExporter
from flext_observability.shell.tracing.processor import check_exporters


def checked_service_name(given: object) -> str | None:
    """``service_name``: ``None`` (read from the settings) or non-empty printable text of at most 255 characters."""
    if given is None:
        return None
    if not isinstance(given, str):
        message = f"service_name must be text or None, not {describe(given)}"
        raise TypeError(message)
    name = str.__str__(given).strip()
    if not name or clean_name(name, "") != name or not name.isprintable():
        message = (
            f"service_name must be non-empty printable text of at most 255 characters, not {describe(given)}; "
            "name the service as its dashboards know it, such as 'orders-api'"
        )
        raise ValueError(message)
    return name


def checked_flag(name: str, given: object) -> bool:
    """The flag ``name``: ``True`` or ``False``, nothing else."""
    if not isinstance(given, bool):
        message = f"{name} must be True or False, not {describe(given)}"
        raise TypeError(message)
    return given


def checked_environ(given: object) -> Mapping[str, str]:
    """``environ``: a mapping of variable names to text, ``os.environ`` for ``None``."""
    if given is None:
        return os.environ
    if not isinstance(given, Mapping):
        message = f"environ must be a mapping of variable names to text (os.environ by default), not {describe(given)}"
        raise TypeError(message)
    return given


def checked_list(name: str, given: object) -> list[object]:
    """The list argument ``name`` read once into a list (``None`` is empty); text is no list."""
    if given is None:
        return []
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        message = f"{name} must be a list, not {describe(given)}"
        raise TypeError(message)
    try:
        return list(given)
    except Exception as error:  # noqa: BLE001 - whatever cannot be read as a list is a set-up mistake to name
        message = f"{name} must be a list; reading {describe(given)} failed: {type(error).__name__}"
        raise TypeError(message) from None


def check_settings_argument(settings: object) -> None:
    """``settings``: ``None`` or a :class:`PlatformSettings` whose every field is valid (each bad one listed)."""
    if settings is None:
        return
    checked = check_platform_settings(settings)
    if isinstance(checked, Failure):
        errors = checked.failure().errors
        listed = "; ".join(f"settings.{error.field}: {error.message}" for error in errors)
        wrong_type = all(error.code is FlextErrorCode.WRONG_TYPE for error in errors)
        raise (TypeError if wrong_type else ValueError)(listed)


def check_log_stream(log_stream: object) -> None:
    """``log_stream``: ``None`` (standard output) or a text stream with ``write``."""
    if log_stream is not None and not callable(getattr(log_stream, "write", None)):
        wanted = "a text stream (with write), or None for standard output"
        message = f"log_stream must be {wanted}, not {describe(log_stream)}"
        raise TypeError(message)


def checked_exporters(span_exporters: object) -> tuple[SpanExporter, ...]:
    """``span_exporters``: span exporters, each with ``export`` and ``shutdown``."""
    return check_exporters(checked_list("span_exporters", span_exporters), argument="span_exporters")


def checked_sinks(alert_sinks: object) -> list[object]:
    """``alert_sinks``: alert sinks or routes made with ``alert_route``."""
    sinks = checked_list("alert_sinks", alert_sinks)
    for index, sink in enumerate(sinks):
        if not isinstance(sink, AlertRoute):
            check_sink(sink, f"alert_sinks[{index}]")
    return sinks
