"""Who owns what, as every analysis sees it.

* Every ``OWNS`` claim is kept with its source and origin. Owners are mapped to canonical people
  and teams when the answer is computed (:mod:`steward.identity`), so the answer does not depend on
  the order things were ingested in.
* **Precedence, per role.** The effective owners of an artifact come from the highest-precedence
  origin that names any owner (default: steward > catalog > mlflow > openlineage > codeowners; the
  store's configuration), and likewise, separately, its stewards.
* **Inheritance, per role.** A member (``ModelVersion`` of a ``Model``, ``Run`` of a ``Job``,
  ``Commit`` of a ``Repo``) takes its container's claims for each role it has no claim of its own
  of higher precedence for; at equal precedence its own claims win. Inherited claims say where
  they come from (``inherited_from``).
* **Who can be paged**: declared, active people. A team is expanded to its active members; a team
  with no active member of its own is expanded through its sub-teams (marked as reached through
  them). An unresolved name, an e-mail nobody describes, and a person who has left are never
  paged, and an artifact whose only owners are such is unowned.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from steward.graph import CONTAINER_EDGES, MEMBER_EDGE, EdgeKind, EdgeRecord, NodeKind, is_kind, kind_of_id
from steward.identity import Identities
from steward.store.base import GraphStore

__all__ = ["DEFAULT_PRECEDENCE", "PRECEDENCE_STATE_KEY", "SUPERSEDED_PROP", "Claim", "OwnershipView", "Reach",
           "read_precedence"]

DEFAULT_PRECEDENCE = ("steward", "catalog", "mlflow", "openlineage", "codeowners")
PRECEDENCE_STATE_KEY = "ownership.precedence"
#: An ``OWNS`` edge with this property was replaced by a later change made through Steward: no answer
#: counts it (it is removed right after the change that replaced it; see ``steward.governance.changes``).
SUPERSEDED_PROP = "superseded_by"
ROLES = ("owner", "steward")


def read_precedence(store: GraphStore) -> tuple[str, ...]:
    """The store's configured precedence (set by the first ingest, changed with ``steward precedence``)."""
    raw = store.get_state(PRECEDENCE_STATE_KEY)
    if not raw:
        return DEFAULT_PRECEDENCE
    try:
        value = json.loads(raw)
    except ValueError:
        return DEFAULT_PRECEDENCE
    return tuple(str(v) for v in value) if isinstance(value, list) else DEFAULT_PRECEDENCE


@dataclass(frozen=True, slots=True)
class Claim:
    owner: str  # canonical person or team id
    artifact: str
    role: str
    source: str
    origin: str
    since: str | None
    named_as: str  # the id the source wrote
    inherited_from: str | None = None
    #: Provenance of a change made through Steward: who, why, which change record.
    by: str | None = None
    reason: str | None = None
    change: str | None = None


@dataclass(frozen=True, slots=True)
class Reach:
    """An active person behind an owner id, and the team path that led to them (empty: named directly)."""

    person: str
    via: tuple[str, ...] = ()


#: An artifact as a blast radius lists it: its ``owners`` entries, the active people behind its effective
#: owners and stewards, and its effective claims naming nobody known.
Listing = tuple[list[dict[str, object]], list[Reach], list[Reach], list[Claim]]
_NOBODY: Listing = ([], [], [], [])


