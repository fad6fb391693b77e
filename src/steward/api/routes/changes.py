"""Ownership changed through Steward over HTTP: set owners (200 applied, 202 a change request), change
requests (list, show, approve, reject) and a leaver's handoff applied (see :mod:`steward.governance.changes`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from steward.api.auth import require
from steward.api.deps import HolderDep, json_response, render_json
from steward.api.errors import responses
from steward.governance import changes
from steward.governance.principal import Principal
from steward.lookup import resolve_node
from steward.store import GraphStore

router = APIRouter(tags=["changes"], responses=responses(401, 403, 404, 422, 429, 503))

Editor = Annotated[Principal, Depends(require("editor"))]
Viewer = Annotated[Principal, Depends(require("viewer"))]
NodeId = Annotated[str, Path(min_length=1, max_length=2048, description="A node id or an unambiguous search term")]
ChangeId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=512)]
Reason = Annotated[str, Field(min_length=1, max_length=changes.MAX_REASON, description="Why (required; logged)")]

_OBJECT = {"application/json": {"schema": {"type": "object"}}}


class SetOwnership(BaseModel):
    owners: list[Name] | None = Field(None, max_length=changes.MAX_PEOPLE,
                                      description="People or teams (ids, aliases, e-mails, handles); [] drops the "
                                      "steward-origin owners; omitted leaves them alone")
    stewards: list[Name] | None = Field(None, max_length=changes.MAX_PEOPLE, description="Likewise, for stewards")
    reason: Reason


class Decision(BaseModel):
    reason: Reason


class HandoffApply(BaseModel):
    to: Name = Field(description="The successor (a person: id, alias, e-mail or handle)")
    only: list[Name] | None = Field(None, max_length=1000, description="Only these artifacts of the checklist")
    reason: Reason


def _outcome(out: changes.Outcome) -> tuple[bytes, int]:
    status = 200 if out.applied else 202
    return render_json({"status": out["status"], "change": out["change"], "change_id": out["change"]["id"]}), status


@router.put("/ownership/{node_id:path}", response_model=None, responses={
    200: {"description": "Applied: the change record (status `applied`)", "content": _OBJECT},
    202: {"description": "A change request was filed (status `open`); `change_id` names it", "content": _OBJECT}})
async def put_ownership(node_id: NodeId, body: Annotated[SetOwnership, Body()], holder: HolderDep,
                        principal: Editor) -> Response:
    """Set an artifact's owners and/or stewards. An admin, or an editor who owns the artifact (directly
    or through a team), changes it at once (200); any other editor files a change request (202)."""

    def work(store: GraphStore) -> tuple[bytes, int]:
        return _outcome(changes.set_ownership(store, principal, node_id, owners=body.owners,
                                              stewards=body.stewards, reason=body.reason))

    payload, status = await holder.run(work)
    return json_response(payload, status)


@router.get("/changes", response_model=None, responses={200: {"description": "Change records, newest first",
                                                               "content": _OBJECT}})
async def get_changes(
    holder: HolderDep, _: Viewer,
    status: Annotated[str | None, Query(pattern="^(open|applied|rejected)$")] = None,
    artifact: Annotated[str | None, Query(min_length=1, max_length=2048, description="Only this artifact")] = None,
) -> Response:
    """Change requests and applied changes (filter by status and artifact)."""

    def work(store: GraphStore) -> dict[str, Any]:
        target = resolve_node(store, artifact).id if artifact else None
        return {"changes": changes.list_changes(store, status=status, artifact=target)}

    return await holder.run_json(work)


@router.get("/changes/{change_id}", response_model=None, responses={200: {"description": "One change record",
                                                                          "content": _OBJECT}})
async def get_change(change_id: ChangeId, holder: HolderDep, _: Viewer) -> Response:
    return await holder.run_json(lambda store: changes.get_change(store, change_id))


@router.post("/changes/{change_id}/approve", response_model=None, responses={
    **responses(409), 200: {"description": "Approved and applied", "content": _OBJECT}})
async def post_approve(change_id: ChangeId, body: Annotated[Decision, Body()], holder: HolderDep,
                       principal: Editor) -> Response:
    """Approve an open change request and apply it (an owner of the artifact or an admin; never its requester)."""
    return await holder.run_json(lambda store: changes.approve(store, principal, change_id, reason=body.reason))


@router.post("/changes/{change_id}/reject", response_model=None, responses={
    **responses(409), 200: {"description": "Rejected", "content": _OBJECT}})
async def post_reject(change_id: ChangeId, body: Annotated[Decision, Body()], holder: HolderDep,
                      principal: Editor) -> Response:
    """Reject an open change request (an owner of the artifact or an admin; the requester may withdraw it)."""
    return await holder.run_json(lambda store: changes.reject(store, principal, change_id, reason=body.reason))


@router.post("/handoff/{person_id:path}/apply", response_model=None, status_code=202, responses={
    202: {"description": "The change requests filed (one per artifact) and what was skipped", "content": _OBJECT}})
async def post_handoff_apply(person_id: NodeId, body: Annotated[HandoffApply, Body()], holder: HolderDep,
                             principal: Editor) -> Response:
    """Turn a leaver's handoff checklist into change requests (one per artifact, the leaver replaced by the
    successor in the roles they hold directly); approving them applies the transfers."""

    def work(store: GraphStore) -> bytes:
        return render_json(changes.handoff_apply(store, principal, person_id, to=body.to, only=body.only,
                                                 reason=body.reason))

    return json_response(await holder.run(work), 202)
