"""Attack: bad tracing settings that were taken (``schedule_delay=nan``, ``sampler="always_on"``) or failed far away.

Before, ``max_queue_size="x"`` raised ``'<' not supported``, ``exporters=5``
``'int' object is not iterable`` and ``clock=5`` an ``AttributeError``, none
naming the setting, while ``schedule_delay=float("nan")``, ``limits=5`` or
``exporters=[object()]`` were taken and failed later, in the export thread or
on the first span. Every setting of ``BatchSpanProcessor`` and
``FlextTracingService`` is now checked when it is given: a ``TypeError`` or
``ValueError`` whose message starts with the setting's name.
"""

from __future__ import annotations

import re

import pytest

from flext_observability.shell.tracing.processor import BatchSpanProcessor
from flext_observability.tracing import FlextTracingService, InMemorySpanRepository

PROCESSOR_CASES = [
    ("max_queue_size", "x"),
    ("max_queue_size", 0),
    ("max_queue_size", True),
    ("max_queue_size", 2.5),
    ("max_queue_bytes", "32MiB"),
    ("max_queue_bytes", 0),
    ("max_queue_bytes", None),
    ("max_export_batch_size", None),
    ("max_export_batch_size", 4096),
    ("schedule_delay", None),
    ("schedule_delay", float("nan")),
    ("schedule_delay", float("inf")),
    ("schedule_delay", 0),
    ("schedule_delay", "5"),
    ("export_timeout", float("nan")),
    ("export_timeout", -1.0),
    ("export_timeout", 1e300),
    ("export_timeout", False),
    ("exporters", 5),
    ("exporters", "console"),
    ("exporters", [object()]),
    ("metrics", 5),
]
SERVICE_CASES = [
    *PROCESSOR_CASES,
    ("sampler", "always_on"),
    ("limits", 5),
    ("limits", None),
    ("clock", 5),
    ("id_generator", "random"),
    ("service_name", 5),
]


def _expect(name: str) -> str:
    """The start every message must have: the setting's name (``exporters[0]`` for an item)."""
    return rf"^{re.escape(name)}(\[0\])? must be "


@pytest.mark.parametrize(("name", "value"), PROCESSOR_CASES)
def test_a_bad_processor_setting_is_refused_by_name(name: str, value: object) -> None:
    """Ensures BatchSpanProcessor raises TypeError or ValueError naming each bad setting."""
    exporters = value if name == "exporters" else []
    options = {} if name == "exporters" else {name: value}
    with pytest.raises((TypeError, ValueError), match=_expect(name)):
        BatchSpanProcessor(exporters, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "value"), SERVICE_CASES)
def test_a_bad_service_setting_is_refused_by_name(name: str, value: object) -> None:
    """Ensures FlextTracingService raises TypeError or ValueError naming each bad setting."""
    with pytest.raises((TypeError, ValueError), match=_expect(name)):
        FlextTracingService(**{name: value})  # type: ignore[arg-type]


def test_good_settings_are_still_taken() -> None:
    """Ensures in-range sizes, a generator of exporters and whole-number seconds are still taken."""
    repository = InMemorySpanRepository()
    tracing = FlextTracingService(
        exporters=(exporter for exporter in [repository]),
        max_queue_size=8,
        max_queue_bytes=1 << 20,
        max_export_batch_size=8,
        schedule_delay=1,
        export_timeout=2.5,
    )
    assert tracing.processor.exporters == (repository,)
    assert (tracing.processor.schedule_delay, tracing.processor.export_timeout) == (1.0, 2.5)
    with tracing.start_span("ok"):
        pass
    assert tracing.shutdown(5)
    assert len(repository.spans()) == 1
