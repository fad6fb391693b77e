"""Blast radius: everything downstream of a node, who owns it, and who to page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from steward.analysis.common import parse_kinds, path_to, summary
from steward.analysis.ownership import OwnershipView
from steward.errors import InvalidInputError, NotFoundError
from steward.graph import ARTIFACT_KINDS, NodeKind
from steward.store.base import GraphStore

__all__ = ["blast_radius"]

DEFAULT_LIMIT = 10_000


def blast_radius(
    store: GraphStore,
    node_id: str,
    *,
    max_depth: int | None = None,
    edge_kinds: Collection[str] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Every artifact downstream of ``node_id`` with distance, one shortest path and owners; the
    paging list (active owners and stewards ranked by impacted deployments, then artifacts); the
    impacted artifacts without an active owner. ``truncated`` says whether a depth or size cap cut it.
    """
    if max_depth is not None and max_depth < 1:
        raise InvalidInputError("max_depth must be at least 1")
    if limit < 1:
        raise InvalidInputError("limit must be at least 1")
    root = store.get_node(node_id)
    if root is None:
        raise NotFoundError(f"no node {node_id!r}")
    kinds = parse_kinds(edge_kinds)
    # One walk a step deeper than asked tells whether the depth cap cut anything off.
    probe = None if max_depth is None else max_depth + 1
    reached = store.reach([root.id], way="down", kinds=kinds, max_depth=probe)
    truncated = False
    if max_depth is not None:
        truncated = any(r.distance > max_depth for r in reached.values())
        reached = {k: r for k, r in reached.items() if r.distance <= max_depth}
    records = store.get_nodes(list(reached))
    order = sorted((r for r in records.values() if r.kind in ARTIFACT_KINDS),
                   key=lambda r: (reached[r.id].distance, r.id))
    if len(order) > limit:
        order, truncated = order[:limit], True
    view = OwnershipView.load(store, scope=[r.id for r in order])
    impacted_deployments = {r.id for r in order if r.kind is NodeKind.DEPLOYMENT}
    impacted: list[dict[str, Any]] = []
    unowned: list[str] = []
    page_artifacts: dict[str, set[str]] = defaultdict(set)
    page_roles: dict[str, set[str]] = defaultdict(set)
    for rec in order:
        impacted.append({
            **summary(rec),
            "distance": reached[rec.id].distance,
            "path": path_to(rec.id, root.id, reached),
            "owners": view.owner_entries(rec.id),
        })
        owners = view.active_owners(rec.id)
        if not owners:
            unowned.append(rec.id)
        for role, people in (("owner", owners), ("steward", view.active_stewards(rec.id))):
            for person in people:
                page_artifacts[person].add(rec.id)
                page_roles[person].add(role)
    page = [
        {"id": p, "name": view.name(p), "artifacts": sorted(arts), "deployments": sorted(arts & impacted_deployments),
         "roles": sorted(page_roles[p])}
        for p, arts in page_artifacts.items()
    ]
    page.sort(key=lambda e: (-len(e["deployments"]), -len(e["artifacts"]), e["id"]))
    return {
        "root": summary(root),
        "impacted": impacted,
        "page": page,
        "unowned": unowned,
        "truncated": truncated,
        "counts": {"impacted": len(impacted), "deployments": len(impacted_deployments), "unowned": len(unowned)},
        "edge_kinds": sorted(k.value for k in kinds),
        "max_depth": max_depth,
    }

