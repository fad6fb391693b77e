"""Blast-radius benchmark: latency of ``steward.analysis.blast_radius`` on both stores.

Builds a seeded synthetic ML organisation (~100k nodes, several hundred thousand edges: raw
datasets -> ETL runs -> curated datasets -> feature runs -> feature datasets -> training runs ->
model versions -> deployments, with jobs, commits, repos, people, teams and ownership claims),
loads it into the embedded store and into Neo4j, and times for a sample of roots:

* ``store.reach(root, way="down")`` alone (the closure walk),
* ``blast_radius(store, root)`` (closure + node records + ownership + paging list),
* on Neo4j, the naive Cypher users write first: ``min(length(p))`` over a variable-length
  pattern, and a query that binds and returns every path (run with a per-query timeout).

This is a measurement, not a test: nothing here asserts a speed. Results go to
``<out>/blast_radius.json`` (every figure plus machine info) and ``<out>/blast_radius.md``.

Run: ``.venv/bin/python benchmarks/blast_radius.py --help``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, LiteralString

import neo4j
import networkx
from neo4j import GraphDatabase, Query
from neo4j import exceptions as neo4j_exc
from pydantic import SecretStr

from steward.analysis import blast_radius
from steward.analysis.ownership import OwnershipView
from steward.graph import LINEAGE_EDGES, Edge, EdgeKind, Node, NodeKind, OwnershipClaim, Props, make_id
from steward.settings import Settings
from steward.store import GraphStore, open_store
from steward.store.neo4j import Neo4jStore

logger = logging.getLogger("benchmarks.blast_radius")

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEN_AT = "2026-01-01T00:00:00.000Z"  # fixed, so two runs with one seed build identical records

# ---- the naive queries ------------------------------------------------------------------------
# Written out in full (relationship types cannot be parameters); checked against LINEAGE_EDGES at start.
NAIVE_TYPES = "CONSUMED_BY|PRODUCED|RUN_OF|VERSION_OF|DEPLOYED_TO|BUILT|IN_REPO"
#: What a user writes first for "everything downstream, with its distance".
NAIVE_MIN_LENGTH: LiteralString = (
    "MATCH p = (s:Node {id: $id})-[:CONSUMED_BY|PRODUCED|RUN_OF|VERSION_OF|DEPLOYED_TO|BUILT|IN_REPO*1..]->(n) "
    "RETURN n.id AS id, min(length(p)) AS d"
)
#: The same question answered by returning every path (each one bound and shipped to the client).
NAIVE_ALL_PATHS: LiteralString = (
    "MATCH p = (s:Node {id: $id})-[:CONSUMED_BY|PRODUCED|RUN_OF|VERSION_OF|DEPLOYED_TO|BUILT|IN_REPO*1..]->(n) "
    "RETURN n.id AS id, length(p) AS d, [x IN nodes(p) | x.id] AS path"
)


# ================================================================================================
# the synthetic organisation
# ================================================================================================

#: Shape of the organisation at scale 1.0 (~100k nodes); every count is multiplied by the scale.
BASE = {
    "people": 2000, "teams": 80, "repos": 60, "commits": 7000, "domains": 40, "raw": 3000,
    "etl_jobs": 1500, "feature_jobs": 1500, "models": 800,
}
#: Nodes the shape above produces at scale 1.0 (measured); used to pick the scale for --nodes.
BASE_TOTAL_NODES = 94_917


@dataclass
class Org:
    """The generated records plus the ids the benchmark draws roots from."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    claims: list[OwnershipClaim] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    curated: list[str] = field(default_factory=list)
    mid_runs: list[str] = field(default_factory=list)  # ETL and feature runs

    @property
    def records(self) -> int:
        return len(self.nodes) + len(self.edges) + len(self.claims)


