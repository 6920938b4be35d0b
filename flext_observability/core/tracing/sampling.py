"""Sampling decisions: which traces to record, decided the same way in every process.

Decisions depend on the trace id alone (and on the parent's sampled flag), so
every process of every service makes the same decision for the same trace.
Each rule is a pure function, and also a small frozen sampler object built by
a lowercase factory with a readable repr.

>>> parent_based(trace_id_ratio(0.1))
parent_based(trace_id_ratio(0.1))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from attrs import Attribute, field, frozen

from flext_observability.core.checks import as_number, describe
from flext_observability.core.limits import TRACE_ID_LENGTH
from flext_observability.core.tracing.traceparent import SpanContext, is_valid_id

if TYPE_CHECKING:
    from collections.abc import Callable

RANDOM_BITS: Final = 56
"""Bits of the trace id that ratio sampling reads: the right-most 7 bytes."""

_RANDOM_VALUES: Final = 1 << RANDOM_BITS


def sample_always_on(trace_id: str) -> bool:  # noqa: ARG001 - one signature for every rule
    """Sample every trace."""
    return True


def sample_always_off(trace_id: str) -> bool:  # noqa: ARG001 - one signature for every rule
    """Sample no trace."""
    return False


def sample_by_ratio(trace_id: str, ratio: float) -> bool:
    """Sample a share ``ratio`` of all traces, deciding from the trace id alone.

    The rule: let ``R`` be the right-most 7 bytes of the trace id (its last
    14 hex digits) as an integer; the trace is sampled when
    ``R < ratio * 2**56``. Multiplying by a power of two is exact in
    floating point and Python compares an int with a float exactly, so every
    process, on any platform, decides the same for the same trace id. The
    share sampled is ``ceil(ratio * 2**56) / 2**56``: ``ratio`` within
    ``2**-56``, none at 0 and all at 1, and a trace sampled at one ratio is
    sampled at every larger one.

    ``R`` is uniform when the trace id's random flag is set (§3.2.2.5.2:
    "at least the right-most 7 bytes of the trace-id MUST be selected
    randomly (or pseudo-randomly) with uniform distribution over the
    interval [0..2^56-1]"), which is what makes the share the ratio. This
    is the comparison OpenTelemetry's ``TraceIdRatioBased`` sampler makes on
    64 bits, here on the 56 that Level 2 guarantees random. OpenTelemetry's
    newer threshold sampling keeps the other end (``R >= (1 - ratio) *
    2**56``): the same share but other traces, so a root decision agrees
    with services using this rule; below a parent, follow its flag
    (:func:`sample_parent_based`) and every service agrees.

    An invalid trace id, or a ``ratio`` that is not a number or is NaN,
    samples nothing; a ratio past 1 samples all and one below 0 none
    (:func:`trace_id_ratio` refuses both).

    >>> [sample_by_ratio("4bf92f3577b34da6a3ce929d0e0e4736", ratio) for ratio in (0.0, 0.1, 0.9, 1.0)]
    [False, False, True, True]
    """
    number = as_number(ratio)
    if number is None or not is_valid_id(trace_id, TRACE_ID_LENGTH):
        return False
    low = int(str.__str__(trace_id)[-RANDOM_BITS // 4 :], 16)
    return low < number * _RANDOM_VALUES


def sample_parent_based(parent: SpanContext | None, root: Callable[[str], bool], trace_id: str) -> bool:
    """Follow the parent's sampled flag; decide with ``root`` only for a trace with no parent.

    §3.2.2.5.1: a component that makes a recording decision "SHOULD
    respect the sampled flag value", so that a trace is recorded by all its
    services or by none. Anything but a :class:`SpanContext` counts as no
    parent. Whatever ``root`` raises is raised.

    >>> from flext_observability.core.tracing.traceparent import parse_traceparent
    >>> parent = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").unwrap()
    >>> sample_parent_based(parent, sample_always_on, parent.trace_id)
    False
    >>> sample_parent_based(None, sample_always_on, parent.trace_id)
    True
    """
    if isinstance(parent, SpanContext):
        return parent.sampled is True
    return root(trace_id)


class Sampler(Protocol):
    """A sampling rule: whether to record the trace of a new span, given its parent if any."""

    def should_sample(self, trace_id: str, parent: SpanContext | None) -> bool:
        """Tell whether to record the trace ``trace_id`` of a new span below ``parent``."""


@frozen
class AlwaysOnSampler:
    """Samples every trace; build it with :func:`always_on`."""

    def should_sample(self, trace_id: str, parent: SpanContext | None) -> bool:  # noqa: ARG002 - the Sampler signature
        """Always ``True``."""
        return sample_always_on(trace_id)

    def __repr__(self) -> str:
        return "always_on()"


@frozen
class AlwaysOffSampler:
    """Samples no trace; build it with :func:`always_off`."""

    def should_sample(self, trace_id: str, parent: SpanContext | None) -> bool:  # noqa: ARG002 - the Sampler signature
        """Always ``False``."""
        return sample_always_off(trace_id)

    def __repr__(self) -> str:
        return "always_off()"


@frozen
class TraceIdRatioSampler:
    """Samples a share ``ratio`` of traces by their id (see :func:`sample_by_ratio`), parent or not."""

    ratio: float

    def should_sample(self, trace_id: str, parent: SpanContext | None) -> bool:  # noqa: ARG002 - the Sampler signature
        """Decide from the trace id alone, the same in every process."""
        return sample_by_ratio(trace_id, self.ratio)

    def __repr__(self) -> str:
        return f"trace_id_ratio({self.ratio!r})"


def _check_root(_sampler: object, _attribute: Attribute[Sampler], root: Sampler) -> None:
    if not callable(getattr(root, "should_sample", None)):
        message = f"root must be a sampler such as trace_id_ratio(0.1), got {describe(root)}"
        raise ValueError(message)  # noqa: TRY004 - one exception type for every bad setting, as parent_based


@frozen
class ParentBasedSampler:
    """Follows the parent's sampled flag, and ``root`` for traces that start here.

    A ``root`` that is no sampler is a set-up mistake: a ``ValueError``.
    """

    root: Sampler = field(validator=_check_root)

    def should_sample(self, trace_id: str, parent: SpanContext | None) -> bool:
        """The parent's decision when there is a parent, else the root sampler's."""
        return sample_parent_based(parent, lambda trace: self.root.should_sample(trace, None), trace_id)

    def __repr__(self) -> str:
        return f"parent_based({self.root!r})"


def always_on() -> AlwaysOnSampler:
    """A sampler that records every trace.

    >>> always_on()
    always_on()
    """
    return AlwaysOnSampler()


def always_off() -> AlwaysOffSampler:
    """A sampler that records no trace.

    >>> always_off().should_sample("4bf92f3577b34da6a3ce929d0e0e4736", None)
    False
    """
    return AlwaysOffSampler()


def trace_id_ratio(ratio: float) -> TraceIdRatioSampler:
    """A sampler that records the share ``ratio`` of traces, chosen by trace id.

    Raises ``ValueError`` (a set-up error) unless ``ratio`` is a number from
    0 to 1.

    >>> trace_id_ratio(0.25)
    trace_id_ratio(0.25)
    >>> trace_id_ratio(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: ratio must be a number from 0 to 1, got nan
    """
    number = as_number(ratio)
    if number is None or not 0.0 <= number <= 1.0:
        shown = describe(ratio) if number is None else repr(number)
        message = f"ratio must be a number from 0 to 1, got {shown}"
        raise ValueError(message)
    return TraceIdRatioSampler(ratio=number)


def parent_based(root: Sampler) -> ParentBasedSampler:
    """A sampler that follows the parent's decision, and ``root`` for traces that start here.

    Raises ``ValueError`` (a set-up error) when ``root`` is not a sampler.

    >>> sampler = parent_based(trace_id_ratio(0.1))
    >>> sampler
    parent_based(trace_id_ratio(0.1))
    >>> from flext_observability.core.tracing.traceparent import parse_traceparent
    >>> parent = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap()
    >>> sampler.should_sample(parent.trace_id, parent), sampler.should_sample(parent.trace_id, None)
    (True, False)
    """
    return ParentBasedSampler(root=root)
