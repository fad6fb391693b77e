"""The OpenLineage receiver: ``POST /api/v1/lineage``, as the official clients' HTTP transport sends it.

JSON only (``Content-Type: application/json``, else 415: no cross-site form posts), optionally
``Content-Encoding: gzip``, one event or a list of events, ``Authorization: Bearer <token>`` with a
``producer`` (or ``admin``) token, or ``STEWARD_API_TOKEN`` (checked by :mod:`steward.api.auth`
before the request reaches this route). Answers 201. A malformed event is refused with 422
naming the problem (bad JSON, a missing or mistyped field), or 413 when too large or too deeply
nested, and nothing of the request is written. Clients retry, so a replayed event changes nothing
(records are MERGEd by id).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request, status

from steward.api.auth import require
from steward.api.deps import HolderDep
from steward.api.errors import responses
from steward.api.limits import check_json_depth
from steward.errors import InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError
from steward.graph import now_iso
from steward.recipe import ingest_records
from steward.sources.base import Record
from steward.sources.openlineage import (
    MAX_EVENT_BYTES,
    check_event_size,
    gunzip_limited,
    loads_event,
    parse_event,
)

router = APIRouter(tags=["openlineage"])

#: Records posted here are stamped with this source name.
RECEIVER_SOURCE = "openlineage-http"
MAX_BATCH_BYTES = 8 * MAX_EVENT_BYTES


@router.post("/lineage", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require("producer"))],
             responses=responses(401, 403, 413, 415, 422, 429, 503),
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                 "description": "One OpenLineage event (RunEvent, DatasetEvent, JobEvent) or a list of them",
                 "oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}}}}})
async def receive(request: Request, holder: HolderDep) -> dict[str, Any]:
    """Accept OpenLineage RunEvents, DatasetEvents and JobEvents (a producer or admin token)."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BATCH_BYTES:
            raise PayloadTooLargeError(f"body over {MAX_BATCH_BYTES} bytes")
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        raw = gunzip_limited(raw, where="request body", limit=MAX_BATCH_BYTES)
    elif encoding not in ("", "identity"):
        raise UnsupportedMediaTypeError(f"unsupported Content-Encoding {encoding!r}")
    check_json_depth(raw)
    payload = loads_event(raw, where="request body", limit=MAX_BATCH_BYTES)
    events = payload if isinstance(payload, list) else [payload]
    if not events:
        raise InvalidInputError("no events in the body")
    seen_at = now_iso()
    records: list[Record] = []
    for i, event in enumerate(events):
        where = f"events[{i}]" if isinstance(payload, list) else "event"
        check_event_size(len(json.dumps(event)), where=where)
        records.extend(parse_event(event, source=RECEIVER_SOURCE, seen_at=seen_at, where=where))
    nodes, edges = await holder.run(lambda store: ingest_records(store, records))
    return {"status": "accepted", "events": len(events), "nodes": nodes, "edges": edges}
