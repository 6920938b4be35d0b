"""Attack: the monitoring decorator is transparent, and nothing that fails inside it reaches the call.

Transparency is proven against the undecorated function itself: the same
results, the same exception objects, the same frames of the user's code in
the traceback, the same ``__cause__`` and ``__context__`` chains. Then the
monitoring is made to fail in every way we know: exporters that raise, a
span queue that is full, a metrics service at its series cap, exceptions
that cannot be printed or hashed or have absurd names, 10,000 exception
types, a logger that raises, secrets in messages, and a fork while other
threads are inside monitored calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import inspect
import io
import json
import os
import signal
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any, cast

import pytest
from returns.result import Result, Success
from test_monitor_decorator import StandInPlatform, calls, errors, in_progress, make_platform, monitored_lines

from flext_observability.logs import configure_logging, get_logger, reset_logging
from flext_observability.metrics import FlextMetricsService
from flext_observability.platform.decorator import flext_monitor_function
from flext_observability.shell.monitoring import MAX_EXCEPTION_TYPES, OTHER_EXCEPTION, monitor_refusals
from flext_observability.tracing import FlextTracingService, InMemorySpanRepository

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence

    from flext_observability.core.errors import FlextExportError
    from flext_observability.tracing import FlextSpan

RESULT = object()
"""What the functions under test return: compared by identity."""


class Raised:
    """The exceptions a function raised, kept to compare by identity."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []


def user_frames(error: BaseException) -> list[tuple[str, int | None, str | None]]:
    """The frames of this file's user functions in ``error``'s traceback (the callers' frames left out)."""
    return [
        (frame.name, frame.lineno, frame.line)
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == __file__ and frame.name in USER_FUNCTIONS
    ]


def chain_of(error: BaseException | None) -> list[tuple[type[BaseException], str, int]]:
    """``error`` and its causes and contexts, as (type, message, id) down the chain."""
    found = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        found.append((type(error), str(error), id(error)))
        error = error.__cause__ or error.__context__
    return found


def helper(raised: Raised, fail: bool) -> object:
    """A frame below the decorated function: raises a ValueError from a KeyError raised while handling an OSError."""
    if not fail:
        return RESULT
    try:
        try:
            raise OSError(errno.EIO, "disk")  # noqa: TRY301 - real raises build the chain under test
        except OSError:
            missing = "row 7"
            raise KeyError(missing)  # noqa: B904 - the implicit __context__ is part of the chain
    except KeyError as cause:
        error = ValueError("helper failed")
        raised.errors.append(error)
        raise error from cause


def sync_function(raised: Raised, fail: bool) -> object:
    """A plain function."""
    return helper(raised, fail)


async def async_function(raised: Raised, fail: bool) -> object:
    """A coroutine function."""
    await asyncio.sleep(0)
    return helper(raised, fail)


def generator_function(raised: Raised, fail: bool) -> Iterator[object]:
    """A generator function."""
    yield RESULT
    yield helper(raised, fail)


async def async_generator_function(raised: Raised, fail: bool) -> AsyncIterator[object]:
    """An async generator function."""
    yield RESULT
    await asyncio.sleep(0)
    yield helper(raised, fail)


def consume(function: Callable[..., Any], raised: Raised, fail: bool) -> list[object]:
    """Run any kind of function to its end; its results as a list."""
    made = function(raised, fail)
    if inspect.iscoroutine(made):
        return [asyncio.run(made)]
    if hasattr(made, "__anext__"):

        async def gather() -> list[object]:
            return [value async for value in made]

        return asyncio.run(gather())
    if hasattr(made, "__next__"):
        return list(made)
    return [made]


KINDS = [sync_function, async_function, generator_function, async_generator_function]
USER_FUNCTIONS = frozenset({"helper", *(function.__name__ for function in KINDS)})


@pytest.fixture
def platform() -> Iterator[StandInPlatform]:
    """A stand-in platform, shut down after the test."""
    made = make_platform()
    yield made
    made.tracing.shutdown(5)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """JSON logging to a string stream, reset after the test."""
    stream = io.StringIO()
    configure_logging(format="json", stream=stream, service_name="monitor-tests")
    yield stream
    reset_logging()


def run_both(function: Callable[..., Any], platform: StandInPlatform, *, fail: bool) -> tuple[Any, Any]:
    """The outcome (results, or the exception and the one created inside) of the plain and the decorated function."""
    decorated = flext_monitor_function(platform=platform)(function)
    outcomes: list[tuple[str, Any]] = []
    for candidate in (function, decorated):
        raised = Raised()
        caught: ValueError | None = None
        try:
            outcomes.append(("returned", consume(candidate, raised, fail)))
        except ValueError as error:
            caught = error
        if caught is not None:
            assert caught is raised.errors[0]  # the very object raised inside
            outcomes.append(("raised", caught))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("function", KINDS, ids=lambda function: function.__name__)
