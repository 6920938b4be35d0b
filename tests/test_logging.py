"""Structured logging: the configured pipeline, its renderers, stdlib records, correlation and safety."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from flext_observability.core.logs.escaping import parse_logfmt, unescape_text
from flext_observability.core.redaction import redaction_policy
from flext_observability.shell.context import (
    SpanIds,
    bind_context,
    bound_context,
    clear_context,
    unbind_context,
    use_span_ids,
)
from flext_observability.shell.logs.pipeline import FAILURES
from flext_observability.shell.logs.setup import (
    FlextLogger,
    configure_logging,
    current_setup,
    get_logger,
    reset_logging,
)
from flext_observability.shell.metrics.service import FlextMetricsService

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
HOSTILE_TEXT = "a\nb\rc\u2028d\u2029e\x85f\x1b[31mg\x00h\\i\tj\x0bk"


@pytest.fixture(autouse=True)
def _clean_logging() -> Iterator[None]:
    """Every test starts and ends without our logging set-up or bound context."""
    reset_logging()
    clear_context()
    yield
    reset_logging()
    clear_context()


def _json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _configured(log_format: str = "json", **options: object) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(format=log_format, stream=stream, service_name="orders", **options)  # type: ignore[arg-type]
    return stream


def test_json_lines_carry_the_standard_fields_first() -> None:
    """A JSON event starts with UTC timestamp, level, logger, service and event, then the caller's fields."""
    stream = _configured()
    logger: FlextLogger = get_logger("etl.load")
    logger.info("batch loaded", rows=120, table="orders")
    (event,) = _json_lines(stream)
    assert list(event)[:7] == ["timestamp", "level", "logger", "service", "event", "rows", "table"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", str(event["timestamp"]))
    assert (event["level"], event["logger"], event["service"], event["event"]) == (
        "info",
        "etl.load",
        "orders",
        "batch loaded",
    )


def test_levels_below_the_threshold_are_filtered() -> None:
    """Events below the configured level are not written; an unknown level is a set-up error."""
    stream = _configured(level="warning")
    logger = get_logger("etl")
    logger.debug("hidden")
    logger.info("hidden too")
    logger.warning("shown")
    logger.error("shown %s", "too")
    assert [event["event"] for event in _json_lines(stream)] == ["shown", "shown too"]
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging(level="verbose")
    with pytest.raises(ValueError, match="unknown log format"):
        configure_logging(format="xml")  # type: ignore[arg-type]


def test_exceptions_are_written_on_the_same_line() -> None:
    """``exception()`` writes the traceback inside the event, still one line."""
    stream = _configured()
    try:
        _ = 1 / 0
    except ZeroDivisionError:
        get_logger("etl").exception("load failed", table="orders")
    (line,) = stream.getvalue().splitlines()
    event = json.loads(line)
    assert event["level"] == "error"
    assert "ZeroDivisionError: division by zero" in str(event["exception"])


def test_console_is_chosen_for_a_terminal() -> None:
    """Without a format, a terminal gets the console format and anything else JSON."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    configure_logging(stream=terminal)
    get_logger("etl").info("hello", rows=1)
    assert not terminal.getvalue().startswith("{")
    assert "hello" in terminal.getvalue()
    reset_logging()
    pipe = io.StringIO()
    configure_logging(stream=pipe)
    get_logger("etl").info("hello")
    assert json.loads(pipe.getvalue())["event"] == "hello"


def test_stdlib_records_share_the_pipeline_and_redaction() -> None:
    """Records of other libraries come out in the same format, with their extra fields redacted."""
    stream = _configured()
    logging.getLogger("botocore.client").warning(
        "retrying %s", "PutObject", extra={"aws_secret_access_key": "AKIA-SECRET", "attempt": 2}
    )
    (event,) = _json_lines(stream)
    assert event["logger"] == "botocore.client"
    assert event["event"] == "retrying PutObject"
    assert event["aws_secret_access_key"] == "REDACTED"
    assert event["attempt"] == 2
    assert "AKIA-SECRET" not in stream.getvalue()


def test_correlation_adds_the_current_span() -> None:
    """Inside a span, events carry its trace and span ids; outside, they carry none."""
    stream = _configured()
    logger = get_logger("etl")
    with use_span_ids(TRACE, SPAN):
        logger.info("inside")
    logger.info("outside")
    inside, outside = _json_lines(stream)
    assert (inside["trace_id"], inside["span_id"]) == (TRACE, SPAN)
    assert "trace_id" not in outside


def test_a_custom_correlation_source_is_used() -> None:
    """Any object with ``current()`` can supply the span ids (another tracing library, say)."""

    class Fixed:
        def current(self) -> SpanIds:
            return SpanIds(TRACE, SPAN)

    stream = _configured(correlation=Fixed())
    get_logger("etl").info("x")
    assert _json_lines(stream)[0]["span_id"] == SPAN


def test_secrets_are_redacted_in_keys_values_and_nesting() -> None:
    """Sensitive keys, URL credentials, signed query parameters and bearer tokens never reach the output."""
    stream = _configured()
    get_logger("etl").info(
        "connecting to postgresql://etl:pg-pass@db:5432/dw",
        password="pw1",
        headers={"Authorization": "Bearer tok1", "Accept": "json"},
        urls=["https://bucket.s3.amazonaws.com/f?X-Amz-Signature=sig1&part=2"],
        note="sent Bearer tok2 upstream",
    )
    text = stream.getvalue()
    for secret in ("pg-pass", "pw1", "tok1", "sig1", "tok2"):
        assert secret not in text
    (event,) = _json_lines(stream)
    assert event["event"] == "connecting to postgresql://REDACTED:REDACTED@db:5432/dw"
    assert event["headers"] == {"Authorization": "REDACTED", "Accept": "json"}
    assert event["urls"] == ["https://bucket.s3.amazonaws.com/f?X-Amz-Signature=REDACTED&part=2"]


def test_redaction_policy_can_be_extended() -> None:
    """Extra key words from the configuration are redacted too."""
    stream = _configured(redaction=redaction_policy(extra_keys=("ssn",)))
    get_logger("etl").info("customer", ssn="123-45-6789", city="Lisbon")
    assert _json_lines(stream)[0] == {**_json_lines(stream)[0], "ssn": "REDACTED", "city": "Lisbon"}


@pytest.mark.parametrize("log_format", ["json", "logfmt", "console"])
def test_every_renderer_writes_one_line_per_event(log_format: str) -> None:
    """Newlines, carriage returns, U+2028/2029/0085, ANSI escapes and NUL never break a line."""
    stream = _configured(log_format)
    logger = get_logger("etl")
    logger.info(HOSTILE_TEXT, field=HOSTILE_TEXT, **{HOSTILE_TEXT: "key"})
    logging.getLogger("lib").error(HOSTILE_TEXT)
    lines = stream.getvalue().split("\n")
    assert lines[-1] == ""
    assert len(lines[:-1]) == 2
    assert all(len(line.splitlines()) == 1 for line in lines[:-1])
    assert "\x1b" not in stream.getvalue()


def test_values_are_recoverable_from_json_and_logfmt() -> None:
    """JSON parses back to the original text; logfmt unescapes back to it."""
    stream = _configured("json")
    get_logger("etl").info(HOSTILE_TEXT, field=HOSTILE_TEXT)
    assert _json_lines(stream)[0]["field"] == HOSTILE_TEXT
    reset_logging()
    stream = _configured("logfmt")
    get_logger("etl").info(HOSTILE_TEXT, field=HOSTILE_TEXT)
    pairs = dict(parse_logfmt(stream.getvalue().rstrip("\n")))
    assert pairs["event"] == HOSTILE_TEXT
    assert pairs["field"] == HOSTILE_TEXT


def test_console_escapes_are_recoverable() -> None:
    """The console line holds the message escaped, and unescaping gives it back."""
    stream = _configured("console")
    get_logger("etl").info(HOSTILE_TEXT)
    line = stream.getvalue().rstrip("\n")
    escaped = line.split("] ", 1)[1].rsplit(" [etl]", 1)[0].strip()
    assert unescape_text(escaped) == HOSTILE_TEXT


def test_unrepresentable_values_and_bad_arguments_never_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value whose repr raises, or bad % arguments, still give one line; failures are counted."""

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError

    stream = _configured()
    setup = current_setup()
    assert setup is not None
    # pytest's own capture handler re-raises formatting errors by design; only ours stays.
    monkeypatch.setattr(logging.getLogger(), "handlers", [setup.handler])
    before = FAILURES.count
    logger = get_logger("etl")
    logger.info("with a broken value", value=Broken())
    logger.info("%d rows", "many")
    logging.getLogger("lib").info("%d rows", "many")
    events = _json_lines(stream)
    assert [event["event"] for event in events] == [
        "with a broken value",
        "<unloggable event>",
        "<unformattable log record>",
    ]
    assert events[0]["value"] == "<unrepresentable Broken>"
    assert FAILURES.count == before + 2


def test_a_failing_stream_never_reaches_the_caller() -> None:
    """Writing to a closed stream is counted, not raised."""
    stream = _configured()
    stream.close()
    before = FAILURES.count
    get_logger("etl").info("lost")
    logging.getLogger("lib").warning("lost too")
    assert FAILURES.count >= before + 2


def test_a_failing_correlation_source_gives_a_placeholder_line() -> None:
    """When shaping fails, the event still goes out as one line naming the error."""

    class Failing:
        def current(self) -> SpanIds:
            raise RuntimeError

    stream = _configured(correlation=Failing())
    get_logger("etl").info("x")
    (event,) = _json_lines(stream)
    assert event["logging_error"] == "RuntimeError"


def test_bound_context_joins_every_event() -> None:
    """Bound values appear in later events until unbound; a block binding ends with the block."""
    stream = _configured()
    logger = get_logger("etl")
    bind_context(run_id="r-1", tap="pg")
    logger.info("first")
    unbind_context("tap")
    with bound_context(step="load"):
        logger.info("second")
    logger.info("third")
    first, second, third = _json_lines(stream)
    assert (first["run_id"], first["tap"]) == ("r-1", "pg")
    assert (second["run_id"], second["step"], "tap" in second) == ("r-1", "load", False)
    assert "step" not in third


def test_metrics_count_events_per_level_and_failures() -> None:
    """With a metrics service, events are counted per level and placeholder lines as failures."""
    metrics = FlextMetricsService()
    _configured(metrics=metrics)
    logger = get_logger("etl")
    logger.info("a")
    logger.info("b")
    logger.error("c")
    logger.info("%d", "x")
    snapshot = metrics.snapshot()
    events = snapshot.family("flext_observability_log_events_total")
    assert events is not None
    assert events.state(level="info").value == 3  # type: ignore[union-attr]
    assert events.state(level="error").value == 1  # type: ignore[union-attr]
    failures = snapshot.family("flext_observability_log_failures_total")
    assert failures is not None
    assert failures.state().value == 1  # type: ignore[union-attr]


def test_reset_removes_our_handler() -> None:
    """After a reset, the root logger has no handler of ours and no set-up is current."""
    configure_logging(stream=io.StringIO())
    setup = current_setup()
    assert setup is not None
    assert setup.handler in logging.getLogger().handlers
    reset_logging()
    assert setup.handler not in logging.getLogger().handlers
    assert current_setup() is None


def test_reconfiguring_replaces_the_previous_set_up() -> None:
    """A second configuration writes to its own stream only."""
    first = _configured()
    second = _configured("logfmt")
    get_logger("etl").info("only once")
    logging.getLogger("lib").info("only once too")
    assert first.getvalue() == ""
    assert second.getvalue().count("\n") == 2


def test_reconfiguration_reaches_loggers_already_used(capsys: pytest.CaptureFixture[str]) -> None:
    """Ensures a second configure_logging (and reset_logging) reaches loggers taken and used before it."""
    first, second = io.StringIO(), io.StringIO()
    log = get_logger("early")
    configure_logging(format="json", stream=first, level="info", capture_stdlib=False)
    log.info("one")
    log.debug("hidden")
    bound = get_logger("bound").bind(job="nightly")
    bound.info("bound one")
    configure_logging(
        format="json",
        stream=second,
        level="debug",
        capture_stdlib=False,
        redaction=redaction_policy(extra_keys=("ssn",)),
    )
    log.debug("two", ssn="123-45-6789")
    bound.info("bound two", ssn="123-45-6789")
    configure_logging(format="json", stream=second, level="warning", capture_stdlib=False)
    bound.info("bound dropped")
    bound.warning("bound three")
    reset_logging()
    capsys.readouterr()
    log.info("after reset")
    after = capsys.readouterr().out
    firsts = [json.loads(line)["event"] for line in first.getvalue().splitlines()]
    seconds = [json.loads(line) for line in second.getvalue().splitlines()]
    assert firsts == ["one", "bound one"]
    assert [event["event"] for event in seconds] == ["two", "bound two", "bound three"]
    assert {event.get("ssn") for event in seconds} == {"REDACTED", None}
    assert seconds[2]["job"] == "nightly"
    assert "123-45-6789" not in second.getvalue()
    assert "after reset" in after
    assert "after reset" not in first.getvalue() + second.getvalue()
