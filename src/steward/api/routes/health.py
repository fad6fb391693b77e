"""Liveness (no store access, no dependencies, on the event loop) and readiness (the store answers)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from steward.api.deps import HolderDep
from steward.api.errors import error_response, responses
from steward.errors import StartingError, StoreUnavailableError

router = APIRouter(tags=["health"])


@router.get("/livez")
async def livez() -> dict[str, str]:
    """The process is up. Never touches the store or a thread pool, so it answers while the store hangs."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None, responses=responses(503))
async def readyz(holder: HolderDep) -> dict[str, str] | JSONResponse:
    """The store answers a liveness check within seconds and the start-up warm-up is over; 503 ``starting``
    while it reads, 503 ``store_unavailable`` with the reason when the store does not answer."""
    why = await holder.probe()
    if why is not None:
        return error_response(StoreUnavailableError(why))
    if holder.warming:  # (not a fault: not logged at every poll; the warm-up logs when it is done)
        return error_response(StartingError(
            "starting: reading the traversal index, names and every ownership claim; ready in a moment"), log=False)
    return {"status": "ready", "store": holder.store_uri}
