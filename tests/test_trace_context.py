"""Examples of every W3C Trace Context rule: traceparent, tracestate, span contexts and sampling.

Many cases are those of the W3C test suite (w3c/trace-context, test/test.py),
stated here on the parser instead of over HTTP.
"""

from __future__ import annotations

import math

import pytest
from returns.result import Failure, Success

from flext_observability.core.errors import FlextErrorCode
from flext_observability.core.headers import read_header_values
from flext_observability.core.tracing.sampling import (
    AlwaysOffSampler,
    AlwaysOnSampler,
    ParentBasedSampler,
    TraceIdRatioSampler,
    always_off,
    always_on,
    parent_based,
    sample_always_off,
    sample_always_on,
    sample_by_ratio,
    sample_parent_based,
    trace_id_ratio,
)
from flext_observability.core.tracing.traceparent import (
    MAX_TRACEPARENT_LENGTH,
    SpanContext,
    build_span_context,
    child_of,
    format_trace_context,
    format_traceparent,
    parse_trace_context,
    parse_traceparent,
)
from flext_observability.core.tracing.tracestate import (
    EMPTY_TRACE_STATE,
    MAX_TRACE_STATE_MEMBERS,
    MAX_TRACESTATE_HEADER_LENGTH,
    TraceState,
    format_tracestate,
    parse_tracestate,
)
from flext_observability.testing.strategies import HOSTILE_MAKERS

TRACE = "12345678901234567890123456789012"
PARENT = "1234567890123456"
VALID = f"00-{TRACE}-{PARENT}-01"


def _codes(header: object) -> dict[str, str]:
    """The field and code of each error a traceparent header fails with."""
    result = parse_traceparent(header)
    assert isinstance(result, Failure), header
    return {error.field: error.code.value for error in result.failure().errors}


# --- traceparent: what is accepted ------------------------------------------------


def test_a_valid_traceparent_gives_a_remote_context() -> None:
    """The ids and the sampled flag are read, and the context is marked remote."""
    context = parse_traceparent(VALID).unwrap()
    assert (context.trace_id, context.span_id) == (TRACE, PARENT)
    assert (context.sampled, context.random, context.remote) == (True, False, True)
    assert context.trace_state == EMPTY_TRACE_STATE


@pytest.mark.parametrize(
    ("flags", "sampled", "random"),
    [("00", False, False), ("01", True, False), ("02", False, True), ("03", True, True)],
)
def test_the_two_level_2_flags_are_read_from_their_bits(flags: str, sampled: bool, random: bool) -> None:
    """Bit 0 is sampled and bit 1 random (Level 2)."""
    context = parse_traceparent(f"00-{TRACE}-{PARENT}-{flags}").unwrap()
    assert (context.sampled, context.random) == (sampled, random)


@pytest.mark.parametrize(("flags", "sent"), [("09", "01"), ("fc", "00"), ("ff", "03"), ("f6", "02")])
def test_unknown_flags_are_accepted_and_sent_as_zero(flags: str, sent: str) -> None:
    """Bits other than sampled and random are masked off, not rejected, and never sent on."""
    context = parse_traceparent(f"00-{TRACE}-{PARENT}-{flags}").unwrap()
    assert format_traceparent(context) == f"00-{TRACE}-{PARENT}-{sent}"


@pytest.mark.parametrize("header", [f" {VALID}", f"\t{VALID}", f"{VALID} ", f"{VALID}\t", f"\t {VALID} \t"])
def test_spaces_and_tabs_around_a_traceparent_are_ignored(header: str) -> None:
    """Leading and trailing optional whitespace (the W3C OWS cases) does not invalidate the header."""
    assert parse_traceparent(header).unwrap().trace_id == TRACE


@pytest.mark.parametrize(
    "header",
    [
        f"cc-{TRACE}-{PARENT}-01",
        f"cc-{TRACE}-{PARENT}-01-what-the-future-will-be-like",
        f"01-{TRACE}-{PARENT}-01-",
        f"fe-{TRACE}-{PARENT}-01-\x00anything",
    ],
)
def test_a_future_version_is_read_by_its_version_00_prefix(header: str) -> None:
    """A version from 01 to fe keeps the trace when its first 55 characters read as version 00."""
    context = parse_traceparent(header).unwrap()
    assert (context.trace_id, context.span_id, context.sampled) == (TRACE, PARENT, True)


def test_a_future_version_keeps_the_random_flag_and_is_sent_as_version_00() -> None:
    """The random bit of a later version is kept, and the header sent on is version 00."""
    context = parse_traceparent(f"42-{TRACE}-{PARENT}-03-extra").unwrap()
    assert format_traceparent(context) == f"00-{TRACE}-{PARENT}-03"


