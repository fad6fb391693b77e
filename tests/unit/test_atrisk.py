"""The bit propagation behind the deployments at risk (steward.analysis.atrisk.propagate) against a
breadth-first walk from every node, on random graphs with cycles, self-loops and more than one word
of bits."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.analysis.atrisk import propagate


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_propagate_is_the_or_over_everything_a_node_reaches(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 30), label="nodes")
    edges = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
                      label="edges")
    if data.draw(st.booleans(), label="acyclic"):
        edges = [(a, b) for a, b in edges if a < b]
    starts = data.draw(st.lists(st.integers(0, n - 1), max_size=130), label="starts")  # bit j: starts[j]
    words = max(1, -(-len(starts) // 64))
    own = np.zeros((n, words), dtype=np.uint64)
    for j, s in enumerate(starts):
        own[s, j // 64] |= np.uint64(1 << (j % 64))
    got = propagate(n, np.asarray([a for a, _ in edges], dtype=np.int64),
                    np.asarray([b for _, b in edges], dtype=np.int64), own)
    succ: dict[int, set[int]] = {}
    for a, b in edges:
        succ.setdefault(a, set()).add(b)
    for v in range(n):
        seen, todo = {v}, [v]
        while todo:
            for w in succ.get(todo.pop(), ()):
                if w not in seen:
                    seen.add(w)
                    todo.append(w)
        want = np.zeros(words, dtype=np.uint64)
        for w in seen:
            want |= own[w]
        assert got[v].tolist() == want.tolist(), v