class _Picker:
    """Chooses inputs: mostly from the consumer's own domain, sometimes a popular dataset anywhere."""

    def __init__(self, rng: random.Random, domains: int, cross_domain: float) -> None:
        self.rng = rng
        self.by_domain: list[list[str]] = [[] for _ in range(domains)]
        self.all: list[str] = []
        self.weights: list[float] = []
        self.cross_domain = cross_domain

    def add(self, node_id: str, domain: int, weight: float) -> None:
        self.by_domain[domain].append(node_id)
        self.all.append(node_id)
        self.weights.append(weight)

    def pick(self, domain: int, k: int) -> list[str]:
        chosen: list[str] = []
        for _ in range(k * 3):  # a few retries for duplicates
            if len(chosen) == k:
                break
            local = self.by_domain[domain]
            if local and self.rng.random() >= self.cross_domain:
                cand = self.rng.choice(local)
            else:
                cand = self.rng.choices(self.all, weights=self.weights)[0]
            if cand not in chosen:
                chosen.append(cand)
        return chosen


def _popularity(rng: random.Random) -> float:
    """A heavy-tailed weight: most datasets are read by a job or two, a few by hundreds."""
    return rng.paretovariate(1.2)


def build_org(target_nodes: int, seed: int) -> Org:
    """A deterministic ML platform of about ``target_nodes`` nodes (same seed, same records)."""
    rng = random.Random(seed)
    scale = target_nodes / BASE_TOTAL_NODES

    def count(name: str, minimum: int = 1) -> int:
        return max(minimum, round(BASE[name] * scale))

    org = Org()
    lineage, mlflow, git, catalog, hr = (
        "bench-openlineage", "bench-mlflow", "bench-git", "bench-catalog", "bench-hr",
    )

    def node(kind: NodeKind, key: str, source: str, props: Props | None = None) -> str:
        nid = make_id(kind, key)
        org.nodes.append(Node(id=nid, kind=kind, source=source, props=props or {}, seen_at=SEEN_AT))
        return nid

    def edge(src: str, kind: EdgeKind, dst: str, source: str) -> None:
        org.edges.append(Edge(src=src, kind=kind, dst=dst, source=source, seen_at=SEEN_AT))

    # ---- people and teams --------------------------------------------------------------------
    teams = [node(NodeKind.TEAM, f"team-{i:03d}", hr) for i in range(count("teams"))]
    people: list[str] = []
    for i in range(count("people", 2)):
        active = rng.random() >= 0.08  # ~8% have left
        pid = node(NodeKind.PERSON, f"user{i:05d}@example.com", hr, {"active": active})
        people.append(pid)
        for team in rng.sample(teams, 2 if rng.random() < 0.15 else 1):
            edge(pid, EdgeKind.MEMBER_OF, team, hr)

    def some_owner() -> str:
        return rng.choice(teams) if rng.random() < 0.4 else rng.choice(people)

    def claim(artifact: str, probability_owner: float, probability_steward: float) -> None:
        """Catalog claims, plus now and then a CODEOWNERS claim that disagrees (lower precedence)."""
        if rng.random() < probability_owner:
            org.claims.append(OwnershipClaim(some_owner(), artifact, "owner", catalog, seen_at=SEEN_AT,
                                             origin="catalog"))
        if rng.random() < probability_steward:
            org.claims.append(OwnershipClaim(rng.choice(people), artifact, "steward", catalog, seen_at=SEEN_AT,
                                             origin="catalog"))
        if rng.random() < 0.25:
            org.claims.append(OwnershipClaim(rng.choice(teams), artifact, "owner", "bench-codeowners",
                                             seen_at=SEEN_AT, origin="codeowners"))

    # ---- code --------------------------------------------------------------------------------
    repos = [node(NodeKind.REPO, f"github.com/acme/repo-{i:03d}", git) for i in range(count("repos"))]
    commits_of: dict[str, list[str]] = {r: [] for r in repos}
    for _ in range(count("commits", len(repos))):
        repo = rng.choice(repos)
        cid = node(NodeKind.COMMIT, f"{repo.partition(':')[2]}@{rng.getrandbits(160):040x}", git)
        commits_of[repo].append(cid)
        edge(cid, EdgeKind.IN_REPO, repo, git)
        edge(rng.choice(people), EdgeKind.AUTHORED, cid, git)
    for repo, commits in commits_of.items():  # every repo has at least one commit
        if not commits:
            cid = node(NodeKind.COMMIT, f"{repo.partition(':')[2]}@{rng.getrandbits(160):040x}", git)
            commits.append(cid)
            edge(cid, EdgeKind.IN_REPO, repo, git)

    domains = count("domains", 2)

    # ---- raw datasets ------------------------------------------------------------------------
    raw = _Picker(rng, domains, cross_domain=0.15)
    for i in range(count("raw", domains)):
        d = i % domains
        rid = node(NodeKind.DATASET, f"s3://lake/raw/d{d:02d}/table-{i:05d}", lineage,
                   {"domain": f"d{d:02d}", "layer": "raw"})
        raw.add(rid, d, _popularity(rng))
        org.raw.append(rid)
        claim(rid, 0.7, 0.4)

    def job_runs(
        job: str, tag: str, runs: int, inputs: Sequence[str], outputs: Sequence[str], repo: str
    ) -> list[str]:
        """A scheduled job's runs: each reads all the job's inputs and rewrites all its outputs."""
        out = []
        for r in range(runs):
            run = node(NodeKind.RUN, f"{tag}-{r:03d}", lineage, {"status": "COMPLETE"})
            out.append(run)
            edge(run, EdgeKind.RUN_OF, job, lineage)
            edge(rng.choice(commits_of[repo]), EdgeKind.BUILT, run, lineage)
            for ds in inputs:
                edge(ds, EdgeKind.CONSUMED_BY, run, lineage)
            for ds in outputs:
                edge(run, EdgeKind.PRODUCED, ds, lineage)
        return out

    # ---- ETL: raw -> curated ----------------------------------------------------------------
    curated = _Picker(rng, domains, cross_domain=0.15)
    for j in range(count("etl_jobs")):
        d = rng.randrange(domains)
        job = node(NodeKind.JOB, f"etl/d{d:02d}/job-{j:05d}", lineage, {"domain": f"d{d:02d}"})
        claim(job, 0.5, 0.2)
        inputs = raw.pick(d, rng.randint(1, 3))
        outputs = []
        for k in range(rng.randint(1, 3)):
            cid = node(NodeKind.DATASET, f"s3://lake/curated/d{d:02d}/job-{j:05d}-{k}", lineage,
                       {"domain": f"d{d:02d}", "layer": "curated"})
            outputs.append(cid)
            curated.add(cid, d, _popularity(rng))
            org.curated.append(cid)
            claim(cid, 0.7, 0.4)
        runs = job_runs(job, f"etl-{j:05d}", rng.randint(5, 19), inputs, outputs, rng.choice(repos))
        org.mid_runs.extend(runs)

    # ---- features: curated (and earlier features) -> features ------------------------------
    features = _Picker(rng, domains, cross_domain=0.1)
    for j in range(count("feature_jobs")):
        d = rng.randrange(domains)
        job = node(NodeKind.JOB, f"features/d{d:02d}/job-{j:05d}", lineage, {"domain": f"d{d:02d}"})
        claim(job, 0.5, 0.2)
        inputs = curated.pick(d, rng.randint(2, 4))
        if features.by_domain[d] and rng.random() < 0.25:  # chains of features: deeper DAGs
            inputs += [f for f in features.pick(d, 1) if f not in inputs]
        outputs = []
        for k in range(rng.randint(1, 3)):
            fid = node(NodeKind.DATASET, f"s3://lake/features/d{d:02d}/job-{j:05d}-{k}", lineage,
                       {"domain": f"d{d:02d}", "layer": "features"})
            outputs.append(fid)
            features.add(fid, d, _popularity(rng))
            claim(fid, 0.7, 0.4)
        runs = job_runs(job, f"feat-{j:05d}", rng.randint(5, 19), inputs, outputs, rng.choice(repos))
        org.mid_runs.extend(runs)

    # ---- training: features -> model versions -> deployments ------------------------------
    for m in range(count("models")):
        d = rng.randrange(domains)
        name = f"d{d:02d}-model-{m:04d}"
        model = node(NodeKind.MODEL, name, mlflow, {"domain": f"d{d:02d}"})
        claim(model, 0.8, 0.5)
        if rng.random() < 0.5:
            org.claims.append(OwnershipClaim(rng.choice(people), model, "owner", mlflow, seen_at=SEEN_AT,
                                             origin="mlflow"))
        job = node(NodeKind.JOB, f"train/{name}", mlflow, {"domain": f"d{d:02d}"})
        claim(job, 0.5, 0.2)
        inputs = features.pick(d, rng.randint(2, 6))
        if rng.random() < 0.3:
            inputs += [c for c in curated.pick(d, 1) if c not in inputs]
        repo = rng.choice(repos)
        versions: list[str] = []
        for r in range(rng.randint(10, 30)):
            run = node(NodeKind.RUN, f"train-{m:04d}-{r:03d}", mlflow, {"status": "FINISHED"})
            edge(run, EdgeKind.RUN_OF, job, mlflow)
            edge(rng.choice(commits_of[repo]), EdgeKind.BUILT, run, mlflow)
            edge(rng.choice(people), EdgeKind.LAUNCHED, run, mlflow)
            for ds in inputs:
                edge(ds, EdgeKind.CONSUMED_BY, run, mlflow)
            if rng.random() < 0.85:
                mv = node(NodeKind.MODEL_VERSION, f"{name}/{len(versions) + 1}", mlflow)
                versions.append(mv)
                edge(run, EdgeKind.PRODUCED, mv, mlflow)
                edge(mv, EdgeKind.VERSION_OF, model, mlflow)
            if rng.random() < 0.3:
                ev = node(NodeKind.EVALUATION, f"{name}/run-{r:03d}", mlflow)
                edge(run, EdgeKind.PRODUCED, ev, mlflow)
        envs = ["prod", "staging", "shadow"][: rng.randint(1, 3)]
        for env in envs:
            dep = node(NodeKind.DEPLOYMENT, f"{env}/{name}", mlflow, {"env": env})
            claim(dep, 0.6, 0.4)
            for mv in versions[-rng.randint(1, 3):]:  # the current version and a few before it
                edge(mv, EdgeKind.DEPLOYED_TO, dep, mlflow)
    return org


