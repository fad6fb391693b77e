"""Embedded traversal index (issue 12): incremental maintenance, ``reach`` against scipy, cold open.

On prebuilt stores of ``benchmarks/scale.py``'s generator (pass their paths; they are copied before
anything is written), each figure beside its reference from the same run:

* **one-event write + next answer**: an OpenLineage-shaped event (a run reading four datasets, the
  ~100-node closure's root among them, and producing one) is upserted, then that root's closure is
  asked for. ``overlay``: the commit leaves its delta row and the index lays it over the base (this
  branch); ``rebuild``: the same with delta rows switched off (``DELTA_MAX = -1``), so every commit
  rebuilds and saves the index as before. The overlay's final answer is checked against a fresh build.
* **warm reach**: ``CompactIndex.bfs`` (integer arrays) and ``store.reach`` (the ``dict[str, Reached]``
  API) vs scipy ``breadth_first_order(..., return_predecessors=True)`` on a CSR of the same lineage
  edges (built from the index's own arrays), closure sizes checked equal.
* **cold open**: a fresh process: import, ``open_store``, index load, first ``reach`` (BFS and
  materialisation), peak RSS; beside numpy CSR load + scipy BFS in a fresh process.

Nothing asserts a speed. Results: ``results/embidx.json`` / ``.md`` (``--name``).
Run: ``.venv/bin/python benchmarks/embidx.py /work/scale/g100k.db /work/scale/g500k.db``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from results_io import provenance, write_results  # benchmarks/ is on sys.path when a script runs

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import child_cold_scipy, dataset_id, median_time, rss_peak_mb  # noqa: E402

#: Roots named in the scale benchmark, by the produced datasets of the store.
ROOTS = {
    "g100k": {"largest": "dataset:s3://lake/l00/d0000000", "mid": "dataset:s3://lake/l08/d0002018",
              "small": "dataset:s3://lake/l21/d0000038"},
    "g500k": {"largest": "dataset:s3://lake/l00/d0000000", "mid": "dataset:s3://lake/l14/d0000241",
              "small": "dataset:s3://lake/l17/d0021639"},
}


def child(*args: str, timeout: float = 3600) -> dict[str, Any]:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "_child", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = time.perf_counter() - t
    return out


# ---- children -------------------------------------------------------------------------------------
def child_write(db: str, mode: str, events: str, root: str) -> dict[str, Any]:
    from steward.graph import LINEAGE_EDGES, Edge, EdgeKind, Node, NodeKind
    from steward.store import embedded, open_store
    from steward.store.index import build_index

    if mode == "rebuild":
        embedded.DELTA_MAX = -1  # no delta rows: every commit rebuilds the index, as before this branch
    store = open_store(f"sqlite:///{db}")
    assert isinstance(store, embedded.EmbeddedStore)
    t = time.perf_counter()
    store.reach([root], way="down")
    first_s = time.perf_counter() - t
    rng = random.Random(7)
    writes, answers = [], []
    answer: dict[str, Any] = {}
    seen = "2026-11-26T00:00:00.000Z"
    for e in range(int(events)):
        run, job, out = f"run:bench-{mode}-{os.getpid()}-{e}", f"job:airflow://bench/j{e % 7}", \
            f"dataset:s3://bench/{mode}/{os.getpid()}/{e}"
        inputs = [root] + [dataset_id(rng.randrange(0, 12), rng.randrange(0, 2000)) for _ in range(3)]
        nodes = [Node(id=job, kind=NodeKind.JOB, source="openlineage", seen_at=seen),
                 Node(id=run, kind=NodeKind.RUN, source="openlineage", props={"state": "COMPLETE"}, seen_at=seen),
                 Node(id=out, kind=NodeKind.DATASET, source="openlineage", seen_at=seen)]
        nodes += [Node(id=d, kind=NodeKind.DATASET, source="openlineage", props={"namespace": "s3://lake"},
                       seen_at=seen) for d in inputs]
        edges = [Edge(src=d, kind=EdgeKind.CONSUMED_BY, dst=run, source="openlineage", seen_at=seen) for d in inputs]
        edges += [Edge(src=run, kind=EdgeKind.PRODUCED, dst=out, source="openlineage", seen_at=seen),
                  Edge(src=run, kind=EdgeKind.RUN_OF, dst=job, source="openlineage", seen_at=seen)]
        t = time.perf_counter()
        store.upsert(nodes=nodes, edges=edges)
        t1 = time.perf_counter()
        answer = store.reach([root], way="down")
        t2 = time.perf_counter()
        assert out in answer and answer[out].parent == run
        writes.append(t1 - t)
        answers.append(t2 - t1)
    idx = store.compact_index()
    res: dict[str, Any] = {
        "mode": mode, "events": len(writes), "first_answer_s": first_s,
        "write_median_s": statistics.median(writes), "answer_median_s": statistics.median(answers),
        "answer_max_s": max(answers), "total_median_s": statistics.median(w + a for w, a in zip(writes, answers,
                                                                                                 strict=True)),
        "closure": len(answer), "overlay_size": idx.overlay_size, "base_version": idx.base_version,
        "version": idx.version, "rss_peak_mb": rss_peak_mb(),
    }
    if mode == "overlay":  # the overlay's answer is the answer of an index built from scratch now
        with store._snapshot() as con:
            fresh = build_index(con, store_id=store.store_id, version=store._version())
        res["equal_to_fresh_build"] = fresh.reach([root], way="down", kinds=LINEAGE_EDGES, max_depth=None) == answer
    store.close()
    return res


def child_cold(db: str, root: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    from steward.graph import LINEAGE_EDGES
    from steward.store import open_store

    t1 = time.perf_counter()
    store = open_store(f"sqlite:///{db}")
    t2 = time.perf_counter()
    idx = store.compact_index()  # type: ignore[attr-defined]
    t3 = time.perf_counter()
    r = idx.rank(root)
    nodes, dist, par = idx.bfs([r], way="down", mask=idx.mask(LINEAGE_EDGES), max_depth=None)
    t4 = time.perf_counter()
    answer = idx.materialise(nodes, dist, par)
    t5 = time.perf_counter()
    assert answer == store.reach([root], way="down")
    return {"import_s": t1 - t0, "open_s": t2 - t1, "index_load_s": t3 - t2, "bfs_s": t4 - t3,
            "materialise_s": t5 - t4, "open_and_answer_s": t5 - t1, "closure": len(answer),
            "rss_peak_mb": rss_peak_mb()}


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "write": child_write, "cold": child_cold, "cold-scipy": lambda d, r: child_cold_scipy(d, int(r)),
}


# ---- in this process ------------------------------------------------------------------------------
def warm_reach(db: str, roots: dict[str, str], csr_dir: Path) -> dict[str, Any]:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import breadth_first_order

    from steward.graph import LINEAGE_EDGES
    from steward.store import open_store

    store = open_store(f"sqlite:///{db}")
    idx = store.compact_index()  # type: ignore[attr-defined]
    mask = idx.mask(LINEAGE_EDGES)
    d = idx.down
    keep = (np.asarray(d.kinds) & mask) != 0
    counts = np.add.reduceat(keep.astype(np.int64), np.asarray(d.indptr[:-1])) if d.indices.size else None
    # rows with no entries make reduceat repeat a neighbour's value: recount them as empty
    lengths = np.diff(np.asarray(d.indptr))
    assert counts is not None
    counts[lengths == 0] = 0
    indptr = np.zeros(idx.n_base + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.asarray(d.indices)[keep].astype(np.int32)
    g = sp.csr_array((np.ones(indices.size, dtype=np.int8), indices, indptr), shape=(idx.n_base, idx.n_base))
    csr_dir.mkdir(parents=True, exist_ok=True)
    np.save(csr_dir / "indptr.npy", indptr)
    np.save(csr_dir / "indices.npy", indices)
    out: dict[str, Any] = {}
    for label, root in roots.items():
        r = idx.rank(root)
        store.reach([root], way="down")
        t_int, arrays = median_time(lambda r=r: idx.bfs([r], way="down", mask=mask, max_depth=None), 7)  # type: ignore[misc]
        t_dict, answer = median_time(lambda root=root: store.reach([root], way="down"), 7)  # type: ignore[misc]
        t_sp, order = median_time(lambda r=r: breadth_first_order(g, r, directed=True,  # type: ignore[misc]
                                                                  return_predecessors=True), 7)
        assert len(answer) == arrays[0].size == len(order[0]) - 1, (label, len(answer), len(order[0]))
        out[label] = {"root": root, "rank": r, "closure": len(answer), "bfs_int_s": t_int, "reach_dict_s": t_dict,
                      "scipy_s": t_sp}
    store.close()
    return out


def run_store(src: str, events: int, rebuild_events: int, work: Path) -> dict[str, Any]:
    name = Path(src).stem
    roots = ROOTS.get(name)
    if roots is None:
        raise SystemExit(f"no roots known for {name}: one of {sorted(ROOTS)}")
    res: dict[str, Any] = {"store": src}
    res["warm"] = warm_reach(src, roots, work / f"{name}-csr")  # reads only (the store's version does not move)
    res["cold"] = {label: child("cold", src, roots[label]) for label in ("largest", "mid")}
    res["cold_scipy"] = {label: child("cold-scipy", str(work / f"{name}-csr"), str(res["warm"][label]["rank"]))
                         for label in ("largest", "mid")}
    copy = work / f"{name}.db"
    shutil.copy(src, copy)
    if Path(src + ".idx").exists():
        shutil.copy(src + ".idx", str(copy) + ".idx")
    res["write_overlay"] = child("write", str(copy), "overlay", str(events), roots["small"])
    res["write_rebuild"] = child("write", str(copy), "rebuild", str(rebuild_events), roots["small"])
    for suffix in ("", ".idx", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    return res


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_child":
        print(json.dumps(CHILDREN[argv[1]](*argv[2:])))
        return 0
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stores", nargs="+")
    p.add_argument("--events", type=int, default=30)
    p.add_argument("--rebuild-events", type=int, default=3)
    p.add_argument("--work", type=Path, default=None, help="scratch folder for store copies (default: a temp dir)")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    p.add_argument("--name", default="embidx")
    args = p.parse_args(argv)
    res: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "started": datetime.now(UTC).isoformat(), "load_average_start": os.getloadavg(),
                           "stores": []}
    with tempfile.TemporaryDirectory(prefix="steward-embidx-", dir=args.work) as tmp:
        for src in args.stores:
            res["stores"].append(run_store(src, args.events, args.rebuild_events, Path(tmp)))
            print(json.dumps(res["stores"][-1], indent=1, default=str), flush=True)
    write_results(res, args.out, args.name, lambda res: markdown(res, argv))
    return 0


def _ms(s: float | None) -> str:
    if s is None:
        return "n/a"
    return f"{s * 1000:,.1f} ms" if s < 1 else f"{s:,.2f} s"


def _x(a: float, b: float) -> str:
    return f"{a / b:,.1f}x" if a >= b else f"{a / b:.2f}x"


def markdown(res: dict[str, Any], argv: Sequence[str]) -> str:
    lines = [
        "# Embedded traversal index: incremental maintenance, reach vs scipy, cold open",
        "",
        provenance(res, "embidx.py", argv) + " (the machine is "
        "shared with other agents: absolute times are inflated, ratios are from the same run).",
        "",
    ]
    for st in res["stores"]:
        w, ov, rb = st["warm"], st["write_overlay"], st["write_rebuild"]
        lines += [f"## `{st['store']}`", "",
                  "| | this branch | reference (same run) | ratio |", "|---|---|---|---|"]
        lines.append(
            f"| one-event write + next `reach` (~{ov['closure']:,}-node closure), median of {ov['events']} | "
            f"{_ms(ov['total_median_s'])} (write {_ms(ov['write_median_s'])}, answer {_ms(ov['answer_median_s'])}, "
            f"max answer {_ms(ov['answer_max_s'])}; overlay {ov['overlay_size']:,} entries; equal to a fresh build: "
            f"{ov.get('equal_to_fresh_build')}) | rebuild after every commit (before), median of {rb['events']}: "
            f"{_ms(rb['total_median_s'])} (answer {_ms(rb['answer_median_s'])}) | "
            f"{_x(ov['total_median_s'], rb['total_median_s'])} |")
        for label in ("largest", "mid", "small"):
            x = w[label]
            lines.append(f"| warm `CompactIndex.bfs` (integer arrays), {x['closure']:,}-node closure | "
                         f"{_ms(x['bfs_int_s'])} | scipy `breadth_first_order` with predecessors: "
                         f"{_ms(x['scipy_s'])} | "
                         f"{_x(x['bfs_int_s'], x['scipy_s'])} |")
            lines.append(f"| warm `store.reach` (`dict[str, Reached]`), {x['closure']:,}-node closure | "
                         f"{_ms(x['reach_dict_s'])} | same scipy | {_x(x['reach_dict_s'], x['scipy_s'])} |")
        for label in ("largest", "mid"):
            c, cs = st["cold"][label], st["cold_scipy"][label]
            lines.append(
                f"| cold open + first `reach`, {c['closure']:,}-node closure (imports excluded) | "
                f"{_ms(c['open_and_answer_s'])}: open {_ms(c['open_s'])}, index load {_ms(c['index_load_s'])}, "
                f"BFS {_ms(c['bfs_s'])}, materialise {_ms(c['materialise_s'])}; {c['rss_peak_mb']:,.0f} MB "
                f"(import {_ms(c['import_s'])}) | numpy CSR load + scipy BFS: {_ms(cs['load_and_bfs_s'])}, "
                f"{cs['rss_peak_mb']:,.0f} MB | {_x(c['open_and_answer_s'], cs['load_and_bfs_s'])} |")
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
