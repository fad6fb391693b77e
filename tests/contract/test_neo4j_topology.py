"""The Neo4j store's topology snapshot (``steward.store.neo4j_topology``, issue 12) answers every walk
exactly as the server-side walk does, and never answers from a graph that has changed since it was
loaded: a write by another store object or another process sends the next walk to the server, and a
background reload brings the snapshot back. Both paths are forced here on a real Neo4j and compared
with each other and with a brute-force walk written in the test."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.graph import LINEAGE_EDGES, Edge, EdgeKey, EdgeKind, Node, NodeKind
from steward.settings import Settings
from steward.store.base import Reached, bfs
from steward.store.neo4j import Neo4jStore
from tests.conftest import wipe_neo4j

pytestmark = pytest.mark.neo4j

#: ids whose code point order differs from a naive one: case, accents, prefixes, astral characters
NAMES = ["dataset:A", "dataset:a", "dataset:ab", "dataset:b", "dataset:é", "dataset:z", "dataset:Z9",
         "run:1", "run:10", "run:2", "model:m", "dataset:\U0001f600", "dataset:e\u0301"]
KINDS = [EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED, EdgeKind.FEEDS, EdgeKind.CHILD_OF, EdgeKind.OWNS]


def brute(edges: list[tuple[str, EdgeKind, str]], starts: list[str], *, way: str, kinds: set[EdgeKind],
          depth: int | None) -> dict[str, Reached]:
    """The reference walk (``bfs``, as tests/walk_check.py uses it) over the edges by hand: each node once
    at its distance, its parent the smallest id (code point order) among its predecessors one level closer."""
    nodes = {x for a, _, b in edges for x in (a, b)}
    succ: dict[str, set[str]] = {}
    for a, k, b in edges:
        if k in kinds:
            u, v = (a, b) if way == "down" else (b, a)
            succ.setdefault(u, set()).add(v)
    return bfs(sorted({s for s in starts if s in nodes}), lambda n: succ.get(n, ()), max_depth=depth)


@pytest.fixture
def pair(neo4j_settings: Settings) -> Iterator[tuple[Neo4jStore, Neo4jStore]]:
    """Two store objects on one server: one with the snapshot, one that always walks on the server."""
    def connect(snapshot: bool) -> Neo4jStore:
        return Neo4jStore.connect(neo4j_settings.store,
                                  settings=neo4j_settings.model_copy(update={"neo4j_snapshot": snapshot}))

    fast, slow = connect(True), connect(False)
    wipe_neo4j(fast)
    yield fast, slow
    fast.close()
    slow.close()


def write(store: Neo4jStore, edges: list[tuple[str, EdgeKind, str]]) -> None:
    ids = sorted({x for a, _, b in edges for x in (a, b)})
    kind_of = {"dataset": NodeKind.DATASET, "run": NodeKind.RUN, "model": NodeKind.MODEL}
    store.upsert(nodes=[Node(id=i, kind=kind_of[i.split(":")[0]], source="t") for i in ids],
                 edges=[Edge(src=a, kind=k, dst=b, source="t") for a, k, b in edges])


graphs = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(KINDS), st.sampled_from(NAMES)),
                  min_size=1, max_size=40)
asks = st.lists(st.tuples(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3), st.sampled_from(["down", "up"]),
                          st.sets(st.sampled_from(KINDS), min_size=1), st.one_of(st.none(), st.integers(0, 3))),
                min_size=1, max_size=6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edges=graphs, questions=asks)
def test_the_snapshot_answers_as_the_server_walk_and_brute_force(
    pair: tuple[Neo4jStore, Neo4jStore], edges: list[tuple[str, EdgeKind, str]],
    questions: list[tuple[list[str], str, set[EdgeKind], int | None]],
) -> None:
    fast, slow = pair
    wipe_neo4j(fast)
    write(fast, edges)
    assert fast.topology is not None and fast.topology.refresh_now()
    for starts, way, kinds, depth in questions:
        want = brute(edges, starts, way=way, kinds=kinds, depth=depth)
        on_server = slow.reach(starts, way=way, kinds=kinds, max_depth=depth)  # type: ignore[arg-type]
        assert slow.last_reach_path == "server"
        on_snapshot = fast.reach(starts, way=way, kinds=kinds, max_depth=depth)  # type: ignore[arg-type]
        assert fast.last_reach_path == "snapshot"
        assert on_snapshot == on_server == want
        walk = fast.closure(starts, way=way, kinds=kinds, max_depth=depth)  # type: ignore[arg-type]
        assert fast.last_reach_path == "snapshot"
        server_walk = slow.closure(starts, way=way, kinds=kinds, max_depth=depth)  # type: ignore[arg-type]
        assert walk.to_reached() == server_walk.to_reached() == want
        assert walk.ids(0, len(walk)) == server_walk.ids(0, len(server_walk))


CHAIN = [("dataset:a", EdgeKind.CONSUMED_BY, "run:1"), ("run:1", EdgeKind.PRODUCED, "dataset:b")]


def reload(store: Neo4jStore, timeout: float = 30) -> None:
    """Walk until the snapshot answers (each stale walk asks for a background reload), or fail."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        store.reach(["dataset:a"], way="down")
        if store.last_reach_path == "snapshot":
            return
        assert store.topology is not None
        store.topology.wait_idle(5)
    pytest.fail("the snapshot was never reloaded in the background")


