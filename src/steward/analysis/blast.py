"""Blast radius: the broken thing and everything downstream of it, who owns it, and who to page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import numpy as np

from steward.analysis.common import members_of, parse_kinds, summary, without
from steward.analysis.ownership import ROLES, OwnershipView, Reach, prepare_owns
from steward.errors import InvalidInputError, NotFoundError
from steward.governance.rotations import rotations, team_shifts
from steward.graph import ARTIFACT_KINDS, CONTAINERS, MEMBER_EDGE, EdgeKind, NodeKind, NodeRecord, kind_of_id
from steward.store.base import GraphChanges, GraphStore

__all__ = ["blast_radius", "prepare"]

DEFAULT_LIMIT = 10_000


def blast_radius(
    store: GraphStore,
    node_id: str,
    *,
    max_depth: int | None = None,
    edge_kinds: Collection[str] | None = None,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The root (distance 0) and every artifact downstream of it, each with distance, one shortest
    path and owners; the paging list (the root's active owners and stewards first, then everyone
    else's, ranked by impacted deployments, then artifacts); the artifacts without an active owner;
    the claims naming nobody known. ``truncated`` says whether a depth or size cap cut it.

    Downstream of a container (job, model, repo) is the union over its members (runs, versions,
    commits), which are listed at distance 1.

    A team with an on-call rotation that owns or stewards something listed is paged through the
    person on call at ``now`` (default: the current time): they are in the paging list (``on_call``
    names the teams) right after the root's own owners, and ``on_call`` lists each such shift.
    """
    if max_depth is not None and max_depth < 1:
        raise InvalidInputError("max_depth must be at least 1")
    if limit < 1:
        raise InvalidInputError("limit must be at least 1")
    root = store.get_node(node_id)
    if root is None:
        raise NotFoundError(f"no node {node_id!r}")
    kinds = parse_kinds(edge_kinds)
    # One walk a step deeper than asked tells whether the depth cap cut anything off.
    probe = None if max_depth is None else max_depth + 1
    walk = _Walk(store, root, kinds, probe)
    truncated = False
    if max_depth is not None:
        truncated = walk.deepest() > max_depth
        walk.cut(max_depth)
    order, more = walk.artifacts(limit)
    truncated = truncated or more
    listed_ids = [root.id, *order] if root.kind in ARTIFACT_KINDS else order
    summaries = _summaries(store, listed_ids)
    listed_ids = [i for i in listed_ids if i in summaries or i == root.id]
    order = [i for i in order if i in summaries]
    deployments = {i for i in listed_ids if (root.kind if i == root.id else summaries[i][0]) is NodeKind.DEPLOYMENT}
    view = OwnershipView.load(store, scope=listed_ids, containers=walk.containers(listed_ids))
    impacted: list[dict[str, Any]] = []
    unowned: list[str] = []
    unresolved: list[dict[str, str]] = []
    page_artifacts: dict[str, set[str]] = defaultdict(set)
    page_roles: dict[str, set[str]] = defaultdict(set)
    page_teams: dict[str, set[str]] = defaultdict(set)
    page_through: dict[str, set[str]] = defaultdict(set)
    pages: dict[tuple[str, int], tuple[str, list[Reach], list[str]]] = {}
    distance, path, listing, kind_value = walk.distance, walk.path, view.listing, _KIND_VALUE
    for nid in listed_ids:
        is_root = nid == root.id
        kind, name = (root.kind, root.name) if is_root else summaries[nid]
        owners, by_owner, by_steward, unresolved_claims = listing(nid)
        impacted.append({
            "id": nid, "kind": kind_value[kind], "name": name,
            "distance": 0 if is_root else distance[nid],
            "path": [root.id] if is_root else path(nid),
            "owners": [o.copy() for o in owners],  # the view's may be shared with other answers
        })
        if not by_owner:
            unowned.append(nid)
        for c in unresolved_claims:
            unresolved.append({"artifact": nid, "owner": c.named_as, "role": c.role, "source": c.source})
        for role, people in ((ROLES[0], by_owner), (ROLES[1], by_steward)):
            if people:  # the same owners give the same list: group the artifacts, page once per list
                group = pages.get((role, id(people)))
                if group is None:
                    group = pages[(role, id(people))] = (role, people, [])
                group[2].append(nid)
    for role, people, grouped in pages.values():
        for reach in people:
            page_artifacts[reach.person].update(grouped)
            page_roles[reach.person].add(role)
            if reach.via:
                page_teams[reach.person].add(reach.via[0])
                page_through[reach.person].update(reach.via[1:])
    shifts = team_shifts(view, rotations(store, view.ids), listed_ids, now or datetime.now(UTC))
    page_on_call: dict[str, set[str]] = defaultdict(set)
    for team, (shift, held) in shifts.items():
        for artifact, roles in held.items():
            page_artifacts[shift.person].add(artifact)
            page_roles[shift.person].update(roles)
        page_teams[shift.person].add(team)
        page_on_call[shift.person].add(team)
    runbooks = {r.id: str(r.props["runbook"]) for r in store.get_nodes(sorted(deployments)).values()
                if r.kind is NodeKind.DEPLOYMENT and isinstance(r.props.get("runbook"), str)}
    page: list[dict[str, Any]] = []
    for person, arts in page_artifacts.items():
        deps = sorted(arts & deployments)
        page.append({
            "id": person, "name": view.name(person), "contact": view.ids.contact(person),
            "artifacts": sorted(arts), "deployments": deps, "roles": sorted(page_roles[person]),
            "root": root.id in arts, "teams": sorted(page_teams[person]), "through": sorted(page_through[person]),
            "runbooks": sorted({runbooks[d] for d in deps if d in runbooks}),
            "on_call": sorted(page_on_call[person]),
        })
    page.sort(key=lambda e: (not e["root"], not e["on_call"], -len(e["deployments"]), -len(e["artifacts"]), e["id"]))
    result: dict[str, Any] = {
        "root": summary(root),
        "impacted": impacted,
        "page": page,
        "unowned": unowned,
        "unresolved": unresolved,
        "on_call": [{**shift.to_json(view.ids), "artifacts": sorted(held)} for shift, held in shifts.values()],
        "truncated": truncated,
        "counts": {"impacted": len(order), "deployments": len(deployments), "unowned": len(unowned)},
        "edge_kinds": sorted(k.value for k in kinds),
        "max_depth": max_depth,
    }
    _mark_suspects(store, result)
    if root.kind in CONTAINERS:
        result["members"] = walk.members
    return result


