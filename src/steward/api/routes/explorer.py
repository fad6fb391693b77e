"""Read models the web explorer needs beyond the analyses: counts and source freshness, a page of a
node's lineage neighbours, and what a person or team owns. Presentation-free JSON, like the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from steward.analysis import audit
from steward.analysis.audit import load_policy
from steward.analysis.common import summary
from steward.analysis.ownership import OwnershipView
from steward.api.deps import HolderDep, SettingsDep
from steward.api.errors import responses
from steward.errors import InvalidInputError
from steward.graph import LINEAGE_EDGES, NodeKind, is_kind, kind_of_id
from steward.lookup import resolve_node
from steward.settings import Settings
from steward.store import GraphStore

router = APIRouter(prefix="/explorer", tags=["explorer"], responses=responses(404, 422, 429, 503))
#: Rendered to JSON in the store pool, like the analyses.
OK: dict[int | str, dict[str, Any]] = {200: {"description": "The explorer's read model",
                                             "content": {"application/json": {"schema": {"type": "object"}}}}}
NodeId = Annotated[str, PathParam(min_length=1, max_length=2048, description="A node id or an unambiguous search term")]


@router.get("/overview", response_model=None, responses=OK)
async def overview(holder: HolderDep) -> Response:
    """Nodes and edges per kind, and per source the last time it said anything (its freshness)."""
    return await holder.run_json(_overview)


@router.get("/neighbours/{node_id:path}", response_model=None, responses=OK)
async def neighbours(
    node_id: NodeId,
    holder: HolderDep,
    direction: Annotated[Literal["down", "up"], Query(description="Downstream or upstream lineage")] = "down",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """One page of a node's direct lineage neighbours (sorted by id), each with its active owners."""
    return await holder.run_json(lambda store: _neighbours(store, node_id, direction, offset, limit))


@router.get("/owned/{owner_id:path}", response_model=None, responses=OK)
async def owned(owner_id: NodeId, holder: HolderDep) -> Response:
    """A person's or team's artifacts (effective roles, directly or through a team) and memberships."""
    return await holder.run_json(lambda store: _owned(store, owner_id))


@router.get("/audit", response_model=None, responses=OK)
async def audit_table(holder: HolderDep, settings: SettingsDep) -> Response:
    """The audit (same findings, same order as ``GET /audit``), each finding with its artifact's kind,
    effective owners and their teams so the table can filter on them, and the policy in force."""
    return await holder.run_json(lambda store: _audit_table(store, settings))


@router.get("/owners/{node_id:path}", response_model=None, responses=OK)
async def owners(node_id: NodeId, holder: HolderDep) -> Response:
    """Every owner and steward claim on an artifact (its own, and inherited), each with its source and
    whether it is effective, plus the active owners and stewards: the same entries the blast radius lists."""
    return await holder.run_json(lambda store: _owners(store, node_id))


def _overview(store: GraphStore) -> dict[str, Any]:
    sources: dict[str, dict[str, Any]] = {}

    def seen(source: str, at: str, what: str) -> None:
        entry = sources.setdefault(source, {"source": source, "last_seen": at, "nodes": 0, "edges": 0})
        entry["last_seen"] = max(entry["last_seen"], at)
        entry[what] += 1

    for rec in store.find_nodes():
        for source in rec.sources:
            seen(source, rec.seen_at, "nodes")
    for edge in store.edges():
        seen(edge.source, edge.seen_at, "edges")
    return {
        "counts": store.counts().to_json(),
        "sources": sorted(sources.values(), key=lambda s: (s["last_seen"], s["source"]), reverse=True),
    }


def _neighbours(store: GraphStore, node_id: str, direction: str, offset: int, limit: int) -> dict[str, Any]:
    rec = resolve_node(store, node_id)
    edges = store.neighbours(rec.id, direction="out" if direction == "down" else "in", kinds=LINEAGE_EDGES)
    by_id: dict[str, str] = {}
    for e in edges:
        other = e.dst if direction == "down" else e.src
        by_id.setdefault(other, e.kind.value)
    ids = sorted(by_id)
    page = ids[offset:offset + limit]
    records = store.get_nodes(page)
    view = OwnershipView.load(store, scope=page)
    items = [
        {**summary(records[i]), "edge": by_id[i], "active_owners": view.active_owners(i)}
        for i in page if i in records
    ]
    return {"node": summary(rec), "direction": direction, "total": len(ids), "offset": offset, "items": items}


def _owned(store: GraphStore, owner_id: str) -> dict[str, Any]:
    rec = resolve_node(store, owner_id)
    if rec.kind not in (NodeKind.PERSON, NodeKind.TEAM):
        raise InvalidInputError(f"{rec.id} is a {rec.kind.value}, not a person or a team")
    view = OwnershipView.load(store)
    if rec.kind is NodeKind.PERSON:
        roles = view.owned_by(rec.id)
        teams = [summary(view.ids.teams[t]) for t in view.teams_of.get(rec.id, []) if t in view.ids.teams]
        members: list[dict[str, Any]] = []
        active: bool | None = view.is_active(rec.id)
    else:
        roles = {}
        for artifact, claims in view.claims_on.items():  # claims name teams by id, handle or alias
            for c in claims:
                if c.owner == rec.id:
                    roles.setdefault(artifact, set()).add(c.role)
        teams = []
        members = [{**summary(view.ids.people[p]), "active": view.is_active(p)}
                   for p in sorted(view.members.get(rec.id, [])) if p in view.ids.people]
        active = None
    records = store.get_nodes(sorted(roles))
    return {
        "node": {**summary(rec), "active": active},
        "owns": [{**summary(records[a]), "roles": sorted(roles[a])} for a in sorted(roles) if a in records],
        "teams": teams,
        "members": members,
    }


def _audit_table(store: GraphStore, settings: Settings) -> dict[str, Any]:
    policy = load_policy(Path(settings.audit_policy) if settings.audit_policy else None)
    result = audit(store, policy=policy)
    view = OwnershipView.load(store)
    rows = []
    for finding in result["findings"]:
        artifact = str(finding["artifact"])
        try:
            kind = kind_of_id(artifact).value
        except InvalidInputError:
            kind = ""
        owners = sorted({c.owner for c in view.effective(artifact, "owner")}) if kind else []
        teams = sorted({o for o in owners if is_kind(o, NodeKind.TEAM)}
                       | {t for o in owners for t in view.teams_of.get(o, [])})
        rows.append({**finding, "kind": kind, "owners": owners, "teams": teams})
    return {**result, "findings": rows, "policy": policy.model_dump(mode="json")}


def _owners(store: GraphStore, node_id: str) -> dict[str, Any]:
    rec = resolve_node(store, node_id)
    view = OwnershipView.load(store, scope=[rec.id])
    return {
        "node": summary(rec),
        "owners": view.owner_entries(rec.id),
        "active_owners": view.active_owners(rec.id),
        "active_stewards": view.active_stewards(rec.id),
    }
