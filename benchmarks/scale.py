"""Scale benchmark (issue 12): Steward against references measured in the same run.

Generates a layered, diamond-heavy OpenLineage-like organisation (``--produced`` datasets, each
written by one run that reads ~4 datasets from earlier layers; jobs, raw datasets, team owners):
10k / 100k / 500k produced datasets give about 28k / 284k / 1.4M nodes. Then, each figure in a
fresh process where a cold start matters:

* ingest into the embedded store (rows/s, peak RSS) vs the floor: json + one SQLite
  ``executemany`` per table of the same rows into the same schema;
* cold open + first ``reach`` vs numpy CSR load + scipy BFS (process start excluded on both);
* cold CLI ``steward blast-radius`` (whole process) vs a whole scipy process answering the same walk;
* warm ``reach`` on the largest closure and on a ~100-node closure vs scipy ``breadth_first_order``;
  warm ``blast_radius``;
* ``spof`` and ``audit`` (whole, warm store) vs an igraph dominator tree (whole process; if igraph
  is installed: ``pip install -e '.[bench]'``);
* with ``--neo4j``: Neo4j ingest, ``reach`` of the largest closure vs the server's pruning
  ``count(DISTINCT n)`` and naive ``count(p)`` path enumeration (with a timeout), and 20 chained
  diamonds.

Nothing here asserts a speed. Results: ``results/scale.json`` and ``results/scale.md``.
``scale.py spofaudit --db LABEL=PATH ... [--neo4j]`` measures only ``spof``/``audit`` on prebuilt
stores (and on Neo4j) beside the igraph reference: ``results/spofaudit.{md,json}``.
Run: ``.venv/bin/python benchmarks/scale.py --produced 100000`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from results_io import provenance, write_results  # benchmarks/ is on sys.path when a script runs

from steward.graph import LINEAGE_EDGES, Edge, EdgeKind, Node, NodeKind, OwnershipClaim

logger = logging.getLogger("benchmarks.scale")
REPO_ROOT = Path(__file__).resolve().parents[1]
SEEN_AT = "2026-01-01T00:00:00.000Z"
LAYERS = 24
READS = 4
Batch = tuple[list[Node], list[Edge], list[OwnershipClaim]]


# ================================================================================================
# the organisation
# ================================================================================================
def dataset_id(layer: int, i: int) -> str:
    return f"dataset:s3://lake/l{layer:02d}/d{i:07d}"


def organisation_shape(produced: int) -> tuple[list[int], list[str]]:
    """The datasets per layer (layer 0: the raw fifth) and the team ids of an organisation of
    ``produced`` produced datasets: shared by every benchmark that writes this organisation."""
    raw = max(produced // 5, 10)
    per_layer = max(produced // (LAYERS - 1), 1)
    layer_size = [raw] + [per_layer] * (LAYERS - 1)
    layer_size[-1] += produced - per_layer * (LAYERS - 1)
    return layer_size, [f"team:t{t:03d}" for t in range(max(produced // 500, 4))]


def generate(produced: int, *, seed: int = 12, batch_runs: int = 1000) -> Iterator[Batch]:
    """Batches of OpenLineage-like run events, deterministic for a seed.

    Layer 0 holds raw datasets (a fifth of ``produced``); layers 1..LAYERS-1 hold produced datasets,
    each written by one run of a job (jobs have 1-3 runs). A run reads ``READS`` datasets: the
    previous layer half of the time, else any earlier layer, popular (low index) ones far more
    often, so closures overlap in diamonds. Each event repeats its input datasets as nodes, as
    an OpenLineage event does.
    """
    rng = random.Random(seed)
    layer_size, teams = organisation_shape(produced)
    raw = layer_size[0]
    nodes: list[Node] = [Node(id=dataset_id(0, i), kind=NodeKind.DATASET, source="catalog",
                              props={"tier": "raw"}, seen_at=SEEN_AT) for i in range(raw)]
    nodes += [Node(id=t, kind=NodeKind.TEAM, source="catalog", seen_at=SEEN_AT) for t in teams]
    yield nodes, [], []
    nodes, edges, claims = [], [], []
    job = 0
    runs_left = 0
    in_batch = 0
    for layer in range(1, LAYERS):
        for i in range(layer_size[layer]):
            if runs_left == 0:
                job += 1
                runs_left = rng.choice((1, 1, 2, 3))
                claims.append(OwnershipClaim(owner=rng.choice(teams), artifact=f"job:airflow://org/j{job:06d}",
                                             role="owner", source="openlineage", seen_at=SEEN_AT))
            runs_left -= 1
            job_id = f"job:airflow://org/j{job:06d}"
            run_id = f"run:{layer:02d}-{i:07d}-{rng.getrandbits(32):08x}"
            out = dataset_id(layer, i)
            inputs: set[str] = set()
            while len(inputs) < READS:
                src_layer = layer - 1 if rng.random() < 0.5 else rng.randrange(0, layer)
                inputs.add(dataset_id(src_layer, int(layer_size[src_layer] * rng.random() ** 3)))
            nodes.append(Node(id=job_id, kind=NodeKind.JOB, source="openlineage", seen_at=SEEN_AT))
            nodes.append(Node(id=run_id, kind=NodeKind.RUN, source="openlineage", props={"state": "COMPLETE"},
                              seen_at=SEEN_AT))
            nodes.append(Node(id=out, kind=NodeKind.DATASET, source="openlineage",
                              props={"namespace": "s3://lake"}, seen_at=SEEN_AT))
            for d in sorted(inputs):
                nodes.append(Node(id=d, kind=NodeKind.DATASET, source="openlineage",
                                  props={"namespace": "s3://lake"}, seen_at=SEEN_AT))
                edges.append(Edge(src=d, kind=EdgeKind.CONSUMED_BY, dst=run_id, source="openlineage",
                                  seen_at=SEEN_AT))
            edges.append(Edge(src=run_id, kind=EdgeKind.PRODUCED, dst=out, source="openlineage", seen_at=SEEN_AT))
            edges.append(Edge(src=run_id, kind=EdgeKind.RUN_OF, dst=job_id, source="openlineage", seen_at=SEEN_AT))
            in_batch += 1
            if in_batch == batch_runs:
                yield nodes, edges, claims
                nodes, edges, claims = [], [], []
                in_batch = 0
    if nodes or edges or claims:
        yield nodes, edges, claims


# ================================================================================================
# helpers
# ================================================================================================
def rss_peak_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child
    would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def child(*args: str, timeout: float = 3600) -> dict[str, Any]:
    """Run ``scale.py _child ...`` in a fresh process; its last stdout line is JSON."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "_child", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = wall
    return out


# ================================================================================================
# the children (each in a fresh process)
# ================================================================================================
def child_ingest(db: str, produced: int, seed: int) -> dict[str, Any]:
    from steward.store import open_store

    batches = list(generate(produced, seed=seed))
    rows = sum(len(n) + len(e) + len(c) for n, e, c in batches)
    base = rss_peak_mb()
    t = time.perf_counter()
    store = open_store(f"sqlite:///{db}", create=True)
    for n, e, c in batches:
        store.upsert(nodes=n, edges=e, claims=c)
    ingest_s = time.perf_counter() - t
    t = time.perf_counter()
    store.close()  # builds and saves the traversal index
    return {"rows": rows, "ingest_s": ingest_s, "index_on_close_s": time.perf_counter() - t,
            "rows_per_s": rows / ingest_s, "rss_before_mb": base, "rss_peak_mb": rss_peak_mb()}


def child_floor(db: str, produced: int, seed: int) -> dict[str, Any]:
    """The storage floor: the same rows, json-encoded, one executemany per table, no merging."""
    from steward.store.embedded import _SCHEMA

    batches = list(generate(produced, seed=seed))
    rows = sum(len(n) + len(e) + len(c) for n, e, c in batches)
    base = rss_peak_mb()
    t = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(_SCHEMA)
    for n, e, c in batches:
        all_edges = e + [x.to_edge() for x in c]
        con.execute("BEGIN")
        con.executemany("INSERT OR REPLACE INTO nodes VALUES (?,?,?,?,?,?)",
                        [(x.id, x.kind.value, x.name, json.dumps(x.props, sort_keys=True), json.dumps([x.source]),
                          x.seen_at) for x in n])
        con.executemany("INSERT OR REPLACE INTO edges VALUES (?,?,?,?,?,?,?)",
                        [(x.src, x.kind.value, x.dst, x.key, x.source, json.dumps(x.props, sort_keys=True),
                          x.seen_at) for x in all_edges])
        con.execute("COMMIT")
    con.close()
    s = time.perf_counter() - t
    return {"rows": rows, "ingest_s": s, "rows_per_s": rows / s, "rss_before_mb": base,
            "rss_peak_mb": rss_peak_mb()}


def child_cold_steward(db: str, root: str) -> dict[str, Any]:
    t = time.perf_counter()
    from steward.store import open_store

    imported = time.perf_counter() - t
    t = time.perf_counter()
    store = open_store(f"sqlite:///{db}")
    opened = time.perf_counter() - t
    index = store.compact_index()  # type: ignore[attr-defined]
    loaded = time.perf_counter() - t
    reached = store.reach([root], way="down")
    s = time.perf_counter() - t
    return {"import_s": imported, "open_and_reach_s": s, "open_s": opened, "index_load_s": loaded - opened,
            "closure": len(reached), "overlay": index.overlay_size, "rss_peak_mb": rss_peak_mb()}


def child_cold_scipy(csr_dir: str, root_rank: int) -> dict[str, Any]:
    t = time.perf_counter()
    import scipy.sparse as sp
    from scipy.sparse.csgraph import breadth_first_order

    imported = time.perf_counter() - t
    t = time.perf_counter()
    d = Path(csr_dir)
    indptr = np.load(d / "indptr.npy", mmap_mode="r")
    indices = np.load(d / "indices.npy", mmap_mode="r")
    n = len(indptr) - 1
    g = sp.csr_array((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=(n, n))
    order = breadth_first_order(g, root_rank, directed=True, return_predecessors=False)
    s = time.perf_counter() - t
    return {"import_s": imported, "load_and_bfs_s": s, "closure": len(order) - 1, "rss_peak_mb": rss_peak_mb()}


def child_scipy_whole(csr_dir: str, root_rank: int) -> dict[str, Any]:
    """A whole process answering the walk as JSON ids (the reference for the cold CLI)."""
    out = child_cold_scipy(csr_dir, root_rank)
    ids = json.loads((Path(csr_dir) / "ids.json").read_text())
    json.dumps([ids[i] for i in range(min(len(ids), out["closure"]))])
    return out


def child_igraph_dominators(csr_dir: str) -> dict[str, Any]:
    t = time.perf_counter()
    import igraph

    d = Path(csr_dir)
    indptr = np.load(d / "indptr.npy")
    indices = np.load(d / "indices.npy")
    n = len(indptr) - 1
    src = np.repeat(np.arange(n), np.diff(indptr))
    indeg = np.bincount(indices, minlength=n)
    sources = np.flatnonzero(indeg == 0)
    # a virtual root above every source, as Steward's chokepoint analysis does
    edges = np.column_stack([np.concatenate([src, np.full(len(sources), n)]),
                             np.concatenate([indices, sources])])
    g = igraph.Graph(n=n + 1, edges=edges.tolist(), directed=True)
    dom = g.dominator(n, mode="out")
    return {"whole_s": time.perf_counter() - t, "nodes": n, "dominated": sum(1 for x in dom if x >= 0)}


def child_analyses(db: str) -> dict[str, Any]:
    from steward.analysis import audit, spof
    from steward.store import open_store

    store = open_store(f"sqlite:///{db}")
    store.reach(["dataset:nope"], way="down")
    out: dict[str, Any] = {}
    for name, fn in (("spof", spof), ("audit", audit)):
        t = time.perf_counter()
        fn(store)
        out[f"{name}_s"] = time.perf_counter() - t
    out["rss_peak_mb"] = rss_peak_mb()
    return out


def child_baseline(db: str, roots_json: str) -> dict[str, Any]:
    """Warm blast_radius medians (wall and CPU) of the given roots with whatever Steward is importable
    (``--baseline`` puts an earlier version first on the path)."""
    import steward
    from steward.analysis import blast_radius
    from steward.store import open_store

    store = open_store(f"sqlite:///{db}")
    out: dict[str, Any] = {"steward": str(Path(steward.__file__).parent)}
    for label, root in json.loads(roots_json).items():
        blast_radius(store, root)
        n = 1 if label == "largest" else 3
        walls, cpus = [], []
        for _ in range(n):
            t, c = time.perf_counter(), time.process_time()
            blast_radius(store, root)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        out[label] = {"blast_radius_s": statistics.median(walls), "blast_radius_cpu_s": statistics.median(cpus)}
    return out


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "baseline": child_baseline,
    "ingest": lambda db, p, s: child_ingest(db, int(p), int(s)),
    "floor": lambda db, p, s: child_floor(db, int(p), int(s)),
    "cold-steward": child_cold_steward,
    "cold-scipy": lambda d, r: child_cold_scipy(d, int(r)),
    "scipy-whole": lambda d, r: child_scipy_whole(d, int(r)),
    "igraph": child_igraph_dominators,
    "analyses": child_analyses,
}


