"""The GraphStore contract: the same scenarios on the embedded store and on a real Neo4j.

Every expectation here is derived by hand or by a brute-force reference, never by asking one
store and comparing the other to it.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.errors import InvalidInputError
from steward.graph import Edge, EdgeKey, EdgeKind, Node, NodeKind, OwnershipClaim
from steward.store import GraphStore, Reached

SRC = "test"


def ds(name: str) -> str:
    return f"dataset:{name}"


def run(name: str) -> str:
    return f"run:{name}"


def node(nid: str, source: str = SRC, **props: object) -> Node:
    kind = {"dataset": NodeKind.DATASET, "run": NodeKind.RUN, "person": NodeKind.PERSON,
            "model_version": NodeKind.MODEL_VERSION, "deployment": NodeKind.DEPLOYMENT,
            "team": NodeKind.TEAM, "model": NodeKind.MODEL}[nid.split(":")[0]]
    return Node(id=nid, kind=kind, source=source, props=props)  # type: ignore[arg-type]


def flow(a: str, b: str, source: str = SRC) -> Edge:
    """A lineage edge of the right kind for the endpoints' kinds."""
    kind = EdgeKind.CONSUMED_BY if a.startswith("dataset:") else EdgeKind.PRODUCED
    return Edge(src=a, kind=kind, dst=b, source=source)


def chain(ids: list[str]) -> list[Edge]:
    return [flow(a, b) for a, b in itertools.pairwise(ids)]


def diamonds(n: int) -> tuple[list[Edge], str, str]:
    """n chained diamonds dataset -> (run L, run R) -> dataset -> ...; returns edges, first, last."""
    edges: list[Edge] = []
    for i in range(n):
        top, bottom = ds(f"d{i}"), ds(f"d{i + 1}")
        for side in ("l", "r"):
            r = run(f"{side}{i}")
            edges += [flow(top, r), flow(r, bottom)]
    return edges, ds("d0"), ds(f"d{n}")


def distances(reached: dict[str, Reached]) -> dict[str, int]:
    return {k: v.distance for k, v in reached.items()}


# ---- writes ----------------------------------------------------------------------------------------
def test_upsert_is_idempotent(store: GraphStore) -> None:
    nodes = [node(ds("a"), owner="x"), node(run("r1")), node(ds("b"))]
    edges = chain([ds("a"), run("r1"), ds("b")])
    claims = [OwnershipClaim(owner="person:ada@example.com", artifact=ds("a"), role="owner", source=SRC)]
    for _ in range(3):
        store.upsert(nodes=nodes, edges=edges, claims=claims)
        counts = store.counts()
        assert counts.nodes == {"Dataset": 2, "Person": 1, "Run": 1}
        assert counts.edges == {"CONSUMED_BY": 1, "OWNS": 1, "PRODUCED": 1}


def test_props_merge_and_null_removes(store: GraphStore) -> None:
    store.upsert(nodes=[node(ds("a"), a=1, b="x", tags=["p", "q"])])
    store.upsert(nodes=[node(ds("a"), b="y", c=True)])
    rec = store.get_node(ds("a"))
    assert rec is not None
    assert rec.props == {"a": 1, "b": "y", "c": True, "tags": ["p", "q"]}
    store.upsert(nodes=[Node(id=ds("a"), kind=NodeKind.DATASET, source=SRC, props={"a": None})])
    rec = store.get_node(ds("a"))
    assert rec is not None
    assert "a" not in rec.props
    assert rec.name == "a"
    assert rec.kind is NodeKind.DATASET


def test_reserved_and_bad_props_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="reserved"):
        Node(id=ds("a"), kind=NodeKind.DATASET, source=SRC, props={"sources": "x"})
    with pytest.raises(InvalidInputError, match="list of strings"):
        Node(id=ds("a"), kind=NodeKind.DATASET, source=SRC, props={"x": {"nested": 1}})  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError, match="id says"):
        Node(id=ds("a"), kind=NodeKind.RUN, source=SRC)


