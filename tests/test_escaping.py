"""Examples of escaping text onto one line and of the logfmt renderer and parser."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest

from flext_observability.core.logs.escaping import escape_text, parse_logfmt, render_logfmt, unescape_text

LINE_BOUNDARIES = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _fail(*_args: object) -> NoReturn:
    message = "cannot"
    raise RuntimeError(message)


class _Unprintable:
    """An object whose str() fails."""

    __str__ = _fail


class _NotText:
    """An object whose __str__ returns something other than text."""

    def __str__(self) -> Any:
        return 5  # noqa: PLE0307 - the point of this double


class _Lying(str):
    """A str subclass that claims to be printable and to hold no backslash."""

    __slots__ = ()

    def isprintable(self) -> bool:
        return True

    def __contains__(self, item: object) -> bool:
        return False


# --- escape_text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain text, ümlaut, 🌙", "plain text, ümlaut, 🌙"),
        ("", ""),
        ("back\\slash", "back\\\\slash"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("nul\x00 esc\x1b[31m del\x7f", "nul\\x00 esc\\x1b[31m del\\x7f"),
        ("\v\f\x1c\x1d\x1e\x85", "\\x0b\\x0c\\x1c\\x1d\\x1e\\x85"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("nbsp\xa0soft\xadhyphen", "nbsp\\xa0soft\\xadhyphen"),
        ("rtl\u202eevil\u202c", "rtl\\u202eevil\\u202c"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("lone \udc80 surrogate", "lone \\udc80 surrogate"),
        ("private \U000f0000 unassigned \U000e0001", "private \\U000f0000 unassigned \\U000e0001"),
        ('quote " stays', 'quote " stays'),
    ],
)
def test_escape_text_examples(text: str, escaped: str) -> None:
    """Backslash, line ends, controls and other unprintable characters are escaped; the rest is kept."""
    assert escape_text(text) == escaped
    assert unescape_text(escaped) == text


def test_escape_text_output_is_one_printable_encodable_line() -> None:
    """Every line boundary and control character is gone from the output, which encodes as UTF-8."""
    nasty = "".join(chr(code) for code in range(0x100)) + LINE_BOUNDARIES + "\udc80\u202e"
    escaped = escape_text(nasty)
    assert escaped.isprintable()
    assert len(escaped.splitlines()) == 1
    assert escaped.encode("utf-8")
    assert unescape_text(escaped) == nasty


def test_printable_text_is_returned_as_is() -> None:
    """Printable text without a backslash is the same object: the fast path copies nothing."""
    text = "loaded 1200 rows into orders"
    assert escape_text(text) is text


def test_str_subclasses_are_escaped_by_their_text() -> None:
    """A str subclass cannot skip escaping by answering isprintable() falsely."""
    assert escape_text(_Lying("a\nb")) == "a\\nb"
    assert unescape_text(_Lying("a\\nb")) == "a\nb"


@pytest.mark.parametrize(
    ("text", "unescaped"),
    [
        ("no escapes", "no escapes"),
        ('\\"quoted\\"', '"quoted"'),
        ("\\x41\\u00e9\\U0001F319", "Aé🌙"),
        ("unknown \\q escape", "unknown \\q escape"),
        ("short \\x4 and \\u12", "short \\x4 and \\u12"),
        ("too big \\U00110000", "too big \\U00110000"),
        ("trailing \\", "trailing \\"),
        ("\\\\n is a backslash and n", "\\n is a backslash and n"),
    ],
)
def test_unescape_text_is_total(text: str, unescaped: str) -> None:
    """Unescaping reads every escape escape_text writes, and keeps anything else as it is."""
    assert unescape_text(text) == unescaped


# --- logfmt ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (None, '""'),
        ("", '""'),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (-0.5, "-0.5"),
        (math.nan, "nan"),
        (1e300, "1e+300"),
        ("word", "word"),
        ("two words", '"two words"'),
        ("a=b", '"a=b"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("line\nbreak", "line\\nbreak"),
        ("back\\slash", "back\\\\slash"),
        (b"raw", "b'raw'"),
        ([1, "x"], "\"[1, 'x']\""),
        (_Unprintable(), '"<unprintable _Unprintable>"'),
    ],
)
def test_logfmt_values(value: object, rendered: str) -> None:
    """Values render as logfmt text: None empty, flags, numbers by repr, anything else by str()."""
    assert render_logfmt([("k", value)]) == f"k={rendered}"


def test_values_whose_text_cannot_be_read_leave_a_trace() -> None:
    """A str() that fails or returns no text, or a type without a name, gives a placeholder."""

    # Made here: pytest reads the names of module-level classes when it collects.
    class NamelessMeta(type):
        @property
        def __name__(cls) -> str:  # type: ignore[override]
            _fail()

    class _Nameless(metaclass=NamelessMeta):
        __str__ = _fail

    assert render_logfmt([("a", _NotText()), ("b", _Nameless())]) == (
        'a="<unprintable _NotText>" b="<unprintable object>"'
    )


def test_numbers_render_by_value_not_by_subclass_repr() -> None:
    """An int or float subclass renders as its number, not as its own repr."""

    class Flag(int):
        def __repr__(self) -> str:
            return "Flag.ON"

    assert render_logfmt([("n", Flag(1))]) == "n=1"


@pytest.mark.parametrize(
    ("key", "rendered"),
    [
        ("user id", "user\\x20id"),
        ("a=b", "a\\x3db"),
        ('say"', "say\\x22"),
        ("new\nline", "new\\nline"),
        ("", ""),
        (7, "7"),
        (None, ""),
    ],
)
def test_logfmt_keys_are_made_safe(key: object, rendered: str) -> None:
    """Keys escape space, '=' and '"' as hex so that they never need quotes."""
    assert render_logfmt([(key, "v")]) == f"{rendered}=v"  # type: ignore[list-item]
    assert parse_logfmt(render_logfmt([(key, "v")]))[0][0] == ("" if key is None else str(key))  # type: ignore[list-item]


def test_malformed_items_are_left_out() -> None:
    """Items that are not pairs are skipped and the others rendered."""
    items: list[Any] = [("a", 1), "oops", ("b", 2, 3), 5, ("c", 3)]
    assert render_logfmt(items) == "a=1 c=3"


def test_items_failing_midway_keep_what_was_read() -> None:
    """An iterable that fails midway renders the pairs read before it failed."""

    def items() -> Iterator[tuple[str, object]]:
        yield ("a", 1)
        _fail()

    assert render_logfmt(items()) == "a=1"
    assert render_logfmt(_Unprintable()) == ""  # type: ignore[arg-type]


def test_forged_lines_cannot_be_written() -> None:
    """A value trying to start a second event stays inside its own pair on one line."""
    line = render_logfmt([("msg", 'ok\nlevel=error msg="forged"\r\x1b[2K'), ("user", "x y=z")])
    assert len(line.splitlines()) == 1
    assert parse_logfmt(line) == [("msg", 'ok\nlevel=error msg="forged"\r\x1b[2K'), ("user", "x y=z")]


@pytest.mark.parametrize(
    ("line", "pairs"),
    [
        ("", []),
        ("a=1 b=two", [("a", "1"), ("b", "two")]),
        ('  a="x y"   b=  ', [("a", "x y"), ("b", "")]),
        ("flag other=1", [("flag", ""), ("other", "1")]),
        ('a="unterminated \\" quote', [("a", 'unterminated " quote')]),
        ('a="x\\', [("a", "x"), ("\\", "")]),
        ("=v", [("", "v")]),
        ("a=b=c", [("a", "b=c")]),
    ],
)
def test_parse_logfmt_is_total(line: str, pairs: list[tuple[str, str]]) -> None:
    """The parser reads rendered lines and anything else without raising."""
    assert parse_logfmt(line) == pairs