def test_a_traceparent_may_come_as_bytes_or_as_a_list_of_one() -> None:
    """ASGI's bytes and a list holding one header line are read like text."""
    assert parse_traceparent(VALID.encode()).unwrap().trace_id == TRACE
    assert parse_traceparent(bytearray(VALID.encode())).unwrap().trace_id == TRACE
    assert parse_traceparent([VALID]).unwrap().trace_id == TRACE
    assert parse_traceparent((VALID.encode(),)).unwrap().trace_id == TRACE


def test_a_str_subclass_is_read_as_its_text() -> None:
    """A str subclass whose methods lie is read by its characters."""

    class Lying(str):
        __slots__ = ()

        def strip(self, chars: str | None = None) -> str:
            return "garbage"

    assert parse_traceparent(Lying(VALID)).unwrap().trace_id == TRACE


# --- traceparent: what is rejected, and with which code -------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # The version prefix: 2 lowercase hex digits and "-".
        (f".0-{TRACE}-{PARENT}-01", {"traceparent.version": "invalid_text"}),
        (f"0.-{TRACE}-{PARENT}-01", {"traceparent.version": "invalid_text"}),
        (f"000-{TRACE}-{PARENT}-01", {"traceparent.version": "invalid_text"}),
        (f"0000-{TRACE}-{PARENT}-01", {"traceparent.version": "invalid_text"}),
        (f"0-{TRACE}-{PARENT}-01", {"traceparent.version": "invalid_text"}),
        (f"0A-{TRACE}-{PARENT}-01", {"traceparent.version": "invalid_text"}),
        ("00", {"traceparent.version": "invalid_text"}),
        (f"ff-{TRACE}-{PARENT}-01", {"traceparent.version": "out_of_range"}),
        # Version 00 is exactly 55 characters.
        (f"{VALID}.", {"traceparent": "invalid_text"}),
        (f"{VALID}-what-the-future-will-be-like", {"traceparent": "invalid_text"}),
        (f"00-{TRACE}3-{PARENT}-01", {"traceparent": "invalid_text"}),
        (f"00-{TRACE[:-1]}-{PARENT}-01", {"traceparent": "invalid_text"}),
        (f"00-{TRACE}-{PARENT}7-01", {"traceparent": "invalid_text"}),
        (f"00-{TRACE}-{PARENT[:-1]}-01", {"traceparent": "invalid_text"}),
        (f"00-{TRACE}-{PARENT}-001", {"traceparent": "invalid_text"}),
        (f"00-{TRACE}-{PARENT}-1", {"traceparent": "invalid_text"}),
        # A later version needs the 55-character prefix, then "-" or the end.
        (f"cc-{TRACE}-{PARENT}-01.what-the-future-will-not-be-like", {"traceparent": "invalid_text"}),
        (f"cc-{TRACE}-{PARENT}-1", {"traceparent": "invalid_text"}),
        # Delimiters in place.
        (f"00-{TRACE}_{PARENT}-01", {"traceparent": "invalid_text"}),
        (f"00-{TRACE}-{PARENT}_01", {"traceparent": "invalid_text"}),
        (f"00_{TRACE}-{PARENT}-01", {"traceparent.version": "invalid_text"}),
        # The ids: lowercase hex, not all zero.
        (f"00-.2345678901234567890123456789012-{PARENT}-01", {"traceparent.trace_id": "invalid_id"}),
        (f"00-1234567890123456789012345678901.-{PARENT}-01", {"traceparent.trace_id": "invalid_id"}),
        (f"00-{TRACE.upper()[:-1]}A-{PARENT}-01", {"traceparent.trace_id": "invalid_id"}),
        (f"00-{'0' * 32}-{PARENT}-01", {"traceparent.trace_id": "zero_id"}),
        (f"00-{TRACE}-.234567890123456-01", {"traceparent.parent_id": "invalid_id"}),
        (f"00-{TRACE}-123456789012345.-01", {"traceparent.parent_id": "invalid_id"}),
        (f"00-{TRACE}-ABCDEF7890123456-01", {"traceparent.parent_id": "invalid_id"}),
        (f"00-{TRACE}-{'0' * 16}-01", {"traceparent.parent_id": "zero_id"}),
        # The flags: 2 lowercase hex digits.
        (f"00-{TRACE}-{PARENT}-.0", {"traceparent.trace_flags": "invalid_text"}),
        (f"00-{TRACE}-{PARENT}-0.", {"traceparent.trace_flags": "invalid_text"}),
        (f"00-{TRACE}-{PARENT}-0A", {"traceparent.trace_flags": "invalid_text"}),
        (f"00-{TRACE}-{PARENT}-+1", {"traceparent.trace_flags": "invalid_text"}),
        # Only spaces and tabs are optional whitespace.
        (f"\n{VALID}", {"traceparent.version": "invalid_text"}),
        (f"{VALID}\r\n", {"traceparent": "invalid_text"}),
        (f"\u00a0{VALID}", {"traceparent.version": "invalid_text"}),
    ],
)
def test_each_malformed_traceparent_fails_with_its_rule(header: str, expected: dict[str, str]) -> None:
    """Every malformed-header class of the spec and its test suite restarts the trace, saying why."""
    assert _codes(header) == expected


