"""History of a node, and ``?as_of=`` for the routes that answer about a past moment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from steward.api.auth import require
from steward.api.deps import HolderDep
from steward.api.errors import responses
from steward.governance.history import MAX_LIMIT, history
from steward.governance.principal import Principal
from steward.store import GraphStore

__all__ = ["AsOfQuery", "router"]

router = APIRouter(tags=["history"], responses=responses(404, 422, 429, 503))

#: ``?as_of=``: answer as the graph was at that moment.
AsOfQuery = Annotated[str | None, Query(
    min_length=1, max_length=64,
    description="Answer as the graph was at this moment: ISO 8601 (2026-11-26, 2026-11-26T14:05:00Z, "
    "2026-11-26T15:05:00+01:00; a date is its start in UTC). 422 if it is not one, or if it is before the "
    "store's history began.")]


@router.get("/nodes/{node_id:path}/history", response_model=None, responses={200: {
    "description": "Every change to the node's owners, lineage and properties, newest first",
    "content": {"application/json": {"schema": {"type": "object"}}}}})
async def get_history(
    node_id: Annotated[str, Path(min_length=1, max_length=2048)],
    holder: HolderDep,
    _: Annotated[Principal, Depends(require("viewer"))],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many changes")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Skip this many of the newest")] = 0,
) -> Response:
    """The history of a node (it need not exist any more): each change with the interval of the version
    it made, the source and ingest run behind it, or the person and reason for changes made through
    Steward. Paged with ``offset`` and ``limit``."""

    def work(store: GraphStore) -> dict[str, Any]:
        # A node whose own id ends in "/history" keeps its address (GET /nodes/{id}, as before this
        # route); its history is at .../history/history.
        rec = store.get_node(f"{node_id}/history")
        if rec is not None:
            return {**rec.to_json(), "edges": [e.to_json() for e in store.neighbours(rec.id)]}
        return history(store, node_id, limit=limit, offset=offset)

    return await holder.run_json(work)
