"""W3C Trace Context Level 2: the ``traceparent`` and ``tracestate`` headers.

A trace crosses services through two HTTP headers
(https://www.w3.org/TR/trace-context-2/). ``traceparent`` names the trace,
the caller's span and its flags; ``tracestate`` carries each tracing
system's own entry. This module reads and writes both (sampling decisions
are in :mod:`~flext_observability.core.tracing.sampling`). The shell makes the ids
and moves the headers; nothing here does I/O.

>>> incoming = parse_trace_context(
...     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
...     "congo=t61rcWkgMzE",
... ).unwrap()
>>> incoming.sampled, incoming.remote, incoming.trace_state.get("congo")
(True, True, 't61rcWkgMzE')
>>> format_trace_context(child_of(incoming, "b7ad6b7169203331"))
{'traceparent': '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01', 'tracestate': 'congo=t61rcWkgMzE'}

Section numbers below are those of the Level 2 Candidate Recommendation
Draft of 28 March 2024.
"""

from __future__ import annotations

import re
from typing import Final

from attrs import evolve, frozen
from returns.result import Failure, Result, Success

from flext_observability.core.checks import Problems, add, check_hex_id, describe, read_sequence
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.tracing.span import MAX_TRACE_STATE_LENGTH, SPAN_ID_LENGTH, TRACE_ID_LENGTH

TRACEPARENT_LENGTH: Final = 55
"""Characters in a version ``00`` ``traceparent``, and the known prefix of every later version."""

MAX_TRACEPARENT_LENGTH: Final = 1024
"""The longest ``traceparent`` read: room for fields a future version may append, refusing absurd values unread."""

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

SAMPLED_FLAG: Final = 0x01
"""``trace-flags`` bit 0: the caller may have recorded the trace (§3.2.2.5.1)."""

RANDOM_FLAG: Final = 0x02
"""``trace-flags`` bit 1: the right-most 7 bytes of the trace id are random (§3.2.2.5.2)."""

_OWS: Final = " \t"
_HEX: Final = frozenset("0123456789abcdef")
_VERSION_00: Final = "00"
_FORBIDDEN_VERSION: Final = "ff"
_TRACEPARENT_FIELD: Final = "traceparent"
# Where the fields of version 00 sit: vv-<trace id>-<parent id>-ff.
_DELIMITERS: Final = (2, 35, 52)
_TRACE_ID: Final = slice(3, 35)
_PARENT_ID: Final = slice(36, 52)
_FLAGS: Final = slice(53, 55)

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


# --- header values ------------------------------------------------------------


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


def _is_hex(text: str) -> bool:
    return _HEX.issuperset(text)


def is_valid_id(value: object, length: int) -> bool:
    """Tell whether ``value`` is a valid W3C id: ``length`` lowercase hex digits, not all zero."""
    if not isinstance(value, str):
        return False
    text = str.__str__(value)
    return len(text) == length and _is_hex(text) and text.count("0") != length


