"""Baggage headers round-trip, stay within the limits, skip only what is invalid, and never raise."""

from __future__ import annotations

import re
from typing import Final

from hypothesis import assume, given
from hypothesis import strategies as st

from flext_observability.core.tracing.baggage import (
    EMPTY_BAGGAGE,
    MAX_BAGGAGE_BYTES,
    MAX_BAGGAGE_MEMBERS,
    Baggage,
    BaggageProperty,
    decode_baggage_value,
    encode_baggage_value,
    format_baggage,
    parse_baggage,
)
from flext_observability.testing.strategies import anything, texts

TOKEN_CHARACTERS: Final = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
names = st.text(TOKEN_CHARACTERS, min_size=1, max_size=12)
properties = st.lists(names | st.tuples(names, texts(max_size=12)), max_size=3)

# The grammar of what may be sent ("Definition"), written apart from the parser.
_OCTETS: Final = r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"
_TOKEN: Final = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_MEMBER: Final = rf"{_TOKEN}={_OCTETS}(?:;{_TOKEN}(?:={_OCTETS})?)*"
BAGGAGE_STRING: Final = re.compile(rf"(?:{_MEMBER}(?:,{_MEMBER})*)?")

# Headers as they may arrive: members valid or not, with whitespace, mixed with any text.
octet_texts = st.text("".join(chr(code) for code in range(0x21, 0x7F) if chr(code) not in '",;\\'), max_size=20)
member_like = st.builds(
    "{}{}={}{}".format,
    st.sampled_from(["", " ", "\t "]),
    names,
    octet_texts,
    st.sampled_from(["", ";p", "; q = v%20w", ";bad key", " \t"]),
)
received_headers = st.lists(member_like | texts(max_size=30), max_size=80).map(",".join) | st.lists(
    texts(max_size=200), max_size=4
)


@st.composite
def baggages(draw: st.DrawFn) -> Baggage:
    """Valid baggage built entry by entry: any text as values, up to the limits."""
    baggage = EMPTY_BAGGAGE
    for name, value, extra in draw(st.lists(st.tuples(names, texts(max_size=30), properties), max_size=12)):
        baggage = baggage.with_entry(name, value, extra).value_or(baggage)
    return baggage


def _as_sent(property_items: list[str | tuple[str, str]]) -> tuple[BaggageProperty, ...]:
    return tuple((item, None) if isinstance(item, str) else item for item in property_items)


@given(baggages())
def test_baggage_round_trips(baggage: Baggage) -> None:
    """Formatting then parsing valid baggage gives it back, in the same order."""
    parsed = parse_baggage(format_baggage(baggage))
    assert parsed == baggage
    assert list(parsed.items()) == list(baggage.items())


@given(names, texts(max_size=60), properties)
def test_any_text_survives_as_a_value(name: str, value: str, property_items: list[str | tuple[str, str]]) -> None:
    """Control characters, commas, quotes, '%' and any Unicode come back exactly."""
    sent = format_baggage(EMPTY_BAGGAGE.with_entry(name, value, property_items).unwrap())
    entry = parse_baggage(sent)[name]
    assert entry.value == value
    assert entry.properties == _as_sent(property_items)


@given(texts(max_size=80))
def test_encoding_is_undone_by_decoding(text: str) -> None:
    """Percent-encoding gives baggage-octets only, and decoding gives the text back."""
    encoded = encode_baggage_value(text)
    assert re.fullmatch(_OCTETS, encoded)
    assert decode_baggage_value(encoded) == text


@given(received_headers)
def test_what_is_sent_is_always_valid_and_within_the_limits(header: object) -> None:
    """Whatever was received, the header sent on follows the grammar, 64 members and 8192 bytes at most."""
    sent = format_baggage(parse_baggage(header))
    assert BAGGAGE_STRING.fullmatch(sent), sent
    assert len(sent.encode()) <= MAX_BAGGAGE_BYTES
    assert len(sent.split(",")) <= MAX_BAGGAGE_MEMBERS


@given(received_headers)
def test_reading_what_was_sent_changes_nothing(header: object) -> None:
    """Parsing is a fixed point after one round: what is sent reads back as what was read."""
    baggage = parse_baggage(header)
    assert parse_baggage(format_baggage(baggage)) == baggage


def _bad_name(text: str) -> bool:
    """Text that cannot be a member's name, once trimmed, and does not end the member early."""
    trimmed = text.strip(" \t")
    return bool(trimmed) and re.fullmatch(_TOKEN, trimmed) is None and not set(",;=") & set(text)


def _bad_value(text: str) -> bool:
    """Text that cannot be a value, once trimmed, and does not end the member early."""
    return re.fullmatch(_OCTETS, text.strip(" \t")) is None and not set(",;") & set(text)


INVALID_MEMBERS: Final = st.one_of(
    names,  # no "="
    st.builds("{}={}".format, texts(min_size=1, max_size=8).filter(_bad_name), names),
    st.builds("{}={}".format, names, texts(min_size=1, max_size=8).filter(_bad_value)),
    st.builds("{}=1;{}".format, names, st.sampled_from(["", " ", "bad key", "(x)", "k=a b", 'k="v"', "=v"])),
)


@given(baggages(), st.lists(st.tuples(st.integers(0, 12), INVALID_MEMBERS), min_size=1, max_size=3))
def test_invalid_members_are_skipped_and_the_others_kept(baggage: Baggage, invalid: list[tuple[int, str]]) -> None:
    """Members breaking the grammar anywhere are left out; every valid member around them is read."""
    members = format_baggage(baggage).split(",") if baggage else []
    for position, member in invalid:
        members.insert(min(position, len(members)), member)
    assert parse_baggage(",".join(members)) == baggage


@given(baggages(), baggages())
def test_several_header_lines_read_as_one_list(first: Baggage, second: Baggage) -> None:
    """Two header lines read as their concatenation, a name in both taking the second's value."""
    assume(len(first) + len(second) <= MAX_BAGGAGE_MEMBERS)
    combined = parse_baggage([format_baggage(first), format_baggage(second)])
    expected = dict(first.items()) | dict(second.items())
    assert dict(combined.items()) == expected


@given(anything())
def test_parsing_anything_never_raises(value: object) -> None:
    """Any value of any type reads as baggage, possibly empty, never as an exception."""
    assert isinstance(parse_baggage(value), Baggage)


@given(st.lists(st.tuples(names, st.integers(0, 600)), min_size=1, max_size=100))
def test_the_limits_drop_whole_members_only(sizes: list[tuple[str, int]]) -> None:
    """Past 64 members or 8192 bytes, members are dropped whole; the others keep their last value and order."""
    header = ",".join(f"{name}={'x' * size}" for name, size in sizes)
    last_values = {name: "x" * size for name, size in sizes}
    baggage = parse_baggage(header)
    assert len(format_baggage(baggage)) <= MAX_BAGGAGE_BYTES
    assert len(baggage) <= MAX_BAGGAGE_MEMBERS
    assert [name for name in last_values if name in baggage] == list(baggage)
    assert all(entry.value == last_values[name] for name, entry in baggage.items())
    if len(header) <= MAX_BAGGAGE_BYTES and len(last_values) <= MAX_BAGGAGE_MEMBERS:
        assert list(baggage) == list(last_values)