def test_every_broken_field_is_reported_at_once() -> None:
    """When the layout is right, each bad field of the three is reported."""
    assert _codes(f"00-{'0' * 32}-00F067AA0BA902B7-xy") == {
        "traceparent.trace_id": "zero_id",
        "traceparent.parent_id": "invalid_id",
        "traceparent.trace_flags": "invalid_text",
    }


def test_two_traceparent_headers_restart_the_trace() -> None:
    """Duplicated traceparent headers (a W3C test-suite case) are refused, not combined or picked from."""
    other = f"00-{TRACE[:-1]}1-{PARENT}-01"
    assert _codes([VALID, other]) == {"traceparent": "too_many"}


@pytest.mark.parametrize("header", ["", " \t ", [], ()])
def test_an_empty_or_missing_traceparent_is_empty(header: object) -> None:
    """No value, or only whitespace, is reported as empty."""
    assert _codes(header) == {"traceparent": "empty"}


def test_an_absurdly_long_traceparent_is_refused_unread() -> None:
    """A value past the bound is refused before any parsing, whatever it holds."""
    assert _codes(VALID + "-" + "x" * MAX_TRACEPARENT_LENGTH) == {"traceparent": "too_long"}
    assert _codes([VALID[:30], VALID[30:] * 40]) == {"traceparent": "too_long"}
    future = f"cc-{TRACE}-{PARENT}-01-" + "x" * (MAX_TRACEPARENT_LENGTH - 56)
    assert len(future) == MAX_TRACEPARENT_LENGTH
    assert parse_traceparent(future).unwrap().trace_id == TRACE


@pytest.mark.parametrize("header", [None, 42, 4.2, {"traceparent": VALID}, [VALID, 42], object()])
def test_a_traceparent_of_another_type_is_a_wrong_type(header: object) -> None:
    """Values that are not text, bytes or a list of them are reported, never raised."""
    assert _codes(header) == {"traceparent": "wrong_type"}


@pytest.mark.parametrize("make", HOSTILE_MAKERS)
def test_parsing_hostile_values_never_raises(make: object) -> None:
    """Objects whose every method raises still give a Success or a Failure."""
    value = make()  # type: ignore[operator]
    assert isinstance(parse_traceparent(value), Success | Failure)
    assert isinstance(parse_tracestate(value), TraceState)
    assert isinstance(parse_trace_context(value, value), Success | Failure)


def test_messages_say_how_to_fix_the_header() -> None:
    """Each failure message names what is wrong and what to send instead."""
    error = parse_traceparent(f"ff-{TRACE}-{PARENT}-01").failure()
    assert str(error) == (
        "invalid traceparent: traceparent.version: version ff is invalid in W3C Trace Context; "
        "send version 00 [out_of_range]"
    )
    assert "version 00 is exactly 55" in str(parse_traceparent(VALID + "0").failure())
    assert "starts with the 55 of version 00" in str(parse_traceparent("cc-1234").failure())


# --- traceparent: formatting --------------------------------------------------------


def test_format_writes_version_00_and_the_two_flags() -> None:
    """A context is written as version 00 with its sampled and random bits."""
    context = SpanContext(trace_id=TRACE, span_id=PARENT, sampled=True, random=True)
    assert format_traceparent(context) == f"00-{TRACE}-{PARENT}-03"
    assert context.trace_flags == 0x03


@pytest.mark.parametrize(
    ("trace_id", "span_id"),
    [
        ("0" * 32, PARENT),
        (TRACE, "0" * 16),
        ("4BF92F3577B34DA6A3CE929D0E0E4736", PARENT),
        (TRACE, PARENT + "\r\n"),
        (None, PARENT),
    ],
)
def test_format_sends_nothing_for_an_invalid_hand_built_context(trace_id: object, span_id: object) -> None:
    """A context with an invalid id gives an empty value: no header rather than a broken one."""
    context = SpanContext(trace_id=trace_id, span_id=span_id, sampled=True, random=False)  # type: ignore[arg-type]
    assert format_traceparent(context) == ""
    assert format_trace_context(context) == {}


def test_format_reads_flags_that_are_exactly_true() -> None:
    """Flags of a hand-built context that are not booleans count as unset."""
    context = SpanContext(trace_id=TRACE, span_id=PARENT, sampled=1, random="yes")  # type: ignore[arg-type]
    assert format_traceparent(context) == f"00-{TRACE}-{PARENT}-00"


# --- span contexts ----------------------------------------------------------------