def test_results_are_the_very_objects_returned(function: Callable[..., Any], platform: StandInPlatform) -> None:
    """Every kind of function gives the same result objects decorated as undecorated."""
    plain, decorated = run_both(function, platform, fail=False)
    assert plain[0] == decorated[0] == "returned"
    assert all(value is RESULT for value in decorated[1])
    assert len(plain[1]) == len(decorated[1])


@pytest.mark.parametrize("function", KINDS, ids=lambda function: function.__name__)
def test_exceptions_keep_their_object_frames_and_chains(
    function: Callable[..., Any], platform: StandInPlatform, log_lines: io.StringIO
) -> None:
    """The exception raised inside reaches the caller itself, with the user's frames and its cause/context chain."""
    plain, decorated = run_both(function, platform, fail=True)
    assert plain[0] == decorated[0] == "raised"
    plain_error, decorated_error = plain[1], decorated[1]
    assert user_frames(decorated_error) == user_frames(plain_error)
    assert [frame[0] for frame in user_frames(decorated_error)] == [function.__name__, "helper"]
    plain_chain, decorated_chain = chain_of(plain_error), chain_of(decorated_error)
    assert [(kind, text) for kind, text, _ in decorated_chain] == [(kind, text) for kind, text, _ in plain_chain]
    assert [kind for kind, _, _ in decorated_chain] == [ValueError, KeyError, OSError]
    assert isinstance(decorated_error.__cause__, KeyError)
    assert isinstance(decorated_error.__cause__.__context__, OSError)
    assert decorated_error.__suppress_context__ is True
    assert len(monitored_lines(log_lines)) == 1


def test_generator_send_throw_and_return_value_pass_through(platform: StandInPlatform) -> None:
    """send() and throw() reach the wrapped generator, and its return value comes back in StopIteration."""

    def echo() -> Generator[object, object, list[object]]:
        received: list[object] = []
        while True:
            try:
                value = yield len(received)
            except KeyError:
                yield "caught"
                continue
            if value is None:
                return received
            received.append(value)

    outcomes = []
    for candidate in (echo, flext_monitor_function(platform=platform)(echo)):
        generator = candidate()
        steps = [next(generator), generator.send("a"), generator.throw(KeyError("k")), next(generator)]
        with pytest.raises(StopIteration) as stop:
            generator.send(None)
        outcomes.append((steps, stop.value.value))
    assert outcomes[0] == outcomes[1] == ([0, 1, "caught", 1], ["a"])
    assert calls(platform, f"{__name__}.{echo.__qualname__}", "success") == 1.0


def test_base_exceptions_pass_through_unchanged(platform: StandInPlatform, log_lines: io.StringIO) -> None:
    """KeyboardInterrupt and SystemExit reach the caller as they were raised, counted as errors of their type."""
    interrupt = KeyboardInterrupt()
    leaving = SystemExit(3)

    @flext_monitor_function("stop", platform=platform)
    def stop(error: BaseException) -> None:
        raise error

    for error in (interrupt, leaving):
        with pytest.raises(BaseException) as info:  # noqa: PT011 - the identity is what is checked
            stop(error)
        assert info.value is error
    assert errors(platform, "stop") == {"KeyboardInterrupt": 1.0, "SystemExit": 1.0}


# --- exceptions that fight back ---------------------------------------------------------------------


class Unprintable(Exception):  # noqa: N818 - named for what it does
    """An exception whose str() and repr() raise."""

    def __str__(self) -> str:
        message = "no str"
        raise RuntimeError(message)

    def __repr__(self) -> str:
        message = "no repr"
        raise RuntimeError(message)


def unhashable_type() -> type[Exception]:
    """An exception type whose metaclass refuses hashing and naming (made on demand: collectors read names)."""

    class UnhashableMeta(type):
        __hash__ = None  # type: ignore[assignment]

        @property
        def __name__(cls) -> str:  # type: ignore[override]
            message = "no name"
            raise RuntimeError(message)

    return cast("type[Exception]", UnhashableMeta("Unhashable", (Exception,), {}))


