"""Immediate dominators over integer node ids (Cooper, Harvey and Kennedy, "A Simple, Fast
Dominance Algorithm", 2001): the iterative data-flow algorithm over reverse postorder, on plain
integer lists, so a chokepoint analysis of a million-node graph needs no graph object per node.

The immediate dominator of a node is unique, so any correct algorithm gives the same answer as
``networkx.immediate_dominators`` (tests/unit/test_dominators.py compares them on random graphs,
acyclic and cyclic).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order

__all__ = ["csr", "dominators_of_dag", "immediate_dominators", "source_components"]

IntArray = npt.NDArray[np.int64]


def csr(n: int, src: Sequence[int], dst: Sequence[int]) -> tuple[list[int], list[int]]:
    """(indptr, indices) of the edges ``src[i] -> dst[i]`` over nodes ``0..n-1``, neighbours in edge order."""
    indptr = [0] * (n + 1)
    for a in src:
        indptr[a + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = [0] * len(src)
    for a, b in zip(src, dst, strict=True):
        indices[fill[a]] = b
        fill[a] += 1
    return indptr, indices


def immediate_dominators(n: int, indptr: Sequence[int], indices: Sequence[int], root: int) -> list[int]:
    """``idom[v]`` for every node ``v`` reachable from ``root`` (``idom[root] == root``), ``-1`` for
    the others. The graph is the CSR ``indptr``/``indices`` over nodes ``0..n-1``."""
    # postorder by an iterative depth-first search
    post = [-1] * n
    order: list[int] = []  # nodes in postorder
    visited = [False] * n
    visited[root] = True
    stack = [(root, indptr[root])]
    while stack:
        v, i = stack[-1]
        end = indptr[v + 1]
        while i < end and visited[indices[i]]:
            i += 1
        if i < end:
            w = indices[i]
            stack[-1] = (v, i + 1)
            visited[w] = True
            stack.append((w, indptr[w]))
        else:
            stack.pop()
            post[v] = len(order)
            order.append(v)
    # predecessors among the reachable nodes
    preds: list[list[int]] = [[] for _ in range(n)]
    for v in order:
        for j in range(indptr[v], indptr[v + 1]):
            preds[indices[j]].append(v)
    idom = [-1] * n
    idom[root] = root
    rpo = order[::-1]
    changed = True
    while changed:
        changed = False
        for v in rpo:
            if v == root:
                continue
            new = -1
            for p in preds[v]:
                if idom[p] == -1:
                    continue
                if new == -1:
                    new = p
                    continue
                a, b = p, new  # intersect: walk up the tree by postorder number
                while a != b:
                    while post[a] < post[b]:
                        a = idom[a]
                    while post[b] < post[a]:
                        b = idom[b]
                new = a
            if new != -1 and idom[v] != new:
                idom[v] = new
                changed = True
    return idom


def source_components(n: int, indptr: Sequence[int], indices: Sequence[int], nodes: Sequence[int]) -> list[int]:
    """The members of the strongly connected components among ``nodes`` that no edge enters from
    outside the component, when no edge enters ``nodes`` from elsewhere (sorted). Tarjan's
    algorithm, iterative."""
    inside = set(nodes)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    comp_of: dict[int, int] = {}
    comps: list[list[int]] = []
    counter = 0
    for start in sorted(inside):
        if start in index:
            continue
        work = [(start, indptr[start])]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, i = work[-1]
            end = indptr[v + 1]
            pushed = False
            while i < end:
                w = indices[i]
                i += 1
                if w not in inside:
                    continue
                if w not in index:
                    work[-1] = (v, i)
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, indptr[w]))
                    pushed = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if pushed:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp: list[int] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp_of[w] = len(comps)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(comp)
    entered = [False] * len(comps)
    for v in inside:
        for j in range(indptr[v], indptr[v + 1]):
            w = indices[j]
            if w in inside and comp_of[w] != comp_of[v]:
                entered[comp_of[w]] = True
    return sorted(v for c, comp in enumerate(comps) if not entered[c] for v in comp)


def _first_of_runs(sorted_values: IntArray) -> npt.NDArray[np.bool_]:
    """True where a run of equal values starts."""
    first = np.ones(sorted_values.size, dtype=np.bool_)
    if sorted_values.size > 1:
        np.not_equal(sorted_values[1:], sorted_values[:-1], out=first[1:])
    return first


def dominators_of_dag(n: int, src: IntArray, dst: IntArray, root: int) -> IntArray | None:
    """:func:`immediate_dominators` over integer arrays (edges ``src[i] -> dst[i]``), when the part of
    the graph ``root`` reaches has no cycle; None when it has one (the caller falls back to
    :func:`immediate_dominators`).

    In an acyclic graph the immediate dominator of a node is the nearest common ancestor, in the
    dominator tree, of all its predecessors. Nodes are taken level by level in topological order
    (Kahn's algorithm, one numpy step per level); each level's nearest common ancestors are found
    for all its nodes at once, by binary lifting over the tree built so far, pairing predecessors
    until one is left per node (a logarithmic number of rounds). Self-loops and edges into ``root``
    change no dominator (no path from the root needs them) and are ignored, so a cycle through the root
    alone still has an answer here.
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    drop = (src == dst) | (dst == root)
    if drop.any():
        src, dst = src[~drop], dst[~drop]
    idom = np.full(n, -1, dtype=np.int64)
    idom[root] = root
    graph = csr_array((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
    reached = np.zeros(n, dtype=np.bool_)
    reached[breadth_first_order(graph, root, directed=True, return_predecessors=False)] = True
    keep = reached[src]
    src, dst = src[keep], dst[keep]
    # in-edges grouped by target (preds of v: pred_src[in_ptr[v]:in_ptr[v+1]]), out-edges by source
    pred_src = src[np.argsort(dst)]  # (the order of a node's predecessors does not matter)
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=n), out=in_ptr[1:])
    succ = dst if bool((src[1:] >= src[:-1]).all()) else dst[np.argsort(src)]
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=out_ptr[1:])
    indeg = np.diff(in_ptr)
    # topological levels
    levels: list[IntArray] = []
    frontier = np.array([root], dtype=np.int64)
    done = 0
    while frontier.size:
        levels.append(frontier)
        done += frontier.size
        nxt = _gather(succ, out_ptr, frontier)[0]
        if nxt.size == 0:
            break
        np.subtract.at(indeg, nxt, 1)
        nxt = nxt[indeg[nxt] == 0]
        nxt.sort()
        frontier = nxt[_first_of_runs(nxt)]
    if done != int(reached.sum()):
        return None  # a cycle: some reached node never had all its predecessors placed
    k_max = max(1, len(levels).bit_length())
    up = np.empty((k_max, n), dtype=np.int64)
    up[:, root] = root
    depth = np.zeros(n, dtype=np.int64)

    def nca(a: IntArray, b: IntArray) -> IntArray:
        a, b = a.copy(), b.copy()
        swap = depth[a] < depth[b]
        a[swap], b[swap] = b[swap], a[swap]
        diff = depth[a] - depth[b]
        for k in range(k_max):
            sel = ((diff >> k) & 1).astype(np.bool_)
            if sel.any():
                a[sel] = up[k][a[sel]]
        for k in range(k_max - 1, -1, -1):
            ua, ub = up[k][a], up[k][b]
            move = ua != ub
            if move.any():
                a[move], b[move] = ua[move], ub[move]
        return np.where(a == b, a, up[0][a])

    for vs in levels[1:]:
        val, grp = _gather(pred_src, in_ptr, vs)
        while True:  # pair up each node's predecessors until one is left per node
            first = _first_of_runs(grp)
            if first.all():
                break
            starts = np.flatnonzero(first)
            rank = np.arange(grp.size, dtype=np.int64) - np.repeat(starts, np.diff(np.append(starts, grp.size)))
            even = rank % 2 == 0
            has_next = np.zeros(grp.size, dtype=np.bool_)
            has_next[:-1] = grp[1:] == grp[:-1]
            pair = np.flatnonzero(even & has_next)
            val[pair] = nca(val[pair], val[pair + 1])
            val, grp = val[even], grp[even]
        idom[vs] = val
        depth[vs] = depth[val] + 1
        up[0][vs] = val
        for k in range(1, k_max):
            up[k][vs] = up[k - 1][up[k - 1][vs]]
    return idom


def _gather(values: IntArray, ptr: IntArray, nodes: IntArray) -> tuple[IntArray, IntArray]:
    """The concatenated slices ``values[ptr[v]:ptr[v + 1]]`` of ``nodes``, and which node each entry
    came from (its index in ``nodes``)."""
    lo = ptr[nodes]
    cnt = ptr[nodes + 1] - lo
    ends = np.cumsum(cnt)
    pos = np.arange(int(ends[-1]) if ends.size else 0, dtype=np.int64)
    pos += np.repeat(lo - (ends - cnt), cnt)
    return values[pos], np.repeat(np.arange(nodes.size, dtype=np.int64), cnt)
