"""The reference every traversal-index test compares with: a store's ``reach`` equals a brute-force
breadth-first walk over its own ``edges()``, both ways, and lists the closure in (distance, id) order."""

from __future__ import annotations

from collections.abc import Callable, Collection

from steward.graph import EdgeKind
from steward.store.base import GraphStore, bfs


def check_walks(store: GraphStore, starts: list[str], depth: int | None, kinds: Collection[EdgeKind],
                node: Callable[[str], str]) -> None:
    """``node`` turns a test's short name into a node id."""
    edges = store.edges()
    for way in ("down", "up"):
        adj: dict[str, list[str]] = {}
        for e in edges:
            if e.kind in kinds:
                a, b = (e.src, e.dst) if way == "down" else (e.dst, e.src)
                adj.setdefault(a, []).append(b)
        present = [node(s) for s in starts if store.get_node(node(s)) is not None]
        want = bfs(present, lambda n: adj.get(n, ()), max_depth=depth)  # noqa: B023
        got = store.reach([node(s) for s in starts], way=way, kinds=kinds, max_depth=depth)
        assert got == want
        # in (distance, id) order, as CompactIndex.bfs lists a closure (new ids placed among the base's)
        assert list(got) == sorted(got, key=lambda k: (got[k].distance, k))
