"""Bounded loopback load test of ``steward serve``: mixed reads with concurrent ingests.

Starts ``steward serve`` in its own process on 127.0.0.1 (embedded store in a temp folder, or
``--store bolt://...`` with ``STEWARD_NEO4J_*``), seeds it through the API itself with OpenLineage
events (a layered lineage graph with owners), then sends ``--requests`` requests from
``--concurrency`` concurrent clients, at most ``--duration`` seconds: blast radius, upstream,
search and single points of failure, interleaved with ingests (``POST /api/v1/lineage``, with the
token). Meanwhile one probe measures ``/livez``; before the load the same probe gives the idle
reference of the same run.

Every response other than 2xx counts as an error (the goal is zero). Latencies (p50, p90, p99, max)
per kind, the load average and the machine go to ``<out>/load_test.json`` and ``<out>/load_test.md``.
This is a measurement, not a test: nothing here asserts a speed.

Run: ``.venv/bin/python benchmarks/load_test.py --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from steward.local.api_server import ServeProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def event(job: int, inputs: Sequence[int], outputs: Sequence[int], owner: str) -> dict[str, Any]:
    """One COMPLETE RunEvent: job ``job`` read ``inputs`` and wrote ``outputs``, owned by ``owner``."""
    return {
        "eventType": "COMPLETE", "eventTime": datetime.now(UTC).isoformat(), "producer": "https://acme/load-test",
        "schemaURL": SCHEMA_URL, "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "load", "name": f"job-{job:04d}", "facets": {"ownership": {
            "_producer": "https://acme/load-test", "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/"
            "OwnershipJobFacet.json#/$defs/OwnershipJobFacet", "owners": [{"name": f"user:{owner}"}]}}},
        "inputs": [{"namespace": "s3://lake", "name": f"ds-{i:05d}"} for i in inputs],
        "outputs": [{"namespace": "s3://lake", "name": f"ds-{o:05d}"} for o in outputs],
    }


def seed_events(jobs: int, rng: random.Random) -> list[dict[str, Any]]:
    """A layered graph: job j reads 1-3 datasets written by earlier jobs and writes 1-2 new ones."""
    owners = [f"user{i:03d}@acme.example" for i in range(max(3, jobs // 10))]
    written = list(range(20))  # 20 raw datasets to start from
    out: list[dict[str, Any]] = []
    next_ds = 20
    for j in range(jobs):
        ins = rng.sample(written, min(len(written), rng.randint(1, 3)))
        outs = list(range(next_ds, next_ds + rng.randint(1, 2)))
        next_ds += len(outs)
        written.extend(outs)
        out.append(event(j, ins, outs, rng.choice(owners)))
    return out


def pct(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def summary(values_s: Sequence[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    if not ms:
        return {}
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 1), "p90_ms": round(pct(ms, 90), 1),
            "p99_ms": round(pct(ms, 99), 1), "max_ms": round(max(ms), 1), "mean_ms": round(statistics.fmean(ms), 1)}


def viewer_token(store: str) -> str:
    """An API token to read with, issued as `steward token create --role viewer` does."""
    from steward.governance.principal import local_operator
    from steward.governance.tokens import create_token
    from steward.store import open_store

    with open_store(store, create=True) as st:
        return create_token(st, person="person:load@acme.example", role="viewer", actor=local_operator(),
                            name="load test").plaintext


async def run_load(url: str, token: str, args: argparse.Namespace, rng: random.Random,
                   datasets: list[str], first_job: int, reader: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    read_auth = {"Authorization": f"Bearer {reader}"}
    limits = httpx.Limits(max_connections=args.concurrency + 4, max_keepalive_connections=args.concurrency + 4)
    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    livez: list[float] = []
    done = asyncio.Event()
    counter = iter(range(args.requests))
    job_ids = iter(range(first_job, first_job + args.requests))
    deadline = time.monotonic() + args.duration

    def pick() -> tuple[str, str, dict[str, Any] | None]:
        r = rng.random()
        ds = rng.choice(datasets)
        if r < args.ingest_share:
            j = next(job_ids)
            body = event(j, [int(ds.rsplit("-", 1)[1])], [100_000 + j], "load@acme.example")
            return "ingest", "/api/v1/lineage", body
        if r < args.ingest_share + 0.35:
            return "blast-radius", f"/api/v1/blast-radius/dataset:s3://lake/{ds}", None
        if r < args.ingest_share + 0.55:
            return "upstream", f"/api/v1/upstream/dataset:s3://lake/{ds}?days=30", None
        if r < args.ingest_share + 0.85:
            return "search", f"/api/v1/search?q={ds[:6]}&limit=20", None
        return "spof", "/api/v1/spof", None

    async with httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits) as client:

        async def worker() -> None:
            while time.monotonic() < deadline:
                if next(counter, None) is None:
                    return
                kind, path, body = pick()
                started = time.monotonic()
                try:
                    if body is not None:
                        resp = await client.post(path, json=body, headers=auth)
                    else:
                        resp = await client.get(path, headers=read_auth)
                    ok = resp.is_success
                    detail = f"{kind} {resp.status_code} {resp.text[:200]}"
                except httpx.HTTPError as exc:
                    ok, detail = False, f"{kind} {type(exc).__name__}: {exc}"
                latencies.setdefault(kind, []).append(time.monotonic() - started)
                if not ok:
                    errors.append(detail)

        async def probe() -> None:
            async with httpx.AsyncClient(base_url=url, timeout=10.0) as own:
                while not done.is_set():
                    started = time.monotonic()
                    resp = await own.get("/livez")
                    livez.append(time.monotonic() - started)
                    if not resp.is_success:
                        errors.append(f"livez {resp.status_code}")
                    await asyncio.sleep(0.05)

        started = time.monotonic()
        probe_task = asyncio.create_task(probe())
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.monotonic() - started
        done.set()
        await probe_task
    everything = [v for vs in latencies.values() for v in vs]
    return {
        "requests": len(everything), "elapsed_s": round(elapsed, 2),
        "throughput_rps": round(len(everything) / elapsed, 1) if elapsed else None,
        "errors": len(errors), "error_samples": errors[:10],
        "all": summary(everything), "by_kind": {k: summary(v) for k, v in sorted(latencies.items())},
        "livez_under_load": summary(livez),
    }


async def livez_idle(url: str, n: int = 100) -> dict[str, float]:
    out = []
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
        for _ in range(n):
            started = time.monotonic()
            (await client.get("/livez")).raise_for_status()
            out.append(time.monotonic() - started)
            await asyncio.sleep(0.01)
    return summary(out)


def markdown(res: dict[str, Any]) -> str:
    lines = [
        f"# Load test ({res['when']})", "",
        f"`{res['command']}`", "",
        f"Store: {res['store_kind']}; {res['seed_jobs']} seeded jobs ({res['seeded_datasets']} datasets); "
        f"{res['concurrency']} concurrent clients; ingest share {res['ingest_share']:.0%}. "
        f"Machine: {res['machine']['cpus']} CPUs, load average before/after "
        f"{res['machine']['loadavg_before']} / {res['machine']['loadavg_after']}.", "",
        f"**{res['load']['requests']} requests in {res['load']['elapsed_s']} s "
        f"({res['load']['throughput_rps']} req/s), {res['load']['errors']} errors.**", "",
        "| kind | n | p50 ms | p90 ms | p99 ms | max ms |", "|---|---|---|---|---|---|",
    ]
    rows = [("all", res["load"]["all"]), *res["load"]["by_kind"].items(),
            ("/livez idle (reference)", res["livez_idle"]), ("/livez under load", res["load"]["livez_under_load"])]
    for name, s in rows:
        if s:
            lines.append(f"| {name} | {s['n']} | {s['p50_ms']} | {s['p90_ms']} | {s['p99_ms']} | {s['max_ms']} |")
    if res["load"]["error_samples"]:
        lines += ["", "Errors (first 10):", "", *[f"- `{e}`" for e in res["load"]["error_samples"]]]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--store", default=None, help="store URI (default: a new embedded store in a temp folder)")
    p.add_argument("--seed-jobs", type=int, default=300, help="jobs seeded through the API (default 300)")
    p.add_argument("--requests", type=int, default=3000, help="requests at most (default 3000)")
    p.add_argument("--duration", type=float, default=120.0, help="seconds at most (default 120)")
    p.add_argument("--concurrency", type=int, default=20, help="concurrent clients (default 20)")
    p.add_argument("--ingest-share", type=float, default=0.1, help="share of requests that ingest (default 0.1)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    token = secrets.token_urlsafe(24)
    tmp = tempfile.TemporaryDirectory(prefix="steward-load-")
    store = args.store or f"sqlite:///{Path(tmp.name) / 'graph.db'}"
    load_before = os.getloadavg()
    reader = viewer_token(store)  # every read is authenticated (the token is checked on each request)
    try:
        serve = ServeProcess({**os.environ, "STEWARD_STORE": store, "STEWARD_API_TOKEN": token})
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from exc
    try:
        events = seed_events(args.seed_jobs, rng)
        with httpx.Client(base_url=serve.url, timeout=60) as client:
            for i in range(0, len(events), 50):
                client.post("/api/v1/lineage", json=events[i : i + 50],
                            headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        datasets = sorted({d["name"] for e in events for d in e["inputs"] + e["outputs"]})
        idle = asyncio.run(livez_idle(serve.url))
        load = asyncio.run(run_load(serve.url, token, args, rng, datasets, first_job=args.seed_jobs,
                                    reader=reader))
    finally:
        serve.stop()
        tmp.cleanup()
    res = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["benchmarks/load_test.py", *(argv if argv is not None else sys.argv[1:])]),
        "store_kind": "embedded" if store.startswith("sqlite") else "neo4j",
        "seed_jobs": args.seed_jobs, "seeded_datasets": len(datasets),
        "concurrency": args.concurrency, "ingest_share": args.ingest_share,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "livez_idle": idle, "load": load,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    name = "load_test" if res["store_kind"] == "embedded" else "load_test_neo4j"
    (args.out / f"{name}.json").write_text(json.dumps(res, indent=2) + "\n")
    (args.out / f"{name}.md").write_text(markdown(res))
    print(markdown(res))
    return 0 if load["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