# ================================================================================================
# the reference CSR (lineage edges only), built straight from the SQLite file
# ================================================================================================
def reference_csr(db: str, out: Path) -> tuple[list[str], Any]:
    import scipy.sparse as sp

    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute("SELECT id FROM nodes ORDER BY id")]
    rank = {s: i for i, s in enumerate(ids)}
    kinds = sorted(k.value for k in LINEAGE_EDGES)
    pairs = {(rank[a], rank[b]) for a, b, k in con.execute("SELECT src, dst, kind FROM edges") if k in kinds}
    con.close()
    n = len(ids)
    a = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
    b = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
    g = sp.csr_array((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    g.sort_indices()
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "indptr.npy", g.indptr.astype(np.int64))
    np.save(out / "indices.npy", g.indices.astype(np.int32))
    (out / "ids.json").write_text(json.dumps(ids))
    return ids, g


def closure_sizes(g: Any, candidates: Sequence[int]) -> dict[int, int]:
    from scipy.sparse.csgraph import breadth_first_order

    return {c: len(breadth_first_order(g, c, directed=True, return_predecessors=False)) - 1 for c in candidates}


# ================================================================================================
# Neo4j
# ================================================================================================
def _neo4j_wipe(store: Any) -> None:
    """Empty the benchmark's Neo4j in many short transactions, relationships first (a dense node's
    DETACH DELETE can pass the server's per-transaction memory cap; one long statement on a loaded
    machine can outlast the driver's read timeout). A refused chunk is retried at half the size."""
    from neo4j import exceptions as neo4j_exc

    for what in ("MATCH ()-[r]->() WITH r LIMIT $n DELETE r RETURN count(*) AS c",
                 "MATCH (n) WITH n LIMIT $n DETACH DELETE n RETURN count(*) AS c"):
        size, failures = 10_000, 0
        while True:
            try:
                with store._driver.session() as s:
                    left = s.run(what, n=size).single(strict=True)["c"]
            except (neo4j_exc.TransientError, neo4j_exc.ServiceUnavailable, neo4j_exc.SessionExpired):
                failures += 1
                if failures > 30:
                    raise
                size = max(size // 2, 100)
                time.sleep(0.5)
                continue
            if not left:
                break


class _DistinctRows:
    """The benchmark's input as the floors write it: per batch, each node not seen in an earlier one
    grouped by kind, each edge (and claim, as its edge) not seen before grouped by kind with its identity,
    in the input's order. Iterate once; ``nodes`` / ``edges`` count what was yielded."""

    def __init__(self, batches: list[Batch]) -> None:
        self.batches = batches
        self.nodes = self.edges = 0

    def __iter__(self) -> Iterator[tuple[dict[str, list[Any]], dict[str, list[tuple[tuple[str, str, str, str], Any]]]]]:
        seen: set[str] = set()
        edge_seen: set[tuple[str, str, str, str]] = set()
        for nodes, edges, claims in self.batches:
            by_label: dict[str, list[Any]] = {}
            by_type: dict[str, list[tuple[tuple[str, str, str, str], Any]]] = {}
            for n in nodes:
                if n.id not in seen:
                    seen.add(n.id)
                    by_label.setdefault(n.kind.value, []).append(n)
            for e in [*edges, *(c.to_edge() for c in claims)]:
                ident = (e.src, e.kind.value, e.dst, e.key)
                if ident not in edge_seen:
                    edge_seen.add(ident)
                    by_type.setdefault(e.kind.value, []).append((ident, e))
            self.nodes, self.edges = len(seen), len(edge_seen)
            yield by_label, by_type


def _neo4j_floor(store: Any, batches: list[Batch]) -> dict[str, Any]:
    """The server's plain write rate, the reference for Steward's ingest: the same graph (each
    distinct node once, with its final properties; each distinct edge once) written as bare
    ``UNWIND ... MERGE`` statements (a static label or type each, endpoints by the unique index),
    5,000 rows a statement and a transaction, in the input's batch order; no history, no change
    detection."""
    plan: list[tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]] = []
    distinct = _DistinctRows(batches)
    for nodes_by, edges_by in distinct:
        plan.append((
            {label: [{"id": n.id, "p": {"kind": n.kind.value, "name": n.name, "sources": [n.source],
                                        "seen_at": n.seen_at, **n.props}} for n in ns]
             for label, ns in nodes_by.items()},
            {etype: [{"a": e.src, "b": e.dst, "key": e.key,
                      "p": {"key": e.key, "source": e.source, "seen_at": e.seen_at}} for _, e in es]
             for etype, es in edges_by.items()}))
    n_nodes, n_edges = distinct.nodes, distinct.edges
    rows = n_nodes + n_edges
    t = time.perf_counter()
    with store._driver.session() as sess:
        for by_label, by_type in plan:
            # one transaction per statement: the server's per-transaction memory cap (384 MiB on the
            # benchmark's server) refuses a whole first batch of bare MERGEs
            for label, lrows in by_label.items():
                for i in range(0, len(lrows), 5000):
                    sess.execute_write(lambda tx, label=label, part=lrows[i : i + 5000]: tx.run(  # type: ignore[misc]
                        f"UNWIND $rows AS row MERGE (n:Node {{id: row.id}}) ON CREATE SET n:{label} "
                        "SET n += row.p", rows=part).consume())
            for etype, erows in by_type.items():
                for i in range(0, len(erows), 5000):
                    sess.execute_write(lambda tx, etype=etype, part=erows[i : i + 5000]: tx.run(  # type: ignore[misc]
                        "UNWIND $rows AS row MATCH (a:Node {id: row.a}) MATCH (b:Node {id: row.b}) "
                        f"MERGE (a)-[r:{etype} {{key: row.key}}]->(b) SET r += row.p", rows=part).consume())
    s_ = time.perf_counter() - t
    return {"rows": rows, "nodes": n_nodes, "edges": n_edges, "s": s_, "rows_per_s": rows / s_}


def neo4j_memory() -> dict[str, str]:
    """The local server's memory and collector as this run configured them (``steward.local.neo4j_server``)."""
    return {"heap": os.environ.get("STEWARD_NEO4J_HEAP") or "768m (default)",
            "pagecache": os.environ.get("STEWARD_NEO4J_PAGECACHE") or "128m (default)",
            "gc": os.environ.get("STEWARD_NEO4J_GC") or "serial (default)"}


def _jvm_collector(pid: int | None) -> str | None:
    """The collector flag the server's JVM was started with, read from its command line (what ran,
    not what was asked for)."""
    if pid is None:
        return None
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return None
    return next((a for a in args if a.startswith("-XX:+Use") and a.endswith("GC")), None)


def run_neo4j(produced: int, seed: int, roots: dict[str, str], naive_timeout: float) -> dict[str, Any]:
    from pydantic import SecretStr

    from steward.local.neo4j_server import acquire_neo4j
    from steward.settings import Settings
    from steward.store.neo4j import Neo4jStore

    server = acquire_neo4j()
    out: dict[str, Any] = {"how": server.how, "memory": neo4j_memory()}
    try:
        settings = Settings(store=server.uri, neo4j_user=server.user, neo4j_password=SecretStr(server.password))
        store = Neo4jStore.connect(server.uri, settings=settings)
        _neo4j_wipe(store)
        batches = list(generate(produced, seed=seed))
        rows = sum(len(n) + len(e) + len(c) for n, e, c in batches)
        load = os.getloadavg()
        t = time.perf_counter()
        for n, e, c in batches:
            store.upsert(nodes=n, edges=e, claims=c)
        s_ = time.perf_counter() - t
        out["ingest"] = {"rows": rows, "ingest_s": s_, "rows_per_s": rows / s_, "load_before": load,
                         "load_after": os.getloadavg()}
        logger.info("neo4j ingest: %s", out["ingest"])
        with store._driver.session() as sess:
            out["graph"] = {"nodes": sess.run("MATCH (n:Node) RETURN count(n) AS c").single(strict=True)["c"],
                            "node_versions": sess.run("MATCH (v:NodeVersion) RETURN count(v) AS c")
                            .single(strict=True)["c"],
                            "edge_versions": sess.run("MATCH (v:EdgeVersion) RETURN count(v) AS c")
                            .single(strict=True)["c"]}
        types = "|".join(sorted(k.value for k in LINEAGE_EDGES))
        root = roots["largest"]
        pruning = f"MATCH (s:Node {{id: $id}}) WITH s MATCH (s)-[:{types}*1..]->(n) RETURN count(DISTINCT n) AS c"
        naive = f"MATCH p = (s:Node {{id: $id}})-[:{types}*1..]->(n) RETURN count(p) AS c"
        with store._driver.session() as sess:
            def q(text: str, timeout: float | None = None, rid: str = root) -> Any:
                from neo4j import Query

                return sess.run(Query(text, timeout=timeout), id=rid).single(strict=True)["c"]  # type: ignore[arg-type]

            # Steward's walk (topology snapshot; server-side walk) and the server's pruning count, interleaved.
            walker = Neo4jStore.connect(server.uri, settings=settings.model_copy(update={"neo4j_snapshot": False}))
            out.update(neo4j_reach_snapshot(store, walker, roots, lambda rid: q(pruning, rid=rid)))
            walker.close()
            t = time.perf_counter()
            try:
                c_n = q(naive, naive_timeout)
                out["naive_count_paths"] = {"s": time.perf_counter() - t, "paths": c_n}
            except Exception as exc:
                out["naive_count_paths"] = {"s": time.perf_counter() - t, "timed_out": True,
                                            "error": type(exc).__name__}
        # The reference write rate: the same graph, bare UNWIND MERGE, on the emptied server.
        try:
            _neo4j_wipe(store)
            load = os.getloadavg()
            out["floor"] = _neo4j_floor(store, batches) | {"load_before": load, "load_after": os.getloadavg()}
            logger.info("neo4j floor: %s", out["floor"])
        except Exception as exc:  # reported in the results, with the other figures kept
            logger.exception("neo4j floor failed")
            out["floor_error"] = f"{type(exc).__name__}: {exc}"[:300]
        # 20 chained diamonds: Steward's walk vs the naive path count
        _neo4j_wipe(store)
        edges = []
        for i in range(20):
            for side in ("l", "r"):
                edges += [Edge(src=f"dataset:d{i}", kind=EdgeKind.CONSUMED_BY, dst=f"run:{side}{i}", source="t"),
                          Edge(src=f"run:{side}{i}", kind=EdgeKind.PRODUCED, dst=f"dataset:d{i + 1}", source="t")]
        store.upsert(edges=edges)
        assert store.topology is not None and store.topology.refresh_now()
        t_s, _ = median_time(lambda: store.reach(["dataset:d0"], way="down"), 5)
        assert store.last_reach_path == "snapshot"
        with store._driver.session() as sess:
            from neo4j import Query

            t = time.perf_counter()
            try:
                paths = sess.run(Query(naive, timeout=naive_timeout), id="dataset:d0").single(strict=True)["c"]  # type: ignore[arg-type]
                t_n: float | None = time.perf_counter() - t
            except Exception:
                paths, t_n = None, None
        out["diamonds20"] = {"steward_s": t_s, "naive_s": t_n, "naive_paths": paths,
                             "naive_timeout_s": naive_timeout}
        store.close()
    finally:
        server.stop()
    return out


def _rss_mb() -> float:
    """This process's resident memory now (MB), from /proc (0 where there is none)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


def neo4j_reach_snapshot(store: Any, walker: Any, roots: dict[str, str], prune: Callable[[str], int],
                         ) -> dict[str, Any]:
    """Neo4j ``reach`` both ways Steward answers it (issue 12, branch neo4jreach): from the topology
    snapshot held in the process (``store``; each call reads the server's version stamp first) and with
    the server-side walk (``walker``: ``STEWARD_NEO4J_SNAPSHOT=0``), interleaved with the server's own
    pruning ``count(DISTINCT n)``; the snapshot's load time and memory; the stamp read alone."""
    out: dict[str, Any] = {}
    rss0 = _rss_mb()
    t = time.perf_counter()
    assert store.topology.refresh_now(), "the topology snapshot did not load (a write during the load?)"
    out["snapshot_load"] = {"s": time.perf_counter() - t, "rss_delta_mb": _rss_mb() - rss0,
                            **store.topology.info(), "load": os.getloadavg()}
    logger.info("neo4j snapshot load: %s", out["snapshot_load"])
    stamps = []
    for _ in range(50):
        t = time.perf_counter()
        store.topology.stamp()
        stamps.append(time.perf_counter() - t)
    stamps.sort()
    out["stamp_read"] = {"p50_s": stamps[25], "p99_s": stamps[-1]}
    for label in ("largest", "mid"):
        rid = roots.get(label)
        if not rid:
            continue
        store.reach([rid], way="down")
        walker.reach([rid], way="down")
        prune(rid)
        t_snap, t_walk, t_prune, count = [], [], [], 0
        snap: dict[str, Any] = {}
        walk: dict[str, Any] = {}
        load = os.getloadavg()
        for _ in range(5):
            t = time.perf_counter()
            snap = store.reach([rid], way="down")
            t_snap.append(time.perf_counter() - t)
            assert store.last_reach_path == "snapshot"
            t = time.perf_counter()
            walk = walker.reach([rid], way="down")
            t_walk.append(time.perf_counter() - t)
            t = time.perf_counter()
            count = prune(rid)
            t_prune.append(time.perf_counter() - t)
        assert snap == walk and len(snap) == count, (label, len(snap), len(walk), count)
        key = "reach_largest" if label == "largest" else "reach_mid"
        out[key] = {"s": statistics.median(t_snap), "server_s": statistics.median(t_walk), "closure": len(snap),
                    "rows": walker.last_reach_rows, "pruning_s": statistics.median(t_prune), "load": load}
        if label == "largest":
            out["pruning_count_distinct"] = {"s": statistics.median(t_prune), "count": count}
        logger.info("neo4j reach %s: %s", label, out[key])
    small = roots.get("small")
    if small:
        lat: dict[str, list[float]] = {"snapshot": [], "server": []}
        for _ in range(30):
            for name, st_ in (("snapshot", store), ("server", walker)):
                t = time.perf_counter()
                st_.reach([small], way="down")
                lat[name].append(time.perf_counter() - t)
        for v in lat.values():
            v.sort()
        out["reach_small"] = {"p50_s": lat["snapshot"][15], "p99_s": lat["snapshot"][-1],
                              "server_p50_s": lat["server"][15], "server_p99_s": lat["server"][-1],
                              "closure": len(store.reach([small], way="down"))}
    return out


def neo4j_roots(produced: int, seed: int) -> dict[str, str]:
    """The roots ``main`` picks (largest / ~10k / ~100 closure), from the generator's graph alone
    (``--only-neo4j`` builds no embedded store): the same ids in the same order as its SQLite file."""
    import scipy.sparse as sp

    node_ids: set[str] = set()
    lineage = {k.value for k in LINEAGE_EDGES}
    pairs: set[tuple[str, str]] = set()
    for nodes, edges, claims in generate(produced, seed=seed):
        node_ids.update(n.id for n in nodes)
        for e in [*edges, *(c.to_edge() for c in claims)]:
            node_ids.update((e.src, e.dst))
            if e.kind.value in lineage:
                pairs.add((e.src, e.dst))
    ids = sorted(node_ids, key=lambda x: x.encode())
    rank = {x: i for i, x in enumerate(ids)}
    a = np.fromiter((rank[p[0]] for p in pairs), dtype=np.int64, count=len(pairs))
    b = np.fromiter((rank[p[1]] for p in pairs), dtype=np.int64, count=len(pairs))
    g = sp.csr_array((np.ones(len(a), dtype=np.int8), (a, b)), shape=(len(ids), len(ids)))
    raw = [i for i, x in enumerate(ids) if x.startswith("dataset:s3://lake/l00/")]
    sizes = closure_sizes(g, raw[:40])
    largest = max(sizes, key=lambda k: sizes[k])
    rng = random.Random(seed)
    mids = [i for i, x in enumerate(ids) if x.startswith("dataset:") and not x.startswith("dataset:s3://lake/l00/")]
    cands = closure_sizes(g, rng.sample(mids, min(400, len(mids))))
    small = min(cands, key=lambda k: abs(cands[k] - 100))
    mid = min(cands, key=lambda k: abs(cands[k] - 10_000))
    return {"largest": ids[largest], "mid": ids[mid], "small": ids[small]}


def neo4j_markdown(res: dict[str, Any], argv: Sequence[str]) -> str:
    """The Neo4j rows alone (``--only-neo4j``)."""
    neo = res["neo4j"]
    lines = [
        f"# Scale benchmark, Neo4j only: {res['produced']:,} produced datasets → {neo['graph']['nodes']:,} nodes",
        "",
        f"`.venv/bin/python benchmarks/scale.py {' '.join(argv)}` — commit {res['git_commit']}, {res['finished']}, "
        f"{res['cpus']} CPUs, Python {res['python']}, Neo4j from {neo['how']}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in res['load_average_start'])}, at end "
        f"{', '.join(f'{x:.2f}' for x in res['load_average_end'])}. Ratios are Steward ÷ reference, from the "
        f"same run. History kept: {neo['graph']['node_versions']:,} node and {neo['graph']['edge_versions']:,} "
        "edge versions written by the ingest.",
        "",
        "| | Steward | reference (same run) | ratio |",
        "|---|---|---|---|",
        *neo4j_rows(neo),
    ]
    return "\n".join(lines) + "\n"


def neo4j_rows(neo: dict[str, Any]) -> list[str]:
    """The Neo4j rows of the results table."""
    timed_out = " (timed out)" if neo["naive_count_paths"].get("timed_out") else ""
    ing, fl = neo["ingest"], neo.get("floor")
    floor_txt = (f"bare `UNWIND MERGE` of the same {fl['nodes']:,} nodes + {fl['edges']:,} edges (no history): "
                 f"{fl['rows_per_s']:,.0f} rows/s ({_ms(fl['s'])}; load {fl['load_before'][0]:.1f})") if fl else \
        neo.get("floor_error", "—")
    ing_load = f"; load {ing['load_before'][0]:.1f}" if "load_before" in ing else ""
    mem = neo.get("memory")
    lines = [] if not mem or neo.get("how") != "local" else [
        f"| Neo4j server memory (local JVM; `STEWARD_NEO4J_HEAP` / `STEWARD_NEO4J_PAGECACHE`) | heap {mem['heap']}, "
        f"page cache {mem['pagecache']} | — | — |"]
    lines += [
        f"| ingest Neo4j, {ing['rows']:,} rows (with history versions) | {ing['rows_per_s']:,.0f} rows/s "
        f"({_ms(ing['ingest_s'])}{ing_load}) | {floor_txt} | "
        f"{_ratio(ing['ingest_s'], fl['s']) + ' of the time' if fl else '—'} |",
        *neo4j_reach_rows(neo, timed_out),
    ]
    lines += [
        f"| Neo4j, 20 chained diamonds | {_ms(neo['diamonds20']['steward_s'])} | naive `count(p)` "
        f"({neo['diamonds20']['naive_paths']} paths): {_ms(neo['diamonds20']['naive_s'])} | "
        f"{_ratio(neo['diamonds20']['steward_s'], neo['diamonds20']['naive_s'])} |",
    ]
    return lines


def neo4j_reach_rows(neo: dict[str, Any], timed_out: str) -> list[str]:
    """The Neo4j ``reach`` rows: the topology snapshot (the default) and the server-side walk, each against
    the server's pruning count of the same run; the snapshot's load and memory; the stamp read."""
    big, prune = neo["reach_largest"], neo["pruning_count_distinct"]
    ref = (f"pruning `count(DISTINCT n)`: {_ms(prune['s'])}; naive `count(p)`: "
           f"{_ms(neo['naive_count_paths']['s'])}{timed_out}")
    snap = ", topology snapshot (stamp read included)" if "server_s" in big else ""  # older results: the walk
    short = snap and ", topology snapshot"
    rows = [f"| Neo4j `reach`, {big['closure']:,}-node closure{snap} | "
            f"{_ms(big['s'])} | {ref} | {_ratio(big['s'], prune['s'])} of pruning |"]
    if "server_s" in big:
        rows.append(f"| Neo4j `reach`, {big['closure']:,}-node closure, server-side walk (`STEWARD_NEO4J_SNAPSHOT=0`; "
                    f"{big['rows']:,} id rows) | {_ms(big['server_s'])} | pruning `count(DISTINCT n)`: "
                    f"{_ms(prune['s'])} | {_ratio(big['server_s'], prune['s'])} of pruning |")
    if "reach_mid" in neo:
        m = neo["reach_mid"]
        rows.append(f"| Neo4j `reach`, {m['closure']:,}-node closure{short} | {_ms(m['s'])} | pruning "
                    f"`count(DISTINCT n)`: {_ms(m['pruning_s'])} | {_ratio(m['s'], m['pruning_s'])} of pruning |")
        if "server_s" in m:
            rows.append(f"| Neo4j `reach`, {m['closure']:,}-node closure, server-side walk | {_ms(m['server_s'])} | "
                        f"pruning `count(DISTINCT n)`: {_ms(m['pruning_s'])} | {_ratio(m['server_s'], m['pruning_s'])} "
                        "of pruning |")
    sm = neo["reach_small"]
    rows.append(f"| Neo4j `reach`, {sm.get('closure', '~100')}-node closure, 30 calls{short} | "
                f"p50 {_ms(sm['p50_s'])}, p99 {_ms(sm['p99_s'])} | — | — |")
    if "server_p50_s" in sm:
        rows.append(f"| Neo4j `reach`, {sm.get('closure', '~100')}-node closure, 30 calls, server-side walk | "
                    f"p50 {_ms(sm['server_p50_s'])}, p99 {_ms(sm['server_p99_s'])} | — | — |")
    if "snapshot_load" in neo:
        ld, stamp = neo["snapshot_load"], neo["stamp_read"]
        rows += [
            f"| Neo4j topology snapshot: full load ({ld['nodes']:,} nodes, {ld['entries']:,} edge entries) | "
            f"{_ms(ld['s'])}; held {ld['bytes'] / 1e6:.1f} MB of arrays (process RSS +{ld['rss_delta_mb']:.0f} MB "
            f"during the load; load average {ld['load'][0]:.1f}) | — | — |",
            f"| Neo4j version stamp read (an empty read transaction's bookmark), 50 reads | "
            f"p50 {_ms(stamp['p50_s'])}, p99 {_ms(stamp['p99_s'])} | — | — |",
        ]
    return rows


# ================================================================================================
# spof / audit at scale (issue 12): ``scale.py spofaudit`` writes results/spofaudit.{md,json}
# ================================================================================================
def run_neo4j_analyses(produced: int, seed: int, *, reuse: bool = False, repeat: int = 2) -> dict[str, Any]:
    """``spof`` and ``audit`` on Neo4j after ingesting the generator's batches (a local server, as
    :func:`run_neo4j` starts; ``$STEWARD_TEST_NEO4J_URI`` names a running one instead). ``reuse``
    keeps a graph already there when it holds as many nodes as a fresh ingest would."""
    from pydantic import SecretStr

    from steward.analysis import audit, spof
    from steward.local.neo4j_server import acquire_neo4j
    from steward.settings import Settings
    from steward.store.neo4j import Neo4jStore

    server = acquire_neo4j()
    out: dict[str, Any] = {"how": server.how, "memory": neo4j_memory()}
    try:
        settings = Settings(store=server.uri, neo4j_user=server.user, neo4j_password=SecretStr(server.password))
        store = Neo4jStore.connect(server.uri, settings=settings)
        have = store.counts().total_nodes
        out["nodes_before"] = have
        if not (reuse and have > 0):
            with store._driver.session() as s:
                s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
            rows = 0
            t = time.perf_counter()
            for n, e, c in generate(produced, seed=seed):
                store.upsert(nodes=n, edges=e, claims=c)
                rows += len(n) + len(e) + len(c)
            s_ = time.perf_counter() - t
            out["ingest"] = {"rows": rows, "ingest_s": s_, "rows_per_s": rows / s_}
        counts = store.counts()
        out["nodes"], out["edges"] = counts.total_nodes, counts.total_edges
        out["load_average_before"] = os.getloadavg()
        for name, fn in (("spof", spof), ("audit", audit)):
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                answer = fn(store)
                times.append(time.perf_counter() - t)
            out[f"{name}_s"] = min(times)
            out[f"{name}_all_s"] = times
            out[f"{name}_digest"] = _digest(answer)
        out["load_average_after"] = os.getloadavg()
        store.close()
    finally:
        server.stop()
    return out


def _digest(answer: dict[str, Any]) -> str:
    """A short hash of an answer: the same answer on both stores hashes the same."""
    import hashlib

    return hashlib.sha256(json.dumps(answer, sort_keys=True, default=str).encode()).hexdigest()[:16]


def child_analyses_digest(db: str) -> dict[str, Any]:
    """``spof`` and ``audit`` (first call and a second, warm one) on an embedded store, with the
    answers' digests and the phases of the process."""
    t0 = time.perf_counter()
    import steward
    from steward.analysis import audit, spof
    from steward.store import open_store

    out: dict[str, Any] = {"import_s": time.perf_counter() - t0, "steward": str(Path(steward.__file__).parent)}
    t = time.perf_counter()
    store = open_store(f"sqlite:///{db}")
    store.reach(["dataset:nope"], way="down")
    out["open_s"] = time.perf_counter() - t
    for name, fn in (("spof", spof), ("audit", audit)):
        times, cpu = [], []
        for _ in range(2):
            t, c = time.perf_counter(), time.process_time()
            answer = fn(store)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        out[f"{name}_first_s"], out[f"{name}_s"] = times
        out[f"{name}_first_cpu_s"], out[f"{name}_cpu_s"] = cpu
        out[f"{name}_digest"] = _digest(answer)
        out[f"{name}_size"] = {k: len(v) if isinstance(v, list) else v for k, v in answer.items()
                               if k != "summary" and not isinstance(v, dict)}
    out["rss_peak_mb"] = rss_peak_mb()
    out["whole_s"] = time.perf_counter() - t0
    return out


CHILDREN["analyses-digest"] = child_analyses_digest


def add_deployments(src: str, dst: str, count: int, *, seed: int = 5) -> dict[str, Any]:
    """Copy the store at ``src`` (with its traversal index) to ``dst`` and add ``count`` deployments
    through the store's own ``upsert`` (so the index gets the commit as an overlay, as any later
    commit does): each served (``DEPLOYED_TO``) by a random dataset of the last four layers, half of
    them also fed (``FEEDS``) by a second one. Deterministic for a seed; the generator's graph has no
    deployments, so without this the chokepoint (dominator) side of ``spof`` never runs."""
    import shutil

    from steward.store import open_store

    for suffix in ("", ".idx"):
        if Path(src + suffix).exists():
            shutil.copyfile(src + suffix, dst + suffix)
    con = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    late = [r[0] for r in con.execute("SELECT id FROM nodes WHERE kind = 'Dataset' AND id >= ? AND id < ? "
                                      "ORDER BY id", (dataset_id(LAYERS - 4, 0), dataset_id(LAYERS, 0)))]
    con.close()
    if not late:
        raise ValueError(f"{src} has no datasets in layers {LAYERS - 4}..{LAYERS - 1}: not a store of this generator")
    rng = random.Random(seed)
    nodes: list[Node] = []
    edges: list[Edge] = []
    for d in range(count):
        dep = f"deployment:prod/d{d:05d}"
        nodes.append(Node(id=dep, kind=NodeKind.DEPLOYMENT, source="catalog", seen_at=SEEN_AT))
        edges.append(Edge(src=rng.choice(late), kind=EdgeKind.DEPLOYED_TO, dst=dep, source="catalog",
                          seen_at=SEEN_AT))
        if rng.random() < 0.5:
            edges.append(Edge(src=rng.choice(late), kind=EdgeKind.FEEDS, dst=dep, source="catalog", seen_at=SEEN_AT))
    store = open_store(f"sqlite:///{dst}")
    try:
        store.upsert(nodes=nodes, edges=edges)
    finally:
        store.close()
    return {"source": src, "deployments": count, "seed": seed, "edges": len(edges)}


def _deployment_copies(args: argparse.Namespace) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, path, how it was made) of the ``--deployments LABEL=N`` copies of the ``--db`` stores,
    made in ``--copies`` (a copy already there from the same source, count and seed is reused)."""
    dbs = dict(item.partition("=")[::2] for item in args.db)
    out = []
    for item in args.deployments:
        label, _, count_text = item.partition("=")
        if label not in dbs:
            raise SystemExit(f"--deployments {item}: no --db labelled {label!r}")
        count = int(count_text)
        src = dbs[label]
        dst = str(Path(args.copies) / f"{Path(src).stem}+{count}deps-s{args.deployment_seed}.db")
        made = Path(dst + ".made.json")
        how = {"source": src, "deployments": count, "seed": args.deployment_seed}
        if not (made.exists() and Path(dst).exists() and {k: v for k, v in json.loads(made.read_text()).items()
                                                           if k in how} == how):
            logger.info("copying %s to %s and adding %s deployments", src, dst, count)
            how = add_deployments(src, dst, count, seed=args.deployment_seed)
            made.write_text(json.dumps(how))
        else:
            how = json.loads(made.read_text())
        out.append((f"{label}+{count} deployments", dst, how))
    return out


def _baseline_analyses(src: Path, db: str) -> dict[str, Any]:
    """``analyses-digest`` in a child whose ``steward`` comes from ``src`` (an earlier version)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "_child", "analyses-digest", db], env=env, capture_output=True,
                          text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr[-500:]}
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = time.perf_counter() - t
    return out