@dataclass
class OwnershipView:
    """A snapshot of people, teams and claims, loaded once per analysis."""

    ids: Identities
    members: dict[str, list[str]]  # canonical team -> canonical people (direct members)
    subteams: dict[str, list[str]]  # canonical team -> canonical sub-teams
    teams_of: dict[str, list[str]]  # canonical person -> canonical teams (direct)
    claims_on: dict[str, list[Claim]]  # artifact id -> its own claims
    parent_of: dict[str, str]  # member artifact -> its container
    precedence: tuple[str, ...] = DEFAULT_PRECEDENCE
    _effective: dict[tuple[str, str], list[Claim]] = field(default_factory=dict)
    _expanded: dict[str, list[Reach]] = field(default_factory=dict)
    _claims: dict[str, list[Claim]] = field(default_factory=dict)
    _ranks: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: owner id -> (name, whether someone active is behind it, whether it is unresolved)
    _owners: dict[str, tuple[str, bool, bool]] = field(default_factory=dict)
    #: effective owners (in order) -> the active people behind them
    _reaches: dict[tuple[str, ...], list[Reach]] = field(default_factory=dict)
    _listings: dict[str, Listing] = field(default_factory=dict)

    @classmethod
    def load(cls, store: GraphStore, *, scope: Collection[str] | None = None) -> OwnershipView:
        """Everything (``scope=None``, for audits), or just the claims that decide who owns the
        artifacts in ``scope`` (theirs and their containers'). People, teams and memberships are
        always loaded whole: they are few, and identities need all of them (read once per store
        version: :meth:`GraphStore.derived`)."""
        people = _people(store)
        ids = people.ids
        container_kinds = sorted(CONTAINER_EDGES)
        if scope is None:
            memo = _Memo()
            claims_on = _claims_by_artifact(store.edges(kinds=[EdgeKind.OWNS]), ids)
            parent_of = _parents(store.edges(kinds=container_kinds))
        else:
            # What was read for an artifact (its container, its claims) and what was made of it is kept
            # until the store changes (a fresh memo each time on a store that keeps nothing): only
            # artifacts no answer at this version has listed yet are read.
            memo = store.derived("ownership.memo", _Memo)
            wanted = sorted({i for i in scope if _is_member(i) and i not in memo.parents})
            if wanted:
                found = _parents(store.edges_at(wanted, end="src", kinds=container_kinds))
                for m in wanted:
                    memo.parents[m] = found.get(m)
            parent_of = {m: p for m in scope if (p := memo.parents.get(m)) is not None}
            targets = set(scope) | set(parent_of.values())
            missing = sorted(t for t in targets if t not in memo.owns)
            if missing:
                got = _claims_by_artifact(store.edges_at(missing, end="dst", kinds=[EdgeKind.OWNS]), ids)
                for t in missing:
                    memo.owns[t] = got.get(t, [])
            claims_on = {t: found_claims for t in targets if (found_claims := memo.owns[t])}
        return cls(ids, people.members, people.subteams, people.teams_of, claims_on, parent_of,
                   people.precedence, _expanded=people.expanded, _owners=people.owners, _reaches=people.reaches,
                   _listings=memo.listings, _claims=memo.claims, _effective=memo.effective)

    # ---- people --------------------------------------------------------------------------------
    def is_active(self, person_id: str) -> bool:
        return self.ids.is_active(person_id)

    def name(self, node_id: str) -> str:
        return self.ids.name(node_id)

    def is_known(self, owner_id: str) -> bool:
        """Described by some source (not just named in a claim)."""
        return self.ids.is_declared(owner_id)

    def active_members(self, team_id: str) -> list[str]:
        return sorted(p for p in self.members.get(self.ids.canonical(team_id), []) if self.is_active(p))

    def expand(self, owner_id: str) -> list[Reach]:
        """The active people behind an owner: a person, a team's active members, or -- for a team with
        no active member of its own -- its sub-teams' (recursively), with the team path that led there."""
        owner = self.ids.canonical(owner_id)
        if owner in self._expanded:
            return self._expanded[owner]
        if not is_kind(owner, NodeKind.TEAM):
            out = [Reach(owner)] if self.is_active(owner) else []
        else:
            out = self._expand_team(owner, (owner,), frozenset({owner}))
        self._expanded[owner] = out
        return out

    def _expand_team(self, team: str, path: tuple[str, ...], seen: frozenset[str]) -> list[Reach]:
        direct = self.active_members(team)
        if direct:
            return [Reach(p, path) for p in direct]
        out: dict[str, Reach] = {}
        for sub in sorted(self.subteams.get(team, [])):
            if sub in seen:
                continue
            for r in self._expand_team(sub, (*path, sub), seen | {sub}):
                out.setdefault(r.person, r)
        return [out[p] for p in sorted(out)]

    def owner_active(self, owner_id: str) -> bool:
        return bool(self.expand(owner_id))

    # ---- claims --------------------------------------------------------------------------------
    def _rank(self, origin: str) -> tuple[int, str]:
        rank = self._ranks.get(origin)
        if rank is None:
            rank = self._ranks[origin] = ((self.precedence.index(origin), "") if origin in self.precedence
                                          else (len(self.precedence), origin))
        return rank

    def _sorted(self, claims: list[Claim]) -> list[Claim]:
        return sorted(claims, key=lambda c: (c.role, self._rank(c.origin), c.inherited_from or "", c.owner, c.source))

    def inherited(self, artifact: str) -> list[Claim]:
        """The claims of ``artifact``'s container (and its container's, ...), marked as inherited."""
        parent = self.parent_of.get(artifact)
        if parent is None:
            return []
        return [Claim(c.owner, artifact, c.role, c.source, c.origin, c.since, c.named_as,
                      inherited_from=c.inherited_from or parent, by=c.by, reason=c.reason, change=c.change)
                for c in self.claims(parent)]

    def claims(self, artifact: str) -> list[Claim]:
        """Every claim that applies: the artifact's own, and its container's (inherited)."""
        found = self._claims.get(artifact)
        if found is None:
            own = self.claims_on.get(artifact)
            if own is None and artifact not in self.parent_of:
                found = []
            else:
                found = self._sorted(list(own or []) + self.inherited(artifact))
            self._claims[artifact] = found
        return found

    def effective(self, artifact: str, role: str) -> list[Claim]:
        key = (artifact, role)
        if key not in self._effective:
            mine = [c for c in self.claims(artifact) if c.role == role]
            chosen: list[Claim] = []
            if mine:
                top = min(self._rank(c.origin) for c in mine)
                best = [c for c in mine if self._rank(c.origin) == top]
                own = [c for c in best if c.inherited_from is None]
                by_owner = {c.owner: c for c in reversed(own or best)}
                chosen = [by_owner[k] for k in sorted(by_owner)]
            self._effective[key] = chosen
        return self._effective[key]

    def active_reach(self, artifact: str, role: str) -> list[Reach]:
        return self._reach_of(self.effective(artifact, role))

    def active_people(self, artifact: str, role: str) -> list[str]:
        return [r.person for r in self.active_reach(artifact, role)]

    def active_owners(self, artifact: str) -> list[str]:
        return self.active_people(artifact, "owner")

    def active_stewards(self, artifact: str) -> list[str]:
        return self.active_people(artifact, "steward")

    def unresolved(self, artifact: str) -> list[Claim]:
        """Effective claims on ``artifact`` whose owner is a name that maps to nobody."""
        return [c for role in ROLES for c in self.effective(artifact, role) if self._owner(c.owner)[2]]

    def _owner(self, owner: str) -> tuple[str, bool, bool]:
        info = self._owners.get(owner)
        if info is None:
            info = self._owners[owner] = (self.name(owner), self.owner_active(owner), self.ids.is_unresolved(owner))
        return info

    def listing(self, artifact: str) -> Listing:
        """What a blast radius shows of an artifact, in one go: :meth:`owner_entries`, the active people
        behind its effective owners and stewards (:meth:`active_reach`), and :meth:`unresolved`. Views
        loaded for a scope on a store that keeps derived answers share them until the store changes:
        treat them as read-only."""
        found = self._listings.get(artifact)
        if found is not None:
            return found
        claims = self.claims(artifact)
        if not claims:
            found = _NOBODY
        else:
            owners, stewards = self.effective(artifact, "owner"), self.effective(artifact, "steward")
            effective = {(c.owner, c.role, c.source, c.inherited_from) for c in (*owners, *stewards)}
            unresolved = [c for c in (*owners, *stewards) if self._owner(c.owner)[2]]
            found = (self._entries(claims, effective), self._reach_of(owners), self._reach_of(stewards), unresolved)
        self._listings[artifact] = found
        return found

    def _reach_of(self, effective: list[Claim]) -> list[Reach]:
        owners = tuple(c.owner for c in effective)
        if not owners:
            return []
        found = self._reaches.get(owners)
        if found is None:  # the same owners (a team owning many things) expand the same way
            out: dict[str, Reach] = {}
            for owner in owners:
                for r in self.expand(owner):
                    out.setdefault(r.person, r)
            found = self._reaches[owners] = [out[p] for p in sorted(out)]
        return found

    def owner_entries(self, artifact: str) -> list[dict[str, object]]:
        """The JSON ``owners`` list: every claim, active or not, with its source; effective ones marked."""
        claims = self.claims(artifact)
        if not claims:
            return []
        effective = {(c.owner, c.role, c.source, c.inherited_from) for r in ROLES for c in self.effective(artifact, r)}
        return self._entries(claims, effective)

    def _entries(self, claims: list[Claim], effective: set[tuple[str, str, str, str | None]]
                 ) -> list[dict[str, object]]:
        out = []
        for c in claims:
            name, active, unresolved = self._owner(c.owner)
            entry: dict[str, object] = {
                "id": c.owner, "name": name, "role": c.role, "active": active,
                "source": c.source, "origin": c.origin,
                "effective": (c.owner, c.role, c.source, c.inherited_from) in effective,
            }
            if c.named_as != c.owner:
                entry["named_as"] = c.named_as
            if unresolved:
                entry["unresolved"] = True
            if c.inherited_from:
                entry["inherited_from"] = c.inherited_from
            for name, value in (("by", c.by), ("reason", c.reason), ("change", c.change)):
                if value:
                    entry[name] = value
            out.append(entry)
        return out

    def owned_by(self, person_id: str) -> dict[str, set[str]]:
        """artifact -> roles that ``person_id`` holds on it effectively (directly or through a team)."""
        person = self.ids.canonical(person_id)
        out: dict[str, set[str]] = defaultdict(set)
        for artifact in self.claims_on:
            for role in ROLES:
                for c in self.effective(artifact, role):
                    if c.owner == person or (is_kind(c.owner, NodeKind.TEAM) and self._in_team(person, c.owner)):
                        out[artifact].add(role)
        return dict(out)

    def holds(self, person_id: str, artifact: str, role: str = "owner") -> bool:
        """Whether ``person_id`` is an effective ``role`` of ``artifact``: named directly, or a member of a
        named team (or of one of its sub-teams); inherited claims count."""
        person = self.ids.canonical(person_id)
        return any(c.owner == person or (is_kind(c.owner, NodeKind.TEAM) and self._in_team(person, c.owner))
                   for c in self.effective(artifact, role))

    def _in_team(self, person: str, team: str, seen: frozenset[str] = frozenset()) -> bool:
        if person in self.members.get(team, []):
            return True
        return any(self._in_team(person, sub, seen | {team}) for sub in self.subteams.get(team, []) if sub not in seen)


