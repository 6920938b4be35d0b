"""Instrument definitions, snapshots, merging and exposition in the core."""

from __future__ import annotations

import math

import pytest
from prometheus_client.utils import floatToGoString
from returns.result import Failure, Success

from flext_observability import FlextErrorCode
from flext_observability.core.metrics.aggregation import CounterState, GaugeState, new_histogram, observe
from flext_observability.core.metrics.exposition import (
    FamilySnapshot,
    MetricsSnapshot,
    SeriesSnapshot,
    expose,
    format_float,
    merge_snapshots,
)
from flext_observability.core.metrics.instruments import InstrumentSpec, define_instrument, instrument_conflict
from flext_observability.core.metrics.sketch import new_sketch, sketch_add


def _spec(kind: str = "counter", name: str = "rows_total", **options: object) -> InstrumentSpec:
    return define_instrument(kind=kind, name=name, help_text="Help.", **options).unwrap()


def _codes(**fields: object) -> list[tuple[str, str]]:
    arguments: dict[str, object] = {"kind": "counter", "name": "rows_total", "help_text": "Help.", **fields}
    return [(error.field, error.code.value) for error in define_instrument(**arguments).failure().errors]


def test_definitions_normalise_names_and_parameters() -> None:
    """Counters drop ``_total``; histograms get default buckets; summaries sorted quantiles."""
    assert _spec().name == "rows"
    assert _spec("histogram", "load_seconds", unit="seconds").buckets[:2] == (0.005, 0.01)
    assert _spec("summary", "size_bytes", unit="bytes", quantiles=(0.99, 0.5)).quantiles == (0.5, 0.99)
    assert _spec("gauge", "lag_seconds", unit="seconds").exposed_name == "lag_seconds"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"label_names": ("tap", "tap")}, [("labels[1]", "wrong_labels")]),
        ({"label_names": "tap"}, [("labels", "wrong_type")]),
        ({"label_names": ("otel_metric_overflow",)}, [("labels[0]", "reserved_name")]),
        ({"buckets": (1.0,)}, [("buckets", "wrong_type")]),
        ({"quantiles": (0.5,)}, [("quantiles", "wrong_type")]),
        ({"max_series": 0}, [("max_series", "out_of_range")]),
        ({"max_series": True}, [("max_series", "wrong_type")]),
        ({"kind": "meter"}, [("kind", "invalid_choice")]),
        ({"kind": "histogram", "name": "load_seconds", "buckets": (1.0, 0.5)}, [("buckets[1]", "not_increasing")]),
        ({"kind": "summary", "name": "size", "quantiles": 0.5}, [("quantiles", "wrong_type")]),
        ({"kind": "summary", "name": "size", "quantiles": (0.5, 1.5)}, [("quantiles[1]", "out_of_range")]),
        ({"kind": "summary", "name": "size", "quantiles": (0.5, math.nan)}, [("quantiles[1]", "not_finite")]),
        ({"kind": "summary", "name": "size", "quantiles": (0.5, 0.5)}, [("quantiles", "not_increasing")]),
        ({"help_text": 3}, [("help", "wrong_type")]),
    ],
)
def test_definition_problems(fields: dict[str, object], expected: list[tuple[str, str]]) -> None:
    """Each bad part of a definition is reported on its own field."""
    assert _codes(**fields) == expected


def test_a_bad_name_skips_the_naming_lint() -> None:
    """An invalid name is reported once, without lint noise about its parts."""
    assert _codes(name="rows-total") == [("name", "invalid_name")]


def test_conflicts_ignore_the_series_cap() -> None:
    """The series cap is not part of an instrument's identity; everything else is."""
    assert instrument_conflict(_spec(max_series=5), _spec(max_series=9)) is None
    conflict = instrument_conflict(_spec(label_names=("a",)), _spec("gauge", "rows"))
    assert conflict is not None
    assert [error.field for error in conflict.errors] == ["kind", "label_names"]
    assert "['a'], not []" in conflict.errors[1].message
    histograms = instrument_conflict(
        _spec("histogram", "load_seconds", unit="seconds", buckets=(0.5,)),
        _spec("histogram", "load_seconds", unit="seconds", buckets=(0.25,)),
    )
    assert histograms is not None
    assert "[0.5], not [0.25]" in histograms.errors[0].message


def test_format_float_matches_prometheus_client() -> None:
    """Bucket bounds and quantiles are written as prometheus_client (and Go) writes them."""
    for value in (0.005, 0.5, 1.0, 10.0, 1e7, 123456789.0, 1e-7, -1.5, math.inf, -math.inf, math.nan, 0.0):
        assert format_float(value) == floatToGoString(value)  # type: ignore[no-untyped-call]


