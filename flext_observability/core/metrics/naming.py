"""Prometheus naming conventions, exactly as ``promtool check metrics`` lints them.

``promtool check metrics`` (Prometheus 2.42, whose linter is client_golang's
``promlint``) reads an exposition and prints one line per convention a metric
family breaks. :func:`lint_family` predicts those lines for one family before
anything is exposed, so that a badly named metric can be refused when it is
defined instead of being discovered at scrape time. Each problem is a
:class:`FlextFieldError` whose message says what to change:

>>> for error in lint_family("rowsProcessed_ms_total", MetricKind.COUNTER, help_text=""):
...     print(f"{error.field}: {error.code.value}")
name: naming_camel_case
name: naming_abbreviated_unit
help: missing_help
>>> lint_family("pipeline_rows_total", MetricKind.COUNTER, help_text="Rows loaded.", label_names=["tap"])
()

``name`` is the family name as the text format 0.0.4 writes it in its
``# TYPE`` line: counters with their ``_total`` suffix, histograms and
summaries without ``_bucket``, ``_count`` or ``_sum``. It should already be a
valid metric name (:func:`~flext_observability.core.checks.check_metric_name`);
promtool rejects a whole exposition that holds an invalid one.

What promtool checks, and how (all confirmed against promtool 2.42):

- camelCase (``[a-z][A-Z]``) in the metric name or in a label name;
- a ``:`` in the name (colons are for recording rules);
- an abbreviated unit (``ms``, ``kb``...) as a ``_``-separated part other than
  the first, in any letter case;
- a unit of promlint's table (``minutes``, ``kilobytes``...) that is not the
  base unit, as any part, in exactly that letter case;
- a metric type (``counter``, ``gauge``, ``histogram``, ``summary``, and
  ``gauge_histogram`` spanning two parts) after a ``_``, in any letter case and
  whatever the family's own type;
- ``_total`` missing on a counter, or present on any other type;
- ``_bucket`` on a non-histogram, ``_count`` or ``_sum`` on a family that is
  neither a histogram nor a summary (exact letter case);
- a label ``le`` on a non-histogram or ``quantile`` on a non-summary;
- a help text that is missing or holds only spaces and tabs.

promtool picks the unit to check by iterating over a Go map, so when a name
holds parts of two different units (``x_bytes_minutes``), one run may warn
about ``minutes`` and the next not at all. :func:`lint_family` reports every
unit warning that some run may print (see :func:`unit_candidates`), so its
verdict does not depend on luck.

prometheus_client also exposes a ``<name>_created`` gauge next to counters,
histograms and summaries; promtool lints it with the same rules, and it is
clean whenever its family is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Final

from flext_observability.core.checks import add, check_choice, describe, key_path
from flext_observability.core.errors import FlextErrorCode, FlextFieldError
from flext_observability.core.values import MetricKind

UNITS: Final[Mapping[str, str]] = {
    # Base units name themselves.
    "amperes": "amperes",
    "bytes": "bytes",
    "celsius": "celsius",
    "grams": "grams",
    "joules": "joules",
    "kelvin": "kelvin",
    "meters": "meters",
    "metres": "metres",
    "seconds": "seconds",
    "volts": "volts",
    "minutes": "seconds",
    "hours": "seconds",
    "days": "seconds",
    "weeks": "seconds",
    "kelvins": "kelvin",
    "fahrenheit": "celsius",
    "rankine": "celsius",
    "inches": "meters",
    "yards": "meters",
    "miles": "meters",
    "bits": "bytes",
    "calories": "joules",
    "pounds": "grams",
    "ounces": "grams",
}
"""promlint's unit table: each unit word to its base unit."""

UNIT_PREFIXES: Final = (
    "pico",
    "nano",
    "micro",
    "milli",
    "centi",
    "deci",
    "deca",
    "hecto",
    "kilo",
    "kibi",
    "mega",
    "mibi",  # promlint's spelling: "mebibytes" passes, "mibibytes" does not
    "giga",
    "gibi",
    "tera",
    "tebi",
    "peta",
    "pebi",
)
"""promlint's unit prefixes, in the order it tries them (before the bare unit)."""

