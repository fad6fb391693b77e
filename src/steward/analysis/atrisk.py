"""The deployments at risk from each node, as bits (issue 12: ``spof`` and ``audit`` on a million-node
graph with deployments).

:func:`steward.analysis.common.deployments_at_risk` answers with one Python set of deployment ids per
node: millions of (node, deployment) pairs when deployments depend on half the graph. Here the same
answer is a matrix of bits (a row per node, a bit per deployment), computed from one
:meth:`GraphStore.walk_graph` (the walk up from every deployment at once, its data-flow edges, and the
member -> container edges leaving it): each strongly connected component of the walk's data flow
gets the OR of its members' own bits and of everything it feeds, component by component from the
deployments up (topological levels, one numpy step each); a container gets the OR of its members'.
Ids of deployments are made only for the nodes an answer lists.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from steward.graph import CONTAINER_EDGES, FLOW_EDGES, MEMBER_EDGE, NodeKind
from steward.store.base import GraphStore, WalkGraph

__all__ = ["AtRisk", "load_at_risk"]

IntArray = npt.NDArray[np.int64]
Bits = npt.NDArray[np.uint64]


@dataclass
class AtRisk:
    """node -> the deployments downstream of it, containers included (the answer of
    ``deployments_at_risk``): row ``i`` of ``bits`` is node ``graph.ids[i]``, bit ``j`` deployment
    ``deployments[j]``; a row of zeros is a node at risk of nothing."""

    deployments: list[str]
    graph: WalkGraph
    bits: Bits
    #: member position -> its container's position (-1: none), for the walk's nodes
    container: IntArray
    _pos: dict[str, int] | None = field(default=None, repr=False)
    _counts: list[int] | None = field(default=None, repr=False)

    @property
    def ids(self) -> list[str]:
        return self.graph.ids

    @property
    def pos(self) -> dict[str, int]:
        if self._pos is None:
            self._pos = {s: i for i, s in enumerate(self.graph.ids)}
        return self._pos

    @property
    def counts(self) -> list[int]:
        """How many deployments each row names."""
        if self._counts is None:
            self._counts = np.bitwise_count(self.bits).sum(axis=1, dtype=np.int64).tolist()
        return self._counts

    def count(self, node: str) -> int:
        i = self.pos.get(node)
        return 0 if i is None else self.counts[i]

    def count_by_id(self) -> dict[str, int]:
        """node id -> how many deployments are at risk from it (absent: none)."""
        return dict(zip(self.graph.ids, self.counts, strict=True))  # (a container no member feeds: 0)

    def names(self, row: Bits) -> list[str]:
        """The deployments of one row of bits, sorted."""
        flags = np.unpackbits(row.view(np.uint8), bitorder="little")[: len(self.deployments)]
        return [self.deployments[j] for j in np.flatnonzero(flags).tolist()]

    def of(self, nodes: Iterable[str]) -> list[str]:
        """The deployments at risk from any of ``nodes``, sorted."""
        rows = [i for i in (self.pos.get(n) for n in nodes) if i is not None]
        if not rows:
            return []
        return self.names(np.bitwise_or.reduce(self.bits[rows], axis=0))

    def as_sets(self) -> dict[str, set[str]]:
        """The same answer as ``deployments_at_risk``: node id -> set of deployment ids (nodes at risk
        from the same deployments share one set)."""
        out: dict[str, set[str]] = {}
        shared: dict[bytes, set[str]] = {}
        for i, node in enumerate(self.graph.ids):
            row = self.bits[i]
            key = row.tobytes()
            got = shared.get(key)
            if got is None:
                got = shared[key] = set(self.names(row))
            if got:
                out[node] = got
        return out

    def kind_range(self, kind: NodeKind) -> tuple[int, int]:
        """The positions ``lo:hi`` of the ids of ``kind`` (ids are sorted, and a kind is an id prefix)."""
        return prefix_range(self.graph.ids, kind)


def prefix_range(ids: list[str], kind: NodeKind) -> tuple[int, int]:
    lo = bisect_left(ids, f"{kind.prefix}:")
    return lo, bisect_left(ids, f"{kind.prefix};", lo)  # ';' follows ':'


def load_at_risk(store: GraphStore) -> AtRisk:
    """The deployments at risk from each node (:class:`AtRisk`), from one walk of the store."""
    deployments = [d for d, _, _ in store.node_summaries(kinds=[NodeKind.DEPLOYMENT])]
    g = store.walk_graph(deployments, way="up", kinds=sorted(FLOW_EDGES), leaving=sorted(CONTAINER_EDGES))
    n = len(g.ids)
    words = max(1, -(-len(deployments) // 64))
    own = np.zeros((n, words), dtype=np.uint64)
    dep_pos = np.fromiter((bisect_left(g.ids, d) for d in deployments), dtype=np.int64, count=len(deployments))
    found = np.fromiter((p < n and g.ids[p] == d for p, d in zip(dep_pos.tolist(), deployments, strict=True)),
                        dtype=np.bool_, count=len(deployments))  # (one a commit deleted since its listing: none)
    j = np.flatnonzero(found)
    dep_pos = dep_pos[j]
    np.bitwise_or.at(own, (dep_pos, j // 64), np.left_shift(np.uint64(1), (j % 64).astype(np.uint64)))
    flow = (g.bits & np.uint32(g.mask(FLOW_EDGES))) != 0
    bits = propagate(n, g.src[flow], g.dst[flow], own)
    # members -> containers: the member edge of the member's kind, to its smallest container
    container = np.full(n, -1, dtype=np.int64)
    for member_kind, edge in MEMBER_EDGE.items():
        lo, hi = prefix_range(g.ids, member_kind)
        sel = ((g.bits & np.uint32(g.mask([edge]))) != 0) & (g.src >= lo) & (g.src < hi)
        a, b = g.src[sel], g.dst[sel]  # sorted by (src, dst): a member's smallest container first
        first = np.ones(a.size, dtype=np.bool_)
        first[1:] = a[1:] != a[:-1]
        container[a[first]] = b[first]
    members = np.flatnonzero(container >= 0)
    if members.size:
        np.bitwise_or.at(bits, container[members], bits[members])
    return AtRisk(deployments, g, bits, container)


def propagate(n: int, src: IntArray, dst: IntArray, own: Bits) -> Bits:
    """Row ``v`` of the answer: the OR of ``own`` over every node ``v`` reaches (itself included) along
    the edges ``src -> dst``: per strongly connected component, from the sinks up, one level at a time."""
    if src.size == 0:
        return own.copy()
    graph = csr_array((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    m, label = connected_components(graph, directed=True, connection="strong")
    if m == n:  # no cycle: every node is its own component
        comp, a, b = own.copy(), src, dst
        loop = a == b
        if loop.any():
            a, b = a[~loop], b[~loop]
    else:
        label = label.astype(np.int64)
        comp = np.zeros((m, own.shape[1]), dtype=np.uint64)
        np.bitwise_or.at(comp, label, own)
        a, b = label[src], label[dst]
        cross = a != b
        a, b = a[cross], b[cross]
    # levels: sinks first, then every component whose successors are all placed
    by_b = np.argsort(b)
    pred = a[by_b]
    in_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(b, minlength=m), out=in_ptr[1:])
    outdeg = np.bincount(a, minlength=m)
    level = np.full(m, -1, dtype=np.int64)
    frontier = np.flatnonzero(outdeg == 0)
    depth = 0
    while frontier.size:
        level[frontier] = depth
        lo = in_ptr[frontier]
        cnt = in_ptr[frontier + 1] - lo
        ends = np.cumsum(cnt)
        pos = np.arange(int(ends[-1]), dtype=np.int64) + np.repeat(lo - (ends - cnt), cnt)
        ps = pred[pos]
        if ps.size > m // 8:
            outdeg -= np.bincount(ps, minlength=m)
        else:
            np.subtract.at(outdeg, ps, 1)
        ps = ps[outdeg[ps] == 0]
        ps.sort()
        if ps.size > 1:
            ps = ps[np.concatenate(([True], ps[1:] != ps[:-1]))]
        frontier = ps
        depth += 1
    # the OR over successors, level by level (a component's successors are all on lower levels):
    # edges ordered by (level of their source, source)
    lv = level[a]
    if depth < 1 << 15 and bool((a[1:] >= a[:-1]).all()):  # sources ascending: a stable sort of small ints
        order = np.argsort(lv.astype(np.int16), kind="stable")
    else:
        order = np.lexsort((a, lv))
    a, b, lv = a[order], b[order], lv[order]
    cuts = np.searchsorted(lv, np.arange(depth + 1, dtype=np.int64))
    for step in range(1, depth):
        first, last = int(cuts[step]), int(cuts[step + 1])
        if first == last:
            continue
        sa, sb = a[first:last], b[first:last]
        starts = np.flatnonzero(np.concatenate(([True], sa[1:] != sa[:-1])))
        comp[sa[starts]] |= np.bitwise_or.reduceat(comp[sb], starts, axis=0)
    if m == n:
        return comp
    out: Bits = comp[label]
    return out
