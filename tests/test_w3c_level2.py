"""The W3C Trace Context test suite (Level 2), in our words: a real service built on the public API passes it.

The suite (w3c/trace-context, ``test/``) drives a vendor's *test service*
over HTTP: its harness POSTs a JSON list of ``{"url": ..., "arguments": [...]}``
to the service, with crafted ``traceparent`` and ``tracestate`` headers; the
service continues the trace and POSTs ``arguments`` to each url, and the
harness checks the headers those calls carry. Here both ends run on
127.0.0.1 in this process, each a ``ThreadingHTTPServer`` in a thread:

- the *service* reads the headers with ``extract``, starts a server span
  under them with ``FlextTracingService.start_span(parent=...)``, and makes
  each call inside a client span of its own, its headers written by
  ``inject``;
- the *harness* records the headers of every call it receives.

Each of the suite's 41 cases (37 of ``TraceContextTest``, 3 of
``AdvancedTest``, 1 of ``TraceContext2Test``) is one test here, named after
it; the requests a case sends are its parameters. What the service sends is
always checked against the specification as well: exactly one
``traceparent`` of version ``00`` with non-zero ids, and a ``tracestate``
that is absent or a valid list of at most 32 members and 512 characters
with no key twice.

Where the suite leaves a choice, these tests pin ours: a ``tracestate`` that
names a key twice is passed on with the key's first entry only. Keys follow
Level 2's grammar (any ``@`` after the first character, 256 characters in
all), as the suite has checked since w3c/trace-context#584.
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import threading
import urllib.parse
import uuid
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

import pytest

from flext_observability.propagation import extract, inject
from flext_observability.tracing import FlextTracingService

pytestmark = pytest.mark.integration

TRACE: Final = "12345678901234567890123456789012"
PARENT: Final = "1234567890123456"
SAMPLED: Final = f"00-{TRACE}-{PARENT}-01"
UNSAMPLED: Final = f"00-{TRACE}-{PARENT}-00"
TIMEOUT: Final = 5.0

Headers = Sequence[tuple[str, str]]
"""Header lines in the order sent or received; a name may come more than once."""

# What a valid outgoing header looks like, written out from the specification
# rather than read with the library under test.
_SENT_TRACEPARENT: Final = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_KEY: Final = re.compile(r"[a-z0-9][a-z0-9_\-*/@]{0,255}")
_VALUE: Final = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")


# --- the two servers ----------------------------------------------------------------


class _Harness(ThreadingHTTPServer):
    """Records the headers of every call, under the path it was made to."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HarnessHandler)
        self.lock = threading.Lock()
        self.calls: dict[str, list[tuple[str, str]]] = {}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{path}"


class _HarnessHandler(BaseHTTPRequestHandler):
    server: _Harness

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.calls[self.path.lstrip("/")] = list(self.headers.items())
        _reply(self, b"null")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: pytest shows failures, not every request."""


class _Service(ThreadingHTTPServer):
    """The vendor's test service, built on the public API only."""

    def __init__(self, tracing: FlextTracingService) -> None:
        super().__init__(("127.0.0.1", 0), _ServiceHandler)
        self.tracing = tracing


class _ServiceHandler(BaseHTTPRequestHandler):
    server: _Service

    def do_POST(self) -> None:
        actions = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"[]")
        tracing = self.server.tracing
        # self.headers is the http.client.HTTPMessage http.server hands every handler.
        with tracing.start_span("POST /test", kind="server", parent=extract(self.headers)):
            for action in actions:
                with tracing.start_span("POST callback", kind="client"):
                    headers = {"Content-Type": "application/json"}
                    inject(headers)
                    _post(action["url"], headers, json.dumps(action.get("arguments") or []).encode())
        _reply(self, b"null")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: pytest shows failures, not every request."""


def _reply(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _post(url: str, headers: Headers | dict[str, str], body: bytes) -> None:
    """POST ``body`` with exactly these header lines, repeats, spacing and case kept; the answer must be 200."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:
        connection.putrequest("POST", parts.path, skip_accept_encoding=True)
        for name, value in headers.items() if isinstance(headers, dict) else headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (url, response.status)
    finally:
        connection.close()


def _serve(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name=f"w3c {type(server).__name__}", daemon=True)
    thread.start()
    return thread


