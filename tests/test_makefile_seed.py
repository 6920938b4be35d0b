"""The seed `make test` prints is the seed it runs Hypothesis with, so that a printed replay command replays."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _dry_run(*arguments: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed; install it with: apt-get install -y make")
    done = subprocess.run(  # noqa: S603 - our own Makefile, commands printed and not run
        [make, "-n", "pytest", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def test_the_printed_seed_is_the_seed_used() -> None:
    """Ensures the seed in the replay hint equals the one passed to Hypothesis, and a given SEED is kept."""
    printed = _dry_run()
    shown = re.findall(r"Hypothesis seed (\d+)", printed)
    used = re.findall(r"--hypothesis-seed=(\d+)", printed)
    assert len(shown) == 1
    assert used == shown
    replay = _dry_run("SEED=424242")
    assert re.findall(r"Hypothesis seed (\d+)", replay) == ["424242"]
    assert re.findall(r"--hypothesis-seed=(\d+)", replay) == ["424242"]
