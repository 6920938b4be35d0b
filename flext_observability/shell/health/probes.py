"""Ready-made health checks: the machine and the process (psutil), TCP and HTTP dependencies.

Each probe is a small callable object, set up in ``__init__`` and run in
``__call__`` (which returns a :class:`FlextHealthCheck`); each ``*_plan``
function wraps one in a :class:`HealthCheckPlan` with its usual component,
measurement and type, and passes the plan settings on (``critical``,
``timeout``, ``probes``, ``pass_ttl``, ``fail_ttl``, ``component_type``,
``component_id``). The service stamps ``time`` and ``duration``, so probes
leave ``time`` at 0.

Machine and process probes judge one reading with a core
:class:`Threshold`. They are not critical by default (a busy CPU is a
reason to look, not to take the pod out of rotation); pass ``critical=True``
to make one count. ``psutil.AccessDenied`` and ``psutil.NoSuchProcess``
(``ZombieProcess`` included) give ``warn``: the probe could not look, which
says nothing bad of the service. Any other error raises, and the service
makes it a ``fail``.

CPU: psutil's first ``cpu_percent()`` without an interval compares with
nothing and reads 0.0. :class:`CpuProbe` primes it when made, so its first
check reads the time since set-up; or give ``interval`` to measure over that
many seconds inside each check (it must be shorter than the timeout). The
system-wide reading without an interval is psutil's, shared with anyone else
in the process who calls it without one.

Dependency probes use their own deadline of 90 % of the plan's timeout, so
their own message ("connection refused", "HTTP 500") is the one reported,
not the service's "timed out".
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from typing import TYPE_CHECKING, Final, Protocol, Unpack
from urllib.parse import urlsplit

import psutil
from returns.result import Success

from flext_observability.core.checks import describe
from flext_observability.core.health.check import FlextHealthCheck, ObservedValue
from flext_observability.core.health.thresholds import Threshold, evaluate_threshold, higher_is_worse, threshold_output
from flext_observability.core.redaction import DEFAULT_POLICY, redact_text
from flext_observability.core.values import HealthStatus
from flext_observability.shell.health.plan import (
    DEFAULT_TIMEOUT,
    HealthCheckPlan,
    PlanOptions,
    health_check_plan,
)
from flext_observability.shell.http_client import DEFAULT_CLIENT, HttpClient
from flext_observability.shell.seconds import check_seconds

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

CPU_THRESHOLD: Final = higher_is_worse(warn=90.0, fail=98.0, inclusive=True)
"""CPU busy, percent: warn from 90, fail from 98."""

MEMORY_THRESHOLD: Final = higher_is_worse(warn=90.0, fail=95.0, inclusive=True)
"""Memory in use, percent: warn from 90, fail from 95."""

DISK_THRESHOLD: Final = higher_is_worse(warn=85.0, fail=95.0, inclusive=True)
"""Disk space in use, percent: warn from 85, fail from 95."""

PROCESS_MEASUREMENTS: Final = ("rss", "openFiles", "threads")
"""What :class:`ProcessProbe` reads: resident memory (bytes), open files (descriptors), threads."""

_UNITS: Final = {"rss": "bytes", "openFiles": "files", "threads": "threads"}
_OWN_DEADLINE: Final = 0.9
_MS: Final = 1000.0


class _HasPercent(Protocol):
    @property
    def percent(self) -> float: ...


class _HasRss(Protocol):
    @property
    def rss(self) -> int: ...


class ProcessLike(Protocol):
    """The part of ``psutil.Process`` that :class:`ProcessProbe` reads."""

    def memory_info(self) -> _HasRss:
        """Memory of the process."""
        ...

    def num_threads(self) -> int:
        """Threads of the process."""
        ...

    def num_fds(self) -> int:
        """Open file descriptors of the process (POSIX)."""
        ...


def reading_check(
    *,
    component: str,
    measurement: str,
    value: float,
    unit: str,
    threshold: Threshold | None,
    shown: ObservedValue = None,
) -> FlextHealthCheck:
    """The check of one reading: judged by ``threshold``, or ``pass`` (an observation only) without one."""
    status = HealthStatus.PASS if threshold is None else evaluate_threshold(threshold, value)
    output = "" if threshold is None else threshold_output(threshold, value, unit)
    return FlextHealthCheck(
        component=component,
        measurement=measurement,
        status=status,
        observed_value=value if shown is None else shown,
        observed_unit=unit,
        output=output,
        time=0.0,
    )


def _check_callable(name: str, value: object) -> None:
    if not callable(value):
        message = f"{name} must be a function, not {describe(value)}"
        raise TypeError(message)


def _could_not_read(component: str, measurement: str, what: str, error: psutil.Error) -> FlextHealthCheck:
    if isinstance(error, psutil.AccessDenied):
        why = "access denied"
    elif isinstance(error, psutil.NoSuchProcess):
        why = "the process is gone"
    else:
        why = type(error).__name__
    return FlextHealthCheck(
        component=component,
        measurement=measurement,
        status=HealthStatus.WARN,
        output=f"psutil could not read {what}: {why}",
        time=0.0,
    )


def _check_threshold(threshold: object, *, optional: bool, name: str = "threshold") -> Threshold | None:
    if threshold is None and optional:
        return None
    if not isinstance(threshold, Threshold):
        what = "a Threshold (higher_is_worse or lower_is_worse)" + (" or None" if optional else "")
        message = f"{name} must be {what}, not {describe(threshold)}"
        raise TypeError(message)
    return threshold


class CpuProbe:
    """System-wide CPU use in percent, judged by ``threshold``; see the module for the first reading."""

    def __init__(
        self,
        *,
        threshold: Threshold = CPU_THRESHOLD,
        interval: float | None = None,
        cpu_percent: Callable[[float | None], float] = psutil.cpu_percent,
    ) -> None:
        """Set up (and, without ``interval``, prime) the reading; ``cpu_percent`` is psutil's unless a test gives one.

        A priming that psutil refuses is left for the first check to report.
        """
        self.threshold = _check_threshold(threshold, optional=False)
        self.interval = None if interval is None else check_seconds("interval", interval, allow_zero=False)
        _check_callable("cpu_percent", cpu_percent)
        self._cpu_percent = cpu_percent
        if self.interval is None:
            with contextlib.suppress(Exception):  # a refused priming is the first check's to report
                cpu_percent(None)

    def __call__(self) -> FlextHealthCheck:
        """Read and judge the CPU use."""
        try:
            value = float(self._cpu_percent(self.interval))
        except psutil.Error as error:
            return _could_not_read("cpu", "utilization", "the CPU use", error)
        return reading_check(
            component="cpu", measurement="utilization", value=value, unit="percent", threshold=self.threshold
        )


class MemoryProbe:
    """System memory in use, percent (``psutil.virtual_memory().percent``), judged by ``threshold``."""

    def __init__(
        self,
        *,
        threshold: Threshold = MEMORY_THRESHOLD,
        virtual_memory: Callable[[], _HasPercent] = psutil.virtual_memory,
    ) -> None:
        """Set up the reading; ``virtual_memory`` is psutil's unless a test gives one."""
        self.threshold = _check_threshold(threshold, optional=False)
        _check_callable("virtual_memory", virtual_memory)
        self._virtual_memory = virtual_memory

    def __call__(self) -> FlextHealthCheck:
        """Read and judge the memory in use."""
        try:
            value = float(self._virtual_memory().percent)
        except psutil.Error as error:
            return _could_not_read("memory", "utilization", "the memory use", error)
        return reading_check(
            component="memory", measurement="utilization", value=value, unit="percent", threshold=self.threshold
        )