def _stop(server: ThreadingHTTPServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(TIMEOUT)


@pytest.fixture(scope="module")
def harness() -> Iterator[_Harness]:
    """The harness's callback server, started once for the module and stopped after it."""
    server = _Harness()
    thread = _serve(server)
    yield server
    _stop(server, thread)


@pytest.fixture(scope="module")
def service() -> Iterator[_Service]:
    """The test service, with its own tracing service, started once for the module and stopped after it."""
    tracing = FlextTracingService(service_name="w3c-test-service")
    server = _Service(tracing)
    thread = _serve(server)
    yield server
    _stop(server, thread)
    tracing.shutdown()


@pytest.fixture
def send(harness: _Harness, service: _Service) -> Any:
    """Send headers to the service, asking for ``count`` calls back; give each call's headers, in order."""

    def send(headers: Headers, count: int = 1) -> list[list[tuple[str, str]]]:
        scope = uuid.uuid4().hex
        paths = [f"{scope}.{index}" for index in range(count)]
        actions = [{"url": harness.url(path), "arguments": []} for path in paths]
        lines = [*headers, ("Content-Type", "application/json")]
        _post(f"http://127.0.0.1:{service.server_address[1]}/test", lines, json.dumps(actions).encode())
        with harness.lock:
            missing = [path for path in paths if path not in harness.calls]
            assert not missing, f"the service made no call back to {missing}"
            return [harness.calls.pop(path) for path in paths]

    return send


def _one(send: Any, headers: Headers) -> tuple[tuple[str, str, int], dict[str, str]]:
    """The traceparent fields and tracestate entries of the one call the service makes for ``headers``."""
    (call,) = send(headers)
    return sent_traceparent(call), sent_tracestate(call)


def sent_traceparent(call: Headers) -> tuple[str, str, int]:
    """The trace id, parent id and flags of the call's one, valid, ``traceparent``."""
    found = [value for name, value in call if name.lower() == "traceparent"]
    assert len(found) == 1, f"expected one traceparent header, got {found}"
    match = _SENT_TRACEPARENT.fullmatch(found[0])
    assert match is not None, found[0]
    trace_id, parent_id, flags = match.groups()
    assert trace_id != "0" * 32
    assert parent_id != "0" * 16
    return trace_id, parent_id, int(flags, 16)


def sent_tracestate(call: Headers) -> dict[str, str]:
    """The call's ``tracestate`` entries in order: none, or a valid list (at most 32 members, 512 characters)."""
    found = [value for name, value in call if name.lower() == "tracestate"]
    assert len(found) <= 1, f"expected at most one tracestate header, got {found}"
    if not found:
        return {}
    text = found[0]
    assert text, "an empty tracestate was sent"
    assert len(text) <= 512, len(text)
    members = text.split(",")
    assert len(members) <= 32, len(members)
    entries: dict[str, str] = {}
    for member in members:
        key, equals, value = member.partition("=")
        assert equals, member
        assert _KEY.fullmatch(key) is not None, key
        assert _VALUE.fullmatch(value) is not None, value
        assert key not in entries, f"{key} was sent twice"
        entries[key] = value
    return entries


def _restarted(trace_id: str) -> None:
    """The service started a new trace rather than continue the one sent."""
    assert trace_id != TRACE


# --- TraceContextTest: traceparent ---------------------------------------------------


def test_both_traceparent_and_tracestate_missing(send: Any) -> None:
    """Without trace headers the service starts a trace of its own: a valid traceparent and no tracestate."""
    _traceparent, tracestate = _one(send, [])
    assert tracestate == {}


def test_traceparent_included_tracestate_missing(send: Any) -> None:
    """A valid traceparent is continued: the same trace id, a new parent id, and no tracestate invented."""
    (trace_id, parent_id, flags), tracestate = _one(send, [("traceparent", SAMPLED)])
    assert trace_id == TRACE
    assert parent_id != PARENT
    assert flags & 0x01
    assert tracestate == {}


def test_traceparent_duplicated(send: Any) -> None:
    """Two traceparent headers are not a list to combine: the service starts a new trace, neither of theirs."""
    other = f"00-12345678901234567890123456789011-{PARENT}-01"
    (trace_id, _, _), _ = _one(send, [("traceparent", other), ("traceparent", SAMPLED)])
    assert trace_id not in {TRACE, "12345678901234567890123456789011"}


@pytest.mark.parametrize("name", ["trace-parent", "trace.parent"])
def test_traceparent_header_name(send: Any, name: str) -> None:
    """A header named almost traceparent is not read: a new trace starts."""
    (trace_id, _, _), _ = _one(send, [(name, SAMPLED)])
    _restarted(trace_id)


@pytest.mark.parametrize("name", ["TraceParent", "TrAcEpArEnT", "TRACEPARENT"])
def test_traceparent_header_name_valid_casing(send: Any, name: str) -> None:
    """Header names are read in any case: the trace goes on."""
    (trace_id, _, _), _ = _one(send, [(name, SAMPLED)])
    assert trace_id == TRACE


@pytest.mark.parametrize("value", [f"{SAMPLED}.", f"{SAMPLED}-what-the-future-will-be-like"])
def test_traceparent_version_0x00(send: Any, value: str) -> None:
    """Version 00 is exactly 55 characters: anything appended to it makes the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", value)])
    _restarted(trace_id)


@pytest.mark.parametrize(
    ("value", "continued"),
    [
        (f"cc-{TRACE}-{PARENT}-01", True),
        (f"cc-{TRACE}-{PARENT}-01-what-the-future-will-be-like", True),
        (f"cc-{TRACE}-{PARENT}-01.what-the-future-will-be-like", False),
    ],
)
def test_traceparent_version_0xcc(send: Any, value: str, continued: bool) -> None:
    """A future version is read by its version 00 prefix, fields it appends after a '-' ignored; no '-', no trace."""
    (trace_id, _, _), _ = _one(send, [("traceparent", value)])
    assert (trace_id == TRACE) is continued


def test_traceparent_version_0xff(send: Any) -> None:
    """Version ff is forbidden: a new trace starts."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"ff-{TRACE}-{PARENT}-01")])
    _restarted(trace_id)


@pytest.mark.parametrize("version", [".0", "0."])
def test_traceparent_version_illegal_characters(send: Any, version: str) -> None:
    """A version that is not 2 hex digits makes the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"{version}-{TRACE}-{PARENT}-01")])
    _restarted(trace_id)


@pytest.mark.parametrize("version", ["000", "0000"])
def test_traceparent_version_too_long(send: Any, version: str) -> None:
    """A version of more than 2 hex digits makes the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"{version}-{TRACE}-{PARENT}-01")])
    _restarted(trace_id)


