"""W3C Trace Context Level 2: the ``traceparent`` header, and both headers together.

A trace crosses services through two HTTP headers
(https://www.w3.org/TR/trace-context-2/). ``traceparent`` names the trace,
the caller's span and its flags; ``tracestate`` carries each tracing
system's own entry. This module reads and writes both (sampling decisions
are in :mod:`~flext_observability.core.tracing.sampling`). The shell makes the ids
and moves the headers; nothing here does I/O. The ``tracestate`` list is
in :mod:`~flext_observability.core.tracing.tracestate`.

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

from typing import Final

from attrs import evolve, frozen
from returns.result import Result, Success

from flext_observability.core.checks import Problems, add, check_hex_id, describe, invalid, invalid_one
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.headers import OPTIONAL_WHITESPACE, read_header_values
from flext_observability.core.limits import SPAN_ID_LENGTH, TRACE_ID_LENGTH
from flext_observability.core.tracing.tracestate import (
    EMPTY_TRACE_STATE,
    TraceState,
    format_tracestate,
    parse_tracestate,
)

TRACEPARENT_LENGTH: Final = 55
"""Characters in a version ``00`` ``traceparent``, and the known prefix of every later version."""

MAX_TRACEPARENT_LENGTH: Final = 1024
"""The longest ``traceparent`` read: room for fields a future version may append, refusing absurd values unread."""

SAMPLED_FLAG: Final = 0x01
"""``trace-flags`` bit 0: the caller may have recorded the trace (§3.2.2.5.1)."""

RANDOM_FLAG: Final = 0x02
"""``trace-flags`` bit 1: the right-most 7 bytes of the trace id are random (§3.2.2.5.2)."""

_HEX: Final = frozenset("0123456789abcdef")
_VERSION_00: Final = "00"
_FORBIDDEN_VERSION: Final = "ff"
_TRACEPARENT_FIELD: Final = "traceparent"
# Where the fields of version 00 sit: vv-<trace id>-<parent id>-ff.
_DELIMITERS: Final = (2, 35, 52)
_TRACE_ID: Final = slice(3, 35)
_PARENT_ID: Final = slice(36, 52)
_FLAGS: Final = slice(53, 55)


def _is_hex(text: str) -> bool:
    return _HEX.issuperset(text)


def is_valid_id(value: object, length: int) -> bool:
    """Tell whether ``value`` is a valid W3C id: ``length`` lowercase hex digits, not all zero."""
    if not isinstance(value, str):
        return False
    text = str.__str__(value)
    return len(text) == length and _is_hex(text) and text.count("0") != length


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


INVALID_SPAN_CONTEXT: Final = SpanContext(
    trace_id="0" * TRACE_ID_LENGTH, span_id="0" * SPAN_ID_LENGTH, sampled=False, random=False
)
"""The all-zero context: what :func:`child_of` gives for a parent that is no context; it sends no header."""


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
        return invalid("span_context", problems)
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
    A ``parent`` that is no :class:`SpanContext` gives the all-zero (invalid)
    context, for which nothing is sent.

    >>> format_traceparent(child_of(None, "00f067aa0ba902b7"))
    ''
    """
    given: object = parent  # what callers pass at runtime may be anything
    if not isinstance(given, SpanContext):
        return INVALID_SPAN_CONTEXT
    return evolve(given, span_id=span_id, remote=False)


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
        return invalid("traceparent", [values])
    if len(values) > 1:
        return invalid_one(
            "traceparent",
            FlextErrorCode.TOO_MANY,
            _TRACEPARENT_FIELD,
            f"received {len(values)} traceparent headers; a request carries one, so the trace restarts",
        )
    text = values[0].strip(OPTIONAL_WHITESPACE) if values else ""
    if not text:
        return invalid_one(
            "traceparent",
            FlextErrorCode.EMPTY,
            _TRACEPARENT_FIELD,
            "is empty; send 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>",
        )
    return _read_traceparent(text)


def _read_traceparent(text: str) -> Result[SpanContext, FlextValidationError]:
    version = text[:2]
    if len(text) <= _DELIMITERS[0] or text[_DELIMITERS[0]] != "-" or not _is_hex(version):
        return invalid_one(
            "traceparent",
            FlextErrorCode.INVALID_TEXT,
            f"{_TRACEPARENT_FIELD}.version",
            f"{describe(text)} does not start with a version of 2 lowercase hex digits and '-'; send version 00",
        )
    if version == _FORBIDDEN_VERSION:
        return invalid_one(
            "traceparent",
            FlextErrorCode.OUT_OF_RANGE,
            f"{_TRACEPARENT_FIELD}.version",
            "version ff is invalid in W3C Trace Context; send version 00",
        )
    if version == _VERSION_00 and len(text) != TRACEPARENT_LENGTH:
        return invalid_one(
            "traceparent",
            FlextErrorCode.INVALID_TEXT,
            _TRACEPARENT_FIELD,
            f"has {len(text)} characters; version 00 is exactly 55: 00-<32 hex>-<16 hex>-<2 hex>",
        )
    if len(text) < TRACEPARENT_LENGTH:
        return invalid_one(
            "traceparent",
            FlextErrorCode.INVALID_TEXT,
            _TRACEPARENT_FIELD,
            f"has {len(text)} characters; version {version} starts with the 55 of version 00",
        )
    if any(text[index] != "-" for index in _DELIMITERS) or text[TRACEPARENT_LENGTH:][:1] not in {"", "-"}:
        return invalid_one(
            "traceparent",
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
        return invalid("traceparent", problems)
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
    >>> format_traceparent(5)
    ''
    """
    given: object = context  # what callers pass at runtime may be anything
    if not isinstance(given, SpanContext):
        return ""
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