def test_a_record_in_the_wrong_place_is_refused_and_nothing_is_written(store: GraphStore) -> None:
    edge, n = flow(ds("a"), run("r1")), node(ds("a"))
    with pytest.raises(InvalidInputError, match="not a record"):
        store.upsert(nodes=[n, edge])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="not a record"):
        store.upsert(edges=[edge, n])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="not a record"):
        store.upsert(nodes=[{"id": ds("a")}])  # type: ignore[list-item]
    assert store.counts().nodes == {} and store.counts().edges == {}



def _stream_with_a_bad_batch(store: GraphStore, later: list[Exception]) -> None:
    with store.writer() as writer:
        writer.upsert(nodes=[node(ds("a")), node(run("r1"))], edges=[flow(ds("a"), run("r1"))])
        try:
            writer.upsert(nodes=[node(ds("b")), flow(ds("b"), run("r2"))])  # type: ignore[list-item]
        finally:
            try:  # the writer takes nothing after a failed batch
                writer.upsert(nodes=[node(ds("c"))])
            except Exception as exc:  # what it raised is the test's to check
                later.append(exc)


def test_a_stream_stops_at_a_failed_batch(store: GraphStore) -> None:
    """``store.writer()`` (what ``steward ingest`` writes a source's chunks through; on Neo4j two
    batches in flight): the batches before a failed one stay written, the failure is raised, and
    the writer refuses every batch after it, on both stores alike."""
    later: list[Exception] = []
    with pytest.raises(InvalidInputError, match="not a record"):
        _stream_with_a_bad_batch(store, later)
    assert len(later) == 1 and isinstance(later[0], InvalidInputError) and "not a record" in str(later[0])
    assert sorted(store.get_nodes([ds("a"), run("r1"), ds("b"), run("r2"), ds("c")])) == [ds("a"), run("r1")]
    assert store.counts().edges == {"CONSUMED_BY": 1}

def test_edge_endpoints_become_stub_nodes(store: GraphStore) -> None:
    store.upsert(edges=[Edge(src="model_version:churn/3", kind=EdgeKind.DEPLOYED_TO,
                             dst="deployment:prod/churn-api", source=SRC)])
    got = store.get_nodes(["model_version:churn/3", "deployment:prod/churn-api"])
    assert got["model_version:churn/3"].kind is NodeKind.MODEL_VERSION
    assert got["model_version:churn/3"].name == "churn/3"
    assert got["deployment:prod/churn-api"].kind is NodeKind.DEPLOYMENT
    assert got["deployment:prod/churn-api"].sources == (SRC,)
    assert got["deployment:prod/churn-api"].props == {"stub": True}
    # once a source describes it, it is no longer a stub
    store.upsert(nodes=[Node(id="deployment:prod/churn-api", kind=NodeKind.DEPLOYMENT, source="catalog",
                             props={"environment": "prod"})])
    described = store.get_node("deployment:prod/churn-api")
    assert described is not None
    assert described.props == {"environment": "prod"}
    assert described.sources == ("catalog", SRC)


def test_claims_from_two_sources_both_survive(store: GraphStore) -> None:
    a = ds("a")
    store.upsert(claims=[
        OwnershipClaim(owner="person:ada@x.com", artifact=a, role="owner", source="catalog"),
        OwnershipClaim(owner="person:ada@x.com", artifact=a, role="owner", source="codeowners-src",
                       origin="codeowners"),
        OwnershipClaim(owner="person:ada@x.com", artifact=a, role="steward", source="catalog"),
    ])
    owns = store.edges(kinds=[EdgeKind.OWNS], dst=[a])
    assert [(e.source, e.props["role"], e.props["origin"]) for e in owns] == [
        ("catalog", "owner", "catalog"), ("catalog", "steward", "catalog"),
        ("codeowners-src", "owner", "codeowners"),
    ]