def test_build_span_context_checks_every_field() -> None:
    """Each broken field is reported with its code, all at once."""
    result = build_span_context(
        trace_id="4BF92F3577B34DA6A3CE929D0E0E4736",
        span_id="0" * 16,
        sampled="yes",
        random=None,
        remote=0,
        trace_state="rojo=1",
    )
    assert {error.field: error.code for error in result.failure().errors} == {
        "trace_id": FlextErrorCode.INVALID_ID,
        "span_id": FlextErrorCode.ZERO_ID,
        "sampled": FlextErrorCode.WRONG_TYPE,
        "random": FlextErrorCode.WRONG_TYPE,
        "remote": FlextErrorCode.WRONG_TYPE,
        "trace_state": FlextErrorCode.WRONG_TYPE,
    }
    assert result.failure().entity == "span_context"


def test_build_span_context_keeps_valid_fields() -> None:
    """Valid parts give the context they describe."""
    state = parse_tracestate("rojo=1")
    context = build_span_context(
        trace_id=TRACE, span_id=PARENT, sampled=False, random=True, remote=True, trace_state=state
    ).unwrap()
    assert context == SpanContext(
        trace_id=TRACE, span_id=PARENT, sampled=False, random=True, remote=True, trace_state=state
    )


def test_child_of_keeps_the_trace_and_makes_a_local_span() -> None:
    """A child keeps the trace id, flags and trace state of a remote parent, with a new local span id."""
    parent = parse_trace_context(f"00-{TRACE}-{PARENT}-03", "congo=t61rcWkgMzE").unwrap()
    child = child_of(parent, "b7ad6b7169203331")
    assert (child.trace_id, child.span_id, child.sampled, child.random) == (TRACE, "b7ad6b7169203331", True, True)
    assert child.remote is False
    assert child.trace_state == parent.trace_state
    assert format_trace_context(child) == {
        "traceparent": f"00-{TRACE}-b7ad6b7169203331-03",
        "tracestate": "congo=t61rcWkgMzE",
    }


def test_an_empty_trace_state_sends_no_tracestate_header() -> None:
    """Only traceparent is sent when there is no trace state."""
    context = SpanContext(trace_id=TRACE, span_id=PARENT, sampled=False, random=True)
    assert format_trace_context(context) == {"traceparent": f"00-{TRACE}-{PARENT}-02"}


def test_tracestate_is_only_read_when_traceparent_is_valid() -> None:
    """A bad traceparent fails the whole context; a bad tracestate only empties the trace state."""
    assert isinstance(parse_trace_context("garbage", "rojo=1"), Failure)
    assert parse_trace_context(VALID, "rojo=1,Rojo=2").unwrap().trace_state == EMPTY_TRACE_STATE
    assert parse_trace_context(VALID).unwrap().trace_state == EMPTY_TRACE_STATE
    assert parse_trace_context(VALID, ["rojo=1", "congo=2"]).unwrap().trace_state.get("congo") == "2"


# --- reading header values ----------------------------------------------------------


def test_header_values_are_read_from_text_bytes_and_lists() -> None:
    """Each form the shell may hand over gives the same texts."""
    assert read_header_values("a=1", "h", 10) == ("a=1",)
    assert read_header_values(b"a=\xe9", "h", 10) == ("a=\xe9",)
    assert read_header_values(["a", b"b", bytearray(b"c")], "h", 10) == ("a", "b", "c")
    assert read_header_values([], "h", 10) == ()


def test_header_values_longer_than_the_bound_are_refused_early() -> None:
    """The bound counts one separator per value, so many empty values are refused too."""
    assert read_header_values(["a" * 5, "b" * 4], "h", 10) == ("a" * 5, "b" * 4)
    error = read_header_values(["a" * 5, "b" * 5], "h", 10)
    assert not isinstance(error, tuple)
    assert error.code is FlextErrorCode.TOO_LONG
    many = read_header_values([""] * 1_000_000, "h", 10)
    assert not isinstance(many, tuple)
    assert many.code is FlextErrorCode.TOO_LONG


@pytest.mark.parametrize("header", [None, 1, {"a": 1}, ["a", None], [["a"]], iter(["a"])])
def test_header_values_of_other_types_are_wrong_types(header: object) -> None:
    """Anything but text, bytes or a list or tuple of them is reported as a wrong type."""
    error = read_header_values(header, "h", 10)
    assert not isinstance(error, tuple)
    assert (error.code, error.field) == (FlextErrorCode.WRONG_TYPE, "h")


# --- tracestate: parsing --------------------------------------------------------------


def test_tracestate_members_keep_their_order() -> None:
    """Members are read left to right, the most recent first, as sent."""
    state = parse_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
    assert state.entries == (("rojo", "00f067aa0ba902b7"), ("congo", "t61rcWkgMzE"))
    assert len(state) == 2


def test_multiple_tracestate_headers_are_combined_in_order() -> None:
    """Several header lines make one list, in the order received (the W3C test-suite case)."""
    state = parse_tracestate(["foo=1,bar=2", "rojo=1,congo=2", "baz=3"])
    assert format_tracestate(state) == "foo=1,bar=2,rojo=1,congo=2,baz=3"


