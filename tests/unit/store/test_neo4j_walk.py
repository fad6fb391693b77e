"""The client side of the Neo4j store's ``reach``: one level of the walk over internal ids must pick
the same nodes, distances and parents as ``steward.store.base.bfs`` over Steward ids, whatever the
internal ids are (small and dense, or huge, which switches the seen-set from an array to a set)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.store.base import Reached, bfs
from steward.store.neo4j import _next_level, _Seen


def walk(succ: dict[int, list[int]], name: dict[int, str], starts: list[int]) -> dict[str, Reached]:
    """The level loop of ``Neo4jStore.reach`` with the server's answers computed from ``succ``."""
    frontier = sorted(set(starts))
    seen = _Seen(frontier)
    found: dict[str, Reached] = {}
    waiting: list[Reached] = []
    depth = 0
    while frontier:
        names = [name[i] for i in frontier]
        found.update(zip(names, waiting, strict=False))
        depth += 1
        src = [a for a in frontier for _ in succ.get(a, [])]
        dst = [b for a in frontier for b in succ.get(a, [])]
        frontier, parents = _next_level(frontier, names, src, dst, seen)
        waiting = [Reached(depth, p) for p in parents]
    return found


@pytest.mark.parametrize("base", [0, 1 << 29])  # dense ids, and ids past the array's limit
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(1, 40), p=st.floats(0.02, 0.3))
def test_a_level_by_internal_ids_is_bfs_by_steward_ids(base: int, seed: int, n: int, p: float) -> None:
    rng = random.Random(seed)
    # Steward ids whose string order differs from the internal ids' order ("n10" < "n9")
    ids = rng.sample(range(base, base + 10 * n + 10), n)
    name = {i: f"dataset:n{rng.randrange(1000)}-{k}" for k, i in enumerate(ids)}
    succ: dict[int, list[int]] = {}
    for a in ids:
        succ[a] = [b for b in ids if b != a and rng.random() < p]  # cycles allowed, as in the store
    starts = rng.sample(ids, rng.randint(1, min(3, n)))
    by_name = {v: k for k, v in name.items()}
    expected = bfs([name[s] for s in starts], lambda x: [name[b] for b in succ[by_name[x]]])
    assert walk(succ, name, starts) == expected


def test_the_seen_set_grows_and_switches_to_a_set_for_huge_ids() -> None:
    import numpy as np

    seen = _Seen([3])
    seen.add(np.array([5000, 7], dtype=np.int64))
    assert seen.unseen(np.array([3, 4, 5000, 7, 6], dtype=np.int64)).tolist() == [False, True, False, False, True]
    huge = _Seen.ARRAY_MAX + 5
    assert seen.unseen(np.array([huge, 3], dtype=np.int64)).tolist() == [True, False]
    seen.add(np.array([huge], dtype=np.int64))
    assert seen.unseen(np.array([huge, 4, 5000], dtype=np.int64)).tolist() == [False, True, False]
