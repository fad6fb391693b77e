"""Nodes and search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from steward import lookup
from steward.api.deps import HolderDep
from steward.api.errors import responses
from steward.api.routes.history import AsOfQuery
from steward.errors import InvalidInputError, NotFoundError
from steward.graph import NodeKind
from steward.store import GraphStore
from steward.store.asof import AsOfStore, viewing

router = APIRouter(tags=["nodes"], responses=responses(404, 422, 429, 503))


@router.get("/nodes/{node_id:path}", response_model=None, responses={200: {
    "description": "The node with its edges", "content": {"application/json": {"schema": {"type": "object"}}}}})
async def get_node(node_id: Annotated[str, Path(min_length=1, max_length=2048)], holder: HolderDep,
                   as_of: AsOfQuery = None) -> Response:
    """One node with its relationships. Ids contain ``/`` and ``:``; they go in the path as they are."""

    def work(live: GraphStore) -> dict[str, Any]:
        from steward.incidents.core import artifact_context  # suspect marks, incident history, playbooks

        with viewing(live, as_of) as store:
            rec = store.get_node(node_id)
            if rec is None:
                raise NotFoundError(f"no node {node_id!r}" + (f" as of {as_of}" if as_of else ""))
            if rec.kind in (NodeKind.PERSON, NodeKind.TEAM):
                rec = lookup.resolve_node(store, node_id)
            body = {**rec.to_json(), "edges": [e.to_json() for e in store.neighbours(rec.id)]}
            if isinstance(store, AsOfStore):
                return {**body, "as_of": store.moment}
        # incidents and playbooks are today's records: shown on the live view only
        return {**body, **artifact_context(live, rec)}

    return await holder.run_json(work)


@router.get("/search")
async def search(
    holder: HolderDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="Text in a node's id or name")],
    kind: Annotated[list[str] | None, Query(max_length=32, description="Only these node kinds")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> dict[str, Any]:
    kinds = None
    if kind:
        valid = {k.value.lower(): k for k in NodeKind} | {k.prefix: k for k in NodeKind}
        bad = [k for k in kind if k.lower() not in valid]
        if bad:
            raise InvalidInputError(f"unknown kind {bad[0][:100]!r}; one of {', '.join(k.value for k in NodeKind)}")
        kinds = [valid[k.lower()] for k in kind]
    hits = await holder.run(lambda store: lookup.search(store, q, kinds=kinds, limit=limit))
    return {"query": q, "results": [{"id": h.id, "kind": h.kind.value, "name": h.name} for h in hits]}
