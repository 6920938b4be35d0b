"""Families read when scraped: ``counter_callback`` and ``gauge_callback``.

Readers are asked at each snapshot, so what a scrape shows is the value at
that moment; every bad sample is left out, counted and logged once per kind;
a reader that raises or returns junk never breaks a scrape; a reader that
returns an endless stream is cut at the series cap.
"""

from __future__ import annotations

import itertools
import logging
import threading
from typing import TYPE_CHECKING

import pytest
from prometheus_client.parser import text_string_to_metric_families
from returns.result import Failure, Success

from flext_observability import FlextMetricsService
from flext_observability.core.errors import FlextErrorCode

if TYPE_CHECKING:
    from collections.abc import Iterator


def scraped(service: FlextMetricsService) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the service's exposition, parsed by prometheus_client."""
    text = service.export_prometheus().unwrap()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def rejected(service: FlextMetricsService, metric: str, reason: FlextErrorCode) -> float:
    """How many samples of ``metric`` the service refused for ``reason``.

    The snapshot taken here reads the readers too, after the rejection counter
    when ``metric`` sorts after it (as every name in these tests does).
    """
    family = service.snapshot().family("flext_observability_rejected_samples_total")
    assert family is not None
    state = family.state(metric=metric, reason=reason.value)
    return 0.0 if state is None else state.value  # type: ignore[union-attr]


def test_a_gauge_reader_is_asked_at_every_scrape() -> None:
    """Ensures each scrape shows the value at that moment, with no update call in between."""
    service = FlextMetricsService()
    queue: list[int] = []
    assert isinstance(service.gauge_callback("work_queue_items", "Items waiting.", lambda: len(queue)), Success)
    assert scraped(service)[("work_queue_items", frozenset())] == 0.0
    queue.extend(range(7))
    assert scraped(service)[("work_queue_items", frozenset())] == 7.0
    queue.clear()
    assert scraped(service)[("work_queue_items", frozenset())] == 0.0


def test_labelled_pairs_and_readers_that_add_up() -> None:
    """Ensures (labels, value) pairs become series, and a second reader of one definition adds its share."""
    service = FlextMetricsService()

    def first() -> list[tuple[dict[str, str], float]]:
        return [({"stream": "orders"}, 3), ({"stream": "users"}, 1.5)]

    def second() -> list[tuple[dict[str, str], float]]:
        return [({"stream": "orders"}, 2)]

    one = service.counter_callback("rows_done_total", "Rows.", first, labels=("stream",)).unwrap()
    service.counter_callback("rows_done_total", "Rows.", second, labels=("stream",)).unwrap()
    samples = scraped(service)
    assert samples[("rows_done_total", frozenset({("stream", "orders")}))] == 5.0
    assert samples[("rows_done_total", frozenset({("stream", "users")}))] == 1.5
    one.remove()
    one.remove()  # twice does nothing
    samples = scraped(service)
    assert samples[("rows_done_total", frozenset({("stream", "orders")}))] == 2.0
    assert ("rows_done_total", frozenset({("stream", "users")})) not in samples


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ([({"stream": "a", "extra": "b"}, 1)], FlextErrorCode.WRONG_LABELS),
        ([({}, 1)], FlextErrorCode.WRONG_LABELS),
        ([({"stream": 7.5}, 1)], FlextErrorCode.WRONG_LABELS),
        ([({"stream": "x" * 100_000}, 1)], FlextErrorCode.WRONG_LABELS),
        ([({"stream": "a"}, "12")], FlextErrorCode.WRONG_TYPE),
        ([({"stream": "a"}, True)], FlextErrorCode.WRONG_TYPE),
        ([({"stream": "a"}, float("nan"))], FlextErrorCode.NOT_FINITE),
        ([({"stream": "a"}, float("inf"))], FlextErrorCode.NOT_FINITE),
        ([({"stream": "a"}, -1)], FlextErrorCode.NEGATIVE_COUNTER),
        (5, FlextErrorCode.WRONG_LABELS),
        ("rows", FlextErrorCode.CALLBACK_FAILED),
        ({"stream": 1}, FlextErrorCode.CALLBACK_FAILED),
        ([1, 2], FlextErrorCode.CALLBACK_FAILED),
        (None, FlextErrorCode.CALLBACK_FAILED),
    ],
)
def test_a_bad_sample_is_left_out_counted_and_logged_once(
    given: object, reason: FlextErrorCode, caplog: pytest.LogCaptureFixture
) -> None:
    """Ensures each refused sample is counted every time, logged the first time, and the good ones still show."""
    service = FlextMetricsService()
    service.counter_callback("rows_done_total", "Rows.", lambda: given, labels=("stream",)).unwrap()
    service.gauge_callback("healthy_value", "A good reader next to it.", lambda: 1).unwrap()
    with caplog.at_level(logging.WARNING, logger="flext_observability.metrics"):
        for _ in range(3):
            samples = scraped(service)
            assert samples[("healthy_value", frozenset())] == 1.0
            assert not any(name == "rows_done_total" for name, _ in samples)
    assert rejected(service, "rows_done_total", reason) == 3.0
    warnings = [record for record in caplog.records if "rows_done_total" in record.getMessage()]
    assert len(warnings) == 1
    assert reason.value in warnings[0].getMessage()


