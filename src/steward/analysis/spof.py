"""Single points of failure: sole owners, bus factor, structural chokepoints."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from steward.analysis.common import deployments_at_risk
from steward.analysis.ownership import OwnershipView
from steward.graph import ARTIFACT_KINDS, LINEAGE_EDGES
from steward.store.base import GraphStore

__all__ = ["spof"]

_ROOT = "\x00root"


def spof(store: GraphStore) -> dict[str, Any]:
    """Three lists, each ranked by how many deployments are at risk:

    * ``sole_owner``: declared artifacts whose active owners and stewards are exactly one person;
    * ``bus_factor``: per person, the artifacts left with no active owner if they left;
    * ``chokepoints``: artifacts two or more deployments depend on, with the deployments for which
      every lineage path from a source passes through them (dominators, virtual root above all
      sources; paths are never enumerated).
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
    orphaned_by: dict[str, list[str]] = defaultdict(list)
    for artifact in declared:
        rec = nodes.get(artifact)
        if rec is None or rec.kind not in ARTIFACT_KINDS:
            continue
        owners = view.active_owners(artifact)
        people = set(owners) | set(view.active_stewards(artifact))
        deps = risk([artifact])
        if len(people) == 1:
            (only,) = people
            sole.append({"id": rec.id, "kind": rec.kind.value, "name": rec.name, "owner": only,
                         "owner_name": view.name(only), "deployments_at_risk": len(deps), "deployments": deps})
        if len(owners) == 1:
            orphaned_by[owners[0]].append(artifact)
    sole.sort(key=lambda e: (-e["deployments_at_risk"], e["id"]))
    bus: list[dict[str, Any]] = []
    for person, artifacts in orphaned_by.items():
        deps = risk(artifacts)
        bus.append({"person": person, "name": view.name(person), "orphaned": sorted(artifacts),
                    "deployments_at_risk": len(deps), "deployments": deps})
    bus.sort(key=lambda e: (-e["deployments_at_risk"], -len(e["orphaned"]), e["person"]))
    return {"sole_owner": sole, "bus_factor": bus, "chokepoints": _chokepoints(store, at_risk)}


def _chokepoints(store: GraphStore, at_risk: dict[str, set[str]]) -> list[dict[str, Any]]:
    deployments = sorted({d for deps in at_risk.values() for d in deps})
    candidates = {n: deps - {n} for n, deps in at_risk.items() if len(deps - {n}) >= 2}
    if not candidates:
        return []
    # The subgraph that matters: everything upstream of some deployment.
    members = set(at_risk)
    g = nx.DiGraph()
    g.add_nodes_from(members)
    for e in store.edges(kinds=LINEAGE_EDGES, src=sorted(members)):
        if e.dst in members and e.src != e.dst:
            g.add_edge(e.src, e.dst)
    # Virtual root above every source; a cycle nobody feeds counts as a source as a whole.
    cond = nx.condensation(g)
    for scc in cond.nodes:
        if cond.in_degree(scc) == 0:
            for n in cond.nodes[scc]["members"]:
                g.add_edge(_ROOT, n)
    idom = nx.immediate_dominators(g, _ROOT)
    dominators: dict[str, set[str]] = {}
    for d in deployments:
        chain: set[str] = set()
        cur = idom.get(d)
        while cur is not None and cur != _ROOT:
            chain.add(cur)
            nxt = idom.get(cur)
            cur = None if nxt == cur else nxt
        dominators[d] = chain
    recs = store.get_nodes(sorted(candidates))
    out = []
    for n, deps in candidates.items():
        rec = recs.get(n)
        if rec is None or rec.kind not in ARTIFACT_KINDS:
            continue
        ordered = sorted(deps)
        out.append({"id": n, "kind": rec.kind.value, "name": rec.name, "deployments": ordered,
                    "dominates": [d for d in ordered if n in dominators[d]]})
    out.sort(key=lambda e: (-len(e["deployments"]), -len(e["dominates"]), e["id"]))
    return out
