"""Aggregation follows the rule for every mix of critical and non-critical checks, in any order."""

from __future__ import annotations

import itertools
import json
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flext_observability.core.health.check import build_health_check
from flext_observability.core.health.document import health_document
from flext_observability.core.health.report import (
    HealthOutcome,
    aggregate,
    combine_statuses,
    http_status,
    status_score,
)
from flext_observability.core.values import HealthStatus

KINDS: Final = list(itertools.product([True, False], list(HealthStatus)))
"""Every (critical, status) pair: the six kinds of check."""

_RANK: Final = {HealthStatus.PASS: 0, HealthStatus.WARN: 1, HealthStatus.FAIL: 2}


def outcome(critical: bool, status: HealthStatus, component: str = "c") -> HealthOutcome:
    """An outcome of the given kind."""
    check = build_health_check(component=component, status=status, output="out", time=1.0).unwrap()
    return HealthOutcome(check=check, critical=critical)


def expected_status(kinds: list[tuple[bool, HealthStatus]]) -> HealthStatus:
    """The rule of issue 11, written out independently of the code under test."""
    if any(critical and status is HealthStatus.FAIL for critical, status in kinds):
        return HealthStatus.FAIL
    if any(status is not HealthStatus.PASS for _, status in kinds):
        return HealthStatus.WARN
    return HealthStatus.PASS


kinds_lists = st.lists(st.sampled_from(KINDS), max_size=12)


@pytest.mark.parametrize(
    "present",
    [subset for size in range(len(KINDS) + 1) for subset in itertools.combinations(KINDS, size)],
)
def test_every_combination_of_kinds_maps_to_its_status_code(present: tuple[tuple[bool, HealthStatus], ...]) -> None:
    """For each of the 64 sets of kinds present, status and HTTP code follow the rule: 503 only on a critical fail."""
    report = aggregate([outcome(critical, status) for critical, status in present], time=0.0)
    assert report.status is expected_status(list(present))
    critical_fail = (True, HealthStatus.FAIL) in present
    assert report.http_status == (503 if critical_fail else 200)


@given(kinds_lists)
def test_status_and_code_follow_the_rule_for_any_multiset(kinds: list[tuple[bool, HealthStatus]]) -> None:
    """Repeats do not change the rule: the status is the oracle's and the code is 503 exactly when it is fail."""
    report = aggregate([outcome(critical, status) for critical, status in kinds], time=0.0)
    assert report.status is expected_status(kinds)
    assert report.http_status == http_status(report.status) == (503 if report.status is HealthStatus.FAIL else 200)


@given(kinds_lists, st.data())
def test_aggregation_does_not_depend_on_order(kinds: list[tuple[bool, HealthStatus]], data: st.DataObject) -> None:
    """Shuffling the checks changes neither the status nor, up to order under one key, the document."""
    components = data.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=len(kinds), max_size=len(kinds)))
    items = [
        outcome(critical, status, component) for (critical, status), component in zip(kinds, components, strict=True)
    ]
    shuffled = data.draw(st.permutations(items))
    first, second = aggregate(items, time=0.0), aggregate(shuffled, time=0.0)
    assert first.status is second.status

    def canonical(document: Any) -> str:
        checks = document.get("checks", {})
        ordered = {
            key: sorted(json.dumps(entry, sort_keys=True) for entry in entries) for key, entries in checks.items()
        }
        return json.dumps({**document, "checks": ordered}, sort_keys=True)

    for details in (True, False):
        assert canonical(health_document(first, details=details)) == canonical(health_document(second, details=details))


@given(kinds_lists, st.data())
def test_a_worse_check_never_makes_a_better_report(kinds: list[tuple[bool, HealthStatus]], data: st.DataObject) -> None:
    """Raising one check's status, or making it critical, never lowers the report's status."""
    if not kinds:
        return
    index = data.draw(st.integers(0, len(kinds) - 1))
    critical, status = kinds[index]
    worse = data.draw(st.sampled_from([kind for kind in HealthStatus if _RANK[kind] >= _RANK[status]]))
    changed = [*kinds[:index], (critical or data.draw(st.booleans()), worse), *kinds[index + 1 :]]
    before = aggregate([outcome(*kind) for kind in kinds], time=0.0).status
    after = aggregate([outcome(*kind) for kind in changed], time=0.0).status
    assert _RANK[after] >= _RANK[before]


@given(st.lists(st.sampled_from(list(HealthStatus)), max_size=8))
def test_combining_is_the_worst_and_scores_fall_with_it(statuses: list[HealthStatus]) -> None:
    """The combined status is the maximum by rank, and the gauge score never rises as the status worsens."""
    combined = combine_statuses(statuses)
    assert _RANK[combined] == max((_RANK[status] for status in statuses), default=0)
    assert all(status_score(combined) <= status_score(status) for status in statuses)
