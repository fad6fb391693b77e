"""Pieces several analyses share: node summaries, paths, the walks from any starting point, and
the deployments at risk from each node.

**Containers** (a ``Job`` and its runs, a ``Model`` and its versions, a ``Repo`` and its commits):

* downstream of a container is the union over its members, which are listed at distance 1;
* a container is listed wherever one of its members is reached (downstream: one step after the
  member; upstream: beside it), and never walked through: a job's old runs do not leak into a new
  run's upstream, because walks never go from a container back to its members;
* upstream of a container is the union of its members' upstream.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import TypeVar

from steward.errors import InvalidInputError
from steward.graph import (
    CONTAINER_EDGES,
    CONTAINERS,
    LINEAGE_EDGES,
    MEMBER_EDGE,
    EdgeKind,
    NodeKind,
    NodeRecord,
    kind_of_id,
)
from steward.store.base import GraphStore, Reached

__all__ = [
    "containers_of",
    "deployments_at_risk",
    "members_of",
    "parse_kinds",
    "parse_time",
    "path_to",
    "summary",
    "walk_down",
    "walk_up",
    "without",
]

K = TypeVar("K")
V = TypeVar("V")


def without(table: dict[K, V], keys: Iterable[K]) -> dict[K, V]:
    """A copy of ``table`` (made in C) less ``keys``: what a kept answer costs a commit, instead of a Python
    pass over every entry."""
    out = dict(table)
    for k in keys:
        out.pop(k, None)
    return out


def summary(rec: NodeRecord) -> dict[str, str]:
    return {"id": rec.id, "kind": rec.kind.value, "name": rec.name}


def path_to(node: str, root: str, reached: dict[str, Reached]) -> list[str]:
    """One shortest path root -> node, from the walk's deterministic parents."""
    path = [node]
    while path[-1] != root:
        path.append(reached[path[-1]].parent)
    return path[::-1]


def members_of(store: GraphStore, container: NodeRecord) -> list[str]:
    """The runs of a job, the versions of a model, the commits of a repo (sorted); [] for anything else."""
    spec = CONTAINERS.get(container.kind)
    if spec is None:
        return []
    member_kind, edge = spec
    return sorted({e.src for e in store.edges_at([container.id], end="dst", kinds=[edge])
                   if kind_of_id(e.src) is member_kind})


def containers_of(store: GraphStore, ids: Collection[str]) -> dict[str, str]:
    """member id -> its container, for the members among ``ids``."""
    members = sorted(i for i in ids if kind_of_id(i) in MEMBER_EDGE)
    if not members:
        return {}
    out: dict[str, str] = {}
    for e in store.edges_at(members, end="src", kinds=sorted(CONTAINER_EDGES)):
        if MEMBER_EDGE[kind_of_id(e.src)] is e.kind:
            out.setdefault(e.src, e.dst)
    return out


def _shift(found: Mapping[str, Reached], by: int) -> dict[str, Reached]:
    return {n: Reached(r.distance + by, r.parent) for n, r in found.items()}


def walk_down(
    store: GraphStore, root: NodeRecord, *, kinds: Collection[EdgeKind] = LINEAGE_EDGES, max_depth: int | None = None,
) -> Mapping[str, Reached]:
    """Everything downstream of ``root``; for a container, its members (distance 1) and theirs."""
    members = members_of(store, root)
    if not members:
        return store.reach([root.id], way="down", kinds=kinds, max_depth=max_depth)
    if max_depth is not None and max_depth < 1:
        return {}
    found: dict[str, Reached] = {m: Reached(1, root.id) for m in members}
    rest = store.reach(members, way="down", kinds=kinds, max_depth=None if max_depth is None else max_depth - 1)
    for node, r in _shift(rest, 1).items():
        if node != root.id and node not in found:
            found[node] = r
    return found


def walk_up(
    store: GraphStore, root: NodeRecord, *, kinds: Collection[EdgeKind] = LINEAGE_EDGES, max_depth: int | None = None,
) -> tuple[dict[str, Reached], dict[str, list[str]]]:
    """Everything upstream of ``root`` (for a container: its members at distance 1, and their upstream),
    never walking from a
    container into its members; and the containers of the members reached -> those members.

    Containers come back in the second mapping, not in the walk: they are listed, not walked.
    """
    flow = [k for k in kinds if k not in CONTAINER_EDGES]
    members = members_of(store, root)
    starts = members or [root.id]
    found: dict[str, Reached] = {m: Reached(1, root.id) for m in members}
    if members and max_depth is not None:
        max_depth -= 1
    if flow and (max_depth is None or max_depth >= 1):
        walked = store.reach(starts, way="up", kinds=flow, max_depth=max_depth)
        for node, r in (_shift(walked, 1) if members else walked).items():
            if node != root.id:
                found.setdefault(node, r)
    containers: dict[str, list[str]] = {}
    for member, container in sorted(containers_of(store, found).items()):
        if container != root.id:
            containers.setdefault(container, []).append(member)
    return found, containers


def deployments_at_risk(store: GraphStore) -> dict[str, set[str]]:
    """node id -> the deployments downstream of it (a deployment is at risk from itself), containers
    included: a job is at risk of every deployment one of its runs feeds.

    One upstream walk per deployment, all in one call to the store (``reached_by``: the walks
    turned inside out, which the embedded store does over integer arrays), never one walk per
    artifact. The sets are read-only: nodes at risk from the same deployments may share one.
    """
    deployments = [d for d, _, _ in store.node_summaries(kinds=[NodeKind.DEPLOYMENT])]
    out = store.reached_by(deployments, way="up", kinds=sorted(LINEAGE_EDGES - CONTAINER_EDGES))
    for dep in deployments:
        out[dep] = out.get(dep, set()) | {dep}  # a new set: the store's may be shared
    for member, container in containers_of(store, list(out)).items():
        out[container] = out.get(container, set()) | out[member]  # a container is at risk of what its members feed
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
