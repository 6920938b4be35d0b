"""The seam between logs and traces: which span, if any, the current code runs in.

Log events carry the ``trace_id`` and ``span_id`` of the current span. The
logging pipeline asks a :class:`CorrelationSource` for them; the default one
reads a context variable that the tracing service sets while a span is
current (and that :func:`use_span_ids` sets for code that manages spans
itself, such as another tracing library). Context variables follow asyncio
tasks and, with :mod:`flext_observability.shell.log_context`, worker threads.

>>> current_span_ids() is None
True
>>> with use_span_ids("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"):
...     current_span_ids()
SpanIds(trace_id='4bf92f3577b34da6a3ce929d0e0e4736', span_id='00f067aa0ba902b7')
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final, NamedTuple, Protocol, final, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Iterator


class SpanIds(NamedTuple):
    """The W3C ids of a span: 32 and 16 lowercase hex digits."""

    trace_id: str
    span_id: str


class HasSpanIds(Protocol):
    """Anything that tells a trace id and a span id: :class:`SpanIds`, or a running span."""

    @property
    def trace_id(self) -> str:
        """32 lowercase hex digits."""
        ...

    @property
    def span_id(self) -> str:
        """16 lowercase hex digits."""
        ...


@runtime_checkable
class CorrelationSource(Protocol):
    """Tells the ids of the current span, or ``None`` outside any span."""

    def current(self) -> HasSpanIds | None:
        """The current span's ids."""
        ...


# The tracing service keeps its current span here too: one variable serves both.
_CURRENT: Final[ContextVar[HasSpanIds | None]] = ContextVar("flext_observability_current_span", default=None)


def current_span_ids() -> HasSpanIds | None:
    """The ids of the span the calling code runs in, if any."""
    return _CURRENT.get()


@contextmanager
def use_span_ids(trace_id: str, span_id: str) -> Iterator[SpanIds]:
    """Make ``(trace_id, span_id)`` current for the block (and tasks started in it)."""
    ids = SpanIds(trace_id, span_id)
    token = _CURRENT.set(ids)
    try:
        yield ids
    finally:
        _CURRENT.reset(token)


@final
class ContextCorrelation:
    """The default source: the span ids in the current context."""

    __slots__ = ()

    def current(self) -> HasSpanIds | None:
        """The span ids set by the tracing service or :func:`use_span_ids`."""
        return _CURRENT.get()

    def __repr__(self) -> str:
        return "ContextCorrelation()"