def batches(org: Org, size: int) -> Iterator[tuple[list[Node], list[Edge], list[OwnershipClaim]]]:
    """Nodes first, then edges, then claims, ``size`` records per batch (no stubs are created)."""
    for i in range(0, len(org.nodes), size):
        yield org.nodes[i : i + size], [], []
    for i in range(0, len(org.edges), size):
        yield [], org.edges[i : i + size], []
    for i in range(0, len(org.claims), size):
        yield [], [], org.claims[i : i + size]


def pick_roots(org: Org, n: int, seed: int) -> list[str]:
    """``n`` roots: the two most consumed raw datasets (the worst case), then raw datasets,
    curated datasets (both only among those some run reads) and mid-level runs in proportion
    4:3:3, drawn at random."""
    rng = random.Random(seed + 1)
    readers: dict[str, int] = {}
    for e in org.edges:
        if e.kind is EdgeKind.CONSUMED_BY:
            readers[e.src] = readers.get(e.src, 0) + 1
    consumed = set(readers)
    hubs = sorted((r for r in org.raw if r in readers), key=lambda r: (-readers[r], r))
    roots = hubs[: min(2, n)]
    rest = n - len(roots)
    n_raw, n_cur = round(rest * 0.4), round(rest * 0.3)
    pools = ((org.raw, n_raw), (org.curated, n_cur), (org.mid_runs, rest - n_raw - n_cur))
    for pool, k in pools:
        # Datasets nobody reads have an empty blast radius: not worth timing.
        candidates = [x for x in pool if x not in roots and (x in consumed or not x.startswith("dataset:"))]
        roots += rng.sample(candidates, min(k, len(candidates)))
    return roots