# --- tracestate ---------------------------------------------------------------


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
            return Failure(FlextValidationError(entity="tracestate", errors=tuple(problems)))
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
    - the whole header is discarded, not just a member, when a member breaks
      those rules, a key appears twice (§3.3.3: "Only one entry per key is
      allowed"), or more than 32 members remain (§3.3.2: "There can be a
      maximum of 32 list-members"). The processing model allows it ("If the
      tracestate header cannot be parsed the vendor MAY discard the entire
      header"), the W3C test suite expects it, and forwarding only part of
      another vendor's list would invent one that nobody sent;
    - a combined value longer than :data:`MAX_TRACESTATE_HEADER_LENGTH`, or
      that is not text, is discarded unread.

    Nothing is shortened here; :func:`format_tracestate` bounds what is sent.

    >>> parse_tracestate(["rojo=00f067aa0ba902b7 ,", " congo=t61rcWkgMzE"]).entries
    (('rojo', '00f067aa0ba902b7'), ('congo', 't61rcWkgMzE'))
    >>> len(parse_tracestate("rojo=1,rojo=2")), len(parse_tracestate("rojo=1,Congo=2"))
    (0, 0)
    """
    values = read_header_values(header, "tracestate", MAX_TRACESTATE_HEADER_LENGTH)
    if isinstance(values, FlextFieldError):
        return EMPTY_TRACE_STATE
    entries: dict[str, str] = {}
    for raw in ",".join(values).split(","):
        member = raw.strip(_OWS)
        if not member:
            continue
        key, equals, value = member.partition("=")
        if (
            not equals
            or key in entries
            or len(entries) == MAX_TRACE_STATE_MEMBERS
            or _KEY.fullmatch(key) is None
            or _VALUE.fullmatch(value) is None
        ):
            return EMPTY_TRACE_STATE
        entries[key] = value
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
    """
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


# --- traceparent --------------------------------------------------------------


@frozen(kw_only=True)
class SpanContext:
    """What identifies a span across services: the ``traceparent`` fields and the ``tracestate``.

    ``trace_id`` is 32 and ``span_id`` 16 lowercase hex digits, neither all
    zero. ``sampled`` and ``random`` are the two ``trace-flags`` Level 2
    defines (bits 0 and 1); ``remote`` tells a context read from a header
    from one made in this process. Instances made by
    :func:`build_span_context`, :func:`parse_traceparent` and
    :func:`child_of` are valid; the constructor itself checks nothing.
    """

    trace_id: str
    span_id: str
    sampled: bool
    random: bool
    remote: bool = False
    trace_state: TraceState = EMPTY_TRACE_STATE

    @property
    def trace_flags(self) -> int:
        """The ``trace-flags`` byte: the sampled and random bits, every other bit zero."""
        return (SAMPLED_FLAG if self.sampled is True else 0) | (RANDOM_FLAG if self.random is True else 0)


def _check_flag(problems: Problems, field: str, value: object) -> bool | None:
    if type(value) is not bool:
        add(problems, FlextErrorCode.WRONG_TYPE, field, f"expected True or False, got {describe(value)}")
        return None
    return value


def build_span_context(
    *,
    trace_id: object,
    span_id: object,
    sampled: object,
    random: object,
    remote: object = False,
    trace_state: object = EMPTY_TRACE_STATE,
) -> Result[SpanContext, FlextValidationError]:
    """Check every field and build a :class:`SpanContext`; every broken rule is reported.

    ``random`` must only be set when at least the right-most 7 bytes of the
    trace id were drawn at random (§3.2.2.5.2), as the shell's id generator
    does; ratio sampling relies on it.

    >>> build_span_context(
    ...     trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7", sampled=True, random=True
    ... ).map(format_traceparent)
    <Success: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03>
    >>> for error in build_span_context(trace_id="0" * 32, span_id="ABC", sampled=1, random=False).failure().errors:
    ...     print(error.field, error.code.value)
    trace_id zero_id
    span_id invalid_id
    sampled wrong_type
    """
    problems: Problems = []
    checked_trace = check_hex_id(problems, "trace_id", trace_id, TRACE_ID_LENGTH)
    checked_span = check_hex_id(problems, "span_id", span_id, SPAN_ID_LENGTH)
    checked_sampled = _check_flag(problems, "sampled", sampled)
    checked_random = _check_flag(problems, "random", random)
    checked_remote = _check_flag(problems, "remote", remote)
    if not isinstance(trace_state, TraceState):
        add(
            problems,
            FlextErrorCode.WRONG_TYPE,
            "trace_state",
            f"expected a TraceState (see parse_tracestate), got {describe(trace_state)}",
        )
    if (
        problems
        or checked_trace is None
        or checked_span is None
        or checked_sampled is None
        or checked_random is None
        or checked_remote is None
        or not isinstance(trace_state, TraceState)
    ):
        return Failure(FlextValidationError(entity="span_context", errors=tuple(problems)))
    return Success(
        SpanContext(
            trace_id=checked_trace,
            span_id=checked_span,
            sampled=checked_sampled,
            random=checked_random,
            remote=checked_remote,
            trace_state=trace_state,
        ),
    )


def child_of(parent: SpanContext, span_id: str) -> SpanContext:
    """The context of a new local span below ``parent``, for the next hop's ``traceparent``.

    The trace id, flags and trace state are kept: the trace goes on, and
    §3.2.2.5.2 requires the random flag to stay as received for the same
    trace id. ``span_id`` is the new span's id as the shell's id generator
    makes it; it is not checked here (:func:`build_span_context` checks), and
    :func:`format_traceparent` sends nothing for a context with an invalid id.
    """
    return evolve(parent, span_id=span_id, remote=False)


def _failure(code: FlextErrorCode, field: str, message: str) -> Failure[FlextValidationError]:
    error = FlextFieldError(code=code, field=field, message=message)
    return Failure(FlextValidationError(entity="traceparent", errors=(error,)))


def parse_traceparent(header: object) -> Result[SpanContext, FlextValidationError]:
    r"""Read a ``traceparent`` header into a remote :class:`SpanContext`; never raises.

    A failure means the caller must restart the trace (§3.2.4, §3.4). The
    rules applied:

    - one header value, or a list holding exactly one: two ``traceparent``
      headers are ``TOO_MANY`` (the field is not a list, so they cannot be
      combined; the W3C test suite restarts the trace); none is ``EMPTY``;
    - spaces and tabs around the value are dropped (RFC 9110 §5.5 leaves
      them out of a field value; the W3C test suite sends them); any other
      whitespace makes the value invalid;
    - a value longer than :data:`MAX_TRACEPARENT_LENGTH` is ``TOO_LONG``,
      refused before it is read;
    - the version is 2 lowercase hex digits and a ``-``, else
      ``INVALID_TEXT`` (§3.2.4: "When the version prefix cannot be parsed
      ... the implementation should restart the trace"); ``ff`` is
      ``OUT_OF_RANGE`` (§3.2.2.1: "Version ff is invalid");
    - version ``00`` is exactly 55 characters, nothing appended
      (§3.2.2.2's grammar); a higher version is read by its version ``00``
      prefix: at least 55 characters, and character 56 either absent or
      ``-`` (§3.2.4). What follows is ignored ("Vendors MUST NOT parse or
      assume anything about unknown fields");
    - ``-`` at positions 3, 36 and 53, else ``INVALID_TEXT``;
    - the trace id (32) and parent id (16) are lowercase hex, else
      ``INVALID_ID``, and not all zero, else ``ZERO_ID`` (§3.2.2.3,
      §3.2.2.4: vendors "MUST ignore the traceparent");
    - the flags are 2 lowercase hex digits, else ``INVALID_TEXT``; bit 0 is
      ``sampled``, bit 1 ``random``. The other bits are ignored, for every
      version: §3.2.2.5.3 says "Vendors MUST set those to zero", a rule for
      the flags a vendor sends, and the grammar admits any 2 hex digits, so
      they are accepted on receipt and sent as zero. Bit 1 is read in later
      versions too: versions are "additive" (§3.2.4), and a random flag
      received "MUST also be set in all outgoing traceparent headers which
      use the same trace-id" (§3.2.2.5.2).

    >>> parse_traceparent(" cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-future\t").map(format_traceparent)
    <Success: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01>
    >>> for error in parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-0000000000000000-01").failure().errors:
    ...     print(error.field, error.code.value)
    traceparent.trace_id invalid_id
    traceparent.parent_id zero_id
    """
    values = read_header_values(header, _TRACEPARENT_FIELD, MAX_TRACEPARENT_LENGTH)
    if isinstance(values, FlextFieldError):
        return Failure(FlextValidationError(entity="traceparent", errors=(values,)))
    if len(values) > 1:
        return _failure(
            FlextErrorCode.TOO_MANY,
            _TRACEPARENT_FIELD,
            f"received {len(values)} traceparent headers; a request carries one, so the trace restarts",
        )
    text = values[0].strip(_OWS) if values else ""
    if not text:
        return _failure(
            FlextErrorCode.EMPTY,
            _TRACEPARENT_FIELD,
            "is empty; send 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>",
        )
    return _read_traceparent(text)


def _read_traceparent(text: str) -> Result[SpanContext, FlextValidationError]:
    version = text[:2]
    if len(text) <= _DELIMITERS[0] or text[_DELIMITERS[0]] != "-" or not _is_hex(version):
        return _failure(
            FlextErrorCode.INVALID_TEXT,
            f"{_TRACEPARENT_FIELD}.version",
            f"{describe(text)} does not start with a version of 2 lowercase hex digits and '-'; send version 00",
        )
    if version == _FORBIDDEN_VERSION:
        return _failure(
            FlextErrorCode.OUT_OF_RANGE,
            f"{_TRACEPARENT_FIELD}.version",
            "version ff is invalid in W3C Trace Context; send version 00",
        )
    if version == _VERSION_00 and len(text) != TRACEPARENT_LENGTH:
        return _failure(
            FlextErrorCode.INVALID_TEXT,
            _TRACEPARENT_FIELD,
            f"has {len(text)} characters; version 00 is exactly 55: 00-<32 hex>-<16 hex>-<2 hex>",
        )
    if len(text) < TRACEPARENT_LENGTH:
        return _failure(
            FlextErrorCode.INVALID_TEXT,
            _TRACEPARENT_FIELD,
            f"has {len(text)} characters; version {version} starts with the 55 of version 00",
        )
    if any(text[index] != "-" for index in _DELIMITERS) or text[TRACEPARENT_LENGTH:][:1] not in {"", "-"}:
        return _failure(
            FlextErrorCode.INVALID_TEXT,
            _TRACEPARENT_FIELD,
            f"{describe(text)} is not version-traceid-parentid-flags: fields are separated by '-', "
            "and a later version may only append fields after another '-'",
        )
    problems: Problems = []
    trace_id = check_hex_id(problems, f"{_TRACEPARENT_FIELD}.trace_id", text[_TRACE_ID], TRACE_ID_LENGTH)
    parent_id = check_hex_id(problems, f"{_TRACEPARENT_FIELD}.parent_id", text[_PARENT_ID], SPAN_ID_LENGTH)
    flags = text[_FLAGS]
    if not _is_hex(flags):
        add(
            problems,
            FlextErrorCode.INVALID_TEXT,
            f"{_TRACEPARENT_FIELD}.trace_flags",
            f"{describe(flags)} is not 2 lowercase hex digits; send 01 (sampled) or 00",
        )
    if problems or trace_id is None or parent_id is None:
        return Failure(FlextValidationError(entity="traceparent", errors=tuple(problems)))
    bits = int(flags, 16)
    return Success(
        SpanContext(
            trace_id=trace_id,
            span_id=parent_id,
            sampled=bool(bits & SAMPLED_FLAG),
            random=bool(bits & RANDOM_FLAG),
            remote=True,
        ),
    )


def format_traceparent(context: SpanContext) -> str:
    """The version ``00`` ``traceparent`` header value for ``context``.

    Flags other than sampled and random are sent as zero (§3.2.2.5.3). A
    context with an invalid id (only a hand-built one can have one) gives
    ``""``: send no header, and the next service starts a new trace.

    >>> context = SpanContext(
    ...     trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7", sampled=False, random=True
    ... )
    >>> format_traceparent(context)
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02'
    """
    if not is_valid_id(context.trace_id, TRACE_ID_LENGTH) or not is_valid_id(context.span_id, SPAN_ID_LENGTH):
        return ""
    trace_id, span_id = str.__str__(context.trace_id), str.__str__(context.span_id)
    return f"{_VERSION_00}-{trace_id}-{span_id}-{context.trace_flags:02x}"


def parse_trace_context(traceparent: object, tracestate: object = None) -> Result[SpanContext, FlextValidationError]:
    """Read both headers: the ``traceparent``, and the ``tracestate`` only when that succeeded.

    §3.3: "If the vendor failed to parse traceparent, it MUST NOT attempt to
    parse tracestate", and an invalid ``tracestate`` only empties the trace
    state.

    >>> parse_trace_context("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "BAD").map(
    ...     lambda context: context.trace_state
    ... )
    <Success: TraceState(entries=())>
    """
    return parse_traceparent(traceparent).map(
        lambda context: evolve(context, trace_state=parse_tracestate(tracestate)),
    )


def format_trace_context(context: SpanContext) -> dict[str, str]:
    """The headers to send for ``context``: ``traceparent``, and ``tracestate`` unless empty.

    §3.3.2: vendors "SHOULD avoid sending" an empty ``tracestate``. A
    context that gives no ``traceparent`` gives no headers at all.
    """
    traceparent = format_traceparent(context)
    if not traceparent:
        return {}
    headers = {"traceparent": traceparent}
    tracestate = format_tracestate(context.trace_state)
    if tracestate:
        headers["tracestate"] = tracestate
    return headers
