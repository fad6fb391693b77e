"""Pieces several analyses share: node summaries, paths, deployments at risk."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from steward.errors import InvalidInputError
from steward.graph import LINEAGE_EDGES, EdgeKind, NodeKind, NodeRecord
from steward.store.base import GraphStore, Reached

__all__ = ["deployments_at_risk", "parse_kinds", "path_to", "summary"]


def summary(rec: NodeRecord) -> dict[str, str]:
    return {"id": rec.id, "kind": rec.kind.value, "name": rec.name}


def path_to(node: str, root: str, reached: dict[str, Reached]) -> list[str]:
    """One shortest path root -> node, from the walk's deterministic parents."""
    path = [node]
    while path[-1] != root:
        path.append(reached[path[-1]].parent)
    return path[::-1]


def deployments_at_risk(store: GraphStore) -> dict[str, set[str]]:
    """node id -> the deployments downstream of it (a deployment is at risk from itself).

    One upstream walk per deployment (deployments are few), never one walk per artifact.
    """
    out: dict[str, set[str]] = {}
    for dep in store.find_nodes(kinds=[NodeKind.DEPLOYMENT]):
        out.setdefault(dep.id, set()).add(dep.id)
        for node in store.reach([dep.id], way="up"):
            out.setdefault(node, set()).add(dep.id)
    return out


def parse_kinds(names: Collection[str] | None) -> frozenset[EdgeKind]:
    """Edge kinds to follow, by name (case-insensitive); only lineage kinds are allowed."""
    if not names:
        return LINEAGE_EDGES
    out = set()
    for n in names:
        try:
            kind = EdgeKind(n.strip().upper())
        except ValueError:
            kind = None
        if kind is None or kind not in LINEAGE_EDGES:
            allowed = ", ".join(sorted(k.value for k in LINEAGE_EDGES))
            raise InvalidInputError(f"{n!r} is not a lineage edge kind; choose from {allowed}")
        out.add(kind)
    return frozenset(out)


def parse_time(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
