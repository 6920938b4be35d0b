"""Helpers for the tests that run the ``flext-observability`` command as a real process."""

from __future__ import annotations

import os
import re
import sys
import time
from typing import TYPE_CHECKING

import psutil
import pytest

if TYPE_CHECKING:
    import subprocess

PYTHON = sys.executable
CLI = [PYTHON, "-m", "flext_observability"]
_CARRIERS = frozenset({"TRACEPARENT", "TRACESTATE", "BAGGAGE"})


def run_arguments(*arguments: str) -> list[str]:
    """The command line of ``flext-observability run ARGUMENTS``."""
    return [*CLI, "run", *arguments]


def child(code: str) -> list[str]:
    """A Python child running ``code``."""
    return [PYTHON, "-c", code]


def clean_environment(**extra: str) -> dict[str, str]:
    """Our environment without ``FLEXT_OBSERVABILITY_*``, ``OTEL_*`` or trace-context variables, plus ``extra``."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLEXT_OBSERVABILITY_", "OTEL_")) and name not in _CARRIERS
    }
    return {**kept, **extra}


def peak_rss_until_exit(process: subprocess.Popen[bytes] | subprocess.Popen[str], period: float = 0.02) -> int:
    """The largest resident memory of ``process`` seen every ``period`` seconds until it ends (0 if never seen)."""
    watched = psutil.Process(process.pid)
    largest = 0
    while process.poll() is None:
        try:
            largest = max(largest, watched.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(period)
    return largest


def served_urls(process: subprocess.Popen[str], seen: list[str] | None = None) -> dict[str, str]:
    """The URLs ``demo --serve`` or ``serve`` prints, by path, read up to the last one (lines read go to ``seen``)."""
    assert process.stdout is not None
    urls: dict[str, str] = {}
    for line in process.stdout:
        if seen is not None:
            seen.append(line)
        found = re.fullmatch(r"\s+(http://127\.0\.0\.1:\d+)(/\S*)\n", line)
        if found:
            urls[found.group(2)] = found.group(1) + found.group(2)
            if found.group(2) == "/livez":
                return urls
    pytest.fail(f"the command ended without printing its URLs; exit code {process.wait(10)}")
