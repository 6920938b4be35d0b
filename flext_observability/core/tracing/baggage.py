"""W3C Baggage: application-defined name/value pairs that travel with a request.

The ``baggage`` header (https://www.w3.org/TR/baggage/) carries a list of
``name=value`` members, each with optional ``;``-separated properties, from
service to service, independently of tracing. Values are UTF-8 text,
percent-encoded on the wire. This module reads and writes the header; the
shell moves it.

>>> baggage = parse_baggage("userId=alice, serverNode = DF%2028;zone=eu-1, isProduction=false")
>>> baggage["serverNode"]
BaggageEntry(value='DF 28', properties=(('zone', 'eu-1'),))
>>> format_baggage(baggage)
'userId=alice,serverNode=DF%2028;zone=eu-1,isProduction=false'

Section names below are those of the Candidate Recommendation of 2024.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Final

from attrs import field, frozen
from returns.result import Result, Success

from flext_observability.core.checks import Problems, add, describe, invalid, is_encodable, read_sequence
from flext_observability.core.errors import FlextErrorCode, FlextFieldError, FlextValidationError
from flext_observability.core.frozen import EMPTY_MAP, FrozenMap
from flext_observability.core.headers import percent_decode, read_header_values

MAX_BAGGAGE_MEMBERS: Final = 64
"""List-members propagated: the least every platform must carry ("Limits")."""

MAX_BAGGAGE_BYTES: Final = 8192
"""Bytes of ``baggage`` header propagated, commas included: the least every platform must carry ("Limits")."""

MAX_BAGGAGE_HEADER_LENGTH: Final = 4 * MAX_BAGGAGE_BYTES
"""The longest combined ``baggage`` value read; anything longer is refused unread."""

BaggageProperty = tuple[str, str | None]
"""One property of an entry: its key, and its value or ``None`` for a key alone (``;secure``)."""

_OWS: Final = " \t"
# "key = token": RFC 9110's tchar.
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# "value = *baggage-octet": printable ASCII except '"', ',', ';' and '\'.
_OCTETS: Final = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
# What is written as it is; "%" is a baggage-octet too, but a literal one
# must be encoded, or the next reader would decode what follows it.
_VERBATIM: Final = frozenset(chr(code) for code in range(0x21, 0x7F)) - frozenset('",;\\%')


@frozen
class BaggageEntry:
    """The value under one baggage name, decoded, and its properties in order.

    The properties are opaque to the specification ("property"); property
    values are percent-decoded like the entry's, bare keys are kept as sent.
    """

    value: str
    properties: tuple[BaggageProperty, ...] = ()


@frozen
class Baggage(Mapping[str, BaggageEntry]):
    """The baggage of a request: a frozen, ordered mapping of names to :class:`BaggageEntry`.

    Instances made by :func:`parse_baggage` and :meth:`with_entry` are
    valid and fit the limits: at most 64 members and 8192 bytes once
    formatted. The constructor itself checks nothing.

    >>> baggage = EMPTY_BAGGAGE.with_entry("tenant", "acme corp", [("ttl", "60"), "internal"]).unwrap()
    >>> format_baggage(baggage)
    'tenant=acme%20corp;ttl=60;internal'
    >>> "tenant" in baggage, len(baggage.without("tenant"))
    (True, 0)
    """

    members: FrozenMap[str, BaggageEntry] = field(default=EMPTY_MAP)

    def __getitem__(self, name: str) -> BaggageEntry:
        """The entry under ``name``."""
        return self.members[name]

    def __iter__(self) -> Iterator[str]:
        """The names, in header order."""
        return iter(self.members)

    def __len__(self) -> int:
        """The number of members."""
        return len(self.members)

    def with_entry(
        self,
        name: object,
        value: object,
        properties: object = (),
    ) -> Result[Baggage, FlextValidationError]:
        """This baggage with ``name`` set to ``value`` and ``properties``; every broken rule is reported.

        ``name`` is an HTTP token (letters, digits, ``!#$%&'*+-.^_`|~``);
        ``value`` any text, percent-encoded when sent; each property a bare
        key or a ``(key, value)`` pair, ``value`` text or ``None``. A name
        already present keeps its place. A change that would take the
        baggage past 64 members or 8192 bytes is refused (``TOO_MANY``,
        ``TOO_LONG``), rather than dropped silently when the header is sent.

        >>> for error in EMPTY_BAGGAGE.with_entry("user id", 42, ["ok", ("x y", 1)]).failure().errors:
        ...     print(error)
        name: 'user id' is not a baggage name: use letters, digits and ... (an HTTP token) [invalid_name]
        value: expected the value as text, got a value of type int [wrong_type]
        properties[1]: 'x y' is not a property key: use ... (an HTTP token) [invalid_name]
        properties[1]: expected the property value as text, got a value of type int [wrong_type]
        """
        problems: Problems = []
        checked_name = _check_name(problems, "name", name, what="baggage name")
        checked_value = _check_text(problems, "value", value, what="value")
        checked_properties = _check_properties(problems, properties)
        if problems or checked_name is None or checked_value is None or checked_properties is None:
            return invalid("baggage", problems)
        members = dict(_items(self.members))
        members[checked_name] = BaggageEntry(value=checked_value, properties=checked_properties)
        if len(members) > MAX_BAGGAGE_MEMBERS:
            add(
                problems,
                FlextErrorCode.TOO_MANY,
                "name",
                f"the baggage already holds {MAX_BAGGAGE_MEMBERS} members, as many as every service "
                "carries; remove one first",
            )
        else:
            texts = [text for key, entry in members.items() if (text := _format_member(key, entry)) is not None]
            size = sum(map(len, texts)) + len(texts) - 1
            if size > MAX_BAGGAGE_BYTES:
                add(
                    problems,
                    FlextErrorCode.TOO_LONG,
                    "value",
                    f"the header would take {size} bytes, more than the {MAX_BAGGAGE_BYTES} every service "
                    "carries; send less",
                )
        if problems:
            return invalid("baggage", problems)
        return Success(Baggage(members=FrozenMap.adopt(members)))

    def without(self, name: object) -> Baggage:
        """This baggage without the member ``name`` (the same baggage when there is none)."""
        unwanted = str.__str__(name) if isinstance(name, str) else None
        return Baggage(members=FrozenMap.adopt({key: entry for key, entry in _items(self.members) if key != unwanted}))


EMPTY_BAGGAGE: Final = Baggage()
"""No baggage: what an absent, empty or unreadable ``baggage`` header reads as."""


def _check_name(problems: Problems, path: str, value: object, *, what: str) -> str | None:
    if not isinstance(value, str):
        add(problems, FlextErrorCode.WRONG_TYPE, path, f"expected the {what} as text, got {describe(value)}")
        return None
    text = str.__str__(value)
    if not text:
        add(problems, FlextErrorCode.EMPTY, path, f"the {what} must not be empty; give it a name")
        return None
    if _TOKEN.fullmatch(text) is None:
        add(
            problems,
            FlextErrorCode.INVALID_NAME,
            path,
            f"{describe(text)} is not a {what}: use letters, digits and !#$%&'*+-.^_`|~ (an HTTP token)",
        )
        return None
    return text


def _check_text(problems: Problems, path: str, value: object, *, what: str) -> str | None:
    if not isinstance(value, str):
        add(problems, FlextErrorCode.WRONG_TYPE, path, f"expected the {what} as text, got {describe(value)}")
        return None
    text = str.__str__(value)
    if not is_encodable(text):
        add(
            problems,
            FlextErrorCode.INVALID_TEXT,
            path,
            f"the {what} holds lone surrogates, which UTF-8 cannot encode; decode bytes with errors='replace'",
        )
        return None
    return text


def _check_properties(problems: Problems, value: object) -> tuple[BaggageProperty, ...] | None:
    items = read_sequence(problems, "properties", value)
    if items is None:
        return None
    before = len(problems)
    checked: list[BaggageProperty] = []
    for index, item in enumerate(items):
        path = f"properties[{index}]"
        if isinstance(item, str):
            key = _check_name(problems, path, item, what="property key")
            if key is not None:
                checked.append((key, None))
            continue
        pair = read_sequence([], path, item)
        if pair is None or len(pair) != 2:
            add(
                problems,
                FlextErrorCode.WRONG_TYPE,
                path,
                f"expected a key or a (key, value) pair, got {describe(item)}",
            )
            continue
        key = _check_name(problems, path, pair[0], what="property key")
        value = pair[1]
        if value is None:
            if key is not None:
                checked.append((key, None))
            continue
        text = _check_text(problems, path, value, what="property value")
        if key is not None and text is not None:
            checked.append((key, text))
    return tuple(checked) if len(problems) == before else None


# --- the header ---------------------------------------------------------------


def encode_baggage_value(text: str) -> str:
    """``text`` percent-encoded for a baggage value or property value.

    Every character outside ``baggage-octet`` is encoded as its UTF-8 bytes
    ("value": "Any characters outside of the baggage-octet range of
    characters MUST be percent-encoded"), and so is ``%`` itself, so that
    decoding gives ``text`` back.

    >>> encode_baggage_value("DF 28; 100% ünïcode")
    'DF%2028%3B%20100%25%20%C3%BCn%C3%AFcode'
    """
    if _VERBATIM.issuperset(text):
        return text
    return "".join(
        char if char in _VERBATIM else "".join(f"%{byte:02X}" for byte in char.encode("utf-8")) for char in text
    )


def decode_baggage_value(text: str) -> str:
    r"""A baggage value or property value as received, percent-decoded.

    Percent-encoded bytes that are not UTF-8 become U+FFFD ("value": they
    "MUST be replaced with the replacement code point (U+FFFD)"), and a
    ``%`` not followed by two hex digits stays as it is.

    >>> decode_baggage_value("DF%2028%3B%FF%zz") == "DF 28;\N{REPLACEMENT CHARACTER}%zz"
    True
    """
    return percent_decode(text)


def _read_member(raw: str) -> tuple[str, BaggageEntry] | None:
    """One list-member, or ``None`` when it breaks the grammar."""
    head, *tail = raw.strip(_OWS).split(";")
    name, equals, value = head.partition("=")
    name, value = name.rstrip(_OWS), value.strip(_OWS)
    if not equals or _TOKEN.fullmatch(name) is None or _OCTETS.fullmatch(value) is None:
        return None
    properties: list[BaggageProperty] = []
    for part in tail:
        key, equals, property_value = part.strip(_OWS).partition("=")
        key, property_value = key.rstrip(_OWS), property_value.lstrip(_OWS)
        if _TOKEN.fullmatch(key) is None or _OCTETS.fullmatch(property_value) is None:
            return None
        # A bare key is opaque: it may look encoded, but it is not a value.
        properties.append((key, decode_baggage_value(property_value) if equals else None))
    return name, BaggageEntry(value=decode_baggage_value(value), properties=tuple(properties))


def _items(members: object) -> list[tuple[str, BaggageEntry]]:
    """The members of a hand-built baggage too, as long as they sit in a ``FrozenMap`` or a ``dict``."""
    if type(members) is FrozenMap or type(members) is dict:
        return list(members.items())
    return []


def _wire_text(value: object) -> str | None:
    """``value`` percent-encoded, or ``None`` when it is not text UTF-8 can encode."""
    if not isinstance(value, str):
        return None
    text = str.__str__(value)
    return encode_baggage_value(text) if is_encodable(text) else None


def _format_property(item: object) -> str | None:
    if type(item) is not tuple or len(item) != 2 or not isinstance(item[0], str):
        return None
    key = str.__str__(item[0])
    if _TOKEN.fullmatch(key) is None:
        return None
    if item[1] is None:
        return key
    text = _wire_text(item[1])
    return None if text is None else f"{key}={text}"


def _format_member(name: object, entry: object) -> str | None:
    """``name=value;property...`` on the wire, or ``None`` when a hand-built member is invalid."""
    if not isinstance(name, str) or not isinstance(entry, BaggageEntry):
        return None
    # Read as plain objects: a hand-built entry may hold anything.
    value: object = entry.value
    properties: object = entry.properties
    key = str.__str__(name)
    text = _wire_text(value)
    if _TOKEN.fullmatch(key) is None or text is None or type(properties) is not tuple:
        return None
    parts = [f"{key}={text}"]
    for item in properties:
        part = _format_property(item)
        if part is None:
            return None
        parts.append(part)
    return ";".join(parts)


def _formatted(members: Iterable[tuple[str, BaggageEntry]]) -> list[tuple[str, BaggageEntry, str]]:
    """The valid members that fit the limits, in order, each with its text on the wire.

    Members are kept in order while they fit; one that would take the header
    past 8192 bytes is dropped whole, and later, smaller ones may still fit.
    After 64, the rest are dropped.
    """
    kept: list[tuple[str, BaggageEntry, str]] = []
    size = -1
    for name, entry in members:
        text = _format_member(name, entry)
        if text is None:
            continue
        if len(kept) == MAX_BAGGAGE_MEMBERS:
            break
        if size + 1 + len(text) <= MAX_BAGGAGE_BYTES:
            kept.append((name, entry, text))
            size += 1 + len(text)
    return kept


def parse_baggage(header: object) -> Baggage:
    """Read ``baggage`` header values; what cannot be read is left out. Never raises.

    ``header`` is one value or a list of them, one per header line, read as
    one list ("If there are multiple baggage headers, all limits apply to
    the combination of all baggage headers"). The rules applied:

    - members are split at ``,``, properties at ``;``; spaces and tabs
      around names, values and properties are trimmed ("MUST be trimmed
      when converting the header into a data structure"); empty members,
      which the grammar does not have, are skipped;
    - a value runs to the next ``;`` and may hold ``=`` ("Parsers MUST NOT
      assume that the equal sign is only used to separate key and value");
    - names and property keys are HTTP tokens, values and property values
      ``baggage-octet`` strings, possibly empty ("Definition"). A member that
      breaks this grammar, in its name, value or any property, is left out
      and the others kept ("Mutating baggage": a system "MAY remove that
      entry");
    - values and property values are percent-decoded, bytes that are not
      UTF-8 becoming U+FFFD ("value"); bare property keys are kept as sent;
    - when a name repeats, the last value wins, at the first one's place
      (names need not be unique, and "Mutating baggage" lets a system
      deduplicate "by keeping the first entry, keeping the last entry, ...";
      a value appended later is usually the newer one);
    - only what every platform must propagate is kept ("Limits"): members
      in order while the header they make stays within 8192 bytes (one that
      does not fit is dropped whole: "it MUST NOT propagate any partial
      list-members"), and at most 64 of them;
    - a combined value longer than :data:`MAX_BAGGAGE_HEADER_LENGTH`, or
      that is not text, reads as no baggage at all.

    >>> parse_baggage(["a=1;p ; q = x%20y", "b=2=3, bad name=1, a=4"]).members
    FrozenMap({'a': BaggageEntry(value='4', properties=()), 'b': BaggageEntry(value='2=3', properties=())})
    """
    values = read_header_values(header, "baggage", MAX_BAGGAGE_HEADER_LENGTH)
    if isinstance(values, FlextFieldError):
        return EMPTY_BAGGAGE
    members: dict[str, BaggageEntry] = {}
    for raw in ",".join(values).split(","):
        member = _read_member(raw)
        if member is not None:
            members[member[0]] = member[1]
    return Baggage(members=FrozenMap.adopt({name: entry for name, entry, _ in _formatted(members.items())}))


def format_baggage(baggage: Baggage) -> str:
    """The ``baggage`` header value: members joined by ``,``, values percent-encoded.

    What is sent fits the limits: members are kept in order while the
    header stays within 8192 bytes, each whole, and at most 64 ("Limits").
    Members of a hand-built baggage that break the grammar are left out.
    ``""`` means: send no header.

    >>> format_baggage(EMPTY_BAGGAGE.with_entry("note", 'say "hi", ok?').unwrap())
    'note=say%20%22hi%22%2C%20ok?'
    >>> format_baggage(None)
    ''
    """
    given: object = baggage  # what callers pass at runtime may be anything
    if not isinstance(given, Baggage):
        return ""
    return ",".join(text for _, _, text in _formatted(_items(baggage.members)))
