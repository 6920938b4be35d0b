"""The ``METRIC:`` lines of Singer taps and targets, as Prometheus metrics, for ``run --singer``.

Taps and targets built on the Meltano SDK, and those built on singer-python,
log one JSON object per measurement on stderr, after whatever prefix their
logging format writes. The SDK (``tap-rest-api-msdk`` 1.4.2, SDK 0.40) writes::

    2026-01-05 02:15:00,613 | INFO     | singer_sdk.metrics   | METRIC: {"type": "counter", \
"metric": "record_count", "value": 12, "tags": {"stream": "users", "pid": 7915, "context": {}}}

and singer-python (``%(levelname)s %(message)s``)::

    INFO METRIC: {"type": "timer", "metric": "http_request_duration", "value": 0.05, \
"tags": {"endpoint": "users", "http_status_code": 200, "status": "succeeded"}}

The JSON object right after ``METRIC:`` is read, wherever it is in the
line; text after it (fields a logging format appends) is ignored. A
counter's value is what it counted since its previous line, so the lines
add up; a timer's value is one duration in seconds.

:func:`parse_line` reads one line, purely: a line that holds no ``METRIC:``
gives ``None``, a metric line gives a :class:`SingerPoint` (the Prometheus
family, its label values and the number), and anything wrong gives a
:class:`Refusal` with a :class:`Reason`. It never raises. :class:`LineSplitter`
cuts a byte stream into the lines worth parsing, holding at most
:data:`MAX_LINE_BYTES` of one. :class:`SingerMetrics` records points into a
:class:`~flext_observability.shell.metrics.service.FlextMetricsService` (the
one the run publishes), counting every refusal in
``singer_metric_lines_refused_total{reason}``. :class:`StderrRelay` copies the
child's stderr to ours as it arrives and feeds the recorder.

Only the tag keys of :data:`TAG_LABELS` become labels (``http_status_code``
as ``status_code``); ``context``, ``pid`` and any other tag are dropped.
Label values are cut to :data:`MAX_LABEL_VALUE_LENGTH` characters, and each
family keeps at most :data:`MAX_SERIES` label sets: further ones go to the
service's overflow series (``otel_metric_overflow="true"``), counted in
``singer_metric_series_overflow_total``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import select
import threading
import time
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Self

import attrs
from returns.result import Failure, Result

from flext_observability.core.errors import FlextValidationError
from flext_observability.core.metrics.instruments import InstrumentSpec, define_instrument, name_clash
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.core.values import MetricKind
from flext_observability.shell.metrics.series import Counter, Histogram
from flext_observability.shell.metrics.service import FlextMetricsService

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from flext_observability.core.metrics.exposition import FamilySnapshot

MARKER: Final = b"METRIC: "
"""What starts the JSON of a metric, anywhere in a line (after the logging prefix)."""

MAX_LINE_BYTES: Final = 64 * 1024
"""The longest line (without its newline) read for a metric; a longer one is passed on unread."""

READ_SIZE: Final = 64 * 1024
"""Bytes asked of the child's stderr pipe at a time."""

MAX_LABEL_VALUE_LENGTH: Final = 100
"""Characters kept of one label value; the rest is cut."""

MAX_SERIES: Final = 100
"""Label sets one Singer family keeps; further ones share the overflow series."""

MAX_OTHER_NAMES: Final = 10
"""Metric names outside :data:`KNOWN_FAMILIES` that become families; lines of further names are refused."""

MAX_COUNT: Final = float(2**53)
"""The largest counter value taken from one line (integers are exact up to here)."""

MAX_DURATION_SECONDS: Final = 366 * 86400.0
"""The longest duration taken from one timer line: a year."""

TAG_LABELS: Final = {
    "stream": "stream",
    "endpoint": "endpoint",
    "http_status_code": "status_code",
    "status": "status",
    "job_type": "job_type",
}
"""The tag keys that become labels, and the label each one becomes; every other tag is dropped."""

