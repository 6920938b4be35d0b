"""Examples of every W3C Baggage rule: grammar, percent-encoding, duplicates and limits.

Many cases are those of the W3C test suite (w3c/baggage, test/test_baggage.py).
"""

from __future__ import annotations

import urllib.parse

import pytest
from returns.result import Failure

from flext_observability.core.errors import FlextErrorCode
from flext_observability.core.frozen import FrozenMap
from flext_observability.core.tracing.baggage import (
    EMPTY_BAGGAGE,
    MAX_BAGGAGE_BYTES,
    MAX_BAGGAGE_HEADER_LENGTH,
    MAX_BAGGAGE_MEMBERS,
    Baggage,
    BaggageEntry,
    decode_baggage_value,
    encode_baggage_value,
    format_baggage,
    parse_baggage,
)
from flext_observability.testing.strategies import HOSTILE_MAKERS

# Every character the W3C test suite percent-encodes in one value.
AWKWARD = "\t \"';=asdf!@#$%^&*()"


# --- parsing ----------------------------------------------------------------------


def test_a_simple_member_is_read() -> None:
    """One name=value member gives one entry without properties."""
    baggage = parse_baggage("SomeKey=SomeValue")
    assert dict(baggage) == {"SomeKey": BaggageEntry(value="SomeValue")}


def test_members_and_properties_are_read_in_order() -> None:
    """Members keep header order; bare and valued properties are kept in order."""
    baggage = parse_baggage("SomeKey=SomeValue;SomeProp,SomeKey2=SomeValue2;ValueProp=PropVal")
    assert list(baggage) == ["SomeKey", "SomeKey2"]
    assert baggage["SomeKey"].properties == (("SomeProp", None),)
    assert baggage["SomeKey2"].properties == (("ValueProp", "PropVal"),)


@pytest.mark.parametrize(
    "header",
    [
        (
            "SomeKey \t = \t SomeValue \t ; \t SomeProp \t , \t "
            "SomeKey2 \t = \t SomeValue2 \t ; \t ValueProp \t = \t PropVal"
        ),
        " SomeKey=SomeValue;SomeProp,SomeKey2=SomeValue2;ValueProp=PropVal\t",
    ],
)
def test_whitespace_around_names_values_and_properties_is_trimmed(header: str) -> None:
    """Spaces and tabs around every part are dropped (the W3C OWS cases)."""
    assert parse_baggage(header) == parse_baggage("SomeKey=SomeValue;SomeProp,SomeKey2=SomeValue2;ValueProp=PropVal")


def test_a_value_may_hold_equal_signs_and_be_empty() -> None:
    """Only the first '=' separates the name; the value may contain more, or be empty."""
    assert parse_baggage("SomeKey=SomeValue=equals")["SomeKey"].value == "SomeValue=equals"
    assert parse_baggage("empty=;p=")["empty"] == BaggageEntry(value="", properties=(("p", ""),))


def test_properties_may_repeat() -> None:
    """Properties of the same name are all kept (the W3C test-suite case)."""
    entry = parse_baggage("SomeKey=SomeValue;SomeProp;SomeProp=PropValue;SomeProp=AnotherPropValue")["SomeKey"]
    assert entry.properties == (("SomeProp", None), ("SomeProp", "PropValue"), ("SomeProp", "AnotherPropValue"))


def test_values_and_property_values_are_percent_decoded() -> None:
    """Encoded values, with or without whitespace around them, decode to the original text."""
    encoded = urllib.parse.quote(AWKWARD)
    assert parse_baggage(f"SomeKey={encoded}")["SomeKey"].value == AWKWARD
    assert parse_baggage(f"SomeKey \t = \t {encoded} \t ")["SomeKey"].value == AWKWARD
    entry = parse_baggage(f"SomeKey=SomeValue;SomePropKey={encoded}")["SomeKey"]
    assert entry.properties == (("SomePropKey", AWKWARD),)


def test_a_bare_property_key_is_not_decoded() -> None:
    """A property without '=' is opaque, even when it looks encoded (the W3C test-suite case)."""
    entry = parse_baggage("SomeKey=SomeValue;ValueProp%20%09%20%3D%20%09%20PropVal")["SomeKey"]
    assert entry.properties == (("ValueProp%20%09%20%3D%20%09%20PropVal", None),)


