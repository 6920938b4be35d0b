"""The standard-library loggers the library writes its own warnings to, with their text redacted.

The library reports trouble (an exporter that failed, a refused sample, a
port already taken) on ``logging`` loggers under ``flext_observability``.
Such a message can hold a URL with credentials (``https://user:token@collector``)
or an exception's text. When the host has not configured logging, Python's
last-resort handler prints those records to stderr as they are; a host's own
handlers would do the same. So every logger made here carries a filter that
rewrites the record before any handler sees it: the formatted message and the
formatted traceback pass through the redaction policy of the current logging
set-up (the default policy when there is none).
"""

from __future__ import annotations

import logging
from typing import Final

from flext_observability.core.redaction import DEFAULT_POLICY, RedactionPolicy, redact_text

_FORMATTER: Final = logging.Formatter()


def _policy() -> RedactionPolicy:
    # Imported here: the logging set-up itself writes through these loggers.
    from flext_observability.shell.logs.setup import current_setup  # noqa: PLC0415

    setup = current_setup()
    return DEFAULT_POLICY if setup is None else setup.pipeline.policy


class RedactingFilter(logging.Filter):
    """Replaces a record's message (and traceback text) with its redacted form; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never raises, never drops."""
        try:
            policy = _policy()
            message = record.getMessage()
            record.msg = redact_text(policy, message)
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = _FORMATTER.formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact_text(policy, record.exc_text)
            if record.stack_info:
                record.stack_info = redact_text(policy, record.stack_info)
        except Exception:  # noqa: BLE001 - a record that cannot be formatted says so, without its arguments
            record.msg = f"{record.name}: a message of the library could not be formatted"
            record.args = None
        return True


_FILTER: Final = RedactingFilter()


def library_logger(name: str) -> logging.Logger:
    """The logger ``name`` (under ``flext_observability``), its records redacted before any handler sees them."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