@pytest.mark.parametrize(
    "header",
    [
        "foo=1 \t , \t bar=2, \t baz=3",
        "foo=1\t \t,\t \tbar=2,\t \tbaz=3",
        ",foo=1,,bar=2, ,baz=3,",
        ["foo=1", "", "bar=2,", " ", "baz=3"],
    ],
)
def test_whitespace_and_empty_tracestate_members_are_ignored(header: object) -> None:
    """Spaces and tabs around members, and empty or blank members, are dropped (the W3C OWS cases)."""
    assert parse_tracestate(header).entries == (("foo", "1"), ("bar", "2"), ("baz", "3"))


@pytest.mark.parametrize("header", ["", " ", "\t", ",", " , ,\t", [], [""], None])
def test_an_empty_tracestate_is_the_empty_list(header: object) -> None:
    """An empty, blank or absent header reads as the empty list."""
    assert parse_tracestate(header) == EMPTY_TRACE_STATE


def test_every_allowed_character_is_accepted() -> None:
    """Keys and values made of every allowed character are kept exactly (the W3C test-suite case)."""
    key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/"
    tenant_key = key + "@a-z0-9_-*/"
    value = "".join(chr(code) for code in range(0x20, 0x7F) if chr(code) not in ",=")
    assert parse_tracestate(f"{key}={value}").get(key) == value
    assert parse_tracestate(f"{tenant_key}={value}").get(tenant_key) == value


def test_leading_spaces_belong_to_the_value() -> None:
    """Spaces after '=' are part of the value; spaces before ',' are not."""
    assert parse_tracestate("foo=  bar  ,baz=1").entries == (("foo", "  bar"), ("baz", "1"))


@pytest.mark.parametrize(
    "header",
    [
        # Keys: lowercase, the allowed punctuation, no spaces.
        "foo =1",
        "FOO=1",
        "foo.bar=1",
        "@foo=1,bar=2",
        "_foo=1",
        "foo=1,=2",
        "foo=1,bar",
        # Values: printable ASCII but ',' and '=', 1 to 256 of them.
        "foo=bar=baz",
        "foo=,bar=3",
        "foo=caf\u00e9",
        "foo=a\x7fb",
        "foo=a\tb",
        "foo=\x00",
        # A repeated key's later member is still checked.
        "foo=1,foo=",
        "foo=1,foo=caf\u00e9",
    ],
)
def test_an_invalid_tracestate_is_discarded_whole(header: object) -> None:
    """One bad member empties the whole list (the W3C test suite's strict cases)."""
    assert parse_tracestate(header) == EMPTY_TRACE_STATE


@pytest.mark.parametrize("header", ["foo=1,foo=1", "foo=1,foo=2", ["foo=1", "foo=1"], ["foo=1", "foo=2"]])
def test_a_repeated_key_keeps_its_first_entry(header: object) -> None:
    """A key given twice, in one header or across two, keeps its first value and the list is kept."""
    assert parse_tracestate(header).entries == (("foo", "1"),)


def test_keys_follow_level_2_when_read() -> None:
    """Level 2's key grammar accepts digit-first keys and any '@', which Level 1 refused."""
    for key in ("1vendor", "foo@", "foo@@bar", "foo@bar@baz", "t" * 242 + "@v", "t@" + "v" * 15):
        assert parse_tracestate(f"{key}=1,bar=2").get("bar") == "2", key


def test_key_and_value_lengths_are_bounded() -> None:
    """Keys and values of 256 characters are accepted, of 257 refused."""
    assert len(parse_tracestate(["foo=1", "z" * 256 + "=1"])) == 2
    assert parse_tracestate(["foo=1", "z" * 257 + "=1"]) == EMPTY_TRACE_STATE
    assert len(parse_tracestate(["foo=1", "t" * 241 + "@" + "v" * 14 + "=1"])) == 2
    assert len(parse_tracestate("foo=" + "v" * 256)) == 1
    assert parse_tracestate("foo=" + "v" * 257) == EMPTY_TRACE_STATE


def test_thirty_two_members_are_kept_and_thirty_three_discarded() -> None:
    """The list holds at most 32 members; a 33rd discards it (the W3C test-suite case)."""
    members = [f"bar{index:02d}={index:02d}" for index in range(1, 34)]
    lines = [",".join(members[:10]), ",".join(members[10:20]), ",".join(members[20:30])]
    state = parse_tracestate([*lines, ",".join(members[30:32])])
    assert len(state) == MAX_TRACE_STATE_MEMBERS
    assert state.get("bar01") == "01"
    assert parse_tracestate([*lines, ",".join(members[30:33])]) == EMPTY_TRACE_STATE
    assert len(parse_tracestate(",".join(members[:32]) + ",,, ,")) == MAX_TRACE_STATE_MEMBERS


