"""W3C Trace Context Level 2: the ``tracestate`` header (§3.3).

``tracestate`` carries each tracing system's own entry beside the
``traceparent`` (:mod:`~flext_observability.core.tracing.traceparent`).
This module reads, edits and writes the list; nothing here does I/O.

A received list that names a key twice is kept, with the key's first entry:
the list a vendor sends must hold each key once (§3.3.3), but nothing tells
a receiver to discard one that does not, and the W3C test suite accepts the
list passed on either as it came or without the repeats. The first entry is
the most recent one (entries move to the left when updated, §3.5), and
dropping the later ones means that what this process sends on is valid. Any
other broken member still discards the whole list
(see :func:`parse_tracestate`).

>>> parse_tracestate("rojo=1,congo=2,rojo=3").entries
(('rojo', '1'), ('congo', '2'))
>>> state = parse_tracestate("congo=t61rcWkgMzE, rojo=00f067aa0ba902b7")
>>> state.get("rojo"), format_tracestate(state)
('00f067aa0ba902b7', 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7')
"""

from __future__ import annotations

import re
from typing import Final

from attrs import frozen
from returns.result import Result, Success

from flext_observability.core.checks import Problems, add, describe, invalid
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.headers import OPTIONAL_WHITESPACE, read_header_values
from flext_observability.core.tracing.span import MAX_TRACE_STATE_LENGTH

MAX_TRACE_STATE_MEMBERS: Final = 32
"""List-members a ``tracestate`` may hold (§3.3.2)."""

MAX_TRACE_STATE_KEY_LENGTH: Final = 256
MAX_TRACE_STATE_VALUE_LENGTH: Final = 256

MAX_TRACE_STATE_ENTRY_LENGTH: Final = 128
"""Entries longer than this are the first dropped when a ``tracestate`` must be shortened (§3.3.3.1)."""

MAX_TRACESTATE_HEADER_LENGTH: Final = 2 * (
    MAX_TRACE_STATE_MEMBERS * (MAX_TRACE_STATE_KEY_LENGTH + 1 + MAX_TRACE_STATE_VALUE_LENGTH)
    + MAX_TRACE_STATE_MEMBERS
    - 1
)
"""The longest combined ``tracestate`` read: twice the longest valid list, leaving room for whitespace."""

# §3.3.2.2.1 in Level 2: a lowercase letter or a digit, then up to 255 of
# lowercase letters, digits, "_", "-", "*", "/" and "@".
_KEY: Final = re.compile(r"[a-z0-9][a-z0-9_\-*/@]{0,255}")
# Level 1 (§3.3.1.3.1 of the 2021 Recommendation) was stricter: a simple key
# starts with a letter, and "@" only splits a tenant of up to 241 characters
# from a system of up to 14. Every such key is valid in Level 2, and the
# many Level 1 parsers in service discard a whole header over one key they
# refuse, so the keys this process writes keep to it.
_WRITABLE_KEY: Final = re.compile(
    r"[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13}",
)
# §3.3.2.2.2: up to 256 printable ASCII characters except "," and "=", the
# last not a space.
_VALUE: Final = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")


def _exact(key: object) -> str | None:
    """``key`` as an exact ``str`` (a subclass could compare as it likes), or ``None``."""
    return str.__str__(key) if isinstance(key, str) else None


def _pairs(entries: object) -> tuple[tuple[str, str], ...]:
    """The well-formed ``(key, value)`` text pairs of ``entries``, in order.

    Instances made by this module hold nothing else; one built by hand may,
    and its other items are skipped rather than trusted.
    """
    if type(entries) is not tuple:
        return ()
    return tuple(
        (str.__str__(item[0]), str.__str__(item[1]))
        for item in entries
        if type(item) is tuple and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], str)
    )


