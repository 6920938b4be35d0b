"""FlextMetricsService: instruments, labels, refusals, the series cap and entities."""

from __future__ import annotations

import logging
import math

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from returns.result import Failure, Success

from flext_observability import FlextErrorCode, build_metric
from flext_observability.cli.table import render_metrics_summary
from flext_observability.core.metrics.aggregation import CounterState, GaugeState, HistogramState, SketchState
from flext_observability.core.metrics.exposition import FamilySnapshot
from flext_observability.shell.metrics.series import OK
from flext_observability.shell.metrics.service import REJECTED_SAMPLES, SERIES_OVERFLOW, FlextMetricsService


def _family(service: FlextMetricsService, name: str) -> FamilySnapshot:
    family = service.snapshot().family(name)
    assert family is not None
    return family


def _rejected(service: FlextMetricsService, metric: str, reason: str) -> float:
    state = _family(service, REJECTED_SAMPLES).state(metric=metric, reason=reason)
    return 0.0 if state is None else state.value  # type: ignore[union-attr]


def test_same_definition_gives_the_same_instrument() -> None:
    """Asking twice with one definition returns the very same handle."""
    service = FlextMetricsService()
    first = service.counter("jobs_total", "Jobs run.", labels=("queue",)).unwrap()
    assert service.counter("jobs_total", "Jobs run.", labels=["queue"]).unwrap() is first
    assert service.counter("jobs", "Jobs run.", labels=("queue",)).unwrap() is first


def test_conflicting_definitions_say_what_differs() -> None:
    """A second definition under the same name fails and names each difference."""
    service = FlextMetricsService()
    service.histogram("load_seconds", "Load time.", unit="seconds", labels=("step",), buckets=(0.1, 1.0)).unwrap()
    failure = service.histogram("load_seconds", "Load time.", unit="seconds", labels=("tap",), buckets=(1.0,)).failure()
    assert [error.field for error in failure.errors] == ["label_names", "buckets"]
    assert failure.codes == {FlextErrorCode.CONFLICTING_DEFINITION}
    assert "['step'], not ['tap']" in failure.errors[0].message
    kind = service.gauge("load_seconds", "Load time.", unit="seconds", labels=("step",)).failure()
    assert kind.errors[0].field == "kind"


def test_names_breaking_conventions_are_refused_at_definition() -> None:
    """Convention problems promtool would report are failures with a hint when the instrument is made."""
    service = FlextMetricsService()
    failure = service.gauge("queueSize", "").failure()
    assert failure.codes == {FlextErrorCode.NAMING_CAMEL_CASE, FlextErrorCode.MISSING_HELP}
    assert "queue_size" in failure.errors[0].message
    assert service.gauge("lag_total", "Lag.").failure().codes == {FlextErrorCode.NAMING_TOTAL_SUFFIX}
    assert service.counter("lag_ms_total", "Lag.").failure().codes == {FlextErrorCode.NAMING_ABBREVIATED_UNIT}
    assert service.gauge("lag", "Lag.", unit="seconds").failure().codes == {FlextErrorCode.UNIT_SUFFIX_MISSING}
    assert service.counter("rows_total", "Rows.", labels=("le",)).failure().codes == {FlextErrorCode.RESERVED_NAME}


def test_labels_by_name_or_position_reach_one_series() -> None:
    """``labels(tap=x)`` and ``labels(x)`` give the same series; different values give others."""
    service = FlextMetricsService()
    rows = service.counter("rows_total", "Rows.", labels=("tap", "step")).unwrap()
    series = rows.labels(tap="pg", step="load")
    assert rows.labels("pg", "load") is series
    assert rows.labels(step="load", tap="pg") is series
    assert rows.labels(tap="pg", step="read") is not series
    assert rows.labels(tap=200, step="load") is rows.labels(tap="200", step="load")


def test_wrong_labels_give_a_refusing_series() -> None:
    """Wrong label names or counts never raise: every operation fails, and is counted."""
    service = FlextMetricsService()
    rows = service.counter("rows_total", "Rows.", labels=("tap",)).unwrap()
    for bad in (rows.labels(table="x"), rows.labels("a", "b"), rows.labels("a", tap="b"), rows.labels(tap=["x"])):
        result = bad.inc()
        assert isinstance(result, Failure)
        assert result.failure().codes == {FlextErrorCode.WRONG_LABELS}
    assert rows.inc().failure().codes == {FlextErrorCode.WRONG_LABELS}
    assert _rejected(service, "rows_total", "wrong_labels") == 5
    assert _family(service, "rows_total").series == ()
    assert rows.labels(tap="x").labels(tap="y").inc().failure().codes == {FlextErrorCode.WRONG_LABELS}
    assert _family(service, "rows_total").state(tap="x") == CounterState(value=0.0)


