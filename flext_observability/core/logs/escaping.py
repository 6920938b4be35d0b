r"""Escaping: any text on one log line, unable to forge another and recoverable.

A value written into a log line may hold a newline (which starts a forged
event), a carriage return or an ANSI escape sequence (which rewrite what a
terminal shows), a bidirectional override (which reorders what a reader sees)
or a lone surrogate (which makes a UTF-8 writer fail). :func:`escape_text`
writes every character that :meth:`str.isprintable` rejects, and the
backslash, as a backslash escape, so its output is printable, one line and
encodable; :func:`unescape_text` gives the original back.

>>> line = escape_text("ok\nlevel=error msg=forged\x1b[2K")
>>> print(line)
ok\nlevel=error msg=forged\x1b[2K
>>> unescape_text(line) == "ok\nlevel=error msg=forged\x1b[2K"
True
>>> logfmt = render_logfmt([("event", "rows loaded"), ("rows", 120), ("table", 'a "b"')])
>>> logfmt
'event="rows loaded" rows=120 table="a \\"b\\""'
>>> parse_logfmt(logfmt)
[('event', 'rows loaded'), ('rows', '120'), ('table', 'a "b"')]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

_NAMED: Final = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NAMED_BACK: Final = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t", '"': '"'}
_MAX_CODE_POINT: Final = 0x10FFFF


def _escape_char(char: str) -> str:
    r"""The escape of one character: by name, or ``\xNN``, ``\uNNNN``, ``\UNNNNNNNN``."""
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


# The first 256 code points hold every C0 and C1 control, DEL, and NEL; the
# table covers them in one C pass. Rarer non-printable characters (U+2028,
# bidirectional controls, unassigned code points, surrogates) are handled one
# by one afterwards, only in text that holds one.
_TABLE: Final = {
    code: _escape_char(chr(code)) for code in range(0x100) if code == ord("\\") or not chr(code).isprintable()
}

_ESCAPE: Final = re.compile(
    r"\\(?:(?P<named>[\\nrt\"])|x(?P<byte>[0-9a-fA-F]{2})|u(?P<bmp>[0-9a-fA-F]{4})|U(?P<wide>[0-9a-fA-F]{8}))",
)


def escape_text(text: str) -> str:
    r"""``text`` as one printable line that :func:`unescape_text` turns back into it.

    The backslash becomes ``\\``; newline, carriage return and tab become
    ``\n``, ``\r``, ``\t``; every other character that is not printable
    (controls, NUL, DEL, ESC, NEL, U+2028, U+2029, format characters,
    unassigned code points, lone surrogates) becomes ``\xNN``, ``\uNNNN``
    or ``\UNNNNNNNN``. Printable text without a backslash comes back as it is.

    >>> print(escape_text("a\tb\r\n\u2028\x00\\ ü 🌙"))
    a\tb\r\n\u2028\x00\\ ü 🌙

    Anything that is not text gives ``""``; it never raises.
    """
    given: object = text  # what callers pass at runtime may be anything
    if not isinstance(given, str):
        return ""
    if type(text) is not str:
        # A subclass could answer isprintable() as it likes.
        text = str.__str__(text)
    if text.isprintable() and "\\" not in text:
        return text
    escaped = text.translate(_TABLE)
    if escaped.isprintable():
        return escaped
    return "".join(char if char.isprintable() else _escape_char(char) for char in escaped)


def _unescape_match(match: re.Match[str]) -> str:
    named = match["named"]
    if named is not None:
        return _NAMED_BACK[named]
    code = int(match["byte"] or match["bmp"] or match["wide"], 16)
    return chr(code) if code <= _MAX_CODE_POINT else match.group()


def unescape_text(text: str) -> str:
    r"""The text :func:`escape_text` was given; also reads ``\"`` (logfmt's quote).

    Total on any text: a backslash that starts no escape, and ``\U`` beyond
    U+10FFFF, are kept as they are.

    >>> unescape_text("a\\tb\\x00\\u2028\\U0001f319\\q")
    'a\tb\x00\u2028🌙\\q'
    """
    if type(text) is not str:
        text = str.__str__(text)
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_unescape_match, text)


# --- logfmt -------------------------------------------------------------------

# Keys are never quoted, so the characters that end a key or a pair are escaped.
_KEY_EXTRA: Final = str.maketrans({" ": "\\x20", "=": "\\x3d", '"': "\\x22"})

_PAIR: Final = re.compile(
    r"(?P<key>[^ =]*)=(?:\"(?P<quoted>(?:[^\"\\]|\\.)*)\"?|(?P<bare>[^ ]*))|(?P<flag>[^ =]+)",
    re.DOTALL,
)


def _type_name(value: object) -> str:
    try:
        return str.__str__(type(value).__name__)
    except Exception:  # noqa: BLE001 - a metaclass may make even the name fail, or not text
        return "object"


def _as_text(value: object) -> str:
    """How ``value`` reads in a logfmt line: ``None`` empty, flags, numbers, else ``str()``."""
    if value is None:
        return ""
    try:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, float):
            return float.__repr__(value)
        return str.__str__(str(value))
    except Exception:  # noqa: BLE001 - a value whose str() fails still leaves a trace
        return f"<unprintable {_type_name(value)}>"


def _render_key(key: object) -> str:
    return escape_text(_as_text(key)).translate(_KEY_EXTRA)


def _render_value(value: object) -> str:
    text = escape_text(_as_text(value))
    if '"' in text:
        text = text.replace('"', '\\"')
    elif text and " " not in text and "=" not in text:
        return text
    return f'"{text}"'


def render_logfmt(items: Iterable[tuple[str, object]]) -> str:
    r"""One logfmt line ``key=value key2="value with spaces"``; never raises.

    Values read as: ``None`` empty, ``True``/``False`` as ``true``/``false``,
    numbers by ``repr``, anything else by ``str()`` (``<unprintable Type>`` if
    that fails). Keys and values are escaped with :func:`escape_text`; a value
    is quoted (with ``\"`` for a quote) when it is empty or holds a space,
    ``=`` or ``"``, and in keys these three are written ``\x20``, ``\x3d``
    and ``\x22``. An item that is not a pair is left out.

    >>> print(render_logfmt([("msg", "two\nlines"), ("user id", None), ("ok", True), ("ratio", 0.5)]))
    msg=two\nlines user\x20id="" ok=true ratio=0.5
    """
    parts: list[str] = []
    try:
        for item in items:
            try:
                key, value = item
            except Exception:  # noqa: BLE001, S112 - a malformed item is left out, the others still go out
                continue
            parts.append(f"{_render_key(key)}={_render_value(value)}")
    except Exception:  # noqa: BLE001, S110 - items that fail midway still give the pairs read so far
        pass
    return " ".join(parts)


def parse_logfmt(line: str) -> list[tuple[str, str]]:
    r"""The pairs of a logfmt line, values as text; the inverse of :func:`render_logfmt`.

    Total on any text: a key without ``=`` gets the empty value, and an
    unterminated quote runs to the end of the line. Anything that is not text
    has no pairs.

    >>> parse_logfmt('event="rows loaded" user\\x20id=7 debug msg=a\\nb')
    [('event', 'rows loaded'), ('user id', '7'), ('debug', ''), ('msg', 'a\nb')]
    """
    pairs: list[tuple[str, str]] = []
    given: object = line  # what callers pass at runtime may be anything
    if not isinstance(given, str):
        return pairs
    for match in _PAIR.finditer(str.__str__(given)):
        flag = match["flag"]
        if flag is not None:
            pairs.append((unescape_text(flag), ""))
            continue
        quoted = match["quoted"]
        value = quoted if quoted is not None else match["bare"]
        pairs.append((unescape_text(match["key"]), unescape_text(value)))
    return pairs
