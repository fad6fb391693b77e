"""Streaming ingest (issue 12): the real ``steward ingest`` CLI on a big OpenLineage events file.

Writes one ``.jsonl`` file of OpenLineage RunEvents in the shape of ``benchmarks/scale.py``'s
generator (layered, diamond-heavy; each run reads 4 datasets of earlier layers and produces one; its
job carries an ownership facet naming a team), then, each in a fresh process under
``/usr/bin/time -v`` (wall time, peak RSS):

* ``steward ingest RECIPE --store sqlite:///...`` (a recipe with one ``openlineage`` source), and
* the floor: the same file read line by line with ``json.loads``, the same node / edge rows built
  by hand (no validation, no merging) and stored with one SQLite ``executemany`` per table per
  5,000 events, into the same schema.

With ``--old-src DIR`` (a checkout's ``src`` of another commit) the CLI is also run with that code
first on ``PYTHONPATH``, for a before/after. Nothing asserts a speed. Results:
``results/ingest_stream.json`` / ``.md``. Run:
``.venv/bin/python benchmarks/ingest_stream.py --produced 360000``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from results_io import provenance, write_results  # benchmarks/ is on sys.path when a script runs
from scale import LAYERS, READS, organisation_shape

REPO_ROOT = Path(__file__).resolve().parents[1]
PRODUCER = "https://github.com/steward/benchmarks/ingest_stream"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
FACET_URL = "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json"


def write_events(path: Path, produced: int, seed: int = 12) -> dict[str, int]:
    """The scale generator's organisation as OpenLineage RunEvents, one per line."""
    rng = random.Random(seed)
    layer_size, teams = organisation_shape(produced)
    job, runs_left, events, records = 0, 0, 0, 0
    owner = teams[0]
    with path.open("w") as f:
        for layer in range(1, LAYERS):
            for i in range(layer_size[layer]):
                if runs_left == 0:
                    job += 1
                    runs_left = rng.choice((1, 1, 2, 3))
                    owner = rng.choice(teams)
                runs_left -= 1
                inputs: set[tuple[int, int]] = set()
                while len(inputs) < READS:
                    src_layer = layer - 1 if rng.random() < 0.5 else rng.randrange(0, layer)
                    inputs.add((src_layer, int(layer_size[src_layer] * rng.random() ** 3)))
                ev = {
                    "eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "producer": PRODUCER,
                    "schemaURL": SCHEMA_URL,
                    "run": {"runId": str(uuid.UUID(int=rng.getrandbits(128), version=4))},
                    "job": {"namespace": "airflow://org", "name": f"j{job:06d}", "facets": {"ownership": {
                        "_producer": PRODUCER, "_schemaURL": FACET_URL,
                        "owners": [{"name": owner, "type": "owner"}]}}},
                    "inputs": [{"namespace": "s3://lake", "name": f"l{sl:02d}/d{si:07d}"} for sl, si in sorted(inputs)],
                    "outputs": [{"namespace": "s3://lake", "name": f"l{layer:02d}/d{i:07d}"}],
                }
                f.write(json.dumps(ev, separators=(",", ":")) + "\n")
                events += 1
                # job, run, 4 inputs, 1 output (nodes); RUN_OF, 4 CONSUMED_BY, PRODUCED (edges); 1 claim
                records += 7 + 6 + 1
    return {"events": events, "records": records}


def child_floor(events_path: str, db: str) -> dict[str, Any]:
    """json.loads per line, rows built by hand, one executemany per table per 5,000 events."""
    from steward.store.embedded import _SCHEMA

    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(_SCHEMA)
    seen = "2026-01-01T00:00:00.000Z"
    src = json.dumps(["openlineage"])
    nodes: list[tuple[str, ...]] = []
    edges: list[tuple[str, ...]] = []
    rows = 0

    def flush() -> None:
        con.execute("BEGIN")
        con.executemany("INSERT OR REPLACE INTO nodes VALUES (?,?,?,?,?,?)", nodes)
        con.executemany("INSERT OR REPLACE INTO edges VALUES (?,?,?,?,?,?,?)", edges)
        con.execute("COMMIT")
        nodes.clear()
        edges.clear()

    with open(events_path, "rb") as f:
        for n, line in enumerate(f, 1):
            ev = json.loads(line)
            job = ev["job"]
            jid = f"job:{job['namespace']}/{job['name']}"
            rid = f"run:{ev['run']['runId']}"
            nodes.append((jid, "job", job["name"], json.dumps({"namespace": job["namespace"]}), src, seen))
            nodes.append((rid, "run", ev["run"]["runId"], json.dumps({"state": ev["eventType"]}), src, seen))
            edges.append((rid, "RUN_OF", jid, "", "openlineage", "{}", seen))
            for o in job["facets"]["ownership"]["owners"]:
                edges.append((o["name"], "OWNS", jid, "owner", "openlineage", "{}", seen))
            for ds, kind in [(d, "in") for d in ev["inputs"]] + [(d, "out") for d in ev["outputs"]]:
                did = f"dataset:{ds['namespace']}/{ds['name']}"
                nodes.append((did, "dataset", ds["name"], json.dumps({"namespace": ds["namespace"]}), src, seen))
                edges.append((did, "CONSUMED_BY", rid, "", "openlineage", "{}", seen) if kind == "in"
                             else (rid, "PRODUCED", did, "", "openlineage", "{}", seen))
            rows = len(nodes) + len(edges)
            if n % 5000 == 0:
                flush()
    flush()
    con.close()
    return {"rows_last_batch": rows}