def test_traceparent_version_too_short(send: Any) -> None:
    """A version of 1 hex digit makes the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"0-{TRACE}-{PARENT}-01")])
    _restarted(trace_id)


def test_traceparent_trace_id_all_zero(send: Any) -> None:
    """An all-zero trace id is invalid: the service sends a trace id of its own, never the zero one."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{'0' * 32}-{PARENT}-01")])
    assert trace_id != "0" * 32


@pytest.mark.parametrize("trace_id", [f".{TRACE[1:]}", f"{TRACE[:-1]}."])
def test_traceparent_trace_id_illegal_characters(send: Any, trace_id: str) -> None:
    """A trace id with a character that is not hex is invalid: no part of it is kept."""
    (sent, _, _), _ = _one(send, [("traceparent", f"00-{trace_id}-{PARENT}-01")])
    assert TRACE[1:-1] not in sent


def test_traceparent_trace_id_too_long(send: Any) -> None:
    """A trace id of 33 hex digits is invalid: neither its first nor its last 32 digits are taken."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{TRACE}3-{PARENT}-01")])
    assert trace_id not in {TRACE, f"{TRACE}3"[1:]}


def test_traceparent_trace_id_too_short(send: Any) -> None:
    """A trace id of 31 hex digits is invalid: it is not padded into a trace id."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{TRACE[:-1]}-{PARENT}-01")])
    assert TRACE[:-1] not in trace_id


def test_traceparent_parent_id_all_zero(send: Any) -> None:
    """An all-zero parent id makes the whole header invalid: the trace id is not kept either."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{TRACE}-{'0' * 16}-01")])
    _restarted(trace_id)


@pytest.mark.parametrize("parent_id", [f".{PARENT[1:]}", f"{PARENT[:-1]}."])
def test_traceparent_parent_id_illegal_characters(send: Any, parent_id: str) -> None:
    """A parent id with a character that is not hex makes the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{TRACE}-{parent_id}-01")])
    _restarted(trace_id)


def test_traceparent_parent_id_too_long(send: Any) -> None:
    """A parent id of 17 hex digits makes the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{TRACE}-{PARENT}7-01")])
    _restarted(trace_id)


def test_traceparent_parent_id_too_short(send: Any) -> None:
    """A parent id of 15 hex digits makes the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{TRACE}-{PARENT[:-1]}-01")])
    _restarted(trace_id)


