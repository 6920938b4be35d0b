"""Instrument definitions: what a metric is, checked once when it is defined.

A definition is checked against the metric rules of the entities, against the
naming conventions ``promtool check metrics`` enforces (see
:mod:`~flext_observability.core.metrics.naming`), and for its own parameters (bucket
bounds, quantiles, the series cap). A service asks for the same definition
twice and gets the same instrument; it asks for a different one under the same
name and gets a failure that says what differs.

>>> spec = define_instrument(kind="counter", name="pipeline_rows_total", help_text="Rows read.",
...                          label_names=("tap",)).unwrap()
>>> spec.name, spec.exposed_name
('pipeline_rows', 'pipeline_rows_total')
>>> [error.code.value for error in define_instrument(kind="gauge", name="queueSize", help_text="").failure().errors]
['naming_camel_case', 'missing_help']
"""

from __future__ import annotations

from typing import Final

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import (
    Problems,
    add,
    check_choice,
    check_count,
    check_finite,
    check_label_name,
    check_metric_name,
    check_text,
    describe,
    invalid,
    read_sequence,
)
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.limits import MAX_LABELS, MAX_TEXT_LENGTH
from flext_observability.core.metrics.aggregation import DEFAULT_BUCKETS, HistogramState, new_histogram
from flext_observability.core.metrics.metric import RESERVED_METRIC_LABELS, check_unit, check_unit_suffix
from flext_observability.core.metrics.naming import lint_family
from flext_observability.core.values import MetricKind

DEFAULT_MAX_SERIES: Final = 2000
"""Label sets one metric may hold before new ones go to the overflow series."""

DEFAULT_QUANTILES: Final = (0.5, 0.9, 0.99)
"""The quantiles a summary reports unless told otherwise."""

MAX_QUANTILES: Final = 20

OVERFLOW_LABEL: Final = "otel_metric_overflow"
"""The label of the one series that collects label sets beyond the cap (OpenTelemetry's name)."""

RESERVED_INSTRUMENT_LABELS: Final = RESERVED_METRIC_LABELS | {OVERFLOW_LABEL}


@frozen(kw_only=True)
class InstrumentSpec:
    """A checked instrument definition.

    ``name`` is the family name; a counter is exposed with ``_total`` appended
    (see :attr:`exposed_name`), as prometheus_client does.
    """

    kind: MetricKind
    name: str
    help: str
    unit: str = ""
    label_names: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()
    quantiles: tuple[float, ...] = ()
    max_series: int = DEFAULT_MAX_SERIES

    @property
    def exposed_name(self) -> str:
        """The family name in the Prometheus text format."""
        return f"{self.name}_total" if self.kind is MetricKind.COUNTER else self.name


def _check_label_names(problems: Problems, value: object) -> tuple[str, ...] | None:
    items = read_sequence(problems, "labels", value)
    if items is None or not check_count(problems, "labels", len(items), MAX_LABELS, "label names"):
        return None
    names: list[str] = []
    for index, item in enumerate(items):
        name = check_label_name(problems, f"labels[{index}]", item, RESERVED_INSTRUMENT_LABELS)
        if name is not None and name in names:
            add(problems, FlextErrorCode.WRONG_LABELS, f"labels[{index}]", f"{describe(name)} is listed twice")
        elif name is not None:
            names.append(name)
    return tuple(names) if len(names) == len(items) else None


def _check_buckets(problems: Problems, kind: MetricKind | None, value: object) -> tuple[float, ...] | None:
    if kind is not MetricKind.HISTOGRAM:
        if value is not None:
            add(problems, FlextErrorCode.WRONG_TYPE, "buckets", "only histograms have buckets")
            return None
        return ()
    bounds = new_histogram(DEFAULT_BUCKETS if value is None else value).map(_bounds_of)
    if isinstance(bounds, Failure):
        # new_histogram names its argument "bounds"; here it is the "buckets" parameter.
        problems.extend(
            FlextFieldError(code=item.code, field=item.field.replace("bounds", "buckets", 1), message=item.message)
            for item in bounds.failure().errors
        )
        return None
    return bounds.value_or(())


def _bounds_of(state: HistogramState) -> tuple[float, ...]:
    return state.bounds


def _check_quantiles(problems: Problems, kind: MetricKind | None, value: object) -> tuple[float, ...] | None:
    if kind is not MetricKind.SUMMARY:
        if value is not None:
            add(problems, FlextErrorCode.WRONG_TYPE, "quantiles", "only summaries have quantiles")
            return None
        return ()
    items = read_sequence(problems, "quantiles", DEFAULT_QUANTILES if value is None else value)
    if items is None or not check_count(problems, "quantiles", len(items), MAX_QUANTILES, "quantiles"):
        return None
    checked: list[float] = []
    for index, item in enumerate(items):
        number = check_finite(problems, f"quantiles[{index}]", item)
        if number is not None and not 0.0 <= number <= 1.0:
            add(problems, FlextErrorCode.OUT_OF_RANGE, f"quantiles[{index}]", "a quantile is a number from 0 to 1")
        elif number is not None:
            checked.append(number)
    if len(checked) != len(items):
        return None
    if len(set(checked)) != len(checked):
        add(problems, FlextErrorCode.NOT_INCREASING, "quantiles", "each quantile may be listed only once")
        return None
    return tuple(sorted(checked))


