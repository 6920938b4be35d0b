"""Small shared strategies: text, names, label sets, timestamps, numbers, ids, attribute and context values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from hypothesis import strategies as st

from flext_observability.core.checks import LABEL_NAME, METRIC_NAME
from flext_observability.core.limits import MAX_INT64, MAX_NAME_LENGTH, MAX_TIMESTAMP, MIN_INT64
from flext_observability.core.metrics.metric import RESERVED_METRIC_LABELS

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

Fields = dict[str, Any]
"""Keyword arguments for one of the core's ``build_*`` functions."""

UTF8_TEXT: Final = st.characters(exclude_categories=["Cs"])
"""Any character that encodes as UTF-8 (no lone surrogates), controls included."""


def texts(*, min_size: int = 0, max_size: int = 40) -> SearchStrategy[str]:
    """Text of any encodable characters, control characters and newlines included."""
    return st.text(UTF8_TEXT, min_size=min_size, max_size=max_size)


def metric_names() -> SearchStrategy[str]:
    """Valid Prometheus metric names."""
    return st.from_regex(METRIC_NAME, fullmatch=True).filter(lambda name: len(name) <= MAX_NAME_LENGTH)


def label_names(reserved: frozenset[str] = RESERVED_METRIC_LABELS) -> SearchStrategy[str]:
    """Valid label names, none starting with ``__`` and none in ``reserved``."""
    return (
        st.from_regex(LABEL_NAME, fullmatch=True)
        .filter(lambda name: len(name) <= MAX_NAME_LENGTH and not name.startswith("__"))
        .filter(lambda name: name not in reserved)
    )


def label_sets(
    reserved: frozenset[str] = RESERVED_METRIC_LABELS, *, max_size: int = 5
) -> SearchStrategy[dict[str, str]]:
    """Valid label mappings (values may hold quotes, newlines and any Unicode)."""
    return st.dictionaries(label_names(reserved), texts(max_size=60), max_size=max_size)


def timestamps() -> SearchStrategy[float]:
    """Seconds since the epoch between 1970 and 9999."""
    return st.floats(min_value=0.0, max_value=MAX_TIMESTAMP, allow_nan=False)


def finite_numbers() -> SearchStrategy[float]:
    """Finite floats and integers that fit a float."""
    return st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(min_value=-(2**53), max_value=2**53),
    )


def hex_ids(length: int) -> SearchStrategy[str]:
    """Valid W3C ids: ``length`` lowercase hex digits, not all zero."""
    return st.text("0123456789abcdef", min_size=length, max_size=length).filter(lambda text: text.strip("0") != "")


def trace_ids() -> SearchStrategy[str]:
    """Valid trace ids (32 hex digits)."""
    return hex_ids(32)


def span_ids() -> SearchStrategy[str]:
    """Valid span ids (16 hex digits)."""
    return hex_ids(16)


def attribute_values() -> SearchStrategy[object]:
    """Valid OpenTelemetry attribute values, arrays as lists or tuples."""
    scalars: list[SearchStrategy[Any]] = [
        st.booleans(),
        st.integers(min_value=MIN_INT64, max_value=MAX_INT64),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(max_size=30),
    ]
    arrays = [st.lists(scalar, max_size=4) for scalar in scalars]
    return st.one_of(*scalars, *arrays, *(array.map(tuple) for array in arrays))


def attribute_maps(*, max_size: int = 4) -> SearchStrategy[dict[str, object]]:
    """Valid attribute mappings."""
    return st.dictionaries(texts(min_size=1, max_size=20), attribute_values(), max_size=max_size)


def context_values(max_leaves: int = 10) -> SearchStrategy[object]:
    """JSON values for a log entry's context (nesting bounded well under the limit)."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(max_size=30),
    )
    return st.recursive(
        leaves,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(texts(max_size=10), children, max_size=3),
        max_leaves=max_leaves,
    )