def _parents(inherit: Iterable[EdgeRecord]) -> dict[str, str]:
    """member -> its container, from member -> container edges (the first by identity)."""
    parent_of: dict[str, str] = {}
    for e in sorted(inherit, key=lambda r: r.identity):
        if MEMBER_EDGE.get(kind_of_id(e.src)) is e.kind and e.src not in parent_of:
            parent_of[e.src] = e.dst
    return parent_of


def _claims_by_artifact(owns: Iterable[EdgeRecord], ids: Identities) -> dict[str, list[Claim]]:
    claims_on: dict[str, list[Claim]] = defaultdict(list)
    for e in owns:
        if e.props.get(SUPERSEDED_PROP):  # replaced by a later change through Steward (see governance.changes)
            continue
        claims_on[e.dst].append(_claim(e, ids))
    return dict(claims_on)


@dataclass
class _Memo:
    """Per artifact, what scoped views read and compute alike (shared until the store changes)."""

    parents: dict[str, str | None] = field(default_factory=dict)  # member -> its container (None: none)
    owns: dict[str, list[Claim]] = field(default_factory=dict)  # artifact -> its own claims
    claims: dict[str, list[Claim]] = field(default_factory=dict)
    effective: dict[tuple[str, str], list[Claim]] = field(default_factory=dict)
    listings: dict[str, Listing] = field(default_factory=dict)


