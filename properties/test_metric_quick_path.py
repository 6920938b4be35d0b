"""The metric hot path agrees with the full rule check whenever it answers."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from flext_observability.core.metrics.metric import BASE_UNITS, _checked_metric, quick_metric
from flext_observability.testing import strategies

_ODD = st.one_of(
    strategies.anything(),
    st.sampled_from(["", "le", "__x", "a:b", "rows_total", "seconds", "ms", "counter", "\udc80", "é"]),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.dictionaries(st.sampled_from(["le", "__a", "ok", "x-y", "é", "1a"]), st.text(max_size=4), max_size=2),
)


def _args(fields: dict[str, Any]) -> tuple[Any, ...]:
    return (fields["name"], fields["value"], fields["kind"], fields["unit"], fields["labels"], fields["timestamp"])


@given(strategies.metric_fields(), st.data())
def test_quick_path_never_disagrees(fields: dict[str, Any], data: st.DataObject) -> None:
    """Whenever the hot path builds a metric, the full check builds an equal one."""
    for name in data.draw(st.sets(st.sampled_from(sorted(fields)), max_size=3), label="swapped"):
        fields[name] = data.draw(_ODD, label=name)
    quick = quick_metric(*_args(fields))
    if quick is not None:
        full = _checked_metric(*_args(fields))
        assert full == Success(quick)
        assert {type(getattr(quick, f)) for f in ("name", "value", "unit", "timestamp")} <= {str, float}


@given(strategies.metric_fields())
def test_quick_path_takes_ordinary_metrics(fields: dict[str, Any]) -> None:
    """Ordinary metrics (ASCII labels, no unit or a base unit) take the hot path."""
    if fields["unit"] in {"", *BASE_UNITS} and all(value.isascii() for value in fields["labels"].values()):
        assert quick_metric(*_args(fields)) is not None