def test_an_absurdly_long_tracestate_is_discarded_unread() -> None:
    """A combined value past the bound is discarded before it is split."""
    assert parse_tracestate("foo=1" + " " * MAX_TRACESTATE_HEADER_LENGTH) == EMPTY_TRACE_STATE
    assert len(parse_tracestate("foo=1" + " " * (MAX_TRACESTATE_HEADER_LENGTH - 5))) == 1


# --- tracestate: mutation and formatting ----------------------------------------------


def test_with_entry_adds_to_the_front_and_moves_updates_there() -> None:
    """New and modified entries go to the left, the others keep their order."""
    state = parse_tracestate("rojo=1,congo=2,blue=3")
    assert state.with_entry("green", "4").unwrap().entries[0] == ("green", "4")
    assert state.with_entry("congo", "5").unwrap().entries == (("congo", "5"), ("rojo", "1"), ("blue", "3"))


def test_with_entry_on_a_full_list_drops_the_right_most_entry() -> None:
    """A 33rd entry pushes out the last one, as truncation from the end does."""
    full = parse_tracestate(",".join(f"k{index}={index}" for index in range(32)))
    grown = full.with_entry("mine", "x").unwrap()
    assert len(grown) == MAX_TRACE_STATE_MEMBERS
    assert grown.entries[0] == ("mine", "x")
    assert grown.get("k31") is None
    assert grown.get("k30") == "30"
    assert len(full.with_entry("k5", "y").unwrap()) == MAX_TRACE_STATE_MEMBERS


@pytest.mark.parametrize(
    "key",
    ["rojo", "r", "a0_-*/", "z" * 256, "acme@rojo", "0tenant@rojo", "t" * 241 + "@" + "v" * 14, "t@v" + "_" * 13],
)
def test_with_entry_accepts_level_1_keys(key: str) -> None:
    """Simple keys and tenant@system keys within their limits are accepted."""
    assert EMPTY_TRACE_STATE.with_entry(key, "1").unwrap().get(key) == "1"


@pytest.mark.parametrize(
    ("key", "code"),
    [
        (None, FlextErrorCode.WRONG_TYPE),
        (b"rojo", FlextErrorCode.WRONG_TYPE),
        ("", FlextErrorCode.EMPTY),
        ("z" * 257, FlextErrorCode.TOO_LONG),
        ("Rojo", FlextErrorCode.INVALID_NAME),
        ("1vendor", FlextErrorCode.INVALID_NAME),
        ("foo@", FlextErrorCode.INVALID_NAME),
        ("@foo", FlextErrorCode.INVALID_NAME),
        ("foo@@bar", FlextErrorCode.INVALID_NAME),
        ("foo@bar@baz", FlextErrorCode.INVALID_NAME),
        ("t" * 242 + "@v", FlextErrorCode.INVALID_NAME),
        ("t@" + "v" * 15, FlextErrorCode.INVALID_NAME),
        ("t@1v", FlextErrorCode.INVALID_NAME),
        ("foo bar", FlextErrorCode.INVALID_NAME),
    ],
)
def test_with_entry_refuses_keys_outside_level_1(key: object, code: FlextErrorCode) -> None:
    """Keys written by this process keep to Level 1's grammar, so no Level 1 reader discards the list."""
    error = EMPTY_TRACE_STATE.with_entry(key, "1").failure()
    assert [(item.field, item.code) for item in error.errors] == [("key", code)]
    assert error.entity == "tracestate"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1, FlextErrorCode.WRONG_TYPE),
        ("", FlextErrorCode.EMPTY),
        ("v" * 257, FlextErrorCode.TOO_LONG),
        ("a,b", FlextErrorCode.INVALID_TEXT),
        ("a=b", FlextErrorCode.INVALID_TEXT),
        ("ends with space ", FlextErrorCode.INVALID_TEXT),
        ("tab\there", FlextErrorCode.INVALID_TEXT),
        ("caf\u00e9", FlextErrorCode.INVALID_TEXT),
        ("line\r\nbreak", FlextErrorCode.INVALID_TEXT),
    ],
)
def test_with_entry_refuses_invalid_values(value: object, code: FlextErrorCode) -> None:
    """Values must be 1 to 256 printable ASCII characters but ',' and '=', not ending in a space."""
    error = EMPTY_TRACE_STATE.with_entry("rojo", value).failure()
    assert [(item.field, item.code) for item in error.errors] == [("value", code)]


def test_with_entry_keeps_leading_spaces_and_all_printable_characters() -> None:
    """A value may start with spaces and hold any printable ASCII but ',' and '='."""
    value = "  " + "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) not in ",=")
    assert EMPTY_TRACE_STATE.with_entry("rojo", value).unwrap().get("rojo") == value


def test_without_removes_one_entry_only() -> None:
    """Deleting a key keeps the others in order; an absent key changes nothing."""
    state = parse_tracestate("rojo=1,congo=2,blue=3")
    assert state.without("congo").entries == (("rojo", "1"), ("blue", "3"))
    assert state.without("green") == state
    assert state.without(42) == state


