"""The integer dominator tree (steward.analysis.dominators) against networkx on random graphs:
acyclic ones, ones with cycles, and nodes the root does not reach; the array version for acyclic
graphs (which refuses graphs with cycles) likewise; and the source components against networkx's
condensation."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.analysis.dominators import csr, dominators_of_dag, immediate_dominators, source_components


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


def _check_array_dominators(n: int, edges: list[tuple[int, int]], root: int) -> None:
    """``dominators_of_dag`` gives networkx's answer whenever it answers, and answers on every graph whose
    part the root reaches has no cycle (self-loops and edges back into the root aside: no path from the
    root uses them)."""
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    got = dominators_of_dag(n, np.asarray([a for a, _ in edges], dtype=np.int64),
                            np.asarray([b for _, b in edges], dtype=np.int64), root)
    reached = g.subgraph(nx.descendants(g, root) | {root}).copy()
    reached.remove_edges_from([*nx.selfloop_edges(reached), *((u, root) for u in list(reached.predecessors(root)))])
    if got is None:
        assert not nx.is_directed_acyclic_graph(reached)
        return
    assert nx.is_directed_acyclic_graph(reached)
    want = nx.immediate_dominators(g, root)
    assert {v: int(d) for v, d in enumerate(got) if d != -1} == {v: d for v, d in want.items()} | {root: root}


@settings(max_examples=400, deadline=None)
@given(graph=graphs(acyclic=True), data=st.data(), loops=st.lists(st.integers(0, 23), max_size=3))
def test_array_dominators_match_networkx_on_random_dags(
    graph: tuple[int, list[tuple[int, int]]], data: st.DataObject, loops: list[int],
) -> None:
    n, edges = graph
    edges = sorted(set(edges) | {(v, v) for v in loops if v < n})  # self-loops change no dominator
    _check_array_dominators(n, edges, data.draw(st.integers(0, n - 1), label="root"))


@settings(max_examples=300, deadline=None)
@given(graph=graphs(acyclic=False), data=st.data())
def test_array_dominators_refuse_cycles_and_match_networkx_elsewhere(
    graph: tuple[int, list[tuple[int, int]]], data: st.DataObject,
) -> None:
    n, edges = graph
    _check_array_dominators(n, edges, data.draw(st.integers(0, n - 1), label="root"))


def test_array_dominators_of_a_deep_diamond_ladder() -> None:
    # 0 -> {1, 2} -> 3 -> {4, 5} -> 6 ...: every third node dominates all below it (binary lifting
    # over a tree deeper than one word of levels)
    edges = []
    for k in range(40):
        top = 3 * k
        edges += [(top, top + 1), (top, top + 2), (top + 1, top + 3), (top + 2, top + 3)]
    n = 3 * 40 + 1
    got = dominators_of_dag(n, np.asarray([a for a, _ in edges]), np.asarray([b for _, b in edges]), 0)
    assert got is not None
    g = nx.DiGraph(edges)
    assert {v: int(d) for v, d in enumerate(got)} == nx.immediate_dominators(g, 0) | {0: 0}


def test_an_edge_back_into_the_root_changes_no_dominator() -> None:
    """Found by the property test above: 2 -> 1 -> 2 closes a cycle through the root only; the level walk
    once placed the root twice and answered wrongly (0 unreached, 2 under 1)."""
    _check_array_dominators(4, [(1, 2), (1, 3), (2, 0), (2, 1), (3, 0)], 2)
