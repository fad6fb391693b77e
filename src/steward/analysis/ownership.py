"""Who owns what, as every analysis sees it.

* Every ``OWNS`` claim is kept with its source and origin. The **effective** owners of an
  artifact come from the highest-precedence origin that names any owner (default: catalog >
  mlflow > openlineage > codeowners; set by the recipe), and likewise, separately, its stewards.
* A ``ModelVersion`` with no claims of its own takes its ``Model``'s, a ``Run`` its ``Job``'s and
  a ``Commit`` its ``Repo``'s (claims are made on the things people declare; incidents hit versions).
* **Active owners**: people in effective owner claims who are active, with each team expanded to
  its active members (a team with no active member owns nothing). Active stewards likewise. A
  person is active unless marked ``active: false``; one that no source describes (only named in a
  claim: a dangling owner) cannot be paged and is not active. An unresolved name counts as active
  (somebody used it), and the audit reports it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from steward.graph import STUB_PROP, EdgeKind, EdgeRecord, NodeKind, NodeRecord
from steward.store.base import GraphStore

__all__ = ["DEFAULT_PRECEDENCE", "PRECEDENCE_STATE_KEY", "Claim", "OwnershipView"]

DEFAULT_PRECEDENCE = ("catalog", "mlflow", "openlineage", "codeowners")
PRECEDENCE_STATE_KEY = "ownership.precedence"
#: Where an artifact without claims of its own takes them from.
INHERIT_VIA: dict[NodeKind, EdgeKind] = {
    NodeKind.MODEL_VERSION: EdgeKind.VERSION_OF,
    NodeKind.RUN: EdgeKind.RUN_OF,
    NodeKind.COMMIT: EdgeKind.IN_REPO,
}


@dataclass(frozen=True, slots=True)
class Claim:
    owner: str
    artifact: str
    role: str
    source: str
    origin: str
    since: str | None
    inherited_from: str | None = None


@dataclass
class OwnershipView:
    """A snapshot of people, teams and claims, loaded once per analysis."""

    people: dict[str, NodeRecord]
    teams: dict[str, NodeRecord]
    members: dict[str, list[str]]  # team id -> person ids
    teams_of: dict[str, list[str]]  # person id -> team ids
    claims_on: dict[str, list[Claim]]  # artifact id -> its own claims
    parent_of: dict[str, str]  # artifact -> the artifact it inherits claims from
    precedence: tuple[str, ...] = DEFAULT_PRECEDENCE
    _effective: dict[tuple[str, str], list[Claim]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: GraphStore, *, scope: Collection[str] | None = None) -> OwnershipView:
        """Everything (``scope=None``, for audits), or just what decides who owns the artifacts in
        ``scope``: their claims and their parents' claims, the owners, and the owning teams' members."""
        inherit_kinds = sorted(set(INHERIT_VIA.values()))
        if scope is None:
            people = {n.id: n for n in store.find_nodes(kinds=[NodeKind.PERSON])}
            teams = {n.id: n for n in store.find_nodes(kinds=[NodeKind.TEAM])}
            member_edges = store.edges(kinds=[EdgeKind.MEMBER_OF])
            owns = store.edges(kinds=[EdgeKind.OWNS])
            inherit = store.edges(kinds=inherit_kinds)
        else:
            ids = set(scope)
            inherit = store.edges(kinds=inherit_kinds, src=ids) if ids else []
            targets = ids | {e.dst for e in inherit}
            owns = store.edges(kinds=[EdgeKind.OWNS], dst=targets) if targets else []
            team_ids = {e.src for e in owns if e.src.startswith("team:")}
            member_edges = store.edges(kinds=[EdgeKind.MEMBER_OF], dst=team_ids) if team_ids else []
            found = store.get_nodes({e.src for e in owns} | {e.src for e in member_edges})
            people = {i: n for i, n in found.items() if n.kind is NodeKind.PERSON}
            teams = {i: n for i, n in found.items() if n.kind is NodeKind.TEAM}
        members: dict[str, list[str]] = defaultdict(list)
        teams_of: dict[str, list[str]] = defaultdict(list)
        for e in member_edges:
            if e.src not in members[e.dst]:
                members[e.dst].append(e.src)
                teams_of[e.src].append(e.dst)
        claims_on: dict[str, list[Claim]] = defaultdict(list)
        for e in owns:
            claims_on[e.dst].append(_claim(e))
        via_of = {k.prefix: via for k, via in INHERIT_VIA.items()}
        parent_of: dict[str, str] = {}
        for e in inherit:
            if via_of.get(e.src.partition(":")[0]) is e.kind and e.src not in parent_of:
                parent_of[e.src] = e.dst
        raw = store.get_state(PRECEDENCE_STATE_KEY)
        precedence = tuple(json.loads(raw)) if raw else DEFAULT_PRECEDENCE
        return cls(people, teams, dict(members), dict(teams_of), dict(claims_on), parent_of, precedence)

    # ---- people --------------------------------------------------------------------------------
    def is_active(self, person_id: str) -> bool:
        """Known (described by some source, not just named in a claim) and not marked as left."""
        p = self.people.get(person_id)
        return p is not None and not p.props.get(STUB_PROP) and p.props.get("active", True) is not False

    def name(self, node_id: str) -> str:
        rec = self.people.get(node_id) or self.teams.get(node_id)
        return rec.name if rec else node_id.partition(":")[2]

    def active_members(self, team_id: str) -> list[str]:
        return sorted(p for p in self.members.get(team_id, []) if self.is_active(p))

    def expand(self, owner_id: str) -> list[str]:
        """The active people behind an owner id (a person, or a team's active members)."""
        if owner_id.startswith("team:"):
            return self.active_members(owner_id)
        return [owner_id] if self.is_active(owner_id) else []

    def owner_active(self, owner_id: str) -> bool:
        return bool(self.expand(owner_id))

    def is_known(self, owner_id: str) -> bool:
        """Described by some source (not just named in a claim)."""
        rec = self.people.get(owner_id) or self.teams.get(owner_id)
        return rec is not None and not rec.props.get(STUB_PROP)

    # ---- claims --------------------------------------------------------------------------------
    def _rank(self, origin: str) -> tuple[int, str]:
        return (self.precedence.index(origin), "") if origin in self.precedence else (len(self.precedence), origin)

    def claims(self, artifact: str) -> list[Claim]:
        """Every claim that applies: the artifact's own, else (inherited) its parent's."""
        own = self.claims_on.get(artifact)
        if own:
            return sorted(own, key=lambda c: (c.role, self._rank(c.origin), c.owner, c.source))
        parent = self.parent_of.get(artifact)
        if parent is None:
            return []
        return [Claim(c.owner, artifact, c.role, c.source, c.origin, c.since, inherited_from=c.inherited_from or parent)
                for c in self.claims(parent)]

    def effective(self, artifact: str, role: str) -> list[Claim]:
        key = (artifact, role)
        if key not in self._effective:
            mine = [c for c in self.claims(artifact) if c.role == role]
            if not mine:
                self._effective[key] = []
            else:
                top = min(self._rank(c.origin) for c in mine)
                chosen = {c.owner: c for c in mine if self._rank(c.origin) == top}
                self._effective[key] = [chosen[k] for k in sorted(chosen)]
        return self._effective[key]

    def active_people(self, artifact: str, role: str) -> list[str]:
        out: set[str] = set()
        for c in self.effective(artifact, role):
            out.update(self.expand(c.owner))
        return sorted(out)

    def active_owners(self, artifact: str) -> list[str]:
        return self.active_people(artifact, "owner")

    def active_stewards(self, artifact: str) -> list[str]:
        return self.active_people(artifact, "steward")

    def owner_entries(self, artifact: str) -> list[dict[str, object]]:
        """The JSON ``owners`` list: every claim, active or not, with its source; effective ones marked."""
        effective = {(c.owner, c.role, c.source) for r in ("owner", "steward") for c in self.effective(artifact, r)}
        out = []
        for c in self.claims(artifact):
            entry: dict[str, object] = {
                "id": c.owner, "name": self.name(c.owner), "role": c.role, "active": self.owner_active(c.owner),
                "source": c.source, "origin": c.origin, "effective": (c.owner, c.role, c.source) in effective,
            }
            if c.inherited_from:
                entry["inherited_from"] = c.inherited_from
            out.append(entry)
        return out

    def owned_by(self, person_id: str) -> dict[str, set[str]]:
        """artifact -> roles that ``person_id`` holds on it effectively (directly or through a team)."""
        out: dict[str, set[str]] = defaultdict(set)
        for artifact in self.claims_on:
            for role in ("owner", "steward"):
                for c in self.effective(artifact, role):
                    via_team = c.owner.startswith("team:") and person_id in self.members.get(c.owner, [])
                    if c.owner == person_id or via_team:
                        out[artifact].add(role)
        return dict(out)


def _claim(e: EdgeRecord) -> Claim:
    role = str(e.props.get("role", "owner"))
    origin = str(e.props.get("origin", e.source))
    since = e.props.get("since")
    return Claim(e.src, e.dst, role, e.source, origin, str(since) if since is not None else None)

