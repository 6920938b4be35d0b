"""Entity creation: ``flext_create_metric`` with two labels against a plain frozen attrs class."""

from __future__ import annotations

import attrs
from harness import Comparison, compare

from flext_observability import flext_create_metric


@attrs.frozen
class PlainMetric:
    """The peer: a frozen attrs record with two validators and no domain rules."""

    name: str = attrs.field(validator=attrs.validators.instance_of(str))
    value: float = attrs.field(validator=attrs.validators.instance_of(float))
    labels: dict[str, str]
    timestamp: float


LABELS = {"tap": "postgres", "step": "extract"}


def _ours() -> object:
    return flext_create_metric("pipeline_rows_total", 120.0, kind="counter", labels=LABELS)


def _peer() -> object:
    return PlainMetric(name="pipeline_rows_total", value=120.0, labels=LABELS, timestamp=1.0)


def run() -> list[Comparison]:
    """One comparison: a validated metric against a bare attrs instance."""
    assert _ours().unwrap().labels == LABELS  # type: ignore[attr-defined]
    ours, peer = compare(_ours, _peer)
    return [
        Comparison(
            name="entity creation (flext_create_metric, 2 labels, validated)",
            ours=ours,
            peer=peer,
            peer_name="frozen attrs + 2 validators",
            goal_ours=3_000,
        ),
    ]
