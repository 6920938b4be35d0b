"""The monitoring decorator: metrics, spans and correlated logs for every kind of callable.

Metrics are read back from the Prometheus text (parsed by prometheus_client's
parser), spans from an in-memory span repository, log lines from a JSON
logging set-up on a string stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import json
import sys
import threading
import types
from collections import Counter
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from prometheus_client.parser import text_string_to_metric_families
from servers import promtool_lint

from flext_observability.core.metrics.aggregation import HistogramState
from flext_observability.core.values import SpanStatusCode
from flext_observability.logs import configure_logging, get_logger, reset_logging
from flext_observability.metrics import FlextMetricsService
from flext_observability.platform.decorator import flext_monitor_function
from flext_observability.shell.monitoring import FunctionInstruments, monitor, monitor_refusals
from flext_observability.testing import FakeClock
from flext_observability.tracing import FlextSpan, FlextTracingService, InMemorySpanRepository

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Generator, Iterator

    from flext_observability.logs import FlextLogger

Labels = frozenset[tuple[str, str]]


@attrs.define
class StandInPlatform:
    """A platform as the decorator sees one: metrics, tracing and a logger (and where its spans land)."""

    metrics: FlextMetricsService
    tracing: FlextTracingService
    logger: FlextLogger
    repository: InMemorySpanRepository

    def spans(self) -> list[FlextSpan]:
        """Every span ended so far, exported."""
        assert self.tracing.force_flush(5)
        return list(self.repository.spans())

    def samples(self) -> dict[tuple[str, Labels], float]:
        """Every sample of the Prometheus text, by name and label set (a duplicate series fails)."""
        text = self.metrics.export_prometheus().unwrap()
        found: dict[tuple[str, Labels], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = (sample.name, frozenset(sample.labels.items()))
                assert key not in found, f"duplicate series {key}"
                found[key] = sample.value
        return found

    def value(self, name: str, **labels: str) -> float | None:
        """One sample's value, or ``None`` when the series is not exposed."""
        return self.samples().get((name, frozenset(labels.items())))


