"""Families read when scraped: a counter or gauge whose values a function gives on demand.

Some numbers already live elsewhere — a queue's length, a process's memory,
a health check's last status, spans exported so far — and copying them into
a gauge after every change costs time on a hot path and lags behind. A
callback family asks for them at the moment of a snapshot instead (the seam
prometheus-client's process collector and OpenTelemetry's observable
instruments use).

A reader returns either one number (for a family without labels) or an
iterable of ``(labels, value)`` pairs, ``labels`` a mapping with exactly the
family's label names. Several readers may share one family (registered with
the same definition): their samples add up, each reporting its share.

What a reader gives is checked sample by sample; a bad sample is left out and
counted, and a reader that raises gives no samples that time and is counted
too (``flext_observability_rejected_samples_total{reason=...}``), each kind
logged once. A label value holding credentials (a URL's user-info, a
``token=`` parameter) is exposed redacted and counted in
``flext_observability_redacted_label_values_total`` the first time its label
set is seen (up to ``max_series`` label sets remembered; beyond, at every
snapshot). Readers run in the thread taking the snapshot, outside every
lock of the service; they must be quick and must not wait on the service.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from flext_observability.core.errors import FlextErrorCode
from flext_observability.core.metrics.aggregation import CounterState, GaugeState
from flext_observability.core.metrics.exposition import FamilySnapshot, SeriesSnapshot
from flext_observability.core.values import MetricKind
from flext_observability.shell.locks import fork_safe_lock
from flext_observability.shell.metrics.series import check_label_values

if TYPE_CHECKING:
    from collections.abc import Callable

    from flext_observability.core.metrics.instruments import InstrumentSpec
    from flext_observability.core.redaction import RedactionPolicy

_CALLBACK_KINDS: Final = frozenset({MetricKind.COUNTER, MetricKind.GAUGE})


class CallbackHandle:
    """One registered reader; :meth:`remove` takes it out of its family."""

    __slots__ = ("_family", "_reader")

    def __init__(self, family: CallbackFamily, reader: Callable[[], object]) -> None:
        self._family = family
        self._reader = reader

    @property
    def name(self) -> str:
        """The family's name as exposed."""
        return self._family.spec.exposed_name

    def remove(self) -> None:
        """Stop reading this reader (calling it twice does nothing)."""
        self._family.remove(self._reader)