def main_spofaudit(argv: Sequence[str]) -> int:
    """``scale.py spofaudit --db NAME=PATH ... [--neo4j]``: spof/audit on prebuilt embedded stores
    (each in a fresh process) beside the igraph dominator tree of the same graph (whole process),
    and on Neo4j after ingesting ``--neo4j-produced`` datasets."""
    p = argparse.ArgumentParser(prog="scale.py spofaudit")
    p.add_argument("--db", action="append", default=[], help="LABEL=PATH of a store made by this script")
    p.add_argument("--neo4j", action="store_true")
    p.add_argument("--neo4j-produced", type=int, default=100_000)
    p.add_argument("--neo4j-reuse", action="store_true", help="keep the graph a running server already holds")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    p.add_argument("--name", default="spofaudit")
    p.add_argument("--deployments", action="append", default=[], metavar="LABEL=N",
                   help="also measure a copy of the --db labelled LABEL with N deployments added (add_deployments)")
    p.add_argument("--deployment-seed", type=int, default=5)
    p.add_argument("--copies", type=Path, default=Path(tempfile.gettempdir()),
                   help="where the --deployments copies go (reused when one of the same source, N and seed is there)")
    p.add_argument("--only-deployments", action="store_true", help="measure the --deployments copies only")
    p.add_argument("--baseline", type=Path, help="also run spof/audit with the Steward sources in this src/ "
                   "directory first on the path (e.g. a worktree of an earlier commit), in a child of the same run")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    res: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "started": datetime.now(UTC).isoformat(), "load_average_start": os.getloadavg(),
                           "embedded": {}}
    stores: list[tuple[str, str, dict[str, Any] | None]] = [] if args.only_deployments else [
        (label, path, None) for label, _, path in (item.partition("=") for item in args.db)]
    stores += _deployment_copies(args)
    if args.baseline is not None:
        res["baseline_src"] = str(args.baseline)
    for label, path, how in stores:
        entry: dict[str, Any] = {"path": path}
        if how is not None:
            entry["made"] = how
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        entry["nodes"] = con.execute("SELECT count(*) FROM nodes").fetchone()[0]
        entry["edges"] = con.execute("SELECT count(*) FROM edges").fetchone()[0]
        con.close()
        entry["load_average_before"] = os.getloadavg()
        logger.info("%s: spof/audit", label)
        try:
            entry["steward"] = child("analyses-digest", path, timeout=3600)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            entry["steward"] = {"error": str(exc)[-500:]}
        logger.info("%s: %s", label, entry["steward"])
        if args.baseline is not None:
            entry["baseline"] = _baseline_analyses(args.baseline, path)
            logger.info("%s: baseline %s", label, entry["baseline"])
        with tempfile.TemporaryDirectory(prefix="steward-spofaudit-") as tmp:
            reference_csr(path, Path(tmp))
            try:
                entry["igraph"] = child("igraph", tmp)
            except RuntimeError as exc:
                entry["igraph"] = {"error": str(exc)[-300:]}
        logger.info("%s: igraph %s", label, entry["igraph"])
        entry["load_average_after"] = os.getloadavg()
        res["embedded"][label] = entry
    if args.neo4j:
        logger.info("neo4j: %s produced", args.neo4j_produced)
        res["neo4j"] = run_neo4j_analyses(args.neo4j_produced, args.seed, reuse=args.neo4j_reuse)
        res["neo4j"]["produced"] = args.neo4j_produced
        logger.info("neo4j: %s", res["neo4j"])
    write_results(res, args.out, args.name, lambda res: markdown_spofaudit(res, ["spofaudit", *argv]))
    return 0


