"""An alert's identity as Alertmanager computes it: the 64-bit FNV-1a fingerprint of its label set.

Alertmanager knows an alert by its labels alone. Its fingerprint (shown as
``fingerprint`` by ``GET /api/v2/alerts`` and in webhook payloads) is
Prometheus's ``LabelSet.Fingerprint()``: FNV-1a, 64 bits, over the label
names in sorted order, each name's UTF-8 bytes, a ``0xff`` byte, the value's
bytes and another ``0xff``; an empty label set hashes to the FNV offset
basis. ``0xff`` never occurs in UTF-8, so no two label sets run together
into the same bytes. The result is written as 16 lowercase hex digits.

A label with an empty value is no label at all, to Prometheus and to
Alertmanager (which drops it from an alert it receives), so it is left out
of the fingerprint too:

>>> label_set_fingerprint({"alertname": "A", "tap": ""}) == label_set_fingerprint({"alertname": "A"})
True

>>> label_set_fingerprint({"alertname": "PipelineStalled", "severity": "warning", "tap": "postgres"})
'069c5001f28ebcb8'
>>> label_set_fingerprint({"tap": "postgres", "severity": "warning", "alertname": "PipelineStalled"})
'069c5001f28ebcb8'
>>> label_set_fingerprint({})
'cbf29ce484222325'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from flext_observability.core.checks import read_items

_OFFSET_BASIS: Final = 0xCBF29CE484222325
_PRIME: Final = 0x100000001B3
_MASK: Final = 0xFFFFFFFFFFFFFFFF


def _add(hashed: int, data: bytes) -> int:
    for byte in data:
        hashed = ((hashed ^ byte) * _PRIME) & _MASK
    return hashed


def label_set_fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's fingerprint of ``labels``, as 16 hex digits; ``""`` when they are not text to text.

    Never raises: a mapping that cannot be read, or a name or value that is
    not text (or not encodable as UTF-8, such as a lone surrogate), has no
    fingerprint.

    >>> label_set_fingerprint({"a": 1})
    ''
    """
    items = read_items([], "labels", labels)
    if items is None:
        return ""
    pairs: dict[str, str] = {}
    for name, value in items:
        if not isinstance(name, str) or not isinstance(value, str):
            return ""
        if value:
            pairs[str.__str__(name)] = str.__str__(value)
    hashed = _OFFSET_BASIS
    try:
        for name in sorted(pairs):
            hashed = _add(hashed, name.encode("utf-8"))
            hashed = _add(hashed, b"\xff")
            hashed = _add(hashed, pairs[name].encode("utf-8"))
            hashed = _add(hashed, b"\xff")
    except UnicodeEncodeError:
        return ""
    return f"{hashed:016x}"