@frozen
class TraceState:
    """The ``tracestate`` list: vendors' ``(key, value)`` entries, most recent first.

    Instances made by :func:`parse_tracestate` and :meth:`with_entry` are
    valid: at most 32 entries with distinct keys, each key and value
    following §3.3.2.2. The constructor itself checks nothing.

    >>> state = EMPTY_TRACE_STATE.with_entry("rojo", "00f067aa0ba902b7").unwrap()
    >>> state = state.with_entry("congo", "t61rcWkgMzE").unwrap()
    >>> format_tracestate(state)
    'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'
    >>> format_tracestate(state.with_entry("rojo", "b7ad6b7169203331").unwrap())
    'rojo=b7ad6b7169203331,congo=t61rcWkgMzE'
    >>> state.without("congo").get("rojo"), state.get("other")
    ('00f067aa0ba902b7', None)
    """

    entries: tuple[tuple[str, str], ...] = ()

    def __len__(self) -> int:
        """The number of entries."""
        return len(_pairs(self.entries))

    def get(self, key: object) -> str | None:
        """The value under ``key``, or ``None`` when there is none."""
        wanted = _exact(key)
        return next((value for name, value in _pairs(self.entries) if name == wanted), None)

    def with_entry(self, key: object, value: object) -> Result[TraceState, FlextValidationError]:
        """This list with ``key`` set to ``value``, the entry moved or added to the front.

        §3.5 asks a vendor that updates its entry to move it to the left, and
        forbids a key twice. When a new entry would make 33, the right-most
        entry goes: §3.3.3.1 drops entries from the end when a list must
        shrink. Keys must also follow Level 1's grammar, so that no Level 1
        parser downstream discards the whole header over the key written here.

        >>> EMPTY_TRACE_STATE.with_entry("Rojo", "a,b").failure().codes == {
        ...     FlextErrorCode.INVALID_NAME, FlextErrorCode.INVALID_TEXT
        ... }
        True
        """
        problems: Problems = []
        checked_key = _check_key(problems, key)
        checked_value = _check_value(problems, value)
        if problems or checked_key is None or checked_value is None:
            return invalid("tracestate", problems)
        others = tuple(pair for pair in _pairs(self.entries) if pair[0] != checked_key)
        entries = ((checked_key, checked_value), *others)
        return Success(TraceState(entries=entries[:MAX_TRACE_STATE_MEMBERS]))

    def without(self, key: object) -> TraceState:
        """This list without the entry under ``key`` (the same list when there is none)."""
        unwanted = _exact(key)
        return TraceState(entries=tuple(pair for pair in _pairs(self.entries) if pair[0] != unwanted))


EMPTY_TRACE_STATE: Final = TraceState()
"""The empty list: what an absent, empty or invalid ``tracestate`` header reads as."""


def _check_key(problems: Problems, key: object) -> str | None:
    if not isinstance(key, str):
        add(problems, FlextErrorCode.WRONG_TYPE, "key", f"expected the key as text, got {describe(key)}")
        return None
    text = str.__str__(key)
    if not text:
        add(problems, FlextErrorCode.EMPTY, "key", "must not be empty; name your tracing system")
    elif len(text) > MAX_TRACE_STATE_KEY_LENGTH:
        add(
            problems,
            FlextErrorCode.TOO_LONG,
            "key",
            f"has {len(text)} characters; shorten it to at most {MAX_TRACE_STATE_KEY_LENGTH}",
        )
    elif _WRITABLE_KEY.fullmatch(text) is None:
        add(
            problems,
            FlextErrorCode.INVALID_NAME,
            "key",
            f"{describe(text)} is not a tracestate key: use a lowercase letter, then lowercase letters, "
            "digits, '_', '-', '*' or '/'; or tenant@system, with a tenant of at most 241 such "
            "characters (a digit may lead) and a system of at most 14 that starts with a letter",
        )
    else:
        return text
    return None


def _check_value(problems: Problems, value: object) -> str | None:
    if not isinstance(value, str):
        add(problems, FlextErrorCode.WRONG_TYPE, "value", f"expected the value as text, got {describe(value)}")
        return None
    text = str.__str__(value)
    if not text:
        add(problems, FlextErrorCode.EMPTY, "value", "must not be empty; delete the entry instead")
    elif len(text) > MAX_TRACE_STATE_VALUE_LENGTH:
        add(
            problems,
            FlextErrorCode.TOO_LONG,
            "value",
            f"has {len(text)} characters; shorten it to at most {MAX_TRACE_STATE_VALUE_LENGTH}",
        )
    elif _VALUE.fullmatch(text) is None:
        add(
            problems,
            FlextErrorCode.INVALID_TEXT,
            "value",
            f"{describe(text)} may only hold printable ASCII other than ',' and '=', and must not end "
            "with a space; encode anything else (base64url, hex)",
        )
    else:
        return text
    return None