def make_platform(**tracing_options: Any) -> StandInPlatform:
    """A fresh stand-in platform whose spans go to an in-memory repository."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(service_name="monitor-tests", exporters=[repository], **tracing_options)
    return StandInPlatform(FlextMetricsService(), tracing, get_logger("tests.monitor"), repository)


def calls(platform: StandInPlatform, function: str, outcome: str) -> float | None:
    """``flext_function_calls_total`` of one function and outcome."""
    return platform.value("flext_function_calls_total", function=function, outcome=outcome)


def in_progress(platform: StandInPlatform, function: str) -> float | None:
    """``flext_function_in_progress`` of one function."""
    return platform.value("flext_function_in_progress", function=function)


def errors(platform: StandInPlatform, function: str) -> dict[str, float]:
    """``flext_function_errors_total`` of one function, by exception label."""
    return {
        dict(labels)["exception"]: value
        for (name, labels), value in platform.samples().items()
        if name == "flext_function_errors_total" and dict(labels)["function"] == function
    }


def durations(platform: StandInPlatform, function: str) -> tuple[float, float]:
    """Count and sum of ``flext_function_duration_seconds`` of one function, over both outcomes."""
    count = total = 0.0
    for (name, labels), value in platform.samples().items():
        if dict(labels).get("function") != function:
            continue
        if name == "flext_function_duration_seconds_count":
            count += value
        elif name == "flext_function_duration_seconds_sum":
            total += value
    return count, total


@pytest.fixture
def platform() -> Iterator[StandInPlatform]:
    """A stand-in platform, shut down after the test."""
    made = make_platform()
    yield made
    made.tracing.shutdown(5)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """JSON logging at debug level to a string stream, reset after the test."""
    stream = io.StringIO()
    configure_logging(format="json", stream=stream, level="debug", service_name="monitor-tests")
    yield stream
    reset_logging()


def monitored_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """The log lines monitored calls wrote (library warnings left out)."""
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line]
    return [line for line in lines if str(line.get("event", "")).startswith("monitored call")]


# --- what one call records ---------------------------------------------------------------------


def test_a_successful_call_records_its_outcome_duration_and_span(platform: StandInPlatform) -> None:
    """A call that returns counts as a success, observes one duration, leaves nothing in progress, makes one span."""

    @flext_monitor_function("load_orders", platform=platform)
    def load_orders(day: str) -> str:
        return f"loaded {day}"

    assert load_orders("monday") == "loaded monday"
    assert calls(platform, "load_orders", "success") == 1.0
    assert calls(platform, "load_orders", "error") == 0.0
    assert in_progress(platform, "load_orders") == 0.0
    assert durations(platform, "load_orders")[0] == 1.0
    assert errors(platform, "load_orders") == {}
    [span] = platform.spans()
    assert span.name == "load_orders"
    assert span.status.code is SpanStatusCode.UNSET
    assert span.events == ()


def test_a_failing_call_records_the_error_its_type_the_span_status_and_a_correlated_log_line(
    platform: StandInPlatform, log_lines: io.StringIO
) -> None:
    """A call that raises counts as an error by type, marks its span, and logs one error line with the span's ids."""

    @flext_monitor_function("parse_row", platform=platform)
    def parse_row(row: str) -> int:
        return int(row)

    with pytest.raises(ValueError, match="invalid literal"):
        parse_row("x1")
    assert calls(platform, "parse_row", "error") == 1.0
    assert calls(platform, "parse_row", "success") == 0.0
    assert errors(platform, "parse_row") == {"ValueError": 1.0}
    assert in_progress(platform, "parse_row") == 0.0
    [span] = platform.spans()
    assert span.status.code is SpanStatusCode.ERROR
    assert span.status.description.startswith("ValueError: invalid literal")
    [event] = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "ValueError"
    [line] = monitored_lines(log_lines)
    assert line["level"] == "error"
    assert line["event"] == "monitored call failed"
    assert line["function"] == "parse_row"
    assert line["exception_type"] == "ValueError"
    assert (line["trace_id"], line["span_id"]) == (span.trace_id, span.span_id)
    assert "ValueError: invalid literal" in line["exception"]
    assert "parse_row" in line["exception"]  # the traceback reaches the user's frame


def test_success_is_logged_at_debug_only_when_asked(platform: StandInPlatform, log_lines: io.StringIO) -> None:
    """log_success=True writes one debug line per returning call, with the span's ids; the default writes none."""

    @flext_monitor_function("quiet", platform=platform)
    def quiet() -> None:
        return None

    @flext_monitor_function("chatty", platform=platform, log_success=True)
    def chatty() -> None:
        return None

    quiet()
    chatty()
    [line] = monitored_lines(log_lines)
    [_, span] = platform.spans()
    assert (line["level"], line["event"], line["function"]) == ("debug", "monitored call succeeded", "chatty")
    assert (line["trace_id"], line["span_id"]) == (span.trace_id, span.span_id)
    assert line["duration_seconds"] >= 0.0


def test_constant_labels_join_every_family(platform: StandInPlatform) -> None:
    """Labels given at decoration appear on the calls, durations, errors and in-progress series alike."""

    @flext_monitor_function("fetch", platform=platform, labels={"tap": "postgres"})
    def fetch(fail: bool) -> None:
        if fail:
            raise KeyError(fail)

    fetch(fail=False)
    with pytest.raises(KeyError):
        fetch(fail=True)
    assert platform.value("flext_function_calls_total", function="fetch", outcome="success", tap="postgres") == 1.0
    assert platform.value("flext_function_errors_total", function="fetch", exception="KeyError", tap="postgres") == 1.0
    assert platform.value("flext_function_in_progress", function="fetch", tap="postgres") == 0.0
    assert (
        platform.value("flext_function_duration_seconds_count", function="fetch", outcome="success", tap="postgres")
        == 1.0
    )