@dataclass
class _People:
    """What every view shares until the store changes: identities, memberships, the precedence, and
    the people each owner expands to (which depends on nothing else)."""

    ids: Identities
    members: dict[str, list[str]]
    subteams: dict[str, list[str]]
    teams_of: dict[str, list[str]]
    precedence: tuple[str, ...]
    expanded: dict[str, list[Reach]] = field(default_factory=dict)
    owners: dict[str, tuple[str, bool, bool]] = field(default_factory=dict)
    reaches: dict[tuple[str, ...], list[Reach]] = field(default_factory=dict)


def _people(store: GraphStore) -> _People:
    return store.derived("ownership.people", lambda: _load_people(store))


def _load_people(store: GraphStore) -> _People:
    ids = Identities.load(store)
    members: dict[str, list[str]] = defaultdict(list)
    subteams: dict[str, list[str]] = defaultdict(list)
    teams_of: dict[str, list[str]] = defaultdict(list)
    for e in store.edges(kinds=[EdgeKind.MEMBER_OF]):
        group = ids.canonical(e.dst)
        if not is_kind(group, NodeKind.TEAM):
            continue
        who = ids.canonical(e.src)
        if is_kind(who, NodeKind.TEAM):
            if who != group and who not in subteams[group]:
                subteams[group].append(who)
        elif who not in members[group]:
            members[group].append(who)
            teams_of[who].append(group)
    for teams in teams_of.values():
        teams.sort()
    return _People(ids, dict(members), dict(subteams), dict(teams_of), read_precedence(store))


