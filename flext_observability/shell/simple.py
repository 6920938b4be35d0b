"""The simple API: one function per entity, on a shared default factory.

They read the system clock and draw random ids. Code that needs another clock
or id source (tests, replays) makes its own
:class:`~flext_observability.shell.factory.FlextObservabilityMasterFactory`.

>>> flext_create_metric("pipeline_rows_total", 10, kind="counter").map(lambda m: m.value)
<Success: 10.0>
>>> flext_create_metric("rows per second", -1).failure().codes
frozenset({<FlextErrorCode.INVALID_NAME: 'invalid_name'>})
"""

from __future__ import annotations

from typing import Final

from flext_observability.shell.factory import FlextObservabilityMasterFactory

DEFAULT_FACTORY: Final = FlextObservabilityMasterFactory()
"""The factory behind the ``flext_create_*`` functions."""

flext_create_metric: Final = DEFAULT_FACTORY.create_metric
flext_create_span: Final = DEFAULT_FACTORY.create_span
flext_create_trace: Final = DEFAULT_FACTORY.create_trace
flext_create_alert: Final = DEFAULT_FACTORY.create_alert
flext_create_health_check: Final = DEFAULT_FACTORY.create_health_check
flext_create_log_entry: Final = DEFAULT_FACTORY.create_log_entry
