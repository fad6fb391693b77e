"""Who is who, decided when an answer is computed (never frozen into the graph at write time).

Sources write people and teams as they saw them: ``person:jdoe`` (MLflow), ``person:@jdoe``
(CODEOWNERS), ``person:j.doe@old-mail.com`` (git), ``team:@corp/churn``. The catalog declares who
these are: a person's e-mail and aliases, a team's handle and aliases. :class:`Identities` is built
from the Person and Team nodes as they are *now*, and maps every name to one canonical id, so an
event POSTed before or after the catalog gives the same answers, and an alias removed from the
catalog stops matching at once.

Rules, all independent of the order in which things were ingested:

* a **declared person** is a Person node some source described (not a stub) whose key is an
  e-mail; it answers to its e-mail and to every alias listed on it;
* a name two declared people both claim is **ambiguous** and maps to neither (reported, never guessed);
* an alias wins over a person's own e-mail: a catalog person with alias ``j.doe@old-mail.com``
  absorbs the git author ``person:j.doe@old-mail.com``;
* a name that maps to no declared person and is not an e-mail is **unresolved**: it is reported,
  never paged; an e-mail nobody describes is a dangling owner;
* teams answer to their id, their ``handle`` (``@org/name``) and their aliases.

Keys compare case-insensitively, without the ``person:``/``user:``/``team:``/``group:`` prefix, the
Backstage ``default/`` namespace, or a leading ``@``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from steward.graph import STUB_PROP, NodeKind, NodeRecord, is_email, parse_id
from steward.store.base import GraphStore

__all__ = ["Identities", "alias_key"]

_PREFIXES = ("person:", "user:", "team:", "group:")


def alias_key(text: str) -> str:
    """The comparison key of a name: ``User:Default/JDoe`` and ``@jdoe`` both give ``jdoe``."""
    t = text.strip().lower()
    for prefix in _PREFIXES:
        if t.startswith(prefix):
            t = t[len(prefix):]
            break
    return t.removeprefix("default/").removeprefix("@")


@dataclass
class Identities:
    """A snapshot of people and teams with the name -> canonical id maps built from it."""

    people: dict[str, NodeRecord]
    teams: dict[str, NodeRecord]
    _person_by_key: dict[str, str] = field(default_factory=dict)
    _team_by_key: dict[str, str] = field(default_factory=dict)
    #: alias key -> the declared people who all claim it (so it maps to none of them)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    #: name -> canonical id, as answered so far (the snapshot never changes)
    _canonical: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, store: GraphStore) -> Identities:
        """The store's people and teams now (read once per store version: :meth:`GraphStore.derived`;
        the snapshot is never changed after it is built)."""
        return store.derived("identities", lambda: cls.from_records(
            store.find_nodes(kinds=[NodeKind.PERSON, NodeKind.TEAM])))

    @classmethod
    def from_records(cls, records: Iterable[NodeRecord]) -> Identities:
        people: dict[str, NodeRecord] = {}
        teams: dict[str, NodeRecord] = {}
        for r in records:
            if r.kind is NodeKind.PERSON:
                people[r.id] = r
            elif r.kind is NodeKind.TEAM:
                teams[r.id] = r
        ids = cls(people, teams)
        ids._build()
        return ids

    def _build(self) -> None:
        declared = sorted(p for p, r in self.people.items() if _described(r) and is_email(parse_id(p)[1]))
        claims: dict[str, set[str]] = defaultdict(set)
        for pid in declared:
            for alias in _aliases(self.people[pid]):
                key = alias_key(alias)
                if key:
                    claims[key].add(pid)
        for key, owners in sorted(claims.items()):
            if len(owners) == 1:
                self._person_by_key[key] = next(iter(owners))
            else:
                self.ambiguous[key] = sorted(owners)
        for pid in declared:  # a person's own e-mail, unless an alias (of somebody) already took it
            key = alias_key(parse_id(pid)[1])
            if key not in self._person_by_key and key not in self.ambiguous:
                self._person_by_key[key] = pid
        team_claims: dict[str, set[str]] = defaultdict(set)
        for tid in sorted(t for t, r in self.teams.items() if _described(r)):
            rec = self.teams[tid]
            names = [parse_id(tid)[1], *_aliases(rec)]
            handle = rec.props.get("handle")
            if isinstance(handle, str) and handle:
                names.append(handle)
            for name in names:
                team_claims[alias_key(name)].add(tid)
        for key, owners in sorted(team_claims.items()):
            if key and len(owners) == 1:
                self._team_by_key[key] = next(iter(owners))
            elif key:
                own = [t for t in owners if alias_key(parse_id(t)[1]) == key]
                if len(own) == 1:  # a team's own name beats another team's alias
                    self._team_by_key[key] = own[0]

    # ---- mapping -------------------------------------------------------------------------------
    def canonical(self, node_id: str) -> str:
        """The canonical id of a person or team named ``node_id``; other ids are returned as they are."""
        found = self._canonical.get(node_id)
        if found is None:
            found = self._canonical[node_id] = self._canonical_of(node_id)
        return found

    def _canonical_of(self, node_id: str) -> str:
        kind, key = parse_id(node_id)
        if kind is NodeKind.PERSON:
            return self._person_by_key.get(alias_key(key), node_id)
        if kind is NodeKind.TEAM:
            return self._team_by_key.get(alias_key(key), node_id)
        return node_id

    def lookup(self, text: str) -> str | None:
        """The person or team a user means by ``text`` (``@sroe``, ``user:sroe``, an e-mail, an alias)."""
        key = alias_key(text)
        if not key:
            return None
        lowered = text.strip().lower()
        if lowered.startswith(("team:", "group:")):
            return self._team_by_key.get(key)
        if lowered.startswith(("person:", "user:")):
            return self._person_by_key.get(key)
        return self._person_by_key.get(key) or self._team_by_key.get(key)

    def record(self, node_id: str) -> NodeRecord | None:
        """The node of the canonical person or team behind ``node_id``."""
        cid = self.canonical(node_id)
        return self.people.get(cid) or self.teams.get(cid)

    def is_declared(self, node_id: str) -> bool:
        """Described by some source (not just named in a claim), after mapping to the canonical id."""
        rec = self.record(node_id)
        if rec is None or not _described(rec):
            return False
        return rec.kind is NodeKind.TEAM or is_email(parse_id(rec.id)[1])

    def is_unresolved(self, node_id: str) -> bool:
        """A person's name (not an e-mail) that maps to no declared person."""
        kind, key = parse_id(node_id)
        if kind is not NodeKind.PERSON:
            return False
        cid = self.canonical(node_id)
        return cid == node_id and not is_email(key) and not self.is_declared(node_id)

    def is_active(self, person_id: str) -> bool:
        """A declared person who has not left; unresolved names and dangling e-mails are never active."""
        rec = self.record(person_id)
        return (rec is not None and rec.kind is NodeKind.PERSON and self.is_declared(person_id)
                and rec.props.get("active", True) is not False)

    def name(self, node_id: str) -> str:
        rec = self.record(node_id)
        return rec.name if rec is not None else parse_id(node_id)[1]

    def contact(self, person_id: str) -> str | None:
        """An e-mail to reach a person (their canonical key)."""
        rec = self.record(person_id)
        if rec is None:
            return None
        email = rec.props.get("email")
        if isinstance(email, str) and email:
            return email
        key = parse_id(rec.id)[1]
        return key if is_email(key) else None

    def unresolved_people(self) -> list[str]:
        return sorted(p for p in self.people if self.is_unresolved(p))


def _described(rec: NodeRecord) -> bool:
    return not rec.props.get(STUB_PROP)


def _aliases(rec: NodeRecord) -> list[str]:
    raw = rec.props.get("aliases")
    return [a for a in raw if isinstance(a, str) and a.strip()] if isinstance(raw, list) else []
