"""Reading a header from any carrier (core/headers)."""

from __future__ import annotations

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
