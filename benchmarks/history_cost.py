"""What keeping history costs on the write path (issue 9): ingest with and without it, same run.

The same organisation as ``scale.py`` (``--produced`` datasets; 2,000 by default) is ingested by the
code of a baseline git ref without history (default: the commit before history was added) and by
this checkout, each in a fresh process, alternating, ``--repeat`` times; for each store:

* **first ingest** into an empty store (every node and edge opens a version);
* **re-ingest** of the same rows seen again (new ``seen_at``; no version changes: the steady state
  of a scheduled ingest);
* **change**: a tenth of the jobs' ownership claims move to another team (versions close and open).

Embedded figures are the ingesting process's CPU time (the store runs in it; CPU time is not
inflated by other processes on a shared machine); Neo4j figures are wall time (the server works).
Results (medians, with the machine's load average before and after) go to
``results/history_cost.json`` and ``results/history_cost.md``. Nothing here asserts a speed.
Run: ``.venv/bin/python benchmarks/history_cost.py [--produced 10000] [--neo4j]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
PHASES = ("first", "again", "change")


def _batches(produced: int, seed: int, seen_at: str) -> list[tuple[list[Any], list[Any], list[Any]]]:
    sys.path.insert(0, str(HERE))
    import scale  # the generator of the scale benchmark

    scale.SEEN_AT = seen_at
    return [(list(n), list(e), list(c)) for n, e, c in scale.generate(produced, seed=seed)]


def _moved(batches: list[tuple[list[Any], list[Any], list[Any]]]) -> list[Any]:
    from steward.graph import OwnershipClaim

    claims = [c for _, _, cs in batches for c in cs]
    teams = sorted({c.owner for c in claims})
    out = []
    for i, c in enumerate(claims[::10]):
        out.append(OwnershipClaim(owner=teams[(teams.index(c.owner) + 1 + i) % len(teams)], artifact=c.artifact,
                                  role="owner", source="catalog-moves", seen_at="2026-03-01T00:00:00.000Z"))
    return out


def child(uri: str, produced: int, seed: int) -> dict[str, Any]:
    """Ingest three times into ``uri`` (emptied first if Neo4j); seconds per phase."""
    from steward.graph import EdgeKey, EdgeKind
    from steward.settings import Settings
    from steward.store import open_store

    settings = Settings(store=uri, neo4j_user=os.environ.get("STEWARD_TEST_NEO4J_USER", "neo4j"))
    if not uri.startswith("sqlite"):
        from pydantic import SecretStr

        settings = Settings(store=uri, neo4j_user=os.environ.get("STEWARD_TEST_NEO4J_USER", "neo4j"),
                            neo4j_password=SecretStr(os.environ.get("STEWARD_TEST_NEO4J_PASSWORD", "")))
    store = open_store(uri, settings=settings, create=True)
    if not uri.startswith("sqlite"):
        with store._driver.session() as s:  # type: ignore[attr-defined]
            s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        store.close()
        store = open_store(uri, settings=settings)
    first = _batches(produced, seed, "2026-01-01T00:00:00.000Z")
    again = _batches(produced, seed, "2026-02-01T00:00:00.000Z")
    moves = _moved(first)
    rows = sum(len(n) + len(e) + len(c) for n, e, c in first)
    out: dict[str, Any] = {"rows": rows, "moved": len(moves)}
    for phase, batches in (("first", first), ("again", again)):
        t, cpu = time.perf_counter(), time.process_time()
        for n, e, c in batches:
            store.upsert(nodes=n, edges=e, claims=c)
        out[phase] = time.perf_counter() - t
        out[phase + "_cpu"] = time.process_time() - cpu
    t, cpu = time.perf_counter(), time.process_time()
    store.upsert(claims=moves)  # the new owners ...
    store.retract("openlineage", nodes=(), edges=[EdgeKey(c.to_edge().src, EdgeKind.OWNS, c.artifact,
                                                          "openlineage|owner")
                                                  for _, _, cs in first for c in cs[::10]])  # ... the old go
    out["change"] = time.perf_counter() - t
    out["change_cpu"] = time.process_time() - cpu
    store.close()
    return out


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _archive(ref: str, dest: Path) -> Path:
    """The source tree of ``ref`` (git archive), to run the baseline's code from."""
    tar = dest / "src.tar"
    subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "--format=tar", "-o", str(tar), ref], check=True)
    with tarfile.open(tar) as t:
        t.extractall(dest / "tree", filter="data")
    return dest / "tree"