def test_unlabeled_instruments_refuse_labels() -> None:
    """An instrument without labels is its own series; giving it labels is refused."""
    service = FlextMetricsService()
    jobs = service.counter("jobs_total", "Jobs.").unwrap()
    assert jobs.labels() is jobs
    assert jobs.labels(queue="x").inc().failure().codes == {FlextErrorCode.WRONG_LABELS}


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (-1, FlextErrorCode.NEGATIVE_COUNTER),
        (-0.5, FlextErrorCode.NEGATIVE_COUNTER),
        (math.nan, FlextErrorCode.NOT_FINITE),
        (math.inf, FlextErrorCode.NOT_FINITE),
        ("3", FlextErrorCode.WRONG_TYPE),
        (None, FlextErrorCode.WRONG_TYPE),
        (True, FlextErrorCode.WRONG_TYPE),
        (10**400, FlextErrorCode.NOT_FINITE),
        (1.7e308, FlextErrorCode.OUT_OF_RANGE),
    ],
)
def test_bad_increments_are_refused_and_change_nothing(amount: object, code: FlextErrorCode) -> None:
    """A bad increment returns a Failure with its code, is counted, and leaves the value as it was."""
    service = FlextMetricsService()
    jobs = service.counter("jobs_total", "Jobs.").unwrap()
    jobs.inc(2)
    jobs.inc(1e308)
    result = jobs.inc(amount)  # type: ignore[arg-type]
    assert result.failure().codes == {code}
    assert _family(service, "jobs_total").state() == CounterState(value=1e308)
    assert _rejected(service, "jobs_total", code.value) == 1


def test_large_and_subclassed_numbers_follow_the_core_rules() -> None:
    """Ints beyond 2**53 and int subclasses are accepted, as the core accepts them; bools are not."""
    from enum import IntEnum  # noqa: PLC0415 - only this test needs it

    class Size(IntEnum):
        BIG = 7

    service = FlextMetricsService()
    jobs = service.counter("jobs_total", "Jobs.").unwrap()
    assert jobs.inc(2**60) is OK
    assert jobs.inc(Size.BIG) is OK
    assert _family(service, "jobs_total").state() == CounterState(value=float(2**60) + 7)


def test_success_is_one_shared_value() -> None:
    """Every successful operation returns the same constant."""
    service = FlextMetricsService()
    jobs = service.counter("jobs_total", "Jobs.").unwrap()
    lag = service.gauge("lag_seconds", "Lag.", unit="seconds").unwrap()
    assert jobs.inc() is OK
    assert jobs.inc(2.5) is OK
    assert lag.set(3) is OK
    assert Success(None) == OK


def test_gauges_go_up_down_and_get_set() -> None:
    """Gauge set, inc and dec compose, and bad values are refused."""
    service = FlextMetricsService()
    depth = service.gauge("queue_depth", "Queued batches.").unwrap()
    depth.set(10)
    depth.inc(2.5)
    depth.dec()
    assert depth.set(math.nan).failure().codes == {FlextErrorCode.NOT_FINITE}
    assert depth.inc("x").failure().codes == {FlextErrorCode.WRONG_TYPE}  # type: ignore[arg-type]
    assert depth.dec(math.inf).failure().codes == {FlextErrorCode.NOT_FINITE}
    assert _family(service, "queue_depth").state() == GaugeState(value=11.5)


def test_histograms_count_le_inclusive_and_sum() -> None:
    """An observation equal to a bound lands in that bound's bucket; count and sum follow."""
    service = FlextMetricsService()
    latency = service.histogram("latency_seconds", "Latency.", unit="seconds", buckets=(0.1, 1.0)).unwrap()
    for value in (0.1, 0.5, 1.0, 7):
        latency.observe(value)
    assert latency.observe(math.nan).failure().codes == {FlextErrorCode.NOT_FINITE}
    state = _family(service, "latency_seconds").state()
    assert state == HistogramState(bounds=(0.1, 1.0), counts=(1, 2, 1), sum=8.6, count=4)


