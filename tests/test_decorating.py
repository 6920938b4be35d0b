"""The decorating helper: one scope for every kind of function, transparent, and safe across threads and tasks."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
from typing import TYPE_CHECKING, Any

import pytest

from flext_observability.metrics import FlextMetricsService
from flext_observability.shell.decorating import decorate, hook_failures
from flext_observability.testing import FakeClock
from flext_observability.tracing import FlextTracingService, InMemorySpanRepository, Span, current_span

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

MARK: contextvars.ContextVar[str | None] = contextvars.ContextVar("mark", default=None)


class Recorder:
    """Hooks that write down what happened and make a marker current while the scope is active."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.seen_inside: list[str | None] = []

    def begin(self) -> str:
        self.events.append("begin")
        return f"scope{len(self.events)}"

    def end(self, state: str, error: BaseException | None) -> None:
        self.events.append(f"end {type(error).__name__}" if error else "end ok")
        self.seen_inside.append(MARK.get())

    def activate(self, state: str) -> contextvars.Token[str | None]:
        return MARK.set(state)

    def deactivate(self, token: contextvars.Token[str | None]) -> None:
        MARK.reset(token)

    def decorator(self) -> Callable[[Any], Any]:
        return decorate(begin=self.begin, end=self.end, activate=self.activate, deactivate=self.deactivate)


def test_plain_function_is_transparent() -> None:
    """A plain function keeps its result, its metadata and signature, and runs inside the scope."""
    recorder = Recorder()

    @recorder.decorator()
    def add(a: int, b: int = 2) -> int:
        """Add two numbers."""
        assert MARK.get() is not None
        return a + b

    assert add(1) == 3
    assert recorder.events == ["begin", "end ok"]
    assert add.__name__ == "add"
    assert add.__doc__ == "Add two numbers."
    assert str(inspect.signature(add)) == "(a: 'int', b: 'int' = 2) -> 'int'"
    assert not inspect.iscoroutinefunction(add)
    assert not inspect.isgeneratorfunction(add)
    assert MARK.get() is None


def test_the_same_exception_object_escapes_with_its_chain() -> None:
    """The caller gets the very exception raised inside, with its cause; the scope ends with it."""
    recorder = Recorder()
    cause = KeyError("missing")
    raised: list[BaseException] = []

    @recorder.decorator()
    def fail() -> None:
        try:
            raise cause
        except KeyError as error:
            problem = ValueError("bad row")
            raised.append(problem)
            raise problem from error

    with pytest.raises(ValueError, match="bad row") as info:
        fail()
    assert info.value is raised[0]
    assert info.value.__cause__ is cause
    assert info.value.__traceback__ is not None
    assert recorder.events == ["begin", "end ValueError"]
    assert recorder.seen_inside == ["scope1"]


def test_coroutine_function_is_awaited_inside_the_scope() -> None:
    """A coroutine function stays one (for inspect) and its scope covers the awaited call."""
    recorder = Recorder()

    @recorder.decorator()
    async def fetch(n: int) -> int:
        await asyncio.sleep(0)
        assert MARK.get() is not None
        return n * 2

    assert inspect.iscoroutinefunction(fetch)
    assert asyncio.run(fetch(21)) == 42
    assert recorder.events == ["begin", "end ok"]


def test_generator_scope_covers_the_whole_iteration() -> None:
    """A generator's scope begins at the first next() and ends at exhaustion, with the return value kept."""
    recorder = Recorder()

    @recorder.decorator()
    def rows() -> Iterator[int]:
        for index in range(3):
            assert MARK.get() is not None
            yield index
        return None

    generator = rows()
    assert inspect.isgeneratorfunction(rows)
    assert recorder.events == []
    assert next(generator) == 0
    assert recorder.events == ["begin"]
    assert MARK.get() is None  # nothing of the scope is held while the caller runs
    assert list(generator) == [1, 2]
    assert recorder.events == ["begin", "end ok"]


def test_generator_send_throw_close_and_return_value() -> None:
    """send() and throw() reach the wrapped generator, close() ends the scope, and the return value comes back."""
    recorder = Recorder()

    @recorder.decorator()
    def echo() -> Any:
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

    generator = echo()
    assert next(generator) == 0
    assert generator.send("a") == 1
    assert generator.throw(KeyError("k")) == "caught"
    assert next(generator) == 1
    with pytest.raises(StopIteration) as stop:
        generator.send(None)
    assert stop.value.value == ["a"]
    assert recorder.events == ["begin", "end ok"]

    closed = echo()
    next(closed)
    closed.close()
    assert recorder.events[-2:] == ["begin", "end ok"]

    failing = echo()
    next(failing)
    with pytest.raises(ZeroDivisionError):
        failing.throw(ZeroDivisionError())
    assert recorder.events[-1] == "end ZeroDivisionError"


def test_generator_resumed_in_other_threads_gives_no_context_error() -> None:
    """A decorated generator advanced from several threads in turn sees its scope inside and raises nothing."""
    recorder = Recorder()

    @recorder.decorator()
    def numbers() -> Iterator[str | None]:
        for _ in range(4):
            yield MARK.get()

    generator = numbers()
    seen: list[str | None] = [next(generator)]
    errors: list[BaseException] = []

    def advance() -> None:
        try:
            seen.append(next(generator))
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    for _ in range(3):
        worker = threading.Thread(target=advance)
        worker.start()
        worker.join()
    assert errors == []
    assert seen == ["scope1"] * 4
    assert list(generator) == []
    assert recorder.events == ["begin", "end ok"]


