"""Examples of the pure health core: checks, outcomes, reports, the health+json document and thresholds."""

from __future__ import annotations

import json
import math

import attrs
import pytest
from returns.result import Success

from flext_observability.core.errors import FlextErrorCode, FlextValidationError
from flext_observability.core.health.check import FlextHealthCheck, build_health_check, validate_health_check
from flext_observability.core.health.document import (
    HEALTH_JSON,
    MAX_LINKS,
    MAX_NOTES,
    NO_SERVICE_INFO,
    build_service_info,
    health_document,
    report_output,
)
from flext_observability.core.health.report import (
    HealthOutcome,
    HealthReport,
    aggregate,
    build_health_outcome,
    effective_status,
)
from flext_observability.core.health.thresholds import (
    ThresholdDirection,
    build_threshold,
    higher_is_worse,
    lower_is_worse,
    threshold_output,
)
from flext_observability.core.limits import MAX_TEXT_LENGTH, MAX_TIMESTAMP
from flext_observability.core.timestamps import format_rfc3339
from flext_observability.core.values import HealthStatus

T0 = 1_700_000_000.0


def make_check(component: str = "postgres", status: str = "pass", **fields: object) -> FlextHealthCheck:
    """A valid check of ``component`` with ``status``."""
    return build_health_check(component=component, status=status, time=T0, **fields).unwrap()


def test_check_entity_round_trips_and_validates() -> None:
    """The existing entity still validates itself, reads back its own data and refuses a colon in its key."""
    check = make_check(measurement="connections", observed_value=3, output="ok")
    assert check.validate_domain_rules() == Success(check)
    assert FlextHealthCheck.from_dict(check.to_dict()) == Success(check)
    assert validate_health_check(check.to_dict()).failure().codes == {FlextErrorCode.WRONG_TYPE}
    error = build_health_check(component="db", measurement="a:b", observed_value=math.inf, time=T0).failure()
    assert [(item.field, item.code) for item in error.errors] == [
        ("measurement", FlextErrorCode.INVALID_NAME),
        ("observed_value", FlextErrorCode.NOT_FINITE),
    ]
    assert build_health_check(component="db", observed_value="x" * 2000, time=T0).failure().codes == {
        FlextErrorCode.TOO_LONG
    }


def test_outcome_reports_every_broken_rule_with_the_check_nested() -> None:
    """A broken check's own problems appear under ``check.``, next to the outcome's own problems."""
    broken = attrs.evolve(make_check(), component="", time=-1.0)
    error = build_health_outcome(broken, critical=False, component_type=3, component_id="x" * 300).failure()
    assert [(item.field, item.code) for item in error.errors] == [
        ("check.component", FlextErrorCode.EMPTY),
        ("check.time", FlextErrorCode.OUT_OF_RANGE),
        ("component_type", FlextErrorCode.WRONG_TYPE),
        ("component_id", FlextErrorCode.TOO_LONG),
    ]
    outcome = build_health_outcome(make_check(), component_id="replica-2").unwrap()
    assert (outcome.critical, outcome.component_id, outcome.key) == (True, "replica-2", "postgres:status")


def test_non_critical_failure_counts_as_warn_but_keeps_its_own_status() -> None:
    """A non-critical ``fail`` softens the report to ``warn`` (200) while the check still shows ``fail``."""
    cache = HealthOutcome(check=make_check("cache", "fail", output="refused"), critical=False)
    report = aggregate([make_check("app"), cache], time=T0 + 1)
    assert (report.status, report.http_status, effective_status(cache)) == (HealthStatus.WARN, 200, HealthStatus.WARN)
    assert health_document(report, details=False)["checks"] == {
        "app:status": [{"status": "pass"}],
        "cache:status": [{"status": "fail"}],
    }
    assert report.checks == (make_check("app"), cache.check)
    assert report.time == T0 + 1


def test_report_status_is_derived_not_given() -> None:
    """A report cannot be built with a status that disagrees with its checks; empty reports pass."""
    with pytest.raises(TypeError):
        HealthReport(outcomes=(), time=0.0, status=HealthStatus.FAIL)  # type: ignore[call-arg]
    assert aggregate([], time=0.0).status is HealthStatus.PASS
    assert aggregate([make_check(status="fail")], time=0.0).http_status == 503


def test_full_document_with_details() -> None:
    """With details the document carries the service facts, notes, links, outputs, ids, types, units and times."""
    service = build_service_info(
        version="1.4",
        release_id="1.4.2",
        service_id="etl-7",
        description="the ETL of the billing team",
        notes=["maintenance at 02:00"],
        links={"about": "https://example.com/etl"},
    ).unwrap()
    replica = make_check(
        measurement="responseTime", status="warn", observed_value=250, observed_unit="ms", output="slow"
    )
    primary = attrs.evolve(replica, status=HealthStatus.PASS, observed_value=3, output="ignored on pass")
    report = aggregate(
        [
            HealthOutcome(check=replica, component_type="datastore", component_id="replica-1"),
            HealthOutcome(check=primary, component_type="datastore", component_id="primary"),
            make_check("uptime"),
        ],
        time=T0,
    )
    document = health_document(report, details=True, service=service)
    assert document == {
        "status": "warn",
        "version": "1.4",
        "releaseId": "1.4.2",
        "serviceId": "etl-7",
        "description": "the ETL of the billing team",
        "notes": ["maintenance at 02:00"],
        "output": "postgres:responseTime warn",
        "links": {"about": "https://example.com/etl"},
        "checks": {
            "postgres:responseTime": [
                {
                    "componentId": "replica-1",
                    "componentType": "datastore",
                    "observedValue": 250,
                    "observedUnit": "ms",
                    "status": "warn",
                    "time": "2023-11-14T22:13:20.000Z",
                    "output": "slow",
                },
                {
                    "componentId": "primary",
                    "componentType": "datastore",
                    "observedValue": 3,
                    "observedUnit": "ms",
                    "status": "pass",
                    "time": "2023-11-14T22:13:20.000Z",
                },
            ],
            "uptime:status": [{"status": "pass", "time": "2023-11-14T22:13:20.000Z"}],
        },
    }
    assert json.loads(json.dumps(document)) == document
    assert health_document(report, details=False, service=service) == {
        "status": "warn",
        "checks": {
            "postgres:responseTime": [{"status": "warn"}, {"status": "pass"}],
            "uptime:status": [{"status": "pass"}],
        },
    }
    assert HEALTH_JSON == "application/health+json"