ABBREVIATED_UNITS: Final = ("s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d")
"""The abbreviations promlint refuses as a name part other than the first."""

TYPE_WORDS: Final = ("counter", "gauge", "histogram", "summary", "gauge_histogram")
"""The metric types promlint refuses after a ``_`` in the name (all of client_model's but untyped)."""

_CAMEL_CASE: Final = re.compile(r"[a-z][A-Z]")
_ACRONYM_END: Final = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_START: Final = re.compile(r"([a-z0-9])([A-Z])")
_SAME_VALUES: Final = "keep the values"
_BLANKS: Final = " \t"  # what the text format parser skips before a help text

_PREFIX_FACTORS: Final[Mapping[str, Fraction]] = {
    "pico": Fraction(1, 10**12),
    "nano": Fraction(1, 10**9),
    "micro": Fraction(1, 10**6),
    "milli": Fraction(1, 10**3),
    "centi": Fraction(1, 100),
    "deci": Fraction(1, 10),
    "deca": Fraction(10),
    "hecto": Fraction(100),
    "kilo": Fraction(10**3),
    "kibi": Fraction(2**10),
    "mega": Fraction(10**6),
    "mibi": Fraction(2**20),
    "giga": Fraction(10**9),
    "gibi": Fraction(2**30),
    "tera": Fraction(10**12),
    "tebi": Fraction(2**40),
    "peta": Fraction(10**15),
    "pebi": Fraction(2**50),
    "": Fraction(1),
}
"""How many base units one prefixed unit is worth, before the unit's own factor."""

_UNIT_FACTORS: Final[Mapping[str, Fraction]] = {
    "minutes": Fraction(60),
    "hours": Fraction(3600),
    "days": Fraction(86400),
    "weeks": Fraction(604800),
    "inches": Fraction("0.0254"),
    "yards": Fraction("0.9144"),
    "miles": Fraction("1609.344"),
    "bits": Fraction(1, 8),
    "calories": Fraction("4.184"),  # the thermochemical calorie
    "pounds": Fraction("453.59237"),
    "ounces": Fraction("28.349523125"),
}
"""Linear units: how many base units one unit is worth (absent means 1)."""

_AFFINE_UNITS: Final[Mapping[str, str]] = {
    "fahrenheit": "subtract 32 and multiply by 5/9",
    "rankine": "subtract 491.67 and multiply by 5/9",
}
"""Temperature scales with an offset, which no single factor converts."""

_ABBREVIATION_MEANINGS: Final[Mapping[str, tuple[tuple[str, str, Fraction], ...]]] = {
    "s": (("seconds", "seconds", Fraction(1)),),
    "sec": (("seconds", "seconds", Fraction(1)),),
    "ms": (("milliseconds", "seconds", Fraction(1, 10**3)),),
    "us": (("microseconds", "seconds", Fraction(1, 10**6)),),
    "ns": (("nanoseconds", "seconds", Fraction(1, 10**9)),),
    "m": (("minutes", "seconds", Fraction(60)), ("meters", "meters", Fraction(1))),
    "h": (("hours", "seconds", Fraction(3600)),),
    "d": (("days", "seconds", Fraction(86400)),),
    "b": (("bytes", "bytes", Fraction(1)),),
    "kb": (("kilobytes", "bytes", Fraction(10**3)),),
    "mb": (("megabytes", "bytes", Fraction(10**6)),),
    "gb": (("gigabytes", "bytes", Fraction(10**9)),),
    "tb": (("terabytes", "bytes", Fraction(10**12)),),
    "pb": (("petabytes", "bytes", Fraction(10**15)),),
}
"""What each abbreviation stands for: (meaning, base unit, base units per unit)."""

