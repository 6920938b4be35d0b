"""Oracle: ``lint_family`` predicts what the real ``promtool check metrics`` prints.

Each test renders a batch of metric families as text format 0.0.4, feeds it to
promtool once, and compares promtool's lines (``<family> <problem>``) with our
errors translated to promtool's wording, family by family, counting repeats.
promtool chooses which unit of a name to check in Go's map order, so for unit
warnings the test only asks that promtool's choice be one that we predicted.
A missing promtool fails the tests: the rules are only trustworthy while this
oracle runs.
"""

from __future__ import annotations

import ast
import functools
import itertools
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Gauge, Histogram, Summary, generate_latest
from prometheus_client import Counter as ClientCounter

from flext_observability.core.errors import FlextErrorCode, FlextFieldError
from flext_observability.core.metrics.naming import lint_family, unit_candidates
from flext_observability.core.values import MetricKind

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

pytestmark = pytest.mark.integration

PROMTOOL_TIMEOUT = 30.0
INSTALL_HINT = "apt-get update && apt-get install -y --no-install-recommends prometheus"
LINT_PROBLEMS = 3  # promtool's exit status when it printed lint problems


class Family(NamedTuple):
    """One metric family to render: its exposed name, type, help (``None``: no HELP line) and labels."""

    name: str
    kind: MetricKind
    help_text: str | None
    labels: tuple[str, ...]


def _promtool() -> str:
    path = shutil.which("promtool") or "/usr/bin/promtool"
    if shutil.which(path) is None:
        pytest.fail(f"promtool is not installed (Debian package prometheus); install it with: {INSTALL_HINT}")
    return path


@functools.cache
def promtool_version() -> str:
    """The first line of ``promtool --version``, for failure messages (the rules were confirmed with 2.42)."""
    out = subprocess.run(  # noqa: S603 - the promtool binary on fixed arguments
        [_promtool(), "--version"], capture_output=True, text=True, check=False, timeout=PROMTOOL_TIMEOUT
    )
    lines = (out.stdout or out.stderr).splitlines()
    return lines[0] if lines else "promtool, unknown version"


def check_metrics(exposition: str) -> dict[str, list[str]]:
    """Run ``promtool check metrics`` on ``exposition``; its problems by family."""
    promtool = _promtool()
    out = subprocess.run(  # noqa: S603 - the promtool binary on fixed arguments
        [promtool, "check", "metrics"],
        input=exposition,
        capture_output=True,
        text=True,
        check=False,
        timeout=PROMTOOL_TIMEOUT,
    )
    text = out.stdout + out.stderr
    if out.returncode not in {0, LINT_PROBLEMS}:
        pytest.fail(f"{promtool_version()} could not read the exposition (exit {out.returncode}):\n{text}")
    problems: dict[str, list[str]] = {}
    for line in text.splitlines():
        family, _, problem = line.partition(" ")
        problems.setdefault(family, []).append(problem)
    return problems


def _escape_help(text: str) -> str:
    # The same escaping as prometheus_client's text format writer.
    return text.replace("\\", r"\\").replace("\n", r"\n")


def _sample_names(family: Family) -> set[str]:
    """Every name the family occupies in an exposition, so batches never mix two families."""
    suffixes = {
        MetricKind.HISTOGRAM: ("", "_bucket", "_count", "_sum"),
        MetricKind.SUMMARY: ("", "_count", "_sum"),
    }.get(family.kind, ("",))
    return {family.name + suffix for suffix in suffixes}


