"""Who is calling the API: FastAPI dependencies.

SCAFFOLDING (wave 2, governance): until token authentication lands, every caller is the anonymous
admin. The token-backed implementation replaces the body of ``current_principal`` and keeps these
names and signatures, so routes can already declare what they need.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from steward.errors import ForbiddenError
from steward.governance.principal import Principal, Role

__all__ = ["PrincipalDep", "current_principal", "require"]


async def current_principal(request: Request) -> Principal:
    """The authenticated caller (placeholder: the anonymous admin)."""
    found = getattr(request.state, "principal", None)
    if isinstance(found, Principal):
        return found
    return Principal(actor="anonymous", role="admin")


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require(role: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency: the caller, who must hold ``role`` (403 otherwise)."""

    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.may(role):
            raise ForbiddenError(f"role {principal.role} may not do this (needs {role})")
        return principal

    return dependency
