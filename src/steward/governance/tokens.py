"""API tokens: a person and a role behind a random secret, kept in the store only as a hash.

A token reads ``stw_<id>_<secret>``: ``stw_`` says what it is (secret scanners and people can spot
one), ``<id>`` is the public token id (12 hex digits; ``steward token list`` and the log name it),
``<secret>`` is 256 bits from :mod:`secrets`. The store keeps a record of kind ``token`` per id
with the SHA-256 of the whole token (the secret is random, so a fast hash is enough: there is
nothing to guess), the person, the role, when it expires and whether it was revoked. Checking a
token reads that record every time (no cache), compares hashes with :func:`hmac.compare_digest`,
and refuses it at once when it has expired or been revoked.

Issuing and revoking a token are written to the governance log (``token.create``,
``token.revoke``) in the same ``upsert`` as the record.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from steward.errors import ForbiddenError, InvalidInputError, NotFoundError, UnauthorizedError
from steward.governance.principal import ROLES, Principal, Role, local_operator
from steward.store.base import GraphStore, Record, utc_now

__all__ = [
    "KIND",
    "PREFIX",
    "Check",
    "IssuedToken",
    "TokenInfo",
    "authenticate",
    "check_token",
    "cli_principal",
    "create_token",
    "hash_token",
    "list_tokens",
    "parse_token",
    "principal_for_id",
    "revoke_token",
]

#: The record kind tokens are kept under.
KIND = "token"
PREFIX = "stw_"
_ID_HEX = 12
_SHAPE = re.compile(r"^stw_([0-9a-f]{12})_([A-Za-z0-9_-]{32,128})$")
#: Longest token text looked at (anything longer is refused before hashing).
MAX_TOKEN_CHARS = 256


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What is known about a token, never its secret or hash."""

    id: str
    person: str
    role: Role
    name: str | None
    created_at: str
    created_by: str
    expires_at: str | None
    revoked_at: str | None
    revoked_by: str | None

    def status(self, now: str | None = None) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or utc_now()):
            return "expired"
        return "active"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "person": self.person, "role": self.role, "name": self.name,
                "created_at": self.created_at, "created_by": self.created_by, "expires_at": self.expires_at,
                "revoked_at": self.revoked_at, "revoked_by": self.revoked_by, "status": self.status()}

    @staticmethod
    def from_doc(doc: dict[str, Any]) -> TokenInfo:
        return TokenInfo(
            id=str(doc["id"]), person=str(doc["person"]), role=cast(Role, doc["role"]), name=doc.get("name"),
            created_at=str(doc["created_at"]), created_by=str(doc.get("created_by", "")),
            expires_at=doc.get("expires_at"), revoked_at=doc.get("revoked_at"), revoked_by=doc.get("revoked_by"))


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just made: ``plaintext`` is shown once and never stored."""

    plaintext: str
    info: TokenInfo


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of checking a token: a principal, or why not (for the message and the tests)."""

    principal: Principal | None
    reason: str


