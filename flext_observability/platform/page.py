r"""``GET /``: the status page, one self-contained HTML page of what the platform knows now.

The page is rendered on the server from the ``/status`` document (already
bounded and redacted, see :mod:`flext_observability.platform.status`) and
from the metrics service's snapshot. It shows the service, its health
checks, the alerts firing and pending, the recent traces as waterfalls of
spans, the first metric series with their values, and the platform's
counters. It refreshes itself every few seconds with a ``<meta>`` refresh.

What keeps it safe to open:

- every value written into the page, in text or in an attribute, goes
  through :func:`html.escape` with ``quote=True``, after control and
  direction-changing characters are made visible (an escape character
  shows as the text ``\x1b``); class names come from fixed tables, and the numbers in
  style attributes are computed here;
- metric label names, values and help texts pass the redaction policy, as
  the ``/status`` document does;
- the page holds no script and loads nothing: no stylesheet, font or image
  from anywhere, so it works offline; its ``Content-Security-Policy`` allows
  inline styles and nothing else, so even an escaping mistake could run no
  script and make no request;
- it is bounded: each text is cut to :data:`MAX_PAGE_TEXT` characters, each
  section has a byte budget, at most :data:`MAX_SERIES_SHOWN` metric series
  are listed, and the whole page stays under :data:`MAX_PAGE_BYTES`. What is
  left out is counted on the page.

A failure while rendering answers 503 with a minimal page (the error goes to
the library's log, never to the client); a method other than ``GET`` and
``HEAD`` answers 405.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from flext_observability.core.metrics.aggregation import CounterState, GaugeState, HistogramState
from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, redact_text
from flext_observability.platform.status import answer_read
from flext_observability.shell.library_log import library_logger

if TYPE_CHECKING:
    from flext_observability.core.metrics.exposition import FamilySnapshot, MetricsSnapshot

    StartResponse = Callable[..., Any]

_LOG: Final = library_logger("flext_observability.platform")

PAGE_PATH: Final = "/"
PAGE_HTML: Final = "text/html; charset=utf-8"
PAGE_CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The page's Content-Security-Policy: inline styles, and nothing else at all."""
REFRESH_SECONDS: Final = 5
"""Seconds between two loads of the page (its ``<meta http-equiv="refresh">``)."""
MAX_PAGE_TEXT: Final = 200
"""Characters of any one text shown on the page at most."""
MAX_SERIES_SHOWN: Final = 200
"""Metric series listed at most; the page says how many more there are."""
MAX_LABELS_SHOWN: Final = 20
"""Labels shown per alert or series at most."""
MAX_DEPTH_SHOWN: Final = 24
"""Levels of nesting a waterfall indents at most."""
MAX_COUNTERS_SHOWN: Final = 200
"""Counter rows shown at most."""

SECTION_BYTES: Final = {
    "health": 96_000,
    "alerts": 160_000,
    "traces": 480_000,
    "metrics": 160_000,
    "counters": 48_000,
}
"""Bytes each section of the page may take; rows beyond it are left out and counted."""
MAX_PAGE_BYTES: Final = sum(SECTION_BYTES.values()) + 64_000
"""The most bytes a page takes: the sections' budgets, and the header, style and footer."""

_FAILED_PAGE: Final = (
    b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Status unavailable</title></head>'
    b"<body><h1>Status unavailable</h1><p>The status page could not be built; the application log says why.</p>"
    b"</body></html>\n"
)

# C0 and C1 controls (but tab and line feed), DEL, lone surrogates, and the characters that reorder
# or hide text (bidirectional overrides and isolates, zero-width marks).
_INVISIBLE: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
_STATUS_CLASSES: Final = {"pass": "pass", "warn": "warn", "fail": "fail"}
_SEVERITY_CLASSES: Final = {"info": "info", "warning": "warn", "error": "fail", "critical": "crit"}
_SPAN_CLASSES: Final = {"ok": "ok", "error": "fail", "unset": "unset"}
_CROSS: Final = "\u2715 "

