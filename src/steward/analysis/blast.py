"""Blast radius: the broken thing and everything downstream of it, who owns it, and who to page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from steward.analysis.common import parse_kinds, path_to, summary, walk_down
from steward.analysis.ownership import ROLES, OwnershipView
from steward.errors import InvalidInputError, NotFoundError
from steward.governance.rotations import rotations, team_shifts
from steward.graph import ARTIFACT_KINDS, CONTAINERS, NodeKind, NodeRecord
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
    now: datetime | None = None,
) -> dict[str, Any]:
    """The root (distance 0) and every artifact downstream of it, each with distance, one shortest
    path and owners; the paging list (the root's active owners and stewards first, then everyone
    else's, ranked by impacted deployments, then artifacts); the artifacts without an active owner;
    the claims naming nobody known. ``truncated`` says whether a depth or size cap cut it.

    Downstream of a container (job, model, repo) is the union over its members (runs, versions,
    commits), which are listed at distance 1.

    A team with an on-call rotation that owns or stewards something listed is paged through the
    person on call at ``now`` (default: the current time): they are in the paging list (``on_call``
    names the teams) right after the root's own owners, and ``on_call`` lists each such shift.
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
    reached = walk_down(store, root, kinds=kinds, max_depth=probe)
    truncated = False
    if max_depth is not None:
        truncated = any(r.distance > max_depth for r in reached.values())
        reached = {k: r for k, r in reached.items() if r.distance <= max_depth}
    records = store.get_nodes(list(reached))
    order = sorted((r for r in records.values() if r.kind in ARTIFACT_KINDS),
                   key=lambda r: (reached[r.id].distance, r.id))
    if len(order) > limit:
        order, truncated = order[:limit], True
    listed: list[NodeRecord] = [root, *order] if root.kind in ARTIFACT_KINDS else order
    view = OwnershipView.load(store, scope=[r.id for r in listed])
    deployments = {r.id for r in listed if r.kind is NodeKind.DEPLOYMENT}
    impacted: list[dict[str, Any]] = []
    unowned: list[str] = []
    unresolved: list[dict[str, str]] = []
    page_artifacts: dict[str, set[str]] = defaultdict(set)
    page_roles: dict[str, set[str]] = defaultdict(set)
    page_teams: dict[str, set[str]] = defaultdict(set)
    page_through: dict[str, set[str]] = defaultdict(set)
    for rec in listed:
        is_root = rec.id == root.id
        impacted.append({
            **summary(rec),
            "distance": 0 if is_root else reached[rec.id].distance,
            "path": [root.id] if is_root else path_to(rec.id, root.id, reached),
            "owners": view.owner_entries(rec.id),
        })
        if not view.active_owners(rec.id):
            unowned.append(rec.id)
        for c in view.unresolved(rec.id):
            unresolved.append({"artifact": rec.id, "owner": c.named_as, "role": c.role, "source": c.source})
        for role in ROLES:
            for reach in view.active_reach(rec.id, role):
                page_artifacts[reach.person].add(rec.id)
                page_roles[reach.person].add(role)
                if reach.via:
                    page_teams[reach.person].add(reach.via[0])
                    page_through[reach.person].update(reach.via[1:])
    shifts = team_shifts(view, rotations(store, view.ids), [r.id for r in listed], now or datetime.now(UTC))
    page_on_call: dict[str, set[str]] = defaultdict(set)
    for team, (shift, held) in shifts.items():
        for artifact, roles in held.items():
            page_artifacts[shift.person].add(artifact)
            page_roles[shift.person].update(roles)
        page_teams[shift.person].add(team)
        page_on_call[shift.person].add(team)
    runbooks = {r.id: str(r.props["runbook"]) for r in listed
                if r.kind is NodeKind.DEPLOYMENT and isinstance(r.props.get("runbook"), str)}
    page: list[dict[str, Any]] = []
    for person, arts in page_artifacts.items():
        deps = sorted(arts & deployments)
        page.append({
            "id": person, "name": view.name(person), "contact": view.ids.contact(person),
            "artifacts": sorted(arts), "deployments": deps, "roles": sorted(page_roles[person]),
            "root": root.id in arts, "teams": sorted(page_teams[person]), "through": sorted(page_through[person]),
            "runbooks": sorted({runbooks[d] for d in deps if d in runbooks}),
            "on_call": sorted(page_on_call[person]),
        })
    page.sort(key=lambda e: (not e["root"], not e["on_call"], -len(e["deployments"]), -len(e["artifacts"]), e["id"]))
    result: dict[str, Any] = {
        "root": summary(root),
        "impacted": impacted,
        "page": page,
        "unowned": unowned,
        "unresolved": unresolved,
        "on_call": [{**shift.to_json(view.ids), "artifacts": sorted(held)} for shift, held in shifts.values()],
        "truncated": truncated,
        "counts": {"impacted": len(order), "deployments": len(deployments), "unowned": len(unowned)},
        "edge_kinds": sorted(k.value for k in kinds),
        "max_depth": max_depth,
    }
    _mark_suspects(store, result)
    if root.kind in CONTAINERS:
        result["members"] = sorted(n for n, r in reached.items() if r.distance == 1 and r.parent == root.id
                                   and n in records and records[n].kind is CONTAINERS[root.kind][0])
    return result


def _mark_suspects(store: GraphStore, result: dict[str, Any]) -> None:
    """Artifacts under an unresolved incident get ``suspect`` (the incidents), and the answer a count."""
    from steward.incidents.core import suspect_index  # incidents build on the blast radius

    marks = suspect_index(store, only=[i["id"] for i in result["impacted"]])
    hit = [i for i in result["impacted"] if i["id"] in marks]
    for item in hit:
        item["suspect"] = marks[item["id"]]
    if hit:
        result["counts"]["suspect"] = len(hit)