def test_an_exception_whose_str_and_repr_raise(platform: StandInPlatform, log_lines: io.StringIO) -> None:
    """An exception that cannot be printed still reaches the caller, counted, traced and logged."""
    error = Unprintable()

    @flext_monitor_function("grumpy", platform=platform)
    def grumpy() -> None:
        raise error

    with pytest.raises(Unprintable) as info:
        grumpy()
    assert info.value is error
    assert errors(platform, "grumpy") == {"Unprintable": 1.0}
    [span] = platform.spans()
    assert span.status.description == "Unprintable"
    [line] = monitored_lines(log_lines)
    assert line["exception_type"] == "Unprintable"


def test_an_exception_type_that_cannot_be_hashed_or_named(platform: StandInPlatform, log_lines: io.StringIO) -> None:
    """A type whose metaclass refuses hashing and naming still reaches the caller; what was lost is counted."""
    before = monitor_refusals().get("record_failure", 0)
    unhashable = unhashable_type()

    @flext_monitor_function("strange", platform=platform)
    def strange() -> None:
        raise unhashable

    with pytest.raises(unhashable):
        strange()
    assert calls(platform, "strange", "error") == 1.0
    assert in_progress(platform, "strange") == 0.0
    assert monitor_refusals()["record_failure"] == before + 1
    [span] = platform.spans()
    assert span.name == "strange"


def test_an_absurdly_long_exception_name_is_cut(platform: StandInPlatform, log_lines: io.StringIO) -> None:
    """A type named with 10,000 characters is counted under its first 128."""
    long_type = type("E" * 10_000, (Exception,), {})

    @flext_monitor_function("long_names", platform=platform, trace=False)
    def long_names() -> None:
        raise long_type

    with pytest.raises(long_type):
        long_names()
    assert errors(platform, "long_names") == {"E" * 128: 1.0}


def test_ten_thousand_exception_types_keep_the_errors_family_bounded(
    platform: StandInPlatform, log_lines: io.StringIO
) -> None:
    """10,000 distinct types through one function make at most MAX_EXCEPTION_TYPES series plus 'other'."""
    types_ = [type(f"Failure{index}", (Exception,), {}) for index in range(10_000)]

    @flext_monitor_function("flaky", platform=platform, trace=False)
    def flaky(kind: type[Exception]) -> None:
        raise kind

    for kind in types_:
        with pytest.raises(kind):
            flaky(kind)
    counted = errors(platform, "flaky")
    assert len(counted) == MAX_EXCEPTION_TYPES + 1
    assert counted[OTHER_EXCEPTION] == 10_000 - MAX_EXCEPTION_TYPES
    assert sum(counted.values()) == 10_000
    assert calls(platform, "flaky", "error") == 10_000


def test_a_secret_in_the_exception_message_is_redacted(platform: StandInPlatform, log_lines: io.StringIO) -> None:
    """Credentials in an exception's message reach neither the log line nor the span's status and events."""

    @flext_monitor_function("connect", platform=platform)
    def connect() -> None:
        message = "cannot reach postgres://etl:hunter2@db/dw?password=s3cr3t"
        raise ConnectionError(message)

    with pytest.raises(ConnectionError, match="hunter2"):
        connect()  # the caller's own exception is untouched
    [line] = monitored_lines(log_lines)
    assert "REDACTED" in line["exception"]
    assert "hunter2" not in log_lines.getvalue()
    assert "s3cr3t" not in log_lines.getvalue()
    [span] = platform.spans()
    shown = json.dumps(span.to_dict())
    assert "hunter2" not in shown
    assert "s3cr3t" not in shown
    assert "postgres://REDACTED:REDACTED@db/dw" in span.status.description


# --- failing services ------------------------------------------------------------------------------------


class RaisingExporter:
    """An exporter whose export and shutdown raise."""

    def __init__(self) -> None:
        self.calls = 0

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        self.calls += 1
        message = "collector down"
        raise ConnectionError(message)

    def shutdown(self, timeout: float) -> None:
        message = "cannot shut down"
        raise ConnectionError(message)


