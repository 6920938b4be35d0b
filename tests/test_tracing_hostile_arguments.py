"""Hostile arguments to tracing: set-up refuses them naming the argument, runtime calls never raise.

Each value here breaks careless code in one way: its dunders raise (a
``str`` or ``int`` subclass whose hash, comparisons, length or conversion
raise), it is too large for a float, or it is not what the parameter takes.
"""

from __future__ import annotations

import io
from typing import Any, NoReturn

import pytest
from returns.result import Failure, Success

from flext_observability.core.tracing.span_limits import (
    attribute_problem,
    clean_name,
    limit_attribute,
    redacted_description,
)
from flext_observability.shell.seconds import timeout_seconds
from flext_observability.shell.tracing.span import Span
from flext_observability.testing import FakeClock
from flext_observability.tracing import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    FlextOtlpHttpExporter,
    FlextTracingService,
    InMemorySpanRepository,
    SpanLimits,
    TraceQuery,
)

HUGE = 10**400


def _raise(*_args: object, **_kwargs: object) -> NoReturn:
    message = "hostile value"
    raise RuntimeError(message)


class _Hostile:
    __eq__ = __hash__ = __str__ = __repr__ = __bool__ = __len__ = __iter__ = __index__ = __int__ = _raise


class _HostileStr(str):
    __slots__ = ()
    __eq__ = __hash__ = __len__ = __iter__ = __str__ = _raise


