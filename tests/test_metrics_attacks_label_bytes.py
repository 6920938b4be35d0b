"""Attack: long label values of 4-byte characters blow up one capped instrument's memory.

Label values were bounded in characters only (1024), and a label set not at
all: eight labels of 1024 four-byte characters cost 33 KB per series in
memory (CPython stores such text at four bytes a character), and a capped
instrument took +66 MiB. Values are now bounded in UTF-8 bytes, one by one
and per label set, measured before and after redaction, so an instrument has
the documented ceiling in bytes (docs/metrics.md); a value over the bound is
refused, counted and logged once, and no value makes ``labels()`` raise.
"""

from __future__ import annotations

import gc
import logging
import tracemalloc
from typing import TYPE_CHECKING

from flext_observability.core import limits
from flext_observability.core.errors import FlextErrorCode
from flext_observability.shell.metrics.service import REJECTED_SAMPLES, FlextMetricsService

if TYPE_CHECKING:
    import pytest

# The documented figures (docs/metrics.md, "Memory ceiling"), written out so that the test reads on its own.
VALUE_BYTES = 1024
SET_BYTES = 2048
OVERFLOW_MEMORY = 4
LABELS = 8
CAP = 100
PER_VALUE = SET_BYTES // LABELS
EMOJI = "\U0001f600"  # four bytes in UTF-8; one of them makes CPython store the whole string at four bytes a character


def label_set_ceiling(labels: int) -> int:
    """The documented ceiling of one label set's memory: tuple, string headers, four bytes a character."""
    return 56 + 84 * labels + 4 * SET_BYTES


def instrument_ceiling(cap: int, labels: int) -> int:
    """The documented ceiling of a counter: series and remembered label sets, and overflowed hashes."""
    return cap * (2 * label_set_ceiling(labels) + 500) + OVERFLOW_MEMORY * cap * 120


def hostile(index: int, label: int, size: int, prefix: str = "") -> str:
    """A distinct value of exactly ``size`` UTF-8 bytes: one 4-byte character, then ASCII."""
    head = f"{prefix}{EMOJI}{index:06d}.{label:02d}."
    return head + "x" * (size - len(head.encode()))


def test_documented_bounds() -> None:
    """Ensures the limits are the figures docs/metrics.md gives the ceiling for."""
    assert (limits.MAX_LABEL_VALUE_BYTES, limits.MAX_LABEL_SET_BYTES) == (VALUE_BYTES, SET_BYTES)


def test_a_capped_instrument_stays_below_its_ceiling_under_maximal_hostile_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ensures maximal 4-byte-character label values cannot push a capped counter past its documented ceiling."""
    service = FlextMetricsService()
    names = tuple(f"label_{index}" for index in range(LABELS))
    rows = service.counter("rows_total", "Rows.", labels=names, max_series=CAP).unwrap()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        with caplog.at_level(logging.WARNING, logger="flext_observability.metrics"):
            # Made inside the measured block, as a caller's fresh values are: what stays is what the instrument keeps.
            for index in range(CAP):  # the old bound: 1024 characters (1027 bytes) in every value
                rows.labels(*[hostile(index, label, 1024 + 3) for label in range(LABELS)]).inc()
            for index in range(CAP):  # each value within its bound, the label set one byte a value over
                rows.labels(*[hostile(index, label, PER_VALUE + 1) for label in range(LABELS)]).inc()
            # The largest accepted: every value at its share of the set bound after redaction,
            # each with credentials, so that the label set as given is remembered as well.
            credential = "a://u:p@h/"
            growth = len("REDACTED:REDACTED") - len("u:p")
            for index in range(CAP):
                rows.labels(*[hostile(index, label, PER_VALUE - growth, credential) for label in range(LABELS)]).inc()
            for index in range(CAP, CAP + (OVERFLOW_MEMORY + 1) * CAP):
                rows.labels(*[hostile(index, label, PER_VALUE) for label in range(LABELS)]).inc()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert grown < instrument_ceiling(CAP, LABELS), (grown, instrument_ceiling(CAP, LABELS))
    family = service.snapshot().family("rows_total")
    assert family is not None
    assert len(family.series) == CAP + 1
    assert sum(series.state.value for series in family.series) == (OVERFLOW_MEMORY + 2) * CAP  # type: ignore[union-attr, misc]
    rejected = service.snapshot().family(REJECTED_SAMPLES)
    assert rejected is not None
    assert rejected.state(metric="rows_total", reason=FlextErrorCode.WRONG_LABELS.value).value == 2 * CAP  # type: ignore[union-attr]
    refusals = [record.getMessage() for record in caplog.records if "refused" in record.getMessage()]
    assert len(refusals) == 1, refusals
    assert "bytes in UTF-8" in refusals[0]
    assert EMOJI not in caplog.text
    assert "xxxxxxxx" not in caplog.text


def test_over_long_values_are_refused_with_the_bound_in_the_message() -> None:
    """Ensures one value over 1024 bytes, a label set over 2048 and a huge integer are Failures, never exceptions."""
    service = FlextMetricsService()
    pairs = service.gauge("pairs", "Pairs.", labels=("a", "b", "c")).unwrap()
    one = pairs.labels(a=EMOJI * 257, b="", c="").set(1).failure()
    assert "has 1028 bytes in UTF-8; shorten it to at most 1024 bytes [too_long]" in str(one)
    three = pairs.labels(a="é" * 400, b="é" * 400, c="é" * 400).set(1).failure()
    assert "2400 bytes in UTF-8 in all; keep a label set to at most 2048 bytes" in str(three)
    after_redaction = pairs.labels(a="a://u:p@h/" + "x" * 1010, b="", c="").set(1).failure()
    assert "has 1034 bytes in UTF-8" in str(after_redaction)
    huge = pairs.labels(a=10**5000, b=1, c=2).set(1).failure()
    assert "integer of more than 1024 digits" in str(huge)
    assert pairs.labels(a="x" * 1024, b=10**1000, c="").set(1).unwrap() is None
