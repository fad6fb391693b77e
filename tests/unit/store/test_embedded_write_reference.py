"""The embedded store's write path (``EmbeddedStore._write``, made faster for the streaming ingest: rows in key
order, a stored node's sources parsed without its props, '{}' made once, one JSON encoder) stores exactly
what the straightforward reference below stores, the write path as it was before (commit 3ce312e): the same
nodes, edges, history (open and closed versions, in the same order), index deltas, governance records and
log, batch after batch of random merges, stubs, changed and repeated props, ownership edges and removals."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.governance import log as governance_log
from steward.graph import STUB_PROP, Edge, EdgeKey, EdgeKind, Node, NodeKind, NodeRecord, PropValue
from steward.store import embedded
from steward.store.base import EdgeRow, LogLine, NodeRow, Record, check_expected
from steward.store.embedded import (
    _CHANGED_EDGES,
    _OPEN_EDGE,
    _OPEN_NODE,
    _REOPEN_EDGE,
    _UPSERT_EDGE,
    _UPSERT_NODE,
    EmbeddedStore,
    _merge_props,
    _node_rec,
)


def _node_row(r: NodeRecord) -> NodeRow:
    return (r.id, r.kind.value, r.name, json.dumps(r.props, sort_keys=True),
            json.dumps(list(r.sources)), r.seen_at)


class ReferenceStore(EmbeddedStore):
    """The embedded store with the write path of commit 3ce312e, verbatim."""

    def _write(
        self, *, nodes: Sequence[Node], edges: Sequence[Edge], records: Sequence[Record] = (),
        log: Sequence[Mapping[str, Any]] = (), expect: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    ) -> list[LogLine]:
        with self._writing("write to") as db:
            if expect:
                held: dict[tuple[str, str], dict[str, Any]] = {}
                for kind, rid in expect:
                    row = db.execute("SELECT doc FROM records WHERE kind=? AND id=?", (kind, rid)).fetchone()
                    if row is not None:
                        held[(kind, rid)] = json.loads(row[0])
                check_expected(expect, held)
            lines = self._append(db, records, log)
            ids = {n.id for n in nodes}
            for e in edges:
                ids.add(e.src)
                ids.add(e.dst)
            stored = self._nodes_by_id(ids)
            pending: dict[str, NodeRecord] = {}
            parsed: dict[str, NodeRecord | None] = {}

            def current(nid: str) -> NodeRecord | None:
                rec = pending.get(nid)
                if rec is not None:
                    return rec
                if nid not in parsed:
                    row = stored.get(nid)
                    parsed[nid] = None if row is None else _node_rec(row)
                return parsed[nid]

            for n in nodes:
                old = current(n.id)
                if old is None:
                    pending[n.id] = NodeRecord(n.id, n.kind, n.name, _merge_props({}, n.props),
                                               (n.source,), n.seen_at)
                else:
                    pending[n.id] = NodeRecord(
                        n.id, n.kind, n.name, _merge_props(old.props, {**n.props, STUB_PROP: None}),
                        tuple(sorted({*old.sources, n.source})), max(old.seen_at, n.seen_at),
                    )
            new_edges: dict[EdgeKey, EdgeRow] = {}
            for e in edges:
                for nid in (e.src, e.dst):
                    old = current(nid)
                    if old is None:
                        stub = Node.stub(nid, source=e.source, seen_at=e.seen_at)
                        pending[nid] = NodeRecord(nid, stub.kind, stub.name, {STUB_PROP: True}, (e.source,),
                                                  e.seen_at)
                    elif e.source not in old.sources:
                        pending[nid] = NodeRecord(old.id, old.kind, old.name, old.props,
                                                  tuple(sorted({*old.sources, e.source})), old.seen_at)
                props = {k: v for k, v in e.props.items() if v is not None}
                new_edges[e.identity] = (e.src, e.kind.value, e.dst, e.key, e.source,
                                         json.dumps(props, sort_keys=True), e.seen_at)
            node_rows = [row for row in map(_node_row, pending.values()) if stored.get(row[0]) != row]
            db.executemany(_UPSERT_NODE, node_rows)
            tx_at = self._tx_at
            db.executemany(_OPEN_NODE, [(r[0], tx_at, r[5]) for r in node_rows if r[0] not in stored])
            edge_rows = list(new_edges.values())
            known = [r for r in edge_rows if r[0] in stored and r[2] in stored]
            changed = db.execute(_CHANGED_EDGES, (json.dumps(known),)).fetchall() if known else []
            db.executemany("INSERT INTO edge_closed VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(*r, tx_at) for r in changed])
            before = db.total_changes
            db.executemany(_UPSERT_EDGE, edge_rows)
            if db.total_changes != before:
                db.executemany(_OPEN_EDGE, [(r[0], r[1], r[2], r[3], tx_at, r[6]) for r in edge_rows])
                db.executemany(_REOPEN_EDGE, [(tx_at, new_edges[EdgeKey(r[0], EdgeKind(r[1]), r[2], r[3])][6], *r[:4])
                                              for r in changed])
            if node_rows or db.total_changes != before:
                self._bump(db, [r[0] for r in node_rows if r[0] not in stored],
                           {(r[0], r[2]) for r in edge_rows}, [r[0] for r in node_rows if r[0] in stored])
            return lines


ORIGIN = re.compile(r"steward/[0-9a-f]{32}")
#: tables compared, each in its stored order (rowid, or primary key for WITHOUT ROWID tables)
TABLES = ("nodes", "edges", "node_open", "edge_open", "node_closed", "edge_closed", "records", "log", "index_delta")


def dump(store: EmbeddedStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows; the log's random origin (in its checkpoint record) as 'steward/ORIGIN'."""
    con = sqlite3.connect(store.path)
    try:
        have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: [tuple(ORIGIN.sub("steward/ORIGIN", v) if isinstance(v, str) else v for v in row)
                    for row in con.execute(f"SELECT * FROM {t}")] if t in have else [] for t in TABLES}
    finally:
        con.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Restarts the clock (a counter) of the stores' transactions and the log's checkpoints: called before each
    store, both see the same times."""

    def restart() -> None:
        ticks = itertools.count()

        def now() -> str:
            return f"2026-01-01T00:00:{next(ticks):06d}Z"

        monkeypatch.setattr(embedded, "utc_now", now)
        monkeypatch.setattr(governance_log, "utc_now", now)

    return restart


IDS = [f"dataset:s3://lake/d{i}" for i in range(6)] + [f"run:r{i}" for i in range(4)] + \
    ["job:airflow/j0", "job:airflow/j1"]
OWNERS = ["team:data", "team:ml", "person:ada@acme.com"]
SOURCES = ["lineage", "catalog", "mlflow"]
SEEN = ["2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", "2026-01-03T00:00:00.000Z"]
PROPS: st.SearchStrategy[dict[str, PropValue]] = st.dictionaries(
    st.sampled_from(["namespace", "version", "state", "tags"]),
    st.one_of(st.none(), st.sampled_from(["a", "b"]), st.integers(0, 2), st.just(["x", "y"])), max_size=3)


@st.composite
def batch(draw: st.DrawFn) -> dict[str, Any]:
    nodes = []
    for nid in draw(st.lists(st.sampled_from(IDS + OWNERS), max_size=10)):
        kind = NodeKind.DATASET if nid.startswith("dataset:") else NodeKind.RUN if nid.startswith("run:") else \
            NodeKind.JOB if nid.startswith("job:") else NodeKind.TEAM if nid.startswith("team:") else NodeKind.PERSON
        nodes.append(Node(id=nid, kind=kind, source=draw(st.sampled_from(SOURCES)), props=draw(PROPS),
                          name=draw(st.sampled_from(["", "Nice name"])), seen_at=draw(st.sampled_from(SEEN))))
    edges = []
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.booleans()):
            props: dict[str, Any] = {"role": draw(st.sampled_from(["owner", "steward"])), "origin": "x"}
            if draw(st.booleans()):
                props["since"] = draw(st.sampled_from(["2025", None]))
            edges.append(Edge(src=draw(st.sampled_from(OWNERS)), kind=EdgeKind.OWNS, dst=draw(st.sampled_from(IDS)),
                              source=draw(st.sampled_from(SOURCES)), props=props, seen_at=draw(st.sampled_from(SEEN))))
        else:
            edges.append(Edge(src=draw(st.sampled_from(IDS)), kind=draw(st.sampled_from(
                [EdgeKind.CONSUMED_BY, EdgeKind.PRODUCED, EdgeKind.RUN_OF])), dst=draw(st.sampled_from(IDS)),
                source=draw(st.sampled_from(SOURCES)), props=draw(PROPS), seen_at=draw(st.sampled_from(SEEN))))
    retract = None
    if draw(st.integers(0, 4)) == 0:
        said = [e.identity for e in edges]
        retract = (draw(st.sampled_from(SOURCES)), draw(st.lists(st.sampled_from(IDS + OWNERS), max_size=4)),
                   draw(st.lists(st.sampled_from(said), max_size=3)) if said else [])
    return {"nodes": nodes, "edges": edges, "retract": retract,
            "log": draw(st.sampled_from([[], [{"action": "ingest", "at": "2026-01-01T00:00:00Z"}]]))}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(batch(), min_size=1, max_size=8))
def test_property_write_path_stores_what_the_reference_stores(
    tmp_path_factory: pytest.TempPathFactory, clock: Callable[[], None], batches: list[dict[str, Any]],
) -> None:
    tmp = tmp_path_factory.mktemp("write")
    dumps = []
    for cls in (EmbeddedStore, ReferenceStore):
        clock()
        store = cls(tmp / f"{cls.__name__}.db", create=True)
        lines = []
        try:
            for b in batches:
                lines.append([(ln.seq, ln.entry, ln.leaf_hash)
                              for ln in store.upsert(nodes=b["nodes"], edges=b["edges"], log=b["log"])])
                if b["retract"]:
                    source, nodes, edges = b["retract"]
                    store.retract(source, nodes=nodes, edges=edges)
            dumps.append((dump(store), lines))
        finally:
            store.close()
    (got, got_lines), (want, want_lines) = dumps
    assert got_lines == want_lines
    for table in TABLES:
        assert got[table] == want[table], table


def test_the_write_path_keeps_history_of_changed_edges_and_nodes_as_the_reference(
    tmp_path: Path, clock: Callable[[], None],
) -> None:
    """A fixed case the property test could miss by chance: every kind of change in one store."""
    T = SEEN[0]
    out = []
    for cls in (EmbeddedStore, ReferenceStore):
        clock()
        with cls(tmp_path / f"{cls.__name__}.db", create=True) as store:
            d, r = "dataset:s3://lake/a", "run:r1"
            store.upsert(nodes=[Node(id=d, kind=NodeKind.DATASET, source="a", props={"v": "1"}, seen_at=T)],
                         edges=[Edge(src=d, kind=EdgeKind.CONSUMED_BY, dst=r, source="a", seen_at=T),
                                Edge(src="team:t", kind=EdgeKind.OWNS, dst=d, source="a",
                                     props={"role": "owner", "origin": "a"}, seen_at=T)])
            store.upsert(nodes=[Node(id=d, kind=NodeKind.DATASET, source="b", props={"v": "2", "w": None}, seen_at=T)],
                         edges=[Edge(src=d, kind=EdgeKind.CONSUMED_BY, dst=r, source="a", props={"p": 1}, seen_at=T),
                                Edge(src="team:t", kind=EdgeKind.OWNS, dst=d, source="a",
                                     props={"role": "owner", "origin": "b"}, seen_at=T)])
            store.upsert(nodes=[Node(id=r, kind=NodeKind.RUN, source="b", seen_at=T)],
                         edges=[Edge(src=d, kind=EdgeKind.CONSUMED_BY, dst=r, source="b", seen_at=T)])
            store.retract("a", nodes=[d, "team:t"], edges=[])
            out.append(dump(store))
    assert out[0] == out[1]
    assert out[0]["node_closed"] and out[0]["edge_closed"]
