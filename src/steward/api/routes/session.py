"""The explorer's log-in: ``POST /api/v1/session`` with a token opens a session (an HttpOnly,
SameSite=Strict cookie and a CSRF token in the body), ``GET`` says who is logged in (and gives the
CSRF token again after a reload), ``DELETE`` logs out. See :mod:`steward.api.sessions`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import BaseModel, Field

from steward.api.auth import PrincipalDep, cookie_value, public, require, same_origin
from steward.api.deps import HolderDep
from steward.api.errors import responses
from steward.api.sessions import COOKIE, Sessions
from steward.errors import ForbiddenError, UnauthorizedError
from steward.governance.principal import Principal
from steward.governance.tokens import TokenInfo, check_token

router = APIRouter(prefix="/session", tags=["session"])


class LogIn(BaseModel):
    token: str = Field(min_length=1, max_length=512, description="An API token (`steward token create`)")


class SessionInfo(BaseModel):
    actor: str = Field(description="Who the caller is (a person's node id)")
    role: str
    person: str | None = None
    token_id: str | None = Field(None, description="The public id of the token in use")
    csrf_token: str | None = Field(None, description="Send it as X-CSRF-Token with every change made with the "
                                   "session cookie (absent for bearer-token callers)")
    expires_in: int | None = Field(None, description="Seconds until the session ends")


def _info(principal: Principal, csrf: str | None = None, expires_in: int | None = None) -> SessionInfo:
    return SessionInfo(actor=principal.actor, role=principal.role, person=principal.person,
                       token_id=principal.token_id, csrf_token=csrf, expires_in=expires_in)


@router.post("", dependencies=[Depends(public)], response_model=SessionInfo, responses=responses(401, 403, 422, 503))
async def log_in(body: Annotated[LogIn, Body()], request: Request, response: Response,
                 holder: HolderDep) -> SessionInfo:
    """Log in with a token: sets the session cookie (HttpOnly, SameSite=Strict) and answers the CSRF token."""
    if not same_origin(request.headers):
        raise ForbiddenError("cross-origin log-in refused (Origin does not match this server)")
    token = body.token.strip()

    def work(store: Any) -> tuple[Principal | None, str, str | None]:
        check = check_token(store, token)
        if check.principal is None or check.principal.token_id is None:
            return None, check.reason, None
        rec = store.get_record("token", check.principal.token_id)
        return check.principal, check.reason, TokenInfo.from_doc(rec.doc).expires_at if rec else None

    principal, reason, expires_at = await holder.run(work)
    if principal is None or principal.token_id is None:
        raise UnauthorizedError(f"the token is not valid ({reason})")
    if not principal.may("viewer"):
        raise ForbiddenError(f"a {principal.role} token cannot open an explorer session (it may not read)")
    sessions: Sessions = request.app.state.sessions
    sessions.close(cookie_value(request.headers, COOKIE))
    session_id, session = sessions.open(principal.token_id, expires_at)
    left = sessions.seconds_left(session)
    response.set_cookie(COOKIE, session_id, max_age=left, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    response.headers["Cache-Control"] = "no-store"
    return _info(principal, session.csrf, left)


@router.get("", response_model=SessionInfo, responses=responses(401, 503))
async def who_am_i(request: Request, response: Response, principal: PrincipalDep) -> SessionInfo:
    """Who is calling; with the session cookie, also its CSRF token and how long it lasts."""
    sessions: Sessions = request.app.state.sessions
    session = sessions.get(cookie_value(request.headers, COOKIE)) if "authorization" not in request.headers else None
    response.headers["Cache-Control"] = "no-store"
    if session is None:
        return _info(principal)
    return _info(principal, session.csrf, sessions.seconds_left(session))


@router.delete("", status_code=204, dependencies=[Depends(require("viewer"))], responses=responses(401, 503))
async def log_out(request: Request) -> Response:
    """End the session (the cookie is cleared); with a bearer token there is no session and nothing happens."""
    sessions: Sessions = request.app.state.sessions
    out = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if "authorization" not in request.headers:
        sessions.close(cookie_value(request.headers, COOKIE))
        out.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return out
