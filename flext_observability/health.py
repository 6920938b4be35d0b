"""Health: checks with hard timeouts, ready-made probes, the health+json endpoints, and health as metrics.

This module only re-exports; it is one of the public faces of the package.
Import from here, not from the internal ``core`` and ``shell`` packages,
which may move between releases.

>>> from flext_observability.health import FlextHealthService
>>> service = FlextHealthService()
>>> _ = service.register(lambda: True, component="app", probes="liveness")
>>> service.check_health("liveness").unwrap().status
<HealthStatus.PASS: 'pass'>
>>> service.shutdown()
True
"""

from __future__ import annotations

from flext_observability.core.health.check import (
    FlextHealthCheck,
    build_health_check,
    health_check_from_dict,
    validate_health_check,
)
from flext_observability.core.health.document import (
    HEALTH_JSON,
    NO_SERVICE_INFO,
    ServiceInfo,
    build_service_info,
    health_document,
)
from flext_observability.core.health.report import (
    HealthOutcome,
    HealthReport,
    aggregate,
    build_health_outcome,
    effective_status,
    http_status,
    status_score,
)
from flext_observability.core.health.thresholds import (
    Threshold,
    ThresholdDirection,
    build_threshold,
    evaluate_threshold,
    higher_is_worse,
    lower_is_worse,
    threshold_output,
)
from flext_observability.core.values import HealthStatus
from flext_observability.shell.health.http import HEALTH_PATHS, HealthApp, make_health_app
from flext_observability.shell.health.metrics import (
    HEALTH_CHECK_DURATION,
    HEALTH_CHECK_STATUS,
    HEALTH_CHECK_TIMEOUTS,
    register_health_metrics,
)
from flext_observability.shell.health.plan import (
    DEFAULT_FAIL_TTL,
    DEFAULT_PASS_TTL,
    DEFAULT_PROBES,
    DEFAULT_TIMEOUT,
    HealthCheckPlan,
    HealthProbe,
    health_check_plan,
)
from flext_observability.shell.health.probes import (
    CPU_THRESHOLD,
    DISK_THRESHOLD,
    MEMORY_THRESHOLD,
    CpuProbe,
    DiskProbe,
    HttpProbe,
    MemoryProbe,
    ProcessProbe,
    TcpProbe,
    cpu_plan,
    disk_plan,
    disk_plans,
    http_plan,
    memory_plan,
    process_plans,
    tcp_plan,
)
from flext_observability.shell.health.service import FlextHealthService, HealthCheckState, HealthRun

__all__ = [
    "CPU_THRESHOLD",
    "DEFAULT_FAIL_TTL",
    "DEFAULT_PASS_TTL",
    "DEFAULT_PROBES",
    "DEFAULT_TIMEOUT",
    "DISK_THRESHOLD",
    "HEALTH_CHECK_DURATION",
    "HEALTH_CHECK_STATUS",
    "HEALTH_CHECK_TIMEOUTS",
    "HEALTH_JSON",
    "HEALTH_PATHS",
    "MEMORY_THRESHOLD",
    "NO_SERVICE_INFO",
    "CpuProbe",
    "DiskProbe",
    "FlextHealthCheck",
    "FlextHealthService",
    "HealthApp",
    "HealthCheckPlan",
    "HealthCheckState",
    "HealthOutcome",
    "HealthProbe",
    "HealthReport",
    "HealthRun",
    "HealthStatus",
    "HttpProbe",
    "MemoryProbe",
    "ProcessProbe",
    "ServiceInfo",
    "TcpProbe",
    "Threshold",
    "ThresholdDirection",
    "aggregate",
    "build_health_check",
    "build_health_outcome",
    "build_service_info",
    "build_threshold",
    "cpu_plan",
    "disk_plan",
    "disk_plans",
    "effective_status",
    "evaluate_threshold",
    "health_check_from_dict",
    "health_check_plan",
    "health_document",
    "higher_is_worse",
    "http_plan",
    "http_status",
    "lower_is_worse",
    "make_health_app",
    "memory_plan",
    "process_plans",
    "register_health_metrics",
    "status_score",
    "tcp_plan",
    "threshold_output",
    "validate_health_check",
]