HTTP_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Bucket bounds, in seconds, of HTTP request durations."""

DURATION_BUCKETS: Final = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0)
"""Bucket bounds, in seconds, of every other duration (syncs, jobs, batches)."""

_SERVICE_LOGGER: Final = "flext_observability.metrics"
_WAIT_SECONDS: Final = 1.0
_MAX_NAME_LENGTH: Final = 64
_MAX_METRIC_TEXT: Final = 200
_MAX_INT_DIGITS: Final = 30
_CONTROL: Final = dict.fromkeys([*range(32), 127], " ")


class Reason(StrEnum):
    """Why a ``METRIC:`` line was not recorded: the ``reason`` label of ``singer_metric_lines_refused_total``."""

    LINE_TOO_LONG = "line_too_long"
    """The line is longer than :data:`MAX_LINE_BYTES`; it was passed on unread."""
    NOT_UTF8 = "not_utf8"
    """The text after ``METRIC:`` is not UTF-8."""
    MALFORMED_JSON = "malformed_json"
    """The text after ``METRIC:`` does not start with a JSON document (not JSON, truncated, nested too deep)."""
    NOT_AN_OBJECT = "not_an_object"
    """The JSON is a list, a string or a number, not an object."""
    MISSING_FIELD = "missing_field"
    """``type``, ``metric`` or ``value`` is missing."""
    WRONG_TYPE = "wrong_type"
    """A field has the wrong JSON type: a text value, an object of tags that is a list, a label that is a list."""
    UNKNOWN_TYPE = "unknown_type"
    """``type`` is neither ``counter`` nor ``timer``."""
    BAD_NAME = "bad_name"
    """The metric name makes no Prometheus name that follows the naming conventions."""
    CONFLICT = "conflict"
    """A known metric of the other type, or a name that would take the name of another family."""
    TOO_MANY_NAMES = "too_many_names"
    """More than :data:`MAX_OTHER_NAMES` names outside the known ones."""
    NOT_FINITE = "not_finite"
    """The value is ``NaN`` or ``Infinity``."""
    OUT_OF_RANGE = "out_of_range"
    """The value is negative or too large (see :data:`MAX_COUNT` and :data:`MAX_DURATION_SECONDS`)."""
    REJECTED = "rejected"
    """The metrics service refused the sample (its label values, after redaction, were too long)."""


@attrs.frozen
class Refusal:
    """A ``METRIC:`` line that is not recorded: why (the counted reason), and what exactly was wrong."""

    reason: Reason
    detail: str


@attrs.frozen
class SingerPoint:
    """One measurement of a ``METRIC:`` line, as a Prometheus family is to record it.

    ``labels`` are the values of ``family.label_names``, in that order (an
    absent tag is the empty value); ``value`` is what a counter adds, or the
    seconds a histogram observes.
    """

    family: InstrumentSpec
    labels: tuple[str, ...]
    value: float


def _family(kind: MetricKind, name: str, help_text: str, labels: tuple[str, ...]) -> InstrumentSpec:
    """One of the Singer families this module names; a histogram's unit is seconds."""
    timer = kind is MetricKind.HISTOGRAM
    return define_instrument(
        kind=kind,
        name=name,
        help_text=help_text,
        unit="seconds" if timer else "",
        label_names=labels,
        buckets=(HTTP_BUCKETS if name.startswith("singer_http_") else DURATION_BUCKETS) if timer else None,
        max_series=MAX_SERIES,
    ).unwrap()


_COUNTER: Final = MetricKind.COUNTER
_TIMER: Final = MetricKind.HISTOGRAM
_STREAM: Final = ("stream",)
_OTHER_LABELS: Final = tuple(TAG_LABELS.values())