class DiskProbe:
    """Space in use on the file system holding ``path``, percent, judged by ``threshold``."""

    def __init__(
        self,
        path: str = "/",
        *,
        threshold: Threshold = DISK_THRESHOLD,
        disk_usage: Callable[[str], _HasPercent] = psutil.disk_usage,
    ) -> None:
        """Set up the reading; ``disk_usage`` is psutil's unless a test gives one."""
        given: object = path
        if not isinstance(given, str) or not str.__str__(given):
            message = f"path must be a non-empty path (str), not {describe(given)}"
            raise TypeError(message)
        self.path = str.__str__(given)
        self.threshold = _check_threshold(threshold, optional=False)
        _check_callable("disk_usage", disk_usage)
        self._disk_usage = disk_usage

    def __call__(self) -> FlextHealthCheck:
        """Read and judge the space in use."""
        try:
            value = float(self._disk_usage(self.path).percent)
        except psutil.Error as error:
            return _could_not_read("disk", "utilization", f"the space on {self.path}", error)
        return reading_check(
            component="disk", measurement="utilization", value=value, unit="percent", threshold=self.threshold
        )


class ProcessProbe:
    """One reading of this process (``rss``, ``openFiles`` or ``threads``), judged by ``threshold`` if given.

    Without a threshold the reading is reported with ``pass``: what is too
    much memory or too many threads depends on the service. ``process`` is
    this process (read afresh after a fork) unless a test gives one.
    """

    def __init__(
        self,
        measurement: str,
        *,
        threshold: Threshold | None = None,
        process: ProcessLike | None = None,
    ) -> None:
        """Set up the reading; an unknown ``measurement`` raises a ``ValueError``."""
        given: tuple[object, object] = (measurement, process)
        text = str.__str__(given[0]) if isinstance(given[0], str) else None
        if text not in PROCESS_MEASUREMENTS:
            message = f"measurement must be one of {', '.join(PROCESS_MEASUREMENTS)}, not {describe(given[0])}"
            raise ValueError(message)
        self.measurement = text
        self.threshold = _check_threshold(threshold, optional=True)
        if given[1] is not None and not all(
            callable(getattr(given[1], method, None)) for method in ("memory_info", "num_threads", "num_fds")
        ):
            message = f"process must be a psutil.Process (or like one) or None, not {describe(given[1])}"
            raise TypeError(message)
        self._given = process
        self._own: tuple[int, psutil.Process] | None = None

    def _process(self) -> ProcessLike:
        if self._given is not None:
            return self._given
        pid = os.getpid()
        if self._own is None or self._own[0] != pid:  # a forked child reads itself, not its parent
            self._own = (pid, psutil.Process(pid))
        return self._own[1]

    def _read(self) -> int:
        process = self._process()
        if self.measurement == "rss":
            return process.memory_info().rss
        if self.measurement == "threads":
            return process.num_threads()
        return process.num_fds()

    def __call__(self) -> FlextHealthCheck:
        """Read and judge the measurement."""
        unit = _UNITS[self.measurement]
        try:
            value = int(self._read())
        except psutil.Error as error:
            return _could_not_read("process", self.measurement, f"the process's {unit}", error)
        return reading_check(
            component="process",
            measurement=self.measurement,
            value=float(value),
            unit=unit,
            threshold=self.threshold,
            shown=value,
        )


