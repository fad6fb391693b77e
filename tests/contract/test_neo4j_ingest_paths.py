"""Neo4j's fast ingest path stores exactly the graph the reference path stores (issue 12).

``Neo4jStore.fast_create`` creates new nodes and plain edges of every kind in one statement per
chunk (cypher/create_nodes_all.cypher, create_plain_edges_all.cypher, literal maps); with it off the
store runs the original per-kind statements (create_nodes.cypher, create_plain_edges.cypher). The
same seeded batches (new and known nodes of several kinds, stubs, repeats, changed and removed
props, edges with and without props and repeated in a batch, ownership claims, a retraction) go
through both paths on the real server, at the default statement size and at a tiny one that splits
every batch into many chunks, and every node (labels, properties), relationship (type, endpoints,
properties) and history version must come out the same. Version times are compared by their order
(each batch is one transaction with its own time).

The open version of a node or edge is the live node or relationship itself (``_valid_from``), the
closed ones are version nodes: so the history the reads answer (``node_versions``, ``edge_versions``
of every node, and the graph at every moment the history names) is compared too, on both paths and
with the embedded store's answers for the same writes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from steward.graph import Edge, EdgeKey, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.store import GraphStore
from steward.store.embedded import EmbeddedStore
from steward.store.neo4j import Neo4jStore
from tests.conftest import wipe_neo4j

T = ("2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z")
KINDS = (NodeKind.DATASET, NodeKind.RUN, NodeKind.JOB, NodeKind.MODEL, NodeKind.PERSON)


def _prefix(kind: NodeKind) -> str:
    return {NodeKind.DATASET: "dataset:s3://b/", NodeKind.RUN: "run:", NodeKind.JOB: "job:airflow://j/",
            NodeKind.MODEL: "model:m", NodeKind.PERSON: "person:p"}[kind]


def _props(rng: random.Random) -> dict[str, Any]:
    choices: list[Any] = [1, 2.5, "x", "1", True, ["a", "b"], [], None]
    return {f"p{i}": rng.choice(choices) for i in rng.sample(range(5), rng.randrange(0, 4))}


def _batches(seed: int) -> list[tuple[list[Node], list[Edge], list[OwnershipClaim]]]:
    rng = random.Random(seed)
    ids = [f"{_prefix(k)}{i}" for k in KINDS for i in range(12)]
    kind_of = {i: k for k in KINDS for i in ids if i.startswith(_prefix(k))}
    out: list[tuple[list[Node], list[Edge], list[OwnershipClaim]]] = []
    for _ in range(6):
        nodes = [Node(id=i, kind=kind_of[i], source=rng.choice(("s1", "s2", "s3")), name=rng.choice(("", "n", "m")),
                      props=_props(rng), seen_at=rng.choice(T)) for i in rng.sample(ids, 25)]
        nodes += rng.sample(nodes, 5)  # repeats of a node inside a batch
        ends = ids + [f"dataset:s3://stub/{i}" for i in range(6)]  # edges to nodes never described: stubs
        edges = [Edge(rng.choice(ends), rng.choice((EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED, EdgeKind.FEEDS)),
                      rng.choice(ends), source=rng.choice(("s1", "s2")),
                      props=rng.choice(({}, {}, {"w": rng.randrange(3)})), seen_at=rng.choice(T))
                 for _ in range(30)]
        # repeats of an edge inside a batch, with other props or time: the last one is what is stored
        edges += [Edge(e.src, e.kind, e.dst, source=e.source, props=rng.choice(({}, {"w": 9}, {"w": None})),
                       seen_at=rng.choice(T)) for e in rng.sample(edges, 4)]
        artifacts = [i for i in ids if not i.startswith("person:")]
        claims = [OwnershipClaim(owner=f"person:p{rng.randrange(12)}", artifact=rng.choice(artifacts), role="owner",
                                 source="catalog", seen_at=T[0]) for _ in range(3)]
        out.append((nodes, edges, claims))
    out.append(out[2])  # a whole batch again: nothing changes
    return out


_TIMES = ("valid_from", "valid_to", "_valid_from")


def _dump(store: Neo4jStore) -> dict[str, Any]:
    with store._driver.session() as s:
        nodes = [(sorted(r["labels"]), dict(r["props"]))
                 for r in s.run("MATCH (n) WHERE NOT n:NodeVersion AND NOT n:EdgeVersion "
                                "RETURN labels(n) AS labels, properties(n) AS props")]
        rels = [[r["a"], r["t"], r["b"], dict(r["props"])]
                for r in s.run("MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS props")]
        versions = [(sorted(r["labels"]), dict(r["props"]))
                    for r in s.run("MATCH (v) WHERE v:NodeVersion OR v:EdgeVersion "
                                   "RETURN labels(v) AS labels, properties(v) AS props")]
    props = [p for _, p in nodes] + [r[3] for r in rels] + [p for _, p in versions]
    rank = {t: n for n, t in enumerate(sorted({p[f] for p in props for f in _TIMES if f in p}))}
    for p in props:
        for field in _TIMES:
            if field in p:
                p[field] = rank[p[field]]
    return {"nodes": sorted(json.dumps(n, sort_keys=True) for n in nodes),
            "rels": sorted(json.dumps(r, sort_keys=True) for r in rels),
            "versions": sorted(json.dumps(v, sort_keys=True) for v in versions)}


def _history(store: GraphStore, ids: list[str]) -> dict[str, Any]:
    """What the history reads answer: every version of every node and of its edges, and the graph at
    every moment a version begins or ends, with the moments replaced by their order."""
    versions = {i: ([(v.record, v.valid_from, v.valid_to) for v in store.node_versions(i)],
                    [(v.record, v.valid_from, v.valid_to) for v in store.edge_versions(i)]) for i in ids}
    times = sorted({t for ns, es in versions.values() for _, a, b in (*ns, *es) for t in (a, b) if t is not None})
    rank = {t: n for n, t in enumerate(times)}
    ranked = {i: [[(r, rank[a], None if b is None else rank[b]) for r, a, b in vs] for vs in both]
              for i, both in versions.items()}
    graphs = []
    for t in times:
        nodes, edges = store._rows_at(t)
        graphs.append((sorted(nodes), sorted(edges)))
    return {"versions": ranked, "graphs": graphs}


def _writes(store: GraphStore, seed: int, *, piped: bool = False) -> list[str]:
    """The seeded writes (the batches through ``store.writer()`` if ``piped``, as ``steward ingest``
    writes a source's chunks); returns every node id they name."""
    batches = _batches(seed)
    if piped:
        with store.writer() as writer:
            for nodes, edges, claims in batches:
                writer.upsert(nodes=nodes, edges=edges, claims=claims)
    else:
        for nodes, edges, claims in batches:
            store.upsert(nodes=nodes, edges=edges, claims=claims)
    gone = batches[0][1][0]
    store.retract(gone.source, nodes=[batches[0][0][0].id], edges=[EdgeKey(gone.src, gone.kind, gone.dst, gone.key)])
    store.upsert(nodes=batches[1][0], edges=batches[1][1])  # brought back after the retraction
    store.retract("s3", nodes=[n.id for n in batches[3][0] if n.source == "s3"], edges=())  # some nodes go
    return sorted({n.id for ns, _, _ in batches for n in ns} | {i for _, es, _ in batches for e in es
                                                                 for i in (e.src, e.dst)}
                  | {c.owner for _, _, cs in batches for c in cs})


def _ingest(store: Neo4jStore, seed: int, *, fast: bool, chunk: int, piped: bool = False) -> dict[str, Any]:
    wipe_neo4j(store)
    store.fast_create, store.write_chunk = fast, chunk
    ids = _writes(store, seed, piped=piped)
    return _dump(store) | {"history": _history(store, ids)}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_fast_create_path_stores_the_same_graph_as_the_reference(
    neo4j_store: Neo4jStore, seed: int, tmp_path: Path,
) -> None:
    reference = _ingest(neo4j_store, seed, fast=False, chunk=5000)
    assert len(reference["nodes"]) > 40 and len(reference["rels"]) > 40 and len(reference["versions"]) > 10
    assert any('"stub": true' in n for n in reference["nodes"])
    assert any('"w":' in r for r in reference["rels"]) and any("OWNS" in r for r in reference["rels"])
    history = reference["history"]
    assert sum(len(ns) + len(es) for ns, es in history["versions"].values()) > 200 and len(history["graphs"]) > 5
    assert _ingest(neo4j_store, seed, fast=True, chunk=5000) == reference
    assert _ingest(neo4j_store, seed, fast=True, chunk=7) == reference
    assert _ingest(neo4j_store, seed, fast=False, chunk=7) == reference
    embedded = EmbeddedStore(tmp_path / "e.db", create=True)
    try:
        assert _history(embedded, _writes(embedded, seed)) == history
    finally:
        embedded.close()
