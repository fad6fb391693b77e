"""Liveness (no store access) and readiness (the store answers)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from steward.api.deps import StoreHolder
from steward.api.errors import error_body
from steward.errors import StewardError

router = APIRouter(tags=["health"])


@router.get("/livez")
def livez() -> dict[str, str]:
    """The process is up. Never touches the store."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(request: Request) -> dict[str, str] | JSONResponse:
    """The store answers; 503 with the reason otherwise."""
    holder: StoreHolder = request.app.state.store_holder
    try:
        store = holder.get()
        store.ping()
    except StewardError as exc:
        return JSONResponse(error_body("backend_unavailable", exc.message), status_code=503)
    return {"status": "ready", "store": store.uri}