class _LyingStr(str):
    """Hashable (always 0) and equal to everything; its ``str()`` says something else."""

    __slots__ = ()

    def __str__(self) -> str:
        return "lie"

    def __eq__(self, _other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


class _HostileInt(int):
    __eq__ = __hash__ = __int__ = __index__ = __float__ = __lt__ = __gt__ = __le__ = __ge__ = _raise


class _HostileDict(dict[object, object]):
    __iter__ = __getitem__ = __len__ = keys = items = values = _raise


def _kind(value: object) -> str:
    """A test id that calls nothing on the value (pytest's own ids would print it)."""
    return type(value).__name__


def _service(**options: Any) -> tuple[FlextTracingService, InMemorySpanRepository]:
    repository = InMemorySpanRepository()
    return FlextTracingService(service_name="hostile", exporters=[repository], clock=FakeClock(), **options), repository


# --- the core: limits and cleaning ---------------------------------------------


@pytest.mark.parametrize("value", [_Hostile(), _HostileStr("5"), {"k": _Hostile()}, -1, HUGE, True, 1.5], ids=_kind)
def test_span_limits_refuse_hostile_values_naming_the_field(value: object) -> None:
    """A limit that is no int in range is a ValueError naming the limit, whatever its dunders do."""
    with pytest.raises(ValueError, match=r"^max_events must be an int from 0 to 4096, not "):
        SpanLimits(max_events=value)  # type: ignore[arg-type]


def test_span_limits_keep_an_int_subclass_as_a_plain_int() -> None:
    """An int subclass in range is stored as the plain int, so no span calls its methods."""
    limits = SpanLimits(max_attributes=_HostileInt(3))
    assert type(limits.max_attributes) is int
    assert int.__int__(limits.max_attributes) == 3


def test_a_huge_limit_is_not_printed_in_full() -> None:
    """A limit of 10**400 is refused without its 400 digits in the message."""
    with pytest.raises(ValueError, match=r"not a huge int$"):
        SpanLimits(max_span_bytes=HUGE)


def test_text_subclasses_are_read_by_their_base_type() -> None:
    """Names, descriptions and keys given as hostile str subclasses are read as the plain text they hold."""
    assert clean_name(_HostileStr("load")) == "load"
    assert clean_name(_HostileStr("")) == "unnamed"
    assert redacted_description(_HostileStr("broken")) == "broken"
    assert redacted_description(_HostileStr("")) == ""
    assert limit_attribute(_HostileStr("rows"), 3) == (3, False)
    assert limit_attribute(_HostileStr(""), 3) == (None, False)
    assert attribute_problem(_HostileStr(""), 1).endswith("not an empty text")
    assert "a value of type _Hostile" in attribute_problem(_Hostile(), 1)
    assert attribute_problem(_HostileStr("rows"), 3) == "'rows': the value was accepted"


# --- spans -----------------------------------------------------------------------


def test_span_methods_take_hostile_text_without_raising() -> None:
    """Keys, names and descriptions that are hostile str subclasses are kept as their plain text."""
    tracing, repository = _service()
    with tracing.start_span(_HostileStr("step")) as span:
        span.set_attribute(_HostileStr("rows"), 3)
        span.add_event(_HostileStr("read"), timestamp_ns=_HostileInt(7))
        span.update_name(_HostileStr("renamed"))
        span.set_status("error", _HostileStr("it broke"))
    assert tracing.force_flush(5)
    (entity,) = repository.spans()
    assert entity.name == "renamed"
    assert dict(entity.attributes) == {"rows": 3}
    assert [(event.name, event.time_ns) for event in entity.events] == [("read", 7)]
    assert entity.status.description == "it broke"
    assert tracing.shutdown(5)


def test_empty_hostile_names_are_refused_and_counted() -> None:
    """An empty name given as a hostile str subclass is refused like an empty text."""
    tracing, _ = _service()
    with tracing.start_span("step") as span:
        assert isinstance(span, Span)
        span.add_event(_HostileStr(""))
        span.update_name(_HostileStr(""))
        assert span.dropped_events == 1
        assert span.name == "step"
    refusals = tracing.counts().refusals
    assert (refusals["invalid_event"], refusals["invalid_name"]) == (1, 1)
    tracing.shutdown(5)


@pytest.mark.parametrize("attributes", [_Hostile(), _HostileDict(a=1), 5], ids=_kind)
def test_unreadable_attributes_are_dropped_and_counted(attributes: object) -> None:
    """Attributes that cannot be read, at start, on an event, a link or an exception, are counted, never raised."""
    tracing, repository = _service()
    with tracing.start_span("step", attributes=attributes) as span:  # type: ignore[arg-type]
        assert isinstance(span, Span)
        span.add_event("e", attributes)  # type: ignore[arg-type]
        span.add_link(span.context, attributes)  # type: ignore[arg-type]
        span.record_exception(ValueError("boom"), attributes)  # type: ignore[arg-type]
        assert span.dropped_attributes == 4
    tracing.force_flush(5)
    (entity,) = repository.spans()
    assert [event.name for event in entity.events] == ["e", "exception"]
    assert len(entity.links) == 1
    assert tracing.counts().refusals["invalid_attribute"] == 4
    tracing.shutdown(5)


@pytest.mark.parametrize("links", [_Hostile(), _HostileStr("ab")], ids=_kind)
def test_unreadable_links_at_start_are_counted(links: object) -> None:
    """A ``links`` argument whose truth or iteration raises starts the span without them."""
    tracing, _ = _service()
    with tracing.start_span("step", links=links) as span:  # type: ignore[arg-type]
        assert isinstance(span, Span)
        assert span.dropped_links == 1
    tracing.shutdown(5)


# --- the processor -----------------------------------------------------------------


@pytest.mark.parametrize("timeout", [None, "5", _Hostile(), _HostileInt(1), HUGE, float("nan")], ids=_kind)
def test_flush_and_shutdown_take_any_timeout(timeout: object) -> None:
    """``force_flush`` and ``shutdown`` of the service wait for the export whatever the timeout is."""
    tracing, _ = _service(schedule_delay=0.01)
    with tracing.start_span("step"):
        pass
    assert tracing.force_flush(timeout) is True  # type: ignore[arg-type]
    assert tracing.shutdown(timeout) is True  # type: ignore[arg-type]
    assert tracing.counts().exported == 1


@pytest.mark.parametrize("timeout", [-1, -(10**400), float("-inf")], ids=_kind)
def test_a_negative_timeout_waits_for_nothing(timeout: object) -> None:
    """A negative timeout returns at once, with a bool, from the processor's ``force_flush`` and ``shutdown``."""
    processor = BatchSpanProcessor([InMemorySpanRepository()], schedule_delay=0.01)
    assert processor.force_flush(timeout) is True  # type: ignore[arg-type]
    assert processor.shutdown(timeout) in {True, False}  # type: ignore[arg-type]


def test_a_runtime_timeout_is_clamped_or_defaulted() -> None:
    """Numbers are clamped to what a thread can wait; anything else waits the default."""
    assert timeout_seconds(_HostileInt(2), 30.0) == 2.0
    assert timeout_seconds(float("inf"), 30.0) == timeout_seconds(HUGE, 30.0) > 30.0
    assert timeout_seconds(-(10**400), 30.0) == 0.0
    assert timeout_seconds(_Hostile(), 30.0) == timeout_seconds(float("nan"), 30.0) == 30.0


@pytest.mark.parametrize("span", [None, _Hostile(), "span", object()], ids=_kind)
def test_on_end_ignores_what_is_not_a_span(span: object) -> None:
    """The processor's hook ignores anything but a span of this library; its counters stay as they were."""
    processor = BatchSpanProcessor([InMemorySpanRepository()])
    processor.on_end(span)  # type: ignore[arg-type]
    assert processor.counts().ended == 0
    processor.shutdown(1)


def test_on_end_reads_a_hostile_end_time_as_now() -> None:
    """An end time that is no plain int ends the span now (the processor's clock)."""
    clock = FakeClock()
    tracing, repository = _service()
    processor = BatchSpanProcessor([repository], time_ns=clock.time_ns)
    with tracing.start_span("step") as span:
        assert isinstance(span, Span)
        processor.on_end(span, _HostileInt(5))
        assert span.end_time_ns == max(clock.time_ns(), span.start_time_ns)
    processor.shutdown(1)
    tracing.shutdown(1)


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("max_queue_size", _HostileInt(600), None),
        ("max_queue_size", _Hostile(), TypeError),
        ("max_queue_bytes", 0, ValueError),
        ("schedule_delay", HUGE, ValueError),
        ("schedule_delay", _HostileStr("5"), TypeError),
        ("export_timeout", float("nan"), ValueError),
        ("metrics", {"k": _Hostile()}, TypeError),
        ("time_ns", _Hostile(), TypeError),
        ("exporters", _Hostile(), TypeError),
        ("exporters", [_Hostile()], TypeError),
        ("exporters", _HostileDict(a=1), TypeError),
    ],
    ids=_kind,
)
def test_processor_set_up_names_the_bad_argument(option: str, value: object, error: type[Exception] | None) -> None:
    """A hostile setting is a TypeError or ValueError naming it; an int subclass in range is read as its int."""
    options: dict[str, object] = {"exporters": [InMemorySpanRepository()], option: value}
    if error is None:
        processor = BatchSpanProcessor(**options)  # type: ignore[arg-type]
        assert type(processor.max_queue_size) is int
        processor.shutdown(1)
        return
    with pytest.raises(error, match=option):
        BatchSpanProcessor(**options)  # type: ignore[arg-type]