@pytest.mark.parametrize("flags", [".0", "0."])
def test_traceparent_trace_flags_illegal_characters(send: Any, flags: str) -> None:
    """Flags that are not 2 hex digits make the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{TRACE}-{PARENT}-{flags}")])
    _restarted(trace_id)


def test_traceparent_trace_flags_too_long(send: Any) -> None:
    """Flags of 3 hex digits make the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{TRACE}-{PARENT}-001")])
    _restarted(trace_id)


def test_traceparent_trace_flags_too_short(send: Any) -> None:
    """Flags of 1 hex digit make the header invalid."""
    (trace_id, _, _), _ = _one(send, [("traceparent", f"00-{TRACE}-{PARENT}-1")])
    _restarted(trace_id)


@pytest.mark.parametrize("value", [f" {SAMPLED}", f"\t{SAMPLED}", f"{SAMPLED} ", f"{SAMPLED}\t", f"\t {SAMPLED} \t"])
def test_traceparent_ows_handling(send: Any, value: str) -> None:
    """Spaces and tabs around the value are not part of it: the trace goes on."""
    (trace_id, _, _), _ = _one(send, [("traceparent", value)])
    assert trace_id == TRACE


# --- TraceContextTest: tracestate ----------------------------------------------------


@pytest.mark.parametrize("tracestate", ["foo=1", "foo=1,bar=2"])
def test_tracestate_included_traceparent_missing(send: Any, tracestate: str) -> None:
    """A tracestate without a traceparent is not read: the new trace sends none."""
    _traceparent, sent = _one(send, [("tracestate", tracestate)])
    assert sent == {}


def test_tracestate_included_traceparent_included(send: Any) -> None:
    """Beside a valid traceparent the tracestate is passed on, entries in order."""
    (trace_id, _, _), tracestate = _one(send, [("traceparent", UNSAMPLED), ("tracestate", "foo=1,bar=2")])
    assert trace_id == TRACE
    assert list(tracestate.items()) == [("foo", "1"), ("bar", "2")]


@pytest.mark.parametrize("name", ["trace-state", "trace.state"])
def test_tracestate_header_name(send: Any, name: str) -> None:
    """A header named almost tracestate is not read."""
    (trace_id, _, _), tracestate = _one(send, [("traceparent", UNSAMPLED), (name, "foo=1")])
    assert trace_id == TRACE
    assert "foo" not in tracestate


@pytest.mark.parametrize("name", ["TraceState", "TrAcEsTaTe", "TRACESTATE"])
def test_tracestate_header_name_valid_casing(send: Any, name: str) -> None:
    """The tracestate header is read in any case."""
    _traceparent, tracestate = _one(send, [("traceparent", UNSAMPLED), (name, "foo=1")])
    assert tracestate == {"foo": "1"}


@pytest.mark.parametrize(
    ("lines", "expected"),
    [([""], {}), (["foo=1", ""], {"foo": "1"}), (["", "foo=1"], {"foo": "1"})],
    ids=["only-empty", "empty-after", "empty-before"],
)
def test_tracestate_empty_header(send: Any, lines: list[str], expected: dict[str, str]) -> None:
    """An empty tracestate line adds nothing; no empty tracestate is sent on, and the trace goes on."""
    (trace_id, _, _), tracestate = _one(send, [("traceparent", UNSAMPLED), *(("tracestate", line) for line in lines)])
    assert trace_id == TRACE
    assert tracestate == expected


def test_tracestate_multiple_headers_different_keys(send: Any) -> None:
    """Several tracestate lines are one list, combined in the order they came."""
    lines = ["foo=1,bar=2", "rojo=1,congo=2", "baz=3"]
    (trace_id, _, _), tracestate = _one(send, [("traceparent", UNSAMPLED), *(("tracestate", line) for line in lines)])
    assert trace_id == TRACE
    assert list(tracestate.items()) == [("foo", "1"), ("bar", "2"), ("rojo", "1"), ("congo", "2"), ("baz", "3")]


@pytest.mark.parametrize(
    "lines",
    [["foo=1,foo=1"], ["foo=1,foo=2"], ["foo=1", "foo=1"], ["foo=1", "foo=2"]],
    ids=["same-value", "other-value", "same-value-two-lines", "other-value-two-lines"],
)
def test_tracestate_duplicated_keys(send: Any, lines: list[str]) -> None:
    """A key given twice keeps the list and the key's first entry, sent on once (the suite also allows both kept)."""
    (trace_id, _, _), tracestate = _one(send, [("traceparent", UNSAMPLED), *(("tracestate", line) for line in lines)])
    assert trace_id == TRACE
    assert tracestate == {"foo": "1"}