class CallbackFamily:
    """A counter or gauge family whose samples its readers give at each snapshot."""

    def __init__(
        self,
        spec: InstrumentSpec,
        *,
        redaction: RedactionPolicy,
        on_reject: Callable[[str, FlextErrorCode, str], None],
        on_overflow: Callable[[str, bool], None],
        on_redact: Callable[[str, tuple[str, ...]], None] | None = None,
    ) -> None:
        """A family for ``spec`` (a counter or a gauge).

        Refusals go to ``on_reject`` and ``on_overflow``; a new label set
        that redaction changed goes to ``on_redact`` with the names of the
        labels it changed.
        """
        if spec.kind not in _CALLBACK_KINDS:
            message = f"a callback family is a counter or a gauge, not a {spec.kind.value}"
            raise ValueError(message)
        self.spec = spec
        self._redaction = redaction
        self._on_reject = on_reject
        self._on_overflow = on_overflow
        self._on_redact = on_redact
        # Label sets as given whose redaction was already reported; bounded by the series cap.
        self._redacted_seen: set[tuple[object, ...]] = set()
        self._readers: tuple[Callable[[], object], ...] = ()
        self._lock = fork_safe_lock()
        self._overflowed = False

    def add(self, reader: Callable[[], object]) -> CallbackHandle:
        """Read ``reader`` too from now on."""
        with self._lock:
            self._readers = (*self._readers, reader)
        return CallbackHandle(self, reader)

    def remove(self, reader: Callable[[], object]) -> None:
        """Stop reading ``reader``."""
        with self._lock:
            self._readers = tuple(known for known in self._readers if known is not reader)

    def snapshot(self) -> FamilySnapshot:
        """Ask every reader now; their valid samples, added up by label set and ordered by label values."""
        totals: dict[tuple[tuple[str, str], ...], float] = {}
        for reader in self._readers:  # a tuple, replaced whole: no lock needed to read it
            try:
                self._read(reader, totals)
            except Exception as error:  # noqa: BLE001 - a failing reader costs its samples, never the scrape
                self._on_reject(self.spec.exposed_name, FlextErrorCode.CALLBACK_FAILED, type(error).__name__)
        state = CounterState if self.spec.kind is MetricKind.COUNTER else GaugeState
        series = tuple(SeriesSnapshot(labels, state(value=value)) for labels, value in sorted(totals.items()))
        return FamilySnapshot(spec=self.spec, series=series)

    def _read(self, reader: Callable[[], object], totals: dict[tuple[tuple[str, str], ...], float]) -> None:
        """Add what ``reader`` gives to ``totals``; stops at the family's series cap."""
        given = reader()
        if _is_number(given):
            self._take(totals, (), given)
            return
        if isinstance(given, str | bytes | dict) or not hasattr(given, "__iter__"):
            message = f"a reader returns a number or (labels, value) pairs, got {type(given).__name__}"
            raise TypeError(message)
        for item in given:
            if not isinstance(item, tuple) or len(item) != 2:
                message = f"each item a reader returns is a (labels, value) pair, got {type(item).__name__}"
                raise TypeError(message)
            if not self._take(totals, item[0], item[1]):
                return

    def _take(self, totals: dict[tuple[tuple[str, str], ...], float], labels: object, value: object) -> bool:
        """Add one sample (or count why not); ``False`` once the series cap is passed."""
        name = self.spec.exposed_name
        pairs = self._label_pairs(labels)
        if isinstance(pairs, str):
            self._on_reject(name, FlextErrorCode.WRONG_LABELS, pairs)
            return True
        if not _is_number(value):
            self._on_reject(name, FlextErrorCode.WRONG_TYPE, f"a value must be a number, got {type(value).__name__}")
            return True
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            self._on_reject(name, FlextErrorCode.NOT_FINITE, "a value must be finite")
            return True
        if self.spec.kind is MetricKind.COUNTER and number < 0:
            self._on_reject(name, FlextErrorCode.NEGATIVE_COUNTER, "a counter's value cannot be negative")
            return True
        if pairs not in totals and len(totals) >= self.spec.max_series:
            self._on_overflow(name, not self._overflowed)
            self._overflowed = True
            return False
        totals[pairs] = totals.get(pairs, 0.0) + number
        return True

    def _label_pairs(self, labels: object) -> tuple[tuple[str, str], ...] | str:
        names = self.spec.label_names
        expected = f"expected labels {list(names)}"
        if not isinstance(labels, Mapping):
            return expected if names or labels != () else ()
        if set(labels) != set(names):
            return f"{expected}, got {sorted(map(str, labels))}"
        given = tuple(labels[name] for name in names)
        checked = check_label_values(names, given, self._redaction)
        if isinstance(checked, str):
            return checked
        if checked.redacted:
            self._report_redaction(given, checked.redacted)
        return tuple(zip(names, checked.values, strict=True))

    def _report_redaction(self, given: tuple[object, ...], redacted: tuple[str, ...]) -> None:
        """Tell ``on_redact`` of a label set redaction changed, the first time it is seen."""
        rememberable = all(type(value) is str or type(value) is int for value in given)
        with self._lock:
            if rememberable and given in self._redacted_seen:
                return
            if rememberable and len(self._redacted_seen) < self.spec.max_series:
                self._redacted_seen.add(given)
        if self._on_redact is not None:
            self._on_redact(self.spec.exposed_name, redacted)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