_RESERVED_SUFFIXES: Final[Mapping[str, tuple[frozenset[MetricKind], str]]] = {
    "_bucket": (frozenset({MetricKind.HISTOGRAM}), "the bucket series of histograms"),
    "_count": (frozenset({MetricKind.HISTOGRAM, MetricKind.SUMMARY}), "the count series of histograms and summaries"),
    "_sum": (frozenset({MetricKind.HISTOGRAM, MetricKind.SUMMARY}), "the sum series of histograms and summaries"),
}
"""Suffixes of the series a histogram or summary expands into, with who may use them."""

_RESERVED_LABELS: Final[Mapping[str, tuple[MetricKind, str]]] = {
    "le": (MetricKind.HISTOGRAM, "the bucket bound of histograms"),
    "quantile": (MetricKind.SUMMARY, "the quantile of summaries"),
}
"""Labels a histogram or summary sets itself, with the one type that may carry them."""


def _quote(text: str) -> str:
    """``text`` in quotes for a message, with anything unusual escaped."""
    return ascii(str.__str__(text))


def suggest_snake_case(name: str) -> str:
    """``name`` in snake_case, for hints: a ``_`` before each new word, all lowercase.

    >>> suggest_snake_case("rowsProcessed")
    'rows_processed'
    >>> suggest_snake_case("parseHTTPResponse_total")
    'parse_http_response_total'
    >>> suggest_snake_case("tap:rowCount")
    'tap:row_count'
    """
    # Split "HTTPResponse" before the last capital first, so an acronym stays one word.
    text = _ACRONYM_END.sub(r"\1_\2", name)
    return _WORD_START.sub(r"\1_\2", text).lower()


def _split_unit(part: str) -> tuple[int, str, str] | None:
    """``(prefix rank, prefix, unit)`` when ``part`` is a unit of promlint's table, else ``None``.

    The bare unit ranks after every prefix, because promlint tries it last.
    """
    if part in UNITS:
        return len(UNIT_PREFIXES), "", part
    for rank, prefix in enumerate(UNIT_PREFIXES):
        if part.startswith(prefix) and part[len(prefix) :] in UNITS:
            return rank, prefix, part[len(prefix) :]
    return None


def _unit_matches(parts: list[str]) -> list[tuple[str, str, str]]:
    """The unit word promlint picks for each unit of its table in the name, as ``(word, prefix, unit)``.

    For one unit, promlint tries the prefixes in order and the bare unit last,
    so ``x_bytes_kilobytes`` always yields ``kilobytes``; which unit it picks
    among several is left to Go's map order. The result follows the name.
    """
    best: dict[str, tuple[int, int, str, str]] = {}
    for index, part in enumerate(parts):
        split = _split_unit(part)
        if split is None:
            continue
        rank, prefix, unit = split
        found = best.get(unit)
        if found is None or rank < found[0]:
            best[unit] = (rank, index, part, prefix)
    picks = sorted((index, part, prefix, unit) for unit, (_, index, part, prefix) in best.items())
    return [(part, prefix, unit) for _, part, prefix, unit in picks]


def unit_candidates(name: str) -> tuple[tuple[str, str], ...]:
    """The ``(unit, base unit)`` pairs promtool may pick to check in ``name``, in name order.

    promtool checks exactly one of them (chosen by Go's map order, so it
    varies from run to run) and warns unless its unit is the base unit.

    >>> unit_candidates("disk_read_kilobytes_per_minutes")
    (('kilobytes', 'bytes'), ('minutes', 'seconds'))
    >>> unit_candidates("x_bytes_kilobytes")
    (('kilobytes', 'bytes'),)
    >>> unit_candidates("uptime_seconds")
    (('seconds', 'seconds'),)
    >>> unit_candidates("heap_mebibytes")
    ()
    """
    return tuple((word, UNITS[unit]) for word, _, unit in _unit_matches(name.split("_")))


def _conversion(prefix: str, unit: str, base: str) -> str:
    """How to turn values in ``prefix + unit`` into ``base``, as advice."""
    affine = _AFFINE_UNITS.get(unit)
    if affine is None:
        return _scale(_PREFIX_FACTORS[prefix] * _UNIT_FACTORS.get(unit, Fraction(1)))
    if not prefix:
        return affine
    return f"{_scale(_PREFIX_FACTORS[prefix])} to get {unit}, then {affine} to get {base}"


