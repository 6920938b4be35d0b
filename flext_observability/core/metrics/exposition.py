"""Snapshots of live metrics, and the metric families they expose.

A :class:`MetricsSnapshot` is an immutable copy of every series of a metrics
service at one moment. :func:`expose` turns it into plain families and
samples, named and labelled as the Prometheus text format and OpenMetrics
expect; the shell hands those to prometheus_client, which renders them.
Snapshots of several processes combine with :func:`merge_snapshots`.

>>> from flext_observability.core.metrics.aggregation import CounterState
>>> from flext_observability.core.metrics.instruments import define_instrument
>>> spec = define_instrument(kind="counter", name="rows_total", help_text="Rows.", label_names=("tap",)).unwrap()
>>> snapshot = MetricsSnapshot(families=(
...     FamilySnapshot(spec=spec, series=(SeriesSnapshot((("tap", "pg"),), CounterState(value=3.0)),)),
... ))
>>> [(sample.name, sample.labels, sample.value) for sample in expose(snapshot)[0].samples]
[('rows_total', {'tap': 'pg'}, 3.0)]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from attrs import frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import Problems, add, describe, invalid
from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.metrics.aggregation import (
    AggregationState,
    CounterState,
    GaugeState,
    HistogramState,
    merge,
)
from flext_observability.core.metrics.instruments import InstrumentSpec, instrument_conflict
from flext_observability.core.metrics.sketch import sketch_quantile
from flext_observability.core.records import nest_errors
from flext_observability.core.values import MetricKind

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

LabelPairs = tuple[tuple[str, str], ...]
"""A series' labels as (name, value) pairs in the instrument's label order."""


class SeriesSnapshot(NamedTuple):
    """One series: its labels and its aggregated state."""

    labels: LabelPairs
    state: AggregationState


class Exemplar(NamedTuple):
    """An observation of a histogram bucket made inside a sampled span: the span's ids, the value, when.

    OpenMetrics shows it after the bucket's sample, so that a slow bucket
    links to a trace of one of its requests.
    """

    trace_id: str
    span_id: str
    value: float
    timestamp: float


BucketExemplars = tuple[Exemplar | None, ...]
"""The latest exemplar of each bucket of one histogram series (``+Inf`` last); ``None`` where there is none."""


@frozen(kw_only=True)
class FamilySnapshot:
    """One instrument: its definition and its series, ordered by label values.

    ``exemplars`` pairs a histogram series' labels with its buckets'
    exemplars; series without any are left out, and other kinds have none.
    """

    spec: InstrumentSpec
    series: tuple[SeriesSnapshot, ...]
    exemplars: tuple[tuple[LabelPairs, BucketExemplars], ...] = ()

    def state(self, **labels: str) -> AggregationState | None:
        """The state of the series with exactly these labels, if any.

        Label values are text; no series has a label value that is not a
        ``str``, so such a value finds ``None``.
        """
        wanted: dict[str, str] = {}
        given: Mapping[str, object] = labels  # the annotation binds type checkers, not every caller
        for key, value in given.items():
            if not isinstance(value, str):
                return None
            # str.__str__ reads a str subclass's text without calling its overrides.
            wanted[str.__str__(key)] = str.__str__(value)
        for series in self.series:
            if dict(series.labels) == wanted:
                return series.state
        return None


@frozen(kw_only=True)
class MetricsSnapshot:
    """Every instrument of a metrics service at one moment, ordered by name."""

    families: tuple[FamilySnapshot, ...]

    def family(self, name: str) -> FamilySnapshot | None:
        """The family called ``name`` (for counters, with or without ``_total``); ``None`` for a non-str."""
        given: object = name  # the annotation binds type checkers, not every caller
        if not isinstance(given, str):
            return None
        text = str.__str__(given)
        for family in self.families:
            if text in {family.spec.name, family.spec.exposed_name}:
                return family
        return None


def _merge_family(first: FamilySnapshot, second: FamilySnapshot) -> Result[FamilySnapshot, FlextValidationError]:
    conflict = instrument_conflict(first.spec, second.spec)
    if conflict is not None:
        return Failure(conflict)
    merged: dict[LabelPairs, AggregationState] = {series.labels: series.state for series in first.series}
    problems: Problems = []
    for labels, state in second.series:
        if labels not in merged:
            merged[labels] = state
            continue
        # Both states come from one instrument, so they are of one kind; merge checks it anyway.
        result: Result[AggregationState, FlextValidationError] = merge(cast("Any", merged[labels]), state)
        if isinstance(result, Success):
            merged[labels] = result.unwrap()
        else:
            nest_errors(problems, f"{first.spec.name}{dict(labels)}", result.failure())
    if problems:
        return invalid("snapshot", problems)
    series = tuple(SeriesSnapshot(labels, state) for labels, state in sorted(merged.items()))
    return Success(FamilySnapshot(spec=first.spec, series=series, exemplars=_merge_exemplars(first, second)))


def _merge_exemplars(first: FamilySnapshot, second: FamilySnapshot) -> tuple[tuple[LabelPairs, BucketExemplars], ...]:
    """Per series and bucket, the later of the two exemplars."""
    merged: dict[LabelPairs, BucketExemplars] = dict(first.exemplars)
    for labels, buckets in second.exemplars:
        earlier = merged.get(labels)
        if earlier is None or len(earlier) != len(buckets):
            merged[labels] = buckets
            continue
        merged[labels] = tuple(
            new if old is None or (new is not None and new.timestamp >= old.timestamp) else old
            for old, new in zip(earlier, buckets, strict=True)
        )
    return tuple(sorted(merged.items()))


def merge_snapshots(first: MetricsSnapshot, second: MetricsSnapshot) -> Result[MetricsSnapshot, FlextValidationError]:
    """Combine the snapshots of two processes: same-named series are merged.

    Counters, histograms and summaries add up; gauges are summed (see
    :func:`~flext_observability.core.metrics.aggregation.merge`). Families defined
    differently in the two snapshots are a failure, and so is anything that
    is not a well-formed ``MetricsSnapshot`` (``WRONG_TYPE``): it never raises.

    >>> print(merge_snapshots(MetricsSnapshot(families=()), None).failure())
    invalid snapshot: second: expected a MetricsSnapshot made by a metrics service,
    got a value of type NoneType [wrong_type]
    """
    problems: Problems = []
    for field, snapshot in (("first", first), ("second", second)):
        if not _is_well_formed_snapshot(snapshot):
            add(
                problems,
                FlextErrorCode.WRONG_TYPE,
                field,
                f"expected a MetricsSnapshot made by a metrics service, got {describe(snapshot)}",
            )
    if problems:
        return invalid("snapshot", problems)
    families = {family.spec.name: family for family in first.families}
    for family in second.families:
        if family.spec.name not in families:
            families[family.spec.name] = family
            continue
        result = _merge_family(families[family.spec.name], family)
        if isinstance(result, Success):
            families[family.spec.name] = result.unwrap()
        else:
            nest_errors(problems, family.spec.name, result.failure())
    if problems:
        return invalid("snapshot", problems)
    return Success(MetricsSnapshot(families=tuple(families[name] for name in sorted(families))))


def _is_well_formed_snapshot(snapshot: object) -> bool:
    # Exact types only: a hand-made snapshot's subclasses could override the hashing and comparisons merging uses.
    return (
        isinstance(snapshot, MetricsSnapshot)
        and type(snapshot.families) is tuple
        and all(_is_well_formed_family(family) for family in snapshot.families)
    )


def _is_well_formed_family(family: object) -> bool:
    return (
        isinstance(family, FamilySnapshot)
        and _is_well_formed_spec(family.spec)
        and type(family.series) is tuple
        and all(type(series) is SeriesSnapshot and _is_text_pairs(series.labels) for series in family.series)
        and type(family.exemplars) is tuple
        and all(_is_well_formed_exemplars(entry) for entry in family.exemplars)
    )


def _is_well_formed_exemplars(entry: object) -> bool:
    if type(entry) is not tuple or len(entry) != 2 or not _is_text_pairs(entry[0]) or type(entry[1]) is not tuple:
        return False
    return all(
        exemplar is None
        or (
            type(exemplar) is Exemplar
            and type(exemplar.trace_id) is str
            and type(exemplar.span_id) is str
            and type(exemplar.value) is float
            and type(exemplar.timestamp) is float
        )
        for exemplar in entry[1]
    )


def _is_well_formed_spec(spec: object) -> bool:
    if not isinstance(spec, InstrumentSpec):
        return False
    kind: object = spec.kind  # attrs checks no types: a hand-made spec may hold anything
    return (
        isinstance(kind, MetricKind)
        and type(spec.name) is str
        and type(spec.help) is str
        and type(spec.unit) is str
        and _is_tuple_of(spec.label_names, str)
        and _is_tuple_of(spec.buckets, float)
        and _is_tuple_of(spec.quantiles, float)
    )


def _is_tuple_of(value: object, kind: type) -> bool:
    return type(value) is tuple and all(type(item) is kind for item in value)


def _is_text_pairs(labels: object) -> bool:
    return type(labels) is tuple and all(
        type(pair) is tuple and len(pair) == 2 and _is_tuple_of(pair, str) for pair in labels
    )


class ExpositionSample(NamedTuple):
    """One sample line: full sample name, labels, value, and a histogram bucket's exemplar if it has one."""

    name: str
    labels: dict[str, str]
    value: float
    exemplar: Exemplar | None = None