# ================================================================================================
# measuring
# ================================================================================================


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest-rank: with 50 samples p99 is the largest."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency(values_s: Sequence[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    return {"p50_ms": round(pct(ms, 50), 2), "p99_ms": round(pct(ms, 99), 2), "max_ms": round(max(ms), 2),
            "mean_ms": round(statistics.fmean(ms), 2), "n": len(ms)}


def sizes(values: Sequence[int]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def rss_mb() -> float | None:
    """Resident memory of this process in MB (Linux), else None."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def load(store: GraphStore, org: Org, batch: int, label: str) -> dict[str, float]:
    """Upsert the organisation in batches; records per second over the whole load."""
    start = time.perf_counter()
    done = 0
    next_report = 0.0
    for nodes, edges, claims in batches(org, batch):
        store.upsert(nodes=nodes, edges=edges, claims=claims)
        done += len(nodes) + len(edges) + len(claims)
        elapsed = time.perf_counter() - start
        if elapsed >= next_report:
            logger.info("%s: loaded %d/%d records (%.0f s)", label, done, org.records, elapsed)
            next_report = elapsed + 15
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 1), "records": done, "records_per_s": round(done / seconds)}


def measure_store(store: GraphStore, roots: Sequence[str], warmup: Sequence[str], label: str) -> dict[str, Any]:
    """Closure alone, the ownership snapshot alone, and the whole analysis, per root."""
    for w in warmup:
        store.reach([w], way="down")
        blast_radius(store, w)
    reach_s: list[float] = []
    closure: list[int] = []
    for root in roots:
        start = time.perf_counter()
        reached = store.reach([root], way="down")
        reach_s.append(time.perf_counter() - start)
        closure.append(len(reached))
    view_s = [timed(lambda: OwnershipView.load(store))[0] for _ in range(3)]
    blast_s: list[float] = []
    impacted: list[int] = []
    truncated = 0
    for i, root in enumerate(roots, 1):
        start = time.perf_counter()
        result = blast_radius(store, root)
        blast_s.append(time.perf_counter() - start)
        impacted.append(result["counts"]["impacted"])
        truncated += bool(result["truncated"])
        if i % 10 == 0:
            logger.info("%s: blast_radius %d/%d", label, i, len(roots))
    return {
        "reach": latency(reach_s), "ownership_view_load": latency(view_s), "blast_radius": latency(blast_s),
        "closure_size": sizes(closure), "impacted": sizes(impacted), "truncated_results": truncated,
        "per_root": [{"root": r, "closure": c, "impacted": i, "reach_ms": round(a * 1000, 2),
                      "blast_ms": round(b * 1000, 2)}
                     for r, c, i, a, b in zip(roots, closure, impacted, reach_s, blast_s, strict=True)],
    }


def plan_operators(session: neo4j.Session, text: LiteralString, root: str) -> list[str]:
    """The operator names of a statement's plan (EXPLAIN: nothing runs)."""
    plan = session.run(Query("EXPLAIN " + text), id=root).consume().plan
    ops: list[str] = []

    def walk(p: dict[str, Any]) -> None:
        ops.append(str(p["operatorType"]))
        for child in p.get("children", []):
            walk(child)

    if plan is not None:
        walk(plan)
    return ops


def run_naive(session: neo4j.Session, text: LiteralString, root: str, timeout_s: float) -> dict[str, Any]:
    """Run one naive query to the end or to its server-side timeout, streaming every row."""
    rows = 0
    distinct: set[str] = set()
    start = time.perf_counter()
    outcome = "ok"
    try:
        for record in session.run(Query(text, timeout=timeout_s), id=root):
            rows += 1
            distinct.add(record["id"])
    except neo4j_exc.ClientError as exc:
        code = exc.code or ""
        outcome = "timeout" if ("TransactionTimedOut" in code or "Terminated" in code) else f"error: {code}"
    except neo4j_exc.TransientError as exc:
        code = exc.code or ""
        outcome = "timeout" if ("TransactionTimedOut" in code or "Terminated" in code) else f"error: {code}"
    return {"root": root, "outcome": outcome, "ms": round((time.perf_counter() - start) * 1000, 1),
            "rows": rows, "distinct_ids": len(distinct)}


def measure_naive(
    uri: str, user: str, password: str, roots: Sequence[str], closure: dict[str, int], *,
    timeout_s: float, path_roots: int,
) -> dict[str, Any]:
    """Both naive queries: min(length(p)) on every root, every-path on a spread of ``path_roots`` roots."""
    out: dict[str, Any] = {"timeout_s": timeout_s}
    with GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF") as driver, \
            driver.session() as s:
        out["min_length_query"] = NAIVE_MIN_LENGTH
        out["all_paths_query"] = NAIVE_ALL_PATHS
        out["min_length_plan"] = plan_operators(s, NAIVE_MIN_LENGTH, roots[0])
        out["all_paths_plan"] = plan_operators(s, NAIVE_ALL_PATHS, roots[0])
        logger.info("naive min(length(p)) plan: %s", " <- ".join(out["min_length_plan"]))
        logger.info("naive all-paths plan: %s", " <- ".join(out["all_paths_plan"]))

        runs = [run_naive(s, NAIVE_MIN_LENGTH, root, timeout_s) for root in roots]
        for run in runs:
            run["closure"] = closure[run["root"]]
        ok = [run for run in runs if run["outcome"] == "ok"]
        out["min_length"] = {
            "roots": len(runs),
            "finished": len(ok),
            "timeouts": sum(run["outcome"] == "timeout" for run in runs),
            "agrees_with_reach": all(run["distinct_ids"] == run["closure"] for run in ok),
            "latency_finished": latency([run["ms"] / 1000 for run in ok]) if ok else None,
            "per_root": runs,
        }
        # A spread over closure sizes: sort the roots by closure size and take evenly spaced ones.
        ordered = sorted(roots, key=lambda r: (closure[r], r))
        k = min(path_roots, len(ordered))
        subset = [ordered[round(i * (len(ordered) - 1) / max(1, k - 1))] for i in range(k)] if k else []
        subset = list(dict.fromkeys(subset))
        paths = []
        for i, r in enumerate(subset, 1):
            res = run_naive(s, NAIVE_ALL_PATHS, r, timeout_s)
            res["closure"] = closure[r]
            paths.append(res)
            logger.info("naive all-paths %d/%d: closure %d -> %s after %.1f s, %d paths", i, len(subset),
                        closure[r], res["outcome"], res["ms"] / 1000, res["rows"])
        out["all_paths"] = {
            "roots": len(paths),
            "subset": "roots sorted by closure size, evenly spaced from smallest to largest",
            "finished": sum(p["outcome"] == "ok" for p in paths),
            "timeouts": sum(p["outcome"] == "timeout" for p in paths),
            "per_root": paths,
        }
    return out


# ================================================================================================
# the run
# ================================================================================================


def git_commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{sha}{' (working tree modified)' if dirty else ''}"


def neo4j_version(uri: str, user: str, password: str) -> str:
    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions, edition "
                                             "RETURN versions[0] AS v, edition AS e")
        return f"{records[0]['v']} {records[0]['e']}"