KNOWN_FAMILIES: Final[Mapping[str, InstrumentSpec]] = {
    "record_count": _family(
        _COUNTER, "singer_records_total", "Records a Singer tap read or a target loaded.", ("stream", "endpoint")
    ),
    "batch_count": _family(_COUNTER, "singer_batches_total", "Batches a Singer tap or target handled.", _STREAM),
    "http_request_count": _family(
        _COUNTER, "singer_http_requests_total", "HTTP requests a Singer tap made.", ("stream", "endpoint")
    ),
    "http_request_duration": _family(
        _TIMER,
        "singer_http_request_duration_seconds",
        "How long the HTTP requests of a Singer tap took.",
        ("stream", "endpoint", "status_code", "status"),
    ),
    "sync_duration": _family(
        _TIMER, "singer_sync_duration_seconds", "How long a Singer stream's sync took.", ("stream", "status")
    ),
    "job_duration": _family(
        _TIMER,
        "singer_job_duration_seconds",
        "How long the asynchronous jobs of a Singer tap took.",
        ("stream", "job_type", "status"),
    ),
    "batch_processing_time": _family(
        _TIMER,
        "singer_batch_processing_duration_seconds",
        "How long a Singer target took to process a batch.",
        ("stream", "status"),
    ),
}
"""The Singer metrics with a family of their own, by the ``metric`` field of their lines."""

REFUSED_FAMILY: Final = _family(
    _COUNTER,
    "singer_metric_lines_refused_total",
    "METRIC lines of a Singer tap or target that were not recorded, by reason.",
    ("reason",),
)
OVERFLOW_FAMILY: Final = _family(
    _COUNTER,
    "singer_metric_series_overflow_total",
    'Singer measurements recorded in their family\'s otel_metric_overflow="true" series, its label sets being full.',
    (),
)

RESERVED_LABELS: Final = frozenset({*TAG_LABELS.values(), *REFUSED_FAMILY.label_names, "le", "quantile"})
"""Label names the Singer families use or their types set: not for ``--grouping`` with ``--singer``."""

_KIND_OF_TYPE: Final = {"counter": _COUNTER, "timer": _TIMER}
_SUFFIX: Final = {_COUNTER: "_total", _TIMER: "_seconds"}
_OWN_FAMILIES: Final = (*KNOWN_FAMILIES.values(), REFUSED_FAMILY, OVERFLOW_FAMILY)


class _NonFinite:
    """What the JSON constants ``NaN``, ``Infinity`` and ``-Infinity`` parse to, to be refused by name."""


_NON_FINITE: Final = _NonFinite()


def _constant(_name: str) -> _NonFinite:
    return _NON_FINITE


def _integer(text: str) -> float:
    """A JSON integer; one of more than :data:`_MAX_INT_DIGITS` digits is infinite (out of range), never parsed."""
    if len(text) > _MAX_INT_DIGITS:
        return -math.inf if text.startswith("-") else math.inf
    return int(text)


_DECODER: Final = json.JSONDecoder(parse_constant=_constant, parse_int=_integer)


def parse_line(line: bytes | str) -> SingerPoint | Refusal | None:
    """The measurement of one stderr line; ``None`` when it holds no ``METRIC:``; never raises.

    The JSON document right after the first ``METRIC:`` is read; what follows
    it on the line (fields that a logging format appends) is ignored.

    >>> point = parse_line(
    ...     b'2026-01-05 02:15:00,613 | INFO     | singer_sdk.metrics   | METRIC: {"type": "counter", '
    ...     b'"metric": "record_count", "value": 12, "tags": {"stream": "users", "pid": 7915, "context": {}}}'
    ... )
    >>> point.family.exposed_name, point.family.label_names, point.labels, point.value
    ('singer_records_total', ('stream', 'endpoint'), ('users', ''), 12.0)
    >>> point = parse_line('INFO METRIC: {"type": "timer", "metric": "http_request_duration", "value": 0.25, '
    ...                    '"tags": {"endpoint": "users", "http_status_code": 200, "status": "succeeded"}}')
    >>> point.family.name, dict(zip(point.family.label_names, point.labels)), point.value
    ('singer_http_request_duration_seconds', {'stream': '', 'endpoint': 'users', 'status_code': '200', \
'status': 'succeeded'}, 0.25)
    >>> parse_line(b"INFO Beginning full_table sync of 'users'...") is None
    True
    >>> parse_line(b'INFO METRIC: {"type": "timer", "metric": "sync_duration", "value": -1}').reason
    <Reason.OUT_OF_RANGE: 'out_of_range'>
    >>> parse_line(b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": NaN}').detail
    'the value is NaN or Infinity; Prometheus takes finite numbers only'
    """
    data = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
    at = data.find(MARKER)
    if at < 0:
        return None
    if len(data) > MAX_LINE_BYTES:
        return Refusal(
            Reason.LINE_TOO_LONG, f"the line has {len(data)} bytes; lines of {MAX_LINE_BYTES} at most are read"
        )
    try:
        text = data[at + len(MARKER) :].decode("utf-8")
    except UnicodeDecodeError as error:
        return Refusal(Reason.NOT_UTF8, f"the text after METRIC: is not UTF-8 (byte {error.start})")
    try:
        document: object = _DECODER.raw_decode(text.lstrip())[0]
    except (ValueError, RecursionError) as error:
        return Refusal(Reason.MALFORMED_JSON, f"no JSON document follows METRIC: {_reason(error)}")
    if not isinstance(document, dict):
        return Refusal(Reason.NOT_AN_OBJECT, f"the JSON after METRIC: is {_json_type(document)}, not an object")
    return _point(document)