# ---- reads -----------------------------------------------------------------------------------------
def test_get_find_search_edges(store: GraphStore) -> None:
    store.upsert(
        nodes=[Node(id=ds("s3://lake/churn/features"), kind=NodeKind.DATASET, source=SRC, name="churn features"),
               Node(id=ds("s3://lake/churn"), kind=NodeKind.DATASET, source=SRC),
               Node(id="model:churn", kind=NodeKind.MODEL, source=SRC)],
        edges=[flow(ds("s3://lake/churn"), run("r1")), flow(run("r1"), ds("s3://lake/churn/features"))],
    )
    assert sorted(store.get_nodes([ds("s3://lake/churn"), "model:nope"])) == [ds("s3://lake/churn")]
    assert store.get_node("model:nope") is None
    assert [n.id for n in store.find_nodes(kinds=[NodeKind.DATASET])] == [
        ds("s3://lake/churn"), ds("s3://lake/churn/features")]
    hits = [n.id for n in store.search("CHURN")]
    # exact key, then a name starting with the text, then any other match
    assert hits == ["model:churn", ds("s3://lake/churn/features"), ds("s3://lake/churn")]
    assert [n.id for n in store.search("features", kinds=[NodeKind.MODEL])] == []
    assert [n.id for n in store.search("churn", limit=1)] == ["model:churn"]
    out = store.neighbours(run("r1"), direction="out")
    assert [(e.kind, e.dst) for e in out] == [(EdgeKind.PRODUCED, ds("s3://lake/churn/features"))]
    inc = store.neighbours(run("r1"), direction="in")
    assert [(e.src, e.kind) for e in inc] == [(ds("s3://lake/churn"), EdgeKind.CONSUMED_BY)]
    assert len(store.neighbours(run("r1"))) == 2
    assert [e.dst for e in store.edges(kinds=[EdgeKind.CONSUMED_BY])] == [run("r1")]


def test_state_round_trip(store: GraphStore) -> None:
    assert store.get_state("git:repo:HEAD") is None
    store.set_state("git:repo:HEAD", "abc")
    store.set_state("git:repo:HEAD", "def")
    assert store.get_state("git:repo:HEAD") == "def"


# ---- closure ---------------------------------------------------------------------------------------
def test_chain_distances_both_ways(store: GraphStore) -> None:
    ids = [ds("a"), run("1"), ds("b"), run("2"), ds("c")]
    store.upsert(edges=chain(ids))
    down = store.reach([ds("a")], way="down")
    assert distances(down) == {run("1"): 1, ds("b"): 2, run("2"): 3, ds("c"): 4}
    assert down[ds("c")].parent == run("2")
    up = store.reach([ds("c")], way="up")
    assert distances(up) == {run("2"): 1, ds("b"): 2, run("1"): 3, ds("a"): 4}
    assert distances(store.reach([ds("a")], way="down", max_depth=2)) == {run("1"): 1, ds("b"): 2}
    assert store.reach([ds("missing")], way="down") == {}


def test_twenty_chained_diamonds(store: GraphStore) -> None:
    edges, first, last = diamonds(20)
    store.upsert(edges=edges)
    down = store.reach([first], way="down")
    assert len(down) == 20 * 3  # two runs and one dataset per diamond
    assert down[last].distance == 40
    # of the two shortest paths through each diamond, both stores pick the smaller id: the "l" run
    assert down[last].parent == run("l19")
    up = store.reach([last], way="up")
    assert len(up) == 60
    assert up[first].distance == 40


def test_cycles_and_disconnected_parts(store: GraphStore) -> None:
    store.upsert(edges=chain([ds("a"), run("1"), ds("b"), run("2"), ds("a")]) + chain([ds("x"), run("9")]))
    down = store.reach([ds("a")], way="down")
    assert distances(down) == {run("1"): 1, ds("b"): 2, run("2"): 3}  # the start is not part of its closure
    assert run("9") not in down
    assert distances(store.reach([ds("x")], way="up")) == {}


