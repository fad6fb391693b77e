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
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from steward.analysis.common import without
from steward.graph import CONTAINER_EDGES, MEMBER_EDGE, EdgeKind, EdgeRecord, NodeKind, is_kind, kind_of_id
from steward.identity import Identities
from steward.store.base import GraphChanges, GraphStore

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
    #: container -> the listing every member of it without claims of its own shows (see :meth:`listing`)
    _inherited_listings: dict[str, Listing] = field(default_factory=dict)
    #: the claims of an artifact without a container (what they say, not whose they are) -> its listing
    _alike: dict[tuple[tuple[str | None, ...], ...], Listing] = field(default_factory=dict)

    @classmethod
    def load(cls, store: GraphStore, *, scope: Collection[str] | None = None,
             containers: Mapping[str, str | None] | None = None) -> OwnershipView:
        """Everything (``scope=None``, for audits), or just the claims that decide who owns the
        artifacts in ``scope`` (theirs and their containers'). People, teams and memberships are
        always loaded whole: they are few, and identities need all of them (read once per store
        version: :meth:`GraphStore.derived`). ``containers``: the container (None: none) of members in
        ``scope`` the caller already knows (from its walk's snapshot, :meth:`Closure.containers`); the
        others' are read."""
        people = _people(store)
        ids = people.ids
        container_kinds = sorted(CONTAINER_EDGES)
        if scope is None:
            memo = _Memo(ids, people.precedence)
            claims_on = _claims_by_artifact(store.edges(kinds=[EdgeKind.OWNS]), ids)
            parent_of = _parents(store.edges(kinds=container_kinds))
        else:
            # What was read for an artifact (its container, its claims) and what was made of it is kept
            # until the store changes (a fresh memo each time on a store that keeps nothing): only
            # artifacts no answer at this version has listed yet are read.
            # (kept across commits that touch none of it: _carry_memo; built anew when the people or the
            # precedence it was made with are not the current ones)
            memo = store.kept("ownership.memo", lambda: _Memo(ids, people.precedence), _carry_memo,
                              fresh=lambda m: m.ids is ids and m.precedence == people.precedence)
            wanted = sorted({i for i in scope if _is_member(i) and i not in memo.parents})
            if wanted:
                known = containers or {}
                unknown = [m for m in wanted if m not in known]
                found = _parents(store.edges_at(unknown, end="src", kinds=container_kinds)) if unknown else {}
                for m in wanted:
                    parent = memo.parents[m] = known[m] if m in known else found.get(m)
                    if parent is not None:
                        memo.children.setdefault(parent, set()).add(m)
            parent_of = {m: p for m in scope if (p := memo.parents.get(m)) is not None}
            targets = set(scope) | set(parent_of.values())
            missing = sorted(t for t in targets if t not in memo.owns)
            if missing:
                table = _owns_table(store)
                if table.rows is not None:  # every claim, read once (prepare): no read per closure
                    got = table.claims(missing, ids)
                else:
                    got = _claims_by_artifact(store.edges_at(missing, end="dst", kinds=[EdgeKind.OWNS]), ids)
                for t in missing:
                    memo.owns[t] = got.get(t, [])
            claims_on = {t: found_claims for t in targets if (found_claims := memo.owns.get(t))}
        return cls(ids, people.members, people.subteams, people.teams_of, claims_on, parent_of,
                   people.precedence, _expanded=people.expanded, _owners=people.owners, _reaches=people.reaches,
                   _listings=memo.listings, _claims=memo.claims, _effective=memo.effective,
                   _inherited_listings=memo.inherited, _alike=memo.alike)

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
        found = self._effective.get(key)
        if found is None:
            mine = [c for c in self.claims(artifact) if c.role == role]
            chosen: list[Claim] = []
            if mine:
                top = min(self._rank(c.origin) for c in mine)
                best = [c for c in mine if self._rank(c.origin) == top]
                own = [c for c in best if c.inherited_from is None]
                by_owner = {c.owner: c for c in reversed(own or best)}
                chosen = [by_owner[k] for k in sorted(by_owner)]
            found = chosen
            if role in ROLES:  # (a memo's carry drops these two roles of what changed)
                self._effective[key] = chosen
        return found

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
        treat them as read-only. Artifacts whose claims say the same share one listing: an unresolved
        claim's ``artifact`` may then be another of them (its owner, role and source are the same)."""
        found = self._listings.get(artifact)
        if found is not None:
            return found
        # A member with no claim of its own whose container's claims are all the container's own lists
        # exactly what its container lists, each entry marked as inherited from it: made from the
        # container's listing, once for all such members. (Its unresolved claims are then the container's
        # objects: the same owner, role and source as the member's inherited ones.)
        parent = self.parent_of.get(artifact) if artifact not in self.claims_on else None
        if parent is not None:
            found = self._inherited_listings.get(parent)
            if found is not None:
                return found
            if parent not in self.parent_of or not any(c.inherited_from for c in self.claims(parent)):
                entries, by_owner, by_steward, unresolved = self.listing(parent)
                found = ([_inherit_entry(e, parent) for e in entries], by_owner, by_steward, unresolved)
                self._inherited_listings[parent] = found
                return found
        own = self.claims_on.get(artifact)
        if not own and artifact not in self.parent_of:  # no claim applies (most datasets of an organisation)
            self._listings[artifact] = _NOBODY
            return _NOBODY
        signature = None
        if own and artifact not in self.parent_of:
            # An artifact's listing is made of its claims alone (never of the artifact's id): artifacts whose
            # claims say the same (a team owning many things through one source) share one listing.
            signature = tuple((c.owner, c.role, c.source, c.origin, c.since, c.named_as, c.by, c.reason, c.change)
                              for c in own)
            found = self._alike.get(signature)
            if found is not None:
                self._listings[artifact] = found
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
        if signature is not None:
            self._alike[signature] = found
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