def _snapshot(spec: InstrumentSpec, *series: tuple[tuple[tuple[str, str], ...], object]) -> MetricsSnapshot:
    return MetricsSnapshot(
        families=(FamilySnapshot(spec=spec, series=tuple(SeriesSnapshot(labels, state) for labels, state in series)),),  # type: ignore[arg-type]
    )


def test_merge_snapshots_adds_series_and_keeps_new_ones() -> None:
    """Merging adds same-labelled series, keeps the others, and orders families by name."""
    rows = _spec(label_names=("tap",))
    first = _snapshot(rows, ((("tap", "a"),), CounterState(value=1.0)), ((("tap", "b"),), CounterState(value=2.0)))
    second = _snapshot(rows, ((("tap", "a"),), CounterState(value=4.0)), ((("tap", "c"),), CounterState(value=8.0)))
    lag = _snapshot(_spec("gauge", "lag"), ((), GaugeState(value=3.0)))
    merged = merge_snapshots(first, MetricsSnapshot(families=second.families + lag.families)).unwrap()
    assert [family.spec.name for family in merged.families] == ["lag", "rows"]
    family = merged.family("rows_total")
    assert family is not None
    assert family.state(tap="a") == CounterState(value=5.0)
    assert family.state(tap="c") == CounterState(value=8.0)
    assert family.state(tap="z") is None
    assert merged.family("missing") is None


def test_merge_snapshots_reports_conflicts_and_bad_states() -> None:
    """Different definitions, or states that do not merge, make the merge fail."""
    rows = _spec(label_names=("tap",))
    other = _spec(label_names=("table",))
    conflict = merge_snapshots(_snapshot(rows), _snapshot(other))
    assert isinstance(conflict, Failure)
    assert conflict.failure().codes == {FlextErrorCode.CONFLICTING_DEFINITION}
    broken = merge_snapshots(
        _snapshot(rows, ((("tap", "a"),), CounterState(value=1.0))),
        _snapshot(rows, ((("tap", "a"),), GaugeState(value=1.0))),
    )
    assert isinstance(broken, Failure)
    assert broken.failure().errors[0].field.startswith("rows")


def test_expose_writes_every_kind() -> None:
    """Each kind becomes its samples: _total, the value, cumulative buckets, quantiles with count and sum."""
    histogram = observe(new_histogram((1.0,)).unwrap(), 0.5).unwrap()
    sketch = sketch_add(new_sketch().unwrap(), 4.0).unwrap()
    snapshot = MetricsSnapshot(
        families=(
            FamilySnapshot(spec=_spec(), series=(SeriesSnapshot((), CounterState(value=2.0)),)),
            FamilySnapshot(spec=_spec("gauge", "lag"), series=(SeriesSnapshot((), GaugeState(value=-1.0)),)),
            FamilySnapshot(
                spec=_spec("histogram", "load_seconds", unit="seconds", buckets=(1.0,)),
                series=(SeriesSnapshot((), histogram),),
            ),
            FamilySnapshot(
                spec=_spec("summary", "size_bytes", unit="bytes", quantiles=(0.5,)),
                series=(SeriesSnapshot((), sketch),),
            ),
        ),
    )
    samples = [
        (sample.name, sample.labels, round(sample.value, 1)) for family in expose(snapshot) for sample in family.samples
    ]
    assert samples == [
        ("rows_total", {}, 2.0),
        ("lag", {}, -1.0),
        ("load_seconds_bucket", {"le": "1.0"}, 1.0),
        ("load_seconds_bucket", {"le": "+Inf"}, 1.0),
        ("load_seconds_count", {}, 1.0),
        ("load_seconds_sum", {}, 0.5),
        ("size_bytes", {"quantile": "0.5"}, 4.0),
        ("size_bytes_count", {}, 1.0),
        ("size_bytes_sum", {}, 4.0),
    ]
    assert isinstance(merge_snapshots(snapshot, snapshot), Success)


def test_name_clashes_across_kinds() -> None:
    """Instruments whose exposed names overlap (``_created``, ``_count``...) clash; same-named ones do not."""
    from flext_observability.core.metrics.instruments import name_clash, occupied_names  # noqa: PLC0415

    jobs = _spec(name="jobs_total")
    assert occupied_names(_spec("histogram", "wait_seconds", unit="seconds")) == {
        "wait_seconds",
        "wait_seconds_bucket",
        "wait_seconds_count",
        "wait_seconds_sum",
        "wait_seconds_created",
    }
    clash = name_clash(jobs, _spec("gauge", "jobs_created"))
    assert clash is not None
    assert "jobs_created" in clash.errors[0].message
    assert name_clash(jobs, _spec("gauge", "jobs_running")) is None
    assert name_clash(jobs, jobs) is None