_FOOTER: Final = (
    '<footer>The same data as JSON: <a href="status">status</a>; metrics: <a href="metrics">metrics</a>; '
    'health: <a href="health">health</a>. Every text passed the redaction policy.</footer>'
)
_STYLE: Final = """
:root{color-scheme:light dark;--bg:#f6f7f9;--fg:#1d2329;--muted:#5d6874;--card:#fff;--line:#dde2e7;
--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--crit:#8250df;--info:#0969da;--bar:#4c8dd6;--track:#eef1f4}
@media (prefers-color-scheme:dark){:root{--bg:#0f1317;--fg:#e3e8ed;--muted:#98a3ae;--card:#171c21;--line:#2b333b;
--pass:#3fb950;--warn:#d29922;--fail:#f85149;--crit:#a371f7;--info:#58a6ff;--bar:#5a9ee6;--track:#222a31}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--card);display:flex;flex-wrap:wrap;
gap:8px 24px;align-items:baseline}
header h1{margin:0;font-size:20px}
main{padding:8px 24px 32px;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:16px 0;padding:12px 16px}
h2{font-size:16px;margin:0 0 8px}
h3{font-size:14px;margin:12px 0 4px;font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;font-size:12px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.muted,.note{color:var(--muted)}
.note{font-size:12px;margin:6px 0 0}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;
border:1px solid currentColor}
.pass{color:var(--pass)}.warn{color:var(--warn)}.fail{color:var(--fail)}.crit{color:var(--crit)}
.info{color:var(--info)}.unknown,.unset,.ok{color:var(--muted)}
.label{display:inline-block;margin:0 4px 2px 0;padding:0 6px;border-radius:4px;background:var(--track);
font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
td.metric{white-space:nowrap}
.summary{display:flex;flex-wrap:wrap;gap:8px 20px;margin:4px 0 0}
.waterfall td.name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:420px}
.waterfall td.timeline{width:45%}
.track{position:relative;height:14px;background:var(--track);border-radius:3px;min-width:120px}
.bar{position:absolute;top:2px;bottom:2px;background:var(--bar);border-radius:2px;min-width:2px}
tr.error .bar{background:var(--fail)}
tr.error td.name{color:var(--fail)}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nonzero{color:var(--warn);font-weight:600}
footer{padding:0 24px 24px;color:var(--muted);font-size:12px}
a{color:var(--info)}
"""


class _Budget:
    """The bytes a section may still take, and how many rows did not fit."""

    __slots__ = ("left", "left_out")

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.left_out = 0

    def take(self, part: str) -> bool:
        """Whether ``part`` fits (and is then counted); a part that does not is counted as left out."""
        size = len(part.encode("utf-8", "replace"))
        if size > self.left:
            self.left_out += 1
            return False
        self.left -= size
        return True


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _esc(value: object, limit: int = MAX_PAGE_TEXT) -> str:
    """``value`` as text safe in HTML text and in quoted attributes: cut, invisible characters shown, escaped."""
    if value is None:
        text = "-"
    elif isinstance(value, str):
        text = str.__str__(value)
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int | float):
        text = _number(value)
    else:
        text = type(value).__name__
    if len(text) > limit:
        text = text[:limit] + "\u2026"
    return html.escape(_INVISIBLE.sub(_visible, text), quote=True)


def _number(value: float) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        if abs(value) < 10**15:
            return str(value)
        try:
            return f"{float(value):.6g}"
        except OverflowError:  # wider than a float: its digits would be too many to show
            return f"{'-' if value < 0 else ''}an int of {value.bit_length()} bits"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.6g}"


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int wider than a float is no time or duration
        return None
    return number if math.isfinite(number) else None


def _when(value: object) -> str:
    """A Unix time as UTC text, or ``-``."""
    seconds = _finite(value)
    if seconds is None or not 0 <= seconds < 253402300800:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def _ms(seconds: object) -> str:
    value = _finite(seconds)
    if value is None:
        return "-"
    milliseconds = value * 1000
    return f"{milliseconds:.3f} ms" if milliseconds < 10 else f"{milliseconds:,.1f} ms"


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


def _labels(pairs: Iterable[tuple[object, object]]) -> str:
    chips: list[str] = []
    extra = 0
    for key, value in pairs:
        if len(chips) >= MAX_LABELS_SHOWN:
            extra += 1
            continue
        chips.append(f'<span class="label">{_esc(key)}={_esc(value)}</span>')
    if extra:
        chips.append(f'<span class="muted">+{extra} more</span>')
    return "".join(chips) or '<span class="muted">-</span>'


