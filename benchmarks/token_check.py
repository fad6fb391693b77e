"""What checking a token costs: every authenticated request reads the token's record from the store
(no cache, so a revocation counts at once) and compares hashes.

Measured in one run on the same store, as ratios to references measured alongside (the machine is
shared and noisy):

- ``authenticate(store, token)`` against ``store.get_node(id)`` (one indexed read of the graph);
- over HTTP through the app in-process: ``GET /api/v1/session`` with a bearer token (the gate, the
  token read, a trivial route) against ``GET /livez`` (no gate, no store), and against the same app
  with auth off.

Embedded store by default; ``--store bolt://...`` (with ``STEWARD_NEO4J_*``) for Neo4j. Writes
``benchmarks/results/token_check.md`` and ``.json`` (``--out`` elsewhere).

    .venv/bin/python benchmarks/token_check.py [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from steward.api import create_app  # noqa: E402
from steward.governance.principal import local_operator  # noqa: E402
from steward.governance.tokens import authenticate, create_token  # noqa: E402
from steward.settings import Settings  # noqa: E402
from steward.store import open_store  # noqa: E402
from tests.contract.test_analyses import RAW, build  # noqa: E402


def timed(fn: Callable[[], object], n: int) -> dict[str, float]:
    for _ in range(min(50, n)):  # warm-up
        fn()
    took = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        took.append(time.perf_counter() - started)
    took.sort()
    return {"n": n, "p50_us": statistics.median(took) * 1e6, "p99_us": took[int(n * 0.99) - 1] * 1e6,
            "mean_us": statistics.fmean(took) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--store", default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="steward-token-")
    uri = args.store or f"sqlite:///{Path(tmp.name) / 'graph.db'}"
    load_before = os.getloadavg()
    store = open_store(uri, create=True)
    build(store)
    # a store with many tokens: the check is one keyed read, whatever the count
    for i in range(200):
        create_token(store, person=f"person:p{i}@corp.com", role="viewer", actor=local_operator())
    token = create_token(store, person="person:bench@corp.com", role="viewer", actor=local_operator()).plaintext
    rows: dict[str, dict[str, float]] = {}
    rows["store.get_node (reference)"] = timed(lambda: store.get_node(RAW), args.n)
    rows["authenticate(store, token)"] = timed(lambda: authenticate(store, token), args.n)
    store.close()
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(Settings(store=uri))) as client:
        assert client.get("/api/v1/session", headers=auth).status_code == 200
        rows["HTTP GET /livez (reference, no gate)"] = timed(lambda: client.get("/livez"), args.n)
        rows["HTTP GET /api/v1/session, bearer token"] = timed(
            lambda: client.get("/api/v1/session", headers=auth), args.n)
    with TestClient(create_app(Settings(store=uri, auth=False))) as client:
        rows["HTTP GET /api/v1/session, auth off (reference)"] = timed(lambda: client.get("/api/v1/session"), args.n)
    load_after = os.getloadavg()
    tmp.cleanup()
    ratios = {
        "authenticate / get_node": rows["authenticate(store, token)"]["p50_us"]
        / rows["store.get_node (reference)"]["p50_us"],
        "session with token / auth off": rows["HTTP GET /api/v1/session, bearer token"]["p50_us"]
        / rows["HTTP GET /api/v1/session, auth off (reference)"]["p50_us"],
        "session with token / livez": rows["HTTP GET /api/v1/session, bearer token"]["p50_us"]
        / rows["HTTP GET /livez (reference, no gate)"]["p50_us"],
    }
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    meta = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit, "cpus": os.cpu_count(),
            "python": platform.python_version(), "store": "embedded" if args.store is None else "given",
            "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after]}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "token_check.json").write_text(json.dumps({"meta": meta, "rows": rows, "ratios": ratios}, indent=2)
                                               + "\n")
    lines = [f"# Token check cost ({meta['store']} store)", "",
             f"`python benchmarks/token_check.py --n {args.n}` — commit {commit}, {meta['at']}, {meta['cpus']} CPUs, "
             f"Python {meta['python']}; load average before {meta['load_before']}, after {meta['load_after']}.", "",
             "| what | p50 µs | p99 µs | mean µs |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['p50_us']:.0f} | {v['p99_us']:.0f} | {v['mean_us']:.0f} |" for k, v in rows.items()]
    lines += ["", "| ratio (p50) | |", "|---|---|"] + [f"| {k} | {v:.2f} |" for k, v in ratios.items()]
    (args.out / "token_check.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