def test_invalid_utf_8_decodes_to_the_replacement_character() -> None:
    """Percent-encoded bytes that are not UTF-8 become U+FFFD; stray '%' signs stay."""
    assert parse_baggage("k=%C3%A9t%C3%A9")["k"].value == "\u00e9t\u00e9"
    assert parse_baggage("k=%FF%FEok")["k"].value == "\ufffd\ufffdok"
    assert parse_baggage("k=%C3")["k"].value == "\ufffd"
    assert parse_baggage("k=100%;p=%zz")["k"] == BaggageEntry(value="100%", properties=(("p", "%zz"),))


def test_names_are_tokens_with_all_their_characters() -> None:
    """Every token character is allowed in names and property keys, and case is kept."""
    name = "!#$%&'*+-.^_`|~09AZaz"
    assert parse_baggage(f"{name}=1;{name}")[name] == BaggageEntry(value="1", properties=((name, None),))
    assert list(parse_baggage("Key=1,key=2")) == ["Key", "key"]


@pytest.mark.parametrize(
    "member",
    [
        "noequals",
        "=value",
        "bad name=1",
        "bad(name)=1",
        "na\u00efve=1",
        'quoted="x"',
        "back=sla\\sh",
        "space=a b",
        "tab=a\tb",
        "ctl=a\x01b",
        "high=caf\u00e9",
        "prop=1;",
        "prop=1;;p",
        "prop=1;bad key",
        "prop=1;k=a b",
        "prop=1;=v",
        'prop=1;k="v"',
    ],
)
def test_an_invalid_member_is_left_out_and_the_others_kept(member: str) -> None:
    """A member breaking the grammar anywhere is skipped; the valid members around it survive."""
    baggage = parse_baggage(f"before=1,{member},after=2")
    assert list(baggage) == ["before", "after"]


@pytest.mark.parametrize("header", ["", " ", ",", " , ,\t", [], [""], None, 42, {"k": "v"}, ["k=1", 2]])
def test_no_readable_baggage_is_the_empty_baggage(header: object) -> None:
    """Empty, blank, absent or non-text headers read as no baggage; empty members are skipped."""
    assert parse_baggage(header) == EMPTY_BAGGAGE


def test_several_headers_make_one_list() -> None:
    """Header lines are read as one list, bytes included."""
    baggage = parse_baggage(["userId=alice", b"serverNode=DF%2028,isProduction=false"])
    assert dict(baggage) == {
        "userId": BaggageEntry("alice"),
        "serverNode": BaggageEntry("DF 28"),
        "isProduction": BaggageEntry("false"),
    }


def test_a_repeated_name_keeps_the_last_value_at_the_first_place() -> None:
    """The last occurrence wins, where the name first appeared."""
    baggage = parse_baggage(["a=1;p,b=2", "a=3"])
    assert list(baggage.items()) == [("a", BaggageEntry("3")), ("b", BaggageEntry("2"))]


@pytest.mark.parametrize("make", HOSTILE_MAKERS)
def test_parsing_hostile_values_never_raises(make: object) -> None:
    """Objects whose every method raises read as baggage, possibly empty, never as an exception."""
    assert isinstance(parse_baggage(make()), Baggage)  # type: ignore[operator]


# --- limits -----------------------------------------------------------------------


def test_at_least_64_members_are_kept_and_the_rest_dropped() -> None:
    """64 members go through whole; from the 65th on, members are dropped."""
    members = [f"key{index}=value" for index in range(100)]
    baggage = parse_baggage(",".join(members))
    assert len(baggage) == MAX_BAGGAGE_MEMBERS
    assert list(baggage)[-1] == "key63"
    assert format_baggage(baggage) == ",".join(members[:MAX_BAGGAGE_MEMBERS])


def test_a_header_of_8192_bytes_is_kept_whole() -> None:
    """One member of exactly 8192 bytes is propagated (the W3C test-suite case)."""
    header = "a=" + "0123456789" * 819
    assert len(header) == MAX_BAGGAGE_BYTES
    assert format_baggage(parse_baggage(header)) == header


def test_members_that_do_not_fit_8192_bytes_are_dropped_whole() -> None:
    """A member that would pass 8192 bytes is dropped whole; smaller later ones may still fit."""
    big = "big=" + "x" * 5000
    bigger = "bigger=" + "y" * 4000
    header = f"{big},{bigger},small=1"
    baggage = parse_baggage(header)
    assert list(baggage) == ["big", "small"]
    assert format_baggage(baggage) == f"{big},small=1"
    assert len(format_baggage(parse_baggage("a=" + "0123456789" * 820))) == 0