class TcpProbe:
    """Whether a TCP connection to ``host:port`` opens within ``timeout``; the connect time in ms."""

    def __init__(self, host: str, port: int, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Set up the probe; a bad host, port or timeout raises an error naming it."""
        given: tuple[object, object] = (host, port)
        if not isinstance(given[0], str) or not str.__str__(given[0]):
            message = f"host must be a host name or address (str), not {describe(given[0])}"
            raise TypeError(message)
        if isinstance(given[1], bool) or not isinstance(given[1], int):
            message = f"port must be an int from 1 to 65535, not {describe(given[1])}"
            raise TypeError(message)
        number = int.__int__(given[1])
        if not 1 <= number <= 65535:
            message = f"port must be from 1 to 65535, not {number}"
            raise ValueError(message)
        self.host, self.port = str.__str__(given[0]), number
        self.timeout = check_seconds("timeout", timeout, allow_zero=False)

    def __call__(self) -> FlextHealthCheck:
        """Open a connection and close it at once."""
        where = f"{self.host}:{self.port}"
        began = time.perf_counter()
        status, output = HealthStatus.PASS, ""
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout):
                pass
        except TimeoutError:
            status, output = HealthStatus.FAIL, f"no connection to {where} within {self.timeout:g} s"
        except ConnectionRefusedError:
            status, output = HealthStatus.FAIL, f"connection refused by {where}"
        except OSError as error:
            status, output = (
                HealthStatus.FAIL,
                f"{type(error).__name__} connecting to {where}: {error.strerror or error}",
            )
        elapsed = round((time.perf_counter() - began) * _MS, 3)
        return FlextHealthCheck(
            component="tcp",
            measurement="connect",
            status=status,
            observed_value=elapsed if status is HealthStatus.PASS else None,
            observed_unit="ms" if status is HealthStatus.PASS else "",
            output=output,
            time=0.0,
        )


def _statuses(expect: object) -> tuple[int, ...]:
    """``expect`` (one status or several) as exact ints; else a ``TypeError`` naming ``expect``."""
    message = "expect must be an HTTP status (an int) or a list of them"
    try:
        given: tuple[object, ...] = (expect,) if isinstance(expect, int) else tuple(expect)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a list that cannot be read is the caller's error, named
        raise TypeError(message) from None
    if not given or any(isinstance(code, bool) or not isinstance(code, int) for code in given):
        raise TypeError(message)
    return tuple(int.__int__(code) for code in given)  # type: ignore[arg-type]


class HttpProbe:
    """Whether a GET of ``url`` answers with one of ``expect`` within ``timeout``; the response time in ms.

    The request goes through the library's bounded HTTP client: one
    deadline for the whole call, no redirect followed, the body read up to
    its cap. The URL in outputs is redacted.
    """

    def __init__(
        self,
        url: str,
        *,
        expect: int | Collection[int] = 200,
        timeout: float = DEFAULT_TIMEOUT,
        client: HttpClient | None = None,
    ) -> None:
        """Set up the probe; a URL that is no http(s) URL, or a bad status, raises an error naming it."""
        given: object = url
        if not isinstance(given, str):
            message = f"url must be an http or https URL (str), not {describe(given)}"
            raise TypeError(message)
        text = str.__str__(given)
        try:
            parts = urlsplit(text)
            hostname = parts.hostname
        except ValueError:
            hostname = None
        if parts.scheme not in {"http", "https"} or not hostname:
            message = f"url must be an http or https URL with a host, not {redact_text(DEFAULT_POLICY, text)!r}"
            raise ValueError(message)
        statuses = _statuses(expect)
        if any(not 100 <= code <= 599 for code in statuses):
            message = f"expect must hold HTTP statuses from 100 to 599, not {sorted(statuses)}"
            raise ValueError(message)
        self.url = text
        self.expect = frozenset(statuses)
        self.timeout = check_seconds("timeout", timeout, allow_zero=False)
        given_client: object = client
        if given_client is not None and not callable(getattr(given_client, "send", None)):
            message = f"client must be an HttpClient (with send()) or None, not {describe(given_client)}"
            raise TypeError(message)
        self._client = client if client is not None else DEFAULT_CLIENT

    def __call__(self) -> FlextHealthCheck:
        """Send the GET and compare the status."""
        began = time.perf_counter()
        result = self._client.send("GET", self.url, timeout=self.timeout)
        elapsed = round((time.perf_counter() - began) * _MS, 3)
        if isinstance(result, Success):
            status_code: int | None = result.unwrap().status
            reason = ""
        else:
            error = result.failure()
            status_code, reason = error.status, str(error)
        wanted = " or ".join(str(code) for code in sorted(self.expect))
        if status_code in self.expect:
            status, output = HealthStatus.PASS, ""
        elif status_code is None:
            status, output = HealthStatus.FAIL, reason
        else:
            status, output = HealthStatus.FAIL, f"expected HTTP {wanted}, got {status_code}: {reason}".rstrip(": ")
        return FlextHealthCheck(
            component="http",
            measurement="responseTime",
            status=status,
            observed_value=elapsed if status_code is not None else None,
            observed_unit="ms" if status_code is not None else "",
            output=output,
            time=0.0,
        )


# --- plans ------------------------------------------------------------------


def _system_plan(
    check: Callable[[], FlextHealthCheck], component: str, measurement: str, options: PlanOptions
) -> HealthCheckPlan:
    options.setdefault("critical", False)
    options.setdefault("component_type", "system")
    return health_check_plan(check, component=component, measurement=measurement, **options)


def _named_plan(
    name: str, options: PlanOptions, component_id: str, make: Callable[[], HealthCheckPlan]
) -> HealthCheckPlan:
    """``make()``, with ``component_id`` made from the argument ``name`` unless given: its errors name ``name``."""
    if "component_id" in options:
        return make()
    options["component_id"] = component_id
    try:
        return make()
    except ValueError as error:
        if "component_id" not in str(error):
            raise
        message = f"{name} gives the component_id, which is refused: {error}"
        raise ValueError(message) from None


def cpu_plan(
    *, threshold: Threshold = CPU_THRESHOLD, interval: float | None = None, **options: Unpack[PlanOptions]
) -> HealthCheckPlan:
    """The plan of a :class:`CpuProbe` (``cpu:utilization``); ``interval`` must be shorter than the timeout."""
    timeout = check_seconds("timeout", options.get("timeout", DEFAULT_TIMEOUT), allow_zero=False)
    if interval is not None and check_seconds("interval", interval, allow_zero=False) >= timeout:
        message = f"interval ({interval!r} s) must be shorter than the timeout ({timeout:g} s)"
        raise ValueError(message)
    return _system_plan(CpuProbe(threshold=threshold, interval=interval), "cpu", "utilization", options)


def memory_plan(*, threshold: Threshold = MEMORY_THRESHOLD, **options: Unpack[PlanOptions]) -> HealthCheckPlan:
    """The plan of a :class:`MemoryProbe` (``memory:utilization``)."""
    return _system_plan(MemoryProbe(threshold=threshold), "memory", "utilization", options)


def disk_plan(
    path: str = "/", *, threshold: Threshold = DISK_THRESHOLD, **options: Unpack[PlanOptions]
) -> HealthCheckPlan:
    """The plan of a :class:`DiskProbe` of ``path`` (``disk:utilization``, the path as component id)."""
    probe = DiskProbe(path, threshold=threshold)
    return _named_plan("path", options, probe.path, lambda: _system_plan(probe, "disk", "utilization", options))


def disk_plans(*, threshold: Threshold = DISK_THRESHOLD, **options: Unpack[PlanOptions]) -> tuple[HealthCheckPlan, ...]:
    """One :func:`disk_plan` per mounted file system (``psutil.disk_partitions()``), each mount point once."""
    mounts = dict.fromkeys(partition.mountpoint for partition in psutil.disk_partitions(all=False))
    return tuple(disk_plan(mount, threshold=threshold, **options.copy()) for mount in mounts)


def process_plans(
    *,
    rss: Threshold | None = None,
    open_files: Threshold | None = None,
    threads: Threshold | None = None,
    **options: Unpack[PlanOptions],
) -> tuple[HealthCheckPlan, HealthCheckPlan, HealthCheckPlan]:
    """The plans of this process's ``process:rss``, ``process:openFiles`` and ``process:threads``."""
    options.setdefault("component_id", str(os.getpid()))
    for name, limit in (("rss", rss), ("open_files", open_files), ("threads", threads)):
        _check_threshold(limit, optional=True, name=name)
    readings = (("rss", rss), ("openFiles", open_files), ("threads", threads))
    rss_plan, files_plan, threads_plan = (
        _system_plan(ProcessProbe(name, threshold=limit), "process", name, options.copy()) for name, limit in readings
    )
    return rss_plan, files_plan, threads_plan


def tcp_plan(host: str, port: int, *, component: str, **options: Unpack[PlanOptions]) -> HealthCheckPlan:
    """The plan of a :class:`TcpProbe` (``component:connect``, ``host:port`` as component id), critical by default."""
    timeout = check_seconds("timeout", options.get("timeout", DEFAULT_TIMEOUT), allow_zero=False)
    options.setdefault("component_type", "component")
    probe = TcpProbe(host, port, timeout=timeout * _OWN_DEADLINE)
    return _named_plan(
        "host",
        options,
        f"{probe.host}:{probe.port}",
        lambda: health_check_plan(probe, component=component, measurement="connect", **options),
    )


def http_plan(
    url: str,
    *,
    component: str,
    expect: int | Collection[int] = 200,
    client: HttpClient | None = None,
    **options: Unpack[PlanOptions],
) -> HealthCheckPlan:
    """The plan of an :class:`HttpProbe` (``component:responseTime``), critical by default."""
    timeout = check_seconds("timeout", options.get("timeout", DEFAULT_TIMEOUT), allow_zero=False)
    options.setdefault("component_type", "component")
    probe = HttpProbe(url, expect=expect, timeout=timeout * _OWN_DEADLINE, client=client)
    return health_check_plan(probe, component=component, measurement="responseTime", **options)
