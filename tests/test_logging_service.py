"""FlextLoggingService: entities through the pipeline, the bounded repository, and context isolation."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Iterator

import pytest

from flext_observability import FlextErrorCode, build_log_entry
from flext_observability.shell.context import (
    ContextExecutor,
    bind_context,
    bound_context,
    clear_context,
    current_context,
    unbind_context,
    use_span_ids,
    with_current_context,
)
from flext_observability.shell.factory import FlextObservabilityMasterFactory
from flext_observability.shell.logs.service import FlextLoggingService
from flext_observability.shell.logs.setup import configure_logging, reset_logging
from flext_observability.shell.metrics.service import FlextMetricsService
from flext_observability.testing import FakeClock

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A JSON pipeline writing to memory, removed after the test."""
    output = io.StringIO()
    configure_logging(format="json", stream=output, service_name="orders")
    clear_context()
    yield output
    reset_logging()
    clear_context()


def _events(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_log_entry_writes_the_entity(stream: io.StringIO) -> None:
    """An entity goes out with its own time, level, logger, context and ids."""
    entry = build_log_entry(
        event="batch loaded",
        level="warning",
        logger="target.snowflake",
        timestamp=1_700_000_000.25,
        context={"rows": 3, "tables": ["a"], "password": "pw"},
        trace_id=TRACE,
        span_id=SPAN,
    ).unwrap()
    service = FlextLoggingService()
    kept = service.log_entry(entry).unwrap()
    # What is kept and returned is what was written: the secret is gone from it too.
    assert kept.context["password"] == "REDACTED"
    assert (kept.event, kept.level, kept.timestamp, kept.trace_id) == (
        entry.event,
        entry.level,
        1_700_000_000.25,
        TRACE,
    )
    assert service.query_logs() == (kept,)
    assert "pw'" not in repr(kept)
    assert "pw" not in str(kept.to_dict())
    (event,) = _events(stream)
    assert event["timestamp"] == "2023-11-14T22:13:20.250000Z"
    assert (event["level"], event["logger"], event["event"]) == ("warning", "target.snowflake", "batch loaded")
    assert (event["rows"], event["tables"], event["password"]) == (3, ["a"], "REDACTED")
    assert (event["trace_id"], event["span_id"]) == (TRACE, SPAN)


def test_invalid_entries_are_refused_and_not_kept(stream: io.StringIO) -> None:
    """A hand-made entry that breaks a rule is a Failure, and is neither written nor kept."""
    from flext_observability import FlextLogEntry  # noqa: PLC0415 - only this test builds one by hand

    service = FlextLoggingService()
    result = service.log_entry(FlextLogEntry(event="", logger="x", timestamp=1.0))
    assert result.failure().codes == {FlextErrorCode.EMPTY}
    assert service.query_logs() == ()
    assert stream.getvalue() == ""


def test_helpers_log_with_bound_context_and_current_span(stream: io.StringIO) -> None:
    """``info`` and friends add the bound context and the current span's ids."""
    service = FlextLoggingService(logger="etl")
    bind_context(run_id="r-7")
    with use_span_ids(TRACE, SPAN):
        entry = service.info("step done", step="load").unwrap()
    assert entry.context == {"run_id": "r-7", "step": "load"}
    assert (entry.trace_id, entry.span_id) == (TRACE, SPAN)
    unbind_context("run_id")
    assert current_context() == {}
    assert service.warning("w").unwrap().level == "warning"
    assert service.debug("d").unwrap().level == "debug"
    assert service.error("e").unwrap().level == "error"
    assert service.critical("c").unwrap().level == "critical"
    assert service.info("bad", level="x").failure().codes == {FlextErrorCode.RESERVED_NAME}
    assert [event["event"] for event in _events(stream)] == ["step done", "w", "e", "c"]


def test_repository_is_bounded_and_counts_drops(stream: io.StringIO) -> None:
    """Beyond its capacity the oldest entries go, each counted (also as a metric)."""
    metrics = FlextMetricsService()
    service = FlextLoggingService(capacity=3, metrics=metrics)
    for index in range(5):
        service.info(f"event {index}")
    assert [entry.event for entry in service.query_logs()] == ["event 2", "event 3", "event 4"]
    assert service.dropped == 2
    dropped = metrics.snapshot().family("flext_observability_log_entries_dropped_total")
    assert dropped is not None
    assert dropped.state().value == 2  # type: ignore[union-attr]
    assert stream.getvalue().count("\n") == 5
    with pytest.raises(ValueError, match=r"^capacity must be an int from 1 to 10,000,000, not 0$"):
        FlextLoggingService(capacity=0)


def test_query_logs_filters(stream: io.StringIO) -> None:
    """Entries are found by exact level, minimum level, logger, trace id, time and count."""
    clock = FakeClock(1000.0)
    service = FlextLoggingService(logger="etl", factory=FlextObservabilityMasterFactory(clock=clock))
    service.info("a")
    clock.advance(10)
    service.error("b")
    with use_span_ids(TRACE, SPAN):
        service.warning("c")
    assert [entry.event for entry in service.query_logs(level="error")] == ["b"]
    assert [entry.event for entry in service.query_logs(min_level="warning")] == ["b", "c"]
    assert [entry.event for entry in service.query_logs(trace_id=TRACE)] == ["c"]
    assert [entry.event for entry in service.query_logs(since=1005.0)] == ["b", "c"]
    assert [entry.event for entry in service.query_logs(logger="etl", limit=2)] == ["b", "c"]
    assert service.query_logs(logger="other") == ()
    assert service.query_logs(min_level="verbose") == ()
    assert len(stream.getvalue().splitlines()) == 3


def test_context_is_isolated_between_asyncio_tasks() -> None:
    """Concurrent tasks each see only what they bound (and what their creator had bound)."""

    async def task(name: str) -> dict[str, object]:
        bind_context(task=name)
        await asyncio.sleep(0)
        await asyncio.sleep(0.001)
        return current_context()

    async def main() -> list[dict[str, object]]:
        bind_context(run="r-1")
        return await asyncio.gather(*(task(f"t{index}") for index in range(50)))

    seen = asyncio.run(main())
    assert seen == [{"run": "r-1", "task": f"t{index}"} for index in range(50)]
    assert current_context() == {}


def test_context_is_isolated_between_threads_and_carried_on_request() -> None:
    """Plain threads start empty; the executor and the wrapper carry the caller's context and span."""
    clear_context()
    service = FlextLoggingService()
    bind_context(run="r-2")
    seen: dict[str, object] = {}

    def plain() -> None:
        seen["plain"] = current_context()

    thread = threading.Thread(target=plain)
    thread.start()
    thread.join()
    with use_span_ids(TRACE, SPAN), ContextExecutor(max_workers=4) as executor:
        carried = list(executor.map(lambda _: (current_context(), service.info("x").unwrap().trace_id), range(8)))
        wrapped = with_current_context(current_context)
    other = threading.Thread(target=lambda: seen.setdefault("wrapped", wrapped()))
    other.start()
    other.join()
    clear_context()
    assert seen["plain"] == {}
    assert carried == [({"run": "r-2"}, TRACE)] * 8
    assert seen["wrapped"] == {"run": "r-2"}


def test_threads_binding_concurrently_do_not_see_each_other() -> None:
    """Each worker's own bindings stay in its own context."""
    results: list[bool] = []

    def work(index: int) -> None:
        clear_context()
        bind_context(worker=index)
        for _ in range(200):
            if current_context() != {"worker": index}:
                results.append(False)
                return
        results.append(True)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 16


def test_no_secret_is_kept_that_the_line_did_not_carry(stream: io.StringIO) -> None:
    """Ensures a secret in the event text, a URL, a nested key or bound context is in no kept entry or its repr."""
    canary = "Kept5ecretCanary"
    service = FlextLoggingService(capacity=10)
    with bound_context(session_token=canary):
        service.error(
            f"cannot connect to postgres://etl:{canary}@db/dw",
            config={"nested": [{"api_key": canary}]},
            url=f"https://api.example.com/items?access_token={canary}",
        ).unwrap()
    entries = service.query_logs()
    assert len(entries) == 1
    for text in (stream.getvalue(), repr(entries), str([entry.to_dict() for entry in entries])):
        assert canary not in text
    assert entries[0].event.startswith("cannot connect to postgres://")


def test_without_configure_logging_lines_carry_plain_fields_and_no_internal_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before configure_logging, structlog's defaults write the ids and nested maps as plain fields, no internal key."""
    reset_logging()
    entry = build_log_entry(
        event="rows loaded",
        level="info",
        logger="etl",
        context={"tap": {"name": "pg"}},
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        span_id="00f067aa0ba902b7",
        timestamp=1.0,
    ).unwrap()
    FlextLoggingService().log_entry(entry).unwrap()
    line = capsys.readouterr().out
    assert "_flext_standard" not in line
    assert "FrozenMap" not in line
    assert "trace_id=4bf92f3577b34da6a3ce929d0e0e4736" in line
    assert "span_id=00f067aa0ba902b7" in line
    assert "tap={'name': 'pg'}" in line