@frozen(kw_only=True)
class ExpositionFamily:
    """One family as the exposition formats describe it."""

    name: str
    kind: MetricKind
    help: str
    unit: str
    samples: tuple[ExpositionSample, ...]


def format_float(value: float) -> str:
    """A float as Go (and so Prometheus) writes it in ``le`` and ``quantile`` labels.

    >>> [format_float(x) for x in (0.005, 1.0, 1e7, float("inf"))]
    ['0.005', '1.0', '1e+07', '+Inf']
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    dot = text.find(".")
    # Python's repr keeps positional notation up to 1e16; Go switches to an
    # exponent from 1e21 in general but from 1e7 for these labels' values.
    if value > 0 and dot > 6:
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
        return f"{mantissa}e+{dot - 1:02d}"
    return text


def _samples(
    spec: InstrumentSpec, labels: dict[str, str], state: AggregationState, exemplars: BucketExemplars = ()
) -> Iterable[ExpositionSample]:
    name = spec.name
    if isinstance(state, CounterState):
        return (ExpositionSample(f"{name}_total", labels, state.value),)
    if isinstance(state, GaugeState):
        return (ExpositionSample(name, labels, state.value),)
    if isinstance(state, HistogramState):
        bounds = (*state.bounds, math.inf)
        shown = exemplars if len(exemplars) == len(bounds) else (None,) * len(bounds)
        buckets = [
            ExpositionSample(f"{name}_bucket", {**labels, "le": format_float(bound)}, float(count), exemplar)
            for bound, count, exemplar in zip(bounds, state.cumulative, shown, strict=True)
        ]
        return (
            *buckets,
            ExpositionSample(f"{name}_count", labels, float(state.count)),
            ExpositionSample(f"{name}_sum", labels, state.sum),
        )
    quantiles = [
        ExpositionSample(name, {**labels, "quantile": format_float(q)}, sketch_quantile(state, q))
        for q in spec.quantiles
    ]
    return (
        *quantiles,
        ExpositionSample(f"{name}_count", labels, float(state.count)),
        ExpositionSample(f"{name}_sum", labels, state.sum),
    )


def expose(snapshot: MetricsSnapshot) -> tuple[ExpositionFamily, ...]:
    """The families and samples of a snapshot, in exposition order."""
    families: list[ExpositionFamily] = []
    for family in snapshot.families:
        spec = family.spec
        samples: list[ExpositionSample] = []
        exemplars = dict(family.exemplars)
        for series in family.series:
            samples.extend(_samples(spec, dict(series.labels), series.state, exemplars.get(series.labels, ())))
        families.append(
            ExpositionFamily(name=spec.name, kind=spec.kind, help=spec.help, unit=spec.unit, samples=tuple(samples)),
        )
    return tuple(families)