_MEMBER_PREFIXES = frozenset(k.prefix for k in MEMBER_EDGE)


def _is_member(node_id: str) -> bool:
    return node_id.partition(":")[0] in _MEMBER_PREFIXES


def _claim(e: EdgeRecord, ids: Identities) -> Claim:
    role = str(e.props.get("role", "owner"))
    origin = str(e.props.get("origin", e.source))
    since = e.props.get("since")
    return Claim(ids.canonical(e.src), e.dst, role, e.source, origin, str(since) if since is not None else None,
                 named_as=e.src, by=_text(e.props.get("by")), reason=_text(e.props.get("reason")),
                 change=_text(e.props.get("change")))


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


# ==== added for issue 12 (spof and audit at scale; branch spofaudit) ================================
def load_whole_view(store: GraphStore, *, all_members: bool = True) -> OwnershipView:
    """``OwnershipView.load(store)`` -- the whole view, as audits and SPOF need -- reading the
    container edges as ``(src, kind, dst)`` only (their properties are never looked at, and at a
    million nodes they are most of the edges read) and mapping each owner id to its canonical id
    once. The same view as ``OwnershipView.load(store)`` (tests/contract/test_spofaudit_scale.py);
    with ``all_members=False`` only the members (runs, model versions, commits) that have claims of
    their own know their container: enough for an answer that asks about no other member (what
    the others would inherit is their container's claims, which the view holds anyway)."""
    people = _people(store)  # identities and memberships, shared with every view of this store version
    ids = people.ids
    owns = store.edges_shared(kinds=[EdgeKind.OWNS])
    if all_members:
        inherit = store.edge_triples(kinds=sorted(CONTAINER_EDGES))
    else:
        claimed = sorted({e.dst for e in owns if _is_member(e.dst)})
        inherit = store.edge_triples(kinds=sorted(CONTAINER_EDGES), src=claimed) if claimed else []
    canonical: dict[str, str] = {}
    claims_on: dict[str, list[Claim]] = defaultdict(list)
    for e in owns:
        if e.props.get(SUPERSEDED_PROP):  # replaced by a later change through Steward (see governance.changes)
            continue
        owner = canonical.get(e.src)
        if owner is None:
            owner = canonical[e.src] = ids.canonical(e.src)
        props = e.props
        since = props.get("since")
        claims_on[e.dst].append(Claim(
            owner, e.dst, str(props.get("role", "owner")), e.source, str(props.get("origin", e.source)),
            str(since) if since is not None else None, named_as=e.src, by=_text(props.get("by")),
            reason=_text(props.get("reason")), change=_text(props.get("change"))))
    parent_of: dict[str, str] = {}
    for src, kind, dst in inherit:  # sorted: the first container of a member, as load() takes it
        if MEMBER_EDGE.get(kind_of_id(src)) is kind and src not in parent_of:
            parent_of[src] = dst
    return OwnershipView(ids, people.members, people.subteams, people.teams_of, dict(claims_on), parent_of,
                         people.precedence)