def render(families: Iterable[Family]) -> tuple[list[Family], str]:
    """The families that fit in one exposition together (no shared names), and that exposition."""
    used: set[str] = set()
    kept: list[Family] = []
    lines: list[str] = []
    for family in families:
        names = _sample_names(family)
        if names & used:
            continue
        used |= names
        kept.append(family)
        if family.help_text is not None:
            lines.append(f"# HELP {family.name} {_escape_help(family.help_text)}")
        lines.append(f"# TYPE {family.name} {family.kind.value}")
        labels = ",".join(f'{label}="v"' for label in family.labels)
        if family.kind is MetricKind.HISTOGRAM:
            lines.append(f'{family.name}_bucket{{{labels}{"," if labels else ""}le="+Inf"}} 1')
        series = ("_count", "_sum") if family.kind in {MetricKind.HISTOGRAM, MetricKind.SUMMARY} else ("",)
        lines.extend(f"{family.name}{suffix}{{{labels}}} 1" for suffix in series)
    return kept, "".join(line + "\n" for line in lines)


_NAME_TEXTS = {
    FlextErrorCode.NAMING_CAMEL_CASE: "metric names should be written in 'snake_case' not 'camelCase'",
    FlextErrorCode.NAMING_COLON: "metric names should not contain ':'",
    FlextErrorCode.NAMING_ABBREVIATED_UNIT: "metric names should not contain abbreviated units",
    FlextErrorCode.MISSING_HELP: "no help text",
}
_SUFFIX_TEXTS = {
    "_bucket": 'non-histogram metrics should not have "_bucket" suffix',
    "_count": 'non-histogram and non-summary metrics should not have "_count" suffix',
    "_sum": 'non-histogram and non-summary metrics should not have "_sum" suffix',
}
_LABEL_TEXTS = {
    "le": 'non-histogram metrics should not have "le" label',
    "quantile": 'non-summary metrics should not have "quantile" label',
}
_QUOTED = re.compile(r"'([^']*)'")


def promtool_text(error: FlextFieldError, kind: MetricKind) -> str:
    """The line promtool prints (after the family name) for the problem ``error`` describes."""
    quoted = _QUOTED.findall(error.message)
    if error.field.startswith("labels["):
        label = ast.literal_eval(error.field.removeprefix("labels[").removesuffix("]"))
        if error.code is FlextErrorCode.NAMING_CAMEL_CASE:
            return "label names should be written in 'snake_case' not 'camelCase'"
        assert error.code is FlextErrorCode.NAMING_RESERVED_LABEL, error
        return _LABEL_TEXTS[label]
    if error.code is FlextErrorCode.NAMING_NON_BASE_UNIT:
        return f'use base unit "{quoted[0]}" instead of "{quoted[1]}"'
    if error.code is FlextErrorCode.NAMING_TYPE_IN_NAME:
        return f"metric name should not include type '{quoted[0]}'"
    if error.code is FlextErrorCode.NAMING_TOTAL_SUFFIX:
        if kind is MetricKind.COUNTER:
            return 'counter metrics should have "_total" suffix'
        return 'non-counter metrics should not have "_total" suffix'
    if error.code is FlextErrorCode.NAMING_RESERVED_SUFFIX:
        return _SUFFIX_TEXTS[quoted[0]]
    return _NAME_TEXTS[error.code]


def _is_unit_text(text: str) -> bool:
    return text.startswith("use base unit ")


def assert_same_problems(name: str, kind: MetricKind, ours: Sequence[FlextFieldError], theirs: Sequence[str]) -> None:
    """Our errors for one family say what promtool printed for it, line for line."""
    predicted = Counter(promtool_text(error, kind) for error in ours)
    printed = Counter(theirs)
    context = (
        f"{name} ({kind.value}): we predicted {sorted(predicted.elements())}, "
        f"{promtool_version()} printed {sorted(theirs)}"
    )
    assert Counter({k: n for k, n in predicted.items() if not _is_unit_text(k)}) == Counter(
        {k: n for k, n in printed.items() if not _is_unit_text(k)}
    ), context
    # promtool checks one unit of the name, chosen in Go's map order; it must be one we predicted,
    # and it may stay silent only if the name also holds a base unit it might have chosen instead.
    predicted_units = {text for text in predicted if _is_unit_text(text)}
    printed_units = [text for text in printed.elements() if _is_unit_text(text)]
    assert len(printed_units) <= 1, context
    if printed_units:
        assert printed_units[0] in predicted_units, context
    elif predicted_units:
        assert any(unit == base for unit, base in unit_candidates(name)), context