def test_walk_follows_only_the_given_edge_kinds(store: GraphStore) -> None:
    store.upsert(
        edges=chain([ds("a"), run("1"), ds("b")]),
        claims=[OwnershipClaim(owner="person:p@x.com", artifact=ds("a"), role="owner", source=SRC)],
    )
    assert distances(store.reach([ds("a")], way="down", kinds=[EdgeKind.CONSUMED_BY])) == {run("1"): 1}
    assert distances(store.reach(["person:p@x.com"], way="down")) == {}  # OWNS is not lineage
    with pytest.raises(InvalidInputError):
        store.reach([ds("a")], way="down", kinds=[])


def test_multiple_starts(store: GraphStore) -> None:
    store.upsert(edges=chain([ds("a"), run("1"), ds("c")]) + chain([ds("b"), run("2"), ds("c")]))
    down = store.reach([ds("a"), ds("b")], way="down")
    assert distances(down) == {run("1"): 1, run("2"): 1, ds("c"): 2}
    assert down[ds("c")].parent == run("1")


# ---- source removal --------------------------------------------------------------------------------
def test_retract_detaches_shared_nodes_and_deletes_orphans(store: GraphStore) -> None:
    store.upsert(nodes=[node(ds("shared"), source="ol"), node(ds("only-ol"), source="ol")],
                 edges=[flow(ds("shared"), run("r"), source="ol"), flow(ds("only-ol"), run("r"), source="ol")])
    store.upsert(nodes=[node(ds("shared"), source="mlflow")], edges=[flow(ds("shared"), run("r"), source="mlflow")])
    said = store.source_records("ol")
    assert said.nodes == {ds("shared"), ds("only-ol"), run("r")}
    assert said.edges == {EdgeKey(ds("shared"), EdgeKind.CONSUMED_BY, run("r"), "ol"),
                          EdgeKey(ds("only-ol"), EdgeKind.CONSUMED_BY, run("r"), "ol")}
    # nodes first: the orphan goes with its relationships
    result = store.retract("ol", nodes=said.nodes, edges=[])
    assert (result.nodes_deleted, result.nodes_detached, result.edges_deleted) == (1, 2, 0)
    assert [(e.src, e.source) for e in store.edges(kinds=[EdgeKind.CONSUMED_BY])] == [
        (ds("shared"), "mlflow"), (ds("shared"), "ol")]
    result = store.retract("ol", nodes=said.nodes, edges=said.edges)
    assert (result.nodes_deleted, result.nodes_detached, result.edges_deleted) == (0, 0, 1)
    assert store.get_node(ds("only-ol")) is None
    shared = store.get_node(ds("shared"))
    assert shared is not None
    assert shared.sources == ("mlflow",)
    assert [(e.src, e.source) for e in store.edges()] == [(ds("shared"), "mlflow")]
    assert [(e.src, e.source) for e in store.edges(kinds=[EdgeKind.CONSUMED_BY])] == [(ds("shared"), "mlflow")]
    assert store.source_records("ol") == type(said)()
    # retracting what another source said is a no-op
    again = store.retract("ol", nodes=[ds("shared")], edges=[EdgeKey(ds("shared"), EdgeKind.CONSUMED_BY,
                                                                     run("r"), "mlflow")])
    assert (again.nodes_deleted, again.nodes_detached, again.edges_deleted) == (0, 0, 0)


# ---- persistence -----------------------------------------------------------------------------------
def test_survives_reopen_or_reconnect(store_factory: Callable[[], GraphStore]) -> None:
    first = store_factory()
    edges, a, _ = diamonds(3)
    first.upsert(nodes=[node(ds("d0"), tier="gold")], edges=edges)
    first.set_state("k", "v")
    before = (first.counts(), distances(first.reach([a], way="down")))
    first.close()
    second = store_factory()
    assert (second.counts(), distances(second.reach([a], way="down"))) == before
    assert second.get_node(ds("d0")).props == {"tier": "gold"}  # type: ignore[union-attr]
    assert second.get_state("k") == "v"


