"""The one web page Steward serves, /docs, rendered by a real headless Chromium from local assets."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from steward.settings import Settings
from tests.e2e.test_api import LiveServer

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Chromium is not installed (scripts/test.sh installs Debian's chromium package)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_swagger_ui_renders_every_endpoint(tmp_path: Path) -> None:
    browser = chromium()
    with LiveServer(Settings(store=f"sqlite:///{tmp_path / 'graph.db'}")) as server, \
            tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000",
             "--dump-dom", f"{server.url}/docs"],
            capture_output=True, text=True, timeout=120, check=False,
        )
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    # Swagger UI's JavaScript ran (it builds these elements from /openapi.json in the browser).
    for path in ("/api/v1/blast-radius/{node_id}", "/api/v1/lineage", "/api/v1/audit", "/readyz"):
        assert f'data-path="{path}"' in dom, path
    assert "Steward" in dom