def test_a_write_by_another_store_object_is_in_the_next_answer_and_the_snapshot_reloads(
        pair: tuple[Neo4jStore, Neo4jStore]) -> None:
    fast, other = pair
    write(fast, CHAIN)
    fast.reach(["dataset:a"], way="down")
    assert fast.last_reach_path == "server"  # the first walk of a store object asks for no load
    assert fast.topology is not None and fast.topology.loads == 0
    reload(fast)  # the second walk asks for one, in the background
    loads = fast.topology.loads
    assert loads >= 1 and set(fast.reach(["dataset:a"], way="down")) == {"run:1", "dataset:b"}
    stamp = fast.cache_stamp()
    assert stamp is not None and fast.cache_stamp() == stamp  # reads move nothing
    # another store object writes: the very next answer has it, from the server
    write(other, [("dataset:b", EdgeKind.FEEDS, "dataset:c")])
    assert fast.cache_stamp() != stamp
    got = fast.reach(["dataset:a"], way="down")
    assert fast.last_reach_path == "server" and got["dataset:c"] == Reached(3, "dataset:b")
    reload(fast)
    assert fast.topology.loads > loads and fast.reach(["dataset:a"], way="down") == got
    assert fast.closure(["dataset:a"], way="down").to_reached() == got
    # a retraction by the other object too: the edge is gone from the next answer
    other.retract("t", nodes=[], edges=[EdgeKey("run:1", EdgeKind.PRODUCED, "dataset:b", "t")])
    after = fast.reach(["dataset:a"], way="down")
    assert fast.last_reach_path == "server" and after == other.reach(["dataset:a"], way="down")
    assert "dataset:b" not in after


def test_a_write_by_another_process_is_in_the_next_answer(
        pair: tuple[Neo4jStore, Neo4jStore], neo4j_settings: Settings) -> None:
    fast, _ = pair
    write(fast, CHAIN)
    fast.reach(["dataset:a"], way="down")
    reload(fast)
    # a plain driver in another process, outside Steward: any committed write moves the stamp
    password = neo4j_settings.neo4j_password.get_secret_value() if neo4j_settings.neo4j_password else ""
    code = ("import sys; from neo4j import GraphDatabase\n"
            "d = GraphDatabase.driver(sys.argv[1], auth=(sys.argv[2], sys.argv[3]))\n"
            "d.execute_query(\"MATCH (b:Node {id: 'dataset:b'}) MERGE (c:Node:Dataset {id: 'dataset:x'}) "
            "SET c.kind = 'dataset', c.name = '' MERGE (b)-[:FEEDS {key: ''}]->(c)\")\n"
            "d.close()\n")
    subprocess.run([sys.executable, "-c", code, neo4j_settings.store, neo4j_settings.neo4j_user, password],
                   check=True, timeout=60)
    got = fast.reach(["dataset:a"], way="down")
    assert fast.last_reach_path == "server" and got["dataset:x"] == Reached(3, "dataset:b")
    reload(fast)
    assert fast.reach(["dataset:a"], way="down", kinds=LINEAGE_EDGES) == got


def test_turned_off_every_walk_runs_on_the_server(neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_NEO4J_SNAPSHOT", "0")
    settings_off = Settings(store=neo4j_settings.store, neo4j_user=neo4j_settings.neo4j_user,
                            neo4j_password=neo4j_settings.neo4j_password)
    assert settings_off.neo4j_snapshot is False
    store = Neo4jStore.connect(settings_off.store, settings=settings_off)
    try:
        wipe_neo4j(store)
        write(store, CHAIN)
        assert store.topology is None
        for _ in range(3):
            assert set(store.reach(["dataset:a"], way="down")) == {"run:1", "dataset:b"}
            assert store.last_reach_path == "server"
            assert store.closure(["dataset:a"], way="down").ids(0, 2) == ["run:1", "dataset:b"]
            assert store.last_reach_path == "server"
    finally:
        store.close()


def test_serve_loads_the_snapshot_at_start_so_the_first_walk_uses_it(neo4j_settings: Settings) -> None:
    """Without the start-up load a serving process's first walk runs on the server and only asks for
    the snapshot; with it, the first walk already answers from the snapshot (and is ready meanwhile)."""
    from fastapi.testclient import TestClient

    from steward.api.app import create_app

    store = Neo4jStore.connect(neo4j_settings.store, settings=neo4j_settings)
    try:
        wipe_neo4j(store)
        write(store, CHAIN)
    finally:
        store.close()
    app = create_app(neo4j_settings, warm_up=True)
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200  # not held back by the load
        holder = app.state.store_holder
        served = holder.get()
        assert isinstance(served, Neo4jStore) and served.topology is not None
        deadline = time.monotonic() + 30
        while not served.topology.info()["held"]:
            assert time.monotonic() < deadline, f"no snapshot loaded at start: {served.topology.info()}"
            time.sleep(0.05)
        assert set(served.reach(["dataset:a"], way="down")) == {"run:1", "dataset:b"}
        assert served.last_reach_path == "snapshot"
