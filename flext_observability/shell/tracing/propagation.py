"""W3C propagation over any carrier: write the current trace context and baggage, read a caller's.

``inject`` writes ``traceparent``, ``tracestate`` and ``baggage`` into a
mutable mapping (outgoing HTTP headers, a message's attributes, environment
variables); ``extract`` reads them back from any :data:`HeaderCarrier`,
whatever the case of its keys (WSGI's ``HTTP_*`` included), with every line
of a header sent on several. Neither needs a tracing service: both read the
context kept by :mod:`flext_observability.shell.context`.

>>> incoming = extract({"TraceParent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
>>> incoming.span_context.span_id, incoming.span_context.remote
('00f067aa0ba902b7', True)
>>> outgoing = {}
>>> inject(outgoing, incoming.span_context)
>>> outgoing
{'traceparent': '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.message import Message
from typing import TYPE_CHECKING, Any

from attrs import frozen

from flext_observability.core.headers import carrier_header
from flext_observability.core.tracing.baggage import EMPTY_BAGGAGE, Baggage, format_baggage, parse_baggage
from flext_observability.core.tracing.traceparent import SpanContext, format_trace_context, parse_trace_context
from flext_observability.shell.context import HasSpanIds, current_baggage, current_span_ids

if TYPE_CHECKING:
    from collections.abc import MutableMapping

HeaderCarrier = Mapping[Any, Any] | Sequence[tuple[str | bytes, str | bytes]] | Message
"""Incoming headers as servers hand them over; :func:`extract` reads each kind.

A mapping (a ``dict`` of headers, WSGI's ``environ``; a list value holds one
header line each), a list of ``(name, value)`` pairs in text or bytes
(ASGI's ``scope["headers"]``), or a message object
(``http.client.HTTPMessage``, what ``http.server`` hands a handler as
``self.headers``, and every ``email.message.Message``).
"""


@frozen(kw_only=True)
class RemoteContext:
    """What :func:`extract` read from incoming headers: the caller's span context (if valid) and baggage."""

    span_context: SpanContext | None
    baggage: Baggage = EMPTY_BAGGAGE


def _context_of(span: HasSpanIds | SpanContext | None) -> SpanContext | None:
    """The span context to send: a given one, or the one a span of ours carries.

    Bare ids made current with ``use_span_ids`` carry no flags or trace
    state, so nothing is sent for them.
    """
    if isinstance(span, SpanContext):
        return span
    own = getattr(span, "context", None)
    return own if isinstance(own, SpanContext) else None


def inject(carrier: MutableMapping[str, str], span: HasSpanIds | SpanContext | None = None) -> None:
    """Write ``traceparent``, ``tracestate`` and ``baggage`` for the current span (or ``span``).

    ``span`` may be a running span or a :class:`SpanContext` (to pass on a
    caller's context unchanged). Outside any span only the current baggage
    is written. Never raises: a carrier that refuses headers just does not
    get them.
    """
    context = _context_of(span if span is not None else current_span_ids())
    try:
        if context is not None:
            carrier.update(format_trace_context(context))
        baggage = format_baggage(current_baggage())
        if baggage:
            carrier["baggage"] = baggage
    except Exception:  # noqa: BLE001, S110 - a carrier that refuses headers just does not get them
        pass


def extract(carrier: HeaderCarrier) -> RemoteContext:
    """Read the caller's trace context and baggage from incoming headers (any case).

    A header sent on several lines is read as one list, its lines joined by
    commas in order (RFC 9110 §5.3), whatever the carrier: list values of a
    mapping, repeated pairs of an ASGI list, repeated lines of a message.
    Two ``traceparent`` lines are invalid (it is not a list), so they start a
    new trace like any invalid ``traceparent``: no span context, and then
    ``tracestate`` is not read either, as the W3C processing model requires.
    Never raises.

    >>> asgi = [(b"traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    ...         (b"tracestate", b"rojo=1"), (b"tracestate", b"congo=2")]
    >>> extract(asgi).span_context.trace_state.entries
    (('rojo', '1'), ('congo', '2'))
    """
    traceparent = carrier_header(carrier, "traceparent")
    context = parse_trace_context(traceparent, carrier_header(carrier, "tracestate")).value_or(None)
    return RemoteContext(span_context=context, baggage=parse_baggage(carrier_header(carrier, "baggage")))
