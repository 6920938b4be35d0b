"""Reading header values from any carrier: one value or a list of them, text or bytes, bounded.

Every propagation format (``traceparent``, ``tracestate``, ``baggage``)
reads its header through :func:`read_header_values`, so a carrier's shape
(WSGI text, ASGI bytes, one entry per header line) is handled once, and an
oversized header is refused before anything is copied. :func:`carrier_header`
finds a header in any carrier (a mapping, a list of name and value pairs, a
message object), whatever the case of its name, with all its lines.

>>> carrier_header({"HTTP_TRACEPARENT": "00-..."}, "traceparent")
'00-...'
>>> carrier_header({"Baggage": "k=v"}, "baggage"), carrier_header({}, "baggage")
('k=v', None)
"""

from __future__ import annotations

import re
from typing import Final

from flext_observability.core.checks import describe, read_sequence
from flext_observability.core.errors import FlextErrorCode, FlextFieldError

OPTIONAL_WHITESPACE: Final = " \t"
"""What HTTP allows around a header value and its list members (RFC 9110 "OWS")."""

_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
_ASCII_RUNS: Final = re.compile(r"([\x00-\x7f]+)")


def read_header_values(header: object, field: str, max_length: int) -> tuple[str, ...] | FlextFieldError:
    """The values of one header, however the shell hands them over; never raises.

    ``header`` is one value (``str``, or ``bytes`` as ASGI gives them, read
    as Latin-1 like WSGI does) or a list or tuple of values, one per header
    line. Anything else is a ``WRONG_TYPE`` error, and values whose combined
    length (with one separator each) passes ``max_length`` a ``TOO_LONG``
    error, found before any value is copied.

    >>> read_header_values([b"foo=1", "bar=2"], "tracestate", 64)
    ('foo=1', 'bar=2')
    >>> print(read_header_values("x" * 65, "tracestate", 64))
    tracestate: is longer than 64 characters, the most that is read; send less [too_long]
    """
    items: list[object] | None
    if isinstance(header, str | bytes | bytearray):
        items = [header]
    else:
        items = read_sequence([], field, header)
        if items is None:
            return FlextFieldError(
                code=FlextErrorCode.WRONG_TYPE,
                field=field,
                message=f"expected the header value as text, bytes or a list of them, got {describe(header)}",
            )
    texts: list[str] = []
    length = -1
    for item in items:
        if isinstance(item, str):
            length += str.__len__(item) + 1
        elif isinstance(item, bytes | bytearray):
            length += len(memoryview(item)) + 1
        else:
            return FlextFieldError(
                code=FlextErrorCode.WRONG_TYPE,
                field=field,
                message=f"every header value must be text or bytes, got {describe(item)}",
            )
        # Checked before the value is copied: each one counts at least its separator,
        # so even a list of a million empty values stops here early.
        if length > max_length:
            return FlextFieldError(
                code=FlextErrorCode.TOO_LONG,
                field=field,
                message=f"is longer than {max_length} characters, the most that is read; send less",
            )
        texts.append(_text(item))
    return tuple(texts)


def _text(value: str | bytes | bytearray) -> str:
    if isinstance(value, str):
        # An exact copy: a subclass could answer len() or iteration as it likes.
        return str.__str__(value)
    return bytes(memoryview(value)).decode("latin-1")


