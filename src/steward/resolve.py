"""Identity resolution: one person, many names; one commit, whatever repository a source knew.

Sources write what they saw (``person:jdoe`` from MLflow, ``person:@jdoe`` from CODEOWNERS,
``person:j.doe@old-mail.com`` from git, ``team:@corp/churn``, ``commit:?@<sha>``,
``model_version:churn@champion``). The resolver rewrites those ids to canonical ones using what
the catalog declares (a person's e-mail and aliases, a team's handle), the commits the store
knows, and the model aliases MLflow reported. A person name that resolves to nobody is kept as a
``Person`` marked ``unresolved`` (the audit reports it), never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from steward.graph import Edge, EdgeKind, Node, NodeKind, is_email, parse_id
from steward.sources.base import Record
from steward.store.base import GraphStore

__all__ = ["Resolver"]

def _alias_key(text: str) -> str:
    t = text.strip().lower()
    for prefix in ("person:", "user:", "team:", "group:"):
        t = t.removeprefix(prefix)
    return t.removeprefix("default/")


class Resolver:
    """Maps raw ids to canonical ones. Build it from the store, then ``learn`` a run's records."""

    def __init__(self) -> None:
        self.people: dict[str, str] = {}  # alias key -> person id
        self.teams: dict[str, str] = {}  # alias key -> team id
        self.commits: dict[str, str] = {}  # sha -> commit id
        self.model_aliases: dict[tuple[str, str], str] = {}  # (model name, alias) -> version
        self.unresolved: set[str] = set()

    @classmethod
    def from_store(cls, store: GraphStore) -> Resolver:
        r = cls()
        r.learn_nodes(store.find_nodes(kinds=[NodeKind.PERSON, NodeKind.TEAM, NodeKind.COMMIT, NodeKind.MODEL]))
        return r

    # ---- learning ------------------------------------------------------------------------------
    def learn(self, records: Iterable[Record]) -> None:
        self.learn_nodes(r for r in records if isinstance(r, Node))

    def learn_nodes(self, nodes: Iterable[object]) -> None:
        for n in nodes:
            node_id: str = getattr(n, "id")  # noqa: B009 - Node and NodeRecord share these fields
            kind: NodeKind = getattr(n, "kind")  # noqa: B009
            props = getattr(n, "props")  # noqa: B009
            if kind is NodeKind.PERSON and not props.get("unresolved"):
                key = parse_id(node_id)[1]
                if is_email(key):
                    self.people.setdefault(key.lower(), node_id)
                for alias in props.get("aliases") or ():
                    self.people[_alias_key(alias)] = node_id
            elif kind is NodeKind.TEAM:
                key = parse_id(node_id)[1]
                if not key.startswith("@"):
                    self.teams.setdefault(key.lower(), node_id)
                for alias in [props.get("handle"), *(props.get("aliases") or ())]:
                    if isinstance(alias, str) and alias:
                        self.teams[_alias_key(alias)] = node_id
            elif kind is NodeKind.COMMIT:
                repo, _, sha = parse_id(node_id)[1].rpartition("@")
                if repo != "?" and sha:
                    self.commits[sha.lower()] = node_id
            elif kind is NodeKind.MODEL:
                name = parse_id(node_id)[1]
                for entry in props.get("aliases") or ():
                    alias, sep, version = str(entry).partition("=")
                    if sep:
                        self.model_aliases[(name, alias)] = version

    # ---- rewriting -----------------------------------------------------------------------------
    def canonical(self, node_id: str) -> str:
        """The canonical id for ``node_id`` (itself when nothing better is known)."""
        kind, key = parse_id(node_id)
        if kind is NodeKind.PERSON:
            k = _alias_key(key)
            if k in self.people:
                return self.people[k]
            return f"person:{k}"
        if kind is NodeKind.TEAM:
            k = _alias_key(key)
            return self.teams.get(k, node_id)
        if kind is NodeKind.COMMIT and key.startswith("?@"):
            return self.commits.get(key[2:].lower(), node_id)
        if kind is NodeKind.MODEL_VERSION and "@" in key and "/" not in key:
            name, _, alias = key.rpartition("@")
            version = self.model_aliases.get((name, alias))
            if version is not None:
                return f"model_version:{name}/{version}"
        return node_id

    def is_unresolved_person(self, node_id: str) -> bool:
        kind, key = parse_id(node_id)
        return kind is NodeKind.PERSON and not is_email(key) and _alias_key(key) not in self.people

    def rewrite(self, records: Iterable[Record]) -> list[Record]:
        """Canonical ids everywhere; adds an ``unresolved`` Person for names that map to nobody."""
        out: list[Record] = []
        flagged: set[str] = set()
        known = set(self.people.values()) | set(self.teams.values()) | set(self.commits.values())

        def flag(pid: str, source: str, seen_at: str) -> None:
            if pid not in flagged and self.is_unresolved_person(pid):
                flagged.add(pid)
                self.unresolved.add(pid)
                out.append(Node(id=pid, kind=NodeKind.PERSON, source=source, props={"unresolved": True},
                                seen_at=seen_at))

        for r in records:
            if isinstance(r, Node):
                cid = self.canonical(r.id)
                if cid != r.id:
                    if cid in known:
                        continue  # a declared person, team or walked commit: edges and claims carry over
                    raw_key = parse_id(r.id)[1]
                    r = replace(r, id=cid, name=parse_id(cid)[1] if r.name == raw_key else r.name)
                out.append(r)
                if r.kind is NodeKind.PERSON:
                    flag(r.id, r.source, r.seen_at)
            elif isinstance(r, Edge):
                src, dst = self.canonical(r.src), self.canonical(r.dst)
                if r.kind is EdgeKind.MEMBER_OF and src == dst:
                    continue
                out.append(replace(r, src=src, dst=dst))
                for pid in (src, dst):
                    flag(pid, r.source, r.seen_at)
            else:
                owner, artifact = self.canonical(r.owner), self.canonical(r.artifact)
                out.append(replace(r, owner=owner, artifact=artifact))
                flag(owner, r.source, r.seen_at)
        return out