def test_a_nested_monitored_call_is_a_child_span(platform: StandInPlatform) -> None:
    """A monitored function called inside another makes its span the child of the caller's span."""

    @flext_monitor_function("inner", platform=platform)
    def inner() -> int:
        return 1

    @flext_monitor_function("outer", platform=platform)
    def outer() -> int:
        return inner() + 1

    assert outer() == 2
    spans = {span.name: span for span in platform.spans()}
    assert spans["inner"].parent_span_id == spans["outer"].span_id
    assert spans["inner"].trace_id == spans["outer"].trace_id


def test_trace_false_records_metrics_without_spans(platform: StandInPlatform) -> None:
    """trace=False records the metrics and starts no span."""

    @flext_monitor_function("untraced", platform=platform, trace=False)
    def untraced() -> int:
        return 3

    assert untraced() == 3
    assert calls(platform, "untraced", "success") == 1.0
    assert platform.spans() == []


def test_durations_are_read_from_the_given_clock() -> None:
    """With a fake clock the observed duration is exactly the time the function let pass."""
    clock = FakeClock()
    metrics = FlextMetricsService()
    instruments = FunctionInstruments.register(metrics).unwrap()

    def slow() -> None:
        clock.advance(2.5)

    timed = monitor(
        slow, name="slow", instruments=instruments, tracing=None, logger=get_logger("t"), clock=clock.monotonic
    )
    timed()
    timed()
    family = metrics.snapshot().family("flext_function_duration_seconds")
    assert family is not None
    state = family.state(function="slow", outcome="success")
    assert isinstance(state, HistogramState)
    assert (state.count, state.sum) == (2, 5.0)


# --- the forms of the decorator and every kind of callable ---------------------------------------------


def test_the_three_forms_and_the_default_name(platform: StandInPlatform) -> None:
    """Bare, empty and named forms all work; without a name the module and qualified name are used."""
    module = types.ModuleType("flext_monitor_probe")
    stand_in = types.ModuleType("flext_observability.platform.default")
    stand_in.get_platform = lambda: platform  # type: ignore[attr-defined]
    stand_in.default_generation = lambda: 1  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "flext_observability.platform.default", stand_in)

        @flext_monitor_function
        def bare() -> str:
            return "bare"

        @flext_monitor_function()
        def empty() -> str:
            return "empty"

    @flext_monitor_function("named", platform=platform)
    def named() -> str:
        return "named"

    def in_module() -> str:
        return "module"

    in_module.__module__ = module.__name__
    in_module.__qualname__ = "Jobs.in_module"
    renamed = flext_monitor_function(platform=platform)(in_module)
    assert [bare(), empty(), named(), renamed()] == ["bare", "empty", "named", "module"]
    here = __name__
    for name in (
        f"{here}.test_the_three_forms_and_the_default_name.<locals>.bare",
        f"{here}.test_the_three_forms_and_the_default_name.<locals>.empty",
        "named",
        "flext_monitor_probe.Jobs.in_module",
    ):
        assert calls(platform, name, "success") == 1.0, name
    assert bare.__name__ == "bare"
    assert renamed.__qualname__ == "Jobs.in_module"


