"""The tamper-evident log over HTTP: its checkpoint (for verifiers to keep) and its entries.

The checkpoint says only how many entries there are and their root hash: any ``viewer`` may fetch
it, so that many parties can keep copies. The entries record who changed what, every analyst's
query text and token issuance: audit data, not lineage, so they need ``admin``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response

from steward.api.auth import require
from steward.api.deps import HolderDep, SettingsDep
from steward.api.errors import responses
from steward.governance.log import export_checkpoint, load_private_key
from steward.governance.principal import Principal
from steward.store import GraphStore
from steward.store.base import LogLine

router = APIRouter(tags=["log"], responses=responses(401, 403, 404, 422, 429, 503))


@router.get("/log/checkpoint", response_class=PlainTextResponse, responses={
    200: {"description": "The checkpoint note (C2SP tlog-checkpoint, signed-note)",
          "content": {"text/plain": {"schema": {"type": "string"}}}}})
async def get_checkpoint(
    holder: HolderDep, settings: SettingsDep, _: Annotated[Principal, Depends(require("viewer"))],
) -> Response:
    """The log's current checkpoint: origin, size, root hash, time, and the signature when the server has
    a key (STEWARD_LOG_KEY). Keep it where the store's administrators cannot rewrite it."""
    key = load_private_key(settings.log_key) if settings.log_key is not None else None
    cp = await holder.run(lambda store: export_checkpoint(store, key))
    return PlainTextResponse(cp.text(), headers={"Cache-Control": "no-store",
                                                 "X-Steward-Log-Signed": "yes" if cp.signatures else "no"})


@router.get("/log", response_model=None, responses={200: {
    "description": "Log entries, oldest first", "content": {"application/json": {"schema": {"type": "object"}}}}})
async def get_log(
    holder: HolderDep,
    _: Annotated[Principal, Depends(require("admin"))],
    since: Annotated[int, Query(ge=0, le=2**62, description="From this seq on")] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000, description="At most this many entries")] = 100,
) -> Response:
    """Entries of the log as stored: each one's canonical text (RFC 8785), its fields and its leaf hash."""

    def work(store: GraphStore) -> dict[str, Any]:
        lines = store.log_lines(since, since + limit)
        return {"since": since, "limit": limit, "size": store.log_size(),
                "entries": [_entry(ln) for ln in lines]}

    return await holder.run_json(work)


def _entry(line: LogLine) -> dict[str, Any]:
    """An entry as stored: its canonical text (what the leaf hash covers) and, when it parses, its fields."""
    try:
        data: Any = line.data()
    except ValueError:
        data = None
    return {"seq": line.seq, "leaf_hash": line.leaf_hash, "text": line.entry, "entry": data}