def _scale(factor: Fraction) -> str:
    """Advice to multiply or divide by ``factor``, in the simplest words.

    >>> _scale(Fraction(1, 1000)), _scale(Fraction(60)), _scale(Fraction("0.0254")), _scale(Fraction(1))
    ('divide by 1000', 'multiply by 60', 'multiply by 0.0254', 'keep the values')
    """
    if factor == 1:
        return _SAME_VALUES
    if factor.denominator == 1:
        return f"multiply by {factor.numerator}"
    if factor.numerator == 1:
        return f"divide by {factor.denominator}"
    return f"multiply by {float(factor):.10g}"


def _replace_parts(parts: list[str], old: str, new: str) -> str:
    """The name with each part except the first that equals ``old`` in any case replaced by ``new``.

    When the name already holds ``new``, the parts equal to ``old`` are dropped instead, so that
    ``bar_h_seconds`` becomes ``bar_seconds``, not ``bar_seconds_seconds``.

    >>> _replace_parts(["req", "ms"], "ms", "seconds"), _replace_parts(["bar", "h", "seconds"], "h", "seconds")
    ('req_seconds', 'bar_seconds')
    """
    rest = [part for part in parts[1:] if part.lower() != old.lower()]
    if new in rest:
        return "_".join([parts[0], *rest])
    return "_".join([parts[0], *(new if part.lower() == old.lower() else part for part in parts[1:])])


def _abbreviation_error(parts: list[str], written: str) -> FlextFieldError:
    """The problem of the abbreviation ``written``, with a fix for each thing it may stand for."""
    meanings = _ABBREVIATION_MEANINGS[written.lower()]
    fixes = []
    for meaning, base, factor in meanings:
        renamed = _quote(_replace_parts(parts, written, base))
        fix = (
            f"rename it to {renamed}" if factor == 1 else f"record {base} ({_scale(factor)}) and rename it to {renamed}"
        )
        fixes.append(f"for {meaning}, {fix}" if len(meanings) > 1 else fix)
    what = " or ".join(meaning for meaning, _, _ in meanings)
    return FlextFieldError(
        code=FlextErrorCode.NAMING_ABBREVIATED_UNIT,
        field="name",
        message=f"{_quote(written)} abbreviates {what}; spell the unit out in its base unit: " + "; ".join(fixes),
    )


def _replace_whole(parts: list[str], word: str, base: str) -> str:
    """The name with the parts equal to ``word`` replaced by ``base``, or dropped when ``base`` is already there.

    >>> _replace_whole(["size", "kilobytes"], "kilobytes", "bytes")
    'size_bytes'
    >>> _replace_whole(["a", "minutes", "seconds"], "minutes", "seconds")
    'a_seconds'
    """
    rest = [part for part in parts if part != word]
    if base in rest:
        return "_".join(rest)
    return "_".join(base if part == word else part for part in parts)


def _unit_error(parts: list[str], word: str, prefix: str, unit: str) -> FlextFieldError:
    """The problem of the non-base unit ``word`` (``prefix + unit``), with how to convert."""
    base = UNITS[unit]
    conversion = _conversion(prefix, unit, base)
    renamed = _quote(_replace_whole(parts, word, base))
    fix = (
        f"keep the values and rename it to {renamed}"
        if conversion == _SAME_VALUES
        else f"record {base} ({conversion}) and rename it to {renamed}"
    )
    return FlextFieldError(
        code=FlextErrorCode.NAMING_NON_BASE_UNIT,
        field="name",
        message=f"use base unit {_quote(base)} instead of {_quote(word)}: {fix}",
    )


