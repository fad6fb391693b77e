"""Tokens for API tests, minted through the real code path (:func:`steward.governance.tokens.create_token`,
as ``steward token create`` does: a record of kind ``token`` with the hash, and a ``token.create`` log entry).

    from tests.auth_helpers import bearer, mint, mint_at

    token = mint(store, "editor", person="person:ann")          # an open store
    token = mint_at(db_uri, "viewer")                            # a store URI (opened and closed)
    httpx.get(url, headers=bearer(token))

The person need not exist in the graph (the CLI resolves one that does; these helpers take an id).
For Neo4j URIs pass ``settings=`` (the test's ``neo4j_settings``) to :func:`mint_at`.
"""

from __future__ import annotations

from steward.governance.principal import Principal, Role
from steward.governance.tokens import create_token, revoke_token
from steward.settings import Settings
from steward.store import GraphStore, open_store

__all__ = ["ADMIN", "bearer", "mint", "mint_at", "revoke"]

#: Who issues test tokens (what the log records as the actor).
ADMIN = Principal(actor="local:tests", role="admin")


def mint(store: GraphStore, role: Role, *, person: str | None = None, expires_days: float | None = None,
         name: str | None = None) -> str:
    """A new token (its plaintext) for ``person`` (default ``person:test-<role>``) with ``role``."""
    return create_token(store, person=person or f"person:test-{role}", role=role, actor=ADMIN,
                        expires_days=expires_days, name=name or f"test {role}").plaintext


def mint_at(uri: str, role: Role, *, person: str | None = None, settings: Settings | None = None,
            expires_days: float | None = None, create: bool = True) -> str:
    """:func:`mint` on the store at ``uri`` (created if needed)."""
    store = open_store(uri, settings=settings, create=create)
    try:
        return mint(store, role, person=person, expires_days=expires_days)
    finally:
        store.close()


def revoke(store: GraphStore, token: str) -> None:
    revoke_token(store, token, actor=ADMIN)


def bearer(token: str) -> dict[str, str]:
    """The request header a token goes in."""
    return {"Authorization": f"Bearer {token}"}