def test_methods_classmethods_and_staticmethods_above_or_below(platform: StandInPlatform) -> None:
    """Instance, class and static methods work with the decorator above or below classmethod/staticmethod."""

    class Orders:
        factor = 10

        def __init__(self) -> None:
            self.base = 1

        @flext_monitor_function(platform=platform)
        def method(self, n: int) -> int:
            return self.base + n

        @flext_monitor_function(platform=platform)
        @classmethod
        def class_above(cls, n: int) -> int:
            return cls.factor * n

        @classmethod
        @flext_monitor_function(platform=platform)
        def class_below(cls, n: int) -> int:
            return cls.factor + n

        @flext_monitor_function(platform=platform)
        @staticmethod
        def static_above(n: int) -> int:
            return n * 3

        @staticmethod
        @flext_monitor_function(platform=platform)
        def static_below(n: int) -> int:
            return n - 3

    orders = Orders()
    assert orders.method(2) == 3
    assert Orders.class_above(2) == 20
    assert orders.class_above(3) == 30
    assert Orders.class_below(2) == 12
    assert Orders.static_above(2) == 6
    assert orders.static_below(5) == 2
    prefix = f"{__name__}.test_methods_classmethods_and_staticmethods_above_or_below.<locals>.Orders"
    for name, expected in (
        ("method", 1.0),
        ("class_above", 2.0),
        ("class_below", 1.0),
        ("static_above", 1.0),
        ("static_below", 1.0),
    ):
        assert calls(platform, f"{prefix}.{name}", "success") == expected, name
    assert isinstance(inspect.getattr_static(Orders, "class_above"), classmethod)
    assert isinstance(inspect.getattr_static(Orders, "static_above"), staticmethod)


def test_a_coroutine_function_is_monitored_over_the_awaited_call(
    platform: StandInPlatform, log_lines: io.StringIO
) -> None:
    """A coroutine function stays one; its span covers the awaited call; its failure log line carries the span."""

    @flext_monitor_function("fetch_page", platform=platform)
    async def fetch_page(page: int) -> int:
        await asyncio.sleep(0)
        if page < 0:
            message = "no such page"
            raise LookupError(message)
        return page * 2

    async def main() -> int:
        result = await fetch_page(21)
        with pytest.raises(LookupError):
            await fetch_page(-1)
        return result

    assert inspect.iscoroutinefunction(fetch_page)
    assert asyncio.run(main()) == 42
    assert calls(platform, "fetch_page", "success") == 1.0
    assert calls(platform, "fetch_page", "error") == 1.0
    [_, failed] = platform.spans()
    [line] = monitored_lines(log_lines)
    assert (line["trace_id"], line["span_id"]) == (failed.trace_id, failed.span_id)


def test_a_generator_is_monitored_over_its_whole_iteration(platform: StandInPlatform) -> None:
    """A generator is one call from its first next() to exhaustion: in progress meanwhile, one span at the end."""

    @flext_monitor_function("rows", platform=platform)
    def rows(count: int) -> Iterator[int]:
        yield from range(count)

    generator = rows(3)
    assert inspect.isgeneratorfunction(rows)
    assert in_progress(platform, "rows") == 0.0  # not started before the first next()
    assert next(generator) == 0
    assert in_progress(platform, "rows") == 1.0
    assert platform.spans() == []
    assert list(generator) == [1, 2]
    assert in_progress(platform, "rows") == 0.0
    assert calls(platform, "rows", "success") == 1.0
    [span] = platform.spans()
    assert span.name == "rows"


def test_a_generator_closed_early_or_raising_ends_its_call(platform: StandInPlatform) -> None:
    """close() ends a generator's call as a success; an exception inside it ends it as an error."""

    @flext_monitor_function("stream", platform=platform)
    def stream(fail_at: int) -> Generator[int, None, None]:
        for index in range(5):
            if index == fail_at:
                message = f"row {index}"
                raise RuntimeError(message)
            yield index

    closed = stream(99)
    next(closed)
    closed.close()
    with pytest.raises(RuntimeError, match="row 1"):
        list(stream(1))
    assert calls(platform, "stream", "success") == 1.0
    assert calls(platform, "stream", "error") == 1.0
    assert errors(platform, "stream") == {"RuntimeError": 1.0}
    assert in_progress(platform, "stream") == 0.0
    assert sorted(span.status.code.value for span in platform.spans()) == ["error", "unset"]


