"""Model-based test: the live metrics service equals the pure fold of the same operations."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from returns.result import Failure, Result, Success

from flext_observability.core.errors import FlextValidationError
from flext_observability.core.metrics.aggregation import (
    AggregationState,
    CounterState,
    GaugeState,
    adjust_gauge,
    new_histogram,
    observe,
)
from flext_observability.core.metrics.sketch import new_sketch
from flext_observability.shell.metrics.service import REJECTED_SAMPLES, FlextMetricsService

LABEL_VALUES = st.sampled_from(["a", "b", "c", "d"])
CAP = 3
BUCKETS = (0.0, 1.0, 10.0)

# Values both good and bad: exact floats, ints, negatives, NaN, infinities, wrong types.
VALUES = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([math.nan, math.inf, -math.inf, "1", None, True, 2**60]),
)


class MetricsModel(RuleBasedStateMachine):
    """Applies random operations to a service and to a dict of core states side by side."""

    def __init__(self) -> None:
        super().__init__()
        self.service = FlextMetricsService(max_series=CAP)
        self.rows = self.service.counter("rows_total", "Rows.", labels=("tap",)).unwrap()
        self.lag = self.service.gauge("lag_seconds", "Lag.", unit="seconds").unwrap()
        self.load = self.service.histogram("load_seconds", "Load.", unit="seconds", buckets=BUCKETS).unwrap()
        self.size = self.service.summary("size_bytes", "Size.", unit="bytes", labels=("tap",)).unwrap()
        self.model: dict[tuple[str, tuple[tuple[str, str], ...]], AggregationState] = {
            ("lag_seconds", ()): GaugeState(),
            ("load_seconds", ()): new_histogram(BUCKETS).unwrap(),
        }
        self.rejected: dict[tuple[str, str], int] = {}

    def _labels(self, name: str, tap: str) -> tuple[tuple[str, str], ...]:
        """The model's label set for ``tap``, applying the series cap like the service does."""
        seen = [labels for (family, labels) in self.model if family == name and labels[0][0] == "tap"]
        if (("tap", tap),) in seen or len(seen) < CAP:
            return (("tap", tap),)
        return (("otel_metric_overflow", "true"),)

    def _apply(
        self,
        name: str,
        key: tuple[tuple[str, str], ...],
        empty: AggregationState,
        outcome: Result[None, FlextValidationError],
        step: Any,
    ) -> None:
        expected = step(self.model.get((name, key), empty))
        if isinstance(expected, Success):
            assert outcome == Success(None)
            self.model[(name, key)] = expected.unwrap()
        else:
            assert isinstance(outcome, Failure)
            code = outcome.failure().errors[0].code.value
            exposed = "rows_total" if name == "rows" else name
            self.rejected[(exposed, code)] = self.rejected.get((exposed, code), 0) + 1
            if key not in {labels for family, labels in self.model if family == name}:
                # The service made the series on labels(); only its value was refused.
                self.model[(name, key)] = empty

    @rule(tap=LABEL_VALUES, amount=VALUES)
    def increment(self, tap: str, amount: object) -> None:
        """Count rows for one tap."""
        key = self._labels("rows", tap)
        outcome = self.rows.labels(tap=tap).inc(amount)  # type: ignore[arg-type]
        self._apply("rows", key, CounterState(), outcome, lambda state: observe(state, amount))

    @rule(value=VALUES)
    def set_lag(self, value: object) -> None:
        """Set the gauge."""
        outcome = self.lag.set(value)  # type: ignore[arg-type]
        self._apply("lag_seconds", (), GaugeState(), outcome, lambda state: observe(state, value))

    @rule(delta=VALUES, up=st.booleans())
    def move_lag(self, delta: object, up: bool) -> None:
        """Move the gauge up or down."""
        if up:
            outcome = self.lag.inc(delta)  # type: ignore[arg-type]
            step = lambda state: adjust_gauge(state, delta)  # noqa: E731 - a one-line model step
        else:
            outcome = self.lag.dec(delta)  # type: ignore[arg-type]
            negated = -delta if isinstance(delta, int | float) and not isinstance(delta, bool) else delta
            step = lambda state: adjust_gauge(state, negated)  # noqa: E731 - a one-line model step
        self._apply("lag_seconds", (), GaugeState(), outcome, step)

    @rule(value=VALUES)
    def observe_load(self, value: object) -> None:
        """Observe a load time."""
        outcome = self.load.observe(value)  # type: ignore[arg-type]
        self._apply("load_seconds", (), new_histogram(BUCKETS).unwrap(), outcome, lambda state: observe(state, value))

    @rule(tap=LABEL_VALUES, value=VALUES)
    def observe_size(self, tap: str, value: object) -> None:
        """Observe a batch size for one tap."""
        key = self._labels("size_bytes", tap)
        outcome = self.size.labels(tap).observe(value)  # type: ignore[arg-type]
        self._apply("size_bytes", key, new_sketch().unwrap(), outcome, lambda state: observe(state, value))

    @rule(tap=LABEL_VALUES)
    def wrong_labels(self, tap: str) -> None:
        """Wrong label names are refused and counted, and change no series."""
        outcome = self.rows.labels(table=tap).inc()
        assert isinstance(outcome, Failure)
        self.rejected[("rows_total", "wrong_labels")] = self.rejected.get(("rows_total", "wrong_labels"), 0) + 1

    @invariant()
    def service_equals_model(self) -> None:
        """Every series of the service equals the model's state for it, and refusals match."""
        live: dict[tuple[str, tuple[tuple[str, str], ...]], AggregationState] = {}
        rejected: dict[tuple[str, str], float] = {}
        for family in self.service.snapshot().families:
            for series in family.series:
                if family.spec.exposed_name == REJECTED_SAMPLES:
                    labels = dict(series.labels)
                    rejected[(labels["metric"], labels["reason"])] = series.state.value  # type: ignore[union-attr]
                elif not family.spec.name.startswith("flext_observability"):
                    live[(family.spec.name.removesuffix("_total"), series.labels)] = series.state
        model = {(name.removesuffix("_total"), labels): state for (name, labels), state in self.model.items()}
        assert live == model
        assert rejected == {key: float(count) for key, count in self.rejected.items()}


TestMetricsModel = MetricsModel.TestCase