def neo4j_is_empty(uri: str, user: str, password: str) -> bool:
    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) > 0 AS any")
        return not records[0]["any"]


def wipe_neo4j(uri: str, user: str, password: str) -> None:
    with GraphDatabase.driver(uri, auth=(user, password)) as driver, driver.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Blast-radius latency on the embedded store and Neo4j, next to naive Cypher.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--nodes", type=int, default=100_000, help="approximate size of the synthetic organisation")
    p.add_argument("--roots", type=int, default=50, help="roots to measure blast_radius on")
    p.add_argument("--warmup", type=int, default=3, help="warm-up calls per store (on other roots)")
    p.add_argument("--seed", type=int, default=7, help="seed of the generator")
    p.add_argument("--batch", type=int, default=5000, help="records per upsert call")
    p.add_argument("--stores", default="embedded,neo4j", help="comma-separated: embedded, neo4j")
    p.add_argument("--neo4j-uri", default=None,
                   help="a running Neo4j (bolt:// or neo4j://); default: start one with acquire_neo4j()")
    p.add_argument("--neo4j-user", default="neo4j", help="Neo4j user for --neo4j-uri")
    p.add_argument("--neo4j-password", default=None,
                   help="Neo4j password for --neo4j-uri (else $STEWARD_NEO4J_PASSWORD)")
    p.add_argument("--wipe-neo4j", action="store_true",
                   help="allow emptying a non-empty database given by --neo4j-uri (it is always emptied)")
    p.add_argument("--naive-timeout", type=float, default=30.0, help="per-query timeout of the naive Cypher, s")
    p.add_argument("--naive-path-roots", type=int, default=8,
                   help="roots the every-path query runs on (a spread over closure sizes)")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results", help="results folder")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args = parse_args(argv)
    stores = {s.strip() for s in args.stores.split(",") if s.strip()}
    if not stores or stores - {"embedded", "neo4j"}:
        print(f"--stores takes embedded and/or neo4j, not {args.stores!r}", file=sys.stderr)
        return 2
    if set(NAIVE_TYPES.split("|")) != {k.value for k in LINEAGE_EDGES}:
        print("the naive queries' relationship types no longer match LINEAGE_EDGES; update them", file=sys.stderr)
        return 2
    wall = time.perf_counter()

    seconds, org = timed(lambda: build_org(args.nodes, args.seed))
    node_kinds: dict[str, int] = {}
    for n in org.nodes:
        node_kinds[n.kind.value] = node_kinds.get(n.kind.value, 0) + 1
    edge_kinds: dict[str, int] = {}
    for e in org.edges:
        edge_kinds[e.kind.value] = edge_kinds.get(e.kind.value, 0) + 1
    edge_kinds["OWNS"] = len(org.claims)
    logger.info("built %d nodes, %d edges, %d claims in %.1f s", len(org.nodes), len(org.edges),
                len(org.claims), seconds)
    sample = pick_roots(org, args.roots + args.warmup, args.seed)
    roots, warmup = sample[: args.roots], sample[args.roots :]

    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join(["python", "benchmarks/blast_radius.py", *(argv if argv is not None else sys.argv[1:])]),
        "git_commit": git_commit(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "networkx": networkx.__version__, "neo4j_driver": neo4j.__version__},
        "graph": {"seed": args.seed, "nodes": len(org.nodes), "edges": len(org.edges) + len(org.claims),
                  "node_kinds": dict(sorted(node_kinds.items())), "edge_kinds": dict(sorted(edge_kinds.items())),
                  "build_seconds": round(seconds, 1)},
        "roots": {"n": len(roots), "warmup": len(warmup), "ids": roots,
                  "how": "the 2 most read raw datasets, then read raw : read curated datasets : "
                         "ETL/feature runs = 4:3:3"},
        "stores": {},
    }

    closure: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as tmp:
        if "embedded" in stores:
            db = Path(tmp) / "bench.db"
            store = open_store(f"sqlite:///{db}", create=True)
            loaded = load(store, org, args.batch, "embedded")
            store.close()
            before = rss_mb()
            reopen_s, store = timed(lambda: open_store(f"sqlite:///{db}"))
            after = rss_mb()
            loaded.update(reopen_seconds=round(reopen_s, 1), sqlite_file_mb=round(db.stat().st_size / 1e6, 1))
            if before is not None and after is not None:
                loaded["graph_in_memory_mb"] = round(after - before)
            logger.info("embedded: %s", loaded)
            emb = measure_store(store, roots, warmup, "embedded")
            store.close()
            result["stores"]["embedded"] = {"uri": "sqlite:///<tmp>/bench.db", "load": loaded, **emb}
            closure = {r["root"]: r["closure"] for r in emb["per_root"]}

        if "neo4j" in stores:
            result["stores"]["neo4j"] = run_neo4j(args, org, roots, warmup, closure)
    result["wall_seconds"] = round(time.perf_counter() - wall, 1)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "blast_radius.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    table = markdown(result)
    (args.out / "blast_radius.md").write_text(table, encoding="utf-8")
    print()
    print(table)
    print(f"wrote {args.out / 'blast_radius.json'} and {args.out / 'blast_radius.md'}")
    return 0