def test_a_generator_consumed_across_threads_keeps_one_span_current_inside(platform: StandInPlatform) -> None:
    """A generator advanced from several threads in turn is one call, and its span is current in each step."""

    @flext_monitor_function("step", platform=platform)
    def step() -> int:
        return 1

    @flext_monitor_function("walk", platform=platform)
    def walk() -> Iterator[int]:
        for _ in range(4):
            yield step()

    generator = walk()
    seen = [next(generator)]
    problems: list[BaseException] = []

    def advance() -> None:
        try:
            seen.append(next(generator))
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            problems.append(error)

    for _ in range(3):
        worker = threading.Thread(target=advance)
        worker.start()
        worker.join()
    assert problems == []
    assert list(generator) == []
    assert seen == [1, 1, 1, 1]
    spans = platform.spans()
    [outer] = [span for span in spans if span.name == "walk"]
    steps = [span for span in spans if span.name == "step"]
    assert len(steps) == 4
    assert {span.parent_span_id for span in steps} == {outer.span_id}
    assert calls(platform, "walk", "success") == 1.0
    assert in_progress(platform, "walk") == 0.0


def test_an_async_generator_consumed_by_several_tasks(platform: StandInPlatform) -> None:
    """An async generator consumed by two tasks in turn is one call, ended once, its span current inside."""

    @flext_monitor_function("step", platform=platform)
    def step() -> int:
        return 2

    @flext_monitor_function("pages", platform=platform)
    async def pages() -> AsyncIterator[int]:
        for _ in range(4):
            await asyncio.sleep(0)
            yield step()

    async def main() -> list[int]:
        generator = pages()
        first: int = await asyncio.create_task(anext(generator))  # type: ignore[arg-type]
        second: int = await asyncio.create_task(anext(generator))  # type: ignore[arg-type]

        async def rest() -> list[int]:
            return [value async for value in generator]

        return [first, second, *await asyncio.create_task(rest())]

    assert inspect.isasyncgenfunction(pages)
    assert asyncio.run(main()) == [2, 2, 2, 2]
    spans = platform.spans()
    [outer] = [span for span in spans if span.name == "pages"]
    assert {span.parent_span_id for span in spans if span.name == "step"} == {outer.span_id}
    assert calls(platform, "pages", "success") == 1.0
    assert in_progress(platform, "pages") == 0.0


# --- concurrency -------------------------------------------------------------------------------------------


def test_threads_calling_at_once_are_all_counted(platform: StandInPlatform, log_lines: io.StringIO) -> None:
    """Eight threads calling 300 times each, every third call failing: exact counts, nothing left in progress."""

    @flext_monitor_function("work", platform=platform, trace=False)
    def work(n: int) -> int:
        if n % 3 == 0:
            raise ZeroDivisionError(n)
        return n

    barrier = threading.Barrier(8)

    def hammer() -> None:
        barrier.wait()
        for n in range(300):
            with contextlib.suppress(ZeroDivisionError):
                work(n)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls(platform, "work", "error") == 8 * 100
    assert calls(platform, "work", "success") == 8 * 200
    assert errors(platform, "work") == {"ZeroDivisionError": 800.0}
    assert in_progress(platform, "work") == 0.0
    assert durations(platform, "work")[0] == 2400.0
    assert len(monitored_lines(log_lines)) == 800


def test_tasks_waiting_inside_are_in_progress_until_they_end(platform: StandInPlatform) -> None:
    """Fifty tasks suspended inside a monitored coroutine are all in progress, each in its own span; then none."""
    seen: list[float | None] = []

    @flext_monitor_function("wait_for_go", platform=platform)
    async def wait_for_go(go: asyncio.Event) -> None:
        await go.wait()

    async def main() -> None:
        go = asyncio.Event()
        tasks = [asyncio.create_task(wait_for_go(go)) for _ in range(50)]
        for _ in range(3):
            await asyncio.sleep(0)
        seen.append(in_progress(platform, "wait_for_go"))
        go.set()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert seen == [50.0]
    assert in_progress(platform, "wait_for_go") == 0.0
    spans = platform.spans()
    assert len({span.span_id for span in spans}) == 50
    assert {span.parent_span_id for span in spans} == {None}


