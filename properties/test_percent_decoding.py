"""The core's percent-decoding agrees with the standard library's."""

from __future__ import annotations

from urllib.parse import quote, unquote

from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.headers import percent_decode

_ESCAPE_HEAVY = st.lists(
    st.one_of(
        st.sampled_from(["%", "%2", "%zz", "%C3", "%A9", "%e2%82", "%AC", "%00", "%7F", "%ff", "%20"]),
        st.text(max_size=4),
    ),
    max_size=12,
).map("".join)


@given(st.one_of(st.text(), _ESCAPE_HEAVY))
def test_percent_decode_equals_unquote(text: str) -> None:
    """Any text, broken escapes and lone UTF-8 bytes included, decodes exactly as ``urllib.parse.unquote`` does."""
    assert percent_decode(text) == unquote(text)


@given(st.text())
def test_percent_decode_reverses_quote(text: str) -> None:
    """Decoding what ``urllib.parse.quote`` encoded gives back the original text."""
    assert percent_decode(quote(text, safe="")) == text