def _cpu(st: dict[str, Any], name: str) -> str:
    """ (CPU first / warm), when the run recorded the process's CPU time."""
    if f"{name}_cpu_s" not in st:
        return ""
    return f" (CPU {_ms(st[name + '_first_cpu_s'])} / {_ms(st[name + '_cpu_s'])})"


def _baseline_rows(res: dict[str, Any]) -> list[str]:
    """With ``--baseline``: the earlier version's warm figures and digests beside this one's."""
    rows = [(label, e["steward"], e["baseline"]) for label, e in res.get("embedded", {}).items()
            if "spof_s" in e.get("steward", {}) and "spof_s" in e.get("baseline", {})]
    if not rows:
        return []
    lines = ["", f"Before and after, same stores, same run (`--baseline {res.get('baseline_src')}`: the earlier "
             "Steward's sources first on the path of a child process; warm wall, CPU in brackets):", "",
             "| store | `spof` before → now | before ÷ now (CPU) | `audit` before → now | before ÷ now (CPU) "
             "| same answers |",
             "|---|---|---|---|---|---|"]
    for label, st, old in rows:
        same = old["spof_digest"] == st["spof_digest"] and old["audit_digest"] == st["audit_digest"]
        lines.append(
            f"| embedded {label} | {_ms(old['spof_s'])} ({_ms(old['spof_cpu_s'])}) → {_ms(st['spof_s'])} "
            f"({_ms(st['spof_cpu_s'])}) | {_ratio(old['spof_cpu_s'], st['spof_cpu_s'])} "
            f"| {_ms(old['audit_s'])} ({_ms(old['audit_cpu_s'])}) → {_ms(st['audit_s'])} ({_ms(st['audit_cpu_s'])}) "
            f"| {_ratio(old['audit_cpu_s'], st['audit_cpu_s'])} | {'yes' if same else '**no**'} "
            f"(spof `{old['spof_digest']}`, audit `{old['audit_digest']}`) |")
    return lines