KEY_CHARACTERS: Final = "abcdefghijklmnopqrstuvwxyz0123456789_-*/"
VALUE_CHARACTERS: Final = "".join(chr(code) for code in range(0x20, 0x7F) if chr(code) not in ",=")


@pytest.mark.parametrize("key", [KEY_CHARACTERS, f"{KEY_CHARACTERS}@a-z0-9_-*/"], ids=["plain", "with-at-sign"])
def test_tracestate_all_allowed_characters(send: Any, key: str) -> None:
    """A key and a value made of every character they may hold are passed on exactly."""
    _traceparent, tracestate = _one(send, [("traceparent", UNSAMPLED), ("tracestate", f"{key}={VALUE_CHARACTERS}")])
    assert tracestate == {key: VALUE_CHARACTERS}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("foo=1 \t , \t bar=2, \t baz=3", {"foo": "1", "bar": "2", "baz": "3"}),
        ("foo=1\t \t,\t \tbar=2,\t \tbaz=3", {"foo": "1", "bar": "2", "baz": "3"}),
        (" foo=1", {"foo": "1"}),
        ("\tfoo=1", {"foo": "1"}),
        ("foo=1 ", {"foo": "1"}),
        ("foo=1\t", {"foo": "1"}),
        ("\t foo=1 \t", {"foo": "1"}),
    ],
)
def test_tracestate_ows_handling(send: Any, value: str, expected: dict[str, str]) -> None:
    """Spaces and tabs around members are not part of them."""
    (trace_id, _, _), tracestate = _one(send, [("traceparent", UNSAMPLED), ("tracestate", value)])
    assert trace_id == TRACE
    assert tracestate == expected


@pytest.mark.parametrize("value", ["foo =1", "FOO=1", "foo.bar=1"])
def test_tracestate_key_illegal_characters(send: Any, value: str) -> None:
    """A key with a space, a capital or a '.' discards the whole list; the trace goes on."""
    (trace_id, _, _), tracestate = _one(send, [("traceparent", UNSAMPLED), ("tracestate", value)])
    assert trace_id == TRACE
    assert tracestate == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("foo@=1,bar=2", {"foo@": "1", "bar": "2"}),
        ("foo@@bar=1,bar=2", {"foo@@bar": "1", "bar": "2"}),
        ("foo@bar@baz=1,bar=2", {"foo@bar@baz": "1", "bar": "2"}),
        ("@foo=1,bar=2", {}),
    ],
)
def test_tracestate_key_illegal_vendor_format(send: Any, value: str, expected: dict[str, str]) -> None:
    """In Level 2 '@' is a key character like any other, anywhere but first; a key starting with '@' is invalid."""
    _traceparent, tracestate = _one(send, [("traceparent", UNSAMPLED), ("tracestate", value)])
    assert tracestate == expected


def _members(first: int, last: int) -> str:
    return ",".join(f"bar{index:02}={index:02}" for index in range(first, last + 1))


@pytest.mark.parametrize(("last", "kept"), [(32, True), (33, False)])
def test_tracestate_member_count_limit(send: Any, last: int, kept: bool) -> None:
    """A list of 32 members over 4 lines is passed on whole; one of 33 is discarded."""
    lines = [_members(1, 10), _members(11, 20), _members(21, 30), _members(31, last)]
    _traceparent, tracestate = _one(send, [("traceparent", UNSAMPLED), *(("tracestate", line) for line in lines)])
    if kept:
        assert len(tracestate) == 32
        assert tracestate["bar01"] == "01"
    else:
        assert tracestate == {}


@pytest.mark.parametrize(
    ("key", "kept"),
    [
        ("z" * 256, True),
        ("z" * 257, False),
        ("t" * 241 + "@" + "v" * 14, True),
        ("t" * 242 + "@v", True),
        ("t@" + "v" * 15, True),
    ],
    ids=["256", "257", "241-at-14", "242-at-1", "1-at-15"],
)
def test_tracestate_key_length_limit(send: Any, key: str, kept: bool) -> None:
    """A key holds up to 256 characters in all, wherever its '@' is; a longer one discards the list."""
    lines = [("tracestate", "foo=1"), ("tracestate", f"{key}=1")]
    _traceparent, tracestate = _one(send, [("traceparent", UNSAMPLED), *lines])
    assert tracestate == ({"foo": "1", key: "1"} if kept else {})