def test_lookups_use_the_text_of_a_key() -> None:
    """A str subclass key is compared by its characters, and a key of another type finds nothing."""

    class Key(str):
        __slots__ = ()

        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    state = parse_tracestate("rojo=1,congo=2")
    assert state.get(Key("congo")) == "2"
    assert state.get(42) is None
    assert state.without(Key("rojo")).entries == (("congo", "2"),)


def test_format_tracestate_joins_without_whitespace() -> None:
    """Entries are joined by ',' alone, most recent first."""
    state = EMPTY_TRACE_STATE.with_entry("rojo", "00f067aa0ba902b7").unwrap().with_entry("congo", "t61").unwrap()
    assert format_tracestate(state) == "congo=t61,rojo=00f067aa0ba902b7"
    assert format_tracestate(EMPTY_TRACE_STATE) == ""


def test_format_tracestate_drops_long_entries_first_then_from_the_end() -> None:
    """Past 512 characters, the right-most entry over 128 goes first, then the right-most entries."""
    short = [(f"s{index}", "v" * 100) for index in range(4)]
    long_ones = [("long1", "w" * 200), ("long2", "w" * 200)]
    state = TraceState((short[0], long_ones[0], short[1], long_ones[1], short[2], short[3]))
    # 4 * 104 + 2 * 206 + 5 = 833: dropping long2 leaves 626, dropping long1 too leaves 419.
    assert format_tracestate(state) == ",".join(f"{key}={value}" for key, value in short)
    only_short = TraceState(tuple((f"k{index}", "v" * 120) for index in range(5)))
    # 5 * 125 + 4 = 629: the last entry goes, leaving 4 * 125 + 3 = 503.
    assert [member[:2] for member in format_tracestate(only_short).split(",")] == ["k0", "k1", "k2", "k3"]


def test_format_tracestate_keeps_exactly_512_characters() -> None:
    """A list of exactly 512 characters is sent whole."""
    state = TraceState((("a", "v" * 254), ("b", "v" * 253)))
    assert len(format_tracestate(state)) == 512
    assert format_tracestate(state).count(",") == 1
    longer = TraceState((("a", "v" * 254), ("b", "v" * 254)))
    assert format_tracestate(longer) == "a=" + "v" * 254


def test_format_tracestate_leaves_out_what_a_hand_built_state_gets_wrong() -> None:
    """Invalid members, repeated keys, non-pairs and members past 32 never reach the header."""
    state = TraceState(
        (
            ("rojo", "1"),
            ("Bad", "1"),
            ("congo", "a,b"),
            ("rojo", "2"),
            ("blue",),  # type: ignore[arg-type]
            ("green", 3),  # type: ignore[arg-type]
            "red=4",  # type: ignore[arg-type]
            ("line", "x\r\ntracestate: evil=1"),
            *((f"k{index}", "v") for index in range(40)),
        )
    )
    header = format_tracestate(state)
    assert header.split(",")[:2] == ["rojo=1", "k0=v"]
    assert len(header.split(",")) == MAX_TRACE_STATE_MEMBERS
    assert format_tracestate(TraceState(entries=[("rojo", "1")])) == ""  # type: ignore[arg-type]
    assert len(TraceState(entries=None)) == 0  # type: ignore[arg-type]


# --- sampling -----------------------------------------------------------------------


def test_always_on_and_off_ignore_the_trace() -> None:
    """The constant rules and samplers give the same answer for any trace and parent."""
    parent = parse_traceparent(VALID).unwrap()
    assert sample_always_on(TRACE) is True
    assert sample_always_off(TRACE) is False
    assert always_on().should_sample("not an id", parent) is True
    assert always_off().should_sample(TRACE, None) is False


def test_ratio_sampling_compares_the_low_56_bits() -> None:
    """A trace is sampled when its right-most 7 bytes, as a number, are below ratio * 2**56."""
    low_half = "ffffffffffffffffff" + "7fffffffffffff"
    high_half = "000000000000000000" + "80000000000000"
    assert sample_by_ratio(low_half, 0.5) is True
    assert sample_by_ratio(high_half, 0.5) is False
    assert sample_by_ratio(high_half, math.nextafter(0.5, 1.0)) is True
    # The left-most 9 bytes do not count.
    assert sample_by_ratio("0" * 17 + "1" + "00000000000001", 2**-56) is False
    assert sample_by_ratio("f" * 18 + "00000000000001", 2**-55) is True


@pytest.mark.parametrize(("ratio", "sampled"), [(0.0, False), (0, False), (1.0, True), (1, True)])
def test_ratios_0_and_1_sample_nothing_and_everything(ratio: float, sampled: bool) -> None:
    """Ratio 0 samples no valid trace id, and ratio 1 all of them."""
    for trace_id in ("0" * 31 + "1", "f" * 32, TRACE):
        assert sample_by_ratio(trace_id, ratio) is sampled


