"""Single points of failure: sole owners, bus factor, structural chokepoints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order

from steward.analysis.atrisk import AtRisk, load_at_risk
from steward.analysis.bulk import without_cycle_collection
from steward.analysis.dominators import csr, dominators_of_dag, immediate_dominators, source_components
from steward.analysis.ownership import OwnershipView, load_whole_view
from steward.governance.rotations import backups, rotations
from steward.graph import ARTIFACT_KINDS, FLOW_EDGES, NodeKind
from steward.store.base import GraphStore

__all__ = ["spof"]

#: Code is its own axis of dependence, apart from the data flow.
CODE_KINDS = frozenset({NodeKind.COMMIT, NodeKind.REPO})


@without_cycle_collection
def spof(store: GraphStore) -> dict[str, Any]:
    """Three lists, each ranked by how many deployments are at risk:

    * ``sole_owner``: declared artifacts whose active owners and stewards are exactly one person and
      no on-call rotation stands behind (rotation members of the owning teams, or of the person's
      own teams, are backups: the pager still reaches somebody);
    * ``covered_by_rotation``: the artifacts that would be sole-owned but for such backups, with them;
    * ``bus_factor``: per person, the artifacts left with no active owner if they left (a rotation
      does not make anyone accountable, so they stay listed; ``covered`` names those a rotation
      would still answer for, and ``backups`` who);
    * ``chokepoints``: artifacts two or more deployments depend on, with the deployments for which
      every data-flow path from a source passes through them (dominators over datasets, runs, model
      versions and deployments; virtual root above all sources; paths are never enumerated);
    * ``code_chokepoints``: commits and repositories two or more deployments were built from, with the
      deployments all of whose code comes from them.

    Entries that dominate nothing are left out; containers (jobs, models, repos) count the
    deployments at risk from any of their members.
    """
    view = load_whole_view(store, all_members=False)  # asks only about claimed artifacts
    at_risk = load_at_risk(store)
    declared = sorted(view.claims_on)
    nodes = {i: (k, name) for i, k, name in store.node_summaries(ids=declared)}
    people_of = _people_memo(view)

    sole: list[dict[str, Any]] = []
    covered: list[dict[str, Any]] = []
    rots = rotations(store, view.ids)
    covered_of: dict[str, dict[str, str]] = {}
    orphaned_by: dict[str, list[str]] = defaultdict(list)
    for artifact in declared:
        summary = nodes.get(artifact)
        if summary is None or summary[0] not in ARTIFACT_KINDS:
            continue
        kind, name = summary
        owners, stewards = people_of(artifact)
        people = set(owners) | set(stewards)
        behind = backups(view, rots, artifact, sorted(people)) if rots and len(people) == 1 else {}
        if len(people) == 1:
            (only,) = people
            deps = at_risk.of([artifact])
            entry = {"id": artifact, "kind": kind.value, "name": name, "owner": only,
                     "owner_name": view.name(only), "deployments_at_risk": len(deps), "deployments": deps}
            if behind:
                covered.append({**entry, "backups": [{"id": p, "name": view.name(p), "rotation": t}
                                                     for p, t in sorted(behind.items())]})
            else:
                sole.append(entry)
        if len(owners) == 1 and rots and (answer := backups(view, rots, artifact, owners)):
            covered_of[artifact] = answer
        if len(owners) == 1:
            orphaned_by[owners[0]].append(artifact)
    sole.sort(key=lambda e: (-e["deployments_at_risk"], e["id"]))
    covered.sort(key=lambda e: (-e["deployments_at_risk"], e["id"]))
    bus: list[dict[str, Any]] = []
    for person, artifacts in orphaned_by.items():
        deps = at_risk.of(artifacts)
        mine = sorted(a for a in artifacts if a in covered_of)
        bus.append({"person": person, "name": view.name(person), "orphaned": sorted(artifacts),
                    "deployments_at_risk": len(deps), "deployments": deps, "covered": mine,
                    "backups": sorted({p for a in mine for p in covered_of[a]} - {person})})
    bus.sort(key=lambda e: (-e["deployments_at_risk"], -len(e["orphaned"]), e["person"]))
    chokepoints, code_chokepoints = _chokepoints(store, at_risk)
    return {"sole_owner": sole, "covered_by_rotation": covered, "bus_factor": bus, "chokepoints": chokepoints,
            "code_chokepoints": code_chokepoints}


def _people_memo(view: OwnershipView) -> Callable[[str], tuple[list[str], list[str]]]:
    """artifact -> (active owners, active stewards), computed once per claim signature: an artifact
    with no container (nothing to inherit) has the answers of any other whose own claims name the
    same (owner, role, origin, source) in the same order -- the view ranks and picks claims by
    those alone, and pages people by owner. Members (which inherit) are asked one by one."""
    memo: dict[tuple[tuple[str, str, str, str], ...], tuple[list[str], list[str]]] = {}

    def people(artifact: str) -> tuple[list[str], list[str]]:
        if artifact in view.parent_of:
            return view.active_owners(artifact), view.active_stewards(artifact)
        sig = tuple((c.owner, c.role, c.origin, c.source) for c in view.claims_on.get(artifact, ()))
        got = memo.get(sig)
        if got is None:
            got = memo[sig] = (view.active_owners(artifact), view.active_stewards(artifact))
        return got

    return people


def _chokepoints(store: GraphStore, at_risk: AtRisk) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Data chokepoints (dominators over the data flow) and code chokepoints, each entry with the
    deployments at risk from it and those it dominates; only entries that dominate something."""
    ids = at_risk.ids
    n = len(ids)
    if n == 0:
        return [], []
    counts = np.asarray(at_risk.counts, dtype=np.int64)
    is_dep = np.zeros(n, dtype=np.bool_)
    lo, hi = at_risk.kind_range(NodeKind.DEPLOYMENT)
    is_dep[lo:hi] = counts[lo:hi] > 0  # a deployment is at risk of itself
    shared = counts - is_dep >= 2  # deployments other than itself
    if not shared.any():
        return [], []
    is_code = np.zeros(n, dtype=np.bool_)
    for kind in CODE_KINDS:
        lo, hi = at_risk.kind_range(kind)
        is_code[lo:hi] = True
    dominating = _data_dominators(at_risk, is_code)  # position -> the deployment positions it dominates
    code = _code_dominators(at_risk)
    candidates = sorted({i for i in dominating if shared[i] and not is_code[i]}
                        | {i for i in code if shared[i] and is_code[i]})
    recs = {i: (k, name) for i, k, name in store.node_summaries(ids=[ids[i] for i in candidates])}
    data_out: list[dict[str, Any]] = []
    code_out: list[dict[str, Any]] = []
    for i in candidates:
        summary = recs.get(ids[i])
        if summary is None or summary[0] not in ARTIFACT_KINDS:
            continue
        deps = [d for d in at_risk.names(at_risk.bits[i]) if d != ids[i]]
        kind, name = summary
        dominated = code.get(i, set()) if kind in CODE_KINDS else {ids[d] for d in dominating.get(i, ())} & set(deps)
        if not dominated:
            continue
        entry = {"id": ids[i], "kind": kind.value, "name": name, "deployments": deps,
                 "dominates": sorted(dominated)}
        (code_out if kind in CODE_KINDS else data_out).append(entry)
    for out in (data_out, code_out):
        out.sort(key=lambda e: (-len(e["dominates"]), -len(e["deployments"]), e["id"]))
    return data_out, code_out


