"""A real MLflow tracking server, seeded once per session with the real MLflow client.

The server is ``$STEWARD_TEST_MLFLOW_URI`` when set, else one started from the dedicated MLflow
virtualenv (installed on first use, ~1 min) on a free loopback port. Seeding runs
``seed_mlflow.py`` with that venv's python; its JSON output is what the tests expect.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from steward.local.mlflow_server import ensure_mlflow_venv

SEED_SCRIPT = Path(__file__).with_name("seed_mlflow.py")
#: Runs in the bulk experiment: the tests read with pages smaller than this.
BULK_RUNS = 5


@pytest.fixture(scope="session")
def mlflow_seed(mlflow_uri: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Seed the server; return what was created (run ids, model versions, names, tags)."""
    python = ensure_mlflow_venv()
    work = tmp_path_factory.mktemp("mlflow-seed")
    # Run a copy outside this git checkout, so MLflow does not tag runs with the project's own commit.
    script = Path(shutil.copy(SEED_SCRIPT, work / SEED_SCRIPT.name))
    out = work / "seeded.json"
    env = {**os.environ, "MLFLOW_TRACKING_URI": mlflow_uri, "MLFLOW_DISABLE_TELEMETRY": "true",
           "DO_NOT_TRACK": "true", "GIT_PYTHON_REFRESH": "quiet"}
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    done = subprocess.run(
        [str(python), str(script), str(out), str(BULK_RUNS), prefix],
        cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"seeding MLflow at {mlflow_uri} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    seeded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    seeded["prefix"] = prefix
    return seeded
