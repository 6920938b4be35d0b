"""Write docs/api.md from the public faces: every name, its signature and the first line of its docstring.

Run ``python docs/api_page.py`` after changing a face; ``tests/test_public_surface.py``
fails when a face's name is missing from the page.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import sys
from pathlib import Path

FACES = (
    ("flext_observability", "The top level: entities, validation, the factory, the simple API, services, set-up."),
    ("flext_observability.metrics", "Metrics: the service and its instruments, `/metrics`, pushes, pure aggregation."),
    ("flext_observability.tracing", "Tracing: the service, spans, samplers, limits, the processor and exporters."),
    ("flext_observability.propagation", "Propagation: W3C headers, baggage, and context carried across threads."),
    ("flext_observability.logs", "Logs: structlog set-up, correlation, redaction, logfmt, the logging service."),
    ("flext_observability.health", "Health: checks with timeouts, probes, the health+json endpoints, health metrics."),
    ("flext_observability.alerts", "Alerts: rules over the metrics, the lifecycle, sinks, Alertmanager payloads."),
    ("flext_observability.wsgi", "WSGI middleware: request metrics and server spans with bounded labels."),
    ("flext_observability.asgi", "ASGI middleware: request metrics and server spans with bounded labels."),
    (
        "flext_observability.clients",
        "Outgoing calls: client spans, W3C propagation and durations for urllib, requests, httpx.",
    ),
    ("flext_observability.testing", "Test support: a fake clock and fixed ids (strategies in `.testing.strategies`)."),
)


def _summary(value: object) -> str:
    doc = inspect.getdoc(value) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _parameter(parameter: inspect.Parameter) -> str:
    text = parameter.name
    if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
        text = "*" + text
    elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
        text = "**" + text
    if parameter.annotation is not inspect.Parameter.empty:
        text += f": {parameter.annotation}" if isinstance(parameter.annotation, str) else ""
    if parameter.default is not inspect.Parameter.empty:
        default = repr(parameter.default)
        text += f" = {default}" if len(default) <= 40 else " = ..."
    return text


def _signature(name: str, value: object) -> str:
    if inspect.isclass(value) and issubclass(value, enum.Enum):
        members = [repr(member.value) for member in value]
        shown = members if len(members) <= 8 else [*members[:6], f"... ({len(members)} in all)"]
        return f"{name}: " + " | ".join(shown)
    if inspect.isclass(value) and getattr(value, "_is_protocol", False):
        return f"{name} (protocol)"
    if not callable(value):
        text = repr(value)
        return f"{name} = {text}" if len(text) <= 60 else name
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return name
    parts: list[str] = []
    previous: inspect._ParameterKind | None = None
    for parameter in signature.parameters.values():
        if previous is inspect.Parameter.POSITIONAL_ONLY and parameter.kind is not previous:
            parts.append("/")
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and previous not in {
            inspect.Parameter.KEYWORD_ONLY,
            inspect.Parameter.VAR_POSITIONAL,
        }:
            parts.append("*")
        parts.append(_parameter(parameter))
        previous = parameter.kind
    if previous is inspect.Parameter.POSITIONAL_ONLY:
        parts.append("/")
    returned = signature.return_annotation
    arrow = f" -> {returned}" if isinstance(returned, str) and returned != "None" else ""
    return f"{name}({', '.join(parts)}){arrow}"


def _kind(value: object) -> str:
    if inspect.isclass(value):
        return "class"
    if callable(value):
        return "function"
    return "constant"


def render() -> str:
    """The whole page."""
    out = [
        "# API",
        "",
        "Everything a user imports, face by face. The internal `core` and `shell` packages are",
        "not listed: they may move between releases, these names do not (a test pins each face's",
        "`__all__`). This page is written by `python docs/api_page.py`.",
        "",
        "## Errors: what raises, and when",
        "",
        "Calls made while the application runs (recording a sample, logging, starting and ending",
        "spans, propagating headers, exporting, flushing, formatting, parsing, querying) return a",
        '`Failure` or a documented neutral value (`""`, `()`, `None`, `False`, an empty baggage)',
        "and never raise, whatever they are given. Set-up calls (constructors, `configure_logging`,",
        "instrument definitions such as `counter(...)`, decorators, samplers and policies) raise",
        "only a `TypeError` or `ValueError` whose message names the argument, or return a",
        "`Failure`. Python's own `TypeError` for a call that does not match the signature (an",
        "unknown keyword, a missing argument) is the one exception. `tests/test_fuzz_public_api.py`",
        "classifies every public callable as set-up or runtime and fuzzes it with hostile values.",
        "",
    ]
    for module_name, intro in FACES:
        module = importlib.import_module(module_name)
        out += [f"## `{module_name}`", "", intro, ""]
        for name in module.__all__:
            value = getattr(module, name)
            line = _summary(value) if _kind(value) != "constant" else "constant"
            out.append(f"- `{_signature(name, value)}`" + (f": {line}" if line else ""))
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    Path(__file__).with_name("api.md").write_text(render())
    sys.exit(0)
