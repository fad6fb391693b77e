"""Read models the web explorer needs beyond the analyses: counts and source freshness, a page of a
node's lineage neighbours, and what a person or team owns. Presentation-free JSON, like the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from steward.analysis import audit
from steward.analysis.audit import load_policy
from steward.analysis.common import summary
from steward.analysis.ownership import OwnershipView
from steward.api.deps import SettingsDep, StoreDep
from steward.errors import InvalidInputError
from steward.graph import LINEAGE_EDGES, EdgeKind, NodeKind, kind_of_id
from steward.lookup import resolve_node

router = APIRouter(prefix="/explorer", tags=["explorer"])


@router.get("/overview")
def overview(store: StoreDep) -> dict[str, Any]:
    """Nodes and edges per kind, and per source the last time it said anything (its freshness)."""
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


@router.get("/neighbours/{node_id:path}")
def neighbours(
    node_id: str,
    store: StoreDep,
    direction: Annotated[Literal["down", "up"], Query(description="Downstream or upstream lineage")] = "down",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """One page of a node's direct lineage neighbours (sorted by id), each with its active owners."""
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


@router.get("/owned/{owner_id:path}")
def owned(owner_id: str, store: StoreDep) -> dict[str, Any]:
    """A person's or team's artifacts (effective roles, directly or through a team) and memberships."""
    rec = resolve_node(store, owner_id)
    if rec.kind not in (NodeKind.PERSON, NodeKind.TEAM):
        raise InvalidInputError(f"{rec.id} is a {rec.kind.value}, not a person or a team")
    view = OwnershipView.load(store)
    if rec.kind is NodeKind.PERSON:
        roles = view.owned_by(rec.id)
        teams = [summary(view.teams[t]) for t in view.teams_of.get(rec.id, []) if t in view.teams]
        members: list[dict[str, Any]] = []
        active: bool | None = view.is_active(rec.id)
    else:
        roles = {}
        for claim_edge in store.edges(kinds=[EdgeKind.OWNS], src=[rec.id]):
            roles.setdefault(claim_edge.dst, set()).add(str(claim_edge.props.get("role", "owner")))
        teams = []
        members = [{**summary(view.people[p]), "active": view.is_active(p)}
                   for p in sorted(view.members.get(rec.id, [])) if p in view.people]
        active = None
    records = store.get_nodes(sorted(roles))
    return {
        "node": {**summary(rec), "active": active},
        "owns": [{**summary(records[a]), "roles": sorted(roles[a])} for a in sorted(roles) if a in records],
        "teams": teams,
        "members": members,
    }


@router.get("/audit")
def audit_table(store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """The audit (same findings, same order as ``GET /audit``), each finding with its artifact's kind,
    effective owners and their teams so the table can filter on them, and the policy in force."""
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
        teams = sorted({o for o in owners if o.startswith("team:")}
                       | {t for o in owners for t in view.teams_of.get(o, [])})
        rows.append({**finding, "kind": kind, "owners": owners, "teams": teams})
    return {**result, "findings": rows, "policy": policy.model_dump(mode="json")}


@router.get("/owners/{node_id:path}")
def owners(node_id: str, store: StoreDep) -> dict[str, Any]:
    """Every owner and steward claim on an artifact (its own, else inherited), each with its source and
    whether it is effective, plus the active owners and stewards: the same entries the blast radius lists."""
    rec = resolve_node(store, node_id)
    view = OwnershipView.load(store, scope=[rec.id])
    return {
        "node": summary(rec),
        "owners": view.owner_entries(rec.id),
        "active_owners": view.active_owners(rec.id),
        "active_stewards": view.active_stewards(rec.id),
    }