def markdown_spofaudit(res: dict[str, Any], argv: Sequence[str]) -> str:
    def load(x: Any) -> str:
        return ", ".join(f"{v:.2f}" for v in x) if x else "n/a"

    lines = [
        "# `spof` and `audit` at scale (issue 12)",
        "",
        provenance(res, "scale.py", argv) + ". Embedded: each store in a fresh process (open, then `spof` "
        "twice and `audit` twice; the second call is the warm figure; wall time, and the process's CPU time, which "
        "a loaded machine inflates far less); the reference is a whole igraph process "
        "computing the dominator tree of the same graph's lineage edges (virtual root above every source).",
        "",
        "| store | nodes / edges | `spof` first / warm | `audit` first / warm | whole process (open + both twice), "
        "peak RSS | igraph dominator tree, whole process | warm spof ÷ igraph | load average before → after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, e in res.get("embedded", {}).items():
        st, ig = e.get("steward", {}), e.get("igraph", {})
        if "error" in st:
            lines.append(f"| embedded {label} | {e['nodes']:,} / {e['edges']:,} | error: {st['error'][-200:]} "
                         "| | | | | |")
            continue
        lines.append(
            f"| embedded {label} | {e['nodes']:,} / {e['edges']:,} | {_ms(st['spof_first_s'])} / {_ms(st['spof_s'])}"
            f"{_cpu(st, 'spof')} | {_ms(st['audit_first_s'])} / {_ms(st['audit_s'])}{_cpu(st, 'audit')} "
            f"| {_ms(st['whole_s'])}, "
            f"{st['rss_peak_mb']:,.0f} MB | {_ms(ig.get('whole_s')) if 'whole_s' in ig else ig.get('error', 'n/a')} "
            f"| {_ratio(st['spof_s'], ig.get('whole_s'))} | {load(e['load_average_before'])} → "
            f"{load(e['load_average_after'])} |")
    neo = res.get("neo4j")
    if neo:
        ing = neo.get("ingest")
        ing_txt = (f"; ingest {ing['rows']:,} rows at {ing['rows_per_s']:,.0f} rows/s" if ing else "")
        lines.append(
            f"| Neo4j ({neo['produced']:,} produced{ing_txt}) | {neo['nodes']:,} / {neo['edges']:,} | "
            f"{' / '.join(_ms(x) for x in neo['spof_all_s'])} | {' / '.join(_ms(x) for x in neo['audit_all_s'])} "
            f"| — | — | — | {load(neo['load_average_before'])} → {load(neo['load_average_after'])} |")
        mem = neo.get("memory")
        if mem and neo.get("how") == "local":
            lines += ["", f"Neo4j: the local server (`steward.local.neo4j_server`), heap {mem['heap']}, page cache "
                      f"{mem['pagecache']} (`STEWARD_NEO4J_HEAP` / `STEWARD_NEO4J_PAGECACHE`)."]
    lines += _baseline_rows(res)
    lines.append("")
    lines.append("Answer digests (sha256 of the JSON answer; equal digests, equal answers):")
    lines.append("")
    for label, e in res.get("embedded", {}).items():
        st = e.get("steward", {})
        if "spof_digest" in st:
            lines.append(f"- embedded {label}: spof `{st['spof_digest']}` {st['spof_size']}, "
                         f"audit `{st['audit_digest']}` {st['audit_size']}")
        made = e.get("made")
        if made:
            lines.append(f"  (a copy of `{made['source']}` with {made['deployments']} deployments added by "
                         f"`add_deployments`, seed {made['seed']}: {made['edges']} edges into them)")
    if neo:
        lines.append(f"- Neo4j: spof `{neo['spof_digest']}`, audit `{neo['audit_digest']}`")
    return "\n".join(lines) + "\n"


# ================================================================================================
# --db: warm answers (and the cold CLI) on an existing store, read-only (issue 12's blast-radius targets)
# ================================================================================================
def warm_existing(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Warm ``reach`` and ``blast_radius`` on the largest, ~72k, ~10k and ~100-node closures of an existing
    store against scipy's BFS on the same lineage adjacency (taken from the store's own traversal index),
    and the cold CLI ``blast-radius --format json`` of the ~10k closure (whole process)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import breadth_first_order

    from steward.analysis import blast_radius
    from steward.store import open_store
    from steward.store.embedded import EmbeddedStore

    db = str(args.db)
    res: dict[str, Any] = {"db": db, "seed": args.seed, "cpus": os.cpu_count(), "python": platform.python_version(),
                           "started": datetime.now(UTC).isoformat(), "load_average_start": os.getloadavg()}
    t = time.perf_counter()
    store = open_store(f"sqlite:///{db}")
    assert isinstance(store, EmbeddedStore)
    idx = store.compact_index()
    res["open_and_index_s"] = time.perf_counter() - t
    n = idx.n
    res["nodes"] = n
    mask = np.uint32(idx.mask(LINEAGE_EDGES))
    keep = (np.asarray(idx.down.kinds) & mask) != 0
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(np.asarray(idx.down.indptr)).astype(np.int64))[keep]
    cols = np.asarray(idx.down.indices)[keep]
    res["lineage_edges"] = int(keep.sum())
    g = sp.csr_array((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(n, n))
    g.sort_indices()
    lo, hi = 0, n  # the first id at or after the raw datasets' prefix (ids are sorted)
    while lo < hi:
        m = (lo + hi) // 2
        lo, hi = (m + 1, hi) if idx.id_of(m) < "dataset:s3://lake/l00/" else (lo, m)
    first = lo
    raw = [i for i in range(first, min(n, first + 40)) if idx.id_of(i).startswith("dataset:s3://lake/l00/")]
    sizes = closure_sizes(g, raw)
    largest = max(sizes, key=lambda k: sizes[k])
    rng = random.Random(args.seed)
    datasets = [i for i in range(n) if idx.id_of(i).startswith("dataset:s3://lake/")
                and not idx.id_of(i).startswith("dataset:s3://lake/l00/")] if n < 400_000 else \
        [i for i in rng.sample(range(n), 20_000) if idx.id_of(i).startswith("dataset:s3://lake/l")
         and not idx.id_of(i).startswith("dataset:s3://lake/l00/")]
    cands = closure_sizes(g, rng.sample(datasets, min(400, len(datasets))))
    every = sizes | cands
    picks = {"largest": largest, "k72": min(every, key=lambda k: abs(every[k] - 72_000)),
             "mid": min(cands, key=lambda k: abs(cands[k] - 10_000)),
             "small": min(cands, key=lambda k: abs(cands[k] - 100))}
    res["roots"] = {k: {"id": idx.id_of(v), "closure": every[v]} for k, v in picks.items()}
    logger.info("roots: %s", res["roots"])
    warm: dict[str, Any] = {}
    for label, rank in picks.items():
        root = idx.id_of(rank)
        big = every[rank] > 200_000
        blast_radius(store, root)  # the first answer reads what later ones reuse
        t_s, reached = median_time(lambda root=root: store.reach([root], way="down"), 3 if big else 7)  # type: ignore[misc]
        t_r, order = median_time(lambda rank=rank: breadth_first_order(  # type: ignore[misc]
            g, rank, directed=True, return_predecessors=True), 7)
        assert len(reached) == len(order[0]) - 1, (label, len(reached), len(order[0]))
        cpu: list[float] = []

        def timed(root: str = root, cpu: list[float] = cpu) -> dict[str, Any]:
            c = time.process_time()
            out = blast_radius(store, root)
            cpu.append(time.process_time() - c)
            return out

        t_b, blast = median_time(timed, 3 if big else 9)
        warm[label] = {"root": root, "closure": len(reached), "reach_s": t_s, "scipy_bfs_s": t_r,
                       "blast_radius_s": t_b, "blast_radius_cpu_s": statistics.median(cpu),
                       "blast_impacted": len(blast["impacted"])}
        logger.info("warm %s: %s", label, warm[label])
    res["warm"] = warm
    store.close()
    if args.baseline is not None:
        env = {**os.environ, "PYTHONPATH": str(args.baseline)}
        roots_arg = json.dumps({k: v["root"] for k, v in warm.items()})
        proc = subprocess.run([sys.executable, __file__, "_child", "baseline", db, roots_arg], env=env,
                              capture_output=True, text=True, timeout=3600, check=False)
        res["baseline"] = (json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0
                           else {"error": proc.stderr[-500:]})
        logger.info("baseline: %s", res["baseline"])
    steward = str(Path(sys.executable).with_name("steward"))
    mid_root = res["roots"]["mid"]["id"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    cli = subprocess.run([steward, "blast-radius", mid_root, "--format", "json", "--store", f"sqlite:///{db}"],
                         capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    res["cold_cli"] = {"s": time.perf_counter() - t, "exit": cli.returncode,
                       "cpu_s": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
                       "impacted": len(json.loads(cli.stdout)["impacted"]) if cli.returncode == 0 else None,
                       "stderr": cli.stderr[-500:]}
    write_results(res, args.out, args.name, lambda res: markdown_warm(res, argv))
    return 0


def markdown_warm(res: dict[str, Any], argv: Sequence[str]) -> str:
    w = res["warm"]
    lines = [
        f"# Warm blast radius on an existing store: {res['nodes']:,} nodes, {res['lineage_edges']:,} lineage edges",
        "",
        provenance(res, "scale.py", argv) + f". Medians; the first answer of each root is "
        "not counted (it reads what later answers reuse). Ratios are Steward ÷ reference, from the same run. "
        "CPU: this process's CPU time for the same calls (the machine is shared: wall time includes waiting "
        f"for a core). Store opened and traversal index loaded in {_ms(res['open_and_index_s'])}."
        + (f" Baseline (`--baseline`): the Steward sources at `{res['baseline']['steward']}`, timed in a child "
           "process of the same run." if "steward" in res.get("baseline", {}) else ""),
        "",
        "| | Steward | reference (same run) | ratio |",
        "|---|---|---|---|",
        f"| cold CLI `steward blast-radius --format json`, {w['mid']['closure']:,}-node closure (whole process) | "
        f"{_ms(res['cold_cli']['s'])} (CPU {_ms(res['cold_cli']['cpu_s'])}; exit {res['cold_cli']['exit']}) | — | — |",
    ]
    for label in ("largest", "k72", "mid", "small"):
        x = w[label]
        lines.append(f"| warm `reach`, {x['closure']:,}-node closure (`{x['root']}`) | {_ms(x['reach_s'])} | "
                     f"scipy CSR BFS (with predecessors): {_ms(x['scipy_bfs_s'])} | "
                     f"{_ratio(x['reach_s'], x['scipy_bfs_s'])} |")
        lines.append(f"| warm `blast_radius`, {x['closure']:,}-node closure ({x['blast_impacted']:,} listed) | "
                     f"{_ms(x['blast_radius_s'])} (CPU {_ms(x['blast_radius_cpu_s'])}) | scipy CSR BFS: "
                     f"{_ms(x['scipy_bfs_s'])} | "
                     f"{_ratio(x['blast_radius_s'], x['scipy_bfs_s'])} |")
        old = res.get("baseline", {}).get(label)
        if old:
            lines.append(f"| … the same with the baseline's `blast_radius` | {_ms(old['blast_radius_s'])} (CPU "
                         f"{_ms(old['blast_radius_cpu_s'])}) | this branch: {_ms(x['blast_radius_s'])} (CPU "
                         f"{_ms(x['blast_radius_cpu_s'])}) | {_ratio(old['blast_radius_s'], x['blast_radius_s'])} "
                         "slower (wall) |")
    return "\n".join(lines) + "\n"


# ================================================================================================
# Neo4j ingest against the server's bare write rates (issue 12; branch neo4jingest):
# ``scale.py neo4jingest`` writes results/neo4j-ingest.{md,json}
# ================================================================================================
#: Produced datasets of the organisation every way writes, unmeasured, before the rounds ...
WARM_PRODUCED = 20_000
#: ... and how many times each (``--warm``).
WARM_TIMES = 3


def _floor_create_plan(batches: list[Batch], *, history: bool) -> tuple[int, list[tuple[str, str, list[Any]]]]:
    """The statements of a bare ``UNWIND CREATE`` of the graph :func:`_neo4j_floor` writes (each
    distinct node once, each distinct edge once, in the input's batch order), with ``history`` also
    a version node for each, as Steward wrote them before its open versions moved onto the live
    nodes and relationships (the same properties, indexed the same way). Returns the rows and
    (label, text, rows) per statement."""
    out: list[tuple[str, str, list[Any]]] = []
    node_v = (" CREATE (v:NodeVersion {id: row.id, valid_from: $now, `p.id`: row.id, `p.kind`: row.p.kind, "
              "`p.name`: row.p.name, `p.sources`: row.p.sources, `p.seen_at`: row.p.seen_at}) SET v += row.v"
              if history else "")
    edge_v = (" CREATE (:EdgeVersion {eid: row.eid, src: row.a, kind: $kind, dst: row.b, valid_from: $now, "
              "`p.key`: row.key, `p.source`: row.source, `p.seen_at`: row.seen_at})" if history else "")
    distinct = _DistinctRows(batches)
    for nodes_by, edges_by in distinct:
        by_label = {label: [{"id": n.id, "p": {"kind": n.kind.value, "name": n.name, "sources": [n.source],
                                               "seen_at": n.seen_at}, "x": x, "v": {f"p.{k}": v for k, v in x.items()}}
                            for n in ns for x in [{k: v for k, v in n.props.items() if v is not None}]]
                    for label, ns in nodes_by.items()}
        by_type = {etype: [{"a": e.src, "b": e.dst, "key": e.key, "source": e.source, "seen_at": e.seen_at,
                            "x": {k: v for k, v in e.props.items() if v is not None}, "eid": "\x1f".join(ident)}
                           for ident, e in es]
                   for etype, es in edges_by.items()}
        for label, lrows in by_label.items():
            text = (f"UNWIND $rows AS row CREATE (n:Node:{label} {{id: row.id}}) SET n += row.p SET n += row.x"
                    + node_v)
            out += [(label, text, lrows[i : i + 5000]) for i in range(0, len(lrows), 5000)]
        for etype, erows in by_type.items():
            text = ("UNWIND $rows AS row MATCH (a:Node {id: row.a}) MATCH (b:Node {id: row.b}) "
                    f"CREATE (a)-[r:{etype} {{key: row.key, source: row.source, seen_at: row.seen_at}}]->(b) "
                    "SET r += row.x" + edge_v)
            out += [(etype, text, erows[i : i + 5000]) for i in range(0, len(erows), 5000)]
    return distinct.nodes + distinct.edges, out


def _neo4j_floor_create(store: Any, batches: list[Batch], *, history: bool) -> dict[str, Any]:
    """The server's bare ``UNWIND CREATE`` rate for the same graph (no reads, no change detection),
    5,000 rows a statement and a transaction, as :func:`_neo4j_floor`; ``history``: with the version
    nodes Steward writes beside them."""
    rows, plan = _floor_create_plan(batches, history=history)
    now = datetime.now(UTC).isoformat()
    t = time.perf_counter()
    with store._driver.session() as sess:
        for kind, text, part in plan:
            sess.execute_write(lambda tx, text=text, part=part, kind=kind: tx.run(  # type: ignore[misc]
                text, rows=part, now=now, kind=kind).consume())
    s_ = time.perf_counter() - t
    return {"rows": rows, "s": s_, "rows_per_s": rows / s_}


class _StatementClock:
    """Wall time per statement name (the driver call and the wait for its result) and per commit,
    summed over a run: where Steward's ingest spends the server's time (process CPU is the client's)."""

    def __init__(self) -> None:
        from neo4j._sync.work.transaction import TransactionBase

        from steward.store.statements import cypher_dir, statement

        self._cls = TransactionBase
        # statements with a placeholder (``__TYPES__``, ``__LABEL__``) are told by the text before it
        self._names = {p.read_text().split("__")[0]: p.stem for p in cypher_dir().glob("*.cypher")}
        self._names.update({statement(p.stem): p.stem for p in cypher_dir().glob("*.cypher")
                            if "__" not in p.read_text()})
        self.wall: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def _add(self, name: str, s: float) -> None:
        self.wall[name] = self.wall.get(name, 0.0) + s
        self.calls[name] = self.calls.get(name, 0) + 1

    def __enter__(self) -> _StatementClock:
        clock, cls = self, self._cls
        run, commit = cls.run, cls._commit
        self._saved = (run, commit)

        def timed_run(tx: Any, query: Any, parameters: Any = None, **kw: Any) -> Any:
            text = str(query)
            name = self._names.get(text) or next((n for t, n in self._names.items() if text.startswith(t)), "other")
            t0 = time.perf_counter()
            result = run(tx, query, parameters, **kw)
            records = list(result)  # Steward reads every result of its writes at once anyway
            clock._add(name, time.perf_counter() - t0)

            class Done:
                def single(self, strict: bool = False) -> Any:
                    return records[0] if records else None

                def consume(self) -> None:
                    return None

                def __iter__(self) -> Iterator[Any]:
                    return iter(records)

            return Done()

        def timed_commit(tx: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return commit(tx)
            finally:
                clock._add("COMMIT", time.perf_counter() - t0)

        cls.run, cls._commit = timed_run, timed_commit  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        self._cls.run, self._cls._commit = self._saved  # type: ignore[method-assign]


def _steward_neo4j_ingest(store: Any, batches: list[Batch], *, split: bool, piped: bool = True) -> dict[str, Any]:
    """Steward's ingest of ``batches``: through ``store.writer()`` as ``steward ingest`` writes a source's
    chunks (``piped``: the next batch written while one commits), or one ``upsert`` after another."""
    rows = sum(len(n) + len(e) + len(c) for n, e, c in batches)
    clock = _StatementClock() if split else None
    load = os.getloadavg()
    t, cpu = time.perf_counter(), time.process_time()
    with clock if clock is not None else contextlib.nullcontext():
        if piped:
            with store.writer() as writer:
                for n, e, c in batches:
                    writer.upsert(nodes=n, edges=e, claims=c)
        else:
            for n, e, c in batches:
                store.upsert(nodes=n, edges=e, claims=c)
    s_, cpu_s = time.perf_counter() - t, time.process_time() - cpu
    out = {"rows": rows, "ingest_s": s_, "rows_per_s": rows / s_, "client_cpu_s": cpu_s, "load_before": load,
           "load_after": os.getloadavg()}
    if clock is not None:
        out["statements"] = {k: {"s": v, "calls": clock.calls[k]} for k, v in
                             sorted(clock.wall.items(), key=lambda kv: -kv[1])}
    with store._driver.session() as sess:
        out["graph"] = {what: sess.run(f"MATCH (n:{what}) RETURN count(n) AS c").single(strict=True)["c"]
                        for what in ("Node", "NodeVersion", "EdgeVersion")}
        out["graph"]["edges"] = sess.run("MATCH ()-[r]->() RETURN count(r) AS c").single(strict=True)["c"]
    return out


#: Runs whose records Steward writes in one transaction: about 5,000 records (nodes, edges and claims),
#: the chunk ``steward ingest`` writes a streamed source in on Neo4j (``steward.recipe.SPILL_CHUNK``).
STEWARD_RUNS = 375
#: The batch measured before (stop 18): 1,000 runs, about 13,600 records a transaction.
EARLIER_RUNS = 1000


def run_neo4j_ingest(produced: int, seed: int, *, rounds: int, split: bool, previous: bool = False,
                     steward_runs: int = STEWARD_RUNS, earlier: bool = False, warm: int = WARM_TIMES,
                     ) -> dict[str, Any]:
    """Steward's Neo4j ingest and the server's bare write rates on the same graph, back to back on
    the emptied server, ``rounds`` times: bare ``UNWIND MERGE`` (no history), Steward (through
    ``store.writer()``, as ``steward ingest`` writes), bare ``UNWIND CREATE`` with the version nodes
    Steward writes, bare ``UNWIND CREATE`` (no history), Steward one ``upsert`` after another; with
    ``previous`` also Steward's previous write path (one create statement per kind, 5,000 rows
    a statement: ``fast_create`` off), with ``earlier`` also Steward in the earlier batches of
    ``EARLIER_RUNS`` runs. Steward writes ``steward_runs`` runs' records a transaction (one
    ``upsert``); the references 5,000 distinct rows a statement and a transaction. Before the
    rounds every way runs ``warm`` times, unmeasured, on a smaller organisation."""
    from pydantic import SecretStr

    from steward.local.neo4j_server import acquire_neo4j
    from steward.settings import Settings
    from steward.store.neo4j import WRITE_CHUNK, Neo4jStore

    server = acquire_neo4j()
    out: dict[str, Any] = {"how": server.how, "memory": neo4j_memory(), "rounds": []}
    pid = server.pid or int(os.environ.get("STEWARD_TEST_NEO4J_PID") or 0) or None
    out["collector"], out["warm"] = _jvm_collector(pid), warm
    try:
        settings = Settings(store=server.uri, neo4j_user=server.user, neo4j_password=SecretStr(server.password))
        store = Neo4jStore.connect(server.uri, settings=settings)
        batches = list(generate(produced, seed=seed))
        # the same records (the generator's draws do not depend on the batching), in Steward's transactions
        st_batches = list(generate(produced, seed=seed, batch_runs=steward_runs))
        out["steward_runs"] = steward_runs
        out["steward_batches"] = len(st_batches)
        # Warm-up (not measured): every way `warm` times on an organisation of up to 20,000 produced
        # datasets, so that no way pays for the server's planning and JIT compilation of the statements.
        # A 2,000 one left the first measured way ~1.5x slower in server CPU than the same way run
        # again; a fresh JVM's server CPU for one 30,000-dataset Steward ingest fell 25 -> 9-11 -> 7-8 s
        # over its first three and stayed at 6-9 s after.
        small = list(generate(min(produced, WARM_PRODUCED), seed=seed + 1))
        # The pre-generated input (millions of records) is this script's, not Steward's: a streamed
        # `steward ingest` never holds it. Left to Python's cyclic collector, every full collection
        # during an ingest walked all of it again (0.4 s of the ~2.3 s client CPU of a 30,000-dataset
        # ingest); frozen, the collector skips it, as it skips a streamed source's spent chunks.
        gc.collect()
        gc.freeze()
        out["gc_frozen_objects"] = gc.get_freeze_count()
        for _ in range(warm):
            for way in (lambda: _neo4j_floor(store, small), lambda: _steward_neo4j_ingest(store, small, split=False),
                        lambda: _steward_neo4j_ingest(store, small, split=False, piped=False),
                        lambda: _neo4j_floor_create(store, small, history=True),
                        lambda: _neo4j_floor_create(store, small, history=False)):
                _neo4j_wipe(store)
                way()
        if previous:
            _neo4j_wipe(store)
            store.fast_create, store.write_chunk = False, 5000
            _steward_neo4j_ingest(store, small, split=False)
            store.fast_create, store.write_chunk = True, WRITE_CHUNK
        for r in range(rounds):
            one: dict[str, Any] = {}
            extra = (*(("previous",) if previous else ()), *(("earlier",) if earlier else ()))
            for what in ("merge", "steward", "create_history", "create", "alone", *extra):
                _neo4j_wipe(store)
                load = os.getloadavg()
                cpu_before = (_proc_cpu_s(pid), time.process_time())
                if what == "previous":
                    store.fast_create, store.write_chunk = False, 5000
                    one[what] = _steward_neo4j_ingest(store, st_batches, split=False)
                    store.fast_create, store.write_chunk = True, WRITE_CHUNK
                elif what == "earlier":
                    one[what] = _steward_neo4j_ingest(store, batches, split=False)
                elif what == "steward":
                    one[what] = _steward_neo4j_ingest(store, st_batches, split=False)
                elif what == "alone":
                    one[what] = _steward_neo4j_ingest(store, st_batches, split=False, piped=False)
                elif what == "merge":
                    one[what] = _neo4j_floor(store, batches) | {"load_before": load}
                else:
                    one[what] = _neo4j_floor_create(store, batches, history=what == "create_history") | {
                        "load_before": load}
                server_cpu, client_cpu = _proc_cpu_s(pid), time.process_time()
                if server_cpu is not None and cpu_before[0] is not None:
                    one[what]["cpu"] = {"server_s": server_cpu - cpu_before[0], "client_s": client_cpu - cpu_before[1]}
                logger.info("neo4j ingest round %d %s: %s", r, what, one[what])
            out["rounds"].append(one)
        if split:  # its own ingest: the per-statement clock's waits are not in any round's figure; one
            # upsert after another, so that each statement's wall time is its own
            _neo4j_wipe(store)
            out["split"] = _steward_neo4j_ingest(store, st_batches, split=True, piped=False)
            logger.info("neo4j ingest, statements timed: %s", out["split"])
        _neo4j_wipe(store)
        store.close()
    finally:
        gc.unfreeze()
        server.stop()
    return out


def neo4j_ingest_markdown(res: dict[str, Any], argv: Sequence[str]) -> str:
    neo = res["neo4j"]
    first = neo["rounds"][0]
    g = first["steward"]["graph"]
    lines = [
        f"# Neo4j ingest: {res['produced']:,} produced datasets → {g['Node']:,} nodes, {g['edges']:,} relationships",
        "",
        f"`{_server_env(neo['memory'])}.venv/bin/python benchmarks/scale.py {' '.join(argv)}` — commit "
        f"{res['git_commit']}, {res['started']}, "
        f"{res['cpus']} CPUs, Python {res['python']}, Neo4j from {neo['how']} (heap {neo['memory']['heap']}, page "
        f"cache {neo['memory']['pagecache']}, collector `STEWARD_NEO4J_GC` {neo['memory'].get('gc', 'serial')}: the "
        f"JVM ran `{neo.get('collector') or 'unknown'}`); load average at start {_load(res['load_average_start'])}, "
        f"at end {_load(res['load_average_end'])}. Each round writes the same graph five ways on the emptied "
        "server, back to back; ratios are Steward's time ÷ the reference's, within a round. Before the rounds "
        f"every way ran {_times(neo.get('warm', 1))}, unmeasured, on an organisation of "
        f"{min(res['produced'], WARM_PRODUCED):,} produced datasets (the server's JIT warm).",
        "",
        f"Steward writes {first['steward']['rows']:,} input rows (each event repeats its input datasets) into "
        f"{g['Node']:,} nodes + {g['edges']:,} relationships with their history (each node's and relationship's "
        "open version is the node or relationship itself, from its `_valid_from`; closed versions are version "
        f"nodes: {g['NodeVersion']:,} node versions, {g['EdgeVersion']:,} edge versions after this ingest); the "
        f"bare references write the same distinct {first['merge']['nodes']:,} nodes + {first['merge']['edges']:,} "
        "edges (`+ version nodes`: and one version node for each, indexed, as Steward wrote its first versions "
        "before). Rates are input rows/s for Steward (as before) and written rows/s for the references. "
        f"Steward writes {neo.get('steward_runs', EARLIER_RUNS):,} runs' records a transaction "
        f"({neo.get('steward_batches', '?')} batches of about "
        f"{first['steward']['rows'] // max(int(neo.get('steward_batches') or 1), 1):,} records each: the chunk "
        "`steward ingest` writes a streamed source in on Neo4j is 5,000 records); the references write 5,000 "
        "distinct rows a statement and a transaction."
        + (" **Steward** writes its batches through `store.writer()`, as `steward ingest` writes a source's "
           "chunks: the next batch's part that the batch before does not touch is written, in its own "
           "transaction, while that one commits (two transactions in flight); **Steward, one `upsert` after "
           "another** is the same batches without that overlap, last in each round." if "alone" in first else "")
        + (f" The pre-generated input ({neo['gc_frozen_objects']:,} Python objects) is frozen out of Python's cyclic "
           "garbage collector before the first ingest (`gc.freeze()`): it is this script's, which a streamed "
           "`steward ingest` never holds, and the collector walked all of it again at every full collection "
           "during the ingests." if neo.get("gc_frozen_objects") else ""),
        "",
        "Target (issue 12): ≥ 50,000 input rows/s. " + "; ".join(
            f"round {i}: {rnd['steward']['rows_per_s']:,.0f} rows/s, "
            + ("met" if rnd["steward"]["rows_per_s"] >= 50_000 else "not met")
            for i, rnd in enumerate(neo["rounds"], start=1))
        + f"; median {statistics.median(rnd['steward']['rows_per_s'] for rnd in neo['rounds']):,.0f} rows/s.",
        "",
        "| round | Steward ingest | bare `UNWIND MERGE`, no history | ratio | bare `UNWIND CREATE` + the same "
        "version nodes | ratio | bare `UNWIND CREATE`, no history | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, rnd in enumerate(neo["rounds"], start=1):
        st = rnd["steward"]
        cells = [f"{i}", f"{st['rows_per_s']:,.0f} rows/s ({_ms(st['ingest_s'])}; client CPU "
                 f"{_ms(st['client_cpu_s'])}; load {st['load_before'][0]:.1f})"]
        for what in ("merge", "create_history", "create"):
            ref = rnd[what]
            cells += [f"{ref['rows_per_s']:,.0f} rows/s ({_ms(ref['s'])}; load {ref['load_before'][0]:.1f})",
                      _ratio(st["ingest_s"], ref["s"])]
        lines.append("| " + " | ".join(cells) + " |")
    if "alone" in first:
        lines += ["", "Steward, one `upsert` after another (no overlap), in the same rounds:", ""]
        for i, rnd in enumerate(neo["rounds"], start=1):
            al, st = rnd["alone"], rnd["steward"]
            lines.append(f"- round {i}: {al['rows_per_s']:,.0f} rows/s ({_ms(al['ingest_s'])}; client CPU "
                         f"{_ms(al['client_cpu_s'])}; load {al['load_before'][0]:.1f}); through the writer took "
                         f"{_ratio(st['ingest_s'], al['ingest_s'])} of its time")
    if "cpu" in first["steward"]:
        ways = [w for w in ("steward", "merge", "create_history", "create", "alone", "previous") if w in first]
        names = {"steward": "Steward", "merge": "bare `UNWIND MERGE`", "create_history": "bare `UNWIND CREATE` "
                 "+ versions", "create": "bare `UNWIND CREATE`", "previous": "Steward's previous path",
                 "alone": "Steward, one `upsert` after another"}
        lines += ["", "CPU seconds the server's JVM spent on each way (which the other helpers' load disturbs far "
                  "less than wall time; the references' client side only sends prepared rows); ratio: Steward's ÷ "
                  "the way's:", "",
                  "| round | " + " | ".join(names[w] for w in ways) + " |", "|---|" + "---|" * len(ways)]
        for i, rnd in enumerate(neo["rounds"], start=1):
            mine = rnd["steward"]["cpu"]["server_s"]
            cells = [f"{i}"] + [f"{rnd[w]['cpu']['server_s']:,.1f} s"
                                + ("" if w == "steward" else f" ({_ratio(mine, rnd[w]['cpu']['server_s'])})")
                                for w in ways]
            lines.append("| " + " | ".join(cells) + " |")
    if "earlier" in first:
        lines += ["", f"Steward in the batches measured before ({EARLIER_RUNS:,} runs, about 13,600 records, a "
                  "transaction), in the same rounds:", ""]
        for i, rnd in enumerate(neo["rounds"], start=1):
            ea, st = rnd["earlier"], rnd["steward"]
            lines.append(f"- round {i}: {ea['rows_per_s']:,.0f} rows/s ({_ms(ea['ingest_s'])}; load "
                         f"{ea['load_before'][0]:.1f}; server CPU {ea.get('cpu', {}).get('server_s', 0):,.1f} s); "
                         f"{_ratio(ea['ingest_s'], rnd['create']['s'])} of the bare `UNWIND CREATE` time")
    if "previous" in first:
        lines += ["", "Steward's previous write path in the same rounds (`fast_create` off: one create statement "
                  "per node or edge kind, 5,000 rows a statement), after the four above:", ""]
        for i, rnd in enumerate(neo["rounds"], start=1):
            pv, st = rnd["previous"], rnd["steward"]
            lines.append(f"- round {i}: {pv['rows_per_s']:,.0f} rows/s ({_ms(pv['ingest_s'])}; load "
                         f"{pv['load_before'][0]:.1f}); {_ratio(pv['ingest_s'], rnd['merge']['s'])} of the bare "
                         f"`UNWIND MERGE` time; the current path took {_ratio(st['ingest_s'], pv['ingest_s'])} of "
                         "its time")
    timed = neo.get("split") or first["steward"]  # results before the timed ingest ran on its own
    split = timed.get("statements")
    if split:
        total = timed["ingest_s"]
        where = ("one more Steward ingest after the rounds, not counted in them, one `upsert` after another"
                 if "split" in neo else "round 1")
        lines += ["", f"Where Steward's time goes ({where}: {timed['rows_per_s']:,.0f} rows/s, {_ms(total)}; wall "
                  "time of each statement from the driver call to its last record, and of each commit; client CPU "
                  "is this process's CPU time over the whole ingest, encoding included):", "",
                  "| part | wall | share | calls |", "|---|---|---|---|"]
        for name, v in split.items():
            lines.append(f"| `{name}` | {_ms(v['s'])} | {100 * v['s'] / total:.0f}% | {v['calls']:,} |")
        lines.append(f"| client CPU (whole ingest) | {_ms(timed['client_cpu_s'])} | "
                     f"{100 * timed['client_cpu_s'] / total:.0f}% | — |")
    return "\n".join(lines) + "\n"


def _proc_cpu_s(pid: int | None) -> float | None:
    """CPU seconds (user + system) a process has used so far, from /proc (the server's JVM)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_env(memory: dict[str, str]) -> str:
    """The ``STEWARD_NEO4J_*`` settings a run was made with, as the command's prefix."""
    return "".join(f"STEWARD_NEO4J_{k.upper()}={v} " for k, v in memory.items() if "default" not in v)


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _load(la: Sequence[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in la)


def main_neo4j_ingest(argv: Sequence[str]) -> int:
    """``scale.py neo4jingest [--produced N] [--rounds R]``: Steward's Neo4j ingest beside the
    server's bare write rates (results/neo4j-ingest.{md,json})."""
    p = argparse.ArgumentParser(prog="scale.py neo4jingest")
    p.add_argument("--produced", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--no-split", action="store_true",
                   help="skip the extra Steward ingest after the rounds that times each statement")
    p.add_argument("--previous", action="store_true", help="also measure Steward's previous write path")
    p.add_argument("--steward-runs", type=int, default=STEWARD_RUNS,
                   help="runs whose records Steward writes a transaction (default %(default)s: ~5,000 records, "
                        "the chunk `steward ingest` writes on Neo4j)")
    p.add_argument("--earlier", action="store_true",
                   help=f"also measure Steward in the earlier batches of {EARLIER_RUNS:,} runs a transaction")
    p.add_argument("--warm", type=int, default=WARM_TIMES,
                   help=f"unmeasured runs of every way on a {WARM_PRODUCED:,}-dataset organisation before the rounds "
                        "(the server's JIT; default %(default)s)")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    p.add_argument("--name", help="results file name (default: neo4j-ingest-<collector>, from STEWARD_NEO4J_GC)")
    args = p.parse_args(argv)
    from steward.local.neo4j_server import _gc_setting  # the server's own reading of STEWARD_NEO4J_GC

    name = args.name or f"neo4j-ingest-{_gc_setting()}"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    res: dict[str, Any] = {"produced": args.produced, "seed": args.seed, "cpus": os.cpu_count(),
                           "python": platform.python_version(), "started": datetime.now(UTC).isoformat(),
                           "load_average_start": os.getloadavg()}
    res["neo4j"] = run_neo4j_ingest(args.produced, args.seed, rounds=args.rounds, split=not args.no_split,
                                    previous=args.previous, steward_runs=args.steward_runs, earlier=args.earlier,
                                    warm=args.warm)
    write_results(res, args.out, name, lambda res: neo4j_ingest_markdown(res, ["neo4jingest", *argv]))
    return 0


# ================================================================================================
# reach: the Mapping ``reach`` answers (lazy) and what reading it whole costs, against scipy's BFS
# ================================================================================================
REACH_ROOTS = ("dataset:s3://lake/l00/d0000000", "dataset:s3://lake/l14/d0000241", "dataset:s3://lake/l17/d0021639")


def main_reach(argv: Sequence[str]) -> int:
    """``scale.py reach --db PATH [--root ID ...]``: warm ``store.reach`` (a ``ReachedMap``), the same read
    whole (``dict(reach.items())``) and by keys only, the dict the store answered before (every id and
    ``Reached`` made up front: ``CompactIndex.reach``), the integer walk (``CompactIndex.bfs``), and scipy's
    ``breadth_first_order`` with predecessors on the same lineage adjacency, in one process.
    Results: ``results/reach-<name>.{md,json}``."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import breadth_first_order

    from steward.store import open_store
    from steward.store.base import Reached
    from steward.store.embedded import EmbeddedStore

    p = argparse.ArgumentParser(prog="scale.py reach")
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--root", action="append", default=None, help=f"root ids (default: {', '.join(REACH_ROOTS)})")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    p.add_argument("--name", default="reach")
    args = p.parse_args(argv)
    res: dict[str, Any] = {"db": str(args.db), "cpus": os.cpu_count(), "python": platform.python_version(),
                           "started": datetime.now(UTC).isoformat(), "load_average_start": os.getloadavg()}
    store = open_store(f"sqlite:///{args.db}")
    assert isinstance(store, EmbeddedStore)
    idx = store.compact_index()
    n = idx.n
    mask = idx.mask(LINEAGE_EDGES)
    keep = (np.asarray(idx.down.kinds) & np.uint32(mask)) != 0
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(np.asarray(idx.down.indptr)).astype(np.int64))[keep]
    g = sp.csr_array((np.ones(rows.size, dtype=np.int8), (rows, np.asarray(idx.down.indices)[keep])), shape=(n, n))
    g.sort_indices()
    res["nodes"] = n
    out: dict[str, Any] = {}
    for root in args.root or REACH_ROOTS:
        rank = idx.rank(root)
        assert rank is not None, root
        store.reach([root], way="down")
        rep = args.repeat
        t_scipy, order = median_time(lambda rank=rank: breadth_first_order(  # type: ignore[misc]
            g, rank, directed=True, return_predecessors=True), rep)
        t_bfs, _ = median_time(lambda rank=rank: idx.bfs([rank], way="down", mask=mask, max_depth=None), rep)  # type: ignore[misc]
        t_reach, reached = median_time(lambda root=root: store.reach([root], way="down"), rep)  # type: ignore[misc]
        t_keys, _ = median_time(lambda root=root: list(store.reach([root], way="down")), rep)  # type: ignore[misc]

        def read_whole(answer: Callable[[], Mapping[str, Reached]]) -> int:
            n = 0
            for _k, _r in answer().items():  # what the analyses do with a walk
                n += 1
            return n

        t_whole, _ = median_time(lambda root=root: read_whole(lambda: store.reach([root], way="down")), rep)  # type: ignore[misc]
        whole = dict(store.reach([root], way="down").items())
        some = list(reached)[:: max(1, len(reached) // 100)][:100]

        def lookups(root: str = root, some: list[str] = some) -> list[Reached]:
            answer = store.reach([root], way="down")
            return [answer[k] for k in some]

        t_lookup, _ = median_time(lookups, rep)
        t_before, _ = median_time(lambda root=root: read_whole(lambda: idx.reach(  # type: ignore[misc]
            [root], way="down", kinds=LINEAGE_EDGES, max_depth=None)), rep)
        before = idx.reach([root], way="down", kinds=LINEAGE_EDGES, max_depth=None)
        assert len(reached) == len(order[0]) - 1 == len(whole) == len(before), root
        assert whole == before, root
        out[root] = {"closure": len(reached), "scipy_s": t_scipy, "bfs_s": t_bfs, "reach_s": t_reach,
                     "reach_keys_s": t_keys, "reach_whole_s": t_whole, "reach_100_lookups_s": t_lookup,
                     "dict_before_s": t_before}
        logger.info("reach %s: %s", root, out[root])
    res["reach"] = out
    store.close()
    res["load_average_end"] = os.getloadavg()
    write_results(res, args.out, args.name, lambda res: markdown_reach(res, argv))
    return 0


def markdown_reach(res: dict[str, Any], argv: Sequence[str]) -> str:
    lines = [
        f"# Warm `reach` as a lazy Mapping, {res['nodes']:,} nodes",
        "",
        provenance(res, "scale.py", ["reach", *argv]) + " "
        "(a shared machine: ratios are from the same run; medians). `reach` answers a `ReachedMap` over the "
        "walk's arrays: ids and `Reached` tuples are made when read.",
        "",
        "| closure (root) | scipy BFS with predecessors | `CompactIndex.bfs` (integers) | `reach` (the Mapping) "
        "| `reach` + 100 lookups | `reach` + keys | `reach` + every item (`for k, r in .items()`) | the same "
        "with the dict `reach` answered before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for root, x in res["reach"].items():
        sc = x["scipy_s"]

        def cell(v: float, sc: float = sc) -> str:
            return f"{_ms(v)} ({v / sc:.1f}x)"

        lines.append(f"| {x['closure']:,} (`{root}`) | {_ms(sc)} | {cell(x['bfs_s'])} | {cell(x['reach_s'])} | "
                     f"{cell(x['reach_100_lookups_s'])} | {cell(x['reach_keys_s'])} | {cell(x['reach_whole_s'])} | "
                     f"{cell(x['dict_before_s'])} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_child":
        print(json.dumps(CHILDREN[argv[1]](*argv[2:])))
        return 0
    if argv and argv[0] == "spofaudit":
        return main_spofaudit(argv[1:])
    if argv and argv[0] == "neo4jingest":
        return main_neo4j_ingest(argv[1:])
    if argv and argv[0] == "reach":
        return main_reach(argv[1:])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--produced", type=int, default=100_000, help="produced datasets (10k -> ~28k nodes)")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--neo4j", action="store_true", help="also measure Neo4j (starts a local server)")
    p.add_argument("--only-neo4j", action="store_true",
                   help="measure Neo4j alone (no embedded store; roots from the generator); default --name scale-neo4j")
    p.add_argument("--naive-timeout", type=float, default=60.0)
    p.add_argument("--skip-analyses", action="store_true", help="skip spof/audit")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    p.add_argument("--name", default="scale")
    p.add_argument("--baseline", type=Path, help="with --db: also time blast_radius of the same roots with the "
                   "Steward sources in this folder (e.g. an earlier commit's src/, from `git archive`), in a child "
                   "process of the same run")
    p.add_argument("--db", type=Path, help="skip the ingest: measure the warm answers (and the cold CLI) on this "
                   "existing store, read-only (results: <name>.md, e.g. --name blast-fast-100k)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.db is not None:
        return warm_existing(args, argv)
    res: dict[str, Any] = {"produced": args.produced, "seed": args.seed, "cpus": os.cpu_count(),
                           "python": platform.python_version(), "started": datetime.now(UTC).isoformat(),
                           "load_average_start": os.getloadavg()}
    if args.only_neo4j:
        return only_neo4j(args, res, argv)
    with tempfile.TemporaryDirectory(prefix="steward-scale-") as tmp:
        db = str(Path(tmp) / "graph.db")
        floor_db = str(Path(tmp) / "floor.db")
        logger.info("ingest (embedded)")
        res["ingest"] = child("ingest", db, str(args.produced), str(args.seed))
        logger.info("ingest: %s", res["ingest"])
        res["floor"] = child("floor", floor_db, str(args.produced), str(args.seed))
        logger.info("floor: %s", res["floor"])
        Path(floor_db).unlink()
        con = sqlite3.connect(db)
        res["nodes"] = con.execute("SELECT count(*) FROM nodes").fetchone()[0]
        res["edges"] = con.execute("SELECT count(*) FROM edges").fetchone()[0]
        con.close()
        res["db_mb"] = os.path.getsize(db) / 2**20
        res["index_mb"] = os.path.getsize(db + ".idx") / 2**20
        csr = Path(tmp) / "csr"
        ids, g = reference_csr(db, csr)
        # roots: the largest closure among the most read raw datasets; a ~10k one; a ~100 one
        raw = [i for i, s in enumerate(ids) if s.startswith("dataset:s3://lake/l00/")]
        sizes = closure_sizes(g, raw[:40])
        largest = max(sizes, key=lambda k: sizes[k])
        rng = random.Random(args.seed)
        mids = [i for i, s in enumerate(ids) if s.startswith("dataset:") and not s.startswith("dataset:s3://lake/l00/")]
        cands = closure_sizes(g, rng.sample(mids, min(400, len(mids))))
        small = min(cands, key=lambda k: abs(cands[k] - 100))
        mid = min(cands, key=lambda k: abs(cands[k] - 10_000))
        k72 = min(sizes | cands, key=lambda k: abs((sizes | cands)[k] - 72_000))  # the issue's 72k closure
        roots = {"largest": ids[largest], "k72": ids[k72], "mid": ids[mid], "small": ids[small]}
        res["roots"] = {k: {"id": v, "closure": (sizes | cands)[ids.index(v)]} for k, v in roots.items()}
        logger.info("roots: %s", res["roots"])

        # cold open + first answer (index file present, as after an ingest)
        res["cold_steward"] = child("cold-steward", db, roots["largest"])
        res["cold_scipy"] = child("cold-scipy", str(csr), str(largest))
        # the same after the index file is gone (a store written by something that did not save it)
        os.unlink(db + ".idx")
        res["cold_steward_rebuild"] = child("cold-steward", db, roots["largest"])
        # cold CLI blast radius, whole process, on a ~10k closure
        steward = str(Path(sys.executable).with_name("steward"))
        t = time.perf_counter()
        cli = subprocess.run([steward, "blast-radius", roots["mid"], "--format", "json", "--store", f"sqlite:///{db}"],
                             capture_output=True, text=True, check=False)
        res["cold_cli"] = {"s": time.perf_counter() - t, "exit": cli.returncode,
                           "impacted": len(json.loads(cli.stdout)["impacted"]) if cli.returncode == 0 else None,
                           "stderr": cli.stderr[-500:]}
        res["cold_cli_scipy"] = child("scipy-whole", str(csr), str(mid))

        # warm, in this process
        from scipy.sparse.csgraph import breadth_first_order

        from steward.analysis import blast_radius
        from steward.store import open_store

        store = open_store(f"sqlite:///{db}")
        warm: dict[str, Any] = {}
        for label, rank in (("largest", largest), ("k72", k72), ("mid", mid), ("small", small)):
            root = ids[rank]
            store.reach([root], way="down")
            t_s, reached = median_time(lambda root=root: store.reach([root], way="down"), 7)  # type: ignore[misc]
            idx = store.compact_index()  # type: ignore[attr-defined]
            t_i, _ = median_time(lambda root=root, idx=idx: idx.bfs(  # type: ignore[misc]
                [idx.rank(root)], way="down", mask=idx.mask(LINEAGE_EDGES), max_depth=None), 7)
            t_r, order = median_time(lambda rank=rank: breadth_first_order(  # type: ignore[misc]
                g, rank, directed=True, return_predecessors=True), 7)
            assert len(reached) == len(order[0]) - 1, (label, len(reached), len(order[0]))
            t_b, blast = median_time(lambda root=root: blast_radius(store, root), 3)  # type: ignore[misc]
            warm[label] = {"closure": len(reached), "reach_s": t_s, "bfs_int_s": t_i, "scipy_bfs_s": t_r,
                           "blast_radius_s": t_b,
                           "blast_impacted": len(blast["impacted"])}
            logger.info("warm %s: %s", label, warm[label])
        res["warm"] = warm
        store.close()
        if not args.skip_analyses:
            try:
                res["analyses"] = child("analyses", db, timeout=1800)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                res["analyses"] = {"error": str(exc)[-500:]}
        try:
            res["igraph"] = child("igraph", str(csr))
        except RuntimeError as exc:
            res["igraph"] = {"error": str(exc)[-300:]}
        if args.neo4j:
            res["neo4j"] = run_neo4j(args.produced, args.seed, roots, args.naive_timeout)
    write_results(res, args.out, args.name, lambda res: markdown(res, argv))
    return 0


def only_neo4j(args: argparse.Namespace, res: dict[str, Any], argv: Sequence[str]) -> int:
    roots = neo4j_roots(args.produced, args.seed)
    logger.info("roots: %s", roots)
    res["roots"] = roots
    res["neo4j"] = run_neo4j(args.produced, args.seed, roots, args.naive_timeout)
    name = args.name if args.name != "scale" else "scale-neo4j"
    write_results(res, args.out, name, lambda res: neo4j_markdown(res, argv))
    return 0


def _ms(s: float | None) -> str:
    if s is None:
        return "n/a"
    return f"{s * 1000:,.1f} ms" if s < 1 else f"{s:,.2f} s"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "—"
    return f"{a / b:,.1f}x" if a >= b else f"{a / b:.2f}x"


def markdown(res: dict[str, Any], argv: Sequence[str]) -> str:
    w = res["warm"]
    ing, fl = res["ingest"], res["floor"]
    cs, cr = res["cold_steward"], res["cold_scipy"]
    lines = [
        f"# Scale benchmark: {res['produced']:,} produced datasets → {res['nodes']:,} nodes, {res['edges']:,} edges",
        "",
        provenance(res, "scale.py", argv) + f". Ratios are Steward ÷ reference, from the "
        "same run. SQLite file " f"{res['db_mb']:,.0f} MB, traversal index {res['index_mb']:,.0f} MB.",
        "",
        f"Roots: largest closure `{res['roots']['largest']['id']}` ({w['largest']['closure']:,} nodes), "
        f"~10k `{res['roots']['mid']['id']}` ({w['mid']['closure']:,}), ~100 `{res['roots']['small']['id']}` "
        f"({w['small']['closure']:,}).",
        "",
        "| | Steward | reference (same run) | ratio |",
        "|---|---|---|---|",
        f"| ingest embedded, {ing['rows']:,} rows | {ing['rows_per_s']:,.0f} rows/s ({_ms(ing['ingest_s'])}), "
        f"peak RSS {ing['rss_peak_mb']:,.0f} MB (records in memory before: {ing['rss_before_mb']:,.0f} MB) | "
        f"json + one SQLite executemany per table: {fl['rows_per_s']:,.0f} rows/s ({_ms(fl['ingest_s'])}), "
        f"{fl['rss_peak_mb']:,.0f} MB | {_ratio(ing['ingest_s'], fl['ingest_s'])} |",
        f"| index build when the ingest closes the store | {_ms(ing['index_on_close_s'])} | — | — |",
        f"| cold open + first `reach` (largest closure; imports excluded) | {_ms(cs['open_and_reach_s'])}"
        + (f" (open {_ms(cs['open_s'])}, index load {_ms(cs['index_load_s'])})" if "open_s" in cs else "")
        + f", {cs['rss_peak_mb']:,.0f} MB RSS | numpy CSR load + scipy BFS: {_ms(cr['load_and_bfs_s'])}, "
        f"{cr['rss_peak_mb']:,.0f} MB | {_ratio(cs['open_and_reach_s'], cr['load_and_bfs_s'])} |",
        f"| same with no index file (rebuilt from SQLite, then saved) | "
        f"{_ms(res['cold_steward_rebuild']['open_and_reach_s'])}, "
        f"{res['cold_steward_rebuild']['rss_peak_mb']:,.0f} MB | — | — |",
        f"| cold CLI `steward blast-radius --format json`, {w['mid']['closure']:,}-node closure (whole process) | "
        f"{_ms(res['cold_cli']['s'])} (exit {res['cold_cli']['exit']}) | whole scipy process: "
        f"{_ms(res['cold_cli_scipy']['process_wall_s'])} | "
        f"{_ratio(res['cold_cli']['s'], res['cold_cli_scipy']['process_wall_s'])} |",
    ]
    for label in ("largest", "k72", "mid", "small"):
        if label not in w:
            continue
        x = w[label]
        lines.append(f"| warm `reach`, {x['closure']:,}-node closure | {_ms(x['reach_s'])} | scipy CSR BFS "
                     f"(with predecessors): {_ms(x['scipy_bfs_s'])} | {_ratio(x['reach_s'], x['scipy_bfs_s'])} |")
        if "bfs_int_s" in x:
            lines.append(f"| warm `CompactIndex.bfs` (integer arrays, no ids decoded), {x['closure']:,}-node closure | "
                         f"{_ms(x['bfs_int_s'])} | same scipy | {_ratio(x['bfs_int_s'], x['scipy_bfs_s'])} |")
        lines.append(f"| warm `blast_radius`, {x['closure']:,}-node closure | {_ms(x['blast_radius_s'])} | — | "
                     f"{_ratio(x['blast_radius_s'], x['reach_s'])} of reach |")
    an, ig = res.get("analyses", {}), res.get("igraph", {})
    if an:
        ref = ig.get("whole_s")
        ref_txt = f"igraph dominator tree, whole process: {_ms(ref)}" if ref else f"igraph: {ig.get('error', 'n/a')}"
        lines.append(f"| `spof` / `audit` (warm store) | {_ms(an.get('spof_s'))} / {_ms(an.get('audit_s'))} "
                     f"{an.get('error', '')} | {ref_txt} | {_ratio(an.get('spof_s'), ref)} |")
    neo = res.get("neo4j")
    if neo:
        lines += neo4j_rows(neo)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
