"""Who is acting: a person with a role, identified by an API token (or the local operator).

Roles, weakest first: ``producer`` may only POST OpenLineage events; ``viewer`` reads; ``editor``
changes ownership of what they own (directly or through a team) and proposes changes elsewhere;
``admin`` approves anything and manages tokens.

The CLI works on the store file directly. With ``--token`` / ``STEWARD_TOKEN`` it acts as that
token's person and role; without one it acts as the local operator ``local:<os user>`` with the
``admin`` role: whoever can write the store file can change anything in it anyway, so the CLI does
not pretend otherwise, and the log records that the local operator did it.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Literal

__all__ = ["ROLES", "Principal", "Role", "local_operator", "role_at_least"]

Role = Literal["producer", "viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = ("producer", "viewer", "editor", "admin")
#: What each role includes. ``producer`` is not a reader: it only feeds lineage.
_INCLUDES: dict[Role, frozenset[Role]] = {
    "producer": frozenset({"producer"}),
    "viewer": frozenset({"viewer"}),
    "editor": frozenset({"viewer", "editor"}),
    "admin": frozenset({"viewer", "editor", "admin", "producer"}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    ``actor`` is what the log records: the person's node id (``person:ann``), or ``local:<user>``
    for the local operator, or ``anonymous`` when the server runs with ``--no-auth``.
    """

    actor: str
    role: Role
    #: The person this caller is, when a person is bound (``person:...``); None for local/anonymous.
    person: str | None = None
    #: The id of the token used (its public prefix), when one was.
    token_id: str | None = None

    def may(self, role: Role) -> bool:
        return role in _INCLUDES[self.role]


def role_at_least(have: Role, need: Role) -> bool:
    return need in _INCLUDES[have]


def local_operator() -> Principal:
    """The CLI's caller when no token is given."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(actor=f"local:{user}", role="admin")