def assert_batch_matches(families: Sequence[Family]) -> int:
    """Run promtool on the families that fit together and compare every one; how many were compared."""
    kept, exposition = render(families)
    problems = check_metrics(exposition)
    assert set(problems) <= {family.name for family in kept}, problems
    for family in kept:
        ours = lint_family(family.name, family.kind, help_text=family.help_text, label_names=family.labels)
        assert_same_problems(family.name, family.kind, ours, problems.get(family.name, []))
    return len(kept)


# The vocabulary of name parts: every word a rule looks at, in several letter cases, and plain words.
# It is written out here rather than taken from the module, so that a word missing there is noticed.
UNIT_WORDS = (
    *("amperes", "bytes", "celsius", "grams", "joules", "kelvin", "meters", "metres", "seconds", "volts"),
    *("minutes", "hours", "days", "weeks", "kelvins", "fahrenheit", "rankine", "inches", "yards", "miles"),
    *("bits", "calories", "pounds", "ounces"),
)
PROMLINT_PREFIXES = (
    *("pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega", "mibi"),
    *("giga", "gibi", "tera", "tebi", "peta", "pebi"),
)
PREFIXES = (*PROMLINT_PREFIXES, "mebi", "exa", "femto")
ABBREVIATIONS = ("s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d")
TYPES = ("counter", "gauge", "histogram", "summary", "gauge_histogram", "untyped")
_UNIT_WORDS = [*UNIT_WORDS, "mebibytes", "percent", "ratio", "secs", "second", "Seconds", "KILOBYTES", "thermometers"]
_PREFIXED = st.builds(lambda prefix, unit: prefix + unit, st.sampled_from(PREFIXES), st.sampled_from(UNIT_WORDS))
_ABBREVIATIONS = [*ABBREVIATIONS, "MS", "Kb", "S", "min", "kib", "hr"]
_TYPES = [*TYPES, "Counter", "GAUGE", "gauge_Histogram", "counters", "gaugehistogram"]
_CAMEL = ["rowsProcessed", "httpRequests", "aB", "ABc", "x1Y", "parseHTTPResponse", "msCount"]
_COLONS = ["job:rows", ":", "a:", ":ms", "rate5m:"]
_SUFFIX_WORDS = ["total", "bucket", "count", "sum", "created", "TOTAL", "Bucket"]
_WORD = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)
PART = st.one_of(
    st.sampled_from(_UNIT_WORDS),
    _PREFIXED,
    st.sampled_from(_ABBREVIATIONS),
    st.sampled_from(_TYPES),
    st.sampled_from(_CAMEL),
    st.sampled_from(_COLONS),
    st.sampled_from(_SUFFIX_WORDS),
    st.just(""),
    _WORD,
)
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
NAME = st.builds(
    lambda parts, suffix: "_".join(parts) + suffix,
    st.lists(PART, min_size=1, max_size=5),
    st.sampled_from(["", "", "_total", "_total", "_bucket", "_count", "_sum"]),
).filter(lambda name: _METRIC_NAME.fullmatch(name) is not None)
LABEL = st.one_of(
    st.sampled_from(["tap", "le", "quantile", "aB", "rowCount", "a_B", "LE", "Quantile", "_x", "x1Y", "leX"]),
    _WORD,
)
HELP = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "\t", " \t ", "Rows loaded.", "x", "\\", "\n", " \t x"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\\\n\t "), max_size=12),
)