def test_summaries_report_sketch_quantiles() -> None:
    """A summary keeps count, sum and a sketch whose quantiles are within 1%."""
    service = FlextMetricsService()
    sizes = service.summary("batch_bytes", "Batch size.", unit="bytes", quantiles=(0.5, 0.99)).unwrap()
    for value in range(1, 1001):
        sizes.observe(value)
    state = _family(service, "batch_bytes").state()
    assert isinstance(state, SketchState)
    assert (state.count, state.sum) == (1000, 500500.0)
    text = service.export_prometheus().unwrap()
    median = next(line for line in text.splitlines() if line.startswith('batch_bytes{quantile="0.5"}'))
    assert abs(float(median.split()[-1]) - 500) <= 5
    assert sizes.observe(math.inf).failure().codes == {FlextErrorCode.NOT_FINITE}


def test_timers_record_elapsed_seconds() -> None:
    """``time()`` observes (or sets, for a gauge) the seconds a block took."""
    service = FlextMetricsService()
    latency = service.histogram("step_seconds", "Step time.", unit="seconds").unwrap()
    sizes = service.summary("step_duration_seconds", "Step time.", unit="seconds").unwrap()
    last = service.gauge("last_step_seconds", "Last step time.", unit="seconds").unwrap()
    with latency.time() as timer, sizes.time(), last.time():
        pass
    assert timer.result is OK
    assert _family(service, "step_seconds").state().count == 1  # type: ignore[union-attr]
    assert _family(service, "step_duration_seconds").state().count == 1  # type: ignore[union-attr]
    assert 0 <= _family(service, "last_step_seconds").state().value < 1  # type: ignore[union-attr]


def test_series_cap_sends_new_label_sets_to_one_overflow_series(caplog: pytest.LogCaptureFixture) -> None:
    """Beyond the cap, samples go to the overflow series; nothing is lost; a warning is logged once."""
    service = FlextMetricsService()
    rows = service.counter("rows_total", "Rows.", labels=("table",), max_series=3).unwrap()
    with caplog.at_level(logging.WARNING, logger="flext_observability.metrics"):
        for index in range(10):
            rows.labels(table=f"t{index}").inc(index)
        rows.labels(table="t1").inc(100)
    family = _family(service, "rows_total")
    labels = [dict(series.labels) for series in family.series]
    assert labels == [{"table": "t0"}, {"table": "t1"}, {"table": "t2"}, {"otel_metric_overflow": "true"}]
    values = [series.state.value for series in family.series if isinstance(series.state, CounterState)]
    assert sum(values) == sum(range(10)) + 100
    assert family.state(otel_metric_overflow="true") == CounterState(value=sum(range(3, 10)))
    overflow = _family(service, SERIES_OVERFLOW).state(metric="rows_total")
    assert overflow == CounterState(value=7.0)
    assert len([record for record in caplog.records if "rows_total" in record.getMessage()]) == 1


def test_record_metric_applies_each_kind() -> None:
    """Entities are recorded by kind: counters add, gauges set, histograms and summaries observe."""
    service = FlextMetricsService()
    entities = [
        build_metric(name="rows_total", value=3, kind="counter", labels={"tap": "pg"}, timestamp=1.0),
        build_metric(name="rows_total", value=4, kind="counter", labels={"tap": "pg"}, timestamp=2.0),
        build_metric(name="lag_seconds", value=9, kind="gauge", unit="seconds", timestamp=1.0),
        build_metric(name="load_seconds", value=0.2, kind="histogram", unit="seconds", timestamp=1.0),
        build_metric(name="size_bytes", value=10, kind="summary", unit="bytes", timestamp=1.0),
    ]
    for entity in entities:
        assert service.record_metric(entity.unwrap()) == entity
    assert _family(service, "rows_total").state(tap="pg") == CounterState(value=7.0)
    assert _family(service, "lag_seconds").state() == GaugeState(value=9.0)
    assert _family(service, "load_seconds").state().count == 1  # type: ignore[union-attr]
    assert _family(service, "size_bytes").state().count == 1  # type: ignore[union-attr]