def _reason(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error).split(":", 1)[0][:80]


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a number"


def _point(document: dict[str, object]) -> SingerPoint | Refusal:
    """The measurement of a ``METRIC:`` object, or why it is refused."""
    fields = _fields(document)
    if isinstance(fields, Refusal):
        return fields
    kind, metric, raw_value, tags = fields
    family = _family_of(kind, metric)
    if isinstance(family, Refusal):
        return family
    value = _value(kind, raw_value)
    if isinstance(value, Refusal):
        return value
    labels = _labels(family.label_names, tags)
    if isinstance(labels, Refusal):
        return labels
    return SingerPoint(family, labels, value)


def _fields(document: dict[str, object]) -> tuple[MetricKind, str, object, dict[str, object]] | Refusal:
    """The type, metric name, raw value and tags of a ``METRIC:`` object, checked for presence and JSON type."""
    missing = [key for key in ("type", "metric", "value") if key not in document]
    if missing:
        return Refusal(Reason.MISSING_FIELD, f"the metric has no {' and no '.join(missing)}")
    kind_text, metric, tags = document["type"], document["metric"], document.get("tags")
    if not isinstance(kind_text, str) or not isinstance(metric, str):
        return Refusal(Reason.WRONG_TYPE, "type and metric must be strings")
    kind = _KIND_OF_TYPE.get(kind_text)
    if kind is None:
        return Refusal(Reason.UNKNOWN_TYPE, f"type {_shown(kind_text)} is neither counter nor timer")
    if tags is None:
        tags = {}
    if not isinstance(tags, dict):
        return Refusal(Reason.WRONG_TYPE, f"tags is {_json_type(tags)}, not an object")
    return kind, metric, document["value"], tags


def _family_of(kind: MetricKind, metric: str) -> InstrumentSpec | Refusal:
    known = KNOWN_FAMILIES.get(metric)
    if known is None:
        if len(metric) > _MAX_METRIC_TEXT:
            return Refusal(Reason.BAD_NAME, f"the metric name has more than {_MAX_METRIC_TEXT} characters")
        return _other_family(kind, metric)
    if known.kind is not kind:
        wanted = "counter" if known.kind is _COUNTER else "timer"
        return Refusal(Reason.CONFLICT, f"{metric} is a {wanted} in Singer; this line says otherwise")
    return known