def _left_out(budget: _Budget, what: str, more: int = 0) -> str:
    notes: list[str] = []
    if more:
        notes.append(f"{more} more {what} not shown (the platform's bounds).")
    if budget.left_out:
        notes.append(f"{budget.left_out} more {what} left out to keep the page small.")
    return "".join(f'<p class="note">{note}</p>' for note in notes)


# --- sections -----------------------------------------------------------------------------


def _header(document: Mapping[str, object], now: float, refresh_seconds: int) -> str:
    service = _map(document.get("service"))
    lifecycle = _map(document.get("lifecycle"))
    environment = service.get("environment")
    plugins = [_esc(name) for name in _items(service.get("plugins"))[:MAX_LABELS_SHOWN]]
    states = [
        word
        for word, on in (
            ("started", lifecycle.get("started")),
            ("serving", lifecycle.get("serving")),
            ("shut down", lifecycle.get("shut_down")),
        )
        if on is True
    ]
    return (
        "<header>"
        f'<h1 class="service">{_esc(service.get("name"))}</h1>'
        f'<span>environment <strong class="environment">{_esc(environment) if environment else "not set"}'
        "</strong></span>"
        f'<span class="muted">{", ".join(states) or "not started"}</span>'
        f'<span class="muted">plugins: {", ".join(plugins) or "none"}</span>'
        f'<span class="muted">at {_when(now)}, refreshed every {refresh_seconds} s</span>'
        "</header>"
    )


def _summary(document: Mapping[str, object]) -> str:
    checks = [_map(check) for check in _items(document.get("health"))]
    alerts = _map(document.get("alerts"))
    failing = sum(1 for check in checks if check.get("status") == "fail")
    warning = sum(1 for check in checks if check.get("status") == "warn")
    firing = len(_items(alerts.get("firing")))
    pending = len(_items(alerts.get("pending")))
    traces = len(_items(document.get("traces")))
    health_class = "fail" if failing else "warn" if warning else "pass" if checks else "unknown"
    health_word = "failing" if failing else "warning" if warning else "passing" if checks else "no checks"
    return (
        '<section class="overview"><div class="summary">'
        f'<span>health <span class="badge {health_class}">{health_word}</span></span>'
        f"<span>{len(checks)} checks, {failing} failing, {warning} warning</span>"
        f'<span class="{"fail" if firing else "muted"}">{firing} alerts firing</span>'
        f"<span>{pending} pending</span>"
        f"<span>{traces} recent traces</span>"
        "</div></section>"
    )


def _health(document: Mapping[str, object]) -> str:
    budget = _Budget(SECTION_BYTES["health"])
    rows: list[str] = []
    for entry in _items(document.get("health")):
        check = _map(entry)
        status = check.get("status")
        css = _STATUS_CLASSES.get(status, "unknown") if isinstance(status, str) else "unknown"
        output = check.get("output")
        row = (
            f'<tr class="check"><td class="mono">{_esc(check.get("check"))}</td>'
            f'<td><span class="badge status {css}">{_esc(status if status is not None else "not run")}</span></td>'
            f"<td>{'critical' if check.get('critical') is True else 'not critical'}</td>"
            f"<td>{', '.join(_esc(probe) for probe in _items(check.get('probes'))[:8])}</td>"
            f'<td class="num">{_esc(check.get("runs"))}</td><td class="num">{_esc(check.get("timeouts"))}</td>'
            f'<td class="mono">{_esc(output) if output is not None else ""}</td></tr>'
        )
        if budget.take(row):
            rows.append(row)
    body = (
        "<table><thead><tr><th>check</th><th>status</th><th>critical</th><th>probes</th>"
        '<th class="num">runs</th><th class="num">timeouts</th><th>output</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
        if rows
        else '<p class="muted">No health check is registered.</p>'
    )
    return f'<section id="health"><h2>Health checks</h2>{body}{_left_out(budget, "checks")}</section>'


def _alert_row(state: str, alert: Mapping[str, object], cells: str) -> str:
    """One alert's row: name, severity badge, labels, then the state's own ``cells`` (already escaped)."""
    severity = alert.get("severity")
    css = _SEVERITY_CLASSES.get(severity, "unknown") if isinstance(severity, str) else "unknown"
    return (
        f'<tr class="alert {state}"><td><strong>{_esc(alert.get("name"))}</strong></td>'
        f'<td><span class="badge {css}">{_esc(severity)}</span></td>'
        f"<td>{_labels(_map(alert.get('labels')).items())}</td>{cells}</tr>"
    )


