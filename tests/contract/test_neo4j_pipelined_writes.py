"""Neo4j's pipelined writer (``Neo4jStore.writer``, what ``steward ingest`` writes a source's chunks
through) stores exactly what one ``upsert`` after another stores (issue 12).

Batch n+1 writes the part batch n does not touch while batch n commits. The tests make that
overlap happen every time: through the store's ``write_hook``, batch n waits to commit until
batch n+1 has written that first part (and each test checks that it did). Then the stored graph and
its history must equal the reference (each batch written alone), on the seeded batches of
test_neo4j_ingest_paths and on a node changed by one batch and changed back by the next (which a
first part that read nodes the batch before was still writing would get wrong). A batch that
fails stops the stream: the batches before it stay written, none after it is, and the failure is
raised. A pipelined transaction that fails on its own (here: made to) is rolled back and its batch
written again alone, with the same outcome.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from steward.errors import StoreUnavailableError
from steward.graph import Edge, EdgeKind, Node, NodeKind
from steward.store import neo4j as neo4j_module
from steward.store.embedded import EmbeddedStore
from steward.store.neo4j import Neo4jStore
from tests.conftest import wipe_neo4j
from tests.contract.test_neo4j_ingest_paths import _batches, _dump, _history, _ingest, _writes

T0, T1 = "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"


class _Meeting:
    """A write hook: batch n of a stream of ``batches`` commits only once batch n+1 has written its
    first part (the last batch at once); records the order things happened in (a first part before
    it lets the batch before go on, a commit once it may go on)."""

    def __init__(self, batches: int, then: Callable[[str, int], None] | None = None) -> None:
        self.batches = batches
        self.events: list[tuple[str, int]] = []
        self._first: dict[int, threading.Event] = {}
        self._lock = threading.Lock()
        self._then = then

    def _event(self, seq: int) -> threading.Event:
        with self._lock:
            return self._first.setdefault(seq, threading.Event())

    def reset(self) -> None:
        """For the next stream: nothing has happened yet."""
        with self._lock:
            self.events.clear()
            self._first.clear()

    def _note(self, point: str, seq: int) -> None:
        with self._lock:
            self.events.append((point, seq))

    def __call__(self, point: str, seq: int) -> None:
        if point == "first part":
            self._note(point, seq)
            self._event(seq).set()
        elif point == "commit":
            if 0 <= seq < self.batches - 1:
                # generous: only a broken writer (a first part that never comes) would wait it out
                assert self._event(seq + 1).wait(timeout=30.0), f"batch {seq + 1} never wrote its first part"
            self._note(point, seq)
        if self._then is not None:
            self._then(point, seq)

    def overlapped(self) -> int:
        """How many batches wrote their first part before the batch before them committed."""
        pos = {e: i for i, e in enumerate(self.events)}
        return sum(1 for (point, seq), i in pos.items()
                   if point == "first part" and pos.get(("commit", seq - 1), -1) > i)


@pytest.fixture
def meeting(neo4j_store: Neo4jStore) -> Iterator[_Meeting]:
    hook = _Meeting(batches=len(_batches(1)))
    neo4j_store.write_hook = hook
    yield hook
    neo4j_store.write_hook = None


@pytest.mark.parametrize("seed", [1, 2])
def test_pipelined_batches_store_what_one_upsert_after_another_stores(
    neo4j_store: Neo4jStore, meeting: _Meeting, seed: int, tmp_path: Path,
) -> None:
    neo4j_store.write_hook = None
    reference = _ingest(neo4j_store, seed, fast=True, chunk=5000)
    neo4j_store.write_hook = meeting
    assert _ingest(neo4j_store, seed, fast=True, chunk=5000, piped=True) == reference
    assert meeting.overlapped() == meeting.batches - 1, meeting.events  # every batch after the first overlapped
    meeting.reset()
    assert _ingest(neo4j_store, seed, fast=False, chunk=7, piped=True) == reference
    assert meeting.overlapped() == meeting.batches - 1, meeting.events
    embedded = EmbeddedStore(tmp_path / "e.db", create=True)  # its writer: one upsert after another
    try:
        assert _history(embedded, _writes(embedded, seed, piped=True)) == reference["history"]
    finally:
        embedded.close()


def _there_and_back() -> list[tuple[list[Node], list[Edge]]]:
    """A node changed by one batch and changed back by the next; edges to nodes each batch creates."""
    def node(p: int, at: str = T0) -> Node:
        return Node(id="dataset:s3://b/x", kind=NodeKind.DATASET, source="s1", props={"p": p}, seen_at=at)

    def run(i: int) -> tuple[Node, Edge]:
        rid = f"run:r{i}"
        return (Node(id=rid, kind=NodeKind.RUN, source="s1", seen_at=T0),
                Edge("dataset:s3://b/x", EdgeKind.CONSUMED_BY, rid, source="s1", seen_at=T0))

    out = []
    for i, p in enumerate((1, 2, 1, 1, 3, 1)):
        r, e = run(i)
        out.append(([node(p), r], [e]))
    return out


def _stream(store: Neo4jStore, batches: list[tuple[list[Node], list[Edge]]]) -> None:
    with store.writer() as writer:
        for nodes, edges in batches:
            writer.upsert(nodes=nodes, edges=edges)


def _write_there_and_back(store: Neo4jStore, *, piped: bool) -> dict[str, Any]:
    wipe_neo4j(store)
    batches = _there_and_back()
    if piped:
        _stream(store, batches)
    else:
        for nodes, edges in batches:
            store.upsert(nodes=nodes, edges=edges)
    ids = ["dataset:s3://b/x"] + [f"run:r{i}" for i in range(len(batches))]
    return _dump(store) | {"history": _history(store, ids)}


def test_a_node_changed_back_by_the_next_batch_is_changed_back(neo4j_store: Neo4jStore, meeting: _Meeting) -> None:
    neo4j_store.write_hook = None
    reference = _write_there_and_back(neo4j_store, piped=False)
    assert neo4j_store.get_nodes(["dataset:s3://b/x"])["dataset:s3://b/x"].props["p"] == 1
    assert len(reference["history"]["versions"]["dataset:s3://b/x"][0]) == 5  # 1, 2, 1, 3, 1
    meeting.batches = len(_there_and_back())
    neo4j_store.write_hook = meeting
    assert _write_there_and_back(neo4j_store, piped=True) == reference
    assert meeting.overlapped() == 5, meeting.events


def test_a_failed_batch_stops_the_stream_and_is_raised(neo4j_store: Neo4jStore) -> None:
    def fail_third(point: str, seq: int) -> None:
        if point == "commit" and seq == 2:
            raise RuntimeError("batch 2 broke")

    neo4j_store.write_hook = _Meeting(len(_there_and_back()), then=fail_third)
    with pytest.raises(RuntimeError, match="batch 2 broke"):
        _stream(neo4j_store, _there_and_back())
    neo4j_store.write_hook = None
    # batches 0 and 1 stay written; batch 2 failed; batch 3 (in flight with it) was rolled back, and
    # nothing after was written
    stored = neo4j_store.get_nodes([f"run:r{i}" for i in range(6)] + ["dataset:s3://b/x"])
    assert sorted(stored) == ["dataset:s3://b/x", "run:r0", "run:r1"]
    assert stored["dataset:s3://b/x"].props["p"] == 2
    assert neo4j_store.counts().edges == {"CONSUMED_BY": 2}


def test_a_pipelined_transaction_that_fails_is_written_again_alone(
    neo4j_store: Neo4jStore, caplog: pytest.LogCaptureFixture,
) -> None:
    neo4j_store.write_hook = None
    reference = _write_there_and_back(neo4j_store, piped=False)
    failed: list[int] = []

    def fail_once(point: str, seq: int) -> None:
        if point == "first part" and seq in (2, 4) and seq not in failed:
            failed.append(seq)
            raise StoreUnavailableError("made to fail")  # as a deadlock or a dropped connection would

    neo4j_store.write_hook = _Meeting(len(_there_and_back()), then=fail_once)
    with caplog.at_level("INFO", logger="steward.store.neo4j"):
        assert _write_there_and_back(neo4j_store, piped=True) == reference
    assert failed == [2, 4]
    assert sum("writing it alone" in r.message for r in caplog.records) == 2


def test_a_batch_that_waits_too_long_for_the_one_before_rolls_back_and_writes_alone(
    neo4j_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """The server cannot see a batch wait in the client for the one before: if that one needed a
    lock this one holds, neither would ever finish. So the wait is bounded (here made short, and
    batch 1 made slow to commit): batch 2 rolls back what it wrote and writes alone after batch 1."""
    neo4j_store.write_hook = None
    reference = _write_there_and_back(neo4j_store, piped=False)
    monkeypatch.setattr(neo4j_module, "PIPELINE_WAIT_S", 0.3)

    def slow_second(point: str, seq: int) -> None:
        if point == "commit" and seq == 1:
            time.sleep(1.0)

    neo4j_store.write_hook = _Meeting(len(_there_and_back()), then=slow_second)
    with caplog.at_level("INFO", logger="steward.store.neo4j"):
        assert _write_there_and_back(neo4j_store, piped=True) == reference
    alone = [r.message for r in caplog.records if "writing it alone" in r.message]
    assert len(alone) == 1 and "batch 2" in alone[0] and "did not commit within 0.3 s" in alone[0], alone
