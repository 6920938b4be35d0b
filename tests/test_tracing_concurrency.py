"""Many threads and asyncio tasks creating nested spans: correct parents and exact counters."""

from __future__ import annotations

import asyncio
import threading

from flext_observability.shell.context import ContextExecutor
from flext_observability.shell.tracing.exporters import InMemorySpanRepository
from flext_observability.shell.tracing.service import FlextTracingService, current_span

THREADS = 100
TASKS = 1000
DEPTH = 3


def _check_trees(repository: InMemorySpanRepository, roots: int) -> None:
    traces = repository.query_traces()
    assert len(traces) == roots
    for trace in traces:
        assert len(trace.spans) == DEPTH
        chain = [trace.root]
        while children := trace.children(chain[-1].span_id):
            (child,) = children
            chain.append(child)
        assert [span.name for span in chain] == ["level0", "level1", "level2"]


def test_hundred_threads_build_separate_trees() -> None:
    """100 threads each build a three-level tree; every child points at its own thread's parent."""
    repository = InMemorySpanRepository(capacity=10 * THREADS * DEPTH)
    tracing = FlextTracingService(exporters=[repository], max_queue_size=10 * THREADS * DEPTH)
    start = threading.Barrier(THREADS)

    def work() -> None:
        start.wait()
        with tracing.start_span("level0") as root:
            with tracing.start_span("level1") as middle:
                assert middle.parent_span_id == root.span_id
                with tracing.start_span("level2") as leaf:
                    assert leaf.parent_span_id == middle.span_id
            assert current_span() is root

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tracing.shutdown(30)
    counts = tracing.counts()
    assert (counts.started, counts.ended, counts.exported, counts.dropped) == (THREADS * DEPTH,) * 3 + (0,)
    _check_trees(repository, THREADS)


def test_thousand_tasks_build_separate_trees() -> None:
    """1000 concurrent asyncio tasks each build a tree; the current span never leaks between tasks."""
    repository = InMemorySpanRepository(capacity=10 * TASKS * DEPTH)
    tracing = FlextTracingService(exporters=[repository], max_queue_size=10 * TASKS * DEPTH)

    async def work() -> None:
        with tracing.start_span("level0") as root:
            await asyncio.sleep(0)
            with tracing.start_span("level1") as middle:
                await asyncio.sleep(0)
                with tracing.start_span("level2") as leaf:
                    await asyncio.sleep(0)
                    assert leaf.parent_span_id == middle.span_id
                assert current_span() is middle
            assert middle.parent_span_id == root.span_id

    async def main() -> None:
        await asyncio.gather(*(work() for _ in range(TASKS)))

    asyncio.run(main())
    assert tracing.shutdown(30)
    counts = tracing.counts()
    assert (counts.started, counts.ended, counts.exported, counts.failed) == (TASKS * DEPTH,) * 3 + (0,)
    _check_trees(repository, TASKS)


def test_child_tasks_and_worker_threads_inherit_the_current_span() -> None:
    """Tasks created inside a span, and work sent to the context executor, see that span as parent."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(exporters=[repository])

    async def child() -> str | None:
        with tracing.start_span("task child") as span:
            return span.parent_span_id

    async def main() -> tuple[str, list[str | None]]:
        with tracing.start_span("parent") as parent:
            return parent.span_id, list(await asyncio.gather(child(), child()))

    parent_id, task_parents = asyncio.run(main())
    assert task_parents == [parent_id, parent_id]

    def in_thread() -> str | None:
        with tracing.start_span("thread child") as span:
            return span.parent_span_id

    with tracing.start_span("parent") as parent, ContextExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda _: in_thread(), range(4))) == [parent.span_id] * 4
    plain = threading.Thread(target=lambda: tracing.start_span("orphan").__enter__().end())
    plain.start()
    plain.join()
    assert tracing.shutdown(10)