class BlockedExporter:
    """An exporter that waits until released: the span queue behind it fills up."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def export(self, spans: Sequence[FlextSpan], timeout: float) -> Result[int, FlextExportError]:
        self.release.wait(10)
        return Success(len(spans))

    def shutdown(self, timeout: float) -> None:
        self.release.set()


def stand_in(tracing: FlextTracingService, metrics: FlextMetricsService | None = None) -> StandInPlatform:
    """A platform around ``tracing`` (and a fresh or given metrics service)."""
    return StandInPlatform(
        metrics or FlextMetricsService(), tracing, get_logger("tests.monitor"), InMemorySpanRepository()
    )


def test_an_exporter_that_raises_never_reaches_the_call() -> None:
    """With an exporter that raises on every batch, calls return their results and the metrics stay exact."""
    exporter = RaisingExporter()
    platform = stand_in(FlextTracingService(service_name="t", exporters=[exporter], schedule_delay=0.01))

    @flext_monitor_function("export_me", platform=platform)
    def export_me(n: int) -> int:
        return n + 1

    assert [export_me(n) for n in range(50)] == list(range(1, 51))
    platform.tracing.force_flush(5)
    assert exporter.calls >= 1
    assert platform.tracing.counts().failed == 50
    assert calls(platform, "export_me", "success") == 50.0
    platform.tracing.shutdown(5)


def test_a_full_span_queue_drops_spans_and_the_calls_go_on() -> None:
    """With a queue of 2 spans behind a blocked exporter, spans are dropped and counted; calls are unaffected."""
    exporter = BlockedExporter()
    tracing = FlextTracingService(
        service_name="t", exporters=[exporter], max_queue_size=2, max_export_batch_size=1, schedule_delay=0.01
    )
    platform = stand_in(tracing)

    @flext_monitor_function("queued", platform=platform)
    def queued(n: int) -> int:
        return n

    try:
        assert [queued(n) for n in range(200)] == list(range(200))
        assert tracing.counts().dropped_queue_full >= 190
        assert calls(platform, "queued", "success") == 200.0
        assert in_progress(platform, "queued") == 0.0
    finally:
        exporter.release.set()
        tracing.shutdown(5)


def test_a_metrics_service_at_its_series_cap_sends_functions_to_the_overflow_series() -> None:
    """Beyond the series cap a function's samples go to the overflow series; calls are unaffected, nothing raises."""
    platform = stand_in(FlextTracingService(service_name="t"), FlextMetricsService(max_series=2))

    def make(index: int) -> Callable[[], int]:
        def job() -> int:
            return index

        return flext_monitor_function(f"job_{index}", platform=platform, trace=False)(job)

    jobs = [make(index) for index in range(5)]
    assert [job() for job in jobs] == list(range(5))
    samples = platform.samples()
    overflowed = {
        name: value for (name, labels), value in samples.items() if ("otel_metric_overflow", "true") in labels
    }
    # Each function has two duration series (success, error): the first takes the cap, the other four overflow.
    assert overflowed["flext_function_duration_seconds_count"] == 4.0
    assert samples[
        ("flext_observability_series_overflow_total", frozenset({("metric", "flext_function_duration_seconds")}))
    ]
    assert calls(platform, "job_0", "success") == 1.0
    platform.tracing.shutdown(5)


class RaisingLogger:
    """A logger whose every method raises."""

    def debug(self, event: str, /, **fields: Any) -> None:
        raise OSError(event)

    info = error = debug


def test_a_logger_that_raises_is_counted_and_the_exception_still_reaches_the_caller(
    platform: StandInPlatform,
) -> None:
    """A failing logger costs the log line only: the caller gets its own exception, the metrics are exact."""
    before = monitor_refusals().get("record_failure", 0)
    broken = StandInPlatform(platform.metrics, platform.tracing, RaisingLogger(), platform.repository)  # type: ignore[arg-type]
    error = LookupError("missing")

    @flext_monitor_function("logs_badly", platform=broken)
    def logs_badly() -> None:
        raise error

    with pytest.raises(LookupError) as info:
        logs_badly()
    assert info.value is error
    assert calls(platform, "logs_badly", "error") == 1.0
    assert monitor_refusals()["record_failure"] == before + 1


# --- fork ----------------------------------------------------------------------------------------------

FORKS = 20
CHILD_SECONDS = 5.0


def wait_for_child(forked: Callable[[int], int]) -> str:
    """Fork; the child calls ``forked`` once and exits. ``exited``, ``failed``, or ``hung`` (killed after a bound)."""
    pid = os.fork()
    if pid == 0:  # the child: one thread, whatever the parent's threads held
        code = 1
        try:
            code = 0 if forked(2) == 2 else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + CHILD_SECONDS
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "exited" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "hung"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_child_forked_while_threads_are_inside_monitored_calls_still_works(platform: StandInPlatform) -> None:
    """Forked while two threads run monitored calls (and export spans), every child's own monitored call completes."""

    @flext_monitor_function("forked", platform=platform)
    def forked(n: int) -> int:
        if n % 2:
            raise ValueError(n)
        return n

    stop = threading.Event()

    def hammer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            with contextlib.suppress(ValueError):
                forked(n)

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        outcomes = [wait_for_child(forked) for _ in range(FORKS)]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert outcomes == ["exited"] * FORKS
    assert in_progress(platform, "forked") == 0.0
