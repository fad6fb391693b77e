"""README's "## Incidents" walk-through, run as written against the demo organisation (offline demo),
with the paging block posting to a real loopback receiver."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_demo import Demo, offline
from tests.integration.test_paging_webhook import Receiver

__all__ = ["offline"]  # the module-scoped demo fixture, shared by import

ROOT = Path(__file__).resolve().parents[2]


def _blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Incidents\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


def test_the_walk_through_runs(offline: Demo) -> None:
    walk, paging = _blocks()[:2]
    receiver = Receiver()
    receiver.start()
    try:
        env = {**os.environ, "STEWARD_STORE": offline.uri, "STEWARD_PAGING_WEBHOOK": receiver.url,
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1",
               "COLUMNS": "200"}
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", walk + paging], capture_output=True, text=True,
                              env=env, timeout=300)
    finally:
        receiver.stop()
    assert proc.returncode == 0, f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
    out = proc.stdout
    assert "refused: open -> mitigated skips the ack (exit 5)" in out
    assert "nothing is suspect" in out
    assert "Read incident" in out and "postmortems/features-nulls" in out
    shapes = [r["body"] for r in receiver.requests]
    assert shapes[0]["type"] == "steward.incident.page" and "blocks" in shapes[1]
    assert {s.get("event_action") for s in shapes[2:]} == {"trigger"} and len(shapes) > 2