def run_neo4j(
    args: argparse.Namespace, org: Org, roots: Sequence[str], warmup: Sequence[str], closure: dict[str, int]
) -> dict[str, Any]:
    server = None
    if args.neo4j_uri:
        uri, user = args.neo4j_uri, args.neo4j_user
        password = args.neo4j_password or os.environ.get("STEWARD_NEO4J_PASSWORD", "")
        how = "given"
        if not neo4j_is_empty(uri, user, password) and not args.wipe_neo4j:
            raise SystemExit(f"{uri} is not empty; the benchmark deletes everything in it: pass --wipe-neo4j")
    else:
        from steward.local.neo4j_server import acquire_neo4j

        server = acquire_neo4j()
        uri, user, password, how = server.uri, server.user, server.password, server.how
        logger.info("Neo4j %s at %s, ready in %.1f s", how, uri, server.start_seconds)
    try:
        wipe_neo4j(uri, user, password)
        settings = Settings(store=uri, neo4j_user=user, neo4j_password=SecretStr(password))
        store = Neo4jStore.connect(uri, settings=settings)
        try:
            loaded = load(store, org, args.batch, "neo4j")
            logger.info("neo4j: %s", loaded)
            measured = measure_store(store, roots, warmup, "neo4j")
            # What the full ownership snapshot's edge reads plan to (spof and audit load it whole).
            measured["ownership_edges_plan"] = store.explain("edges_of_kinds", types=[EdgeKind.OWNS])
        finally:
            store.close()
        here = {r["root"]: r["closure"] for r in measured["per_root"]}
        agree = not closure or here == closure
        naive = measure_naive(uri, user, password, roots, here, timeout_s=args.naive_timeout,
                              path_roots=args.naive_path_roots)
        server_info: dict[str, Any] = {"version": neo4j_version(uri, user, password), "how": how}
        if server is not None and server.how == "local":
            server_info["config"] = "test server of steward.local.neo4j_server: heap 256m-768m, page cache 128m"
        return {"uri": "bolt://<local>" if server else uri, "server": server_info, "load": loaded, **measured,
                "closure_agrees_with_embedded": agree, "naive": naive}
    finally:
        if server is not None:
            server.stop()