def test_a_reader_that_raises_never_breaks_a_scrape_and_its_message_stays_inside() -> None:
    """Ensures an exception costs that reader's samples only; the log names its type, not its (secret) text."""
    service = FlextMetricsService()

    def broken() -> float:
        message = "password=hunter2"
        raise RuntimeError(message)

    service.gauge_callback("reader_flaky", "Raises.", broken).unwrap()
    assert isinstance(service.export_prometheus(), Success)
    assert rejected(service, "reader_flaky", FlextErrorCode.CALLBACK_FAILED) == 1.0
    assert "hunter2" not in service.export_prometheus().unwrap()


def test_an_endless_reader_is_cut_at_the_series_cap_and_the_overflow_counted() -> None:
    """Ensures a reader yielding label sets forever ends at max_series series, in bounded time."""
    service = FlextMetricsService()

    def endless() -> Iterator[tuple[dict[str, str], int]]:
        return (({"stream": str(number)}, 1) for number in itertools.count())

    service.gauge_callback("streams_open", "Endless.", endless, labels=("stream",), max_series=50).unwrap()
    family = service.snapshot().family("streams_open")
    assert family is not None
    assert len(family.series) == 50
    overflow = service.snapshot().family("flext_observability_series_overflow_total")
    assert overflow is not None
    assert overflow.state(metric="streams_open").value >= 1  # type: ignore[union-attr]


def test_label_values_pass_the_redaction_policy() -> None:
    """Ensures a secret in a label value a reader gives is redacted like any other label value."""
    service = FlextMetricsService()
    reader = [({"url": "postgres://etl:s3cr3t@db/x"}, 1)]
    service.gauge_callback("source_up", "Sources.", lambda: reader, labels=("url",)).unwrap()
    assert "s3cr3t" not in service.export_prometheus().unwrap()


def test_definitions_that_clash_are_failures_with_the_reason() -> None:
    """Ensures a callback cannot take an instrument's name (nor the reverse), and a non-function is refused."""
    service = FlextMetricsService()
    service.counter("rows_total", "Rows.").unwrap()
    clash = service.counter_callback("rows_total", "Rows.", lambda: 1)
    assert isinstance(clash, Failure)
    assert "give this one another name" in str(clash.failure())
    service.gauge_callback("depth", "Depth.", lambda: 1).unwrap()
    reverse = service.gauge("depth", "Depth.")
    assert isinstance(reverse, Failure)
    assert "read when scraped" in str(reverse.failure())
    other_kind = service.counter_callback("depth", "Depth.", lambda: 1)
    assert isinstance(other_kind, Failure)
    not_callable = service.gauge_callback("speed", "Speed.", 5)  # type: ignore[arg-type]
    assert isinstance(not_callable, Failure)
    assert "function" in str(not_callable.failure())
    bad_name = service.gauge_callback("bad name", "Bad.", lambda: 1)
    assert isinstance(bad_name, Failure)


def test_a_reader_may_use_the_service_itself() -> None:
    """Ensures readers run outside the service's lock: one that defines an instrument or snapshots does not hang."""
    service = FlextMetricsService()

    def nosy() -> float:
        service.counter("side_total", "Made by a reader.").unwrap()
        assert service.snapshot().family("side_total") is not None  # a snapshot inside a snapshot
        return 1.0

    service.gauge_callback("nosy_value", "Uses the service.", nosy).unwrap()
    done: list[float] = []
    worker = threading.Thread(target=lambda: done.append(scraped(service)[("nosy_value", frozenset())]))
    worker.start()
    worker.join(5.0)
    assert done == [1.0]


def test_readers_and_scrapes_in_many_threads() -> None:
    """Ensures concurrent registration, removal and scraping never raise and never mix label sets up."""
    service = FlextMetricsService()
    errors: list[BaseException] = []

    def churn(number: int) -> None:
        try:
            pairs = [({"worker": str(number)}, number)]
            for _ in range(50):
                handle = service.gauge_callback(
                    "worker_items", "Per worker.", lambda: pairs, labels=("worker",)
                ).unwrap()
                assert isinstance(service.export_prometheus(), Success)
                handle.remove()
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=churn, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30.0)
    assert errors == []
    family = service.snapshot().family("worker_items")
    assert family is not None
    assert family.series == ()
