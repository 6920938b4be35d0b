"""Test-session settings shared by ``tests/``, ``properties/``, the doctests and the docs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# CI explores widely and never fails on timing; a failure prints the blob that
# replays it (and the Makefile prints the seed of the run).
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Test helpers shared by tests/ and properties/ (servers, receivers, schemas) live in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
