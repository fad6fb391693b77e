"""A damaged embedded store is 503 ``store_unavailable`` on every route and exit 6 on the CLI, never
a 400/500 or a traceback (issue 10). Needs the embedded store to raise BackendUnavailableError for
damaged files and rows (the storage work of the scale branch)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from steward.settings import Settings
from steward.store import open_store
from tests.contract.test_analyses import API, BOB, RAW, build
from tests.e2e.test_api import LiveServer
from tests.e2e.test_cli import STEWARD

ROUTES = ["/api/v1/spof", "/api/v1/audit", f"/api/v1/blast-radius/{RAW}", f"/api/v1/upstream/{API}",
          f"/api/v1/handoff/{BOB}", f"/api/v1/nodes/{RAW}", "/api/v1/search?q=raw"]


def _garbage_file(path: Path) -> None:
    path.write_bytes(b"garbage" * 1000)


def _bad_row(path: Path) -> None:
    with open_store(f"sqlite:///{path}", create=True) as store:
        build(store)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE nodes SET props = '{not json' WHERE id = ?", (RAW,))


@pytest.mark.parametrize("damage", [_garbage_file, _bad_row], ids=["garbage-file", "bad-row"])
def test_damaged_store_is_503_everywhere_and_exit_6(tmp_path: Path, damage: object) -> None:
    path = tmp_path / "graph.db"
    damage(path)  # type: ignore[operator]
    uri = f"sqlite:///{path}"
    # A damaged file is caught when it is opened; one bad row only when it is read (properties are read
    # on demand), so /readyz (which does not read every row) rightly stays ready for that one.
    checked = ROUTES if damage is _bad_row else ["/readyz", *ROUTES]
    with LiveServer(Settings(store=uri, api_token=SecretStr("t"), auth=False)) as server:  # not about auth
        for route in checked:
            resp = httpx.get(f"{server.url}{route}", timeout=10)
            assert resp.status_code == 503, (route, resp.text)
            assert resp.json()["error"]["code"] == "store_unavailable", route
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run([STEWARD, "spof", "--store", uri], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 6, proc.stderr
    assert "Traceback" not in proc.stderr