# --- the service ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("service_name", _HostileStr("x" * 300), ValueError),
        ("sampler", {"k": _Hostile()}, TypeError),
        ("limits", _Hostile(), TypeError),
        ("id_generator", [_Hostile()], TypeError),
        ("clock", _Hostile(), TypeError),
    ],
    ids=_kind,
)
def test_service_set_up_names_the_bad_argument(option: str, value: object, error: type[Exception]) -> None:
    """A hostile part of the service is refused naming it, without calling its dunders."""
    with pytest.raises(error, match=option):
        FlextTracingService(**{"service_name": "hostile", option: value})  # type: ignore[arg-type]


def test_a_hostile_service_name_subclass_is_read_as_its_text() -> None:
    """A valid name given as a hostile str subclass names the service with its plain text."""
    tracing = FlextTracingService(service_name=_HostileStr("orders"))
    assert type(tracing.service_name) is str
    assert tracing.service_name == "orders"
    tracing.shutdown(1)


@pytest.mark.parametrize(
    ("option", "value"),
    [("environ", _HostileDict(OTEL_SERVICE_NAME="x")), ("exporters", _Hostile()), ("metrics", _Hostile())],
)
def test_from_environment_names_the_bad_argument(option: str, value: object) -> None:
    """``from_environment`` refuses an unreadable environ, exporters or metrics with a TypeError naming it."""
    options: dict[str, object] = {"environ": {"OTEL_TRACES_EXPORTER": "none"}, option: value}
    with pytest.raises(TypeError, match=option):
        FlextTracingService.from_environment(**options)  # type: ignore[arg-type]


def test_from_environment_reads_hostile_variable_names_as_text() -> None:
    """Variable names that are hostile str subclasses are read as their plain text."""
    tracing = FlextTracingService.from_environment({_LyingStr("OTEL_SERVICE_NAME"): "orders"})
    assert tracing.service_name == "orders"
    tracing.shutdown(1)


# --- the exporters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("endpoint", _Hostile(), TypeError),
        ("endpoint", _HostileStr("ftp://x"), ValueError),
        ("compression", _HostileStr("zstd"), ValueError),
        ("compression", _Hostile(), ValueError),
        ("timeout", _HostileInt(1), None),
        ("timeout", HUGE, ValueError),
        ("max_retries", HUGE, ValueError),
        ("max_retries", 100, ValueError),
        ("max_retries", _Hostile(), TypeError),
        ("backoff", float("inf"), ValueError),
        ("backoff", _HostileStr("1"), TypeError),
        ("headers", _HostileDict(a=1), TypeError),
        ("headers", {"x-tenant": 5}, TypeError),
        ("headers", [("a", "b")], TypeError),
        ("resource", {"service.version": _Hostile()}, TypeError),
        ("resource", {1: "x"}, TypeError),
    ],
    ids=_kind,
)
def test_otlp_exporter_set_up_names_the_bad_argument(option: str, value: object, error: type[Exception] | None) -> None:
    """Each hostile setting of the OTLP exporter is refused naming it (``max_retries``, not ``attempts``)."""
    if error is None:
        exporter = FlextOtlpHttpExporter(**{option: value})  # type: ignore[arg-type]
        assert type(getattr(exporter, option)) is float
        return
    with pytest.raises(error, match=option):
        FlextOtlpHttpExporter(**{option: value})  # type: ignore[arg-type]


