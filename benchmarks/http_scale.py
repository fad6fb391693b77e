"""HTTP blast radius on a large embedded store (issue 12): ``steward serve`` start-up, then latencies.

On an existing store (e.g. a COPY of the scale benchmark's ``g500k.db``: a viewer token is written into
it, so never point this at a shared original; ``--copy-from`` makes the copy), this

* picks ``--roots`` random datasets whose downstream closure holds fewer than ``--max-closure`` nodes
  (from the store's own traversal index, before the server starts);
* starts ``steward serve`` in its own process and measures, from the moment the process is started,
  when ``/livez`` first answers, when ``/readyz`` first says ready, and when the first
  ``GET /api/v1/blast-radius/{id}`` (with the token) has answered;
* sends ``--requests`` blast-radius requests over those roots, one at a time and then from
  ``--concurrency`` concurrent clients, each through real HTTP with the token, and reports p50 / p90 /
  p99 / max per phase, the errors (the goal is zero), the closure sizes and the load average.

Results: ``<out>/<name>.json`` and ``<out>/<name>.md``. A measurement, not a test: nothing asserts a speed.
Run: ``.venv/bin/python benchmarks/http_scale.py --db /work/scale-x/g500k.db --copy-from /work/scale/g500k.db``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from results_io import provenance, write_results  # benchmarks/ is on sys.path when a script runs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import summary, viewer_token

from steward.local._common import free_port

REPO_ROOT = Path(__file__).resolve().parents[1]


def copy_store(source: Path, dest: Path) -> None:
    """``source`` and its traversal index, copied to ``dest`` (when ``dest`` is not there yet)."""
    if dest.exists():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    import sqlite3

    # a consistent copy even if the source has a WAL: SQLite's own backup, read-only on the source
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(str(dest))
    src.backup(dst)
    dst.close()
    src.close()
    idx = source.with_name(source.name + ".idx")
    if idx.exists():
        shutil.copyfile(idx, dest.with_name(dest.name + ".idx"))


def pick_roots(db: Path, count: int, max_closure: int, seed: int) -> list[tuple[str, int]]:
    """``count`` random datasets with a downstream closure under ``max_closure`` nodes, with their sizes:
    as many from each decade of closure sizes (10-99, 100-999, 1,000-9,999 nodes) where there are some
    (most datasets of a layered organisation are leaves, which would say little)."""
    from steward.graph import LINEAGE_EDGES
    from steward.store import open_store
    from steward.store.embedded import EmbeddedStore

    rng = random.Random(seed)
    store = open_store(f"sqlite:///{db}")
    assert isinstance(store, EmbeddedStore)
    try:
        idx = store.compact_index()
        mask = idx.mask(LINEAGE_EDGES)
        bands = [(10, 100), (100, 1_000), (1_000, max_closure)]
        per_band: dict[tuple[int, int], list[tuple[str, int]]] = {b: [] for b in bands}
        tries = 0
        while sum(len(v) for v in per_band.values()) < count and tries < count * 400:
            tries += 1
            i = rng.randrange(idx.n)
            nid = idx.id_of(i)
            if not nid.startswith("dataset:"):
                continue
            nodes, _, _ = idx.bfs([i], way="down", mask=mask, max_depth=None)
            for lo, hi in bands:
                if lo <= nodes.size < hi and len(per_band[(lo, hi)]) < -(-count // len(bands)):
                    per_band[(lo, hi)].append((nid, int(nodes.size)))
        return [r for b in bands for r in per_band[b]]
    finally:
        store.close()


class Server:
    """``steward serve`` in its own process; the moments it first answered, from its start."""

    def __init__(self, store: str, src: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.producer = secrets.token_urlsafe(24)  # STEWARD_API_TOKEN: it may POST lineage
        env = {**os.environ, "STEWARD_STORE": store, "STEWARD_API_TOKEN": self.producer}
        if src is not None:  # another commit's code for the server (first on its path)
            env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [os.environ.get("PYTHONPATH")])])
        self.started = time.monotonic()
        self.process = subprocess.Popen([sys.executable, "-m", "steward.cli", "serve", "--port", str(self.port)],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def wait(self, path: str, *, headers: dict[str, str] | None = None, timeout: float = 120) -> float:
        """Poll ``path`` until it answers 200; seconds since the process started."""
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=60, headers=headers) as client:
            while True:
                try:
                    if client.get(path).status_code == 200:
                        return time.monotonic() - self.started
                except httpx.TransportError:
                    pass
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    err = self.process.stderr.read()[-2000:] if self.process.stderr else ""
                    raise SystemExit(f"steward serve did not answer {path}: {err}")
                time.sleep(0.01)

    def cpu_s(self) -> float:
        """CPU time (user + system) the server process has used so far: the machine is shared, so wall
        times include waiting for a core; this does not."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def cpu_ns(self) -> int:
        """The same, in nanoseconds, summed over the server's threads (``/proc/<pid>/task/*/schedstat``: the
        time each has run on a CPU): fine enough to tell one request's CPU from the next one's."""
        total = 0
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):  # a thread that ended meanwhile
                continue
        return total

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def write_event(n: int) -> dict[str, Any]:
    """One OpenLineage COMPLETE event in a corner of the graph no root reaches (its own job and datasets,
    owned by a team the store already has): a commit that changes nothing any answer read."""
    return {
        "eventType": "COMPLETE", "eventTime": datetime.now(UTC).isoformat(), "producer": "https://acme/http-scale",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.UUID(int=random.Random(n).getrandbits(128)))},
        "job": {"namespace": "bench", "name": f"writer-{n % 7}", "facets": {"ownership": {
            "_producer": "https://acme/http-scale", "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/"
            "OwnershipJobFacet.json#/$defs/OwnershipJobFacet", "owners": [{"name": "team:t001"}]}}},
        "inputs": [{"namespace": "s3://bench", "name": f"in-{n % 11}"}],
        "outputs": [{"namespace": "s3://bench", "name": f"out-{n}"}],
    }