def parse_tracestate(header: object) -> TraceState:
    """Read ``tracestate`` header values; an invalid list reads as the empty one. Never raises.

    ``header`` is one value or a list of them, one per header line; they
    join with commas into one list (§3.3.2: "When receiving multiple
    tracestate header fields, they MUST be combined into a single header").
    Failing to read ``tracestate`` never fails the ``traceparent`` (§3.3).
    The rules applied:

    - members are split at ``,``; spaces and tabs around each are dropped
      (§3.3.2: "Spaces and horizontal tabs surrounding list-members are
      ignored"), and empty or blank members skipped (§3.3.2: "Empty and
      whitespace-only list members are allowed"); they do not count
      towards the 32;
    - keys follow Level 2's grammar (§3.3.2.2.1: "A key MUST begin with a
      lowercase letter or a digit and contain up to 256 characters including
      lowercase letters (a-z), digits (0-9), underscores (_), dashes (-),
      asterisks (*), forward slashes (/), and at signs (@)"), which accepts
      every Level 1 key, multi-tenant ``tenant@system`` ones included, and a
      few more (``1vendor``, ``a@b@c``);
    - values: 1 to 256 printable ASCII characters other than ``,`` and
      ``=``, the last not a space (§3.3.2.2.2); leading spaces are kept;
    - a key that appears again keeps its first entry; the later ones, each
      still checked as a member, are dropped (§3.3.3: "Only one entry per
      key is allowed"; the module docstring says why the list is kept);
    - the whole header is discarded, not just a member, when a member breaks
      the rules above or more than 32 members arrive, repeated keys counted
      (§3.3.2: "There can be a maximum of 32 list-members"). The processing
      model allows it ("If the tracestate header cannot be parsed the vendor
      MAY discard the entire header"), the W3C test suite expects it, and
      forwarding only part of another vendor's list would invent one that
      nobody sent;
    - a combined value longer than :data:`MAX_TRACESTATE_HEADER_LENGTH`, or
      that is not text, is discarded unread.

    Nothing is shortened here; :func:`format_tracestate` bounds what is sent.

    >>> parse_tracestate(["rojo=00f067aa0ba902b7 ,", " congo=t61rcWkgMzE"]).entries
    (('rojo', '00f067aa0ba902b7'), ('congo', 't61rcWkgMzE'))
    >>> parse_tracestate("rojo=1,congo=2,rojo=3").entries, len(parse_tracestate("rojo=1,Congo=2"))
    ((('rojo', '1'), ('congo', '2')), 0)
    """
    if header is None or (type(header) is str and not header):
        return EMPTY_TRACE_STATE  # no header: nothing to read (and no error to build)
    values = read_header_values(header, "tracestate", MAX_TRACESTATE_HEADER_LENGTH)
    if isinstance(values, FlextFieldError):
        return EMPTY_TRACE_STATE
    entries: dict[str, str] = {}
    members = 0
    for raw in ",".join(values).split(","):
        member = raw.strip(OPTIONAL_WHITESPACE)
        if not member:
            continue
        members += 1
        key, equals, value = member.partition("=")
        if (
            not equals
            or members > MAX_TRACE_STATE_MEMBERS
            or _KEY.fullmatch(key) is None
            or _VALUE.fullmatch(value) is None
        ):
            return EMPTY_TRACE_STATE
        entries.setdefault(key, value)
    return TraceState(entries=tuple(entries.items()))


def format_tracestate(state: TraceState) -> str:
    """The ``tracestate`` header value for ``state``: at most 32 entries and 512 characters.

    Entries are joined by ``,`` with no whitespace. §3.3.3.1 asks every
    vendor to propagate at least 512 characters, so nothing longer is sent:
    when the list is longer, whole entries go, the right-most one longer
    than 128 characters first, then the right-most one, until it fits
    ("Entries larger than 128 characters long SHOULD be removed first. Then
    entries SHOULD be removed starting from the end"). Entries a hand-built
    state may hold that break §3.3.2.2, repeat a key or pass 32 are left out,
    so the value sent is always valid. ``""`` means: send no header.

    >>> entries = [(key, "v" * 120) for key in "abcde"]
    >>> entries.insert(1, ("long", "v" * 200))
    >>> [member.partition("=")[0] for member in format_tracestate(TraceState(tuple(entries))).split(",")]
    ['a', 'b', 'c', 'd']
    >>> format_tracestate(None)
    ''
    """
    given: object = state  # what callers pass at runtime may be anything
    if not isinstance(given, TraceState):
        return ""
    members: list[str] = []
    seen: set[str] = set()
    for key, value in _pairs(state.entries):
        if key not in seen and _KEY.fullmatch(key) is not None and _VALUE.fullmatch(value) is not None:
            seen.add(key)
            members.append(f"{key}={value}")
    del members[MAX_TRACE_STATE_MEMBERS:]
    length = sum(map(len, members)) + len(members) - 1
    while length > MAX_TRACE_STATE_LENGTH:
        long_ones = [index for index, member in enumerate(members) if len(member) > MAX_TRACE_STATE_ENTRY_LENGTH]
        dropped = members.pop(long_ones[-1] if long_ones else -1)
        length -= len(dropped) + 1
    return ",".join(members)
