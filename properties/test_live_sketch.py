"""The summary hot path's mutable sketch freezes into exactly the core's sketch of the same values."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.metrics.aggregation import fold
from flext_observability.core.metrics.sketch import new_sketch
from flext_observability.shell.metrics.sketch import LiveSketch

# Wide magnitudes on both signs, with zeros, so that small sketches fold their lowest bins.
VALUES = st.lists(
    st.one_of(
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
        st.sampled_from([0.0, -0.0, 1e-12, -1e-12, 1e-9, 1.0]),
    ),
    max_size=200,
)


@given(VALUES, st.sampled_from([0.01, 0.05]), st.sampled_from([16, 64, 2048]))
def test_live_sketch_equals_the_fold(values: list[float], accuracy: float, max_bins: int) -> None:
    """Adding values to a LiveSketch and freezing it gives the core fold of the same values."""
    live = LiveSketch(relative_accuracy=accuracy, max_bins=max_bins)
    for value in values:
        assert live.add(value)
    expected = fold(new_sketch(relative_accuracy=accuracy, max_bins=max_bins).unwrap(), values).unwrap()
    assert live.freeze() == expected


def test_live_sketch_refuses_an_overflowing_sum() -> None:
    """A sum that would become infinite is refused and leaves the sketch unchanged."""
    live = LiveSketch()
    assert live.add(1.7e308)
    before = live.freeze()
    assert not live.add(1.7e308)
    assert live.freeze() == before