def _alerts(document: Mapping[str, object]) -> str:
    alerts = _map(document.get("alerts"))
    budget = _Budget(SECTION_BYTES["alerts"])
    firing: list[str] = []
    for entry in reversed(_items(alerts.get("firing"))):  # the newest first
        alert = _map(entry)
        row = _alert_row("firing", alert, f"<td>{_esc(alert.get('message'))}</td><td>{_when(alert.get('since'))}</td>")
        if budget.take(row):
            firing.append(row)
    pending: list[str] = []
    for entry in _items(alerts.get("pending")):
        alert = _map(entry)
        row = _alert_row(
            "pending",
            alert,
            f'<td class="num">{_esc(alert.get("value"))}</td><td>{_when(alert.get("active_since"))}</td>',
        )
        if budget.take(row):
            pending.append(row)
    parts = ['<section id="alerts"><h2>Alerts</h2>', f"<h3>Firing ({len(firing)})</h3>"]
    if firing:
        parts.append(
            "<table><thead><tr><th>alert</th><th>severity</th><th>labels</th><th>message</th><th>since</th>"
            "</tr></thead><tbody>" + "".join(firing) + "</tbody></table>"
        )
    else:
        parts.append('<p class="muted">No alert is firing.</p>')
    parts.append(f"<h3>Pending ({len(pending)})</h3>")
    if pending:
        parts.append(
            "<table><thead><tr><th>rule</th><th>severity</th><th>labels</th>"
            '<th class="num">value</th><th>holding since</th></tr></thead><tbody>'
            + "".join(pending)
            + "</tbody></table>"
        )
    else:
        parts.append('<p class="muted">No rule is pending.</p>')
    more = _count(alerts.get("firing_left_out")) + _count(alerts.get("pending_left_out"))
    parts.append(_left_out(budget, "alerts", more))
    parts.append("</section>")
    return "".join(parts)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _span_order(spans: list[Mapping[str, object]]) -> list[tuple[Mapping[str, object], int]]:
    """The spans in tree order (children after their parent, by start), each with its depth."""
    ids = {span.get("span_id") for span in spans}
    children: dict[object, list[Mapping[str, object]]] = {}
    roots: list[Mapping[str, object]] = []
    for span in spans:
        parent = span.get("parent_span_id")
        if parent is not None and parent in ids and parent != span.get("span_id"):
            children.setdefault(parent, []).append(span)
        else:
            roots.append(span)

    def start(span: Mapping[str, object]) -> float:
        return _finite(span.get("start_time_unix")) or 0.0

    ordered: list[tuple[Mapping[str, object], int]] = []
    seen: set[int] = set()
    stack = [(span, 0) for span in sorted(roots, key=start, reverse=True)]
    while stack:
        span, depth = stack.pop()
        if id(span) in seen:
            continue
        seen.add(id(span))
        ordered.append((span, depth))
        below = sorted(children.get(span.get("span_id"), ()), key=start, reverse=True)
        stack.extend((child, depth + 1) for child in below)
    # A cycle of parents reaches no root: its spans are shown at the top level, after the others.
    ordered.extend((span, 0) for span in spans if id(span) not in seen)
    return ordered


