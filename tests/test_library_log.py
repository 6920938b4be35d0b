"""Attack: the library's own warnings must not print credentials, even with logging never configured.

Python's last-resort handler prints a record's text to stderr as it is. The
library's warnings name exporters and URLs; one configured with credentials in
its URL must show them redacted there, and in any handler the host adds.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

CANARY = "CanaryS3cret"


def test_an_exporter_failure_prints_no_credentials_to_stderr() -> None:
    """Ensures a failing exporter with user-info in its URL leaves no secret on stderr (no logging set up)."""
    script = textwrap.dedent(
        f"""
        from flext_observability.tracing import FlextOtlpHttpExporter, FlextTracingService
        exporter = FlextOtlpHttpExporter("http://etl:{CANARY}@127.0.0.1:9/v1/traces", timeout=0.5, max_retries=0)
        tracing = FlextTracingService(exporters=[exporter], schedule_delay=0.05)
        with tracing.start_span("load"):
            pass
        tracing.force_flush(2.0)
        tracing.shutdown(2.0)
        """
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, running the script above
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "127.0.0.1:9" in done.stderr  # the warning was printed...
    assert CANARY not in done.stderr  # ...without the password
    assert CANARY not in done.stdout


def test_a_host_handler_gets_redacted_text_and_traceback() -> None:
    """Ensures a host's own handler sees the message and the traceback text redacted."""
    from flext_observability.shell.library_log import library_logger  # noqa: PLC0415 - the unit under attack

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(logging.Formatter().format(record))

    logger = library_logger("flext_observability.attack")
    handler = Keep()
    logger.addHandler(handler)
    try:
        logger.warning("push to %s failed", f"https://u:{CANARY}@gateway:9091")
        try:
            message = f"refused by postgresql://etl:{CANARY}@db/dw"
            raise ConnectionError(message)  # noqa: TRY301 - raised to be logged
        except ConnectionError:
            logger.exception("export failed")
        logger.warning("bad args %s %s", "only one")  # noqa: PLE1206 - a broken call, on purpose
    finally:
        logger.removeHandler(handler)
    assert len(records) == 3
    assert "gateway:9091" in records[0]
    assert "ConnectionError" in records[1]
    assert "could not be formatted" in records[2]
    assert not any(CANARY in record for record in records)