def hash_token(plaintext: str) -> str:
    """What the store keeps: ``sha256:`` and the hex digest of the whole token."""
    return "sha256:" + hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def parse_token(text: str) -> tuple[str, str] | None:
    """``(id, secret)`` of a well-formed token, else None."""
    if len(text) > MAX_TOKEN_CHARS:
        return None
    m = _SHAPE.match(text.strip())
    return (m.group(1), m.group(2)) if m else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def create_token(
    store: GraphStore, *, person: str, role: Role, actor: Principal, expires_days: float | None = None,
    name: str | None = None,
) -> IssuedToken:
    """Issue a token for ``person`` (a person node id) with ``role``; ``actor`` must be an admin.

    The record and the ``token.create`` log entry are written in one ``upsert``.
    """
    if not actor.may("admin"):
        raise ForbiddenError(f"only an admin may issue tokens (you are {actor.role})")
    if role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if not person.startswith("person:"):
        raise InvalidInputError(f"a token is issued to a person (person:...), not {person!r}")
    if expires_days is not None and not (0 < expires_days <= 3660):
        raise InvalidInputError("--expires is a number of days between 0 and 3660")
    if name is not None and len(name) > 200:
        raise InvalidInputError("a token name is at most 200 characters")
    token_id = secrets.token_hex(_ID_HEX // 2)
    while store.get_record(KIND, token_id) is not None:  # 48 bits: a clash is unlikely, never silent
        token_id = secrets.token_hex(_ID_HEX // 2)
    plaintext = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    now = datetime.now(UTC)
    info = TokenInfo(
        id=token_id, person=person, role=role, name=name, created_at=_iso(now), created_by=actor.actor,
        expires_at=_iso(now + timedelta(days=expires_days)) if expires_days is not None else None,
        revoked_at=None, revoked_by=None)
    doc = {**{k: v for k, v in info.to_json().items() if k != "status"}, "hash": hash_token(plaintext)}
    store.upsert(records=[Record(KIND, token_id, doc)], log=[{
        "type": "token.create", "actor": actor.actor, "subject": person, "token": token_id, "role": role,
        "name": name, "expires_at": info.expires_at, "at": info.created_at}])
    return IssuedToken(plaintext, info)


def list_tokens(store: GraphStore) -> list[TokenInfo]:
    """Every token (active, expired, revoked), oldest first; never a secret or a hash."""
    infos = [TokenInfo.from_doc(r.doc) for r in store.get_records(KIND)]
    return sorted(infos, key=lambda t: (t.created_at, t.id))


def revoke_token(store: GraphStore, token: str, *, actor: Principal, reason: str | None = None) -> TokenInfo:
    """Revoke a token by its id (or by the token itself); at once: the next request with it is refused.

    Only an admin may revoke someone else's token; anyone may revoke their own. Revoking a revoked
    token changes nothing (and logs nothing).
    """
    parsed = parse_token(token)
    token_id = parsed[0] if parsed else token.strip()
    rec = store.get_record(KIND, token_id)
    if rec is None:
        raise NotFoundError(f"no token {token_id!r} (see `steward token list`)")
    info = TokenInfo.from_doc(rec.doc)
    if not actor.may("admin") and actor.person != info.person:
        raise ForbiddenError(f"only an admin may revoke another person's token (you are {actor.role})")
    if info.revoked_at is not None:
        return info
    at = utc_now()
    doc = {**rec.doc, "revoked_at": at, "revoked_by": actor.actor}
    entry: dict[str, Any] = {"type": "token.revoke", "actor": actor.actor, "subject": info.person, "token": token_id,
                             "at": at}
    if reason:
        entry["reason"] = reason
    store.upsert(records=[Record(KIND, token_id, doc)], log=[entry])
    return TokenInfo.from_doc(doc)


def _principal(info: TokenInfo) -> Principal:
    return Principal(actor=info.person, role=info.role, person=info.person, token_id=info.id)


def check_token(store: GraphStore, plaintext: str) -> Check:
    """Check a presented token against the store (read every time: a revocation counts at once)."""
    parsed = parse_token(plaintext)
    if parsed is None:
        return Check(None, "not a Steward token")
    rec = store.get_record(KIND, parsed[0])
    # Compare even when there is no record, so timing does not tell which ids exist.
    stored = str(rec.doc.get("hash", "")) if rec is not None else "sha256:" + "0" * 64
    if not hmac.compare_digest(stored.encode(), hash_token(plaintext.strip()).encode()) or rec is None:
        return Check(None, "unknown token")
    info = TokenInfo.from_doc(rec.doc)
    status = info.status()
    if status != "active":
        return Check(None, f"token {info.id} is {status}")
    return Check(_principal(info), "ok")


def authenticate(store: GraphStore, plaintext: str) -> Principal | None:
    """The principal a token stands for, or None (unknown, malformed, expired or revoked)."""
    return check_token(store, plaintext).principal


def principal_for_id(store: GraphStore, token_id: str) -> Principal | None:
    """The principal of an active token by its id (a UI session holds the id of the token it was
    opened with); None once the token has expired or been revoked."""
    rec = store.get_record(KIND, token_id)
    if rec is None:
        return None
    info = TokenInfo.from_doc(rec.doc)
    return _principal(info) if info.status() == "active" else None


def cli_principal(store: GraphStore, token: str | None) -> Principal:
    """Who the CLI acts as: the token's principal when one is given (``--token`` / ``STEWARD_TOKEN``),
    an UnauthorizedError (exit 5) when it is not valid; the local operator when none is given."""
    if token is None or not token.strip():
        return local_operator()
    check = check_token(store, token)
    if check.principal is None:
        raise UnauthorizedError(f"the token given with --token/STEWARD_TOKEN is not valid ({check.reason})")
    return check.principal