def _name_errors(name: str, kind: MetricKind) -> list[FlextFieldError]:
    """The problems of the family name, in a fixed order of rules."""
    errors: list[FlextFieldError] = []
    parts = name.split("_")
    if _CAMEL_CASE.search(name) is not None:
        errors.append(
            FlextFieldError(
                code=FlextErrorCode.NAMING_CAMEL_CASE,
                field="name",
                message=f"metric names are snake_case, not camelCase; write it in snake_case: "
                f"{_quote(suggest_snake_case(name))}",
            ),
        )
    if ":" in name:
        errors.append(
            FlextFieldError(
                code=FlextErrorCode.NAMING_COLON,
                field="name",
                message=f"':' is reserved for recording rules; use '_' instead: {_quote(name.replace(':', '_'))}",
            ),
        )
    # promlint lowercases the name for abbreviations and types, and reports each word once.
    abbreviations: dict[str, str] = {}
    for part in parts[1:]:
        if part.lower() in ABBREVIATED_UNITS:
            abbreviations.setdefault(part.lower(), part)
    errors.extend(_abbreviation_error(parts, written) for written in abbreviations.values())
    for word, prefix, unit in _unit_matches(parts):
        base = UNITS[unit]
        if word != base:
            errors.append(_unit_error(parts, word, prefix, unit))
    lowered = name.lower()
    errors.extend(
        FlextFieldError(
            code=FlextErrorCode.NAMING_TYPE_IN_NAME,
            field="name",
            message=f"the name should not include the type {_quote(word)}, which Prometheus already knows; "
            f"drop it: {_quote(re.sub(f'_{word}(?=_|$)', '', name, flags=re.IGNORECASE))}",
        )
        for word in TYPE_WORDS
        if f"_{word}_" in lowered or lowered.endswith(f"_{word}")
    )
    errors.extend(_suffix_errors(name, kind))
    return errors


def _suffix_errors(name: str, kind: MetricKind) -> list[FlextFieldError]:
    """The problems of the name's last part: ``_total`` and the reserved suffixes."""
    errors: list[FlextFieldError] = []
    is_counter = kind == MetricKind.COUNTER
    has_total = name.endswith("_total")
    if is_counter and not has_total:
        errors.append(
            FlextFieldError(
                code=FlextErrorCode.NAMING_TOTAL_SUFFIX,
                field="name",
                message=f"counters are exposed with a '_total' suffix; rename it to {_quote(name + '_total')}",
            ),
        )
    if not is_counter and has_total:
        errors.append(
            FlextFieldError(
                code=FlextErrorCode.NAMING_TOTAL_SUFFIX,
                field="name",
                message=f"only counters end in '_total', and this is a {kind}; "
                f"drop the suffix ({_quote(name.removesuffix('_total'))}) or make it a counter",
            ),
        )
    for suffix, (owners, owner_text) in _RESERVED_SUFFIXES.items():
        if name.endswith(suffix) and kind not in owners:
            errors.append(
                FlextFieldError(
                    code=FlextErrorCode.NAMING_RESERVED_SUFFIX,
                    field="name",
                    message=f"the suffix {_quote(suffix)} is reserved for {owner_text}; "
                    f"rename it so that it does not end in {_quote(suffix)}",
                ),
            )
    return errors


def _label_errors(label: str, kind: MetricKind) -> list[FlextFieldError]:
    """The problems of one label name."""
    errors: list[FlextFieldError] = []
    field = key_path("labels", label)
    if _CAMEL_CASE.search(label) is not None:
        errors.append(
            FlextFieldError(
                code=FlextErrorCode.NAMING_CAMEL_CASE,
                field=field,
                message=f"label names are snake_case, not camelCase; write it in snake_case: "
                f"{_quote(suggest_snake_case(label))}",
            ),
        )
    reserved = _RESERVED_LABELS.get(label)
    if reserved is not None and kind != reserved[0]:
        errors.append(
            FlextFieldError(
                code=FlextErrorCode.NAMING_RESERVED_LABEL,
                field=field,
                message=f"the label {_quote(label)} holds {reserved[1]}; rename it "
                f"(for example {_quote(label + '_value')}) or make the metric a {reserved[0].value}",
            ),
        )
    return errors