@st.composite
def families(draw: st.DrawFn) -> Family:
    """A family built from the vocabulary; the label a histogram or summary sets itself is left out."""
    kind = draw(st.sampled_from(MetricKind))
    own = {MetricKind.HISTOGRAM: "le", MetricKind.SUMMARY: "quantile"}.get(kind)
    labels = draw(st.lists(LABEL.filter(lambda label: label != own), max_size=4, unique=True))
    return Family(draw(NAME), kind, draw(HELP), tuple(labels))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(families(), min_size=1, max_size=80))
def test_lint_family_matches_promtool_on_generated_families(batch: list[Family]) -> None:
    """For every generated family, our problems are the ones promtool prints."""
    assert assert_batch_matches(batch) >= 1


KNOWN = [
    Family("rows_processed_total", MetricKind.COUNTER, "Rows.", ("tap",)),
    Family("rowsProcessed_total", MetricKind.COUNTER, "Rows.", ("tapName", "a_B", "ABc")),
    Family("job:rows_total", MetricKind.COUNTER, "Rows.", ()),
    Family("latency_ms", MetricKind.HISTOGRAM, "Latency.", ()),
    Family("ms_latency", MetricKind.GAUGE, "Latency.", ()),
    Family("kb", MetricKind.GAUGE, "Size.", ()),
    Family("x_s_y", MetricKind.GAUGE, "h", ()),
    Family("x_MS", MetricKind.GAUGE, "h", ()),
    Family("x_ms_s", MetricKind.GAUGE, "h", ()),
    Family("x_ms_MS", MetricKind.GAUGE, "h", ()),
    Family("x__ms", MetricKind.GAUGE, "h", ()),
    Family("_ms", MetricKind.GAUGE, "h", ()),
    Family("milliseconds", MetricKind.GAUGE, "h", ()),
    Family("x_Milliseconds", MetricKind.GAUGE, "h", ()),
    Family("x_bytes_kilobytes", MetricKind.GAUGE, "h", ()),
    Family("x_megabytes_kilobytes", MetricKind.GAUGE, "h", ()),
    Family("x_mebibytes", MetricKind.GAUGE, "h", ()),
    Family("x_mibibytes", MetricKind.GAUGE, "h", ()),
    Family("x_percent", MetricKind.GAUGE, "h", ()),
    Family("x_kelvins", MetricKind.GAUGE, "h", ()),
    Family("x_millifahrenheit", MetricKind.GAUGE, "h", ()),
    Family("x_kilometres", MetricKind.GAUGE, "h", ()),
    Family("x_kelvin_minutes", MetricKind.GAUGE, "h", ()),
    Family("x_hours_minutes", MetricKind.GAUGE, "h", ()),
    Family("counter_x", MetricKind.GAUGE, "h", ()),
    Family("x_COUNTER", MetricKind.GAUGE, "h", ()),
    Family("x_counter_", MetricKind.GAUGE, "h", ()),
    Family("x_gauge_counter_histogram_summary", MetricKind.GAUGE, "h", ()),
    Family("x_gauge_histogram", MetricKind.HISTOGRAM, "h", ()),
    Family("gauge_histogram", MetricKind.GAUGE, "h", ()),
    Family("x_untyped", MetricKind.GAUGE, "h", ()),
    Family("queue_gauge_total", MetricKind.GAUGE, "h", ()),
    Family("x_TOTAL", MetricKind.COUNTER, "h", ()),
    Family("x_total_total", MetricKind.COUNTER, "h", ()),
    Family("c_bucket", MetricKind.COUNTER, "h", ()),
    Family("g_count", MetricKind.GAUGE, "h", ("le", "quantile", "LE")),
    Family("g_Count", MetricKind.GAUGE, "h", ()),
    Family("s_bucket", MetricKind.SUMMARY, "h", ("le",)),
    Family("s_sum", MetricKind.SUMMARY, "h", ()),
    Family("h_count", MetricKind.HISTOGRAM, "h", ("quantile",)),
    Family("h_total", MetricKind.HISTOGRAM, "h", ()),
    Family("no_help", MetricKind.GAUGE, None, ()),
    Family("empty_help", MetricKind.GAUGE, "", ()),
    Family("blank_help", MetricKind.GAUGE, " \t ", ()),
    Family("newline_help", MetricKind.GAUGE, "\n", ()),
    Family("aB:c_kilobits_ms_counter", MetricKind.COUNTER, None, ("aB", "le")),
]