def test_many_small_members_stay_within_both_limits() -> None:
    """512 members of 15 bytes: only the first 64 go through, well within 8192 bytes."""
    header = ",".join(f"{index:03d}=0123456789a" for index in range(512))
    sent = format_baggage(parse_baggage(header))
    assert sent.count(",") + 1 == MAX_BAGGAGE_MEMBERS
    assert len(sent.encode()) <= MAX_BAGGAGE_BYTES


def test_the_byte_limit_counts_the_encoded_form() -> None:
    """Values are measured as sent, percent-encoded, not as decoded text."""
    header = "a=" + "%20" * 2730
    assert len(header) == 8192
    assert len(parse_baggage(header)) == 1
    assert len(parse_baggage(header + "%20")) == 0


def test_an_absurdly_long_header_is_refused_unread() -> None:
    """A combined value past the bound reads as no baggage at all."""
    assert parse_baggage("a=1" + " " * MAX_BAGGAGE_HEADER_LENGTH) == EMPTY_BAGGAGE
    assert len(parse_baggage("a=1" + " " * (MAX_BAGGAGE_HEADER_LENGTH - 3))) == 1


# --- encoding and formatting --------------------------------------------------------


def test_format_encodes_what_the_grammar_excludes() -> None:
    """Characters outside baggage-octet, and '%', are percent-encoded as UTF-8; the rest are kept."""
    entry = "SomeKey=%09%20%22'%3B=asdf!@#$%25^&*()"
    assert format_baggage(EMPTY_BAGGAGE.with_entry("SomeKey", AWKWARD).unwrap()) == entry
    assert encode_baggage_value("caf\u00e9 \u6c34 \U0001f30a") == "caf%C3%A9%20%E6%B0%B4%20%F0%9F%8C%8A"
    assert encode_baggage_value("a,b\\c") == "a%2Cb%5Cc"
    assert encode_baggage_value("plain-value_1.2~") == "plain-value_1.2~"


def test_decoding_undoes_encoding() -> None:
    """Any text survives encoding then decoding."""
    for text in (AWKWARD, "100%", "%41", "\x00\x7f\u00ff\U0010ffff", ""):
        assert decode_baggage_value(encode_baggage_value(text)) == text


def test_format_writes_members_and_properties_without_whitespace() -> None:
    """Members are joined by ',' and properties by ';', values encoded, bare keys as they are."""
    baggage = parse_baggage("userId = alice , serverNode=DF%2028;zone = eu 1;secure")
    assert format_baggage(baggage) == "userId=alice"  # "eu 1" is not a baggage-octet string
    baggage = parse_baggage("userId = alice , serverNode=DF%2028;zone = eu%201;secure")
    assert format_baggage(baggage) == "userId=alice,serverNode=DF%2028;zone=eu%201;secure"
    assert format_baggage(EMPTY_BAGGAGE) == ""


def test_format_leaves_out_what_a_hand_built_baggage_gets_wrong() -> None:
    """Members with bad names, values or properties never reach the header; the others do."""
    members: dict[object, object] = {
        "good": BaggageEntry("1"),
        "bad name": BaggageEntry("1"),
        42: BaggageEntry("1"),
        "not_entry": "1",
        "bad_value": BaggageEntry(7),  # type: ignore[arg-type]
        "surrogate": BaggageEntry("\udc80"),
        "props_list": BaggageEntry("1", [("p", None)]),  # type: ignore[arg-type]
        "prop_not_pair": BaggageEntry("1", (("p",),)),  # type: ignore[arg-type]
        "prop_bad_key": BaggageEntry("1", (("bad key", None),)),
        "prop_bad_value": BaggageEntry("1", (("p", 3),)),  # type: ignore[arg-type]
        "prop_surrogate": BaggageEntry("1", (("p", "\udc80"),)),
        "also_good": BaggageEntry("2", (("p", "v"), ("q", None))),
    }
    baggage = Baggage(members=FrozenMap(members))  # type: ignore[arg-type]
    assert format_baggage(baggage) == "good=1,also_good=2;p=v;q"
    assert format_baggage(Baggage(members={"a": BaggageEntry("1")})) == "a=1"  # type: ignore[arg-type]
    assert format_baggage(Baggage(members=[("a", BaggageEntry("1"))])) == ""  # type: ignore[arg-type]


