"""The analyses over HTTP; the JSON is the same contract as ``steward <command> --format json``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from steward.analysis import audit, blast_radius, handoff, spof, upstream
from steward.analysis.audit import gate, load_policy
from steward.analysis.cypher import run_cypher
from steward.api.deps import SettingsDep, StoreDep
from steward.lookup import resolve_node

router = APIRouter(tags=["analyses"])


@router.get("/blast-radius/{node_id:path}")
def get_blast_radius(
    node_id: str,
    store: StoreDep,
    max_depth: Annotated[int | None, Query(ge=1, description="Follow at most this many hops")] = None,
    edge: Annotated[list[str] | None, Query(description="Only these lineage edge kinds")] = None,
    limit: Annotated[int, Query(ge=1, le=1_000_000, description="List at most this many impacted artifacts")] = 10_000,
) -> dict[str, Any]:
    """Everything downstream of a node, with owners, the paging list and the unowned."""
    return blast_radius(store, resolve_node(store, node_id).id, max_depth=max_depth, edge_kinds=edge, limit=limit)


@router.get("/upstream/{node_id:path}")
def get_upstream(
    node_id: str,
    store: StoreDep,
    days: Annotated[float, Query(gt=0, description="Window for recent changes, in days")] = 7.0,
    max_depth: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """Everything upstream of a node, and what changed there within the window (newest first)."""
    return upstream(store, resolve_node(store, node_id).id, window_days=days, max_depth=max_depth)


@router.get("/spof")
def get_spof(store: StoreDep) -> dict[str, Any]:
    """Sole owners, bus factor and structural chokepoints."""
    return spof(store)


@router.get("/audit", response_model=None)
def get_audit(
    store: StoreDep,
    settings: SettingsDep,
    fail_on: Annotated[str | None, Query(pattern="^(error|warning)$",
                                         description="Answer 409 when a finding is at least this severe")] = None,
) -> dict[str, Any] | JSONResponse:
    """Ownership gaps against the default policy (or STEWARD_AUDIT_POLICY on the server)."""
    policy = load_policy(Path(settings.audit_policy) if settings.audit_policy else None)
    result = audit(store, policy=policy)
    if not gate(result, fail_on):
        return JSONResponse({**result, "gate": "failed"}, status_code=409)
    return result


@router.get("/handoff/{person_id:path}")
def get_handoff(person_id: str, store: StoreDep) -> dict[str, Any]:
    """What a person owns or stewards, suggested successors, and a Markdown checklist."""
    return handoff(store, resolve_node(store, person_id).id)


class CypherRequest(BaseModel):
    query: str = Field(min_length=1, description="A read-only Cypher query")
    params: dict[str, Any] = Field(default_factory=dict, description="Query parameters")
    max_rows: int | None = Field(None, ge=1, description="Rows at most (capped by the server's setting)")


@router.post("/cypher")
def post_cypher(request: Annotated[CypherRequest, Body()], store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Read-only Cypher on the Neo4j store, with the server's timeout and row cap."""
    cap = settings.cypher_row_cap if request.max_rows is None else min(request.max_rows, settings.cypher_row_cap)
    return run_cypher(store, request.query, params=request.params, timeout_s=settings.cypher_timeout_s, max_rows=cap)
