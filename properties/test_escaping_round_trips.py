"""Escaping is exactly undone, never leaves a line boundary, and logfmt lines read back as written."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.logs.escaping import escape_text, parse_logfmt, render_logfmt, unescape_text
from flext_observability.testing.strategies import anything

# Every character at all, lone surrogates included, with the troublesome ones
# (line boundaries, controls, quotes, '=', the backslash and what follows one)
# drawn often enough to meet each other.
TROUBLE = "\n\r\t\v\f\x00\x1b\x1c\x1d\x1e\x7f\x85\xa0\u2028\u2029\u202e\ufeff\udc80\\\"'= xuU0123456789abcdef"
any_text = st.text(st.characters() | st.sampled_from(TROUBLE), max_size=40)


@given(any_text)
def test_unescape_undoes_escape(text: str) -> None:
    """Escaping then unescaping gives the original text back, whatever it holds."""
    assert unescape_text(escape_text(text)) == text


@given(any_text)
def test_escaped_text_is_one_printable_line(text: str) -> None:
    """Escaped text holds no line boundary, no control or format character and no surrogate."""
    escaped = escape_text(text)
    assert len(escaped.splitlines()) <= 1
    assert escaped.isprintable()
    escaped.encode("utf-8")


@given(any_text)
def test_printable_text_without_backslash_is_unchanged(text: str) -> None:
    """Escaping changes exactly the texts that hold an unprintable character or a backslash."""
    assert (escape_text(text) == text) == (text.isprintable() and "\\" not in text)


@given(any_text)
def test_unescape_is_total(text: str) -> None:
    """Unescaping any text at all, well-formed or not, returns text."""
    assert isinstance(unescape_text(text), str)


@given(st.lists(st.tuples(any_text, any_text), max_size=6))
def test_logfmt_reads_back_what_it_wrote(items: list[tuple[str, str]]) -> None:
    """Parsing a rendered line gives the same keys and values, and the line is one printable line."""
    line = render_logfmt(items)
    assert parse_logfmt(line) == items
    assert len(line.splitlines()) <= 1
    assert line.isprintable()


@given(st.lists(st.tuples(anything(), anything()), max_size=4))
def test_logfmt_renders_anything_on_one_line(items: list[tuple[object, object]]) -> None:
    """Keys and values of any type, hostile ones included, render to one printable line."""
    line = render_logfmt(items)  # type: ignore[arg-type]
    assert len(line.splitlines()) <= 1
    assert line.isprintable()
    assert len(parse_logfmt(line)) == len(items)


@given(any_text)
def test_parse_logfmt_is_total(line: str) -> None:
    """Any text parses into pairs of text without raising."""
    for key, value in parse_logfmt(line):
        assert isinstance(key, str)
        assert isinstance(value, str)