@functools.lru_cache(maxsize=256)
def _other_family(kind: MetricKind, metric: str) -> InstrumentSpec | Refusal:
    """The family ``singer_<name>_total`` (counter) or ``singer_<name>_seconds`` (timer) of another metric name."""
    words = "".join(character if character.isascii() and character.isalnum() else "_" for character in metric.lower())
    base = "_".join(word for word in words.split("_") if word)[:_MAX_NAME_LENGTH].strip("_")
    suffix = _SUFFIX[kind]
    base = base.removesuffix(suffix).strip("_")
    if not base:
        return Refusal(Reason.BAD_NAME, f"metric {_shown(metric)} has no letters or digits to name a family")
    name = f"singer_{base}{suffix}"
    defined = define_instrument(
        kind=kind,
        name=name,
        help_text=f"The Singer metric {base} ({'a counter' if kind is _COUNTER else 'a timer, in seconds'}).",
        unit="" if kind is _COUNTER else "seconds",
        label_names=_OTHER_LABELS,
        buckets=None if kind is _COUNTER else DURATION_BUCKETS,
        max_series=MAX_SERIES,
    )
    if isinstance(defined, Failure):
        problem = defined.failure().errors[0]
        return Refusal(Reason.BAD_NAME, f"metric {_shown(metric)} would be {name}, which {problem.message}")
    spec = defined.unwrap()
    for own in _OWN_FAMILIES:
        if own.name == spec.name or name_clash(own, spec) is not None:
            return Refusal(Reason.CONFLICT, f"metric {_shown(metric)} would be {name}, a name {own.exposed_name} holds")
    return spec


def _value(kind: MetricKind, value: object) -> float | Refusal:
    if value is _NON_FINITE:
        return Refusal(Reason.NOT_FINITE, "the value is NaN or Infinity; Prometheus takes finite numbers only")
    if type(value) not in {int, float}:
        return Refusal(Reason.WRONG_TYPE, f"the value is {_json_type(value)}, not a number")
    number = float(value)  # type: ignore[arg-type] # an int or a float, checked above
    limit, what = (MAX_COUNT, "a count") if kind is _COUNTER else (MAX_DURATION_SECONDS, "a duration in seconds")
    if not math.isfinite(number) or abs(number) > limit:
        return Refusal(Reason.OUT_OF_RANGE, f"the value is too large for {what} (at most {limit:g})")
    if number < 0:
        return Refusal(Reason.OUT_OF_RANGE, f"the value {number:g} is negative; {what} never is")
    return number


def _labels(names: tuple[str, ...], tags: dict[str, object]) -> tuple[str, ...] | Refusal:
    """The label values of ``names`` from the allowed tags; an absent (or null) tag is the empty value."""
    values: list[str] = []
    for label in names:
        key = "http_status_code" if label == "status_code" else label
        value = tags.get(key)
        if value is None:
            values.append("")
        elif type(value) is str:
            values.append(_label_value(value))
        elif type(value) is int:
            values.append(str(value))
        else:
            return Refusal(Reason.WRONG_TYPE, f"tag {key} is {_json_type(value)}, not a string or an integer")
    return tuple(values)


def _label_value(text: str) -> str:
    """``text`` cut to :data:`MAX_LABEL_VALUE_LENGTH` characters, control characters as spaces, valid UTF-8."""
    cut = text[:MAX_LABEL_VALUE_LENGTH].translate(_CONTROL)
    return cut.encode("utf-8", "replace").decode("utf-8")


def _shown(text: str) -> str:
    """A name for a message: quoted, cut, without control characters."""
    return repr(_label_value(text[:40]))


