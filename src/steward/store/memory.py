"""The embedded store: networkx in memory, written through to one SQLite file.

Every batch is one SQLite transaction (WAL mode); the in-memory graph is changed only after the
commit succeeds, so a crash mid-batch leaves both the file and any reader at the previous state.
A store opened on an existing file loads it; a store that notices another process committed
(``PRAGMA data_version``) reloads before answering, so a running ``steward serve`` sees a
concurrent ``steward ingest``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from steward.errors import BackendUnavailableError, ConfigError
from steward.graph import (
    LINEAGE_EDGES,
    STUB_PROP,
    Edge,
    EdgeKey,
    EdgeKind,
    EdgeRecord,
    Node,
    NodeKind,
    NodeRecord,
    Props,
)
from steward.store.base import (
    Counts,
    GraphStore,
    Reached,
    RetractResult,
    SourceRecords,
    Way,
    bfs,
    group_by_kind,
    search_rank,
)

__all__ = ["EmbeddedStore", "damaged_store_message", "missing_store_message"]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, props TEXT NOT NULL,
    sources TEXT NOT NULL, seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS edges (
    src TEXT NOT NULL, kind TEXT NOT NULL, dst TEXT NOT NULL, key TEXT NOT NULL,
    source TEXT NOT NULL, props TEXT NOT NULL, seen_at TEXT NOT NULL,
    PRIMARY KEY (src, kind, dst, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_source ON edges (source);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def missing_store_message(path: Path) -> str:
    return (
        f"no embedded store at {path}: read commands never create one. Create it with "
        f"`steward ingest RECIPE --store sqlite:///{path}` (ingests and creates) or "
        f"`steward init --store sqlite:///{path}` (an empty store), or pass the right --store"
    )


def damaged_store_message(path: Path, exc: BaseException) -> str:
    return (
        f"cannot read the embedded store at {path}: {exc}. The file is not a Steward SQLite store or is "
        "damaged; move it aside and rebuild it with `steward ingest RECIPE --store sqlite:///PATH`, "
        "or pass another --store sqlite:///PATH"
    )


def _node_row(r: NodeRecord) -> tuple[str, str, str, str, str, str]:
    return (r.id, r.kind.value, r.name, json.dumps(r.props, sort_keys=True),
            json.dumps(list(r.sources)), r.seen_at)


def _edge_row(r: EdgeRecord) -> tuple[str, str, str, str, str, str, str]:
    return (r.src, r.kind.value, r.dst, r.key, r.source, json.dumps(r.props, sort_keys=True), r.seen_at)


def _merge_props(old: Props, new: Props) -> Props:
    merged = {**old, **new}
    return {k: v for k, v in merged.items() if v is not None}


class EmbeddedStore(GraphStore):
    """``sqlite:///path/to/graph.db``: zero services, the default."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        self.uri = f"sqlite:///{path}"
        self._lock = threading.RLock()
        if not create and not path.is_file():
            raise BackendUnavailableError(missing_store_message(path))
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            else:  # mode=rw: never create the file, even if it vanishes between the check and here
                self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True,
                                           check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise BackendUnavailableError(f"cannot open the embedded store at {path}: {exc}") from exc
        except OSError as exc:
            raise BackendUnavailableError(f"cannot create the embedded store at {path}: {exc}") from exc
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=OFF")
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.executescript(_SCHEMA)
            version = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if version is None:
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            elif version[0] != SCHEMA_VERSION:
                self._db.close()
                raise ConfigError(
                    f"{path} holds a Steward store of schema {version[0]}, this Steward reads {SCHEMA_VERSION}"
                )
            self._graph = nx.MultiDiGraph()
            self._by_kind: dict[EdgeKind, dict[EdgeKey, EdgeRecord]] = {}
            self._data_version = -1
            self._load()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise BackendUnavailableError(damaged_store_message(path, exc)) from exc
        except BackendUnavailableError:
            self._db.close()
            raise

    # ---- loading -------------------------------------------------------------------------------
    def _current_version(self) -> int:
        row = self._db.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def _load(self, *, in_transaction: bool = False) -> None:
        """Read nodes and edges from ONE snapshot (one read transaction), so another process's
        commit is seen whole or not at all."""
        version = self._current_version()  # before the snapshot: at worst one needless reload later
        if not in_transaction:
            self._db.execute("BEGIN")
        try:
            node_rows = self._db.execute("SELECT * FROM nodes").fetchall()
            edge_rows = self._db.execute("SELECT * FROM edges").fetchall()
        finally:
            if not in_transaction:
                self._db.execute("COMMIT")
        g = nx.MultiDiGraph()
        by_kind: dict[EdgeKind, dict[EdgeKey, EdgeRecord]] = {k: {} for k in EdgeKind}
        try:
            for nid, kind, name, props, sources, seen_at in node_rows:
                g.add_node(nid, rec=NodeRecord(nid, NodeKind(kind), name, json.loads(props),
                                               tuple(json.loads(sources)), seen_at))
            for src, kind, dst, key, source, props, seen_at in edge_rows:
                rec = EdgeRecord(src, EdgeKind(kind), dst, key, source, json.loads(props), seen_at)
                if src not in g or dst not in g:
                    raise ValueError(f"edge {src} -{kind}-> {dst} has no node at one end")
                g.add_edge(src, dst, key=(rec.kind, key), rec=rec)
                by_kind[rec.kind][rec.identity] = rec
        except (ValueError, TypeError) as exc:  # bad JSON, unknown kind, dangling edge
            raise BackendUnavailableError(damaged_store_message(self.path, exc)) from exc
        self._graph = g
        self._by_kind = by_kind
        self._data_version = version
        logger.debug("loaded %s: %d nodes, %d edges", self.path, g.number_of_nodes(), g.number_of_edges())

    def _fresh(self) -> nx.MultiDiGraph:
        """The in-memory graph, reloaded first if another connection committed since."""
        try:
            if self._current_version() != self._data_version:
                self._load()
        except sqlite3.Error as exc:
            raise BackendUnavailableError(f"embedded store {self.path} cannot be read: {exc}") from exc
        return self._graph

    def _begin_write(self) -> nx.MultiDiGraph:
        """Take the write lock FIRST, then catch up with other processes' commits: rows computed
        from the returned graph cannot overwrite a concurrent writer's commit."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise BackendUnavailableError(f"cannot lock {self.path} for writing: {exc}") from exc
        try:
            if self._current_version() != self._data_version:
                self._load(in_transaction=True)
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise BackendUnavailableError(f"embedded store {self.path} cannot be read: {exc}") from exc
            raise
        return self._graph

    # ---- writes --------------------------------------------------------------------------------
    def _write(self, *, nodes: Sequence[Node], edges: Sequence[Edge]) -> None:
        with self._lock:
            g = self._begin_write()
            try:
                pending, new_edges = self._rows_for(g, nodes, edges)
                self._db.executemany("INSERT OR REPLACE INTO nodes VALUES (?,?,?,?,?,?)",
                                     [_node_row(r) for r in pending.values()])
                self._db.executemany("INSERT OR REPLACE INTO edges VALUES (?,?,?,?,?,?,?)",
                                     [_edge_row(r) for r in new_edges])
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise BackendUnavailableError(f"write to {self.path} failed: {exc}") from exc
            except BaseException:
                self._rollback()
                raise
            for rec in pending.values():
                g.add_node(rec.id, rec=rec)
            for er in new_edges:
                g.add_edge(er.src, er.dst, key=(er.kind, er.key), rec=er)
                self._by_kind[er.kind][er.identity] = er
            # Our own commit does not change data_version; nobody else could commit while we held the lock.

    @staticmethod
    def _rows_for(
        g: nx.MultiDiGraph, nodes: Sequence[Node], edges: Sequence[Edge]
    ) -> tuple[dict[str, NodeRecord], list[EdgeRecord]]:
        pending: dict[str, NodeRecord] = {}

        def current(nid: str) -> NodeRecord | None:
            if nid in pending:
                return pending[nid]
            rec: NodeRecord | None = g.nodes[nid]["rec"] if nid in g else None
            return rec

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
        new_edges: list[EdgeRecord] = []
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
            new_edges.append(EdgeRecord(e.src, e.kind, e.dst, e.key, e.source,
                                        {k: v for k, v in e.props.items() if v is not None}, e.seen_at))
        return pending, new_edges

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            logger.debug("rollback after a failed write also failed", exc_info=True)

    def retract(self, source: str, *, nodes: Collection[str], edges: Collection[EdgeKey]) -> RetractResult:
        with self._lock:
            g = self._begin_write()
            try:
                drop_edges = [k for k in edges
                              if g.has_edge(k.src, k.dst, key=(k.kind, k.key))
                              and g.edges[k.src, k.dst, (k.kind, k.key)]["rec"].source == source]
                delete_nodes: list[str] = []
                detach: list[NodeRecord] = []
                for nid in nodes:
                    if nid not in g:
                        continue
                    rec: NodeRecord = g.nodes[nid]["rec"]
                    if source not in rec.sources:
                        continue
                    rest = tuple(s for s in rec.sources if s != source)
                    if rest:
                        detach.append(NodeRecord(rec.id, rec.kind, rec.name, rec.props, rest, rec.seen_at))
                    else:
                        delete_nodes.append(nid)
                self._db.executemany("DELETE FROM edges WHERE src=? AND kind=? AND dst=? AND key=?",
                                     [(k.src, k.kind.value, k.dst, k.key) for k in drop_edges])
                self._db.executemany("UPDATE nodes SET sources=? WHERE id=?",
                                     [(json.dumps(list(r.sources)), r.id) for r in detach])
                self._db.executemany("DELETE FROM edges WHERE src=? OR dst=?", [(n, n) for n in delete_nodes])
                self._db.executemany("DELETE FROM nodes WHERE id=?", [(n,) for n in delete_nodes])
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise BackendUnavailableError(f"retract in {self.path} failed: {exc}") from exc
            except BaseException:
                self._rollback()
                raise
            for k in drop_edges:
                g.remove_edge(k.src, k.dst, key=(k.kind, k.key))
                self._by_kind[k.kind].pop(k, None)
            for nid in delete_nodes:
                for _, _, gone in [*g.out_edges(nid, data="rec"), *g.in_edges(nid, data="rec")]:
                    self._by_kind[gone.kind].pop(gone.identity, None)
            for r in detach:
                g.nodes[r.id]["rec"] = r
            g.remove_nodes_from(delete_nodes)
            return RetractResult(len(delete_nodes), len(detach), len(drop_edges))

    def source_records(self, source: str) -> SourceRecords:
        with self._lock:
            g = self._fresh()
            node_ids = frozenset(n for n, rec in g.nodes(data="rec") if source in rec.sources)
            edge_keys = frozenset(rec.identity for _, _, rec in g.edges(data="rec") if rec.source == source)
            return SourceRecords(node_ids, edge_keys)

    def get_state(self, key: str) -> str | None:
        with self._lock:
            try:
                row = self._db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
            except sqlite3.Error as exc:
                raise BackendUnavailableError(f"embedded store {self.path} cannot be read: {exc}") from exc
            return None if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        with self._lock:
            try:
                self._db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))
            except sqlite3.Error as exc:
                raise BackendUnavailableError(f"write to {self.path} failed: {exc}") from exc

    # ---- reads ---------------------------------------------------------------------------------
    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        with self._lock:
            g = self._fresh()
            return {i: g.nodes[i]["rec"] for i in ids if i in g}

    def find_nodes(self, *, kinds: Collection[NodeKind] | None = None) -> list[NodeRecord]:
        with self._lock:
            g = self._fresh()
            wanted = None if kinds is None else set(kinds)
            recs = [rec for _, rec in g.nodes(data="rec") if wanted is None or rec.kind in wanted]
            return sorted(recs, key=lambda r: r.id)

    def search(self, text: str, *, kinds: Collection[NodeKind] | None = None, limit: int = 20) -> list[NodeRecord]:
        t = text.lower()
        hits = [r for r in self.find_nodes(kinds=kinds) if t in r.id.lower() or t in r.name.lower()]
        return sorted(hits, key=lambda r: search_rank(text, r))[:limit]

    def edges(
        self,
        *,
        kinds: Collection[EdgeKind] | None = None,
        src: Collection[str] | None = None,
        dst: Collection[str] | None = None,
    ) -> list[EdgeRecord]:
        with self._lock:
            g = self._fresh()
            wanted = None if kinds is None else set(kinds)
            candidates: Iterable[EdgeRecord]
            if src is not None:
                candidates = (rec for s in set(src) if s in g for _, _, rec in g.out_edges(s, data="rec"))
                if dst is not None:
                    dst_set = set(dst)
                    candidates = (r for r in candidates if r.dst in dst_set)
            elif dst is not None:
                candidates = (rec for d in set(dst) if d in g for _, _, rec in g.in_edges(d, data="rec"))
            elif wanted is not None:
                candidates = (rec for k in wanted for rec in self._by_kind[k].values())
            else:
                candidates = (rec for _, _, rec in g.edges(data="rec"))
            out = [r for r in candidates if wanted is None or r.kind in wanted]
            return sorted(out, key=lambda r: r.identity)

    def reach(
        self,
        starts: Collection[str],
        *,
        way: Way,
        kinds: Collection[EdgeKind] = LINEAGE_EDGES,
        max_depth: int | None = None,
    ) -> dict[str, Reached]:
        allowed = set(self._check_kinds(kinds))
        with self._lock:
            g = self._fresh()
            adj: Any = g.succ if way == "down" else g.pred

            def successors(node: str) -> Iterable[str]:
                for nbr, keyed in adj[node].items():
                    if any(kind in allowed for kind, _ in keyed):
                        yield nbr

            return bfs([s for s in starts if s in g], successors, max_depth=max_depth)

    def counts(self) -> Counts:
        with self._lock:
            g = self._fresh()
            nodes: dict[str, int] = {}
            for _, rec in g.nodes(data="rec"):
                nodes[rec.kind.value] = nodes.get(rec.kind.value, 0) + 1
            edges: dict[str, int] = {}
            for _, _, rec in g.edges(data="rec"):
                edges[rec.kind.value] = edges.get(rec.kind.value, 0) + 1
            return Counts(group_by_kind(nodes.items()), group_by_kind(edges.items()))

    def ping(self) -> None:
        with self._lock:
            try:
                self._db.execute("SELECT 1").fetchone()
            except sqlite3.Error as exc:
                raise BackendUnavailableError(f"embedded store {self.path} does not answer: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