# ---- both stores agree with a brute-force reference on random graphs --------------------------------
def reference_distances(edges: list[tuple[int, int]], start: int, *, up: bool) -> dict[int, int]:
    adj: dict[int, list[int]] = {}
    for a, b in edges:
        if up:
            a, b = b, a
        adj.setdefault(a, []).append(b)
    dist = {start: 0}
    queue = deque([start])
    while queue:
        cur = queue.popleft()
        for nxt in adj.get(cur, []):
            if nxt not in dist:
                dist[nxt] = dist[cur] + 1
                queue.append(nxt)
    del dist[start]
    return dist


random_graphs = st.integers(min_value=2, max_value=25).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60),
        st.integers(0, n - 1),
    )
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=random_graphs)
def test_reach_matches_reference_on_random_graphs(
    store_factory: Callable[[], GraphStore], graph: tuple[int, list[tuple[int, int]], int]
) -> None:
    n, pairs, start = graph
    pairs = [(a, b) for a, b in pairs if a != b]
    st_ = store_factory()
    # random graphs (cycles, diamonds, disconnected parts) over one node kind and one edge kind
    st_.retract(SRC, nodes=st_.source_records(SRC).nodes, edges=st_.source_records(SRC).edges)
    st_.upsert(nodes=[node(ds(str(i))) for i in range(n)],
               edges=[Edge(src=ds(str(a)), kind=EdgeKind.CONSUMED_BY, dst=ds(str(b)), source=SRC) for a, b in pairs])
    for up in (False, True):
        got = st_.reach([ds(str(start))], way="up" if up else "down")
        want = reference_distances(pairs, start, up=up)
        assert distances(got) == {ds(str(k)): v for k, v in want.items()}
        # every parent is a real predecessor one step closer
        for r in got.values():
            prev = 0 if r.parent == ds(str(start)) else got[r.parent].distance
            assert prev == r.distance - 1
    st_.close()


def test_max_depth_is_honoured_on_diamonds_cycles_and_many_starts(store: GraphStore) -> None:
    edges, first, last = diamonds(6)
    edges += chain([ds("d6"), run("back"), ds("d0")])  # a cycle back to the start
    store.upsert(edges=edges)
    pairs = [(e.src, e.dst) for e in edges]
    ids = sorted({x for p in pairs for x in p})
    index = {n: i for i, n in enumerate(ids)}
    int_pairs = [(index[a], index[b]) for a, b in pairs]
    for way, start in (("down", first), ("up", last)):
        full = {ids[k]: v for k, v in reference_distances(int_pairs, index[start], up=way == "up").items()}
        for depth in (0, 1, 2, 5, 13, 40):
            got = store.reach([start], way=way, max_depth=depth)  # type: ignore[arg-type]
            assert distances(got) == {k: v for k, v in full.items() if v <= depth}, (way, depth)
            for k, r in got.items():  # the parent is the smallest id one step closer, as without a cap
                assert r == store.reach([start], way=way)[k]  # type: ignore[arg-type]
    two = store.reach([ds("d2"), ds("d4")], way="down", max_depth=2)
    assert distances(two) == {run("l2"): 1, run("r2"): 1, ds("d3"): 2, run("l4"): 1, run("r4"): 1, ds("d5"): 2}
    assert two[ds("d3")].parent == run("l2")


def test_reach_each_is_reach_per_start(store: GraphStore) -> None:
    edges, first, _ = diamonds(3)
    store.upsert(edges=edges + chain([ds("x"), run("9"), ds("d2")]))
    starts = [first, ds("x"), ds("d2"), ds("missing")]
    for way in ("down", "up"):
        for depth in (None, 2):
            each = store.reach_each(starts, way=way, max_depth=depth)  # type: ignore[arg-type]
            assert set(each) == set(starts)
            for s in starts:
                assert each[s] == store.reach([s], way=way, max_depth=depth)  # type: ignore[arg-type]
    assert store.reach_each([ds("x")], way="down")[ds("x")][ds("d3")].distance == 4
