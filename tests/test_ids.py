"""Attack: make trace ids repeat, by seeding the shared ``random`` generator or by forking."""

from __future__ import annotations

import os
import random

import pytest

from flext_observability.tracing import FlextTracingService, InMemorySpanRepository


def _trace_id_after_seeding(tracing: FlextTracingService, seed: int) -> str:
    random.seed(seed)
    with tracing.start_span("job") as span:
        return span.trace_id


def test_seeding_the_shared_generator_does_not_repeat_trace_ids() -> None:
    """Ensures a job calling random.seed(7) on every run still gets a new trace id each time."""
    tracing = FlextTracingService(exporters=[InMemorySpanRepository()])
    state = random.getstate()
    try:
        ids = {_trace_id_after_seeding(tracing, 7) for _ in range(20)}
    finally:
        random.setstate(state)
    assert len(ids) == 20


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    """Ensures a child's ids differ from the ones its parent draws next (the generator is re-seeded at fork)."""
    tracing = FlextTracingService(exporters=[InMemorySpanRepository()])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next ids and leave
        try:
            with tracing.start_span("child") as span:
                os.write(write, f"{span.trace_id} {span.span_id}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with tracing.start_span("parent") as span:
        parent = {span.trace_id, span.span_id}
    child = os.read(read, 200).decode().split()
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 2
    assert parent.isdisjoint(child)
