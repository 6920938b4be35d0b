"""Reading a header from any carrier (core/headers)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from flext_observability.core.headers import carrier_header


class _Exploding(dict[str, str]):
    """A mapping whose every lookup raises, as a broken framework object might."""

    def __contains__(self, key: object) -> bool:
        raise RuntimeError(key)


class _BadItems(dict[str, str]):
    """A mapping that answers membership but fails while its items are listed."""

    def items(self) -> Any:
        raise RuntimeError(self)


def test_every_spelling_of_a_header_is_found() -> None:
    """The name as given, Title-Case, UPPER-CASE, WSGI's HTTP_* and any other case all find the value."""
    for key in ("traceparent", "Traceparent", "TRACEPARENT", "HTTP_TRACEPARENT", "TraceParent"):
        assert carrier_header({key: "value"}, "traceparent") == "value"
    assert carrier_header({"other": "x", 7: "y"}, "traceparent") is None


def test_a_carrier_that_raises_reads_as_empty() -> None:
    """A carrier whose lookups or item listing raise gives no header instead of an exception."""
    assert carrier_header(_Exploding(traceparent="x"), "traceparent") is None
    assert carrier_header(_BadItems(TraceParent="x"), "traceparent") is None


class _RaisingList(list[object]):
    """A list of pairs that fails while it is walked."""

    def __iter__(self) -> Any:
        raise RuntimeError(self)


class _Lines:
    """A message-like object whose ``get_all`` answers as given."""

    def __init__(self, answer: object) -> None:
        self.answer = answer

    def get_all(self, name: str) -> object:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_every_line_of_a_repeated_header_is_returned() -> None:
    """Pairs and message objects give one line as itself, several as a tuple in order, none as None."""
    pairs = [(b"Tracestate", b"a=1"), ("tracestate", "b=2"), (bytearray(b"TRACESTATE"), b"c=3")]
    assert carrier_header(pairs, "tracestate") == (b"a=1", "b=2", b"c=3")
    assert carrier_header(pairs[:1], "tracestate") == b"a=1"
    assert carrier_header(pairs, "baggage") is None
    assert carrier_header(_Lines(["a=1", "b=2"]), "tracestate") == ("a=1", "b=2")
    assert carrier_header(_Lines(("a=1",)), "tracestate") == "a=1"
    assert carrier_header(_Lines([]), "tracestate") is None


def test_odd_pairs_and_lines_read_as_no_header() -> None:
    """Items that are no name and value pair are skipped; a get_all that fails or answers oddly gives None."""
    odd = [("tracestate",), ("tracestate", "a", "b"), (7, "x"), "tracestate=a", None, ["tracestate", "ok"]]
    assert carrier_header(odd, "tracestate") == "ok"
    assert carrier_header(_RaisingList(), "tracestate") is None
    assert carrier_header(_Lines(None), "tracestate") is None
    assert carrier_header(_Lines("a=1"), "tracestate") is None
    assert carrier_header(_Lines(RuntimeError("boom")), "tracestate") is None


def test_a_mapping_that_is_no_dict_is_read_as_a_mapping() -> None:
    """A read-only mapping (no get_all) is looked up like a dict."""
    assert carrier_header(MappingProxyType({"TraceParent": "x"}), "traceparent") == "x"
    assert carrier_header(MappingProxyType({}), "traceparent") is None