def _trace(trace: Mapping[str, object], budget: _Budget) -> str | None:
    spans = [_map(span) for span in _items(trace.get("spans"))]
    starts = [_finite(span.get("start_time_unix")) for span in spans]
    ends = [
        begin + max(_finite(span.get("duration_seconds")) or 0.0, 0.0)
        for begin, span in zip(starts, spans, strict=True)
        if begin is not None
    ]
    first = min((begin for begin in starts if begin is not None), default=0.0)
    total = max(max(ends, default=first) - first, 0.0)
    has_error = trace.get("has_error") is True
    error_badge = ' <span class="badge fail">error</span>' if has_error else ""
    when = f", {_when(first)}" if spans else ""
    head = (
        f'<div class="trace{" error" if has_error else ""}">'
        f'<h3><span class="root">{_esc(trace.get("root"))}</span> '
        f'<span class="muted">{_ms(trace.get("duration_seconds"))}, {_esc(trace.get("span_count"))} spans{when}</span>'
        f"{error_badge}"
        f' <code class="muted">{_esc(trace.get("trace_id"))}</code></h3>'
        '<table class="waterfall"><thead><tr><th>span</th><th>kind</th><th>timeline</th>'
        '<th class="num">duration</th><th>status</th></tr></thead><tbody>'
    )
    tail = "</tbody></table>"
    if not budget.take(head + tail):
        return None
    rows: list[str] = []
    shown = 0
    for span, depth in _span_order(spans):
        begin = _finite(span.get("start_time_unix"))
        duration = max(_finite(span.get("duration_seconds")) or 0.0, 0.0)
        offset = ((begin - first) / total * 100) if begin is not None and total > 0 else 0.0
        width = (duration / total * 100) if total > 0 else 100.0
        offset = min(max(offset, 0.0), 100.0)
        width = min(max(width, 0.0), 100.0 - offset)
        status = span.get("status")
        css = _SPAN_CLASSES.get(status, "unset") if isinstance(status, str) else "unset"
        error = css == "fail"
        description = span.get("status_description")
        indent = min(depth, MAX_DEPTH_SHOWN) * 16 + 4
        row = (
            f'<tr class="span{" error" if error else ""}">'
            f'<td class="name" style="padding-left:{indent}px" title="{_esc(span.get("name"))}">'
            f"{_CROSS if error else ''}{_esc(span.get('name'))}</td>"
            f'<td class="muted">{_esc(span.get("kind"))}</td>'
            f'<td class="timeline"><div class="track"><div class="bar" style="left:{offset:.3f}%;width:{width:.3f}%">'
            "</div></div></td>"
            f'<td class="num">{_ms(duration)}</td>'
            f'<td class="{css}">{"error" if error else _esc(status)}'
            f"{': ' + _esc(description) if error and description else ''}</td></tr>"
        )
        if budget.take(row):
            rows.append(row)
            shown += 1
    left = _count(trace.get("spans_left_out"))
    note = f'<p class="note">{left} more spans of this trace not shown.</p>' if left else ""
    if note:
        budget.take(note)
    return head + "".join(rows) + tail + note + "</div>"


def _traces(document: Mapping[str, object]) -> str:
    budget = _Budget(SECTION_BYTES["traces"])
    shown: list[str] = []
    for entry in reversed(_items(document.get("traces"))):  # the newest first
        rendered = _trace(_map(entry), budget)
        if rendered is not None:
            shown.append(rendered)
    body = "".join(shown) or '<p class="muted">No trace recorded yet.</p>'
    return f'<section id="traces"><h2>Recent traces</h2>{body}{_left_out(budget, "spans or traces")}</section>'


def _value(state: object) -> str:
    if isinstance(state, CounterState | GaugeState):
        return _number(state.value)
    if isinstance(state, HistogramState):
        return f"count {_number(state.count)}, sum {_number(state.sum)}"
    count = getattr(state, "count", None)
    total = getattr(state, "sum", None)
    return f"count {_esc(count)}, sum {_esc(total)}"


def _metrics(families: Iterable[FamilySnapshot], policy: RedactionPolicy) -> str:
    budget = _Budget(SECTION_BYTES["metrics"])
    rows: list[str] = []
    listed = 0
    total = 0
    family_count = 0
    for family in families:
        family_count += 1
        series = family.series
        total += len(series)
        spec = family.spec
        for one in series[: max(MAX_SERIES_SHOWN - listed, 0)]:
            listed += 1
            labels = [(redact_text(policy, name), redact_text(policy, value)) for name, value in one.labels]
            row = (
                f'<tr class="series"><td class="mono metric" title="{_esc(redact_text(policy, spec.help))}">'
                f"{_esc(spec.exposed_name)}</td><td>{_esc(spec.kind.value)}</td>"
                f'<td>{_labels(labels)}</td><td class="num">{_value(one.state)}</td></tr>'
            )
            if budget.take(row):
                rows.append(row)
    body = (
        "<table><thead><tr><th>metric</th><th>type</th><th>labels</th>"
        '<th class="num">value</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
        if rows
        else '<p class="muted">No metric series yet.</p>'
    )
    more = total - listed
    note = (
        f'<p class="note more">{more} more series not listed ({total} in {family_count} metrics).</p>' if more else ""
    )
    return f'<section id="metrics"><h2>Metrics</h2>{body}{note}{_left_out(budget, "series")}</section>'