def test_a_cancelled_task_counts_as_an_error_but_leaves_its_span_unset(
    platform: StandInPlatform, log_lines: io.StringIO
) -> None:
    """A cancelled coroutine is counted as an error of CancelledError, logged at info, its span not marked failed."""

    @flext_monitor_function("sleeper", platform=platform)
    async def sleeper() -> None:
        await asyncio.sleep(3600)

    async def main() -> None:
        task = asyncio.create_task(sleeper())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert errors(platform, "sleeper") == {"CancelledError": 1.0}
    [span] = platform.spans()
    assert span.status.code is SpanStatusCode.UNSET
    [line] = monitored_lines(log_lines)
    assert (line["level"], line["event"]) == ("info", "monitored call cancelled")


# --- set-up mistakes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "named"),
    [
        ({"name": ""}, ValueError, "name"),
        ({"name": "   "}, ValueError, "name"),
        ({"name": 42}, TypeError, "name"),
        ({"name": "x" * 5000}, ValueError, "name"),
        ({"labels": ["tap"]}, TypeError, "labels"),
        ({"labels": {"tap": 1}}, TypeError, "labels"),
        ({"labels": {3: "x"}}, TypeError, "labels"),
        ({"labels": {"function": "x"}}, ValueError, "labels"),
        ({"labels": {"outcome": "x"}}, ValueError, "labels"),
        ({"labels": {"bad-name": "x"}}, ValueError, "labels.*not a label name"),
        ({"labels": {"__reserved": "x"}}, ValueError, "labels.*reserves"),
        ({"labels": {"le": "x"}}, ValueError, "labels"),
        ({"labels": {"otel_metric_overflow": "x"}}, ValueError, "labels"),
        ({"labels": {"tap": "\ud800"}}, ValueError, "labels"),
        ({"log_success": "yes"}, TypeError, "log_success"),
        ({"trace": 1}, TypeError, "trace"),
        ({"platform": object()}, TypeError, "platform"),
    ],
)
def test_set_up_mistakes_raise_naming_the_argument(
    platform: StandInPlatform, options: dict[str, Any], error: type[Exception], named: str
) -> None:
    """Each bad option raises TypeError or ValueError when decorating, and the message names the option."""
    given = {"name": "job", "platform": platform, **options}
    name = given.pop("name")
    with pytest.raises(error, match=named):
        flext_monitor_function(name, **given)(lambda: None)


def test_decorating_what_is_not_callable_raises(platform: StandInPlatform) -> None:
    """Decorating a value that is no function is a TypeError, at decoration."""
    with pytest.raises(TypeError, match="decorates functions"):
        flext_monitor_function("job", platform=platform)(42)  # type: ignore[type-var]


def test_a_platform_whose_services_are_wrong_is_refused(platform: StandInPlatform) -> None:
    """A platform without a metrics service, with a wrong tracing service or without a logger is named."""
    for broken, part in (
        (attrs.evolve(platform, metrics=object()), "metrics"),  # type: ignore[arg-type]
        (attrs.evolve(platform, tracing="tracing"), "tracing"),  # type: ignore[arg-type]
        (attrs.evolve(platform, logger=None), "logger"),  # type: ignore[arg-type]
    ):
        with pytest.raises(TypeError, match=rf"platform must have .*\.{part}"):
            flext_monitor_function("job", platform=broken)


def test_label_names_must_agree_within_one_metrics_service(platform: StandInPlatform) -> None:
    """A second function with other label names than the first one is refused at decoration, with the fix."""
    flext_monitor_function("first", platform=platform, labels={"tap": "postgres"})(lambda: None)
    flext_monitor_function("same_names", platform=platform, labels={"tap": ""})(lambda: None)
    with pytest.raises(ValueError, match=r"labels \['target'\] do not fit .* same label names"):
        flext_monitor_function("second", platform=platform, labels={"target": "s3"})(lambda: None)
    with pytest.raises(ValueError, match="labels"):
        flext_monitor_function("third", platform=platform)(lambda: None)