async def measure(url: str, token: str, sizes: dict[str, int], requests: int, concurrency: int,
                  rng: random.Random, *, write_every: int = 0, producer: str = "",
                  cpu_ns: Callable[[], int] | None = None) -> dict[str, Any]:
    """``requests`` blast radii over the roots (id -> closure size) from ``concurrency`` clients:
    latencies, also per decade of closure size, and errors. With ``write_every``, the client also POSTs
    one OpenLineage event (a commit elsewhere in the graph) after every that many requests. With
    ``cpu_ns`` (one client only), the server's CPU time of each request too (a shared machine's waiting
    for a core is in the latency, not in this)."""
    roots = sorted(sizes)
    queue = [rng.choice(roots) for _ in range(requests)]
    times: list[float] = []
    cpu: list[float] = []
    cpu_by_band: dict[str, list[float]] = {}
    by_band: dict[str, list[float]] = {}
    errors: list[str] = []
    writes: list[float] = []
    sent = [0]

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60,
                                     headers={"Authorization": f"Bearer {token}"}) as http:
            while queue:
                root = queue.pop()
                sent[0] += 1
                if write_every and sent[0] % write_every == 0:
                    t = time.monotonic()
                    resp = await http.post("/api/v1/lineage", json=write_event(sent[0]),
                                           headers={"Authorization": f"Bearer {producer}"})
                    writes.append(time.monotonic() - t)
                    if resp.status_code >= 300:
                        errors.append(f"{resp.status_code} POST /api/v1/lineage: {resp.text[:200]}")
                c = cpu_ns() if cpu_ns is not None and concurrency == 1 else None
                t = time.monotonic()
                resp = await http.get(f"/api/v1/blast-radius/{quote(root, safe='')}")
                times.append(time.monotonic() - t)
                band = f"{10 ** len(str(max(sizes[root], 1))) // 10:,}+"
                by_band.setdefault(band, []).append(times[-1])
                if c is not None and cpu_ns is not None:
                    cpu.append((cpu_ns() - c) / 1e9)
                    cpu_by_band.setdefault(band, []).append(cpu[-1])
                if resp.status_code != 200:
                    errors.append(f"{resp.status_code} {root}: {resp.text[:200]}")

    t = time.monotonic()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.monotonic() - t
    extra = {"write_every": write_every, "writes": len(writes), "write_ms": summary(writes)} if write_every else {}
    if cpu:
        extra["server_cpu"] = summary(cpu)
        extra["server_cpu_by_closure"] = {band: summary(ts) for band, ts in cpu_by_band.items()}
    return {**summary(times), **extra, "requests": len(times), "concurrency": concurrency, "wall_s": round(wall, 2),
            "per_s": round(len(times) / wall, 1), "errors": len(errors), "error_samples": errors[:5],
            "by_closure": {band: summary(ts) for band, ts in sorted(by_band.items(), key=lambda kv: len(kv[0]))}}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, required=True, help="the store to serve (a token is written into it)")
    p.add_argument("--copy-from", type=Path, help="copy this store (and its .idx) to --db first, if --db is missing")
    p.add_argument("--roots", type=int, default=60, help="distinct roots to ask about")
    p.add_argument("--max-closure", type=int, default=10_000, help="only roots with a smaller downstream closure")
    p.add_argument("--requests", type=int, default=300, help="requests per phase")
    p.add_argument("--concurrency", type=int, default=4, help="concurrent clients in the second phase")
    p.add_argument("--write-every", type=int, default=10,
                   help="a third phase, sequential, POSTs one OpenLineage event after every this many requests "
                        "(0: no such phase)")
    p.add_argument("--before", type=Path,
                   help="the JSON results of an earlier run (e.g. of an older commit) to show beside this one's")
    p.add_argument("--server-src", type=Path,
                   help="run the server from this copy of src/ (e.g. an older commit's, from `git archive`)")
    p.add_argument("--server-commit", help="the commit --server-src is (written into the results)")
    p.add_argument("--settle", type=float, default=0.0,
                   help="seconds to wait after the first blast radius before the phases (the server's warm-up, "
                        "which reads every OWNS edge off the request path, then no longer runs beside them)")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    p.add_argument("--name", default="http_scale")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    if args.copy_from is not None:
        copy_store(args.copy_from, args.db)
    store = f"sqlite:///{args.db}"
    res: dict[str, Any] = {"db": str(args.db), "cpus": os.cpu_count(), "python": platform.python_version(),
                           "started": datetime.now(UTC).isoformat(), "load_average_start": os.getloadavg()}
    token = viewer_token(store)
    picked = pick_roots(args.db, args.roots, args.max_closure, args.seed)
    roots = [r for r, _ in picked]
    sizes = sorted(s for _, s in picked)
    res["roots"] = {"count": len(roots), "closure_min": sizes[0], "closure_median": sizes[len(sizes) // 2],
                    "closure_max": sizes[-1]}
    if args.server_src is not None:
        res["server_src"] = str(args.server_src)
        res["server_commit"] = args.server_commit or "?"
    server = Server(store, args.server_src)
    try:
        auth = {"Authorization": f"Bearer {token}"}
        res["livez_s"] = server.wait("/livez")
        res["livez_cpu_s"] = server.cpu_s()
        res["readyz_s"] = server.wait("/readyz")
        first = f"/api/v1/blast-radius/{quote(roots[0], safe='')}"
        res["first_blast_radius_s"] = server.wait(first, headers=auth)
        res["first_blast_radius_cpu_s"] = server.cpu_s()
        if args.settle:
            time.sleep(args.settle)
            res["settle_s"] = args.settle
        rng = random.Random(args.seed)
        sizes_of = dict(picked)
        phases = [("sequential", 1, 0), ("concurrent", args.concurrency, 0)]
        if args.write_every:
            phases.append(("writes", 1, args.write_every))
        for phase, clients, every in phases:
            before = server.cpu_s()
            res[phase] = asyncio.run(measure(server.url, token, sizes_of, args.requests, clients, rng,
                                             write_every=every, producer=server.producer, cpu_ns=server.cpu_ns))
            res[phase]["server_cpu_ms_per_request"] = round((server.cpu_s() - before) * 1000 / args.requests, 1)
    finally:
        server.stop()
    if args.before is not None:
        res["before"] = json.loads(args.before.read_text())
    write_results(res, args.out, args.name, lambda res: markdown(res, argv))
    return 0


def _phase_rows(res: dict[str, Any]) -> list[str]:
    lines = []
    for label in ("sequential", "concurrent", "writes"):
        if label not in res:
            continue
        x = res[label]
        name = (f"sequential, one OpenLineage event POSTed after every {x['write_every']} requests"
                if label == "writes" else label)
        lines.append(f"| {name} ({x['concurrency']} client{'s' if x['concurrency'] > 1 else ''}) | {x['requests']} "
                     f"| {x['p50_ms']} ms | {x['p90_ms']} ms | {x['p99_ms']} ms | {x['max_ms']} ms | {x['per_s']} "
                     f"| {x['errors']} | {x['server_cpu_ms_per_request']} ms |")
        for band, b in x["by_closure"].items():
            lines.append(f"| … closures of {band} nodes | {b['n']} | {b['p50_ms']} ms | {b['p90_ms']} ms | "
                         f"{b['p99_ms']} ms | {b['max_ms']} ms | | | |")
    return lines


def _cpu_rows(res: dict[str, Any], what: str) -> list[str]:
    """The server's CPU time per request in the one-client phases (from its threads' schedstat)."""
    lines: list[str] = []
    for label in ("sequential", "writes"):
        x = res.get(label)
        if not x or "server_cpu" not in x:
            continue
        if not lines:
            lines = ["", f"| server CPU per request{what} | requests | p50 | p90 | p99 | max |",
                     "|---|---|---|---|---|---|"]
        c = x["server_cpu"]
        name = (f"one OpenLineage event POSTed after every {x['write_every']} requests" if label == "writes"
                else "sequential")
        lines.append(f"| {name} | {c['n']} | {c['p50_ms']} ms | {c['p90_ms']} ms | {c['p99_ms']} ms | "
                     f"{c['max_ms']} ms |")
        for band, b in sorted(x["server_cpu_by_closure"].items(), key=lambda kv: len(kv[0])):
            lines.append(f"| … closures of {band} nodes | {b['n']} | {b['p50_ms']} ms | {b['p90_ms']} ms | "
                         f"{b['p99_ms']} ms | {b['max_ms']} ms |")
    return lines


def markdown(res: dict[str, Any], argv: Sequence[str]) -> str:
    r = res["roots"]
    lines = [
        "# HTTP blast radius on a large embedded store",
        "",
        provenance(res, "http_scale.py", argv) + ". Every request goes through real HTTP on "
        "loopback with a viewer token.",
        "",
        f"Roots: {r['count']} random datasets with closures of {r['closure_min']:,} to {r['closure_max']:,} "
        "nodes "
        f"(median {r['closure_median']:,}).",
        "",
        "| start-up (from the process start) | seconds | server CPU used by then |",
        "|---|---|---|",
        f"| `/livez` answers | {res['livez_s']:.2f} | {res['livez_cpu_s']:.2f} s |",
        f"| `/readyz` says ready | {res['readyz_s']:.2f} | |",
        f"| first `GET /api/v1/blast-radius/{{id}}` answered | {res['first_blast_radius_s']:.2f} | "
        f"{res['first_blast_radius_cpu_s']:.2f} s |",
        "",
        *([f"The phases below started {res['settle_s']:g} s after that first answer (`--settle`): the start-up's "
           "warm-up (every `OWNS` edge read off the request path) was over by then.", ""]
          if res.get("settle_s") else []),
        "| blast radius | requests | p50 | p90 | p99 | max | per second | errors | server CPU per request |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += _phase_rows(res)
    lines += _cpu_rows(res, "")
    before = res.get("before")
    if before:
        lines += [
            "",
            f"The same benchmark, server at commit {before.get('server_commit', before.get('git_commit', '?'))} "
            f"(before; run at "
            f"{before.get('finished', '?')}, load average at start "
            f"{', '.join(f'{x:.2f}' for x in before['load_average_start'])}, at end "
            f"{', '.join(f'{x:.2f}' for x in before['load_average_end'])}; first blast radius answered "
            f"{before['first_blast_radius_s']:.2f} s after the process start):",
            "",
            "| blast radius (before) | requests | p50 | p90 | p99 | max | per second | errors "
            "| server CPU per request |",
            "|---|---|---|---|---|---|---|---|---|",
            *_phase_rows(before),
            *_cpu_rows(before, " (before)"),
        ]
    if "writes" in res:
        w = res["writes"]
        lines += ["", f"Writes in the third phase: {w['writes']} events, each its own commit (p50 "
                      f"{w['write_ms']['p50_ms']} ms, max {w['write_ms']['max_ms']} ms per POST); the server "
                      "CPU per request there includes them."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