def test_lint_family_matches_promtool_on_known_edge_cases() -> None:
    """Each documented edge case gets exactly promtool's problems."""
    assert assert_batch_matches(KNOWN) == len(KNOWN)


def test_lint_family_matches_promtool_on_every_vocabulary_word() -> None:
    """Each unit (bare and prefixed), abbreviation and type, as first part and after it, gets promtool's verdict."""
    words = [
        *UNIT_WORDS,
        *(prefix + unit for prefix in PREFIXES for unit in UNIT_WORDS),
        *ABBREVIATIONS,
        *(word.upper() for word in ABBREVIATIONS),
        *TYPES,
    ]
    names = [name for word in dict.fromkeys(words) for name in (f"x_{word}", f"{word}_x")]
    # For one unit, promlint tries its prefixes in order and the bare unit last: each neighbouring
    # pair of that order, written later one first, shows which one wins.
    order = [*PROMLINT_PREFIXES, ""]
    names += [f"x_{later}seconds_{earlier}seconds" for earlier, later in itertools.pairwise(order)]
    batch = [Family(name, MetricKind.GAUGE, "Help.", ()) for name in names]
    assert assert_batch_matches(batch) == len(batch)


_CLIENT_TYPES = {
    MetricKind.COUNTER: ClientCounter,
    MetricKind.GAUGE: Gauge,
    MetricKind.HISTOGRAM: Histogram,
    MetricKind.SUMMARY: Summary,
}
_OWN_LABEL = {MetricKind.HISTOGRAM: "le", MetricKind.SUMMARY: "quantile"}


def _register(registry: CollectorRegistry, family: Family) -> None:
    """Define the family with prometheus_client and give it one series, unless the client refuses it."""
    try:
        metric = _CLIENT_TYPES[family.kind](family.name, family.help_text or "", family.labels, registry=registry)
    except ValueError:  # an invalid, reserved or already registered name: nothing to compare
        return
    series = metric.labels(*["v"] * len(family.labels)) if family.labels else metric
    if isinstance(series, ClientCounter):
        series.inc()
    elif isinstance(series, Gauge):
        series.set(1)
    else:
        series.observe(1)


def _label_names(collected: Metric, kind: MetricKind) -> tuple[str, ...]:
    """The labels the user gave a collected family (not the one its type sets itself)."""
    return tuple(label for label in collected.samples[0].labels if label != _OWN_LABEL.get(kind))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(families(), min_size=1, max_size=60))
def test_lint_family_matches_promtool_on_prometheus_client_output(batch: list[Family]) -> None:
    """As prometheus_client renders them, families (and their ``_created`` gauges) get only our problems."""
    registry = CollectorRegistry()
    for family in batch:
        _register(registry, family)
    problems = check_metrics(generate_latest(registry).decode())
    seen: set[str] = set()
    for collected in registry.collect():
        kind = MetricKind(collected.type)
        exposed = collected.name + "_total" if kind is MetricKind.COUNTER else collected.name
        ours = lint_family(exposed, kind, help_text=collected.documentation, label_names=_label_names(collected, kind))
        assert_same_problems(exposed, kind, ours, problems.get(exposed, []))
        # The _created gauge repeats the family's name stem, help and labels, so it can only repeat its problems.
        created = collected.name + "_created"
        assert set(problems.get(created, [])) <= {promtool_text(error, kind) for error in ours}, created
        seen |= {exposed, created}
    assert set(problems) <= seen, problems
