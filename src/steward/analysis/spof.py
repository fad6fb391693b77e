"""Single points of failure: sole owners, bus factor, structural chokepoints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from steward.analysis.bulk import without_cycle_collection
from steward.analysis.common import containers_of, deployments_at_risk
from steward.analysis.dominators import csr, immediate_dominators, source_components
from steward.analysis.ownership import OwnershipView, load_whole_view
from steward.governance.rotations import backups, rotations
from steward.graph import ARTIFACT_KINDS, FLOW_EDGES, NodeKind, kind_of_id
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
    at_risk = deployments_at_risk(store)
    declared = sorted(view.claims_on)
    nodes = {i: (k, name) for i, k, name in store.node_summaries(ids=declared + sorted(at_risk))}
    people_of = _people_memo(view)

    def risk(ids: set[str] | list[str]) -> list[str]:
        out: set[str] = set()
        for i in ids:
            out |= at_risk.get(i, set())
        return sorted(out)

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
        deps = risk([artifact])
        behind = backups(view, rots, artifact, sorted(people)) if rots and len(people) == 1 else {}
        if len(people) == 1:
            (only,) = people
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
        deps = risk(artifacts)
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


def _chokepoints(store: GraphStore, at_risk: dict[str, set[str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Data chokepoints (dominators over the data flow) and code chokepoints, each entry with the
    deployments at risk from it and those it dominates; only entries that dominate something."""
    shared = [n for n, deps in at_risk.items() if len(deps) - (n in deps) >= 2]  # deps other than itself
    if not shared:
        return [], []
    dominators = _data_dominators(store, at_risk)
    dominating: dict[str, set[str]] = {}  # node -> the deployments it dominates
    for d, chain in dominators.items():
        for n in chain:
            dominating.setdefault(n, set()).add(d)
    code = _code_dominators(store, at_risk)
    recs = {i: (k, name) for i, k, name in store.node_summaries(ids=sorted(shared))}
    data_out: list[dict[str, Any]] = []
    code_out: list[dict[str, Any]] = []
    for n in shared:
        summary = recs.get(n)
        if summary is None or summary[0] not in ARTIFACT_KINDS:
            continue
        deps = at_risk[n] - {n}
        kind, name = summary
        is_code = kind in CODE_KINDS
        dominated = code.get(n, set()) if is_code else deps & dominating.get(n, set())
        if not dominated:
            continue
        entry = {"id": n, "kind": kind.value, "name": name, "deployments": sorted(deps),
                 "dominates": sorted(dominated)}
        (code_out if is_code else data_out).append(entry)
    for out in (data_out, code_out):
        out.sort(key=lambda e: (-len(e["dominates"]), -len(e["deployments"]), e["id"]))
    return data_out, code_out


def _data_dominators(store: GraphStore, at_risk: dict[str, set[str]]) -> dict[str, set[str]]:
    """deployment -> the nodes every data-flow path from a source to it passes through.

    The graph is what deployments depend on along data-flow edges (datasets, runs, model versions,
    deployments); code (commits, repos) is its own axis. A virtual root sits above every source (a
    cycle nobody feeds counts as a source as a whole); paths are never enumerated. The dominator
    tree is computed over integer ids (:mod:`steward.analysis.dominators`); only the edges' ends
    are read.
    """
    distinct = {id(deps): deps for deps in at_risk.values()}  # the sets may be shared between nodes
    deployments = sorted(set().union(*distinct.values()))
    members = sorted(n for n in at_risk if kind_of_id(n) not in CODE_KINDS)
    rank = {n: i for i, n in enumerate(members)}
    n = len(members)
    src: list[int] = []
    dst: list[int] = []
    for a, _kind, b in store.edge_triples(kinds=sorted(FLOW_EDGES), src=members):
        j = rank.get(b)
        if j is not None and a != b:
            src.append(rank[a])
            dst.append(j)
    indptr, indices = csr(n, src, dst)
    # sources: nodes nothing feeds; then, among what they do not reach (whose feeders are all
    # unreached too), the strongly connected components nothing outside them feeds
    fed = [False] * n
    for j in dst:
        fed[j] = True
    roots = [i for i in range(n) if not fed[i]]
    reached = [False] * n
    todo = list(roots)
    for i in todo:
        reached[i] = True
    while todo:
        v = todo.pop()
        for w in indices[indptr[v]:indptr[v + 1]]:
            if not reached[w]:
                reached[w] = True
                todo.append(w)
    rest = [i for i in range(n) if not reached[i]]
    if rest:
        roots += source_components(n, indptr, indices, rest)
    root = n
    indptr2, indices2 = csr(n + 1, src + [root] * len(roots), dst + roots)
    idom = immediate_dominators(n + 1, indptr2, indices2, root)
    out: dict[str, set[str]] = {}
    for d in deployments:
        chain: set[str] = set()
        at = rank.get(d)
        cur = idom[at] if at is not None else -1
        while cur not in (-1, root):
            chain.add(members[cur])
            cur = idom[cur]
        out[d] = chain
    return out


def _code_dominators(store: GraphStore, at_risk: dict[str, set[str]]) -> dict[str, set[str]]:
    """commit or repo -> the deployments all of whose code comes from it (the only commit upstream
    of them, or the repository every commit upstream of them belongs to)."""
    commits_of: dict[str, set[str]] = {}
    for n, deps in at_risk.items():
        if kind_of_id(n) is NodeKind.COMMIT:
            for d in deps:
                commits_of.setdefault(d, set()).add(n)
    repo_of = containers_of(store, sorted({c for cs in commits_of.values() for c in cs}))
    out: dict[str, set[str]] = {}
    for d, commits in commits_of.items():
        if len(commits) == 1:
            out.setdefault(next(iter(commits)), set()).add(d)
        repos = {repo_of.get(c) for c in commits}
        if len(repos) == 1 and None not in repos:
            out.setdefault(str(next(iter(repos))), set()).add(d)
    return out