def _flatten(prefix: str, value: object, rows: list[tuple[str, object]], depth: int = 0) -> None:
    if len(rows) > MAX_COUNTERS_SHOWN:
        return
    if isinstance(value, Mapping) and depth < 4:
        if not value:
            rows.append((prefix, 0))
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, rows, depth + 1)
        return
    rows.append((prefix, value))


def _counters(document: Mapping[str, object]) -> str:
    budget = _Budget(SECTION_BYTES["counters"])
    flat: list[tuple[str, object]] = []
    _flatten("", _map(document.get("counters")), flat)
    rows: list[str] = []
    for name, value in flat[:MAX_COUNTERS_SHOWN]:
        nonzero = _finite(value) not in {None, 0.0} and not name.startswith("spans.")
        row = (
            f'<tr class="counter"><td class="mono">{_esc(name)}</td>'
            f'<td class="num{" nonzero" if nonzero else ""}">{_esc(value)}</td></tr>'
        )
        if budget.take(row):
            rows.append(row)
    more = max(len(flat) - MAX_COUNTERS_SHOWN, 0)
    body = (
        '<table><thead><tr><th>counter</th><th class="num">value</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )
    return (
        '<section id="counters"><h2>Platform counters</h2>'
        '<p class="note">Refusals and drops: what the platform refused or had to let go, by where.</p>'
        f"{body}{_left_out(budget, 'counters', more)}</section>"
    )


def render_status_page(
    document: Mapping[str, object],
    families: Iterable[FamilySnapshot] = (),
    *,
    policy: RedactionPolicy = DEFAULT_POLICY,
    refresh_seconds: int = REFRESH_SECONDS,
    now: float | None = None,
) -> str:
    """The status page of a ``/status`` ``document`` and the metric ``families``, as HTML text.

    Every value is escaped; the label names, values and help texts of
    ``families`` pass ``policy`` (the document is redacted already). The
    text encodes to at most :data:`MAX_PAGE_BYTES` bytes of UTF-8.
    """
    seconds = max(int(refresh_seconds), 1)
    moment = time.time() if now is None else now
    service = _map(document.get("service"))
    title = f"{_esc(service.get('name'), 80)} \u2014 status"
    return "".join(
        (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="refresh" content="{seconds}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="referrer" content="no-referrer">',
            f"<title>{title}</title><style>{_STYLE}</style></head><body>",
            _header(document, moment, seconds),
            "<main>",
            _summary(document),
            _health(document),
            _alerts(document),
            _traces(document),
            _metrics(families, policy),
            _counters(document),
            "</main>",
            _FOOTER,
            "</body></html>\n",
        )
    )


def _security_headers(length: int) -> list[tuple[str, str]]:
    return [
        ("Content-Type", PAGE_HTML),
        ("Content-Security-Policy", PAGE_CSP),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Content-Length", str(length)),
    ]


class StatusPageApp:
    """The WSGI app of the status page: ``GET`` and ``HEAD`` answer the page; it never raises."""

    __slots__ = ("_clock", "_metrics", "_policy", "_refresh", "_status")

    def __init__(
        self,
        status: Callable[[], Mapping[str, object]],
        metrics: Callable[[], MetricsSnapshot] | None = None,
        *,
        policy: RedactionPolicy = DEFAULT_POLICY,
        refresh_seconds: int = REFRESH_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Render what ``status()`` (the ``/status`` document) and ``metrics()`` (a snapshot) give."""
        self._status = status
        self._metrics = metrics
        self._policy = policy
        self._refresh = refresh_seconds
        self._clock = clock

    def render(self) -> bytes:
        """The page as UTF-8 bytes; raises what building it raises."""
        document = self._status()
        families = () if self._metrics is None else self._metrics().families
        text = render_status_page(
            document, families, policy=self._policy, refresh_seconds=self._refresh, now=self._clock()
        )
        return text.encode("utf-8", "replace")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request; a failure is a 503 with a minimal page."""
        return answer_read(
            environ, start_response, self.render, failed=_FAILED_PAGE, headers=_security_headers, what="the status page"
        )
