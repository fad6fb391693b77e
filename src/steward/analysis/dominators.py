"""Immediate dominators over integer node ids (Cooper, Harvey and Kennedy, "A Simple, Fast
Dominance Algorithm", 2001): the iterative data-flow algorithm over reverse postorder, on plain
integer lists, so a chokepoint analysis of a million-node graph needs no graph object per node.

The immediate dominator of a node is unique, so any correct algorithm gives the same answer as
``networkx.immediate_dominators`` (tests/unit/test_dominators.py compares them on random graphs,
acyclic and cyclic).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["csr", "immediate_dominators", "source_components"]


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