# --- building -----------------------------------------------------------------------


def test_with_entry_adds_and_updates_in_place() -> None:
    """A new name goes last; an existing one keeps its place with its new value."""
    baggage = parse_baggage("a=1,b=2")
    assert list(baggage.with_entry("c", "3").unwrap()) == ["a", "b", "c"]
    updated = baggage.with_entry("a", "9", ["p", ("q", None), ("r", "x y")]).unwrap()
    assert list(updated.items()) == [
        ("a", BaggageEntry("9", (("p", None), ("q", None), ("r", "x y")))),
        ("b", BaggageEntry("2")),
    ]
    assert format_baggage(updated) == "a=9;p;q;r=x%20y,b=2"


def test_without_removes_one_member() -> None:
    """Deleting a name keeps the others; an absent name or another type changes nothing."""
    baggage = parse_baggage("a=1,b=2")
    assert list(baggage.without("a")) == ["b"]
    assert baggage.without("z") == baggage
    assert baggage.without(None) == baggage


@pytest.mark.parametrize(
    ("name", "value", "properties", "expected"),
    [
        (None, "v", (), {"name": FlextErrorCode.WRONG_TYPE}),
        ("", "v", (), {"name": FlextErrorCode.EMPTY}),
        ("a b", "v", (), {"name": FlextErrorCode.INVALID_NAME}),
        ("k", b"v", (), {"value": FlextErrorCode.WRONG_TYPE}),
        ("k", "\udc80", (), {"value": FlextErrorCode.INVALID_TEXT}),
        ("k", "v", "p", {"properties": FlextErrorCode.WRONG_TYPE}),
        ("k", "v", [1], {"properties[0]": FlextErrorCode.WRONG_TYPE}),
        ("k", "v", [("a", "b", "c")], {"properties[0]": FlextErrorCode.WRONG_TYPE}),
        ("k", "v", ["ok", ""], {"properties[1]": FlextErrorCode.EMPTY}),
        ("k", "v", [("bad key", None)], {"properties[0]": FlextErrorCode.INVALID_NAME}),
        ("k", "v", [("p", "\udc80")], {"properties[0]": FlextErrorCode.INVALID_TEXT}),
    ],
)
def test_with_entry_reports_each_broken_rule(
    name: object, value: object, properties: object, expected: dict[str, FlextErrorCode]
) -> None:
    """Each bad part is reported on its own field with its code."""
    result = EMPTY_BAGGAGE.with_entry(name, value, properties)
    assert isinstance(result, Failure)
    assert {error.field: error.code for error in result.failure().errors} == expected
    assert result.failure().entity == "baggage"


def test_with_entry_refuses_to_pass_the_limits() -> None:
    """A 65th member or a header past 8192 bytes is refused, not dropped when sent."""
    full = parse_baggage(",".join(f"k{index}=v" for index in range(MAX_BAGGAGE_MEMBERS)))
    assert full.with_entry("k0", "changed").unwrap()["k0"].value == "changed"
    error = full.with_entry("one_more", "v").failure()
    assert [(item.field, item.code) for item in error.errors] == [("name", FlextErrorCode.TOO_MANY)]
    big = EMPTY_BAGGAGE.with_entry("a", "x" * (MAX_BAGGAGE_BYTES - 2)).unwrap()
    assert len(format_baggage(big)) == MAX_BAGGAGE_BYTES
    error = big.with_entry("b", "").failure()
    assert [(item.field, item.code) for item in error.errors] == [("value", FlextErrorCode.TOO_LONG)]
    assert "would take 8195 bytes" in str(error)
    encoded = EMPTY_BAGGAGE.with_entry("a", " " * 2731)
    assert isinstance(encoded, Failure)


def test_baggage_is_a_frozen_hashable_mapping() -> None:
    """Baggage reads like a mapping, compares by content and can be hashed."""
    baggage = parse_baggage("a=1;p,b=2")
    assert baggage.get("a") == BaggageEntry("1", (("p", None),))
    assert baggage.get("z") is None
    assert "b" in baggage
    assert len(baggage) == 2
    assert baggage == parse_baggage("a=1;p,b=2")
    assert hash(baggage) == hash(parse_baggage("a=1;p,b=2"))
    assert baggage != {"a": BaggageEntry("1", (("p", None),)), "b": BaggageEntry("2")}
