"""Redaction: keep secrets out of log events, span attributes and metric labels.

A :class:`RedactionPolicy` says what counts as a secret. Two rules apply:

- **keys**: the value under a sensitive key (``db_password``, ``X-Api-Key``,
  ``accessToken``, ``PGPASSWORD``) is replaced wholesale, whatever its type,
  and so is the value of a ``(name, value)`` header pair with a sensitive name;
- **text**: secrets written inside text are replaced and the text around them
  kept: URL userinfo, sensitive query and connection-string parameters,
  ``Bearer`` tokens, ``Authorization`` headers, quoted ``'password': ...``
  pairs (JSON or a Python ``repr`` put into a message), ``password: x`` in
  prose and SQL password literals.

The key rule is exact; the text rules are a safety net for secrets formatted
into messages, and cannot know every format. Log a secret as a field, never
inside a message, and the key rule takes care of it. Metric labels use the
text rules only: a label's name says what it counts, so ``auth_method`` keeps
its values, and only a credential inside a value is replaced.

>>> policy = redaction_policy()
>>> redact_value(policy, {"user": "etl", "db_password": "hunter2", "tables": ["orders"]})
{'user': 'etl', 'db_password': 'REDACTED', 'tables': ['orders']}
>>> redact_text(policy, "connecting to postgresql://etl:hunter2@db:5432/warehouse?sslmode=require")
'connecting to postgresql://REDACTED:REDACTED@db:5432/warehouse?sslmode=require'
>>> redact_text(policy, "GET https://api.example.com/v1/rows?page=2&access_token=ya29.abc")
'GET https://api.example.com/v1/rows?page=2&access_token=REDACTED'
"""

from __future__ import annotations

from flext_observability.core.redaction.policy import (
    DEFAULT_GLUED_KEYS,
    DEFAULT_KEYS,
    DEFAULT_MAX_DEPTH,
    DEFAULT_ORDINARY_WORDS,
    DEFAULT_POLICY,
    DEFAULT_QUERY_PARAMETERS,
    DEFAULT_REPLACEMENT,
    DEFAULT_SAFE_SUFFIXES,
    MAX_DEPTH_LIMIT,
    MAX_REMEMBERED_KEY_LENGTH,
    MAX_REMEMBERED_KEYS,
    RedactionPolicy,
    is_sensitive_key,
    redaction_policy,
)
from flext_observability.core.redaction.structures import redact_mapping, redact_value
from flext_observability.core.redaction.text import redact_text

__all__ = [
    "DEFAULT_GLUED_KEYS",
    "DEFAULT_KEYS",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_ORDINARY_WORDS",
    "DEFAULT_POLICY",
    "DEFAULT_QUERY_PARAMETERS",
    "DEFAULT_REPLACEMENT",
    "DEFAULT_SAFE_SUFFIXES",
    "MAX_DEPTH_LIMIT",
    "MAX_REMEMBERED_KEYS",
    "MAX_REMEMBERED_KEY_LENGTH",
    "RedactionPolicy",
    "is_sensitive_key",
    "redact_mapping",
    "redact_text",
    "redact_value",
    "redaction_policy",
]
