"""Single points of failure: sole owners, bus factor, structural chokepoints."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from steward.analysis.common import containers_of, deployments_at_risk
from steward.analysis.ownership import OwnershipView
from steward.governance.rotations import backups, rotations
from steward.graph import ARTIFACT_KINDS, FLOW_EDGES, NodeKind, kind_of_id
from steward.store.base import GraphStore

__all__ = ["spof"]

_ROOT = "\x00root"
#: Code is its own axis of dependence, apart from the data flow.
CODE_KINDS = frozenset({NodeKind.COMMIT, NodeKind.REPO})


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
    view = OwnershipView.load(store)
    at_risk = deployments_at_risk(store)
    declared = sorted(view.claims_on)
    nodes = store.get_nodes(declared + sorted(at_risk))

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
        rec = nodes.get(artifact)
        if rec is None or rec.kind not in ARTIFACT_KINDS:
            continue
        owners = view.active_owners(artifact)
        people = set(owners) | set(view.active_stewards(artifact))
        deps = risk([artifact])
        behind = backups(view, rots, artifact, sorted(people)) if rots and len(people) == 1 else {}
        if len(people) == 1:
            (only,) = people
            entry = {"id": rec.id, "kind": rec.kind.value, "name": rec.name, "owner": only,
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


def _chokepoints(store: GraphStore, at_risk: dict[str, set[str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Data chokepoints (dominators over the data flow) and code chokepoints, each entry with the
    deployments at risk from it and those it dominates; only entries that dominate something."""
    shared = {n: deps - {n} for n, deps in at_risk.items() if len(deps - {n}) >= 2}
    if not shared:
        return [], []
    dominators = _data_dominators(store, at_risk)
    code = _code_dominators(store, at_risk)
    recs = store.get_nodes(sorted(shared))
    data_out: list[dict[str, Any]] = []
    code_out: list[dict[str, Any]] = []
    for n, deps in shared.items():
        rec = recs.get(n)
        if rec is None or rec.kind not in ARTIFACT_KINDS:
            continue
        is_code = rec.kind in CODE_KINDS
        dominated = code.get(n, set()) if is_code else {d for d in deps if n in dominators.get(d, set())}
        if not dominated:
            continue
        entry = {"id": n, "kind": rec.kind.value, "name": rec.name, "deployments": sorted(deps),
                 "dominates": sorted(dominated)}
        (code_out if is_code else data_out).append(entry)
    for out in (data_out, code_out):
        out.sort(key=lambda e: (-len(e["dominates"]), -len(e["deployments"]), e["id"]))
    return data_out, code_out


def _data_dominators(store: GraphStore, at_risk: dict[str, set[str]]) -> dict[str, set[str]]:
    """deployment -> the nodes every data-flow path from a source to it passes through.

    The graph is what deployments depend on along data-flow edges (datasets, runs, model versions,
    deployments); code (commits, repos) is its own axis. A virtual root sits above every source (a
    cycle nobody feeds counts as a source as a whole); paths are never enumerated.
    """
    deployments = sorted({d for deps in at_risk.values() for d in deps})
    members = {n for n in at_risk if kind_of_id(n) not in CODE_KINDS}
    g = nx.DiGraph()
    g.add_nodes_from(members)
    for e in store.edges(kinds=sorted(FLOW_EDGES), src=sorted(members)):
        if e.dst in members and e.src != e.dst:
            g.add_edge(e.src, e.dst)
    cond = nx.condensation(g)
    for scc in cond.nodes:
        if cond.in_degree(scc) == 0:
            for n in cond.nodes[scc]["members"]:
                g.add_edge(_ROOT, n)
    idom = nx.immediate_dominators(g, _ROOT)
    out: dict[str, set[str]] = {}
    for d in deployments:
        chain: set[str] = set()
        cur = idom.get(d)
        while cur is not None and cur != _ROOT:
            chain.add(cur)
            nxt = idom.get(cur)
            cur = None if nxt == cur else nxt
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
