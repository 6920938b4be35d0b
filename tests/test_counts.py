"""One rule for whole-number set-up arguments: ``check_count`` and every constructor that uses it.

A capacity, a queue size, a worker count or a cap is a plain ``int`` (a
``bool`` is none) in a range. What is no int raises ``TypeError`` (or, at the
few sites that have always raised ``ValueError`` for every bad value,
``ValueError``), what is out of range ``ValueError``; every message names the
argument and says what is allowed in the same words. A subclass of ``int``
is read as the number it holds, never through its own methods.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import pytest

from flext_observability import (
    FlextAlertService,
    FlextHealthService,
    FlextLoggingService,
    FlextMetricsService,
    FlextOtlpHttpExporter,
    FlextTracingService,
    InMemorySpanRepository,
)
from flext_observability.alerts import AlertmanagerSink, WebhookSink
from flext_observability.asgi import FlextAsgiMiddleware
from flext_observability.clients import FlextHttpClientInstrumentation
from flext_observability.propagation import ContextExecutor
from flext_observability.shell.counts import check_count
from flext_observability.shell.http_client import RetryPolicy
from flext_observability.shell.tracing.processor import BatchSpanProcessor
from flext_observability.shell.web.bridge import wsgi_to_asgi
from flext_observability.tracing import BatchSpanProcessor as PublicBatchSpanProcessor
from flext_observability.wsgi import FlextWsgiMiddleware

HUGE = 10**400
"""An int whose digits no message should print (1329 bits)."""


def _raise(*_args: object) -> NoReturn:
    message = "a method of the value itself was run"
    raise AssertionError(message)


class Lying(int):
    """An int that lies or raises from every method a check could be tempted to call."""

    __int__ = _raise
    __index__ = _raise
    __lt__ = _raise
    __le__ = _raise
    __gt__ = _raise
    __ge__ = _raise
    __eq__ = _raise
    __ne__ = _raise
    __hash__ = _raise
    __bool__ = _raise
    __repr__ = _raise
    __str__ = _raise
    __format__ = _raise
    bit_length = _raise


class Pretender:
    """No int at all, but its ``__class__`` says it is one; every other lookup raises."""

    def __getattribute__(self, name: str) -> Any:
        if name == "__class__":
            return int
        message = f"no {name} for you"
        raise RuntimeError(message)


class Hostile:
    """An object that raises from every attribute lookup, ``__class__`` included."""

    def __getattribute__(self, name: str) -> Any:
        message = f"no {name} for you"
        raise RuntimeError(message)


class LyingFloat(float):
    """A float whose ``repr`` must not reach a message."""

    __repr__ = _raise
    __str__ = _raise


class LyingText(str):
    """Text whose own ``__str__`` and ``__repr__`` must not reach a message."""

    __slots__ = ()
    __repr__ = _raise
    __str__ = _raise


def _exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


# --- the rule ----------------------------------------------------------------


def test_plain_ints_in_range_are_taken_as_plain_ints() -> None:
    """The bounds themselves are in range; the result is always a plain ``int``."""
    assert check_count("capacity", 1) == 1
    assert check_count("capacity", 10_000, most=10_000) == 10_000
    assert check_count("max_retries", 0, least=0, most=99) == 0
    assert check_count("max_retries", 99, least=0, most=99) == 99
    assert check_count("max_instruments", 4, least=4) == 4
    assert check_count("capacity", HUGE) == HUGE  # no upper bound when most is None
    assert type(check_count("capacity", 7)) is int


@pytest.mark.parametrize(
    ("value", "least", "most", "message"),
    [
        (0, 1, None, "capacity must be an int of at least 1, not 0"),
        (-5, 1, None, "capacity must be an int of at least 1, not -5"),
        (0, 1, 10_000, "capacity must be an int from 1 to 10,000, not 0"),
        (10_001, 1, 10_000, "capacity must be an int from 1 to 10,000, not 10001"),
        (-1, 0, 99, "capacity must be an int from 0 to 99, not -1"),
        (3, 4, None, "capacity must be an int of at least 4, not 3"),
        (999, 1_000, None, "capacity must be an int of at least 1,000, not 999"),
        (HUGE, 1, 10_000, "capacity must be an int from 1 to 10,000, not an int of 1329 bits"),
        (-HUGE, 1, None, "capacity must be an int of at least 1, not an int of 1329 bits"),
        (2**64, 1, 10, "capacity must be an int from 1 to 10, not an int of 65 bits"),
        (2**64 - 1, 1, 10, "capacity must be an int from 1 to 10, not 18446744073709551615"),
    ],
)
def test_out_of_range_is_a_value_error_saying_what_is_allowed(
    value: int, least: int, most: int | None, message: str
) -> None:
    """Below ``least`` or above ``most`` raises ``ValueError``; a huge int is shown by its size, never its digits."""
    with pytest.raises(ValueError, match=_exactly(message)):
        check_count("capacity", value, least=least, most=most)


NO_INTS: list[tuple[object, str]] = [
    (True, "a value of type bool"),
    (False, "a value of type bool"),
    (3.0, "3.0"),
    (2.5, "2.5"),
    (float("nan"), "nan"),
    (float("inf"), "inf"),
    ("ten", "'ten'"),
    ("5", "'5'"),
    ("x" * 100, "'" + "x" * 40 + "...'"),
    (None, "a value of type NoneType"),
    (b"5", "a value of type bytes"),
    ([5], "a value of type list"),
    (LyingFloat(3.0), "a value of type LyingFloat"),
    (LyingText("ten"), "'ten'"),
    (Hostile(), "a value of type Hostile"),
    (Pretender(), "a value of type Pretender"),
]
"""Values that are no int, and how a message shows each (never through the value's own methods)."""


@pytest.mark.parametrize(
    ("value", "shown"), NO_INTS, ids=[f"{index}:{shown}" for index, (_, shown) in enumerate(NO_INTS)]
)
def test_what_is_no_int_is_a_type_error_in_the_same_words(value: object, shown: str) -> None:
    """A bool, float, text or anything else raises ``TypeError``, shown without running its own methods."""
    with pytest.raises(TypeError, match=_exactly(f"max_queue must be an int of at least 1, not {shown}")):
        check_count("max_queue", value)
    with pytest.raises(TypeError, match=_exactly(f"max_queue must be an int from 1 to 64, not {shown}")):
        check_count("max_queue", value, most=64)


def test_an_int_subclass_is_read_as_the_plain_number_it_holds() -> None:
    """A subclass's own ``__int__``, ``__index__``, comparisons and ``repr`` are never run."""
    taken = check_count("capacity", Lying(5), most=10)
    assert taken == 5
    assert type(taken) is int
    with pytest.raises(ValueError, match=_exactly("capacity must be an int from 1 to 10, not 0")):
        check_count("capacity", Lying(0), most=10)
    with pytest.raises(ValueError, match=_exactly("capacity must be an int from 1 to 10, not 11")):
        check_count("capacity", Lying(11), most=10)
    with pytest.raises(ValueError, match=_exactly("capacity must be an int from 1 to 10, not an int of 1329 bits")):
        check_count("capacity", Lying(HUGE), most=10)


def test_the_name_given_is_the_one_named() -> None:
    """The message starts with the argument's name, whatever it is."""
    for name in ("max_workers", "history", "max_body"):
        with pytest.raises(ValueError, match=f"^{name} must be an int"):
            check_count(name, 0)
        with pytest.raises(TypeError, match=f"^{name} must be an int"):
            check_count(name, "0")


# --- every site that takes such an argument ---------------------------------------


def _wsgi_app(_environ: object, start_response: Callable[..., object]) -> list[bytes]:
    start_response("200 OK", [])
    return [b""]


async def _asgi_app(_scope: object, _receive: object, _send: object) -> None:
    return None


@pytest.fixture(scope="module")
def services() -> Iterator[tuple[FlextTracingService, FlextMetricsService]]:
    """One tracing and one metrics service for the constructors that need them."""
    tracing = FlextTracingService(service_name="counts", exporters=[])
    yield tracing, FlextMetricsService()
    assert tracing.shutdown(5)


Build = Callable[[tuple[FlextTracingService, FlextMetricsService], Any], object]

Site = tuple[str, str, Build, int, int | None, type[Exception]]
"""A constructor, its argument, how to build it, the least and most taken, the error raised for what is no int."""

SITES: list[Site] = [
    ("FlextAlertService", "max_active", lambda _, v: FlextAlertService(max_active=v), 1, 10_000_000, TypeError),
    ("FlextAlertService", "history", lambda _, v: FlextAlertService(history=v), 1, 10_000_000, TypeError),
    ("FlextAlertService", "max_samples", lambda _, v: FlextAlertService(max_samples=v), 1, 10_000_000, TypeError),
    (
        "WebhookSink",
        "max_queue",
        lambda _, v: WebhookSink("http://127.0.0.1:9/hook", max_queue=v),
        1,
        None,
        TypeError,
    ),
    (
        "AlertmanagerSink",
        "max_queue_bytes",
        lambda _, v: AlertmanagerSink("http://127.0.0.1:9", max_queue_bytes=v),
        1,
        None,
        TypeError,
    ),
    ("BatchSpanProcessor", "max_queue_size", lambda _, v: BatchSpanProcessor([], max_queue_size=v), 1, None, TypeError),
    (
        "BatchSpanProcessor",
        "max_queue_bytes",
        lambda _, v: BatchSpanProcessor([], max_queue_bytes=v),
        1,
        None,
        TypeError,
    ),
    (
        "BatchSpanProcessor",
        "max_export_batch_size",
        lambda _, v: BatchSpanProcessor([], max_export_batch_size=v),
        1,
        None,
        TypeError,
    ),
    (
        "FlextTracingService",
        "max_queue_size",
        lambda _, v: FlextTracingService(service_name="x", max_queue_size=v),
        1,
        None,
        TypeError,
    ),
    ("InMemorySpanRepository", "capacity", lambda _, v: InMemorySpanRepository(capacity=v), 1, None, TypeError),
    ("FlextOtlpHttpExporter", "max_retries", lambda _, v: FlextOtlpHttpExporter(max_retries=v), 0, 99, TypeError),
    ("FlextMetricsService", "max_series", lambda _, v: FlextMetricsService(max_series=v), 1, None, ValueError),
    (
        "FlextMetricsService",
        "max_instruments",
        lambda _, v: FlextMetricsService(max_instruments=v),
        4,
        None,
        ValueError,
    ),
    (
        "FlextHttpClientInstrumentation",
        "max_addresses",
        lambda s, v: FlextHttpClientInstrumentation(tracing=s[0], metrics=s[1], max_addresses=v),
        1,
        100_000,
        TypeError,
    ),
    (
        "FlextWsgiMiddleware",
        "max_routes",
        lambda s, v: FlextWsgiMiddleware(_wsgi_app, tracing=s[0], metrics=s[1], max_routes=v),
        1,
        100_000,
        ValueError,
    ),
    (
        "FlextAsgiMiddleware",
        "max_routes",
        lambda s, v: FlextAsgiMiddleware(_asgi_app, tracing=s[0], metrics=s[1], max_routes=v),
        1,
        100_000,
        ValueError,
    ),
    ("wsgi_to_asgi", "max_workers", lambda _, v: wsgi_to_asgi(_wsgi_app, max_workers=v), 1, 64, ValueError),
    ("wsgi_to_asgi", "max_pending", lambda _, v: wsgi_to_asgi(_wsgi_app, max_pending=v), 1, 10_000, ValueError),
    ("wsgi_to_asgi", "max_body", lambda _, v: wsgi_to_asgi(_wsgi_app, max_body=v), 1, 64 * 1024 * 1024, ValueError),
    ("FlextLoggingService", "capacity", lambda _, v: FlextLoggingService(capacity=v), 1, 10_000_000, TypeError),
    ("FlextHealthService", "max_workers", lambda _, v: FlextHealthService(max_workers=v), 1, 64, TypeError),
    ("ContextExecutor", "max_workers", lambda _, v: _executor(v), 1, 4096, TypeError),
    ("RetryPolicy", "attempts", lambda _, v: RetryPolicy(attempts=v), 1, 100, ValueError),
]
SITE_IDS = [f"{site}.{argument}" for site, argument, *_ in SITES]
NONE_IS_THE_DEFAULT = frozenset({"ContextExecutor"})
"""Sites where ``None`` is a valid value: the standard library's default worker count."""


def _executor(workers: object) -> None:
    """A ``ContextExecutor`` of ``workers`` threads, shut down at once."""
    ContextExecutor(max_workers=workers).shutdown()  # type: ignore[arg-type]


def _allowed(least: int, most: int | None) -> str:
    return f"an int of at least {least:,}" if most is None else f"an int from {least:,} to {most:,}"


@pytest.mark.parametrize("case", SITES, ids=SITE_IDS)
def test_every_site_refuses_in_the_same_words(
    services: tuple[FlextTracingService, FlextMetricsService], case: Site
) -> None:
    """Below the range, a huge int, a lying subclass, ``True``, a float, text and a hostile object: one wording."""
    _site, argument, build, least, most, no_int = case
    allowed = f"{argument} must be {_allowed(least, most)}, not "
    out_of_range: list[tuple[object, str]] = [
        (least - 1, str(least - 1)),
        (Lying(least - 1), str(least - 1)),
        (-HUGE, "an int of 1329 bits"),
    ]
    if most is not None:
        out_of_range.append((most + 1, str(most + 1)))
        out_of_range.append((HUGE, "an int of 1329 bits"))
    for value, shown in out_of_range:
        with pytest.raises(ValueError, match=_exactly(allowed + shown)):
            build(services, value)
    no_ints: list[tuple[object, str]] = [
        (True, "a value of type bool"),
        (False, "a value of type bool"),
        (float(max(least, 1)), f"{float(max(least, 1))!r}"),
        ("ten", "'ten'"),
        (None, "a value of type NoneType"),
        (Hostile(), "a value of type Hostile"),
        (Pretender(), "a value of type Pretender"),
    ]
    for value, shown in no_ints:
        if value is None and _site in NONE_IS_THE_DEFAULT:
            continue
        with pytest.raises(no_int, match=_exactly(allowed + shown)):
            build(services, value)


def test_a_lying_int_subclass_is_taken_as_its_number_where_the_setting_is_kept() -> None:
    """The constructors keep the plain number a subclass holds, never the subclass itself."""
    kept: list[tuple[object, int]] = [
        (InMemorySpanRepository(capacity=Lying(3)).capacity, 3),
        (BatchSpanProcessor([], max_queue_size=Lying(8), max_export_batch_size=Lying(4)).max_queue_size, 8),
        (FlextOtlpHttpExporter(max_retries=Lying(0)).max_retries, 0),
        (FlextAlertService(max_active=Lying(2)).max_active, 2),
        (FlextHealthService(max_workers=Lying(2)).max_workers, 2),
        (RetryPolicy(attempts=Lying(2)).attempts, 2),
    ]
    for value, number in kept:
        assert value == number
        assert type(value) is int


def test_a_lying_int_subclass_is_a_logging_capacity_like_any_other() -> None:
    """The log service keeps the last ``capacity`` entries, ``capacity`` read as the plain number."""
    service = FlextLoggingService(logger="counts", capacity=Lying(2))
    for index in range(4):
        service.info(f"event {index}")
    assert [entry.event for entry in service.query_logs()] == ["event 2", "event 3"]


def test_a_batch_larger_than_the_queue_says_the_queue_is_its_bound() -> None:
    """``max_export_batch_size`` is bounded by ``max_queue_size``; the message says so, in the same words."""
    message = "max_export_batch_size must be an int from 1 to max_queue_size (2,048), not 4096"
    with pytest.raises(ValueError, match=_exactly(message)):
        BatchSpanProcessor([], max_export_batch_size=4096)
    assert BatchSpanProcessor([], max_queue_size=4, max_export_batch_size=4).max_export_batch_size == 4
    assert PublicBatchSpanProcessor is BatchSpanProcessor
