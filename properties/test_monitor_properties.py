"""Properties of monitored functions over random call sequences: the metrics equal a count of what happened.

Each example runs a random sequence of calls (a plain function, a coroutine
function, a generator and an async generator, each returning or raising)
through monitored functions, then reads the metrics back: the calls of each
outcome, the errors by type and the durations equal the count of the model,
and nothing is left in progress. A second property advances generators in
a random interleaving and checks the calls in progress after every step.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.metrics.aggregation import HistogramState
from flext_observability.logs import configure_logging, get_logger, reset_logging
from flext_observability.metrics import FlextMetricsService
from flext_observability.platform.decorator import flext_monitor_function
from flext_observability.shell.monitoring import FunctionInstruments, monitor
from flext_observability.testing.strategies import anything
from flext_observability.tracing import FlextTracingService

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Generator, Iterator

KINDS = ("plain", "coroutine", "generator", "async_generator")


class Refused(Exception):  # noqa: N818 - what a failing call raises
    """Raised by the monitored functions when told to fail."""


def make_functions(metrics: FlextMetricsService, tracing: FlextTracingService | None) -> dict[str, Any]:
    """One monitored function of each kind, named by its kind, that fails when asked."""
    instruments = FunctionInstruments.register(metrics).unwrap()
    logger = get_logger("properties.monitor")

    def plain(fail: bool) -> int:
        if fail:
            raise Refused
        return 1

    async def coroutine(fail: bool) -> int:
        await asyncio.sleep(0)
        if fail:
            raise Refused
        return 1

    def generator(fail: bool) -> Iterator[int]:
        yield 1
        if fail:
            raise Refused
        yield 2

    async def async_generator(fail: bool) -> AsyncIterator[int]:
        yield 1
        await asyncio.sleep(0)
        if fail:
            raise Refused
        yield 2

    originals: dict[str, Callable[..., Any]] = {
        "plain": plain,
        "coroutine": coroutine,
        "generator": generator,
        "async_generator": async_generator,
    }
    return {
        kind: monitor(function, name=kind, instruments=instruments, tracing=tracing, logger=logger)
        for kind, function in originals.items()
    }


async def call(function: Any, kind: str, fail: bool) -> None:
    """Run one call of ``function`` to its end, swallowing the planned failure."""
    try:
        if kind == "plain":
            function(fail)
        elif kind == "coroutine":
            await function(fail)
        elif kind == "generator":
            list(function(fail))
        else:
            [value async for value in function(fail)]
    except Refused:
        pass


def value(metrics: FlextMetricsService, family: str, **labels: str) -> float:
    """The value of one counter or gauge series (0 when absent)."""
    found = metrics.snapshot().family(family)
    for series in found.series if found is not None else ():
        if dict(series.labels) == labels:
            return float(series.state.value)  # type: ignore[union-attr]
    return 0.0


@pytest.fixture(scope="module", autouse=True)
def quiet_json_logging() -> Iterator[None]:
    """JSON logs to a string stream for the module (the failures log error lines)."""
    configure_logging(format="json", stream=io.StringIO())
    yield
    reset_logging()


@pytest.fixture(scope="module")
def tracing() -> Iterator[FlextTracingService]:
    """One tracing service for the module, its spans dropped at the end."""
    service = FlextTracingService(service_name="properties")
    yield service
    service.shutdown(5)


@given(
    plan=st.lists(st.tuples(st.sampled_from(KINDS), st.booleans()), max_size=40),
    traced=st.booleans(),
)
def test_the_metrics_count_every_call_by_outcome(
    plan: list[tuple[str, bool]], traced: bool, tracing: FlextTracingService
) -> None:
    """Calls, errors by type and durations equal the plan's counts, and nothing stays in progress."""
    metrics = FlextMetricsService()
    functions = make_functions(metrics, tracing if traced else None)

    async def main() -> None:
        for kind, fail in plan:
            await call(functions[kind], kind, fail)

    asyncio.run(main())
    for kind in KINDS:
        failures = sum(1 for planned, fail in plan if planned == kind and fail)
        successes = sum(1 for planned, fail in plan if planned == kind and not fail)
        assert value(metrics, "flext_function_calls", function=kind, outcome="success") == successes
        assert value(metrics, "flext_function_calls", function=kind, outcome="error") == failures
        assert value(metrics, "flext_function_errors", function=kind, exception="Refused") == failures
        assert value(metrics, "flext_function_in_progress", function=kind) == 0
        durations = metrics.snapshot().family("flext_function_duration_seconds")
        assert durations is not None
        observed = 0
        for series in durations.series:
            if dict(series.labels)["function"] == kind:
                assert isinstance(series.state, HistogramState)
                observed += series.state.count
        assert observed == successes + failures


@given(steps=st.lists(st.integers(min_value=0, max_value=3), max_size=30))
def test_interleaved_generators_are_in_progress_from_first_step_to_end(steps: list[int]) -> None:
    """Advancing four generators in any order, the calls in progress always equal those started and not ended."""
    metrics = FlextMetricsService()
    instruments = FunctionInstruments.register(metrics).unwrap()

    def three() -> Generator[int, None, None]:
        yield from range(3)

    rows = monitor(three, name="rows", instruments=instruments, tracing=None, logger=get_logger("properties"))
    generators = [rows() for _ in range(4)]
    advanced = [0, 0, 0, 0]
    for index in steps:
        next(generators[index], None)
        advanced[index] += 1
        started = sum(1 for count in advanced if 1 <= count <= 3)
        ended = sum(1 for count in advanced if count > 3)
        assert value(metrics, "flext_function_in_progress", function="rows") == started
        assert value(metrics, "flext_function_calls", function="rows", outcome="success") == ended
    for generator in generators:
        generator.close()
    assert value(metrics, "flext_function_in_progress", function="rows") == 0


@given(name=anything(), labels=anything())
def test_any_name_and_labels_are_taken_or_refused_with_a_set_up_error(name: object, labels: object) -> None:
    """Whatever name and labels are given, decoration succeeds or raises TypeError/ValueError; nothing else escapes."""
    platform = _PLATFORM
    try:
        decorator = flext_monitor_function(name, platform=platform, labels=labels)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return
    if callable(decorator) and not isinstance(name, str | type(None)):
        return  # a callable name is the bare form: it decorated the value itself
    try:
        monitored = decorator(lambda: 5)
    except (TypeError, ValueError):
        return
    assert monitored() == 5


class _Platform:
    """A platform of metrics only (for the property above, whose labels vary: a fresh service per decoration)."""

    tracing = None
    logger = get_logger("properties")

    @property
    def metrics(self) -> FlextMetricsService:
        return FlextMetricsService()


_PLATFORM = _Platform()
