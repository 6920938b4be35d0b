"""Both rules applied through structures: mappings, lists, tuples and sets, cycles and depth bounded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, TypeVar

from flext_observability.core.redaction.policy import DEFAULT_POLICY, RedactionPolicy, is_sensitive_key
from flext_observability.core.redaction.text import redact_text

K = TypeVar("K")

# --- secrets inside structures ------------------------------------------------

_ATOMS: Final = frozenset({int, float, bool, type(None), bytes, complex})


def _redact_entries(
    policy: RedactionPolicy,
    mapping: Mapping[K, object],
    depth: int,
    ancestors: tuple[int, ...],
) -> dict[K | str, object]:
    inside = (*ancestors, id(mapping))
    redacted: dict[K | str, object] = {}
    for key, item in list(mapping.items()):
        if issubclass(type(key), str):
            # A key may hold a URL; one with credentials gets them hidden too.
            text = str.__str__(key)
            name = redact_text(policy, text)
            redacted[key if name == text else name] = (
                policy.replacement if is_sensitive_key(policy, key) else _redact(policy, item, depth + 1, inside)
            )
        else:
            redacted[key] = _redact(policy, item, depth + 1, inside)
    return redacted


def _redact_any(
    policy: RedactionPolicy,
    value: object,
    depth: int,
    ancestors: tuple[int, ...],
) -> object:
    if isinstance(value, str):
        text = str.__str__(value)
        redacted = redact_text(policy, text)
        return value if redacted == text else redacted
    if not isinstance(value, Mapping | list | tuple):
        return value
    # A container seen again on the way down is a cycle; stop there.
    if depth >= policy.max_depth or id(value) in ancestors:
        return policy.replacement
    if isinstance(value, Mapping):
        return _redact_entries(policy, value, depth, ancestors)
    pair = _header_pair(policy, value)
    if pair is not None:
        return pair
    inside = (*ancestors, id(value))
    items = [_redact(policy, item, depth + 1, inside) for item in list(value)]
    return tuple(items) if isinstance(value, tuple) else items


def _header_pair(policy: RedactionPolicy, value: list[object] | tuple[object, ...]) -> object:
    """A (name, value) pair with a sensitive name, its value replaced; ``None`` for anything else.

    Headers travel as lists of pairs in WSGI, ASGI (as bytes), httpx and
    requests: ``[("Authorization", "Basic ...")]``.
    """
    if len(value) != 2:
        return None
    name, secret = value
    if isinstance(name, bytes | bytearray):
        name = bytes(name).decode("latin-1")
    if not is_sensitive_key(policy, name):
        return None
    hidden: object = policy.replacement.encode() if isinstance(secret, bytes | bytearray) else policy.replacement
    return (value[0], hidden) if isinstance(value, tuple) else [value[0], hidden]


def _redact(policy: RedactionPolicy, value: object, depth: int, ancestors: tuple[int, ...]) -> object:
    kind = type(value)
    if kind is str:
        return redact_text(policy, value)  # type: ignore[arg-type]
    if kind in _ATOMS:
        return value
    try:
        return _redact_any(policy, value, depth, ancestors)
    except Exception:  # noqa: BLE001 - what cannot be read cannot be shown safely either
        return policy.replacement


def redact_value(policy: RedactionPolicy, value: object) -> object:
    """``value`` with its secrets replaced by ``policy.replacement``; never raises.

    Text goes through :func:`redact_text`. Any mapping becomes a new ``dict``:
    the values of sensitive keys are replaced wholesale, the others redacted in
    turn, and text keys are redacted as text (a key may be a URL). Lists and
    tuples come back as lists and tuples. Containers nested deeper than
    ``policy.max_depth``, cycles, and whatever fails when read are replaced;
    every other value (numbers, bytes, other objects) is returned unchanged.
    A pair (a list or tuple of two items) whose first item is a sensitive
    name, as text or bytes, is a header: its second item is replaced.

    >>> redact_value(DEFAULT_POLICY, [{"Authorization": "Basic dXNlcjpwYXNz"}, ("https://u:p@h", 3)])
    [{'Authorization': 'REDACTED'}, ('https://REDACTED:REDACTED@h', 3)]
    >>> redact_value(DEFAULT_POLICY, [(b"host", b"api"), (b"authorization", b"Basic dXNlcjpwYXNz")])
    [(b'host', b'api'), (b'authorization', b'REDACTED')]
    >>> loop = {"name": "loop"}
    >>> loop["self"] = loop
    >>> redact_value(DEFAULT_POLICY, loop)
    {'name': 'loop', 'self': 'REDACTED'}

    A policy that is not a :class:`RedactionPolicy` is read as :data:`DEFAULT_POLICY`.
    """
    given: object = policy  # the annotation binds type checkers, not every caller
    return _redact(given if isinstance(given, RedactionPolicy) else DEFAULT_POLICY, value, 0, ())


def redact_mapping(policy: RedactionPolicy, mapping: Mapping[str, object]) -> dict[str, object]:
    """A top-level event with its secrets replaced, as a new ``dict``; never raises.

    The same as :func:`redact_value` for a mapping, except that the result is
    always a ``dict``: an event that cannot be read gives an empty one. A
    policy that is not a :class:`RedactionPolicy` is read as :data:`DEFAULT_POLICY`.

    >>> redact_mapping(DEFAULT_POLICY, {"event": "loaded", "sessionId": "8f3a", "rows": 120})
    {'event': 'loaded', 'sessionId': 'REDACTED', 'rows': 120}
    """
    try:
        given: object = policy  # the annotation binds type checkers, not every caller
        return _redact_entries(given if isinstance(given, RedactionPolicy) else DEFAULT_POLICY, mapping, 0, ())
    except Exception:  # noqa: BLE001 - an unreadable event has nothing that can be shown safely
        return {}