_AFTER_INHERITED = ("by", "reason", "change")  # the keys _entries puts after "inherited_from"


def _inherit_entry(entry: dict[str, object], parent: str) -> dict[str, object]:
    """A container's own ``owners`` entry as its members list it: the same, inherited from it (the keys in
    the order :meth:`OwnershipView._entries` writes them)."""
    out: dict[str, object] = {}
    for k, v in entry.items():
        if k in _AFTER_INHERITED and "inherited_from" not in out:
            out["inherited_from"] = parent
        out[k] = v
    if "inherited_from" not in out:
        out["inherited_from"] = parent
    return out


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
    """Per artifact, what scoped views read and compute alike (shared until a commit changes it: carried
    over the others by :func:`_carry_memo`), made with these identities and this precedence."""

    ids: Identities
    precedence: tuple[str, ...]
    parents: dict[str, str | None] = field(default_factory=dict)  # member -> its container (None: none)
    children: dict[str, set[str]] = field(default_factory=dict)  # container -> its members in ``parents``
    owns: dict[str, list[Claim]] = field(default_factory=dict)  # artifact -> its own claims
    claims: dict[str, list[Claim]] = field(default_factory=dict)
    effective: dict[tuple[str, str], list[Claim]] = field(default_factory=dict)
    listings: dict[str, Listing] = field(default_factory=dict)
    inherited: dict[str, Listing] = field(default_factory=dict)  # container -> its claimless members' listing
    #: listings by what the claims say (OwnershipView._alike): made of the claims, people and precedence only
    alike: dict[tuple[tuple[str | None, ...], ...], Listing] = field(default_factory=dict)


def _carry_memo(memo: _Memo, changes: GraphChanges) -> _Memo:
    """The memo without what the commits may have changed: a new one (views reading the old one go on
    with it). What was read of a node some edge of which changed (its container, its claims) is read
    again; what was worked out from it (claims, effective owners, listings) is worked out again, for it
    and for its members (and theirs)."""
    hit = set(changes.nodes)
    for a, b in changes.pairs:
        hit.add(a)
        hit.add(b)
    stale = set(hit)
    todo = list(hit)
    while todo:  # members inherit from their container (and it from its own, were there such)
        for m in tuple(memo.children.get(todo.pop(), ())):  # (a set answers being made may add to)
            if m not in stale:
                stale.add(m)
                todo.append(m)
    # Copies less what went stale: a commit costs a copy of each table (done in C), not a Python pass over it.
    new = _Memo(memo.ids, memo.precedence)
    new.parents = without(memo.parents, hit)
    # containers -> members: the old sets, shared (they only ever grow; a member listed under a container it
    # has left only makes more stale at a later commit); a member read again is added to its new one
    new.children = dict(memo.children)
    new.owns = without(memo.owns, hit)
    new.claims = without(memo.claims, stale)
    new.effective = without(memo.effective, [(a, role) for a in stale for role in ROLES])  # (only these kept)
    new.listings = without(memo.listings, stale)
    new.inherited = without(memo.inherited, stale)
    new.alike = memo.alike  # keyed by everything they are made of (the memo goes with the people, precedence)
    return new


@dataclass(frozen=True, slots=True)
class _Raw:
    """An ``OWNS`` edge as a claim needs it, before its owner is mapped to a canonical id."""

    src: str
    key: str
    source: str
    role: str
    origin: str
    since: str | None
    by: str | None
    reason: str | None
    change: str | None
    superseded: bool


def _identity(raw: _Raw) -> tuple[str, str]:
    return raw.src, raw.key