def _rss_mb(pid: int) -> float | None:
    """Resident memory of a process, from /proc (None once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _child_of(pid: int) -> int | None:
    """The (first) child of a process: the command ``/usr/bin/time`` runs."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


#: Seconds between two samples of the measured command's resident memory.
RSS_EVERY_S = 0.25


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` under /usr/bin/time -v: wall seconds, peak RSS (MB), exit code, and the command's
    resident memory sampled every ``RSS_EVERY_S`` over its run (``rss_at``: at 25/50/75/90% of its wall
    time, so memory that grows with the run shows apart from a peak at its end)."""
    t = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/time", "-v", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        child = None
        while not done.wait(RSS_EVERY_S):
            child = child or _child_of(proc.pid)
            mb = _rss_mb(child) if child else None
            if mb is not None:
                samples.append((time.perf_counter() - t, mb))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - t
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", stderr))
    rss_at = {}
    for share in (25, 50, 75, 90):
        before = [mb for at, mb in samples if at <= wall * share / 100]
        if before:
            rss_at[f"{share}%"] = before[-1]
    return {"wall_s": wall, "cpu_s": cpu, "rss_peak_mb": int(m.group(1)) / 1024 if m else None,
            "rss_at": rss_at, "rss_samples": len(samples), "exit": proc.returncode, "stdout_tail": stdout[-800:],
            "stderr_tail": stderr[-1500:] if proc.returncode else ""}


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time, with every run's wall and CPU seconds beside it."""
    best = sorted(runs, key=lambda r: r["wall_s"])[(len(runs) - 1) // 2]
    return {**best, "walls_s": [r["wall_s"] for r in runs], "cpus_s": [r["cpu_s"] for r in runs],
            "cpu_median_s": sorted(r["cpu_s"] for r in runs)[(len(runs) - 1) // 2]}


def run_cli(events: Path, db: Path, old_src: str | None = None) -> dict[str, Any]:
    recipe = db.with_suffix(".recipe.yaml")
    recipe.write_text(f"sources:\n  - type: openlineage\n    name: openlineage\n    paths: [{events}]\n")
    env = dict(os.environ)
    if old_src:
        env["PYTHONPATH"] = old_src
    steward = str(Path(sys.executable).with_name("steward"))
    out = timed([steward, "ingest", str(recipe), "--store", f"sqlite:///{db}", "--format", "json"], env=env)
    con = sqlite3.connect(db)
    out["nodes"] = con.execute("SELECT count(*) FROM nodes").fetchone()[0]
    out["edges"] = con.execute("SELECT count(*) FROM edges").fetchone()[0]
    con.close()
    out["db_mb"] = db.stat().st_size / 2**20
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_floor":
        print(json.dumps(child_floor(argv[1], argv[2])))
        return 0
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--produced", type=int, default=360_000, help="produced datasets (360k -> ~1M nodes)")
    p.add_argument("--old-src", default=None, help="another commit's src/ to run the CLI with too (before/after)")
    p.add_argument("--work", type=Path, default=None)
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    p.add_argument("--name", default="ingest_stream")
    p.add_argument("--repeat", type=int, default=1, help="runs of each variant, interleaved (medians reported)")
    p.add_argument("--earlier", type=Path, default=None,
                   help="an earlier results .json of this script, kept as a labelled row (another size, another run)")
    p.add_argument("--note", action="append", default=[],
                   help="a line for the results file under the table (e.g. which commit --old-src is); repeatable")
    args = p.parse_args(argv)
    res: dict[str, Any] = {"produced": args.produced, "cpus": os.cpu_count(), "python": platform.python_version(),
                           "started": datetime.now(UTC).isoformat(), "load_average_start": os.getloadavg()}
    if args.note:
        res["notes"] = list(args.note)
    if args.earlier:
        res["earlier"] = json.loads(args.earlier.read_text())
        res["earlier"].pop("earlier", None)
    with tempfile.TemporaryDirectory(prefix="steward-ingest-stream-", dir=args.work) as tmp:
        events = Path(tmp) / "events.jsonl"
        t = time.perf_counter()
        res["file"] = write_events(events, args.produced)
        res["file"]["mb"] = events.stat().st_size / 2**20
        res["file"]["write_s"] = time.perf_counter() - t
        print(json.dumps(res["file"]), flush=True)
        runs: dict[str, list[dict[str, Any]]] = {"floor": [], "cli": [], "cli_old": []}
        for _ in range(args.repeat):  # interleaved, so a noisy minute falls on every variant alike
            runs["floor"].append(timed([sys.executable, __file__, "_floor", str(events), str(Path(tmp) / "floor.db")]))
            Path(tmp, "floor.db").unlink()
            print(json.dumps(runs["floor"][-1]), flush=True)
            runs["cli"].append(run_cli(events, Path(tmp) / "graph.db"))
            print(json.dumps(runs["cli"][-1]), flush=True)
            for name in ("graph.db", "old.db"):
                for suffix in ("", ".idx", "-wal", "-shm"):
                    Path(tmp, name + suffix).unlink(missing_ok=True)
            if args.old_src:
                runs["cli_old"].append(run_cli(events, Path(tmp) / "old.db", args.old_src))
                print(json.dumps(runs["cli_old"][-1]), flush=True)
                for suffix in ("", ".idx", "-wal", "-shm"):
                    Path(tmp, "old.db" + suffix).unlink(missing_ok=True)
        res["repeat"] = args.repeat
        res.update({k: median_run(v) for k, v in runs.items() if v})
    write_results(res, args.out, args.name, lambda res: markdown(res, argv))
    return 0


def _mb(mb: float | None) -> str:
    return "—" if mb is None else f"{mb:,.0f}"


def markdown(res: dict[str, Any], argv: Sequence[str]) -> str:
    f, fl, cli = res["file"], res["floor"], res["cli"]
    rec = f["records"]
    lines = [
        f"# Streaming ingest: {f['events']:,} OpenLineage events → {cli['nodes']:,} nodes, {cli['edges']:,} edges",
        "",
        provenance(res, "ingest_stream.py", argv) + " "
        "(a shared machine: ratios are from the same run). Events file "
        f"{f['mb']:,.0f} MB ({rec:,} records: nodes, edges and ownership claims as the source emits them). "
        "Whole processes under `/usr/bin/time -v`.",
        "",
        "| | wall | records/s | peak RSS | ratio to the floor (wall) | CPU (user + sys) | ratio to the floor (CPU) |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(label: str, x: dict[str, Any], ratio: str, cpu_ratio: str) -> str:
        walls = x.get("walls_s", [x["wall_s"]])
        runs = f" (runs: {', '.join(f'{w:,.1f}' for w in walls)} s)" if len(walls) > 1 else ""
        cpu = x.get("cpu_median_s", x.get("cpu_s"))
        cpu_cell = f"{cpu:,.1f} s" if cpu else "—"
        return (f"| {label} | {x['wall_s']:,.1f} s{runs} | {rec / x['wall_s']:,.0f} | {x['rss_peak_mb']:,.0f} MB | "
                f"{ratio} | {cpu_cell} | {cpu_ratio} |")

    def ratios(x: dict[str, Any]) -> tuple[str, str]:
        cpu, fcpu = x.get("cpu_median_s", x.get("cpu_s")), fl.get("cpu_median_s", fl.get("cpu_s"))
        return f"{x['wall_s'] / fl['wall_s']:.2f}x", f"{cpu / fcpu:.2f}x" if cpu and fcpu else "—"

    lines.append(row(f"`steward ingest` (real CLI, embedded store; exit {cli['exit']}; SQLite file "
                     f"{cli['db_mb']:,.0f} MB, index saved on close)", cli, *ratios(cli)))
    old = res.get("cli_old")
    if old:
        lines.append(row(f"same CLI, code before this branch (`--old-src`; exit {old['exit']})", old, *ratios(old)))
    lines.append(row("floor: `json.loads` per line + one SQLite `executemany` per table per 5,000 events (no "
                     "validation, no merging, no history, no index)", fl, "1x", "1x"))
    e = res.get("earlier")
    if e:
        ef, efl, ecli = e["file"], e["floor"], e["cli"]
        lines.append(f"| earlier run, {ef['events']:,} events (commit {str(e.get('git_commit', '?')).split()[0]}, "
                     f"{e.get('finished', '?')[:16]}, load average at end "
                     f"{', '.join(f'{x:.1f}' for x in e.get('load_average_end', []))}): `steward ingest` | "
                     f"{ecli['wall_s']:,.1f} s | {ef['records'] / ecli['wall_s']:,.0f} | "
                     f"{ecli['rss_peak_mb']:,.0f} MB | "
                     f"{ecli['wall_s'] / efl['wall_s']:.2f}x | — | — |")
        lines.append(f"| earlier run, {ef['events']:,} events: floor | {efl['wall_s']:,.1f} s | "
                     f"{ef['records'] / efl['wall_s']:,.0f} | {efl['rss_peak_mb']:,.0f} MB | 1x | — | — |")
    sampled = [(label, x) for label, x in (("`steward ingest`", cli), ("the floor", fl)) if x.get("rss_at")]
    if sampled:
        lines += ["", f"Resident memory over the run (sampled every {RSS_EVERY_S} s; at 25 / 50 / 75 / 90% of the "
                  "run's wall time, then the peak): " + "; ".join(
                      f"{label} " + " / ".join(_mb(x["rss_at"].get(k)) for k in ("25%", "50%", "75%", "90%"))
                      + f" MB, peak {x['rss_peak_mb']:,.0f} MB" for label, x in sampled) + "."]
    notes = res.get("notes")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
