"""References the graph's shape depends on, resolved so that the order of ingestion does not matter.

People and teams are *not* resolved here: they are stored as each source named them and mapped to
canonical ids when answers are computed (:mod:`steward.identity`). Commits need nothing either: a
commit is ``commit:<sha>`` whatever source saw it.

What is left is a deployment that serves ``model:<name>@<alias>``: the version behind an alias is
known only to the registry (MLflow), and it moves. A source writes the placeholder
``model_version:<name>@<alias>``; :class:`Resolver` rewrites it through the aliases the store and
the run know, and keeps the alias on the edge (``alias``), and :func:`reresolve_aliases` re-points
every such edge after each ingest, so a catalog ingested before the registry, or an alias moved to a
new version, gives the same graph as any other order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from steward.graph import STUB_PROP, Edge, EdgeKind, Node, NodeKind, parse_id
from steward.sources.base import Record
from steward.store.base import GraphStore

__all__ = ["ALIAS_PROP", "Resolver", "alias_ref", "may_move_aliases", "reresolve_aliases"]

#: On an edge from a model version: the ``<name>@<alias>`` the source wrote, re-pointed as the alias moves.
ALIAS_PROP = "alias"
_ALIAS_EDGES = (EdgeKind.DEPLOYED_TO, EdgeKind.FEEDS)


def alias_ref(node_id: str) -> tuple[str, str] | None:
    """``model_version:churn@champion`` -> ("churn", "champion"); None for a real version id."""
    kind, key = parse_id(node_id)
    if kind is not NodeKind.MODEL_VERSION or "/" in key or "@" not in key:
        return None
    name, _, alias = key.rpartition("@")
    return (name, alias) if name and alias else None


class Resolver:
    """Maps model-alias placeholders to versions. Build it from the store, then ``learn`` a run's records."""

    def __init__(self) -> None:
        self.model_aliases: dict[tuple[str, str], str] = {}  # (model name, alias) -> version

    @classmethod
    def from_store(cls, store: GraphStore) -> Resolver:
        r = cls()
        r.learn_nodes(store.find_nodes(kinds=[NodeKind.MODEL]))
        return r

    def learn(self, records: Iterable[Record]) -> None:
        self.learn_nodes(r for r in records if isinstance(r, Node))

    def learn_nodes(self, nodes: Iterable[object]) -> None:
        for n in nodes:
            node_id: str = getattr(n, "id")  # noqa: B009 - Node and NodeRecord share these fields
            kind: NodeKind = getattr(n, "kind")  # noqa: B009
            props = getattr(n, "props")  # noqa: B009
            if kind is NodeKind.MODEL:
                name = parse_id(node_id)[1]
                for entry in props.get("aliases") or ():
                    alias, sep, version = str(entry).partition("=")
                    if sep:
                        self.model_aliases[(name, alias)] = version

    def canonical(self, node_id: str) -> str:
        """The model version behind an alias placeholder (itself when the alias is unknown)."""
        ref = alias_ref(node_id)
        if ref is None:
            return node_id
        version = self.model_aliases.get(ref)
        return node_id if version is None else f"model_version:{ref[0]}/{version}"

    def rewrite(self, records: Iterable[Record]) -> list[Record]:
        """Alias placeholders replaced by versions; the edge keeps the alias it was written with."""
        out: list[Record] = []
        for r in records:
            ref = alias_ref(r.src) if isinstance(r, Edge) and r.kind in _ALIAS_EDGES else None
            if isinstance(r, Edge) and ref is not None:
                out.append(replace(r, src=self.canonical(r.src), props={**r.props, ALIAS_PROP: "@".join(ref)}))
            else:
                out.append(r)
        return out


def may_move_aliases(records: Iterable[Record]) -> bool:
    """Whether writing ``records`` can change where an alias edge points: they carry a model (its
    aliases) or an edge written through an alias. OpenLineage events carry neither."""
    return any((isinstance(r, Node) and r.kind is NodeKind.MODEL)
               or (isinstance(r, Edge) and r.kind in _ALIAS_EDGES and alias_ref(r.src) is not None) for r in records)


def reresolve_aliases(store: GraphStore) -> int:
    """Re-point every edge written through a model alias at the version the alias names now.

    Each moved edge keeps its source, properties and time; a placeholder node left without edges is
    removed. Returns how many edges moved.
    """
    resolver = Resolver.from_store(store)
    moved: list[tuple[Edge, Edge]] = []
    for e in store.edges(kinds=list(_ALIAS_EDGES)):
        written = e.props.get(ALIAS_PROP)
        if not isinstance(written, str) or "@" not in written:
            ref = alias_ref(e.src)  # written before aliases were kept on edges
            if ref is None:
                continue
            written = "@".join(ref)
        target = resolver.canonical(f"model_version:{written}")
        if target != e.src:
            old = Edge(src=e.src, kind=e.kind, dst=e.dst, source=e.source, props=dict(e.props), seen_at=e.seen_at)
            moved.append((old, replace(old, src=target)))
    by_source: dict[str, list[Edge]] = {}
    for old, _ in moved:
        by_source.setdefault(old.source, []).append(old)
    for source, olds in sorted(by_source.items()):
        store.retract(source, nodes=(), edges=[o.identity for o in olds])
    if moved:
        store.upsert(edges=[new for _, new in moved])
    _drop_orphan_placeholders(store, {old.src for old, _ in moved})
    return len(moved)


def _drop_orphan_placeholders(store: GraphStore, candidates: Sequence[str] | set[str]) -> None:
    for node_id in sorted(candidates):
        if alias_ref(node_id) is None:
            continue
        rec = store.get_node(node_id)
        if rec is None or not rec.props.get(STUB_PROP) or store.neighbours(node_id):
            continue
        for source in rec.sources:
            store.retract(source, nodes=[node_id], edges=())