def test_record_metric_reports_mismatches() -> None:
    """An entity whose kind, unit or labels differ from the instrument's is refused."""
    service = FlextMetricsService()
    service.counter("rows_total", "Rows.", labels=("tap",)).unwrap()
    gauge = build_metric(name="rows", value=1, kind="gauge", labels={"table": "x"}, timestamp=1.0).unwrap()
    failure = service.record_metric(gauge).failure()
    assert [error.field for error in failure.errors] == ["kind", "labels"]
    assert service.record_metric("not a metric").failure().codes == {FlextErrorCode.WRONG_TYPE}  # type: ignore[arg-type]
    camel = build_metric(name="rowsRead", value=1, timestamp=1.0).unwrap()
    assert service.record_metric(camel).failure().codes == {FlextErrorCode.NAMING_CAMEL_CASE}


def test_instrument_cap() -> None:
    """A service refuses instruments beyond its cap (the three self-metrics count)."""
    service = FlextMetricsService(max_instruments=4)
    assert isinstance(service.counter("a_total", "A."), Success)
    assert service.counter("b_total", "B.").failure().codes == {FlextErrorCode.TOO_MANY}
    with pytest.raises(ValueError, match="at least 1"):
        FlextMetricsService(max_series=0)


def test_export_round_trips_awkward_label_values() -> None:
    """Quotes, backslashes, newlines and Unicode in label values survive rendering and parsing."""
    from prometheus_client.openmetrics.parser import (  # noqa: PLC0415 - only this test parses
        text_string_to_metric_families as parse_openmetrics,
    )
    from prometheus_client.parser import text_string_to_metric_families  # noqa: PLC0415

    awkward = ['say "hi"', "back\\slash", "two\nlines", "naïve ☃ 日本", "", "tab\there"]
    service = FlextMetricsService()
    rows = service.counter("rows_total", "Rows.", labels=("table",)).unwrap()
    for index, value in enumerate(awkward):
        rows.labels(table=value).inc(index + 1)
    for text, parse in (
        (service.export_prometheus().unwrap(), text_string_to_metric_families),
        (service.export_prometheus(openmetrics=True).unwrap(), parse_openmetrics),
    ):
        samples = {
            sample.labels["table"]: sample.value
            for family in parse(text)
            for sample in family.samples
            if sample.name == "rows_total"
        }
        assert samples == {value: float(index + 1) for index, value in enumerate(awkward)}


def test_register_into_another_registry() -> None:
    """One call adds the service's collector to a user's registry; twice is a Failure."""
    service = FlextMetricsService()
    service.counter("jobs_total", "Jobs.").unwrap().inc()
    registry = CollectorRegistry()
    assert service.register(registry) == Success(service.collector)
    assert b"jobs_total 1.0" in generate_latest(registry)
    assert isinstance(service.register(registry), Failure)


def test_export_failure_is_a_value() -> None:
    """A failing render comes back as a Failure, not an exception."""

    class Broken:
        def collect(self) -> object:
            raise RuntimeError

    service = FlextMetricsService()
    service.registry.register(Broken())  # type: ignore[arg-type]
    result = service.export_prometheus()
    assert isinstance(result, Failure)
    assert "rendering failed" in result.failure().message


def test_summary_table_lists_every_series() -> None:
    """The readable summary shows each series with its value or count, sum and quantiles."""
    service = FlextMetricsService()
    service.counter("rows_total", "Rows.", labels=("tap",)).unwrap().labels(tap="pg").inc(5)
    service.histogram("load_seconds", "Load.", unit="seconds").unwrap().observe(0.3)
    service.summary("size_bytes", "Size.", unit="bytes").unwrap().observe(100)
    table = render_metrics_summary(service.get_metrics_summary())
    assert "rows_total" in table
    assert "tap=pg" in table
    assert "count 1, sum 0.3" in table
    assert "p50" in table


def test_label_values_are_redacted() -> None:
    """Ensures credentials in a value never reach the exposition, while a label's name never redacts its value."""
    service = FlextMetricsService()
    calls = service.counter("calls_total", "Calls.", labels=("endpoint", "token")).unwrap()
    calls.labels(endpoint="https://etl:pw@api.example/v1", token="abc").inc()
    text = service.export_prometheus().unwrap()
    assert 'calls_total{endpoint="https://REDACTED:REDACTED@api.example/v1",token="abc"} 1.0' in text
    assert "pw@" not in text
