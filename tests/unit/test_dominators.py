"""The integer dominator tree (steward.analysis.dominators) against networkx on random graphs:
acyclic ones, ones with cycles, and nodes the root does not reach; and the source components
against networkx's condensation."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.analysis.dominators import csr, immediate_dominators, source_components


@st.composite
def graphs(draw: st.DrawFn, *, acyclic: bool) -> tuple[int, list[tuple[int, int]]]:
    n = draw(st.integers(1, 24))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    edges = draw(st.lists(pairs, max_size=4 * n))
    if acyclic:
        edges = [(a, b) for a, b in edges if a < b]
    return n, sorted(set(edges))


def _check_dominators(n: int, edges: list[tuple[int, int]], root: int) -> None:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    want = nx.immediate_dominators(g, root)
    indptr, indices = csr(n, [a for a, _ in edges], [b for _, b in edges])
    got = immediate_dominators(n, indptr, indices, root)
    assert {v: d for v, d in enumerate(got) if d != -1} == {v: d for v, d in want.items()} | {root: root}


@settings(max_examples=300, deadline=None)
@given(graph=graphs(acyclic=True), data=st.data())
def test_dominators_match_networkx_on_random_dags(
    graph: tuple[int, list[tuple[int, int]]], data: st.DataObject,
) -> None:
    n, edges = graph
    _check_dominators(n, edges, data.draw(st.integers(0, n - 1), label="root"))


@settings(max_examples=300, deadline=None)
@given(graph=graphs(acyclic=False), data=st.data())
def test_dominators_match_networkx_on_random_graphs_with_cycles(
    graph: tuple[int, list[tuple[int, int]]], data: st.DataObject,
) -> None:
    n, edges = graph
    _check_dominators(n, edges, data.draw(st.integers(0, n - 1), label="root"))


def test_dominators_of_a_diamond_chain_and_a_loop() -> None:
    # 0 -> {1, 2} -> 3 -> 4 -> 5 -> 4 (a loop); 6 is not reached
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (4, 5), (5, 4)]
    indptr, indices = csr(7, [a for a, _ in edges], [b for _, b in edges])
    assert immediate_dominators(7, indptr, indices, 0) == [0, 0, 0, 0, 3, 4, -1]


@settings(max_examples=300, deadline=None)
@given(graph=graphs(acyclic=False))
def test_source_components_match_the_condensation(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = graph
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    cond = nx.condensation(g)
    want = sorted(v for c in cond.nodes if cond.in_degree(c) == 0 for v in cond.nodes[c]["members"])
    indptr, indices = csr(n, [a for a, _ in edges], [b for _, b in edges])
    assert source_components(n, indptr, indices, list(range(n))) == want