#: Names kept per store version at most (a long-lived server lists the same nodes again and again).
_KEEP_SUMMARIES = 1_000_000


def _summaries(store: GraphStore, ids: list[str]) -> dict[str, tuple[NodeKind, str]]:
    """id -> (kind, name), from what earlier answers at this store version read where they did."""
    kept: dict[str, tuple[NodeKind, str]] = store.kept("blast.summaries", dict, _carry_summaries)
    missing = [i for i in ids if i not in kept]
    if not missing:
        return kept
    found = store.summaries_reached(sorted(missing))  # in key order: the reads walk the table's pages in order
    if len(kept) + len(found) <= _KEEP_SUMMARIES:
        kept.update(found)
        return kept
    return {**{i: kept[i] for i in ids if i in kept}, **found}


def _carry_summaries(kept: dict[str, tuple[NodeKind, str]], changes: GraphChanges
                     ) -> dict[str, tuple[NodeKind, str]]:
    """Names and kinds are the nodes' own: commits that changed no node keep them all; else a new dict
    without the changed ones (answers being made go on with the old one: one that read a name before
    the commit and keeps it after never puts it where later answers look)."""
    if not changes.nodes:
        return kept
    return without(kept, changes.nodes)


def prepare(store: GraphStore) -> None:
    """Read what every blast radius reuses (the traversal index; people, teams, memberships, the precedence;
    the suspect marks; every ``OWNS`` edge, kept across commits that leave them be: ``prepare_owns``):
    ``steward serve`` does it once at start, off the request path."""
    from steward.incidents.core import suspect_index

    store.closure([], way="down")
    store.keep_summaries()
    OwnershipView.load(store, scope=())
    suspect_index(store, only=())
    prepare_owns(store)  # the longest, last


def _mark_suspects(store: GraphStore, result: dict[str, Any]) -> None:
    """Artifacts under an unresolved incident get ``suspect`` (the incidents), and the answer a count."""
    from steward.incidents.core import suspect_index  # incidents build on the blast radius

    marks = suspect_index(store, only=[i["id"] for i in result["impacted"]])
    hit = [i for i in result["impacted"] if i["id"] in marks]
    for item in hit:
        item["suspect"] = marks[item["id"]]
    if hit:
        result["counts"]["suspect"] = len(hit)