def test_otlp_exporter_keeps_plain_copies_of_its_settings() -> None:
    """Headers, resource and compression given as subclasses are kept as plain values."""
    exporter = FlextOtlpHttpExporter(
        _HostileStr("http://collector:4318/v1/traces"),
        headers={_LyingStr("x-tenant"): _HostileStr("a")},
        resource={_LyingStr("service.version"): [1, 2]},  # type: ignore[dict-item]
        compression=_HostileStr("gzip"),
        max_retries=_HostileInt(2),
    )
    assert (exporter.headers, exporter.resource, exporter.compression) == (
        {"x-tenant": "a"},
        {"service.version": (1, 2)},
        "gzip",
    )
    assert type(exporter.max_retries) is int
    assert type(exporter.endpoint) is str


@pytest.mark.parametrize("spans", [_Hostile(), [_Hostile()], {"k": 1}, 5], ids=_kind)
def test_otlp_export_of_garbage_is_a_failure(spans: object) -> None:
    """Spans that are no sequence of spans fail the export; a hostile timeout means the exporter's own."""
    exporter = FlextOtlpHttpExporter("http://127.0.0.1:9/v1/traces", timeout=0.05, max_retries=0)
    assert isinstance(exporter.export(spans, 1.0), Failure)  # type: ignore[arg-type]
    assert exporter.export([], _Hostile()) == Success(0)  # type: ignore[arg-type]


def test_otlp_export_with_a_hostile_timeout_uses_its_own() -> None:
    """A timeout that is no number is replaced by the exporter's own; the export fails, never raises."""
    tracing, repository = _service()
    with tracing.start_span("step"):
        pass
    tracing.force_flush(5)
    exporter = FlextOtlpHttpExporter("http://127.0.0.1:9/v1/traces", timeout=0.05, max_retries=0)
    for timeout in (_Hostile(), None, float("nan"), -1, HUGE):
        assert isinstance(exporter.export(repository.spans(), timeout), Failure)  # type: ignore[arg-type]
    tracing.shutdown(5)


def test_in_memory_repository_refuses_garbage() -> None:
    """Capacity is checked naming it; exporting garbage fails and keeps nothing; odd criteria match nothing."""
    with pytest.raises(TypeError, match="capacity"):
        InMemorySpanRepository(_Hostile())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="capacity"):
        InMemorySpanRepository(_HostileInt(0))
    repository = InMemorySpanRepository(_HostileInt(5))
    assert type(repository.capacity) is int
    for spans in (_Hostile(), [_Hostile()], [1]):
        assert isinstance(repository.export(spans, 1.0), Failure)  # type: ignore[arg-type]
    assert repository.spans() == ()
    tracing = FlextTracingService(service_name="hostile", exporters=[repository])
    with tracing.start_span("step"):
        pass
    tracing.force_flush(5)
    for criteria in (_Hostile(), "x", TraceQuery(limit=_Hostile()), TraceQuery(has_error=1)):  # type: ignore[arg-type]
        assert repository.query_traces(criteria) == ()  # type: ignore[arg-type]
    assert repository.query_traces(options="x") == ()
    assert len(repository.query_traces(TraceQuery(service=_HostileStr("hostile"), limit=_HostileInt(1)))) == 1
    tracing.shutdown(5)


def test_console_exporter_checks_its_stream() -> None:
    """A stream without ``write`` is refused naming it; one without ``flush`` still works."""
    with pytest.raises(TypeError, match="stream"):
        ConsoleSpanExporter(_Hostile())  # type: ignore[arg-type]

    class _WriteOnly:
        def __init__(self) -> None:
            self.text = io.StringIO()

        def write(self, text: str) -> int:
            return self.text.write(text)

    stream = _WriteOnly()
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(service_name="hostile", exporters=[repository, ConsoleSpanExporter(stream)])  # type: ignore[arg-type]
    with tracing.start_span("step"):
        pass
    tracing.force_flush(5)
    assert '"name": "step"' in stream.text.getvalue()
    tracing.shutdown(5)
