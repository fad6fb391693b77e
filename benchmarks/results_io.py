"""What every benchmark does at its end: stamp the run (load average at the end, time, commit) and
write ``<out>/<name>.json`` and ``<out>/<name>.md``, printing the markdown."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["provenance", "write_results"]

REPO_ROOT = Path(__file__).resolve().parents[1]


def write_results(res: dict[str, Any], out: Path, name: str, render: Callable[[dict[str, Any]], str]) -> str:
    """Stamp ``res``, write its JSON and ``render(res)`` as markdown beside it; returns the markdown."""
    res["load_average_end"] = os.getloadavg()
    res["finished"] = datetime.now(UTC).isoformat()
    res["git_commit"] = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO_ROOT,
                                       capture_output=True, text=True, check=False).stdout.strip()
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    text = render(res)
    (out / f"{name}.md").write_text(text)
    print(text)
    return text


def provenance(res: dict[str, Any], script: str, argv: Sequence[str]) -> str:
    """The line under a results file's title: the command that made it, the commit, when, the machine,
    and the load average at its start and end (``res`` as :func:`write_results` stamped it)."""
    def load(key: str) -> str:
        return ", ".join(f"{x:.2f}" for x in res[key])
    return (f"`.venv/bin/python benchmarks/{script} {' '.join(argv)}` — commit {res['git_commit']}, "
            f"{res['finished']}, {res['cpus']} CPUs, Python {res['python']}; load average at start "
            f"{load('load_average_start')}, at end {load('load_average_end')}")
