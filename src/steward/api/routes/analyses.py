"""The analyses over HTTP; the JSON is the same contract as ``steward <command> --format json``."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from steward.analysis import audit, blast_radius, handoff, spof, upstream
from steward.analysis.audit import gate, load_policy
from steward.analysis.bulk import collector_paused
from steward.analysis.cypher import run_cypher
from steward.api.auth import PrincipalDep, require
from steward.api.deps import (
    CypherPool,
    HolderDep,
    SettingsDep,
    json_response,
    render_json,
    render_json_fast,
)
from steward.api.errors import responses
from steward.api.routes.history import AsOfQuery
from steward.errors import BackendUnavailableError, StewardError
from steward.governance.log import query_entry
from steward.lookup import resolve_node
from steward.store import GraphStore
from steward.store.asof import AsOfStore, moment_of, viewing

router = APIRouter(tags=["analyses"], responses=responses(404, 422, 429, 503))
#: Results are rendered to JSON in the store pool (never on the event loop): documented as objects.
OK: dict[int | str, dict[str, Any]] = {200: {
    "description": "The analysis, as `steward <command> --format json` prints it",
    "content": {"application/json": {"schema": {"type": "object"}}}}}

NodeId = Annotated[str, Path(min_length=1, max_length=2048, description="A node id or an unambiguous search term")]
MaxDepth = Annotated[int | None, Query(ge=1, le=10_000, description="Follow at most this many hops")]


def _as_of(payload: dict[str, Any], store: GraphStore) -> dict[str, Any]:
    """The payload, saying the moment it describes when it is not now."""
    return {**payload, "as_of": store.moment} if isinstance(store, AsOfStore) else payload


@router.get("/blast-radius/{node_id:path}", response_model=None, responses=OK)
async def get_blast_radius(
    node_id: NodeId,
    holder: HolderDep,
    max_depth: MaxDepth = None,
    edge: Annotated[list[Annotated[str, Query(max_length=64)]] | None,
                    Query(max_length=32, description="Only these lineage edge kinds")] = None,
    limit: Annotated[int, Query(ge=1, le=1_000_000, description="List at most this many impacted artifacts")] = 10_000,
    as_of: AsOfQuery = None,
) -> Response:
    """Everything downstream of a node, with owners, the paging list and the unowned."""

    def work(live: GraphStore) -> bytes:
        # made and rendered with the cyclic collector held off: tens of thousands of dicts and lists, none in a
        # cycle, freed by their counts once the bytes are made (left on, it scans them again and again on the
        # way: 10-40 ms of a 10k-node answer, measured)
        with collector_paused(), viewing(live, as_of) as store:
            return render_json_fast(_as_of(blast_radius(store, resolve_node(store, node_id).id, max_depth=max_depth,
                                                         edge_kinds=edge, limit=limit), store))

    return json_response(await holder.run(work))


@router.get("/upstream/{node_id:path}", response_model=None, responses=OK)
async def get_upstream(
    node_id: NodeId,
    holder: HolderDep,
    days: Annotated[float, Query(gt=0, le=36_500, allow_inf_nan=False,
                                 description="Window for recent changes, in days (at most 100 years)")] = 7.0,
    max_depth: MaxDepth = None,
) -> Response:
    """Everything upstream of a node, and what changed there within the window (newest first)."""
    return await holder.run_json(lambda store: upstream(
        store, resolve_node(store, node_id).id, window_days=days, max_depth=max_depth))


@router.get("/spof", response_model=None, responses=OK)
async def get_spof(holder: HolderDep) -> Response:
    """Sole owners, bus factor and structural chokepoints."""
    return await holder.run_json(spof)


@router.get("/audit", response_model=None, responses={**OK, 409: {
    "description": "The audit gate failed: the audit's own body with \"gate\": \"failed\"",
    "content": {"application/json": {"schema": {"type": "object"}}}}})
async def get_audit(
    holder: HolderDep,
    settings: SettingsDep,
    fail_on: Annotated[str | None, Query(pattern="^(error|warning)$",
                                         description="Answer 409 when a finding is at least this severe")] = None,
    as_of: AsOfQuery = None,
) -> Response:
    """Ownership gaps against the default policy (or STEWARD_AUDIT_POLICY on the server)."""
    policy = load_policy(FilePath(settings.audit_policy) if settings.audit_policy else None)

    def work(live: GraphStore) -> tuple[bytes, int]:
        with viewing(live, as_of) as store:
            result = _as_of(audit(store, policy=policy, now=moment_of(store)), store)
        if not gate(result, fail_on):
            return render_json({**result, "gate": "failed"}), 409
        return render_json(result), 200

    body, status = await holder.run(work)
    return json_response(body, status)


@router.get("/handoff/{person_id:path}", response_model=None, responses=OK)
async def get_handoff(person_id: NodeId, holder: HolderDep) -> Response:
    """What a person owns or stewards, suggested successors, and a Markdown checklist."""
    return await holder.run_json(lambda store: handoff(store, resolve_node(store, person_id).id))


class CypherRequest(BaseModel):
    query: str = Field(min_length=1, description="A read-only Cypher query (at most 64 KiB); see the security "
                       "model in the README for what the gate allows")
    params: dict[str, Any] = Field(default_factory=dict, description="Query parameters")
    max_rows: int | None = Field(None, ge=1, le=1_000_000, description="Rows at most (capped by the server's setting)")


@router.post("/cypher", response_model=None, dependencies=[Depends(require("viewer"))],
             responses={**OK, **responses(400, 403, 413, 415)})
async def post_cypher(
    body: Annotated[CypherRequest, Body()], request: Request, settings: SettingsDep, principal: PrincipalDep,
) -> Response:
    """Read-only Cypher on the Neo4j store: an allow-list over the plan, the server's timeout, row and byte
    caps; analyst queries run in a small pool of their own (429 when it is full). Every query is logged
    (who, the text, the row count, cut or refused) before its answer is given."""
    cap = settings.cypher_row_cap if body.max_rows is None else min(body.max_rows, settings.cypher_row_cap)
    pool: CypherPool = request.app.state.cypher_pool
    timeout_s = settings.cypher_timeout_s

    def work(store: GraphStore) -> bytes:
        try:
            result = run_cypher(store, body.query, params=body.params, timeout_s=timeout_s, max_rows=cap,
                                max_bytes=settings.cypher_max_bytes)
        except BackendUnavailableError:
            raise  # the store did not answer: it cannot take the entry either, and the query did not run
        except StewardError as exc:
            store.upsert(log=[query_entry(actor=principal.actor, query=body.query, params=body.params, error=exc)])
            raise
        store.upsert(log=[query_entry(actor=principal.actor, query=body.query, params=body.params, result=result)])
        return render_json(result)

    return json_response(await pool.run(work, timeout_s=timeout_s))