def test_service_info_reports_every_broken_rule() -> None:
    """Bad service facts are refused together, each on its own path."""
    error = build_service_info(
        release_id="\ud800",
        notes=["fine", 7],
        links={"about": "", 3: "https://example.com"},
    ).failure()
    assert [(item.field, item.code) for item in error.errors] == [
        ("release_id", FlextErrorCode.INVALID_TEXT),
        ("notes[1]", FlextErrorCode.WRONG_TYPE),
        ("links['about']", FlextErrorCode.EMPTY),
        ("links[?]", FlextErrorCode.WRONG_TYPE),
    ]
    too_many = build_service_info(notes=["n"] * (MAX_NOTES + 1), links={f"r{i}": "u" for i in range(MAX_LINKS + 1)})
    assert [item.field for item in too_many.failure().errors] == ["notes", "links"]
    assert build_service_info(links=["about"]).failure().codes == {FlextErrorCode.WRONG_TYPE}
    assert build_service_info().unwrap() == NO_SERVICE_INFO


def test_top_level_output_names_each_key_once_per_status_and_is_bounded() -> None:
    """The top-level output lists failures before warnings, marks softened ones, and never exceeds a check output."""
    outcomes = [
        HealthOutcome(check=make_check("b", "warn")),
        HealthOutcome(check=make_check("a", "fail"), critical=False),
        HealthOutcome(check=make_check("b", "fail")),
        HealthOutcome(check=make_check("b", "fail")),
        HealthOutcome(check=make_check("c")),
    ]
    assert report_output(aggregate(outcomes, time=0.0)) == "a:status fail (not critical), b:status fail, b:status warn"
    assert report_output(aggregate([make_check("c")], time=0.0)) == ""
    many = [make_check("x" * 200, "fail", measurement=f"m{index}") for index in range(60)]
    long_output = report_output(aggregate(many, time=0.0))
    assert len(long_output) == MAX_TEXT_LENGTH
    assert long_output.endswith("...")


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (-5.0, "1970-01-01T00:00:00.000Z"),
        (math.inf, "9999-12-31T23:59:59.000Z"),
        (MAX_TIMESTAMP, "9999-12-31T23:59:59.000Z"),
        (1.25, "1970-01-01T00:00:01.250Z"),
        (1.9996, "1970-01-01T00:00:02.000Z"),
        (4_107_542_400.0, "2100-03-01T00:00:00.000Z"),
        (4_107_542_399.0, "2100-02-28T23:59:59.000Z"),
    ],
)
def test_rfc3339_examples(seconds: float, expected: str) -> None:
    """Times are UTC to the millisecond, rounded, clamped into 1970..9999, and 2100 has no leap day."""
    assert format_rfc3339(seconds) == expected


def test_threshold_repr_and_wording() -> None:
    """A threshold shows as the call that makes it, and its output states the rule it applied."""
    free = lower_is_worse(warn=20, fail=-0.0, inclusive=False)
    assert repr(free) == "lower_is_worse(warn=20.0, fail=0.0, inclusive=False)"
    assert threshold_output(free, 15, "percent") == (
        "15 percent reached the warn level 20.0 (lower is worse, only below counts)"
    )
    assert threshold_output(free, -1.5) == "-1.5 reached the fail level 0.0 (lower is worse, only below counts)"
    assert threshold_output(free, 0) == "0 reached the warn level 20.0 (lower is worse, only below counts)"
    low = lower_is_worse(fail=1, inclusive=True)
    assert threshold_output(low, 1) == "1 reached the fail level 1.0 (lower is worse, at or below counts)"
    latency = higher_is_worse(warn=0.5, inclusive=False)
    assert latency.fail is None
    assert threshold_output(latency, 10**30) == "1e+30 reached the warn level 0.5 (higher is worse, only above counts)"


def test_threshold_refusals_name_their_arguments() -> None:
    """Every broken rule of a threshold is reported at once, on the argument that broke it."""
    error = build_threshold(direction="up", warn="80", inclusive=None).failure()
    assert [(item.field, item.code) for item in error.errors] == [
        ("direction", FlextErrorCode.INVALID_CHOICE),
        ("warn", FlextErrorCode.WRONG_TYPE),
        ("inclusive", FlextErrorCode.WRONG_TYPE),
    ]
    assert build_threshold(direction=ThresholdDirection.LOWER_IS_WORSE, inclusive=True).failure().for_field("fail")
    with pytest.raises(FlextValidationError, match=r"warn level 5\.0 is below the fail level 10\.0") as raised:
        lower_is_worse(warn=5, fail=10, inclusive=True)
    assert isinstance(raised.value, ValueError)