def carrier_header(carrier: object, name: str) -> object:
    """The value of header ``name`` (lowercase) in ``carrier``, every line of it; ``None`` if absent. Never raises.

    A header sent on several lines is one list (RFC 9110 §5.3: the lines
    combine, in order, as if joined by commas), so every line is returned,
    as a tuple when there are several; :func:`read_header_values` reads
    either. Carriers, in the order tried:

    - a ``dict`` (the hot path: WSGI's ``environ``, headers built by hand)
      or another mapping: the name as given, Title-Case, UPPER-CASE, WSGI's
      ``HTTP_*`` form, then any key equal to the name once lowercased. The
      value is returned as it is: a list or tuple value holds one line each,
      and a server that combined the lines itself (WSGI does) gave one;
    - a list or tuple of ``(name, value)`` pairs, text or bytes (ASGI's
      ``scope["headers"]``): every pair whose name matches in any case;
    - an object with ``get_all`` (``email.message.Message``, and
      ``http.client.HTTPMessage``, what ``http.server`` hands a handler as
      ``self.headers``): every line it gives.

    A carrier whose lookups raise reads as having no such header.

    >>> carrier_header([(b"tracestate", b"a=1"), (b"TraceState", b"b=2")], "tracestate")
    (b'a=1', b'b=2')
    >>> carrier_header({"tracestate": ["a=1", "b=2"]}, "tracestate")
    ['a=1', 'b=2']
    """
    if isinstance(carrier, dict):
        return _mapping_value(carrier, name)
    try:
        if isinstance(carrier, list | tuple):
            return _lines(_pair_values(carrier, name))
        get_all = getattr(carrier, "get_all", None)
        if callable(get_all):
            found = get_all(name)
            return _lines(found) if isinstance(found, list | tuple) else None
    except Exception:  # noqa: BLE001 - an odd carrier is read as having no such header
        return None
    return _mapping_value(carrier, name)


def _lines(values: list[object] | tuple[object, ...]) -> object:
    """No line as ``None``, one as itself, several as a tuple."""
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


def _pair_values(pairs: list[object] | tuple[object, ...], name: str) -> list[object]:
    """The values of the ``(name, value)`` pairs whose name is ``name`` in any case; other items are skipped."""
    found: list[object] = []
    for pair in pairs:
        if isinstance(pair, tuple | list) and len(pair) == 2:
            key = pair[0]
            if isinstance(key, bytes | bytearray):
                key = bytes(key).decode("latin-1")
            if isinstance(key, str) and str.lower(key) == name:
                found.append(pair[1])
    return found


def _mapping_value(carrier: object, name: str) -> object:
    """The value under ``name`` in a mapping, in any of the spellings :func:`carrier_header` lists."""
    for key in (name, name.title(), name.upper(), "HTTP_" + name.upper()):
        try:
            if key in carrier:  # type: ignore[operator]
                return carrier[key]  # type: ignore[index]
        except Exception:  # noqa: BLE001 - an odd carrier is read as having no such header
            return None
    try:
        for key, value in carrier.items():  # type: ignore[attr-defined]
            if isinstance(key, str) and key.lower() == name:
                return value
    except Exception:  # noqa: BLE001 - same as above
        return None
    return None


def percent_decode(text: str) -> str:
    """``text`` with each ``%XX`` escape read as a byte, the bytes read as UTF-8 (bad ones replaced).

    The same result as ``urllib.parse.unquote`` (a property test compares
    them), written here so that the core imports nothing of ``urllib``: a
    ``%`` not followed by two hex digits stays as it is, and each run of
    ASCII characters is decoded on its own, so escapes never combine with
    non-ASCII characters written as such.

    >>> percent_decode("run%20id=r%2D42"), percent_decode("caf%C3%A9"), percent_decode("100%")
    ('run id=r-42', 'café', '100%')
    >>> percent_decode("%C3")
    '\ufffd'
    """
    if "%" not in text:
        return text
    return "".join(_decode_ascii_run(part) if index % 2 else part for index, part in enumerate(_ASCII_RUNS.split(text)))


def _decode_ascii_run(run: str) -> str:
    first, *rest = run.split("%")
    data = bytearray(first.encode("ascii"))
    for part in rest:
        if len(part) >= 2 and part[0] in _HEX_DIGITS and part[1] in _HEX_DIGITS:
            data.append(int(part[:2], 16))
            data += part[2:].encode("ascii")
        else:
            data += b"%" + part.encode("ascii")
    return data.decode("utf-8", "replace")
