"""Reading header values from any carrier: one value or a list of them, text or bytes, bounded.

Every propagation format (``traceparent``, ``tracestate``, ``baggage``)
reads its header through :func:`read_header_values`, so a carrier's shape
(WSGI text, ASGI bytes, one entry per header line) is handled once, and an
oversized header is refused before anything is copied. :func:`carrier_header`
finds a header in any mapping, whatever the case of its name.

>>> carrier_header({"HTTP_TRACEPARENT": "00-..."}, "traceparent")
'00-...'
>>> carrier_header({"Baggage": "k=v"}, "baggage"), carrier_header({}, "baggage")
('k=v', None)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from flext_observability.core.checks import describe, read_sequence
from flext_observability.core.errors import FlextErrorCode, FlextFieldError

if TYPE_CHECKING:
    from collections.abc import Mapping

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


def carrier_header(carrier: Mapping[Any, Any], name: str) -> object:
    """The value under header ``name`` (lowercase) in ``carrier``, or ``None``; never raises.

    Tried in order: the name as given, Title-Case, UPPER-CASE, WSGI's
    ``HTTP_*`` form, then any key equal to the name once lowercased. A
    carrier whose lookups raise reads as having no such header.
    """
    for key in (name, name.title(), name.upper(), "HTTP_" + name.upper()):
        try:
            if key in carrier:
                return carrier[key]
        except Exception:  # noqa: BLE001 - an odd carrier is read as having no such header
            return None
    try:
        for key, value in carrier.items():
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