def _fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, int) or float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def markdown(res: dict[str, Any]) -> str:
    """The short table the README quotes."""
    g = res["graph"]
    m = res["machine"]
    st = res["stores"]
    names = [n for n in ("embedded", "neo4j") if n in st]
    head = {"embedded": "embedded (SQLite + CSR index)",
            "neo4j": f"Neo4j {st['neo4j']['server']['version']}" if "neo4j" in st else ""}
    lines = [
        f"Synthetic organisation: {g['nodes']:,} nodes, {g['edges']:,} edges (seed {g['seed']}); "
        f"{res['roots']['n']} roots ({res['roots']['how']}); {m['cores']} cores, Python {m['python']}; "
        f"{res['date']}, commit {res['git_commit'][:12]}.",
        "",
        "| | " + " | ".join(head[n] for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]

    def row(label: str, cell: Callable[[dict[str, Any]], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(st[n]) for n in names) + " |")

    row("load, records/s (total s)", lambda s: f"{_fmt(s['load']['records_per_s'])} ({_fmt(s['load']['seconds'])} s)")
    row("`blast_radius` p50 / p99 / max, ms",
        lambda s: " / ".join(_fmt(s["blast_radius"][k]) for k in ("p50_ms", "p99_ms", "max_ms")))
    row("`reach` (closure only) p50 / p99, ms",
        lambda s: " / ".join(_fmt(s["reach"][k]) for k in ("p50_ms", "p99_ms")))
    row("whole ownership snapshot (what spof/audit load), mean ms", lambda s: _fmt(s["ownership_view_load"]["mean_ms"]))
    row("impacted artifacts min / median / max",
        lambda s: " / ".join(_fmt(s["impacted"][k]) for k in ("min", "median", "max")))
    if "neo4j" in st:
        nv = st["neo4j"]["naive"]
        pad = "n/a | " * (len(names) - 1)  # the naive queries run on Neo4j only
        ml = nv["min_length"]
        lat = ml["latency_finished"]
        cell = (f"{_fmt(lat['p50_ms'])} / {_fmt(lat['p99_ms'])} / {_fmt(lat['max_ms'])} "
                f"({ml['finished']}/{ml['roots']} finished)" if lat else f"0/{ml['roots']} finished")
        lines.append(f"| naive `min(length(p))` Cypher p50 / p99 / max, ms | {pad}{cell} |")
        ap = nv["all_paths"]
        per = "; ".join(
            f"{p['closure']:,} → " + (f"{p['ms'] / 1000:.1f} s, {p['rows']:,} paths" if p["outcome"] == "ok"
                                      else f"{p['outcome']} after {p['rows']:,} paths")
            for p in ap["per_root"]
        )
        lines.append(f"| naive every-path Cypher, {ap['roots']} roots (closure size → time), "
                     f"timeout {nv['timeout_s']:g} s | {pad}{per} |")
    if "neo4j" in st:
        srv = st["neo4j"]["server"]
        lines += ["", f"Neo4j: {srv.get('config', srv['how'] + ' server')}; Bolt on loopback. "
                  "The naive queries run on Neo4j only, on the same roots."]
    lines += ["", f"Command: `{res['command']}` (wall time {res['wall_seconds'] / 60:.1f} min).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
