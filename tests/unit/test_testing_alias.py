"""``steward.testing.*_server`` stay working aliases of the runtime tools in ``steward.local``."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest


@pytest.mark.parametrize("name", ["neo4j_server", "mlflow_server"])
def test_old_module_is_the_new_one(name: str) -> None:
    assert importlib.import_module(f"steward.testing.{name}") is importlib.import_module(f"steward.local.{name}")


@pytest.mark.parametrize("name", ["neo4j_server", "mlflow_server"])
def test_old_command_line_still_runs(name: str) -> None:
    out = subprocess.run([sys.executable, "-m", f"steward.testing.{name}", "--help"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert f"python -m steward.local.{name}" in out.stdout