class LineSplitter:
    r"""Cuts a byte stream into its lines holding ``marker``, keeping at most ``limit`` bytes of any line.

    Lines end at ``\n``. A line longer than ``limit`` bytes (not counting the
    newline) is never kept whole, only counted in :attr:`too_long`. The last
    line of a stream that does not end with a newline comes from
    :meth:`finish`.

    >>> splitter = LineSplitter(limit=16)
    >>> splitter.feed(b"a\nINFO METR"), splitter.feed(b"IC: {}\n" + b"x" * 20 + b"\nMETRIC: 1")
    ([], [b'INFO METRIC: {}'])
    >>> splitter.finish(), splitter.too_long
    ([b'METRIC: 1'], 1)
    """

    def __init__(self, limit: int = MAX_LINE_BYTES, marker: bytes = MARKER) -> None:
        self.too_long = 0
        """Lines longer than the limit seen so far."""
        self._limit = limit
        self._marker = marker
        self._pending = bytearray()
        self._overlong = False

    def feed(self, chunk: bytes) -> list[bytes]:
        """The lines holding the marker that ``chunk`` completes, in order."""
        found: list[bytes] = []
        first = chunk.find(b"\n")
        if first < 0:
            self._extend(chunk)
            return found
        self._end_line(chunk[:first], found)
        last = chunk.rfind(b"\n")
        if last > first:
            middle = chunk[first + 1 : last]
            # Lines that end where they start, in this chunk: split only when one may be wanted or counted.
            if self._marker in middle or len(middle) > self._limit:
                for line in middle.split(b"\n"):
                    self._complete(line, found)
        self._extend(chunk[last + 1 :])
        return found

    def finish(self) -> list[bytes]:
        """The stream's last line, when it has no newline and holds the marker."""
        found: list[bytes] = []
        if self._overlong:
            self.too_long += 1
        elif self._pending:
            self._complete(bytes(self._pending), found)
        self._pending.clear()
        self._overlong = False
        return found

    def _extend(self, part: bytes) -> None:
        """Keep ``part`` as the start of the current line, unless that makes the line too long."""
        if self._overlong:
            return
        if len(self._pending) + len(part) > self._limit:
            self._overlong = True
            self._pending.clear()
        else:
            self._pending += part

    def _end_line(self, tail: bytes, found: list[bytes]) -> None:
        """The current line ends with ``tail``."""
        if self._overlong or len(self._pending) + len(tail) > self._limit:
            self.too_long += 1
        else:
            self._complete(bytes(self._pending) + tail if self._pending else tail, found)
        self._pending.clear()
        self._overlong = False

    def _complete(self, line: bytes, found: list[bytes]) -> None:
        if len(line) > self._limit:
            self.too_long += 1
        elif self._marker in line:
            found.append(line)


