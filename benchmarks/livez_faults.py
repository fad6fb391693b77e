"""``/livez`` latency while 50 data requests are in flight, with Neo4j healthy, frozen (SIGSTOP) and
killed (kill -9): issue 10's "``/livez`` within 100 ms under 50 concurrent requests".

A real Neo4j (the local server tool), ``steward serve`` in its own process, the 50-request load in a
second process (50 asyncio clients looping over the data routes), and the probe in this process: one
``GET /livez`` every 50 ms, as a liveness checker sends them. Writes ``benchmarks/results/livez.md``
and ``.json``.

    .venv/bin/python benchmarks/livez_faults.py [--probes 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from steward.local.neo4j_server import start_local_neo4j  # noqa: E402
from steward.settings import Settings  # noqa: E402
from steward.store.neo4j import Neo4jStore  # noqa: E402
from tests.auth_helpers import bearer, mint  # noqa: E402
from tests.contract.test_analyses import build  # noqa: E402
from tests.integration.neo4j.test_faults import GETS, TOKEN, serve_process  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def _load(base: str, stop_at: float, headers: dict[str, str]) -> None:
    """50 clients, each looping over the data routes until ``stop_at`` (a separate process)."""

    async def client_loop(client: httpx.AsyncClient, i: int) -> None:
        n = i
        while time.time() < stop_at:
            with contextlib.suppress(httpx.HTTPError):
                await client.get(GETS[n % len(GETS)])
            n += 1

    async def run() -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with httpx.AsyncClient(base_url=base, timeout=10.0, limits=limits, headers=headers) as client:
            await asyncio.gather(*(client_loop(client, i) for i in range(50)))

    asyncio.run(run())


def _probe(base: str, probes: int) -> dict[str, float]:
    took: list[float] = []
    with httpx.Client(base_url=base, timeout=10.0) as client:
        for _ in range(probes):
            started = time.perf_counter()
            resp = client.get("/livez")
            took.append(time.perf_counter() - started)
            assert resp.status_code == 200, resp.text
            time.sleep(0.05)
    took.sort()
    return {"p50_ms": statistics.median(took) * 1000, "p95_ms": took[int(len(took) * 0.95) - 1] * 1000,
            "max_ms": took[-1] * 1000, "probes": len(took)}


def _under_load(base: str, probes: int, headers: dict[str, str]) -> dict[str, float]:
    stop_at = time.time() + probes * 0.06 + 5
    loader = multiprocessing.Process(target=_load, args=(base, stop_at, headers))
    loader.start()
    time.sleep(1.0)  # let the 50 requests get in flight
    try:
        return _probe(base, probes)
    finally:
        loader.join(probes * 0.06 + 30)
        if loader.is_alive():
            loader.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", type=int, default=100)
    args = parser.parse_args()
    load_before = os.getloadavg()
    server = start_local_neo4j()
    rows: dict[str, dict[str, float]] = {}
    try:
        settings = Settings(store=server.uri, neo4j_user=server.user, neo4j_password=SecretStr(server.password),
                            api_token=SecretStr(TOKEN))
        with Neo4jStore.connect(server.uri, settings=settings) as store:
            build(store)
            reader = bearer(mint(store, "viewer"))  # the data requests are authenticated, as deployed
        api = serve_process(settings)
        try:
            rows["idle (no load), Neo4j healthy"] = _probe(api.url, args.probes)
            rows["50 requests in flight, Neo4j healthy"] = _under_load(api.url, args.probes, reader)
            assert server.pid is not None
            os.killpg(server.pid, signal.SIGSTOP)
            try:
                rows["50 requests in flight, Neo4j frozen (SIGSTOP)"] = _under_load(api.url, args.probes, reader)
            finally:
                os.killpg(server.pid, signal.SIGCONT)
            os.killpg(server.pid, signal.SIGKILL)
            rows["50 requests in flight, Neo4j killed (kill -9)"] = _under_load(api.url, args.probes, reader)
        finally:
            api.stop()
    finally:
        server.stop()
    load_after = os.getloadavg()
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    meta = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit, "cpus": os.cpu_count(),
            "python": platform.python_version(), "load_before": load_before, "load_after": load_after,
            "command": "python benchmarks/livez_faults.py" + (f" --probes {args.probes}" if args.probes != 100 else "")}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "livez.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    lines = [
        f"`{meta['command']}` — commit {commit}, {meta['at']}, {meta['cpus']} CPUs, Python {meta['python']}; "
        f"load average before {', '.join(f'{x:.2f}' for x in load_before)}, after "
        f"{', '.join(f'{x:.2f}' for x in load_after)}. One `GET /livez` every 50 ms from its own client; the 50 "
        "data requests come from a second process (50 asyncio clients looping over the data routes).",
        "",
        "| condition | /livez p50 ms | p95 ms | max ms | probes |",
        "|---|---:|---:|---:|---:|",
        *(f"| {name} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['max_ms']:.1f} | {r['probes']:.0f} |"
          for name, r in rows.items()),
    ]
    (RESULTS / "livez.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