@pytest.mark.parametrize(
    ("ratio", "sampled"),
    [
        (math.nan, False),
        (-0.5, False),
        (-math.inf, False),
        (1.5, True),
        (math.inf, True),
        (10**400, True),
        (-(10**400), False),
        (True, False),
        ("0.5", False),
        (None, False),
    ],
)
def test_ratio_sampling_is_total_over_odd_ratios(ratio: object, sampled: bool) -> None:
    """Ratios past the ends are clamped, and NaN or non-numbers sample nothing."""
    assert sample_by_ratio("f" * 32, ratio) is sampled  # type: ignore[arg-type]


@pytest.mark.parametrize("trace_id", ["0" * 32, "F" * 32, "f" * 31, None, 12, "f" * 31 + "\n"])
def test_ratio_sampling_never_samples_an_invalid_trace_id(trace_id: object) -> None:
    """Without a valid trace id there is nothing to decide from, so nothing is sampled."""
    assert sample_by_ratio(trace_id, 1.0) is False  # type: ignore[arg-type]


def test_hostile_ratios_are_read_by_their_value() -> None:
    """Number subclasses whose methods raise are read through the base type."""
    for make in HOSTILE_MAKERS:
        value = make()
        assert sample_by_ratio("f" * 32, value) in {True, False}  # type: ignore[arg-type]


def test_parent_based_follows_the_parent_and_asks_root_only_without_one() -> None:
    """A parent's sampled flag decides; the root rule is consulted only for a new trace."""
    calls: list[str] = []

    def root(trace_id: str) -> bool:
        calls.append(trace_id)
        return True

    unsampled = parse_traceparent(f"00-{TRACE}-{PARENT}-00").unwrap()
    sampled = parse_traceparent(VALID).unwrap()
    assert sample_parent_based(unsampled, root, TRACE) is False
    assert sample_parent_based(sampled, sample_always_off, TRACE) is True
    assert calls == []
    assert sample_parent_based(None, root, TRACE) is True
    assert sample_parent_based("not a context", root, TRACE) is True  # type: ignore[arg-type]
    assert calls == [TRACE, TRACE]


def test_samplers_have_readable_reprs_and_compare_by_setting() -> None:
    """The factories give small frozen samplers shown as the calls that made them."""
    assert repr(always_on()) == "always_on()"
    assert repr(always_off()) == "always_off()"
    assert repr(trace_id_ratio(0.25)) == "trace_id_ratio(0.25)"
    assert repr(trace_id_ratio(1)) == "trace_id_ratio(1.0)"
    assert repr(parent_based(trace_id_ratio(0.1))) == "parent_based(trace_id_ratio(0.1))"
    assert repr(parent_based(parent_based(always_off()))) == "parent_based(parent_based(always_off()))"
    assert trace_id_ratio(0.25) == trace_id_ratio(0.25)
    assert hash(trace_id_ratio(0.25)) == hash(TraceIdRatioSampler(ratio=0.25))
    assert isinstance(always_on(), AlwaysOnSampler)
    assert isinstance(always_off(), AlwaysOffSampler)
    assert isinstance(parent_based(always_on()), ParentBasedSampler)


def test_the_ratio_sampler_ignores_the_parent() -> None:
    """A ratio sampler decides from the trace id even below a parent."""
    sampler = trace_id_ratio(0.5)
    unsampled = parse_traceparent(f"00-{'f' * 18}00000000000001-{PARENT}-00").unwrap()
    assert sampler.should_sample(unsampled.trace_id, unsampled) is True
    assert sampler.should_sample(unsampled.trace_id, None) is True


def test_parent_based_sampler_uses_its_root_for_new_traces() -> None:
    """The parent-based sampler follows a parent, and its root sampler otherwise."""
    sampler = parent_based(always_off())
    assert sampler.should_sample(TRACE, parse_traceparent(VALID).unwrap()) is True
    assert sampler.should_sample(TRACE, None) is False


@pytest.mark.parametrize("ratio", [-0.1, 1.1, math.nan, math.inf, -math.inf, "0.5", None, True, 10**400])
def test_a_ratio_outside_0_to_1_is_a_set_up_error(ratio: object) -> None:
    """trace_id_ratio refuses what is not a number from 0 to 1, saying what it got."""
    with pytest.raises(ValueError, match="ratio must be a number from 0 to 1, got"):
        trace_id_ratio(ratio)  # type: ignore[arg-type]


@pytest.mark.parametrize("root", [None, 0.5, "always_on", sample_always_on])
def test_parent_based_needs_a_sampler(root: object) -> None:
    """parent_based refuses a root that is not a sampler, with a hint."""
    with pytest.raises(ValueError, match=r"root must be a sampler such as trace_id_ratio\(0.1\)"):
        parent_based(root)  # type: ignore[arg-type]