def test_without_a_default_platform_the_platform_is_asked_for() -> None:
    """With no default platform module to follow, decorating without platform= says to pass one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "flext_observability.platform.default", None)
        with pytest.raises(TypeError, match="platform is needed"):
            flext_monitor_function("job")(lambda: None)


# --- following the default platform -----------------------------------------------------------------------


class StandInDefault:
    """The default platform's module as the decorator uses it: get_platform() and default_generation()."""

    def __init__(self, platform: StandInPlatform) -> None:
        self.platform = platform
        self.generation = 0
        self.asked = 0

    def replace(self, platform: StandInPlatform) -> None:
        """What configure(...) does: a new platform, a new generation."""
        self.platform = platform
        self.generation += 1

    def module(self) -> types.ModuleType:
        """A module object exposing the two functions."""
        module = types.ModuleType("flext_observability.platform.default")

        def get_platform() -> StandInPlatform:
            self.asked += 1
            return self.platform

        module.get_platform = get_platform  # type: ignore[attr-defined]
        module.default_generation = lambda: self.generation  # type: ignore[attr-defined]
        return module


def test_a_function_decorated_without_platform_follows_the_default_platform() -> None:
    """Decorated before configure(...), a function records into each new default platform, re-bound once per change."""
    first, second, third = make_platform(), make_platform(), make_platform()
    default = StandInDefault(first)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "flext_observability.platform.default", default.module())

        @flext_monitor_function("job")
        def job() -> int:
            return 7

        @flext_monitor_function("rows")
        def rows() -> Iterator[int]:
            yield 1
            yield 2

        assert job() == 7
        in_flight = rows()
        assert next(in_flight) == 1  # started in the first platform
        default.replace(second)
        asked = default.asked
        for _ in range(5):
            assert job() == 7
        assert default.asked == asked + 1  # re-bound once, not per call
        assert list(in_flight) == [2]  # ends where it started
        default.replace(third)
        assert list(rows()) == [1, 2]
    assert calls(first, "job", "success") == 1.0
    assert calls(second, "job", "success") == 5.0
    assert calls(third, "job", "success") is None
    assert calls(first, "rows", "success") == 1.0
    assert in_progress(first, "rows") == 0.0
    assert calls(third, "rows", "success") == 1.0
    assert [span.name for span in second.spans()] == ["job"] * 5
    for made in (first, second, third):
        made.tracing.shutdown(5)


def test_a_new_default_platform_that_cannot_be_used_is_counted_and_the_call_goes_on() -> None:
    """When the new default platform is broken, calls still run, record where they did, and the refusal is counted."""
    first = make_platform()
    default = StandInDefault(first)
    before = monitor_refusals().get("rebind", 0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "flext_observability.platform.default", default.module())

        @flext_monitor_function("job")
        def job() -> int:
            return 7

        default.replace(attrs.evolve(first, metrics="not a metrics service"))  # type: ignore[arg-type]
        assert [job(), job()] == [7, 7]
    assert monitor_refusals()["rebind"] == before + 1
    assert calls(first, "job", "success") == 2.0
    first.tracing.shutdown(5)


# --- the exposition itself --------------------------------------------------------------------------------


def test_the_exposition_passes_promtool(platform: StandInPlatform) -> None:
    """The real promtool check metrics finds no problem in the families of monitored functions."""

    @flext_monitor_function("check", platform=platform, labels={"tap": "postgres"})
    def check(fail: bool) -> None:
        if fail:
            raise OSError

    check(fail=False)
    with pytest.raises(OSError):  # noqa: PT011 - any OSError: the type is what is counted
        check(fail=True)
    text = platform.metrics.export_prometheus().unwrap()
    promtool_lint(text)
    names = Counter(family.name for family in text_string_to_metric_families(text))
    assert {"flext_function_calls", "flext_function_duration_seconds", "flext_function_errors"} <= set(names)
    assert "flext_function_in_progress" in names