def _data_dominators(at_risk: AtRisk, is_code: npt.NDArray[np.bool_]) -> dict[int, set[int]]:
    """node position -> the positions of the deployments for which every data-flow path from a source
    passes through it.

    The graph is what deployments depend on along data-flow edges (datasets, runs, model versions,
    deployments, and containers, which no data-flow edge enters); code (commits, repos) is its own
    axis. A virtual root sits above every source (a cycle nobody feeds counts as a source as a
    whole); paths are never enumerated. The dominator tree is computed over integer arrays
    (:func:`steward.analysis.dominators.dominators_of_dag`; on a graph with cycles, the iterative
    algorithm over integer lists).
    """
    g = at_risk.graph
    counts = np.asarray(at_risk.counts, dtype=np.int64)
    member = (counts > 0) & ~is_code
    members = np.flatnonzero(member)
    n = members.size
    rank = np.full(len(g.ids), -1, dtype=np.int64)
    rank[members] = np.arange(n, dtype=np.int64)
    flow = ((g.bits & np.uint32(g.mask(FLOW_EDGES))) != 0) & member[g.src] & member[g.dst] & (g.src != g.dst)
    src, dst = rank[g.src[flow]], rank[g.dst[flow]]
    # sources: nodes nothing feeds; then, among what they do not reach (whose feeders are all
    # unreached too), the strongly connected components nothing outside them feeds
    fed = np.zeros(n, dtype=np.bool_)
    fed[dst] = True
    roots = np.flatnonzero(~fed)
    root = n
    all_src = np.concatenate([src, np.full(roots.size, root, dtype=np.int64)])
    all_dst = np.concatenate([dst, roots])
    reached = np.zeros(n + 1, dtype=np.bool_)
    reached[breadth_first_order(csr_array((np.ones(all_src.size, dtype=np.int8), (all_src, all_dst)),
                                          shape=(n + 1, n + 1)), root, directed=True,
                                return_predecessors=False)] = True
    rest = np.flatnonzero(~reached[:n])
    if rest.size:
        indptr, indices = csr(n, src.tolist(), dst.tolist())
        extra = np.asarray(source_components(n, indptr, indices, rest.tolist()), dtype=np.int64)
        all_src = np.concatenate([all_src, np.full(extra.size, root, dtype=np.int64)])
        all_dst = np.concatenate([all_dst, extra])
    idom = dominators_of_dag(n + 1, all_src, all_dst, root)
    if idom is None:  # a cycle: the iterative algorithm over integer lists
        indptr, indices = csr(n + 1, all_src.tolist(), all_dst.tolist())
        idom = np.asarray(immediate_dominators(n + 1, indptr, indices, root), dtype=np.int64)
    up = idom.tolist()
    out: dict[int, set[int]] = {}
    lo, hi = at_risk.kind_range(NodeKind.DEPLOYMENT)
    for d in range(lo, hi):
        at = int(rank[d])
        if at < 0:
            continue
        cur = up[at]
        while cur not in (-1, root):
            out.setdefault(int(members[cur]), set()).add(d)
            cur = up[cur]
    return out


def _code_dominators(at_risk: AtRisk) -> dict[int, set[str]]:
    """commit or repo position -> the deployments all of whose code comes from it (the only commit
    upstream of them, or the repository every commit upstream of them belongs to)."""
    lo, hi = at_risk.kind_range(NodeKind.COMMIT)
    if lo == hi:
        return {}
    rows = at_risk.bits[lo:hi]
    flags = np.unpackbits(rows.view(np.uint8), axis=1, bitorder="little")[:, : len(at_risk.deployments)]
    repo = at_risk.container[lo:hi]
    out: dict[int, set[str]] = {}
    for j in np.flatnonzero(flags.any(axis=0)).tolist():
        commits = np.flatnonzero(flags[:, j])
        d = at_risk.deployments[j]
        if commits.size == 1:
            out.setdefault(lo + int(commits[0]), set()).add(d)
        repos = repo[commits]
        if repos.min() == repos.max() and repos[0] >= 0:
            out.setdefault(int(repos[0]), set()).add(d)
    return out
