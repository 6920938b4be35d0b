"""Headers sent on several lines, and tracestate keys sent twice, read the same from every kind of carrier.

RFC 9110 §5.3: the lines of a repeated header are one list, joined by
commas in order. ``tracestate`` and ``baggage`` are lists, so their lines
combine; ``traceparent`` is not, so two of them are invalid and the trace
restarts (the W3C test suite's ``test_traceparent_duplicated``). Each
carrier ``extract`` reads is tried: a mapping with list values, WSGI's
``environ`` (whose server combined the lines already), ASGI's list of byte
pairs, and message objects (what ``http.server`` hands a handler).
"""

from __future__ import annotations

import email.message
import http.client
import io
from typing import Final

import pytest

from flext_observability.propagation import HeaderCarrier, extract, format_tracestate, inject, parse_tracestate

TRACE: Final = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT: Final = f"00-{TRACE}-00f067aa0ba902b7-01"
OTHER_TRACEPARENT: Final = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
COMBINED: Final = (("rojo", "1"), ("congo", "2"), ("baz", "3"))


def _http_message(lines: list[tuple[str, str]]) -> http.client.HTTPMessage:
    """Headers parsed from the wire as ``http.server`` parses a request's."""
    raw = "".join(f"{name}: {value}\r\n" for name, value in lines) + "\r\n"
    return http.client.parse_headers(io.BytesIO(raw.encode("latin-1")))


def _email_message(lines: list[tuple[str, str]]) -> email.message.Message:
    message = email.message.Message()
    for name, value in lines:
        message[name] = value  # assigning a name again adds a line, it does not replace
    return message


LINES: Final = [
    ("traceparent", TRACEPARENT),
    ("tracestate", "rojo=1"),
    ("TraceState", "congo=2, baz=3"),
    ("baggage", "run=r1"),
    ("Baggage", "user=u2"),
]


@pytest.mark.parametrize(
    "carrier",
    [
        {"traceparent": TRACEPARENT, "tracestate": ["rojo=1", "congo=2, baz=3"], "baggage": ("run=r1", "user=u2")},
        {"HTTP_TRACEPARENT": TRACEPARENT, "HTTP_TRACESTATE": "rojo=1,congo=2, baz=3", "HTTP_BAGGAGE": "run=r1,user=u2"},
        [(name.lower().encode(), value.encode()) for name, value in LINES],
        [(name.encode(), value.encode()) for name, value in LINES],
        LINES,
        _http_message(LINES),
        _email_message(LINES),
    ],
    ids=[
        "mapping-list-values",
        "wsgi-environ",
        "asgi-pairs",
        "byte-pairs-any-case",
        "text-pairs",
        "http-message",
        "email-message",
    ],
)
def test_every_line_of_a_list_header_is_read_in_order(carrier: HeaderCarrier) -> None:
    """The tracestate and baggage lines read as one list each, in order, whatever holds the lines."""
    remote = extract(carrier)
    assert remote.span_context is not None
    assert remote.span_context.trace_id == TRACE
    assert remote.span_context.trace_state.entries == COMBINED
    assert {name: entry.value for name, entry in remote.baggage.items()} == {"run": "r1", "user": "u2"}


TWO_TRACEPARENTS: Final = [("traceparent", TRACEPARENT), ("Traceparent", OTHER_TRACEPARENT), ("tracestate", "rojo=1")]


@pytest.mark.parametrize(
    "carrier",
    [
        {"traceparent": [TRACEPARENT, OTHER_TRACEPARENT], "tracestate": "rojo=1"},
        {"HTTP_TRACEPARENT": f"{TRACEPARENT}, {OTHER_TRACEPARENT}", "HTTP_TRACESTATE": "rojo=1"},
        [(name.lower().encode(), value.encode()) for name, value in TWO_TRACEPARENTS],
        _http_message(TWO_TRACEPARENTS),
        _email_message(TWO_TRACEPARENTS),
    ],
    ids=["mapping-list-value", "wsgi-environ", "asgi-pairs", "http-message", "email-message"],
)
def test_two_traceparent_lines_start_a_new_trace(carrier: HeaderCarrier) -> None:
    """A repeated traceparent is invalid, as the W3C suite expects: no context is read, and so no tracestate."""
    assert extract(carrier).span_context is None


@pytest.mark.parametrize(
    "carrier",
    [
        _http_message([("traceparent", TRACEPARENT)]),
        [(b"traceparent", TRACEPARENT.encode())],
        {"traceparent": [TRACEPARENT]},
    ],
    ids=["http-message", "asgi-pairs", "mapping-list-value"],
)
def test_one_traceparent_line_is_read_from_every_carrier(carrier: HeaderCarrier) -> None:
    """A single traceparent line is read, whatever holds it, and an absent tracestate reads as the empty list."""
    remote = extract(carrier)
    assert remote.span_context is not None
    assert remote.span_context.trace_id == TRACE
    assert len(remote.span_context.trace_state) == 0


@pytest.mark.parametrize(
    "carrier",
    [_http_message([]), [], [(b"content-type", b"text/plain")], _email_message([("Subject", "hello")])],
    ids=["empty-http-message", "empty-pairs", "other-pairs", "other-lines"],
)
def test_a_carrier_without_trace_headers_gives_no_context(carrier: HeaderCarrier) -> None:
    """No traceparent among the lines means no context, without an error."""
    assert extract(carrier).span_context is None


# --- keys sent twice ---------------------------------------------------------------


@pytest.mark.parametrize(
    "tracestate",
    [["rojo=1,congo=2,rojo=3"], ["rojo=1", "congo=2,rojo=3"], ["rojo=1,rojo=1", "congo=2"]],
    ids=["one-line", "two-lines", "same-value"],
)
def test_a_key_sent_twice_keeps_its_first_entry(tracestate: list[str]) -> None:
    """The list is kept with the key's first (most recent) entry; later ones are dropped, and none is sent on twice."""
    carrier = _http_message([("traceparent", TRACEPARENT), *(("tracestate", line) for line in tracestate)])
    remote = extract(carrier)
    assert remote.span_context is not None
    assert remote.span_context.trace_state.entries == (("rojo", "1"), ("congo", "2"))
    outgoing: dict[str, str] = {}
    inject(outgoing, remote.span_context)
    assert outgoing["tracestate"] == "rojo=1,congo=2"


def test_a_repeated_key_does_not_excuse_a_broken_member() -> None:
    """The later entry of a repeated key must still be valid: a broken one discards the whole list."""
    assert format_tracestate(parse_tracestate("rojo=1,congo=2,rojo=")) == ""
    assert format_tracestate(parse_tracestate("rojo=1,congo=2,rojo=\u00e9")) == ""


def test_repeats_count_towards_the_32_members() -> None:
    """32 members are read even when some repeat a key, and a 33rd discards the list, repeats counted."""
    distinct = [f"k{index}=v" for index in range(31)]
    assert len(parse_tracestate([*distinct, "k0=again"])) == 31
    assert len(parse_tracestate([*distinct, "k0=again", "k1=again"])) == 0
