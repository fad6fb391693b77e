"""The Neo4j topology snapshot's builder: rows as the server sends them (internal ids in any order,
dense or huge, relationships per type, some ending at nodes the node list does not hold) become the
same walk as ``steward.store.base.bfs`` over Steward ids, edge kinds filtered."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.graph import EdgeKind
from steward.store.base import bfs
from steward.store.neo4j_topology import build_from_rows

KINDS = [EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED, EdgeKind.FEEDS, EdgeKind.OWNS]


@pytest.mark.parametrize("base", [0, 1 << 40])  # dense internal ids, and ids far past any array
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(1, 30), p=st.floats(0.02, 0.3))
def test_rows_become_the_walk_bfs_gives(base: int, seed: int, n: int, p: float) -> None:
    rng = random.Random(seed)
    names = [f"n{rng.choice(['', 'A', 'é', '😀'])}{i}" for i in range(n)]  # string order != internal order
    nids = rng.sample(range(base, base + 4 * n), n)
    edges: dict[EdgeKind, tuple[list[int], list[int]]] = {k: ([], []) for k in EdgeKind}
    triples = []
    for a in range(n):
        for b in range(n):
            if a != b and rng.random() < p:
                k = rng.choice(KINDS)
                edges[k][0].append(nids[a])
                edges[k][1].append(nids[b])
                triples.append((names[a], k, names[b]))
    # a relationship to a node created after the node list was read is left out
    edges[EdgeKind.FEEDS][0].append(nids[0])
    edges[EdgeKind.FEEDS][1].append(base + 10 * n + 7)
    kinds = list(EdgeKind)
    index = build_from_rows(nids, names, [edges[k] for k in kinds], kinds)
    for wanted in ({EdgeKind.FEEDS}, {EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED}, set(KINDS)):
        for way in ("down", "up"):
            succ: dict[str, set[str]] = {}
            for a, k, b in triples:
                if k in wanted:
                    u, v = (a, b) if way == "down" else (b, a)
                    succ.setdefault(u, set()).add(v)
            start = names[rng.randrange(n)]
            want = bfs([start], lambda x, s=succ: s.get(x, ()))  # type: ignore[misc]
            assert index.reach([start], way=way, kinds=wanted, max_depth=None) == want