class _Walk:
    """Everything downstream of the root as :func:`steward.analysis.common.walk_down` finds it, kept as
    the store's :class:`Closure` (arrays in (distance, id) order): ids are made only for what is listed.

    Downstream of a container is its members (distance 1, parent the root) and the walk from them
    (one step further); the root itself is never part of it.
    """

    def __init__(self, store: GraphStore, root: NodeRecord, kinds: frozenset[EdgeKind], max_depth: int | None) -> None:
        self.root = root.id
        self.members = members_of(store, root)
        self.shift = 1 if self.members else 0
        starts = self.members or [root.id]
        depth = None if max_depth is None else max_depth - self.shift
        self.closure = store.closure(starts, way="down", kinds=kinds, max_depth=depth)
        self.size = len(self.closure)
        self.distance: dict[str, int] = {m: 1 for m in self.members}
        self._pos: dict[str, int] = {}
        self._ids: list[str] = []  # the ids at positions 0, 1, ... as far as they were decoded
        self._paths: list[list[str]] | None = None

    def deepest(self) -> int:
        """The largest distance reached (0 when nothing is); the root is not reached."""
        for pos in range(self.size - 1, max(self.size - 3, -1), -1):  # the root is there once at most
            if self._id(pos) != self.root:
                return int(self.closure.distances[pos]) + self.shift
        return 1 if self.members else 0

    def cut(self, max_depth: int) -> None:
        """Keep what is within ``max_depth`` (at least 1)."""
        self.size = int(np.searchsorted(self.closure.distances, max_depth - self.shift, side="right"))

    def artifacts(self, limit: int) -> tuple[list[str], bool]:
        """The first ``limit`` artifacts by (distance, id), and whether there were more."""
        out: list[str] = []
        for m in self.members:  # distance 1, before everything the walk from them finds
            if kind_of_id(m) in ARTIFACT_KINDS:
                if len(out) == limit:
                    return out, True
                out.append(m)
        chunk = 4096
        dist = self.closure.distances
        for start in range(0, self.size, chunk):
            stop = min(start + chunk, self.size)
            ids = self.closure.ids(start, stop)
            if start == len(self._ids):
                self._ids += ids
            for pos, nid in enumerate(ids, start):
                if nid == self.root or not _is_artifact(nid):
                    continue
                if len(out) == limit:
                    return out, True
                out.append(nid)
                self._pos[nid] = pos
                self.distance[nid] = int(dist[pos]) + self.shift
        return out, False

    def containers(self, ids: list[str]) -> dict[str, str | None] | None:
        """The containers of the members among ``ids`` the walk reached (not the root's own members), from
        the walk's own snapshot where the store can tell (:meth:`Closure.containers`)."""
        found = [(self._pos[i], edge) for i in ids if (edge := _MEMBER_EDGE_OF.get(i.partition(":")[0])) is not None
                 and i in self._pos]
        return self.closure.containers([p for p, _ in found], [e for _, e in found])

    def _id(self, pos: int) -> str:
        if pos < len(self._ids):
            return self._ids[pos]
        return self.closure.ids(pos, pos + 1)[0]

    def path(self, nid: str) -> list[str]:
        """One shortest path root -> ``nid`` (a listed node), from the walk's parents."""
        if nid not in self._pos:  # a member
            return [self.root, nid]
        paths = self._paths
        if paths is None:
            paths = self._paths = self._all_paths()
        return paths[self._pos[nid]]

    def _all_paths(self) -> list[list[str]]:
        """The path of every position :meth:`artifacts` decoded, in one pass: a node's parent is one step
        closer, so at an earlier position, and its path is the parent's and the node. A walk from a
        container's members that passes through the root starts again there; a node whose parent is a
        start (the root, or a member of it) hangs off the root directly or through that member."""
        root = self.root
        ids = self._ids
        parent_pos = self.closure.parent_positions()[: len(ids)].tolist()
        paths: list[list[str]] = []
        starts: dict[int, list[str]] = {}
        for pos, (nid, p) in enumerate(zip(ids, parent_pos, strict=True)):
            if nid == root:
                paths.append([root])
            elif p >= 0:
                paths.append([*paths[p], nid])
            else:
                handle = int(self.closure.parents[pos])
                head = starts.get(handle)
                if head is None:
                    start = self.closure.id_of_handle(handle)
                    head = starts[handle] = [start] if start == root else [root, start]
                paths.append([*head, nid])
        return paths


_ARTIFACT_PREFIXES = frozenset(k.prefix for k in ARTIFACT_KINDS)
_MEMBER_EDGE_OF = {k.prefix: e for k, e in MEMBER_EDGE.items()}
_KIND_VALUE = {k: k.value for k in NodeKind}


def _is_artifact(node_id: str) -> bool:
    return node_id.partition(":")[0] in _ARTIFACT_PREFIXES