def _check_max_series(problems: Problems, value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        add(problems, FlextErrorCode.WRONG_TYPE, "max_series", f"must be an int of 1 or more, got {describe(value)}")
        return None
    number = int.__int__(value)
    if number < 1:
        add(problems, FlextErrorCode.OUT_OF_RANGE, "max_series", f"must be 1 or more, got {number}")
        return None
    return number


def define_instrument(  # noqa: PLR0913 - one argument per part of the definition
    *,
    kind: object,
    name: object,
    help_text: object,
    unit: object = "",
    label_names: object = (),
    buckets: object = None,
    quantiles: object = None,
    max_series: object = DEFAULT_MAX_SERIES,
) -> Result[InstrumentSpec, FlextValidationError]:
    """Check a definition; every broken rule and naming convention is reported at once."""
    problems: Problems = []
    checked_kind = check_choice(problems, "kind", kind, MetricKind)
    checked_name = check_metric_name(problems, "name", name)
    checked_help = check_text(problems, "help", help_text, max_length=MAX_TEXT_LENGTH, allow_empty=True)
    checked_unit = check_unit(problems, unit)
    checked_labels = _check_label_names(problems, label_names)
    checked_buckets = _check_buckets(problems, checked_kind, buckets)
    checked_quantiles = _check_quantiles(problems, checked_kind, quantiles)
    checked_max = _check_max_series(problems, max_series)
    if checked_kind is not None and checked_name is not None:
        base = checked_name.removesuffix("_total") if checked_kind is MetricKind.COUNTER else checked_name
        if checked_unit:
            check_unit_suffix(problems, base, checked_unit, MetricKind.GAUGE)
        exposed = f"{base}_total" if checked_kind is MetricKind.COUNTER else base
        problems.extend(
            lint_family(
                exposed,
                checked_kind,
                # A help text of the wrong type is already reported; do not report it missing too.
                help_text="-" if checked_help is None else checked_help,
                label_names=checked_labels or (),
            ),
        )
        checked_name = base
    if (
        problems
        or checked_kind is None
        or checked_name is None
        or checked_help is None
        or checked_unit is None
        or checked_labels is None
        or checked_buckets is None
        or checked_quantiles is None
        or checked_max is None
    ):
        return invalid("instrument", problems)
    return Success(
        InstrumentSpec(
            kind=checked_kind,
            name=checked_name,
            help=checked_help,
            unit=checked_unit,
            label_names=checked_labels,
            buckets=checked_buckets,
            quantiles=checked_quantiles,
            max_series=checked_max,
        ),
    )


_SAMPLE_SUFFIXES: Final = {
    MetricKind.COUNTER: ("_total", "_created"),
    MetricKind.GAUGE: (),
    MetricKind.HISTOGRAM: ("_bucket", "_count", "_sum", "_created"),
    MetricKind.SUMMARY: ("_count", "_sum", "_created"),
}


def occupied_names(spec: InstrumentSpec) -> frozenset[str]:
    """Every name the exposition formats give this instrument's family and samples.

    OpenMetrics reserves ``_created`` beside counters, histograms and
    summaries, and a family may not reuse another's sample name.

    >>> sorted(occupied_names(define_instrument(kind="counter", name="jobs_total", help_text="Jobs.").unwrap()))
    ['jobs', 'jobs_created', 'jobs_total']
    """
    return frozenset({spec.name, *(spec.name + suffix for suffix in _SAMPLE_SUFFIXES[spec.kind])})


def name_clash(existing: InstrumentSpec, wanted: InstrumentSpec) -> FlextValidationError | None:
    """``None`` unless the two (differently named) instruments would expose a name twice."""
    shared = occupied_names(existing) & occupied_names(wanted)
    if not shared or existing.name == wanted.name:
        return None
    problems: Problems = []
    add(
        problems,
        FlextErrorCode.CONFLICTING_DEFINITION,
        "name",
        f"{wanted.exposed_name!r} would expose {', '.join(sorted(shared))}, which the {existing.kind.value} "
        f"{existing.exposed_name!r} already exposes; choose another name",
    )
    return FlextValidationError(entity="instrument", errors=tuple(problems))


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(str(value))  # str() turns a kind into its plain value


def instrument_conflict(existing: InstrumentSpec, wanted: InstrumentSpec) -> FlextValidationError | None:
    """``None`` when ``wanted`` is the same definition, else what differs.

    The series cap is not part of the identity: asking again with another cap
    keeps the first one.
    """
    problems: Problems = []
    for field in ("kind", "help", "unit", "label_names", "buckets", "quantiles"):
        before, after = getattr(existing, field), getattr(wanted, field)
        if before != after:
            add(
                problems,
                FlextErrorCode.CONFLICTING_DEFINITION,
                field,
                f"{existing.exposed_name!r} is already defined with {field} {_show(before)}, not {_show(after)}; "
                "use the existing definition or another name",
            )
    return FlextValidationError(entity="instrument", errors=tuple(problems)) if problems else None
