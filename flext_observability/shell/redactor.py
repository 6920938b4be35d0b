"""A memo in front of the core's redaction rules, for the logging hot path.

Log events repeat the same keys and many of the same short values (event
names, table names, statuses). :class:`CachingRedactor` asks the core's
:class:`~flext_observability.core.redaction.RedactionPolicy` once per key and
once per short value, and remembers the answer in bounded dicts; the rules
themselves stay in the core. When a memo is full it is cleared, so memory
stays bounded whatever the traffic.

>>> from flext_observability.core.redaction import DEFAULT_POLICY
>>> redactor = CachingRedactor(DEFAULT_POLICY)
>>> redactor.event({"event": "connect", "dsn_url": "postgresql://etl:s3cret@db/dw", "api_key": "k", "rows": 3})
{'event': 'connect', 'dsn_url': 'postgresql://REDACTED:REDACTED@db/dw', 'api_key': 'REDACTED', 'rows': 3}
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from flext_observability.core.logs.event import json_safe
from flext_observability.core.redaction import is_sensitive_key, redact_text, redact_value
from flext_observability.shell.locks import fork_safe_lock

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flext_observability.core.redaction import RedactionPolicy

MEMO_SIZE: Final = 4096
"""Keys, and short values, remembered per memo."""

SHORT_TEXT: Final = 64
"""Values up to this length are remembered; longer ones are checked every time."""

_PLAIN: Final = frozenset({int, bool, type(None)})


class CachingRedactor:
    """Redacts events with a policy, remembering its decisions for keys and short values."""

    __slots__ = ("_keys", "_lock", "_texts", "policy")

    def __init__(self, policy: RedactionPolicy) -> None:
        """Apply ``policy``."""
        self.policy = policy
        self._keys: dict[str, tuple[str, bool]] = {}
        self._texts: dict[str, str] = {}
        self._lock = fork_safe_lock()

    def _learn_key(self, key: str) -> tuple[str, bool]:
        decision = (redact_text(self.policy, key), is_sensitive_key(self.policy, key))
        with self._lock:
            if len(self._keys) >= MEMO_SIZE:
                self._keys.clear()
            self._keys[key] = decision
        return decision

    def text(self, value: str) -> str:
        """``value`` with any secret inside it replaced."""
        if len(value) > SHORT_TEXT:
            return redact_text(self.policy, value)
        known = self._texts.get(value)
        if known is not None:
            return known
        redacted = redact_text(self.policy, value)
        with self._lock:
            if len(self._texts) >= MEMO_SIZE:
                self._texts.clear()
            self._texts[value] = redacted
        return redacted

    def event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """A redacted copy of ``event`` as plain JSON data (see :func:`json_safe`)."""
        replacement = self.policy.replacement
        redacted: dict[str, Any] = {}
        keys, texts = self._keys, self._texts
        for key, value in event.items():
            name = key if type(key) is str else str(json_safe(key))
            decision = keys.get(name) or self._learn_key(name)
            out_key = decision[0]
            if decision[1]:
                redacted[out_key] = replacement
                continue
            kind = type(value)
            if kind is str:
                known = texts.get(value)
                redacted[out_key] = known if known is not None else self.text(value)
            elif kind in _PLAIN:
                redacted[out_key] = value
            elif kind is float:
                redacted[out_key] = value if math.isfinite(value) else repr(value)
            else:
                # Objects become text first, so that secrets in their repr are redacted too.
                redacted[out_key] = redact_value(self.policy, json_safe(value))
        return redacted