def test_async_generator_across_tasks() -> None:
    """An async generator consumed by two tasks in turn sees its scope and ends it once, without a context error."""
    recorder = Recorder()

    @recorder.decorator()
    async def stream() -> AsyncIterator[str | None]:
        for _ in range(4):
            await asyncio.sleep(0)
            yield MARK.get()

    async def main() -> list[str | None]:
        generator = stream()
        first = await asyncio.create_task(anext(generator))
        second = await asyncio.create_task(anext(generator))
        rest = [item async for item in generator]
        return [first, second, *rest]

    assert inspect.isasyncgenfunction(stream)
    assert asyncio.run(main()) == ["scope1"] * 4
    assert recorder.events == ["begin", "end ok"]


def test_async_generator_close_and_throw() -> None:
    """aclose() ends the scope cleanly; athrow() passes the exception in and the scope ends with it."""
    recorder = Recorder()

    @recorder.decorator()
    async def stream() -> AsyncIterator[int]:
        for index in range(10):
            yield index

    async def main() -> None:
        closed = stream()
        await anext(closed)
        await closed.aclose()
        thrown = stream()
        await anext(thrown)
        with pytest.raises(RuntimeError):
            await thrown.athrow(RuntimeError("stop"))

    asyncio.run(main())
    assert recorder.events == ["begin", "end ok", "begin", "end RuntimeError"]


def test_methods_classmethods_and_staticmethods() -> None:
    """Methods bind as usual, and a classmethod or staticmethod object is wrapped inside its descriptor."""
    recorder = Recorder()

    class Job:
        base = 10

        @recorder.decorator()
        def run(self, n: int) -> int:
            return self.base + n

        @recorder.decorator()
        @classmethod
        def make(cls, n: int) -> int:
            return cls.base * n

        @recorder.decorator()
        @staticmethod
        def pure(n: int) -> int:
            return -n

    assert Job().run(1) == 11
    assert Job.make(2) == 20
    assert Job.pure(3) == -3
    assert Job().pure(4) == -4
    assert recorder.events == ["begin", "end ok"] * 4


def test_a_raising_hook_never_reaches_the_caller() -> None:
    """Hooks that raise are counted and skipped; the function still runs and returns, or raises its own error."""

    def bad_begin() -> str:
        raise RuntimeError

    def bad_end(state: object, error: BaseException | None) -> None:
        raise RuntimeError

    before = hook_failures()

    @decorate(begin=bad_begin, end=bad_end)
    def value() -> int:
        return 7

    @decorate(begin=lambda: "state", end=bad_end)
    def broken() -> None:
        raise KeyError

    @decorate(begin=lambda: "state", end=bad_end)
    def items() -> Iterator[int]:
        yield 1

    assert value() == 7
    with pytest.raises(KeyError):
        broken()
    assert list(items()) == [1]
    assert hook_failures() == before + 3


def test_span_scope_decorates_generators_for_their_whole_iteration() -> None:
    """A traced generator's span lasts until exhaustion and is the current span inside, also from another thread."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(exporters=[repository])

    @tracing.start_span("read rows")
    def rows() -> Iterator[str | None]:
        for _ in range(3):
            span = current_span()
            yield span.name if isinstance(span, Span) else None

    generator = rows()
    assert next(generator) == "read rows"
    assert current_span() is None
    results: list[str | None] = []
    worker = threading.Thread(target=lambda: results.extend(generator))
    worker.start()
    worker.join()
    assert results == ["read rows", "read rows"]
    assert tracing.shutdown(5)
    [span] = repository.spans()
    assert span.name == "read rows"
    assert span.end_time_ns >= span.start_time_ns


def test_span_scope_records_a_generator_failure() -> None:
    """An exception from inside a traced generator fails its span and reaches the consumer unchanged."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(exporters=[repository])

    @tracing.start_span("parse")
    def parse() -> Iterator[int]:
        yield 1
        message = "row 2 is broken"
        raise ValueError(message)

    with pytest.raises(ValueError, match="row 2"):
        list(parse())
    assert tracing.shutdown(5)
    [span] = repository.spans()
    assert span.status.code.value == "error"
    assert "row 2 is broken" in span.status.description


def test_histogram_time_decorates_every_kind_of_function() -> None:
    """``time()`` times a block, and as a decorator each call of a function, coroutine or generator (fake clock)."""
    clock = FakeClock()
    service = FlextMetricsService(clock=clock)
    latency = service.histogram("step_seconds", "Step time.", unit="seconds", buckets=(1, 5, 10)).unwrap()
    timer = latency.time()

    @timer
    def step() -> str:
        clock.advance(2)
        return "done"

    @timer
    async def fetch() -> int:
        clock.advance(4)
        return 1

    @timer
    def rows() -> Iterator[int]:
        yield 1
        clock.advance(8)
        yield 2

    with latency.time():
        clock.advance(0.5)
    assert step() == "done"
    assert asyncio.run(fetch()) == 1
    generator = rows()
    clock.advance(100)  # made but not started: not timed
    assert list(generator) == [1, 2]
    family = service.snapshot().family("step_seconds")
    assert family is not None
    state = family.state()
    assert state.count == 4  # type: ignore[union-attr]
    assert state.sum == 14.5  # type: ignore[union-attr]
    assert inspect.iscoroutinefunction(fetch)
    assert inspect.isgeneratorfunction(rows)
