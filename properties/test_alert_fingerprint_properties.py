"""Alertmanager's fingerprint: equal to a plain reading of its definition, whatever the label order or text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.alerts.fingerprint import label_set_fingerprint

_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
_LABELS = st.dictionaries(_TEXT, _TEXT, max_size=8)


def _reference(labels: dict[str, str]) -> str:
    """FNV-1a 64 over the non-empty labels, names sorted, each name and value followed by 0xff."""
    data = b"".join(
        name.encode() + b"\xff" + labels[name].encode() + b"\xff" for name in sorted(labels) if labels[name]
    )
    hashed = 14695981039346656037
    for byte in data:
        hashed ^= byte
        hashed = (hashed * 1099511628211) % 2**64
    return format(hashed, "016x")


@given(_LABELS)
def test_the_fingerprint_is_the_definition(labels: dict[str, str]) -> None:
    """Any unicode label set hashes to what the definition computes, in 16 hex digits."""
    assert label_set_fingerprint(labels) == _reference(labels)


@given(_LABELS, st.randoms())
def test_the_order_of_labels_does_not_matter(labels: dict[str, str], random: st.Random) -> None:  # type: ignore[name-defined]
    """The same labels inserted in any order give the same fingerprint."""
    items = list(labels.items())
    random.shuffle(items)
    assert label_set_fingerprint(dict(items)) == label_set_fingerprint(labels)


@given(st.dictionaries(st.sampled_from("abc"), st.sampled_from(["x", "y", "xy"]), max_size=3), st.data())
def test_small_distinct_label_sets_have_distinct_fingerprints(labels: dict[str, str], data: st.DataObject) -> None:
    """Two different small label sets never collide (the separator keeps names and values apart)."""
    other = data.draw(st.dictionaries(st.sampled_from("abc"), st.sampled_from(["x", "y", "xy"]), max_size=3))
    if other != labels:
        assert label_set_fingerprint(other) != label_set_fingerprint(labels)


@given(st.one_of(st.none(), st.integers(), st.lists(st.integers()), st.dictionaries(st.integers(), st.integers())))
def test_hostile_input_gives_no_fingerprint_and_never_raises(value: object) -> None:
    """Anything but a mapping of text to text gives an empty fingerprint."""
    result = label_set_fingerprint(value)  # type: ignore[arg-type]
    assert result == "" or (value == {} and result == _reference({}))
