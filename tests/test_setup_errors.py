"""A mistake at set-up shows its whole message where the user looks: the traceback of the documented idiom."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys
import textwrap

import pytest
from returns.primitives.exceptions import UnwrapFailedError

from flext_observability import FlextMetricsService
from flext_observability.metrics import FlextExportError
from flext_observability.tracing import FlextTracingService


def test_unwrap_on_a_bad_definition_prints_the_fix() -> None:
    """Ensures `.unwrap()` on a bad instrument leaves the rename hint in the traceback a user sees."""
    script = textwrap.dedent(
        """
        from flext_observability import FlextMetricsService
        FlextMetricsService().histogram("latency_ms", "Latency.").unwrap()
        """
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, running the script above
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "FlextValidationError: invalid instrument: name:" in done.stderr
    assert "rename it to 'latency_seconds'" in done.stderr
    assert "UnwrapFailedError" in done.stderr


def test_the_error_is_the_cause_of_unwrap_and_can_be_raised() -> None:
    """Ensures the validation error is a ValueError, the cause of UnwrapFailedError, and raisable as it is."""
    result = FlextMetricsService().counter("rows", "Rows.", max_series=0)
    error = result.failure()
    assert isinstance(error, ValueError)
    with pytest.raises(UnwrapFailedError) as unwrapped:
        result.unwrap()
    assert unwrapped.value.__cause__ is error
    with pytest.raises(ValueError, match=r"max_series: must be 1 or more, got 0"):
        raise error
    assert pickle.loads(pickle.dumps(error)) == error  # noqa: S301 - our own value
    assert error == FlextMetricsService().counter("rows", "Rows.", max_series=0).failure()


def test_an_export_failure_is_an_exception_too() -> None:
    """Ensures an export failure unwraps with its message as the cause."""
    tracing = FlextTracingService()
    failure = FlextExportError(target="http://127.0.0.1:9", message="connection refused", status=None)
    assert isinstance(failure, Exception)
    assert str(failure) == "export to http://127.0.0.1:9 failed: connection refused"
    assert pickle.loads(pickle.dumps(failure)) == failure  # noqa: S301 - our own value
    assert tracing.shutdown(1.0)


@pytest.mark.parametrize(("value", "message"), [(0, "must be 1 or more, got 0"), ("5", "must be an int of 1 or more")])
def test_max_series_says_what_it_wants(value: object, message: str) -> None:
    """Ensures a bad cap says what the cap must be and what it got."""
    error = FlextMetricsService().counter("rows", "Rows.", max_series=value).failure()  # type: ignore[arg-type]
    assert message in str(error)


def test_a_clash_names_the_name_the_user_typed() -> None:
    """Ensures a conflicting definition names the counter as exposed and typed (with ``_total``)."""
    service = FlextMetricsService()
    service.counter("pipeline_rows_total", "Rows.").unwrap()
    clash = str(service.histogram("pipeline_rows", "Rows.").failure())
    assert "'pipeline_rows_total' is already defined with kind 'counter', not 'histogram'" in clash
    labels = str(service.counter("pipeline_rows_total", "Rows.", labels=("x",)).failure())
    assert "'pipeline_rows_total' is already defined with label_names [], not ['x']" in labels


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("bar_h_seconds", "rename it to 'bar_seconds'"),
        ("req_ms_seconds", "rename it to 'req_seconds'"),
        ("latency_ms", "rename it to 'latency_seconds'"),
        ("wait_minutes_seconds", "rename it to 'wait_seconds'"),
    ],
)
def test_the_naming_fix_does_not_repeat_the_unit(name: str, fix: str) -> None:
    """Ensures the suggested name holds its base unit once (never ``bar_seconds_seconds``)."""
    message = str(FlextMetricsService().gauge(name, "A gauge.").failure())
    assert fix in message
    assert "seconds_seconds" not in message


def test_serve_takes_typed_keywords_only() -> None:
    """Ensures serve() names its options (no **options a typo could hide in) and refuses an unknown one."""
    parameters = inspect.signature(FlextMetricsService.serve).parameters
    assert list(parameters) == ["self", "host", "port", "path", "tls", "basic_auth", "routes"]
    assert all(parameter.kind is not inspect.Parameter.VAR_KEYWORD for parameter in parameters.values())
    with pytest.raises(TypeError, match="basic_auht"):
        FlextMetricsService().serve(basic_auht=("u", "p"))  # type: ignore[call-arg]


def test_each_kind_of_refused_sample_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """Ensures wrong labels, a missing .labels(), a string value and time() on a labelled histogram warn once each."""
    service = FlextMetricsService()
    rows = service.counter("rows_total", "Rows.", labels=("tap",)).unwrap()
    latency = service.histogram("latency_seconds", "Latency.", labels=("route",)).unwrap()
    with caplog.at_level("WARNING", logger="flext_observability"):
        for _ in range(3):
            rows.labels(table="x").inc()  # wrong label names
            rows.inc()  # missing .labels()
            rows.labels(tap="a").inc("5")  # type: ignore[arg-type]  # a string value
            with latency.time():  # time() on a labelled histogram
                pass
    warnings = [record.getMessage() for record in caplog.records if record.name.startswith("flext_observability")]
    assert len(warnings) == 3  # wrong labels (twice the same reason: names and no labels()), wrong type, on histogram
    assert any("rows_total" in warning for warning in warnings)
    assert any("latency_seconds" in warning for warning in warnings)
    refused = [
        line
        for line in service.export_prometheus().unwrap().splitlines()
        if line.startswith("flext_observability_rejected")
    ]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in refused) == 12