@pytest.mark.parametrize("value", ["foo=bar=baz", "foo=,bar=3"])
def test_tracestate_value_illegal_characters(send: Any, value: str) -> None:
    """A value holding '=' or an empty value discards the whole list, the valid members too."""
    (trace_id, _, _), tracestate = _one(send, [("traceparent", UNSAMPLED), ("tracestate", value)])
    assert trace_id == TRACE
    assert tracestate == {}


# --- AdvancedTest ---------------------------------------------------------------------


def test_multiple_requests_with_valid_traceparent(send: Any) -> None:
    """Three calls below one continued trace all carry its trace id, each with a parent id of its own."""
    sent = [sent_traceparent(call) for call in send([("traceparent", SAMPLED)], 3)]
    assert {trace_id for trace_id, _, _ in sent} == {TRACE}
    assert len({parent_id for _, parent_id, _ in sent}) == 3


def test_multiple_requests_without_traceparent(send: Any) -> None:
    """Three calls of a trace started here share its trace id, each with a parent id of its own."""
    sent = [sent_traceparent(call) for call in send([], 3)]
    assert len({trace_id for trace_id, _, _ in sent}) == 1
    assert len({parent_id for _, parent_id, _ in sent}) == 3


def test_multiple_requests_with_illegal_traceparent(send: Any) -> None:
    """Three calls below an invalid traceparent carry a new trace id, never the zero one, and distinct parent ids."""
    sent = [sent_traceparent(call) for call in send([("traceparent", f"00-{'0' * 32}-{PARENT}-01")], 3)]
    assert "0" * 32 not in {trace_id for trace_id, _, _ in sent}
    assert len({parent_id for _, parent_id, _ in sent}) == 3


# --- TraceContext2Test (Level 2) -------------------------------------------------------


def test_propagates_random_flag(send: Any) -> None:
    """The random flag (bit 1) of a continued trace stays set on every call made in it."""
    (trace_id, _, flags), _ = _one(send, [("traceparent", f"00-{TRACE}-{PARENT}-02")])
    assert trace_id == TRACE
    assert flags & 0x02


# --- the count ---------------------------------------------------------------------------

SUITE_CASES: Final = (
    # TraceContextTest
    "both_traceparent_and_tracestate_missing",
    "traceparent_included_tracestate_missing",
    "traceparent_duplicated",
    "traceparent_header_name",
    "traceparent_header_name_valid_casing",
    "traceparent_version_0x00",
    "traceparent_version_0xcc",
    "traceparent_version_0xff",
    "traceparent_version_illegal_characters",
    "traceparent_version_too_long",
    "traceparent_version_too_short",
    "traceparent_trace_id_all_zero",
    "traceparent_trace_id_illegal_characters",
    "traceparent_trace_id_too_long",
    "traceparent_trace_id_too_short",
    "traceparent_parent_id_all_zero",
    "traceparent_parent_id_illegal_characters",
    "traceparent_parent_id_too_long",
    "traceparent_parent_id_too_short",
    "traceparent_trace_flags_illegal_characters",
    "traceparent_trace_flags_too_long",
    "traceparent_trace_flags_too_short",
    "traceparent_ows_handling",
    "tracestate_included_traceparent_missing",
    "tracestate_included_traceparent_included",
    "tracestate_header_name",
    "tracestate_header_name_valid_casing",
    "tracestate_empty_header",
    "tracestate_multiple_headers_different_keys",
    "tracestate_duplicated_keys",
    "tracestate_all_allowed_characters",
    "tracestate_ows_handling",
    "tracestate_key_illegal_characters",
    "tracestate_key_illegal_vendor_format",
    "tracestate_member_count_limit",
    "tracestate_key_length_limit",
    "tracestate_value_illegal_characters",
    # AdvancedTest
    "multiple_requests_with_valid_traceparent",
    "multiple_requests_without_traceparent",
    "multiple_requests_with_illegal_traceparent",
    # TraceContext2Test
    "propagates_random_flag",
)
"""The suite's cases by name, each the name of one test of this module."""


def test_every_case_of_the_suite_is_a_test_here() -> None:
    """The 41 cases of the suite are 41 tests of this module, and this module tests nothing else of it."""
    assert len(SUITE_CASES) == len(set(SUITE_CASES)) == 41
    module = sys.modules[__name__]
    tests = {name.removeprefix("test_") for name in vars(module) if name.startswith("test_")}
    assert tests - {"every_case_of_the_suite_is_a_test_here"} == set(SUITE_CASES)
