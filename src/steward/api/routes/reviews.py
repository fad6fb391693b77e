"""Reviews (record, list, what falls due) and who is on call, over HTTP; the JSON is the CLI's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, status
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from steward.analysis.audit import load_policy
from steward.api.auth import require
from steward.api.deps import HolderDep, SettingsDep, json_response, render_json
from steward.api.errors import responses
from steward.governance.principal import Principal
from steward.governance.reviews import list_reviews, record_review, reviews_due
from steward.governance.rotations import on_call

router = APIRouter(tags=["reviews"], responses=responses(401, 403, 404, 422, 503))
OK: dict[int | str, dict[str, Any]] = {200: {
    "description": "As `steward <command> --format json` prints it",
    "content": {"application/json": {"schema": {"type": "object"}}}}}

Reader = Annotated[Principal, Depends(require("viewer"))]
Writer = Annotated[Principal, Depends(require("editor"))]


class ReviewRequest(BaseModel):
    artifact: str = Field(min_length=1, max_length=2048, description="The artifact reviewed (id or search term)")
    type: str = Field(description="drift, bias, performance, ownership (re-attestation) or custom")
    by: str = Field(min_length=1, max_length=512, description="Who reviewed it: e-mail, person:<email> or alias")
    outcome: str = Field("pass", description="pass, fail or waived")
    notes: str | None = Field(None, max_length=10_000, description="What was checked and found")
    reviewed_at: AwareDatetime | None = Field(None, description="When it happened (default now; never the future)")


@router.post("/reviews", status_code=status.HTTP_201_CREATED, response_model=None,
             responses={201: {"description": "The review recorded",
                              "content": {"application/json": {"schema": {"type": "object"}}}}})
async def post_review(body: Annotated[ReviewRequest, Body()], holder: HolderDep, principal: Writer) -> Response:
    """Record a review of an artifact (logged as `review.record`, actor = the caller)."""
    result = await holder.run(lambda store: record_review(
        store, body.artifact, review_type=body.type, by=body.by, outcome=body.outcome, notes=body.notes,
        principal=principal, reviewed_at=body.reviewed_at))
    return json_response(render_json(result), status.HTTP_201_CREATED)


@router.get("/reviews", response_model=None, responses=OK)
async def get_reviews(
    holder: HolderDep, _: Reader,
    artifact: Annotated[str | None, Query(min_length=1, max_length=2048, description="Only this artifact's")] = None,
) -> Response:
    """Reviews recorded, newest first."""
    return await holder.run_json(lambda store: {"reviews": list_reviews(store, artifact)})


@router.get("/reviews/due", response_model=None, responses=OK)
async def get_reviews_due(
    holder: HolderDep, settings: SettingsDep, _: Reader,
    days: Annotated[float, Query(ge=0, le=36_500, allow_inf_nan=False, description="Window in days")] = 14,
) -> Response:
    """Reviews overdue, failed, never done or due within `days`, by the server's audit policy
    (STEWARD_AUDIT_POLICY) `reviews` cadences."""
    policy = load_policy(FilePath(settings.audit_policy) if settings.audit_policy else None)
    now = datetime.now(UTC)
    return await holder.run_json(lambda store: reviews_due(store, policy.reviews, now=now, days=days))


@router.get("/oncall/{team_id:path}", response_model=None, responses=OK)
async def get_oncall(
    holder: HolderDep, _: Reader,
    team_id: Annotated[str, Path(min_length=1, max_length=512, description="team:<slug> (or an alias)")],
    at: Annotated[AwareDatetime | None, Query(description="Who is on call at this moment (default now)")] = None,
) -> Response:
    """The team's rotation, who is on call now (or at `at`) and who is next."""
    when = at or datetime.now(UTC)
    return await holder.run_json(lambda store: on_call(store, team_id, when))