def _has_help(help_text: object) -> bool:
    """Whether the text format would carry a non-empty help for ``help_text``."""
    # The parser skips spaces and tabs before the help, so a blank help reads as none.
    return isinstance(help_text, str) and bool(str.__str__(help_text).strip(_BLANKS))


def lint_family(
    name: str,
    kind: MetricKind,
    *,
    help_text: object,
    label_names: Iterable[str] = (),
) -> tuple[FlextFieldError, ...]:
    """Every problem ``promtool check metrics`` may print for one metric family.

    ``name`` is the family name as exposed (counters with ``_total``), ``kind``
    its type, ``help_text`` its help (anything but non-blank text counts as
    none) and ``label_names`` the labels of its series. The result holds one
    error per promtool line, in a stable order: the name's problems (camelCase,
    colon, abbreviations, units, types, suffixes), then the help, then each
    label in the given order. It is empty when promtool would stay silent.
    Arguments that cannot be linted (a ``name`` that is not text, a ``kind``
    that is not a :class:`MetricKind` or its value, ``label_names`` that are
    not an iterable of text) are reported alone, as ``wrong_type`` or
    ``invalid_choice`` errors: it never raises.

    >>> [error.message for error in lint_family("job_latency_milliseconds", MetricKind.HISTOGRAM, help_text="Job.")]
    ["use base unit 'seconds' instead of 'milliseconds': record seconds (divide by 1000) and rename it to
     'job_latency_seconds'"]
    >>> for error in lint_family("queue:depthCounter_total", MetricKind.GAUGE, help_text=None, label_names=["le"]):
    ...     print(error.field, error.code.value)
    name naming_camel_case
    name naming_colon
    name naming_total_suffix
    help missing_help
    labels['le'] naming_reserved_label
    >>> for error in lint_family(5, "meter", help_text="Rows.", label_names="tap"):
    ...     print(error.field, error.code.value)
    name wrong_type
    kind invalid_choice
    labels wrong_type
    """
    problems: list[FlextFieldError] = []
    checked_name = _text(problems, "name", name)
    checked_kind = check_choice(problems, "kind", kind, MetricKind)
    labels = _label_texts(problems, label_names)
    if checked_name is None or checked_kind is None or labels is None:
        return tuple(problems)
    return _lint(checked_name, checked_kind, help_text, labels)


def _lint(name: str, kind: MetricKind, help_text: object, label_names: list[str]) -> tuple[FlextFieldError, ...]:
    errors = _name_errors(name, kind)
    if not _has_help(help_text):
        errors.append(
            FlextFieldError(
                code=FlextErrorCode.MISSING_HELP,
                field="help",
                message="the metric has no help text; describe what it measures in one sentence",
            ),
        )
    for label in dict.fromkeys(label_names):
        errors.extend(_label_errors(label, kind))
    return tuple(errors)


def _text(problems: list[FlextFieldError], field: str, value: object) -> str | None:
    """``value`` as a plain ``str``, or ``None`` (reported) when it is not text."""
    if isinstance(value, str):
        # str.__str__ reads a str subclass's text without calling its overrides.
        return str.__str__(value)
    add(problems, FlextErrorCode.WRONG_TYPE, field, f"expected text (str), got {describe(value)}")
    return None


def _label_texts(problems: list[FlextFieldError], value: object) -> list[str] | None:
    """The label names as plain text, or ``None`` (reported) when they cannot be read."""
    if isinstance(value, str | bytes | bytearray):
        add(problems, FlextErrorCode.WRONG_TYPE, "labels", f"expected label names, got {describe(value)}")
        return None
    try:
        items = list(value)  # type: ignore[call-overload]
    except Exception:  # noqa: BLE001 - a user's iterable may fail in any way; report it
        add(
            problems, FlextErrorCode.WRONG_TYPE, "labels", f"expected an iterable of label names, got {describe(value)}"
        )
        return None
    before = len(problems)
    texts = [_text(problems, f"labels[{index}]", item) for index, item in enumerate(items)]
    if len(problems) != before:
        return None
    return [text for text in texts if text is not None]
