"""The traversal index kept up to date by overlays (issue 12): after every write or retraction, in this
process or another, walks equal a brute-force walk over the store's edges, without a rebuild."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.graph import Edge, EdgeKey, EdgeKind, Node, NodeKind
from steward.store import open_store
from steward.store.embedded import EmbeddedStore
from tests import walk_check

# code-point order differs from byte-per-char and case-folded orders here, so new ids placed among the
# base's (and among each other) must keep "the parent is the smallest id" exact
NAMES = ["a", "B", "b", "a-b", "a/b", "ab", "é", "z", "Z", "😀", "ǅ", "a b", "10", "9", "x" * 30, "aa", "a0"]
KINDS = [EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED, EdgeKind.RUN_OF, EdgeKind.OWNS]
SOURCES = ["s1", "s2"]

triple = st.tuples(st.sampled_from(NAMES), st.sampled_from(KINDS), st.sampled_from(NAMES), st.sampled_from(SOURCES))
op = st.one_of(
    st.tuples(st.just("edges"), st.lists(triple, min_size=1, max_size=6)),
    st.tuples(st.just("nodes"), st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(SOURCES)), min_size=1,
                                          max_size=3)),
    st.tuples(st.just("retract_edges"), st.lists(triple, min_size=1, max_size=4)),
    st.tuples(st.just("retract_nodes"), st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(SOURCES)),
                                                 min_size=1, max_size=3)),
)


def ds(name: str) -> str:
    return f"dataset:{name}"


def check_walks(store: EmbeddedStore, starts: list[str], depth: int | None, kinds: list[EdgeKind]) -> None:
    walk_check.check_walks(store, starts, depth, kinds, node=ds)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(triple, max_size=30), ops=st.lists(op, min_size=1, max_size=8),
       starts=st.lists(st.sampled_from(NAMES), min_size=1, max_size=3), depth=st.sampled_from([None, 1, 2, 3]),
       kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=3))
def test_walks_after_each_write_equal_the_reference_walk(
    tmp_path: Path, first: list, ops: list, starts: list[str], depth: int | None, kinds: list[EdgeKind],  # type: ignore[type-arg]
) -> None:
    for suffix in ("", "-wal", "-shm", ".idx"):
        (tmp_path / f"g.db{suffix}").unlink(missing_ok=True)
    with open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True) as store:
        assert isinstance(store, EmbeddedStore)
        store.upsert(edges=[Edge(src=ds(a), kind=k, dst=ds(b), source=s) for a, k, b, s in first if a != b])
        base = store.compact_index()
        check_walks(store, starts, depth, kinds)
        for what, items in ops:
            if what == "edges":
                store.upsert(edges=[Edge(src=ds(a), kind=k, dst=ds(b), source=s) for a, k, b, s in items if a != b])
            elif what == "nodes":
                store.upsert(nodes=[Node(id=ds(a), kind=NodeKind.DATASET, source=s) for a, s in items])
            elif what == "retract_edges":
                for a, k, b, s in items:
                    store.retract(s, nodes=[], edges=[EdgeKey(ds(a), k, ds(b), "")])
            else:
                for a, s in items:
                    store.retract(s, nodes=[ds(a)], edges=[])
            check_walks(store, starts, depth, kinds)
            idx = store.compact_index()
            assert idx.version == store._version()
            # small commits are laid over the base, never a rebuild
            assert idx.base_version == base.version


def test_new_ids_sort_among_the_base_ids_for_parents(tmp_path: Path) -> None:
    """Two parents at the same distance: one from the base, one created after it; the smaller id wins
    whichever came first."""
    with open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True) as store:
        assert isinstance(store, EmbeddedStore)
        store.upsert(edges=[Edge(src=ds("root"), kind=EdgeKind.CONSUMED_BY, dst="run:m", source="t"),
                            Edge(src="run:m", kind=EdgeKind.PRODUCED, dst=ds("leaf"), source="t")])
        store.compact_index()
        # run:a sorts before run:m (new, smaller); run:z after it (new, larger)
        store.upsert(edges=[Edge(src=ds("root"), kind=EdgeKind.CONSUMED_BY, dst="run:z", source="t"),
                            Edge(src="run:z", kind=EdgeKind.PRODUCED, dst=ds("leaf"), source="t")])
        assert store.reach([ds("root")], way="down")[ds("leaf")].parent == "run:m"
        store.upsert(edges=[Edge(src=ds("root"), kind=EdgeKind.CONSUMED_BY, dst="run:a", source="t"),
                            Edge(src="run:a", kind=EdgeKind.PRODUCED, dst=ds("leaf"), source="t")])
        assert store.reach([ds("root")], way="down")[ds("leaf")].parent == "run:a"
        idx = store.compact_index()
        assert idx.base_version < idx.version and idx.overlay_size > 0
        store.retract("t", nodes=["run:a"], edges=[])
        assert store.reach([ds("root")], way="down")[ds("leaf")].parent == "run:m"
        assert store.reach(["run:a"], way="down") == {}


WRITER = textwrap.dedent(
    """
    import sys
    from steward.graph import Edge, EdgeKind
    from steward.store import open_store

    with open_store(sys.argv[1]) as store:
        store.upsert(edges=[Edge(src="dataset:b", kind=EdgeKind.CONSUMED_BY, dst="run:other", source="p2"),
                            Edge(src="run:other", kind=EdgeKind.PRODUCED, dst="dataset:c", source="p2")])
        store.retract("t", nodes=["run:r2"], edges=[])
    """
)


@pytest.mark.parametrize("first_delta", [True, False], ids=["delta-rows", "no-delta-table-yet"])
def test_another_process_s_commits_are_laid_over_without_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_delta: bool,
) -> None:
    from steward.store import embedded

    uri = f"sqlite:///{tmp_path / 'g.db'}"
    if not first_delta:  # the store's first commits leave no rows: the table does not exist when the reader looks
        monkeypatch.setattr(embedded, "DELTA_MAX", -1)
    with open_store(uri, create=True) as store:
        store.upsert(edges=[Edge(src=ds("a"), kind=EdgeKind.CONSUMED_BY, dst="run:r", source="t"),
                            Edge(src="run:r", kind=EdgeKind.PRODUCED, dst=ds("b"), source="t"),
                            Edge(src=ds("a"), kind=EdgeKind.CONSUMED_BY, dst="run:r2", source="t")])
    with open_store(uri) as store:
        assert isinstance(store, EmbeddedStore)
        if not first_delta:  # a commit without a row: this process looks for rows, finds no table, rebuilds
            store.upsert(edges=[Edge(src=ds("x"), kind=EdgeKind.CONSUMED_BY, dst="run:x", source="t")])
            store.compact_index()
            assert store._delta_table is False
        monkeypatch.undo()
        saved = (tmp_path / "g.db.idx").stat().st_mtime_ns
        before = store.compact_index()
        assert set(store.reach([ds("a")], way="down")) == {"run:r", "run:r2", ds("b")}
        subprocess.run([sys.executable, "-c", WRITER, uri], check=True, timeout=120)
        got = store.reach([ds("a")], way="down")
        assert set(got) == {"run:r", ds("b"), "run:other", ds("c")}
        assert got[ds("c")].distance == 4 and got[ds("c")].parent == "run:other"
        idx = store.compact_index()
        assert idx.version > before.version and idx.base_version == before.version
    # nobody rebuilt the saved base for these small commits: a third process starts from it and the rows
    assert (tmp_path / "g.db.idx").stat().st_mtime_ns == saved
    with open_store(uri) as store:
        assert isinstance(store, EmbeddedStore)
        assert set(store.reach([ds("a")], way="down")) == {"run:r", ds("b"), "run:other", ds("c")}
        assert store.compact_index().base_version == before.version


def test_a_big_commit_rebuilds_and_saves_a_new_base(tmp_path: Path) -> None:
    from steward.store import embedded

    uri = f"sqlite:///{tmp_path / 'g.db'}"
    with open_store(uri, create=True) as store:
        assert isinstance(store, EmbeddedStore)
        store.upsert(edges=[Edge(src=ds("a"), kind=EdgeKind.CONSUMED_BY, dst="run:r", source="t")])
        first = store.compact_index()
        many = embedded.DELTA_MAX // 2 + 1
        store.upsert(edges=[Edge(src="run:r", kind=EdgeKind.PRODUCED, dst=ds(f"o{i}"), source="t")
                            for i in range(many)])
        idx = store.compact_index()
        assert idx.base_version == idx.version > first.version and idx.overlay_size == 0
        assert len(store.reach([ds("a")], way="down")) == many + 1


def test_an_overlay_past_its_share_is_merged_into_a_new_base_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from steward.store import embedded

    monkeypatch.setattr(embedded, "OVERLAY_MIN", 8)
    monkeypatch.setattr(embedded, "OVERLAY_HARD", 1000)
    with open_store(f"sqlite:///{tmp_path / 'g.db'}", create=True) as store:
        assert isinstance(store, EmbeddedStore)
        store.upsert(edges=[Edge(src=ds("a"), kind=EdgeKind.CONSUMED_BY, dst="run:0", source="t")])
        first = store.compact_index()
        for i in range(1, 8):  # a chain a -> run:0 -> d1 -> run:1 -> d2 ...
            store.upsert(edges=[Edge(src=f"run:{i - 1}", kind=EdgeKind.PRODUCED, dst=ds(f"d{i}"), source="t"),
                                Edge(src=ds(f"d{i}"), kind=EdgeKind.CONSUMED_BY, dst=f"run:{i}", source="t")])
            store.reach([ds("a")], way="down")
        assert store._merging is not None, "the overlay outgrew its share: a new base is being built"
        store._merging.join(timeout=60)
        merged_at = store._merged.version if store._merged is not None else store.compact_index().base_version
        assert merged_at > first.version
        store.upsert(edges=[Edge(src="run:7", kind=EdgeKind.PRODUCED, dst=ds("end"), source="t")])
        got = store.reach([ds("a")], way="down")
        idx = store.compact_index()
        # the new base (or a later one: under load a second merge may already have landed), the rest laid over it
        assert idx.base_version >= merged_at and idx.version > merged_at and idx.version >= idx.base_version
        assert got[ds("end")] == (16, "run:7") and len(got) == 16
        saved = embedded.CompactIndex.load(tmp_path / "g.db.idx")
        assert saved is not None and saved.version >= merged_at  # (a later merge may have saved a newer one)


@pytest.mark.parametrize("names", [["a", "b", "c", "ab", "a b"], ["a", "é", "😀", "Z", "ǅ"]], ids=["ascii", "unicode"])
def test_a_loaded_index_reads_its_ids_as_built(tmp_path: Path, names: list[str]) -> None:
    """Ids read from the memory-mapped file (straight from its bytes when all are ASCII) are the ids."""
    uri = f"sqlite:///{tmp_path / 'g.db'}"
    edges = [Edge(src=ds(a), kind=EdgeKind.CONSUMED_BY, dst=f"run:{b}", source="t") for a in names for b in names]
    with open_store(uri, create=True) as store:
        store.upsert(edges=edges)
        want = {n: store.reach([ds(n)], way="down") for n in names}
        want_up = store.reach([f"run:{names[0]}"], way="up")
    saved = (tmp_path / "g.db.idx").stat().st_mtime_ns
    with open_store(uri) as store:
        assert isinstance(store, EmbeddedStore)
        idx = store.compact_index()
        assert idx.version == store._version() and idx.overlay_size == 0  # the saved file, not a rebuild
        assert {n: store.reach([ds(n)], way="down") for n in names} == want
        assert store.reach([f"run:{names[0]}"], way="up") == want_up
        assert [idx.id_of(i) for i in range(idx.n)] == sorted({ds(n) for n in names} | {f"run:{n}" for n in names})
    assert (tmp_path / "g.db.idx").stat().st_mtime_ns == saved  # read from the file, never rebuilt
