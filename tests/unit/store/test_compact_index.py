"""The embedded store's compact traversal index against a brute-force walk, and its file's life."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.graph import Edge, EdgeKind
from steward.store import open_store
from steward.store.embedded import EmbeddedStore
from tests.walk_check import check_walks

# ids whose code-point order differs from naive byte-per-char or case-folded order, so the tie rule
# (the parent is the smallest id) is checked where SQLite's and Python's orders could disagree
NAMES = ["a", "B", "b", "a-b", "a/b", "ab", "é", "z", "Z", "😀", "ǅ", "a b", "10", "9", "x" * 40]
KINDS = [EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED, EdgeKind.RUN_OF, EdgeKind.OWNS]

graphs = st.tuples(
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(KINDS), st.sampled_from(NAMES)), max_size=50),
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
    st.sampled_from([None, 0, 1, 2, 3]),
    st.lists(st.sampled_from(KINDS), min_size=1, max_size=3),
)


def ds(name: str) -> str:
    return f"dataset:{name}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=graphs)
def test_reach_equals_the_reference_walk(tmp_path: Path, graph: tuple) -> None:  # type: ignore[type-arg]
    triples, starts, depth, kinds = graph
    db = tmp_path / "g.db"
    for suffix in ("", "-wal", "-shm", ".idx"):
        (tmp_path / f"g.db{suffix}").unlink(missing_ok=True)
    with open_store(f"sqlite:///{db}", create=True) as store:
        store.upsert(edges=[Edge(src=ds(a), kind=k, dst=ds(b), source="t") for a, k, b in triples if a != b])
        check_walks(store, starts, depth, kinds, node=ds)


def test_index_file_is_saved_reused_and_rebuilt(tmp_path: Path) -> None:
    db = tmp_path / "graph.db"
    uri = f"sqlite:///{db}"
    idx = tmp_path / "graph.db.idx"
    with open_store(uri, create=True) as store:
        store.upsert(edges=[Edge(src=ds("a"), kind=EdgeKind.CONSUMED_BY, dst="run:r", source="t"),
                            Edge(src="run:r", kind=EdgeKind.PRODUCED, dst=ds("b"), source="t")])
    assert idx.is_file(), "a writer leaves the index current when it closes"
    with open_store(uri) as store:
        assert isinstance(store, EmbeddedStore)
        first = store.compact_index()
        assert first.version == store._version()
        assert set(store.reach([ds("a")], way="down")) == {"run:r", ds("b")}
        store.upsert(edges=[Edge(src=ds("b"), kind=EdgeKind.CONSUMED_BY, dst="run:s", source="t")])
        assert set(store.reach([ds("a")], way="down")) == {"run:r", ds("b"), "run:s"}  # a write moves the version
        assert store.compact_index().version > first.version
    # garbage in the index file: ignored and rebuilt, never an error
    idx.write_bytes(b"not an index" * 10)
    with open_store(uri) as store:
        assert set(store.reach([ds("a")], way="down")) == {"run:r", ds("b"), "run:s"}
    # an index of ANOTHER store at the same version is not taken for this one's
    other = tmp_path / "other.db"
    with open_store(f"sqlite:///{other}", create=True) as store:
        store.upsert(edges=[Edge(src=ds("a"), kind=EdgeKind.CONSUMED_BY, dst="run:zzz", source="t")])
    with open_store(f"sqlite:///{db}") as store:
        version = store.compact_index().version  # type: ignore[attr-defined]
    shutil.copy(tmp_path / "other.db.idx", idx)
    with open_store(uri) as store:
        assert isinstance(store, EmbeddedStore)
        assert store._version() == version
        assert set(store.reach([ds("a")], way="down")) == {"run:r", ds("b"), "run:s"}
