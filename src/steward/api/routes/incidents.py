"""Incidents: open one on an artifact, follow its lifecycle, page, and list what is suspect.

Reads need ``viewer``, changes ``editor``; the caller is the actor the log records. Paging posts only
to the server's configured webhook (``STEWARD_PAGING_WEBHOOK``): a URL taken from a request would let
any editor make the server POST wherever they like (server-side request forgery).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from steward.api.auth import require
from steward.api.deps import HolderDep, SettingsDep, json_response, render_json
from steward.api.errors import ErrorBody, responses
from steward.governance.principal import Principal
from steward.incidents import core
from steward.incidents.paging import FORMATS, PagingNotConfiguredError, page_incident
from steward.incidents.playbooks import matching_playbooks
from steward.lookup import resolve_node
from steward.store import GraphStore

router = APIRouter(tags=["incidents"], responses=responses(404, 422, 429, 503))
OK: dict[int | str, dict[str, Any]] = {200: {"description": "The incident",
                                             "content": {"application/json": {"schema": {"type": "object"}}}}}
CREATED: dict[int | str, dict[str, Any]] = {201: {"description": "The incident, opened",
                                                  "content": {"application/json": {"schema": {"type": "object"}}}}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorBody, "description": "Not allowed in the "
                                                   "incident's current state, or paging is not configured"}}
CHANGE = {**OK, **CONFLICT}
Viewer = Annotated[Principal, Depends(require("viewer"))]
Editor = Annotated[Principal, Depends(require("editor"))]
IncidentId = Annotated[str, PathParam(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$",
                                      description="The incident id (inc-...)")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenIncident(_Body):
    artifact: str = Field(min_length=1, max_length=2048, description="A node id or an unambiguous search term")
    title: str = Field(min_length=1, max_length=core.MAX_TITLE)
    severity: Literal["sev1", "sev2", "sev3", "sev4"]
    summary: str | None = Field(None, max_length=core.MAX_TEXT)


class Reason(_Body):
    reason: str | None = Field(None, max_length=core.MAX_TEXT, description="Why; required to resolve")


class Note(_Body):
    text: str = Field(min_length=1, max_length=core.MAX_TEXT)


class Link(_Body):
    url: str = Field(min_length=1, max_length=core.MAX_URL, description="An http(s) URL")
    kind: Literal["postmortem", "ticket", "dashboard", "runbook", "chat", "other"] = "other"
    title: str | None = Field(None, max_length=core.MAX_TITLE)


class Assignees(_Body):
    people: list[str] = Field(min_length=1, max_length=50, description="People or teams: person:..., team:...")
    remove: bool = Field(False, description="Unassign them instead")


class Page(_Body):
    format: Literal["steward", "slack", "pagerduty"] | None = Field(
        None, description=f"Payload shape ({', '.join(FORMATS)}); default the server's STEWARD_PAGING_FORMAT")


@router.get("/incidents", response_model=None, responses=OK)
async def list_incidents(
    holder: HolderDep, _: Viewer,
    artifact: Annotated[str | None, Query(min_length=1, max_length=2048,
                                          description="Only incidents on this artifact or upstream of it")] = None,
    status: Annotated[Literal["open", "acknowledged", "mitigated", "resolved", "active"] | None,
                      Query(description="A status, or active (not resolved)")] = None,
) -> Response:
    """Incidents, newest first; with ``artifact``, its history and that of everything upstream of it."""

    def work(store: GraphStore) -> dict[str, Any]:
        node = resolve_node(store, artifact).id if artifact else None
        return core.list_incidents(store, artifact=node, status=status)

    return await holder.run_json(work)


@router.post("/incidents", status_code=201, response_model=None, responses=CREATED)
async def open_incident(body: OpenIncident, holder: HolderDep, principal: Editor) -> Response:
    """Open an incident: the blast radius and paging list are frozen into it, downstream is suspect."""

    def work(store: GraphStore) -> dict[str, Any]:
        node = resolve_node(store, body.artifact)
        return core.open_incident(store, node.id, title=body.title, severity=body.severity,
                                  summary_text=body.summary, actor=principal)

    return json_response(render_json(await holder.run(work)), status_code=201)


@router.get("/incidents/{incident_id}", response_model=None, responses=OK)
async def get_incident(incident_id: IncidentId, holder: HolderDep, _: Viewer) -> Response:
    return await holder.run_json(lambda store: core.get_incident(store, incident_id))


async def _move(holder: HolderDep, incident_id: str, action: str, body: Reason, principal: Principal) -> Response:
    return await holder.run_json(lambda store: core.transition(store, incident_id, action, actor=principal,
                                                               reason=body.reason))


@router.post("/incidents/{incident_id}/ack", response_model=None, responses=CHANGE)
async def ack(incident_id: IncidentId, body: Reason, holder: HolderDep, principal: Editor) -> Response:
    """open -> acknowledged."""
    return await _move(holder, incident_id, "ack", body, principal)


@router.post("/incidents/{incident_id}/mitigate", response_model=None, responses=CHANGE)
async def mitigate(incident_id: IncidentId, body: Reason, holder: HolderDep, principal: Editor) -> Response:
    """acknowledged -> mitigated."""
    return await _move(holder, incident_id, "mitigate", body, principal)


@router.post("/incidents/{incident_id}/resolve", response_model=None, responses=CHANGE)
async def resolve(incident_id: IncidentId, body: Reason, holder: HolderDep, principal: Editor) -> Response:
    """acknowledged or mitigated -> resolved; ``reason`` is required."""
    return await _move(holder, incident_id, "resolve", body, principal)


@router.post("/incidents/{incident_id}/notes", response_model=None, responses=OK)
async def add_note(incident_id: IncidentId, body: Note, holder: HolderDep, principal: Editor) -> Response:
    return await holder.run_json(lambda store: core.add_note(store, incident_id, body.text, actor=principal))


@router.post("/incidents/{incident_id}/links", response_model=None, responses=OK)
async def add_link(incident_id: IncidentId, body: Link, holder: HolderDep, principal: Editor) -> Response:
    return await holder.run_json(lambda store: core.add_link(store, incident_id, body.url, kind=body.kind,
                                                             title=body.title, actor=principal))


@router.post("/incidents/{incident_id}/assignees", response_model=None, responses=OK)
async def assignees(incident_id: IncidentId, body: Assignees, holder: HolderDep, principal: Editor) -> Response:
    return await holder.run_json(lambda store: core.assign(store, incident_id, body.people, actor=principal,
                                                           remove=body.remove))


@router.post("/incidents/{incident_id}/page", response_model=None, responses=CHANGE)
async def page(incident_id: IncidentId, body: Page, holder: HolderDep, settings: SettingsDep,
               principal: Editor) -> Response:
    """Post the frozen paging list to the server's configured webhook (``STEWARD_PAGING_WEBHOOK``); 503 when
    the webhook did not take it (the attempt is recorded either way)."""
    if settings.paging_webhook is None:
        raise PagingNotConfiguredError("no paging webhook is configured on the server (STEWARD_PAGING_WEBHOOK)")
    url = settings.paging_webhook.get_secret_value()
    key = settings.pagerduty_routing_key.get_secret_value() if settings.pagerduty_routing_key else None
    shape = body.format or settings.paging_format
    return await holder.run_json(lambda store: page_incident(store, incident_id, url=url, shape=shape,
                                                             actor=principal, routing_key=key))


@router.get("/suspects", response_model=None, responses=OK)
async def suspects(
    holder: HolderDep, _: Viewer,
    incident: Annotated[str | None, Query(min_length=1, max_length=100, description="Only this incident's")] = None,
) -> Response:
    """Artifacts suspect because an unresolved incident is on them or upstream of them."""
    return await holder.run_json(lambda store: core.suspects(store, incident=incident))


@router.get("/playbooks", response_model=None, responses=OK)
async def playbooks(
    holder: HolderDep, _: Viewer,
    artifact: Annotated[str, Query(min_length=1, max_length=2048, description="The artifact")],
) -> Response:
    """The playbooks that apply to an artifact, and why."""
    return await holder.run_json(lambda store: {"playbooks": matching_playbooks(store, resolve_node(store,
                                                                                                    artifact))})