class _OwnsTable:
    """Every ``OWNS`` edge of the graph by the artifact it points at (``rows``; None: not read -- the scoped
    views then read their artifacts' claims themselves). Read whole by :func:`prepare_owns` (off the request
    path) and kept across commits, each commit's changed artifacts read again (:func:`_carry_owns`)."""

    def __init__(self, rows: dict[str, tuple[_Raw, ...]] | None = None) -> None:
        self.rows = rows
        self._same: dict[_Raw, _Raw] = {}

    @classmethod
    def read(cls, store: GraphStore) -> _OwnsTable:
        table = cls({})
        table.put(store.edge_rows(EdgeKind.OWNS), ())
        return table

    def put(self, owns: Iterable[tuple[str, str, str, str, Mapping[str, Any]]], artifacts: Iterable[str]) -> None:
        """Replace the rows of ``artifacts`` (and of every artifact ``owns`` points at) by ``owns``
        (``(src, dst, key, source, props)``)."""
        assert self.rows is not None
        found: dict[str, list[_Raw]] = {}
        same: dict[tuple[str, str, str, int], _Raw] = {}  # (edge_rows shares equal properties)
        for n, (src, dst, key, source, p) in enumerate(owns):
            k = (src, key, source, id(p))
            raw = same.get(k)
            if raw is None:
                since = p.get("since")
                raw = _Raw(src, key, source, str(p.get("role", "owner")), str(p.get("origin", source)),
                           str(since) if since is not None else None, _text(p.get("by")), _text(p.get("reason")),
                           _text(p.get("change")), bool(p.get(SUPERSEDED_PROP)))
                raw = same[k] = self._same.setdefault(raw, raw)  # most own alike
            at = found.get(dst)
            if at is None:
                found[dst] = [raw]
            else:
                at.append(raw)
            if n & 4095 == 4095:
                time.sleep(0)  # off the request path: let the threads answering requests run (if any wait)
        rows = self.rows
        for a in artifacts:
            if a not in found:
                rows.pop(a, None)
        for a, raws in found.items():  # by identity, as edges() reads (most artifacts have one claim)
            rows[a] = (raws[0],) if len(raws) == 1 else tuple(sorted(raws, key=_identity))

    def claims(self, artifacts: Iterable[str], ids: Identities) -> dict[str, list[Claim]]:
        """artifact -> its own claims, as :func:`_claims_by_artifact` makes them (superseded ones left out)."""
        assert self.rows is not None
        out: dict[str, list[Claim]] = {}
        for a in artifacts:
            raws = self.rows.get(a)
            if raws:
                made = [Claim(ids.canonical(r.src), a, r.role, r.source, r.origin, r.since, named_as=r.src, by=r.by,
                              reason=r.reason, change=r.change) for r in raws if not r.superseded]
                if made:
                    out[a] = made
        return out


def _owns_table(store: GraphStore, *, read: bool = False) -> _OwnsTable:
    """The store's :class:`_OwnsTable`: read whole when ``read`` (and not read yet), else as it is kept."""
    if read:
        return store.kept("ownership.owns", lambda: _OwnsTable.read(store),
                          lambda t, ch: _carry_owns(store, t, ch), fresh=lambda t: t.rows is not None)
    return store.kept("ownership.owns", _OwnsTable, lambda t, ch: _carry_owns(store, t, ch))


def _carry_owns(store: GraphStore, table: _OwnsTable, changes: GraphChanges) -> _OwnsTable:
    """The table with the ``OWNS`` edges into every node some edge of which the commits changed read again
    (changed in place: readers only look rows up, one artifact at a time)."""
    if table.rows is None:
        return table
    targets = sorted({b for _, b in changes.pairs} | set(changes.nodes))
    if targets:
        table.put([(e.src, e.dst, e.key, e.source, e.props)
                   for e in store.edges_at(targets, end="dst", kinds=[EdgeKind.OWNS])], targets)
    return table


def prepare_owns(store: GraphStore) -> None:
    """Read every ``OWNS`` edge once (a store that keeps nothing across commits is left alone): blast radii
    then look their artifacts' claims up instead of reading them (``steward serve`` at start)."""
    if store.cache_stamp() is not None and store.graph_version() is not None:
        _owns_table(store, read=True)


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
    """The people, kept across commits that touch no person, team or membership; with the precedence
    read again after every commit (it is state, not graph)."""
    people = store.kept("ownership.people", lambda: _load_people(store), _carry_people)
    precedence = store.derived("ownership.precedence", lambda: read_precedence(store))
    if people.precedence != precedence:  # what was worked out of the people alone stays shared
        people = replace(people, precedence=precedence)
    return people


_PEOPLE_PREFIXES = frozenset({NodeKind.PERSON.prefix, NodeKind.TEAM.prefix})


def _carry_people(people: _People, changes: GraphChanges) -> _People | None:
    """Kept unless a person or team node changed (identities: names, aliases, being active) or an edge into
    a team (a membership: only a team id maps to a team)."""
    if any(n.partition(":")[0] in _PEOPLE_PREFIXES for n in changes.nodes):
        return None
    if any(b.partition(":")[0] == NodeKind.TEAM.prefix for _, b in changes.pairs):
        return None
    return people


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


# ---- spof and audit at scale ---------------------------------------------------------------------
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