class SingerMetrics:
    """Records Singer measurements in a metrics service, counting every line it does not record.

    ``constant_labels`` (a textfile's ``job`` and grouping labels) are added to
    every Singer series. ``singer_metric_lines_refused_total`` has a series for
    each :class:`Reason` from the start, at 0, so that every push replaces the
    previous run's. Used by one thread at a time (the relay's).

    >>> singer = SingerMetrics()
    >>> for line in (b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 2, "tags": {"stream": "a"}}',
    ...              b'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 3, "tags": {"stream": "a"}}',
    ...              b"INFO METRIC: {oops"):
    ...     singer.record_line(line)
    >>> singer.service.snapshot().family("singer_records_total").state(stream="a", endpoint="")
    CounterState(value=5.0)
    >>> singer.service.snapshot().family("singer_metric_lines_refused_total").state(reason="malformed_json")
    CounterState(value=1.0)
    """

    def __init__(
        self, service: FlextMetricsService | None = None, constant_labels: Mapping[str, str] | None = None
    ) -> None:
        """Record into ``service`` (a new one by default); ``ValueError`` when a constant label cannot be one."""
        self.service: Final = FlextMetricsService() if service is None else service
        """The service holding the Singer families (the run adds its ``batch_job_*`` gauges to it)."""
        constant = dict(constant_labels or {})
        clash = sorted(RESERVED_LABELS & constant.keys())
        if clash:
            message = f"the label {clash[0]!r} belongs to the Singer metrics; give the group's label another name"
            raise ValueError(message)
        self._constant_names = tuple(constant)
        self._constant_values = tuple(constant.values())
        self._families: dict[str, Counter | Histogram] = {}
        self._seen: dict[str, set[tuple[str, ...]]] = {}
        self._others: set[str] = set()
        self._refused = self._own_counter(REFUSED_FAMILY)
        self.open_line = False
        """Whether the child's stderr, as copied so far, ends inside a line (its last byte is no newline)."""
        overflowed = self._own_counter(OVERFLOW_FAMILY)
        self._overflowed = overflowed.labels(*self._constant_values) if constant else overflowed
        self._overflowed.inc(0)
        for reason in Reason:
            self._refused.labels(reason.value, *self._constant_values).inc(0)

    def _own_counter(self, spec: InstrumentSpec) -> Counter:
        """One of the counters every run has; ``ValueError`` when the constant labels make it impossible."""
        defined = self._define(spec)
        if not isinstance(defined, Counter):
            message = f"the Singer metrics cannot carry the labels {list(self._constant_names)}: {defined}"
            raise ValueError(message)  # noqa: TRY004 - the caller's labels are wrong, not a type
        return defined

    def record_line(self, line: bytes | str) -> None:
        """Record the measurement of one stderr line, count it as refused, or (not a metric line) do nothing."""
        parsed = parse_line(line)
        if isinstance(parsed, Refusal):
            self.refuse(parsed.reason)
        elif parsed is not None:
            self.record(parsed)

    def refuse(self, reason: Reason, count: int = 1) -> None:
        """Count ``count`` lines refused for ``reason``."""
        if count > 0:
            self._refused.labels(reason.value, *self._constant_values).inc(count)

    def record(self, point: SingerPoint) -> None:
        """Add a counter's value, or observe a timer's, in its family; a refusal is counted instead."""
        family = self._family(point.family)
        if isinstance(family, Reason):
            self.refuse(family)
            return
        key = tuple(redact_text(DEFAULT_POLICY, value) for value in point.labels)
        seen = self._seen.setdefault(point.family.name, set())
        new = key not in seen
        overflow = new and len(seen) >= point.family.max_series
        series = family.labels(*point.labels, *self._constant_values)
        recorded = series.inc(point.value) if isinstance(series, Counter) else series.observe(point.value)
        if isinstance(recorded, Failure):
            self.refuse(Reason.REJECTED)
        elif overflow:
            self._overflowed.inc()
        elif new:
            seen.add(key)

    def report(self) -> list[str]:
        """One line per kind of refusal, for the end of the run: what was refused, and where it is counted.

        While the child's stderr is copied nothing of ours is written into
        it; the refusals are said here once, when the copy is over, as the
        two counters hold them.
        """
        snapshot = self.service.snapshot()
        refused = _totals(snapshot.family(REFUSED_FAMILY.exposed_name), "reason")
        overflowed = sum(_totals(snapshot.family(OVERFLOW_FAMILY.exposed_name), None).values())
        lines = []
        if refused:
            kinds = ", ".join(f"{reason}: {count}" for reason, count in sorted(refused.items()))
            lines.append(
                f"{sum(refused.values())} Singer METRIC line(s) not recorded ({kinds}); "
                f"counted in {REFUSED_FAMILY.exposed_name}"
            )
        if overflowed:
            lines.append(
                f"{overflowed} Singer METRIC line(s) went to an overflow series (more than a family's "
                f"label sets); counted in {OVERFLOW_FAMILY.exposed_name}"
            )
        return lines

    def _family(self, spec: InstrumentSpec) -> Counter | Histogram | Reason:
        """The family of ``spec``, defined on first use; why not, when it cannot be."""
        found = self._families.get(spec.name)
        if found is not None:
            return found
        other = spec not in KNOWN_FAMILIES.values()
        if other and len(self._others) >= MAX_OTHER_NAMES:
            return Reason.TOO_MANY_NAMES
        defined = self._define(spec)
        if isinstance(defined, str):
            return Reason.CONFLICT
        self._families[spec.name] = defined
        if other:
            self._others.add(spec.name)
        return defined

    def _define(self, spec: InstrumentSpec) -> Counter | Histogram | str:
        """The family of ``spec`` in the service, with the constant labels; why not, when it refuses."""
        labels = (*spec.label_names, *self._constant_names)
        defined: Result[Counter, FlextValidationError] | Result[Histogram, FlextValidationError]
        if spec.kind is _COUNTER:
            defined = self.service.counter(spec.exposed_name, spec.help, labels=labels, max_series=spec.max_series)
        else:
            defined = self.service.histogram(
                spec.name, spec.help, unit=spec.unit, labels=labels, buckets=spec.buckets, max_series=spec.max_series
            )
        if isinstance(defined, Failure):
            return str(defined.failure())
        return defined.unwrap()


def _totals(family: FamilySnapshot | None, label: str | None) -> dict[str, int]:
    """A counter family's non-zero totals by the value of ``label`` (all under ``""`` when ``None``)."""
    totals: dict[str, int] = {}
    for series in () if family is None else family.series:
        count = int(getattr(series.state, "value", 0))
        if count:
            key = "" if label is None else dict(series.labels).get(label, "")
            totals[key] = totals.get(key, 0) + count
    return totals


