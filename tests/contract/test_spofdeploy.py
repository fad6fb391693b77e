"""The deployments at risk as bits (issue 12: spof and audit with deployments), on both stores, against
what they replace: ``GraphStore.walk_graph`` (the embedded store's integer answer, over its traversal
index and its overlay) against the generic one over ``reach`` / ``edge_triples``; and
``load_at_risk`` against ``deployments_at_risk`` (one walk per deployment, Python sets) -- on random
organisations with containers, cycles and deployments of deployments (tests/contract/test_reference.py),
before and after a later commit adds deployments and new ids (the index's overlay)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.analysis.atrisk import load_at_risk
from steward.analysis.common import deployments_at_risk
from steward.graph import CONTAINER_EDGES, FLOW_EDGES, LINEAGE_EDGES, Edge, EdgeKind, Node, NodeKind
from steward.store import GraphStore
from tests.contract.test_reference import _draw_org, _reload


def _same_walk_graph(store: GraphStore, starts: list[str], **kw: Any) -> None:
    got = store.walk_graph(starts, **kw)
    want = GraphStore.walk_graph(store, starts, **kw)
    assert got.ids == want.ids and got.kinds == want.kinds
    for f in ("covered", "src", "dst", "bits"):
        assert np.array_equal(getattr(got, f), getattr(want, f)), f


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_walk_graph_and_the_bits_at_risk_match_their_references_on_both_stores(
    embedded_store: GraphStore, neo4j_store: GraphStore, data: Any
) -> None:
    org = _draw_org(data)
    later = data.draw(st.lists(st.sampled_from(org["artifacts"]), max_size=3), label="later deployments")
    answers = []
    for store in (embedded_store, neo4j_store):
        _reload(store, org, also=("later",))
        for step in range(2):
            deployments = [d for d, _, _ in store.node_summaries(kinds=[NodeKind.DEPLOYMENT])]
            for starts in (deployments, [*org["artifacts"][::2], "dataset:absent"], []):
                _same_walk_graph(store, starts, way="up", kinds=sorted(FLOW_EDGES), leaving=sorted(CONTAINER_EDGES))
                _same_walk_graph(store, starts, way="down", kinds=sorted(LINEAGE_EDGES))
            at_risk = load_at_risk(store)
            sets = at_risk.as_sets()
            assert sets == deployments_at_risk(store)
            for node in org["artifacts"]:
                assert at_risk.count(node) == len(sets.get(node, ()))
                assert at_risk.of([node]) == sorted(sets.get(node, ()))
            assert at_risk.of(org["artifacts"]) == sorted(set().union(*sets.values()))
            answers.append(sets)
            if step == 0:  # a later commit: new deployments (new ids after the index's base) fed by the graph
                store.upsert(nodes=[Node(id=f"deployment:later/x{i}", kind=NodeKind.DEPLOYMENT, source="later")
                                    for i in range(len(later))],
                             edges=[Edge(src=a, kind=EdgeKind.FEEDS, dst=f"deployment:later/x{i}", source="later")
                                    for i, a in enumerate(later)])
    assert answers[:2] == answers[2:], "the two stores disagree"