def run_child(code: Path, uri: str, produced: int, seed: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code / "src")}
    proc = subprocess.run([sys.executable, __file__, "_child", uri, str(produced), str(seed)], env=env,
                          capture_output=True, text=True, check=False, timeout=7200)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({code}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--produced", type=int, default=2000)
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--baseline", default="6f3f64d", help="a git ref without history (the code before it)")
    p.add_argument("--neo4j", action="store_true", help="also Neo4j (STEWARD_TEST_NEO4J_URI, else a local server)")
    p.add_argument("--out", type=Path, default=HERE / "results")
    args = p.parse_args(argv)
    res: dict[str, Any] = {"produced": args.produced, "baseline": args.baseline, "load_before": _load(), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="steward-history-bench-") as tmp:
        base_code = _archive(args.baseline, Path(tmp))
        stores = ["embedded"]
        server = None
        if args.neo4j:
            sys.path.insert(0, str(REPO_ROOT / "src"))
            from steward.local.neo4j_server import acquire_neo4j

            server = acquire_neo4j()
            os.environ["STEWARD_TEST_NEO4J_USER"] = server.user
            os.environ["STEWARD_TEST_NEO4J_PASSWORD"] = server.password
            stores.append("neo4j")
        try:
            for store in stores:
                for which in ("baseline", "history"):
                    res["runs"].setdefault(store, {})[which] = []
                for i in range(args.repeat):
                    for which, code in (("baseline", base_code), ("history", REPO_ROOT)):
                        uri = f"sqlite:///{tmp}/{which}-{i}.db" if store == "embedded" else server.uri  # type: ignore[union-attr]
                        out = run_child(code, uri, args.produced, args.seed)
                        print(store, which, i, out, flush=True)
                        res["runs"][store][which].append(out)
        finally:
            if server is not None:
                server.stop()
    res["load_after"] = _load()
    summary: dict[str, Any] = {}
    for store, runs in res["runs"].items():
        summary[store] = {}
        for phase in PHASES:
            # the embedded store works in this process: its CPU time is the cost, undisturbed by the
            # other processes sharing the machine; Neo4j works in the server: wall time
            key = phase + "_cpu" if store == "embedded" else phase
            b = statistics.median(r[key] for r in runs["baseline"])
            h = statistics.median(r[key] for r in runs["history"])
            summary[store][phase] = {"baseline_s": b, "history_s": h, "ratio": h / b, "measure": key}
        summary[store]["rows"] = runs["history"][0]["rows"]
        summary[store]["moved"] = runs["history"][0]["moved"]
    res["summary"] = summary
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "history_cost.json").write_text(json.dumps(res, indent=2) + "\n")
    lines = [
        f"# What history costs on the write path ({args.produced:,} produced datasets, median of {args.repeat})",
        "",
        f"Command: `.venv/bin/python benchmarks/history_cost.py {' '.join(argv or sys.argv[1:])}`; baseline code "
        f"`{args.baseline}` (no history) and this checkout, alternating in fresh processes. Load average "
        f"(1/5/15 min) before {res['load_before']}, after {res['load_after']} (2 cores, shared).",
        "",
        "Embedded: CPU seconds of the ingesting process (the store works in it); Neo4j: wall seconds.",
        "",
        "| store | phase | without history | with history | ratio |",
        "|---|---|---|---|---|",
    ]
    names = {"first": "first ingest, {rows:,} rows", "again": "same rows seen again",
             "change": "{moved:,} ownership claims moved"}
    for store, s in summary.items():
        for phase in PHASES:
            row = s[phase]
            lines.append(f"| {store} | {names[phase].format(**s)} | {row['baseline_s']:.2f} s | "
                         f"{row['history_s']:.2f} s | {row['ratio']:.2f}x |")
    (args.out / "history_cost.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
        sys.exit(0)
    sys.exit(main())