class _QuietSingerFamilies(logging.Filter):
    """Holds back the metrics service's warnings about Singer families while the child's stderr is copied.

    A warning written then would land inside the child's output, maybe in the
    middle of one of its lines; what it says is counted anyway (overflows in
    ``singer_metric_series_overflow_total``, refused samples in
    ``singer_metric_lines_refused_total{reason="rejected"}``) and said once
    per kind when the copy is over (:meth:`SingerMetrics.report`).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Let through every record but those about a ``singer_`` family."""
        try:
            return not record.getMessage().startswith("metric singer_")
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is not ours to judge
            return True


class StderrRelay:
    """Copies a pipe to a file descriptor as its bytes arrive, and gives the recorder the lines it completes.

    Every byte read is written on at once (``os.write``, no buffer), before
    its lines are parsed; memory stays bounded by one read and one line of
    :data:`MAX_LINE_BYTES`. When the target cannot be written (our stderr was
    closed), the pipe is still read to its end and parsed, so the child never
    blocks on it. A line that cannot be recorded never stops the copy, and
    while it runs the metrics service writes no warning about the Singer
    families (which would land inside the child's output).
    """

    def __init__(self, source: int, recorder: SingerMetrics, target: int = 2) -> None:
        self.bytes_copied = 0
        """Bytes read from the pipe (all written on, unless the target failed)."""
        self._source = source
        self._target: int | None = target
        self._recorder = recorder
        self._splitter = LineSplitter()
        self._progress = time.monotonic()
        self._thread = threading.Thread(target=self.run, name="flext-run-singer", daemon=True)

    def start(self) -> Self:
        """Run :meth:`run` in a daemon thread; return self."""
        self._thread.start()
        return self

    def run(self) -> None:
        """Copy and parse until the pipe's end (every writer closed it) or a read error."""
        quiet, logger = _QuietSingerFamilies(), logging.getLogger(_SERVICE_LOGGER)
        logger.addFilter(quiet)
        try:
            self._copy()
        finally:
            logger.removeFilter(quiet)

    def _copy(self) -> None:
        splitter = self._splitter
        while True:
            try:
                chunk = os.read(self._source, READ_SIZE)
            except OSError:
                break
            self._progress = time.monotonic()
            if not chunk:
                break
            self.bytes_copied += len(chunk)
            self._recorder.open_line = not chunk.endswith(b"\n")
            self._write(chunk)
            self._record(functools.partial(splitter.feed, chunk))
        self._record(splitter.finish)

    def finish(self, idle_timeout: float) -> bool:
        """Wait for the copy to end; give up after ``idle_timeout`` seconds without a byte read or written.

        Returns whether the pipe was copied to its end. A grandchild holding
        the pipe open after the command ended is the usual reason it is not.
        """
        while True:
            remaining = self._progress + idle_timeout - time.monotonic()
            if remaining <= 0:
                return not self._thread.is_alive()
            self._thread.join(remaining)
            if not self._thread.is_alive():
                return True

    def _write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view and self._target is not None:
            try:
                written = os.write(self._target, view)
            except BlockingIOError:
                # A stderr left non-blocking by whoever started us: wait until it takes bytes again.
                select.select([], [self._target], [], _WAIT_SECONDS)
                continue
            except OSError:
                self._target = None  # our stderr is gone: keep reading, stop writing
                return
            view = view[written:]
            self._progress = time.monotonic()

    def _record(self, lines_of: Callable[[], list[bytes]]) -> None:
        """Record the lines ``lines_of()`` completes, and count those too long to read."""
        try:
            lines = lines_of()
            self._recorder.refuse(Reason.LINE_TOO_LONG, self._splitter.too_long)
            self._splitter.too_long = 0
            for line in lines:
                self._recorder.record_line(line)
        except Exception:  # noqa: BLE001 - a line that cannot be recorded must never stop the copy
            with contextlib.suppress(Exception):
                self._recorder.refuse(Reason.REJECTED)
