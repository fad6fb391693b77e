"""The Neo4j store's faster writes and walks (issue 12) keep every answer, on both stores.

Neo4j's ``upsert`` first asks which nodes exist and which rows would change nothing (those are not
written), creates new nodes and the edges touching them in one pass each (with their first
versions), and merges the rest as before; ``reach`` walks internal ids and picks parents on the
client. These scenarios pin what that must not change: each kind of change still lands and opens
one version, a repeat opens none, a newer ``seen_at`` still lands, and a writer that loses a race to
create a node merges into it. Expectations are written by hand, never read from the other store.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from steward.graph import Edge, EdgeKind, Node, NodeKind
from steward.store import GraphStore
from steward.store.neo4j import Neo4jStore

A = "dataset:s3://lake/a"
B = "dataset:s3://lake/b"
C = "dataset:s3://lake/c"
RUN = "run:r1"
T0 = "2026-01-01T00:00:00.000Z"
T1 = "2026-02-01T00:00:00.000Z"


def dataset(nid: str, source: str = "s1", seen_at: str = T0, **props: Any) -> Node:
    return Node(id=nid, kind=NodeKind.DATASET, source=source, props=props, seen_at=seen_at)


def versions(store: GraphStore, nid: str) -> list[tuple[dict[str, Any], tuple[str, ...], bool]]:
    return [(v.record.props, v.record.sources, v.valid_to is None) for v in store.node_versions(nid)]


def test_a_repeat_writes_nothing_and_every_change_lands_with_one_version(store: GraphStore) -> None:
    first = dataset(A, n=1, tags=["x", "y"])
    edge = Edge(A, EdgeKind.CONSUMED_BY, RUN, source="s1", seen_at=T0)
    store.upsert(nodes=[first], edges=[edge])
    store.upsert(nodes=[first], edges=[edge])  # the same batch again
    assert versions(store, A) == [({"n": 1, "tags": ["x", "y"]}, ("s1",), True)]
    assert [v.record.props for v in store.node_versions(RUN)] == [{"stub": True}]
    assert len(store.edge_versions(A)) == 1
    steps: list[tuple[Node, dict[str, Any], tuple[str, ...]]] = [
        (dataset(A, n="1", tags=["x", "y"]), {"n": "1", "tags": ["x", "y"]}, ("s1",)),  # same text, other type
        (dataset(A, n="1", tags=["x"]), {"n": "1", "tags": ["x"]}, ("s1",)),  # a shorter list
        (dataset(A, n=None), {"tags": ["x"]}, ("s1",)),  # a null removes a prop
        (dataset(A, source="s2"), {"tags": ["x"]}, ("s1", "s2")),  # another source attests it
    ]
    for n, (node, props, sources) in enumerate(steps, start=2):
        store.upsert(nodes=[node])
        got = store.get_node(A)
        assert got is not None and (got.props, got.sources) == (props, sources)
        assert len(versions(store, A)) == n and versions(store, A)[-1] == (props, sources, True)
    # a newer sighting lands without a version; an older one changes nothing
    store.upsert(nodes=[dataset(A, source="s2", seen_at=T1)])
    store.upsert(nodes=[dataset(A, source="s2", seen_at=T0)])
    got = store.get_node(A)
    assert got is not None and got.seen_at == T1 and len(versions(store, A)) == len(steps) + 1
    # the stub described by a source stops being one; a stub attested by another source gains it
    store.upsert(nodes=[Node(RUN, NodeKind.RUN, source="s1", props={"state": "COMPLETE"}, seen_at=T0)],
                 edges=[Edge(B, EdgeKind.CONSUMED_BY, RUN, source="s3", seen_at=T0)])
    run_node = store.get_node(RUN)
    assert run_node is not None and run_node.props == {"state": "COMPLETE"} and run_node.sources == ("s1", "s3")
    assert [v.record.props for v in store.node_versions(RUN)] == [{"stub": True}, {"state": "COMPLETE"}]
    store.upsert(edges=[Edge(B, EdgeKind.CONSUMED_BY, RUN, source="s4", seen_at=T0)])
    b = store.get_node(B)
    assert b is not None and b.props == {"stub": True} and b.sources == ("s3", "s4")
    assert len(store.node_versions(B)) == 2


def test_a_batch_mixing_new_and_known_nodes_gets_every_edge_once(store: GraphStore) -> None:
    store.upsert(nodes=[dataset(A), dataset(B)])
    # new run between known datasets, an edge between two known nodes, a new stub, repeats of A
    batch = [dataset(A), dataset(A, source="s2"), Node(RUN, NodeKind.RUN, source="s1", seen_at=T0)]
    edges = [Edge(A, EdgeKind.CONSUMED_BY, RUN, source="s1", seen_at=T0),
             Edge(RUN, EdgeKind.PRODUCED, B, source="s1", seen_at=T0),
             Edge(A, EdgeKind.FEEDS, B, source="s1", seen_at=T0, props={"w": 2}),
             Edge(RUN, EdgeKind.PRODUCED, C, source="s1", seen_at=T0)]
    store.upsert(nodes=batch, edges=edges)
    store.upsert(nodes=batch, edges=edges)
    got = sorted((e.src, e.kind.value, e.dst, e.source, tuple(sorted(e.props.items()))) for e in store.edges())
    assert got == sorted([(A, "CONSUMED_BY", RUN, "s1", ()), (RUN, "PRODUCED", B, "s1", ()),
                          (A, "FEEDS", B, "s1", (("w", 2),)), (RUN, "PRODUCED", C, "s1", ())])
    assert [len(store.edge_versions(n)) for n in (A, RUN, B, C)] == [2, 3, 2, 1]  # one each, repeat or not
    c = store.get_node(C)
    assert c is not None and c.props == {"stub": True} and c.sources == ("s1",)
    a = store.get_node(A)
    assert a is not None and a.sources == ("s1", "s2") and len(store.node_versions(A)) == 2
    down = store.reach([A], way="down")
    assert {k: (v.distance, v.parent) for k, v in down.items()} == {
        RUN: (1, A), B: (1, A), C: (2, RUN)}


def test_a_writer_that_loses_the_race_to_create_a_node_merges_into_it(neo4j_store: Neo4jStore) -> None:
    """Another transaction creates the node first (and commits while this write waits on it): the
    unique constraint refuses this write's creation, and the batch runs again as a merge."""
    done: dict[str, Any] = {}

    def write() -> None:
        try:
            neo4j_store.upsert(nodes=[dataset(A, source="mine", t="1")],
                               edges=[Edge(A, EdgeKind.CONSUMED_BY, RUN, source="mine", seen_at=T0)])
            done["ok"] = True
        except Exception as exc:  # reported below, with the thread's error
            done["error"] = exc

    with neo4j_store._driver.session() as s:
        tx = s.begin_transaction()
        tx.run("CREATE (n:Node:Dataset {id: $id, kind: 'Dataset', name: 's3://lake/a', sources: ['other'], "
               "seen_at: $t})", id=A, t=T0).consume()
        writer = threading.Thread(target=write)
        writer.start()
        with neo4j_store._driver.session() as watch:  # wait until the writer is blocked on our node
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and writer.is_alive():
                rows = watch.run("SHOW TRANSACTIONS YIELD status WHERE status STARTS WITH 'Blocked' "
                                 "RETURN count(*) AS n").single(strict=True)
                if rows["n"]:
                    break
                time.sleep(0.05)
        tx.commit()
    writer.join(60)
    assert done == {"ok": True}, done
    node = neo4j_store.get_node(A)
    assert node is not None and node.sources == ("mine", "other") and node.props == {"t": "1"}
    with neo4j_store._driver.session() as s:
        assert s.run("MATCH (n:Node {id: $id}) RETURN count(n) AS n", id=A).single(strict=True)["n"] == 1
    assert [(e.src, e.dst) for e in neo4j_store.edges()] == [(A, RUN)]
