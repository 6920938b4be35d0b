"""The import contract that keeps the core pure really fails on a forbidden import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.mark.parametrize("forbidden", ["import time", "import threading", "from os import getpid", "import structlog"])
def test_contract_rejects_impure_core(tmp_path: Path, forbidden: str) -> None:
    """A copy of the package whose core imports a forbidden module breaks the contract."""
    shutil.copytree(ROOT / "flext_observability", tmp_path / "flext_observability")
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    target = tmp_path / "flext_observability" / "core" / "values.py"
    target.write_text(target.read_text() + f"\n{forbidden}\n")
    env = {"PYTHONPATH": str(tmp_path), "PATH": str(LINT_IMPORTS.parent)}
    out = subprocess.run(  # noqa: S603 - our own tool on our own copy
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, check=False, env=env
    )
    assert out.returncode != 0, out.stdout
    assert "BROKEN" in out.stdout.upper()


def test_contract_holds_for_the_real_package() -> None:
    """The package as committed keeps every contract."""
    out = subprocess.run(  # noqa: S603 - our own tool
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout
