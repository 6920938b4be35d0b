"""Logs: structlog set-up with trace correlation and redaction, the logging service, logfmt, the log entry.

This module only re-exports; it is one of the public faces of the package.
Import from here, not from the internal ``core`` and ``shell`` packages,
which may move between releases.

>>> from flext_observability.logs import is_sensitive_key, redact_text, redaction_policy
>>> policy = redaction_policy(extra_keys=("tenant_key",))
>>> is_sensitive_key(policy, "tenant_key"), is_sensitive_key(policy, "tenant")
(True, False)
>>> redact_text(policy, "postgresql://etl:hunter2@db/dw")
'postgresql://REDACTED:REDACTED@db/dw'
"""

from __future__ import annotations

from flext_observability.core.logs.entry import (
    FlextLogEntry,
    build_log_entry,
    log_entry_from_dict,
    validate_log_entry,
)
from flext_observability.core.logs.escaping import escape_text, parse_logfmt, render_logfmt
from flext_observability.core.redaction import (
    DEFAULT_POLICY,
    RedactionPolicy,
    is_sensitive_key,
    redact_mapping,
    redact_text,
    redact_value,
    redaction_policy,
)
from flext_observability.core.values import LogLevel
from flext_observability.shell.context import (
    ContextCorrelation,
    ContextExecutor,
    CorrelationSource,
    HasSpanIds,
    SpanIds,
    bind_context,
    bound_context,
    clear_context,
    current_context,
    current_span_ids,
    unbind_context,
    use_span_ids,
    with_current_context,
)
from flext_observability.shell.logs.service import FlextLoggingService
from flext_observability.shell.logs.setup import FlextLogger, configure_logging, get_logger, reset_logging

__all__ = [
    "DEFAULT_POLICY",
    "ContextCorrelation",
    "ContextExecutor",
    "CorrelationSource",
    "FlextLogEntry",
    "FlextLogger",
    "FlextLoggingService",
    "HasSpanIds",
    "LogLevel",
    "RedactionPolicy",
    "SpanIds",
    "bind_context",
    "bound_context",
    "build_log_entry",
    "clear_context",
    "configure_logging",
    "current_context",
    "current_span_ids",
    "escape_text",
    "get_logger",
    "is_sensitive_key",
    "log_entry_from_dict",
    "parse_logfmt",
    "redact_mapping",
    "redact_text",
    "redact_value",
    "redaction_policy",
    "render_logfmt",
    "reset_logging",
    "unbind_context",
    "use_span_ids",
    "validate_log_entry",
    "with_current_context",
]
