"""The embedded store: one SQLite file is the system of record, a compact CSR index answers walks.

Nothing is loaded up front. Node and edge properties are read from SQLite when an answer needs
them (indexed by id, by edge endpoint, by kind); walks (``reach``) run on the compact traversal
index of :mod:`steward.store.index`: integer node ids and CSR arrays per direction with edge-kind
bitmasks, persisted beside the database (``graph.db.idx``) and memory-mapped. Every write bumps a
version stamp in the ``meta`` table; an index built at an older stamp is rebuilt from one read
snapshot before the next walk, so a running ``steward serve`` sees a concurrent ``steward ingest``.

Writers take SQLite's write lock (``BEGIN IMMEDIATE``) *before* reading the rows they merge with,
so two processes writing the same nodes never overwrite each other's commit. Each batch is one
transaction (WAL mode): a crash mid-batch leaves the previous state.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import numpy as np

from steward.errors import BackendUnavailableError, ConfigError
from steward.graph import (
    KIND_BY_PREFIX,
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
    Closure,
    Counts,
    EdgeRow,
    EdgeVersion,
    GraphChanges,
    GraphStore,
    LogLine,
    NodeRow,
    NodeVersion,
    Reached,
    Record,
    RetractResult,
    SourceRecords,
    WalkGraph,
    Way,
    check_expected,
    group_by_kind,
    search_rank,
    utc_now,
)
from steward.store.index import CompactIndex, build_index

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
CREATE INDEX IF NOT EXISTS edges_dst ON edges (dst);
CREATE INDEX IF NOT EXISTS edges_kind ON edges (kind);
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes (kind);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, leaf_hash TEXT NOT NULL);
"""
#: History (issue 9): every version of every node and edge with its validity interval in transaction
#: time, kept beside the current tables (by ``_write`` for new rows and changed edges, by triggers for
#: changed nodes and every deletion), so the current tables (and every walk and analysis over them)
#: stay as they are. The current version of a row IS its row in ``nodes``/``edges``:
#: ``node_open``/``edge_open`` only add when it became valid (and when it was first seen), and a
#: version is copied to ``node_closed``/``edge_closed`` when it stops being valid. So a new row costs
#: one small insert more, and only changes copy rows. A version changes when what a record says
#: changes (kind, name, props, sources; an edge's source and props), not when it is merely seen again
#: (``seen_at``). The views ``node_versions``/``edge_versions`` show both halves. The transaction's time
#: is in ``meta`` ('tx_at'), set first thing in every write transaction.
_TX_AT = "(SELECT value FROM meta WHERE key = 'tx_at')"
_EDGE_IS_OLD = "o.src = old.src AND o.kind = old.kind AND o.dst = old.dst AND o.key = old.key"
_HISTORY_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS node_open (id TEXT PRIMARY KEY, valid_from TEXT NOT NULL, seen_at TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS node_closed (
    id TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL,
    kind TEXT NOT NULL, name TEXT NOT NULL, props TEXT NOT NULL, sources TEXT NOT NULL, seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS node_closed_id ON node_closed (id);
CREATE TABLE IF NOT EXISTS edge_open (
    src TEXT NOT NULL, kind TEXT NOT NULL, dst TEXT NOT NULL, key TEXT NOT NULL,
    valid_from TEXT NOT NULL, seen_at TEXT NOT NULL, PRIMARY KEY (src, kind, dst, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS edge_closed (
    src TEXT NOT NULL, kind TEXT NOT NULL, dst TEXT NOT NULL, key TEXT NOT NULL,
    source TEXT NOT NULL, props TEXT NOT NULL, seen_at TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edge_closed_src ON edge_closed (src);
CREATE INDEX IF NOT EXISTS edge_closed_dst ON edge_closed (dst);
CREATE VIEW IF NOT EXISTS node_versions AS
    SELECT id, kind, name, props, sources, seen_at, valid_from, valid_to FROM node_closed
    UNION ALL
    SELECT n.id, n.kind, n.name, n.props, n.sources, o.seen_at, o.valid_from, NULL
    FROM nodes n JOIN node_open o ON o.id = n.id;
CREATE VIEW IF NOT EXISTS edge_versions AS
    SELECT src, kind, dst, key, source, props, seen_at, valid_from, valid_to FROM edge_closed
    UNION ALL
    SELECT e.src, e.kind, e.dst, e.key, e.source, e.props, o.seen_at, o.valid_from, NULL
    FROM edges e JOIN edge_open o ON o.src = e.src AND o.kind = e.kind AND o.dst = e.dst AND o.key = e.key;
CREATE TRIGGER IF NOT EXISTS nodes_changed AFTER UPDATE ON nodes
WHEN old.kind IS NOT new.kind OR old.name IS NOT new.name OR old.props IS NOT new.props
    OR old.sources IS NOT new.sources BEGIN
    INSERT INTO node_closed SELECT old.id, o.valid_from, {_TX_AT}, old.kind, old.name, old.props, old.sources,
        o.seen_at FROM node_open o WHERE o.id = old.id;
    INSERT INTO node_open VALUES (new.id, {_TX_AT}, new.seen_at) ON CONFLICT (id) DO UPDATE SET
        valid_from = excluded.valid_from, seen_at = excluded.seen_at;
END;
CREATE TRIGGER IF NOT EXISTS nodes_closed AFTER DELETE ON nodes BEGIN
    INSERT INTO node_closed SELECT old.id, o.valid_from, {_TX_AT}, old.kind, old.name, old.props, old.sources,
        o.seen_at FROM node_open o WHERE o.id = old.id;
    DELETE FROM node_open WHERE id = old.id;
END;
CREATE TRIGGER IF NOT EXISTS edges_closed AFTER DELETE ON edges BEGIN
    INSERT INTO edge_closed SELECT old.src, old.kind, old.dst, old.key, old.source, old.props, o.seen_at,
        o.valid_from, {_TX_AT} FROM edge_open o WHERE {_EDGE_IS_OLD};
    DELETE FROM edge_open WHERE src = old.src AND kind = old.kind AND dst = old.dst AND key = old.key;
END;
"""
#: A new row opens its version (``_write``); an edge already open (merely seen again) keeps its own.
_OPEN_NODE = ("INSERT INTO node_open VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
              "valid_from = excluded.valid_from, seen_at = excluded.seen_at")
_OPEN_EDGE = "INSERT INTO edge_open VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
_REOPEN_EDGE = ("UPDATE edge_open SET valid_from = ?, seen_at = ? WHERE src = ? AND kind = ? AND dst = ? AND key = ?")
#: The stored edges a batch changes (source or props), with their open version: they close. (Found by
#: one query per batch rather than an update trigger on ``edges``, which cost SQLite as much per
#: upserted row as the upsert itself, changed or not.)
_CHANGED_EDGES = (
    "SELECT e.src, e.kind, e.dst, e.key, e.source, e.props, o.seen_at, o.valid_from FROM json_each(?) j "
    "JOIN edges e ON e.src = json_extract(j.value, '$[0]') AND e.kind = json_extract(j.value, '$[1]') "
    "AND e.dst = json_extract(j.value, '$[2]') AND e.key = json_extract(j.value, '$[3]') "
    "JOIN edge_open o ON o.src = e.src AND o.kind = e.kind AND o.dst = e.dst AND o.key = e.key "
    "WHERE e.source IS NOT json_extract(j.value, '$[4]') OR e.props IS NOT json_extract(j.value, '$[5]')"
)
_IN = "(SELECT value FROM json_each(?))"
_UPSERT_NODE = (
    "INSERT INTO nodes VALUES (?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET kind=excluded.kind, "
    "name=excluded.name, props=excluded.props, sources=excluded.sources, seen_at=excluded.seen_at"
)
_UPSERT_EDGE = (
    "INSERT INTO edges VALUES (?,?,?,?,?,?,?) ON CONFLICT (src, kind, dst, key) DO UPDATE SET "
    "source=excluded.source, props=excluded.props, seen_at=excluded.seen_at "
    "WHERE edges.source <> excluded.source OR edges.props <> excluded.props OR edges.seen_at <> excluded.seen_at"
)
_BUMP = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'"
#: What each commit did to the graph's shape, for the traversal index (see ``_bump``): one row per store
#: version, made by the commit that moved the store to it. Made on the first write that needs it, so a
#: store that is only read is never altered.
_DELTA_TABLE = "CREATE TABLE IF NOT EXISTS index_delta (version INTEGER PRIMARY KEY, delta TEXT NOT NULL)"
#: A commit touching more ids and pairs than this leaves no delta row: the index is rebuilt after it.
DELTA_MAX = 4096
#: The overlay is merged into a new base (built and saved) once it holds more than this share of the base.
OVERLAY_SHARE = 16
OVERLAY_MIN = 4096
#: ... and in the foreground (the walk waits) once it holds this many times that share (a merge that
#: cannot keep up, or failed).
OVERLAY_HARD = 4

T = TypeVar("T")
_CACHE_MAX = 500_000
#: A whole-kind read off the request path (``edge_rows``) offers the interpreter to threads waiting for it
#: (``sleep(0)``: free when none is) every so many rows.
_YIELD_EVERY = 4096
_YIELD_S = 0.0


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


#: ``json.dumps(x, sort_keys=True)`` without making an encoder per call (the same text)
_ENCODE_SORTED = json.JSONEncoder(sort_keys=True).encode
_EDGE_KIND_VALUE: dict[EdgeKind, str] = {k: k.value for k in EdgeKind}


def _props_text(props: Props) -> str:
    """Properties as stored: ``json.dumps(props, sort_keys=True)``; '{}' (most edges) made once."""
    return _ENCODE_SORTED(props) if props else "{}"


def _node_rec(row: Sequence[Any]) -> NodeRecord:
    nid, kind, name, props, sources, seen_at = row
    return NodeRecord(nid, NodeKind(kind), name, json.loads(props), tuple(json.loads(sources)), seen_at)


def _edge_rec(row: Sequence[Any]) -> EdgeRecord:
    src, kind, dst, key, source, props, seen_at = row
    return EdgeRecord(src, EdgeKind(kind), dst, key, source, json.loads(props), seen_at)


def _merge_props(old: Props, new: Props) -> Props:
    merged = {**old, **new}
    return {k: v for k, v in merged.items() if v is not None}


def _contains(text: str) -> Callable[[str, str], bool]:
    t = text.lower()
    return lambda i, n: t in i.lower() or t in n.lower()


class _SqliteLogTx:
    """What the log hook reads inside an embedded write transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def record(self, kind: str, record_id: str) -> Record | None:
        row = self._db.execute("SELECT doc FROM records WHERE kind=? AND id=?", (kind, record_id)).fetchone()
        return None if row is None else Record(kind, record_id, json.loads(row[0]))

    def leaf_hashes(self, stop: int) -> list[str]:
        return [str(h) for (h,) in self._db.execute("SELECT leaf_hash FROM log WHERE seq < ? ORDER BY seq", (stop,))]


class EmbeddedStore(GraphStore):
    """``sqlite:///path/to/graph.db``: zero services, the default."""

    #: Whether this store keeps the history of its nodes and edges (an as-of view does not).
    _keeps_history = True
    #: The time of the write transaction under way (``meta`` 'tx_at').
    _tx_at = ""
    #: A chunk of a streamed ingest (50,000 records) is one transaction: SQLite takes it whole, cheaply.
    big_transactions: ClassVar[bool] = True

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        self.uri = f"sqlite:///{path}"
        self.index_path = path.with_name(path.name + ".idx")
        self._lock = threading.RLock()
        self._index: CompactIndex | None = None
        #: whether the store has the ``index_delta`` table (None: not looked yet); the version of the base
        #: this process last saved (its delta rows are deleted by the next write)
        self._delta_table: bool | None = None
        self._saved_version: int | None = None
        #: the thread building a new base in the background, and the base it built (not taken up yet)
        self._merging: threading.Thread | None = None
        self._merged: CompactIndex | None = None
        self._wrote = False
        self._cache: dict[str, NodeRecord] = {}
        self._cache_version = -1
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
            self._db.execute("PRAGMA cache_size=-65536")
            if self._db.execute("SELECT 1 FROM sqlite_master WHERE name='log'").fetchone() is None:
                self._db.executescript(_SCHEMA)
            version = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if version is None:
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            elif version[0] != SCHEMA_VERSION:
                raise ConfigError(
                    f"{path} holds a Steward store of schema {version[0]}, this Steward reads {SCHEMA_VERSION}"
                )
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", (uuid.uuid4().hex,))
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('version', '0')")
            self.store_id = str(self._db.execute("SELECT value FROM meta WHERE key='store_id'").fetchone()[0])
            if self._keeps_history and \
                    self._db.execute("SELECT 1 FROM sqlite_master WHERE name='edges_closed'").fetchone() is None:
                self._start_history()
            self._db.execute("SELECT count(*) FROM (SELECT 1 FROM nodes LIMIT 1)").fetchone()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise BackendUnavailableError(damaged_store_message(path, exc)) from exc
        except BaseException:
            self._db.close()
            raise

    def _start_history(self) -> None:
        """Create the history tables and triggers (a store made before history was kept gets them on
        its first open): every node and edge present then opens a version at that moment, which is
        when the store's history begins (``history_since``)."""
        now = utc_now()  # our own text, safe to put in the script
        script = (
            "BEGIN IMMEDIATE;" + _HISTORY_SCHEMA
            + f"INSERT OR IGNORE INTO node_open SELECT id, '{now}', seen_at FROM nodes "
            "WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'history_since');"
            + f"INSERT OR IGNORE INTO edge_open SELECT src, kind, dst, key, '{now}', seen_at FROM edges "
            "WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'history_since');"
            + f"INSERT OR IGNORE INTO meta VALUES ('history_since', '{now}');"
            + f"INSERT OR IGNORE INTO meta VALUES ('tx_at', '{now}');"
            + "COMMIT;"
        )
        try:
            self._db.executescript(script)
        except BaseException:
            if self._db.in_transaction:
                self._rollback()
            raise

    # ---- plumbing ------------------------------------------------------------------------------
    def _guard(self, what: Callable[[], T]) -> T:
        """Run a read under the lock; SQLite errors and damaged rows become BackendUnavailableError."""
        with self._lock:
            try:
                return what()
            except sqlite3.Error as exc:
                raise BackendUnavailableError(f"embedded store {self.path} cannot be read: {exc}") from exc
            except (ValueError, TypeError, KeyError) as exc:  # bad JSON, unknown kind, dangling edge
                raise BackendUnavailableError(damaged_store_message(self.path, exc)) from exc

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """Several statements read ONE snapshot (a read transaction)."""
        self._db.execute("BEGIN")
        try:
            yield self._db
        finally:
            self._db.execute("COMMIT")

    def _version(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return int(row[0]) if row else 0

    def _nodes_by_id(self, ids: Collection[str]) -> dict[str, NodeRow]:
        if not ids:
            return {}
        rows = self._db.execute(f"SELECT * FROM nodes WHERE id IN {_IN}", (json.dumps(list(ids)),))
        return {r[0]: r for r in rows}

    # ---- the traversal index ---------------------------------------------------------------------
    def compact_index(self) -> CompactIndex:
        """The traversal index at the store's current version: cached, else the saved file, else built."""
        return self._guard(self._current_index)

    def _current_index(self) -> CompactIndex:
        """The index at the store's version: the one in memory, else the saved base; brought up to date by
        laying the commits since over it (their ``index_delta`` rows), else built anew from one snapshot
        (and saved) when those rows are missing (a big commit, a store written by an older Steward) or
        the overlay has grown far past its share of the base. Past its share, a new base is built in the
        background (``_merge_in_background``) while answers go on from the overlay; the next call after
        it is done lays the commits since over the new base."""
        version = self._version()
        idx = self._index
        merged = self._merged
        if idx is not None and idx.version == version and (merged is None or merged.version <= idx.base_version):
            return idx
        with self._snapshot() as db:
            version = self._version()
            if merged is not None and merged.version <= version and (idx is None or merged.version > idx.base_version):
                idx = merged
            if merged is not None and self._merged is merged:
                self._merged = None
            fresh = idx if idx is not None and idx.version == version else None
            if fresh is None and idx is not None and idx.version < version:
                fresh = self._catch_up(db, idx, version)
            if fresh is None:
                saved = self._load_saved(version)
                if saved is not None:
                    fresh = saved if saved.version == version else self._catch_up(db, saved, version)
            if fresh is None:
                fresh = build_index(db, store_id=self.store_id, version=version)
                self._save_index(fresh)
        self._index = fresh
        return fresh

    def _merge_in_background(self) -> None:
        """Build a new base from a snapshot of its own (a read-only connection) in a thread, save it, and
        leave it for ``_current_index``; one at a time. An as-of view merges in the foreground."""
        if not self._keeps_history or (self._merging is not None and self._merging.is_alive()):
            return

        def work() -> None:
            try:
                con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
                try:
                    con.execute("PRAGMA busy_timeout=30000")
                    con.execute("BEGIN")
                    row = con.execute("SELECT value FROM meta WHERE key='version'").fetchone()
                    built = build_index(con, store_id=self.store_id, version=int(row[0]))
                    con.execute("COMMIT")
                finally:
                    con.close()
                self._save_index(built)
                self._merged = built
            except Exception:  # the overlay goes on answering; the next growth tries again
                logger.info("building a new traversal index base in the background failed", exc_info=True)

        self._merging = threading.Thread(target=work, name="steward-index-merge", daemon=True)
        self._merging.start()

    def _load_saved(self, version: int) -> CompactIndex | None:
        saved = CompactIndex.load(self.index_path)
        if saved is None or saved.store_id != self.store_id or saved.version > version \
                or saved.kinds != tuple(k.value for k in EdgeKind):
            return None
        return saved

    def _save_index(self, idx: CompactIndex) -> None:
        try:
            idx.save(self.index_path)
        except OSError as exc:  # a read-only folder: the index lives in memory only
            logger.info("cannot save the traversal index at %s: %s", self.index_path, exc)
        else:
            self._saved_version = idx.version

    def _catch_up(self, db: sqlite3.Connection, idx: CompactIndex, version: int) -> CompactIndex | None:
        """``idx`` with the commits after it laid over it, read in the caller's snapshot; None when a
        commit left no delta row or the overlay would outgrow its share (the caller builds a new base)."""
        if not self._delta_table:  # (looked again each time until it exists: another process may make it)
            self._delta_table = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'index_delta'").fetchone() \
                is not None
        if not self._delta_table:
            return None
        rows = db.execute("SELECT delta FROM index_delta WHERE version > ? AND version <= ? ORDER BY version",
                          (idx.version, version)).fetchall()
        if len(rows) != version - idx.version:
            return None
        touched: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for (doc,) in rows:
            delta = json.loads(doc)
            touched.update(delta["n"])
            pairs.update((a, b) for a, b in delta["p"])
        limit = max(OVERLAY_MIN, idx.n_base // OVERLAY_SHARE)
        size = idx.overlay_size + len(touched) + 2 * len(pairs)
        if size > OVERLAY_HARD * limit:
            return None
        if size > limit:
            self._merge_in_background()
        ids = json.dumps(sorted(touched | {x for p in pairs for x in p}))
        present = [r[0] for r in db.execute(f"SELECT id FROM nodes WHERE id IN {_IN}", (ids,))]
        bits: dict[tuple[str, str], int] = dict.fromkeys(pairs, 0)
        bit = {k: 1 << i for i, k in enumerate(idx.kinds)}
        rows = db.execute(
            "SELECT e.src, e.dst, e.kind FROM json_each(?) j JOIN edges e ON e.src = json_extract(j.value, '$[0]') "
            "AND e.dst = json_extract(j.value, '$[1]')", (json.dumps(sorted(pairs)),)).fetchall()
        for a, b, kind in rows:
            bits[(a, b)] |= bit.get(kind, 0)
        try:
            return idx.with_delta(version=version, touched=touched, present=present, pairs=bits)
        except ValueError:
            return None

    # ---- writes --------------------------------------------------------------------------------
    def _begin_write(self) -> None:
        """Take the write lock FIRST: rows computed after this see every other process's commit,
        and nobody else can commit until ours."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise BackendUnavailableError(f"cannot lock {self.path} for writing: {exc}") from exc

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            logger.debug("rollback after a failed write also failed", exc_info=True)

    @contextmanager
    def _writing(self, what: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._begin_write()
            try:
                # the transaction's time, as the history triggers stamp versions (never earlier than the last)
                self._db.execute("UPDATE meta SET value = max(value, ?) WHERE key = 'tx_at'", (utc_now(),))
                row = self._db.execute("SELECT value FROM meta WHERE key = 'tx_at'").fetchone()
                self._tx_at = "" if row is None else str(row[0])
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise BackendUnavailableError(f"{what} {self.path} failed: {exc}") from exc
            except (ValueError, TypeError) as exc:
                self._rollback()
                raise BackendUnavailableError(damaged_store_message(self.path, exc)) from exc
            except BaseException:
                self._rollback()
                raise

    def _append(
        self, db: sqlite3.Connection, records: Sequence[Record], log: Sequence[Mapping[str, Any]],
    ) -> list[LogLine]:
        """Replace governance records and append log entries inside the caller's write transaction
        (sealed by the log hook, which also gives the log's checkpoint record to write with them)."""
        put = "INSERT OR REPLACE INTO records VALUES (?, ?, ?)"
        db.executemany(put, [(r.kind, r.id, json.dumps(r.doc, sort_keys=True)) for r in records])
        if not log:
            return []
        start = int(db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM log").fetchone()[0])
        lines, extra = self._seal_batch(start, log, _SqliteLogTx(db))
        db.executemany("INSERT INTO log VALUES (?, ?, ?)", [(ln.seq, ln.entry, ln.leaf_hash) for ln in lines])
        db.executemany(put, [(r.kind, r.id, json.dumps(r.doc, sort_keys=True)) for r in extra])
        return lines

    def _bump(self, db: sqlite3.Connection, ids: Collection[str], pairs: Collection[tuple[str, str]],
              changed: Collection[str] = ()) -> None:
        """Move the store's version on (inside the write transaction) and leave what this commit did to the
        graph's shape for the traversal index: the node ids it created or deleted and the (src, dst) pairs
        whose edges it touched. A commit bigger than ``DELTA_MAX`` leaves no row (the index is rebuilt).
        The row also names the nodes it changed otherwise (``u``: kind, name, props, sources; null when
        more than ``DELTA_MAX``), for the caches that are carried over commits (``graph_changes``)."""
        db.execute(_BUMP)
        self._wrote = True
        if len(ids) + len(pairs) > DELTA_MAX:
            return
        db.execute(_DELTA_TABLE)
        version = self._version()
        doc = json.dumps({"n": list(ids), "p": sorted(pairs),
                          "u": sorted(changed) if len(changed) <= DELTA_MAX else None}, separators=(",", ":"))
        db.execute("INSERT OR REPLACE INTO index_delta VALUES (?, ?)", (version, doc))
        if self._saved_version is not None:  # rows a saved base already holds are needed no more
            db.execute("DELETE FROM index_delta WHERE version <= ?", (self._saved_version,))
            self._saved_version = None
        self._delta_table = True

    def _write(
        self, *, nodes: Sequence[Node], edges: Sequence[Edge], records: Sequence[Record] = (),
        log: Sequence[Mapping[str, Any]] = (), expect: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    ) -> list[LogLine]:
        with self._writing("write to") as db:
            if expect:  # under the write lock (BEGIN IMMEDIATE): nobody commits between this read and ours
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
            pending = self._merge_nodes(nodes, stored)
            new_edges = self._merge_edges(edges, stored, pending)
            # only rows that change are written (a dataset read by many events is written once)
            sources_text: dict[tuple[str, ...], str] = {}
            node_rows: list[NodeRow] = []
            for r in pending.values():
                srcs = sources_text.get(r.sources)
                if srcs is None:
                    srcs = sources_text[r.sources] = json.dumps(list(r.sources))
                row = (r.id, r.kind.value, r.name, _props_text(r.props), srcs, r.seen_at)
                if stored.get(r.id) != row:
                    node_rows.append(row)
            db.executemany(_UPSERT_NODE, node_rows)
            # history: new nodes and edges open a version, changed edges close theirs and open a new one
            # (here rather than by triggers, which cost SQLite more per row than the insert itself);
            # node changes and all deletions are the triggers' business
            tx_at = self._tx_at
            db.executemany(_OPEN_NODE, [(r[0], tx_at, r[5]) for r in node_rows if r[0] not in stored])
            edge_rows = list(new_edges.values())
            # only an edge between two nodes that existed before this batch can exist already
            known = [r for r in edge_rows if r[0] in stored and r[2] in stored]
            changed = db.execute(_CHANGED_EDGES, (json.dumps(known),)).fetchall() if known else []
            db.executemany("INSERT INTO edge_closed VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(*r, tx_at) for r in changed])
            # in key order: SQLite then walks each b-tree (the table and its indexes) once, left to right,
            # rather than hopping between its pages (a third of the upsert's time on a big batch); the rows
            # are distinct edges, so their order changes nothing stored
            in_order = sorted(edge_rows)
            before = db.total_changes
            db.executemany(_UPSERT_EDGE, in_order)
            if db.total_changes != before:
                db.executemany(_OPEN_EDGE, [(r[0], r[1], r[2], r[3], tx_at, r[6]) for r in in_order])
                db.executemany(_REOPEN_EDGE, [(tx_at, new_edges[(r[0], r[1], r[2], r[3])][6], *r[:4])
                                              for r in changed])
            if node_rows or db.total_changes != before:
                self._bump(db, [r[0] for r in node_rows if r[0] not in stored],
                           {(r[0], r[2]) for r in edge_rows}, [r[0] for r in node_rows if r[0] in stored])
            return lines

    @staticmethod
    def _merge_nodes(nodes: Sequence[Node], stored: Mapping[str, NodeRow]) -> dict[str, NodeRecord]:
        """The batch's nodes merged, in order, over what is stored (and over the batch's earlier ones)."""
        pending: dict[str, NodeRecord] = {}
        for n in nodes:
            nid = n.id
            old = pending.get(nid)
            if old is None:
                row = stored.get(nid)
                if row is None:
                    pending[nid] = NodeRecord(nid, n.kind, n.name, _merge_props({}, n.props), (n.source,), n.seen_at)
                    continue
                old = _node_rec(row)
            pending[nid] = NodeRecord(
                nid, n.kind, n.name, _merge_props(old.props, {**n.props, STUB_PROP: None}),
                tuple(sorted({*old.sources, n.source})), max(old.seen_at, n.seen_at),
            )
        return pending

    @staticmethod
    def _merge_edges(edges: Sequence[Edge], stored: Mapping[str, NodeRow],
                     pending: dict[str, NodeRecord]) -> dict[tuple[str, str, str, str], EdgeRow]:
        """The batch's edges as rows by identity (a later one wins), after making sure each endpoint exists
        (a stub) and names the edge's source (added to ``pending``)."""
        new_edges: dict[tuple[str, str, str, str], EdgeRow] = {}
        stored_sources: dict[str, tuple[str, ...]] = {}  # a stored node's sources, parsed once (not its props)
        kind_value = _EDGE_KIND_VALUE
        for e in edges:
            source = e.source
            for nid in (e.src, e.dst):
                rec = pending.get(nid)
                if rec is not None:
                    if source not in rec.sources:
                        pending[nid] = NodeRecord(rec.id, rec.kind, rec.name, rec.props,
                                                  tuple(sorted({*rec.sources, source})), rec.seen_at)
                    continue
                srcs = stored_sources.get(nid)
                if srcs is None:
                    row = stored.get(nid)
                    if row is None:
                        stub = Node.stub(nid, source=source, seen_at=e.seen_at)
                        pending[nid] = NodeRecord(nid, stub.kind, stub.name, {STUB_PROP: True}, (source,),
                                                  e.seen_at)
                        continue
                    srcs = stored_sources[nid] = tuple(json.loads(row[4]))
                if source not in srcs:
                    old = _node_rec(stored[nid])
                    pending[nid] = NodeRecord(old.id, old.kind, old.name, old.props,
                                              tuple(sorted({*old.sources, source})), old.seen_at)
            props = e.props
            ident = (e.src, kind_value[e.kind], e.dst, e.key)
            new_edges[ident] = (*ident, source, _props_text({k: v for k, v in props.items() if v is not None})
                                if props else "{}", e.seen_at)
        return new_edges

    def _retract(
        self, source: str, *, nodes: Collection[str], edges: Collection[EdgeKey], log: Sequence[Mapping[str, Any]],
    ) -> RetractResult:
        with self._writing("retract in") as db:
            self._append(db, (), log)
            cur = db.executemany(
                "DELETE FROM edges WHERE src=? AND kind=? AND dst=? AND key=? AND source=?",
                [(k.src, EdgeKind(k.kind).value, k.dst, k.key, source) for k in dict.fromkeys(edges)],
            )
            edges_deleted = max(cur.rowcount, 0)
            wanted = list(dict.fromkeys(nodes))
            stored = self._nodes_by_id(wanted)
            delete_nodes: list[str] = []
            detach: list[tuple[str, str]] = []
            for nid in wanted:
                row = stored.get(nid)
                if row is None:
                    continue
                sources = json.loads(row[4])
                if source not in sources:
                    continue
                rest = [s for s in sources if s != source]
                if rest:
                    detach.append((json.dumps(rest), nid))
                else:
                    delete_nodes.append(nid)
            db.executemany("UPDATE nodes SET sources=? WHERE id=?", detach)
            gone = [(n,) for n in delete_nodes]
            pairs = {(k.src, k.dst) for k in edges}
            if delete_nodes:  # every pair of a deleted node goes with it
                doomed = json.dumps(delete_nodes)
                pairs.update(db.execute(f"SELECT src, dst FROM edges WHERE src IN {_IN} UNION "
                                        f"SELECT src, dst FROM edges WHERE dst IN {_IN}", (doomed, doomed)))
            db.executemany("DELETE FROM edges WHERE src=?", gone)
            db.executemany("DELETE FROM edges WHERE dst=?", gone)
            db.executemany("DELETE FROM nodes WHERE id=?", gone)
            if edges_deleted or detach or delete_nodes:
                self._bump(db, delete_nodes, pairs, [nid for _, nid in detach])
            return RetractResult(len(delete_nodes), len(detach), edges_deleted)

    def source_records(self, source: str) -> SourceRecords:
        needle = json.dumps(source)

        def read() -> SourceRecords:
            with self._snapshot() as db:
                rows = db.execute("SELECT id, sources FROM nodes WHERE instr(sources, ?) > 0", (needle,))
                node_ids = frozenset(nid for nid, srcs in rows if source in json.loads(srcs))
                edge_keys = frozenset(
                    EdgeKey(s, EdgeKind(k), d, key)
                    for s, k, d, key in db.execute("SELECT src, kind, dst, key FROM edges WHERE source=?", (source,))
                )
            return SourceRecords(node_ids, edge_keys)

        return self._guard(read)

    def get_state(self, key: str) -> str | None:
        row = self._guard(lambda: self._db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone())
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        with self._lock:
            try:
                self._db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))
            except sqlite3.Error as exc:
                raise BackendUnavailableError(f"write to {self.path} failed: {exc}") from exc

    # ---- governance records and the log -------------------------------------------------------------
    def get_records(self, kind: str, ids: Collection[str] | None = None) -> list[Record]:
        def read() -> list[Record]:
            if ids is None:
                rows = self._db.execute("SELECT kind, id, doc FROM records WHERE kind=? ORDER BY id", (kind,))
            else:
                rows = self._db.execute(f"SELECT kind, id, doc FROM records WHERE kind=? AND id IN {_IN} ORDER BY id",
                                        (kind, json.dumps(sorted(set(ids)))))
            return [Record(k, i, json.loads(d)) for k, i, d in rows]

        return self._guard(read)

    def log_lines(self, start: int = 0, stop: int | None = None) -> list[LogLine]:
        def read() -> list[LogLine]:
            rows = self._db.execute("SELECT seq, entry, leaf_hash FROM log WHERE seq >= ? AND seq < ? ORDER BY seq",
                                    (start, 2**62 if stop is None else stop))
            return [LogLine(int(q), str(e), str(h)) for q, e, h in rows]

        return self._guard(read)

    def log_size(self) -> int:
        row = self._guard(lambda: self._db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM log").fetchone())
        return int(row[0])

    # ---- history ---------------------------------------------------------------------------------
    def history_since(self) -> str | None:
        row = self._guard(lambda: self._db.execute("SELECT value FROM meta WHERE key='history_since'").fetchone())
        return None if row is None else str(row[0])

    def node_versions(self, node_id: str) -> list[NodeVersion]:
        def read() -> list[NodeVersion]:
            rows = self._db.execute(
                "SELECT id, kind, name, props, sources, seen_at, valid_from, valid_to FROM node_versions "
                "WHERE id = ? AND valid_from IS NOT valid_to ORDER BY valid_from, valid_to IS NULL, valid_to",
                (node_id,))
            return [NodeVersion(_node_rec(r[:6]), r[6], r[7]) for r in rows]

        return self._guard(read)

    def edge_versions(self, node_id: str) -> list[EdgeVersion]:
        def read() -> list[EdgeVersion]:
            with self._snapshot() as db:
                rows = db.execute(
                    "SELECT * FROM edge_versions WHERE src = ?1 AND valid_from IS NOT valid_to UNION ALL "
                    "SELECT * FROM edge_versions WHERE dst = ?1 AND src <> ?1 AND valid_from IS NOT valid_to",
                    (node_id,)).fetchall()
            rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[7], r[8] is None, r[8] or ""))
            return [EdgeVersion(_edge_rec(r[:7]), r[7], r[8]) for r in rows]

        return self._guard(read)

    def _rows_at(self, moment: str) -> tuple[list[NodeRow], list[EdgeRow]]:
        def read() -> tuple[list[NodeRow], list[EdgeRow]]:
            with self._snapshot() as db:
                nodes = db.execute(
                    "SELECT id, kind, name, props, sources, seen_at FROM node_versions "
                    "WHERE valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1)", (moment,)).fetchall()
                edges = db.execute(
                    "SELECT src, kind, dst, key, source, props, seen_at FROM edge_versions "
                    "WHERE valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1)", (moment,)).fetchall()
            return nodes, edges

        return self._guard(read)

    # ---- reads ---------------------------------------------------------------------------------
    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        def read() -> dict[str, NodeRecord]:
            # Parsed records are kept until the store's version moves (any commit, ours or not):
            # analyses ask for the same closure's nodes several times per answer.
            version = self._version()
            if version != self._cache_version or len(self._cache) > _CACHE_MAX:
                self._cache = {}
                self._cache_version = version
            cache = self._cache
            out: dict[str, NodeRecord] = {}
            missing: list[str] = []
            for i in ids:
                rec = cache.get(i)
                if rec is None:
                    missing.append(i)
                else:
                    out[i] = rec
            for i, row in self._nodes_by_id(missing).items():
                out[i] = cache[i] = _node_rec(row)
            return out

        return self._guard(read)

    def find_nodes(self, *, kinds: Collection[NodeKind] | None = None) -> list[NodeRecord]:
        def read() -> list[NodeRecord]:
            if kinds is None:
                rows = self._db.execute("SELECT * FROM nodes ORDER BY id")
            else:
                kind_list = json.dumps(sorted({NodeKind(k).value for k in kinds}))
                rows = self._db.execute(f"SELECT * FROM nodes WHERE kind IN {_IN} ORDER BY id", (kind_list,))
            return [_node_rec(r) for r in rows]

        return self._guard(read)

    def search(self, text: str, *, kinds: Collection[NodeKind] | None = None, limit: int = 20) -> list[NodeRecord]:
        def read() -> list[NodeRecord]:
            # Python's lower() (not SQLite's ASCII-only one), so both stores match the same names
            self._db.create_function("steward_hit", 2, _contains(text), deterministic=True)
            sql = "SELECT * FROM nodes WHERE steward_hit(id, name)"
            params: tuple[str, ...] = ()
            if kinds is not None:
                sql += f" AND kind IN {_IN}"
                params = (json.dumps(sorted({NodeKind(k).value for k in kinds})),)
            return [_node_rec(r) for r in self._db.execute(sql, params)]

        hits = self._guard(read)
        return sorted(hits, key=lambda r: search_rank(text, r))[:limit]

    def edges(
        self,
        *,
        kinds: Collection[EdgeKind] | None = None,
        src: Collection[str] | None = None,
        dst: Collection[str] | None = None,
    ) -> list[EdgeRecord]:
        where: list[str] = []
        params: list[str] = []
        for column, values in (("src", src), ("dst", dst)):
            if values is not None:
                where.append(f"{column} IN {_IN}")
                params.append(json.dumps(sorted(set(values))))
        if kinds is not None:
            where.append(f"kind IN {_IN}")
            params.append(json.dumps(sorted({EdgeKind(k).value for k in kinds})))
        sql = "SELECT * FROM edges" + (" WHERE " + " AND ".join(where) if where else "")

        def read() -> list[EdgeRecord]:
            return [_edge_rec(r) for r in self._db.execute(sql, params)]

        return sorted(self._guard(read), key=lambda r: r.identity)

    def reach(
        self,
        starts: Collection[str],
        *,
        way: Way,
        kinds: Collection[EdgeKind] = LINEAGE_EDGES,
        max_depth: int | None = None,
    ) -> Mapping[str, Reached]:
        allowed = self._check_kinds(kinds)
        if max_depth is not None and max_depth <= 0:
            return {}
        idx = self.compact_index()
        return idx.reach_map(starts, way=way, kinds=allowed, max_depth=max_depth)  # ids decoded when asked

    def reach_each(
        self,
        starts: Collection[str],
        *,
        way: Way,
        kinds: Collection[EdgeKind] = LINEAGE_EDGES,
        max_depth: int | None = None,
    ) -> dict[str, dict[str, Reached]]:
        allowed = self._check_kinds(kinds)
        if max_depth is not None and max_depth <= 0:
            return {s: {} for s in sorted(set(starts))}
        idx = self.compact_index()  # one index (one version) for every walk
        return {s: idx.reach([s], way=way, kinds=allowed, max_depth=max_depth) for s in sorted(set(starts))}

    def counts(self) -> Counts:
        def read() -> Counts:
            with self._snapshot() as db:
                nodes = db.execute("SELECT kind, count(*) FROM nodes GROUP BY kind").fetchall()
                edges = db.execute("SELECT kind, count(*) FROM edges GROUP BY kind").fetchall()
            return Counts(group_by_kind(nodes), group_by_kind(edges))

        return self._guard(read)

    def ping(self) -> None:
        with self._lock:
            try:
                self._db.execute("SELECT 1").fetchone()
            except sqlite3.Error as exc:
                raise BackendUnavailableError(f"embedded store {self.path} does not answer: {exc}") from exc

    # ---- lean whole-graph reads (spof and audit at scale) ----------------------------------------
    def node_summaries(
        self, *, kinds: Collection[NodeKind] | None = None, ids: Collection[str] | None = None,
    ) -> list[tuple[str, NodeKind, str]]:
        where: list[str] = []
        params: list[str] = []
        if kinds is not None:
            where.append(f"kind IN {_IN}")
            params.append(json.dumps(sorted({NodeKind(k).value for k in kinds})))
        if ids is not None:
            if not ids:
                return []
            where.append(f"id IN {_IN}")
            params.append(json.dumps(sorted(set(ids))))
        # json_valid: a row with damaged properties is a damaged store here too, as when they are read
        sql = "SELECT id, kind, name, json_valid(props) AND json_valid(sources) FROM nodes" + (
            " WHERE " + " AND ".join(where) if where else "")
        kind_of = {k.value: k for k in NodeKind}

        def read() -> list[tuple[str, NodeKind, str]]:
            rows = self._db.execute(sql, params).fetchall()
            for i, _k, _n, ok in rows:
                if not ok:
                    raise ValueError(f"node {i!r} has properties that are not valid JSON")
            return sorted((i, kind_of[k], n) for i, k, n, _ok in rows)  # KeyError: an unknown kind

        return self._guard(read)

    def edge_triples(
        self, *, kinds: Collection[EdgeKind], src: Collection[str] | None = None,
    ) -> list[tuple[str, EdgeKind, str]]:
        params = [json.dumps(sorted({k.value for k in self._check_kinds(kinds)}))]
        sql = f"SELECT DISTINCT src, kind, dst FROM edges WHERE kind IN {_IN}"
        if src is not None:
            if not src:
                return []
            sql += f" AND src IN {_IN}"
            params.append(json.dumps(sorted(set(src))))

        kind_of = {k.value: k for k in EdgeKind}

        def read() -> list[tuple[str, EdgeKind, str]]:
            return sorted((a, kind_of[k], b) for a, k, b in self._db.execute(sql, params))

        return self._guard(read)

    def edges_shared(self, *, kinds: Collection[EdgeKind]) -> list[EdgeRecord]:
        params = [json.dumps(sorted({k.value for k in self._check_kinds(kinds)}))]

        kind_of = {k.value: k for k in EdgeKind}

        def read() -> list[EdgeRecord]:
            rows = self._db.execute(f"SELECT * FROM edges WHERE kind IN {_IN}", params).fetchall()
            rows.sort()  # (src, kind, dst, key) first: identity order (code point order, as SQLite's)
            decoded: dict[str, Props] = {}
            out = []
            for src, kind, dst, key, source, props, seen_at in rows:
                got = decoded.get(props)
                if got is None:
                    got = decoded[props] = json.loads(props)  # ValueError: a damaged row
                out.append(EdgeRecord(src, kind_of[kind], dst, key, source, got, seen_at))
            return out

        return self._guard(read)

    def reached_by(
        self, starts: Collection[str], *, way: Way, kinds: Collection[EdgeKind] = LINEAGE_EDGES,
    ) -> dict[str, set[str]]:
        import numpy as np  # here, not at the top: this block is added apart from the rest of the module
        import numpy.typing as npt

        allowed = self._check_kinds(kinds)
        idx = self.compact_index()  # one index (one version) for every walk
        names = sorted(set(starts))
        ranks = [idx.rank(s) for s in names]
        mask = idx.mask(allowed)
        nodes: list[npt.NDArray[np.int64]] = []
        which: list[npt.NDArray[np.int64]] = []
        for i, r in enumerate(ranks):
            if r is None:
                continue
            found, _dist, _par = idx.bfs([r], way=way, mask=mask, max_depth=None)
            nodes.append(found)
            which.append(np.full(found.size, i, dtype=np.int64))
        node = np.concatenate(nodes) if nodes else np.zeros(0, dtype=np.int64)
        if node.size == 0:
            return {}
        start = np.concatenate(which)
        order = np.argsort(node, kind="stable")  # grouped by node, starts in sorted order within
        node, start = node[order], start[order]
        cut = np.flatnonzero(np.diff(node)) + 1
        bounds = [0, *cut.tolist(), int(node.size)]
        ids = idx.ids_of(node[bounds[:-1]])
        start_list = start.tolist()
        # nodes reached by the same starts share one set: far fewer distinct sets than nodes
        shared: dict[tuple[int, ...], set[str]] = {}
        out: dict[str, set[str]] = {}
        for nid, a, b in zip(ids, bounds[:-1], bounds[1:], strict=True):
            key = tuple(start_list[a:b])
            got = shared.get(key)
            if got is None:
                got = shared[key] = {names[j] for j in key}
            out[nid] = got
        return out


    # ---- the subgraph of a walk (spof with deployments) ------------------------------------------
    def walk_graph(
        self, starts: Collection[str], *, way: Way, kinds: Collection[EdgeKind],
        leaving: Collection[EdgeKind] = (),
    ) -> WalkGraph:
        walk = self._check_kinds(kinds)
        leave = self._check_kinds(leaving) if leaving else []
        idx = self.compact_index()  # one index (one version) for the walk and the edges
        ranks = [r for r in (idx.rank(s) for s in set(starts)) if r is not None]
        walk_mask, leave_mask = idx.mask(walk), idx.mask(leave)
        found, _dist, _par = idx.bfs(ranks, way=way, mask=walk_mask, max_depth=None)
        in_walk = np.zeros(idx.n, dtype=np.bool_)  # (masks, not np.unique: a hash of a million ints is slow)
        in_walk[ranks] = True
        in_walk[found] = True
        a, b, bits = idx.rows_of(np.flatnonzero(in_walk), way="down", mask=walk_mask | leave_mask)
        bits = np.where(in_walk[b], bits, bits & np.uint32(leave_mask))  # a walk edge must end in the walk
        keep = bits != 0
        a, b, bits = a[keep], b[keep], bits[keep]
        listed = in_walk.copy()
        listed[b] = True
        nodes = np.flatnonzero(listed)
        nodes = nodes[np.argsort(idx.order_keys(nodes), kind="stable")]  # id order (new ids are not ranks)
        pos = np.full(idx.n, -1, dtype=np.int64)
        pos[nodes] = np.arange(nodes.size, dtype=np.int64)
        src, dst = pos[a], pos[b]
        order = tuple(sorted({*walk, *leave}))
        out_bits = np.zeros(bits.size, dtype=np.uint32)
        for i, k in enumerate(order):
            out_bits[(bits & np.uint32(idx.mask([k]))) != 0] |= np.uint32(1 << i)
        edge_order = np.lexsort((dst, src))
        return WalkGraph(ids=idx.ids_of(nodes), covered=in_walk[nodes], src=src[edge_order], dst=dst[edge_order],
                         kinds=order, bits=out_bits[edge_order])


    def close(self) -> None:
        self._close_views()
        merging = self._merging
        if merging is not None:  # let a background build finish its file (it reads through its own connection)
            merging.join()
        with self._lock:
            try:
                if self._wrote:  # leave the index current, so the next process starts answering at once
                    self._current_index()
            except (sqlite3.Error, ValueError, KeyError, OSError):
                logger.debug("could not refresh the traversal index on close", exc_info=True)
            finally:
                self._wrote = False
                self._db.close()

    # ---- fast answers (issue 12; blastfast): stamps, closures as arrays, narrow reads ----------------
    def cache_stamp(self) -> Hashable | None:
        """SQLite's ``data_version`` (moves when another connection commits) with this connection's
        ``total_changes`` (moves with every row this process writes: graph, records, state)."""
        def read() -> tuple[int, int]:
            row = self._db.execute("PRAGMA data_version").fetchone()
            return int(row[0]), self._db.total_changes

        return self._guard(read)

    def graph_version(self) -> Hashable | None:
        """The store's version (``meta``): every commit that changes a node or an edge moves it (``_bump``)."""
        return self._guard(self._version)

    def graph_changes(self, since: Hashable, until: Hashable) -> GraphChanges | None:
        """From the ``index_delta`` rows of the versions after ``since`` up to ``until``: None when one is
        missing (a commit bigger than ``DELTA_MAX``, rows a saved index no longer needs) or does not name
        the nodes it changed (written by an older Steward, or too many)."""
        if not isinstance(since, int) or not isinstance(until, int) or until < since:
            return None

        def read() -> GraphChanges | None:
            if not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'index_delta'").fetchone():
                return None
            rows = self._db.execute("SELECT delta FROM index_delta WHERE version > ? AND version <= ?",
                                    (since, until)).fetchall()
            if len(rows) != until - since:
                return None
            nodes: set[str] = set()
            pairs: set[tuple[str, str]] = set()
            for (doc,) in rows:
                delta = json.loads(doc)
                if delta.get("u") is None:
                    return None
                nodes.update(delta["n"])
                nodes.update(delta["u"])
                pairs.update((a, b) for a, b in delta["p"])
            return GraphChanges(frozenset(nodes), frozenset(pairs))

        return self._guard(read)

    def edge_rows(self, kind: EdgeKind) -> list[tuple[str, str, str, str, Mapping[str, Any]]]:
        """Read through a connection of its own (read-only, one snapshot), so the requests this store answers
        meanwhile never wait for it; each distinct properties text is parsed once."""
        parsed: dict[str, Mapping[str, Any]] = {}

        def props(text: str) -> Mapping[str, Any]:
            found = parsed.get(text)
            if found is None:
                found = parsed[text] = json.loads(text)
            return found

        def read(con: sqlite3.Connection) -> list[tuple[str, str, str, str, Mapping[str, Any]]]:
            cur = con.execute("SELECT src, dst, key, source, props FROM edges WHERE kind = ?", (kind.value,))
            out: list[tuple[str, str, str, str, Mapping[str, Any]]] = []
            while chunk := cur.fetchmany(_YIELD_EVERY):
                out += [(s, d, k, src, props(p)) for s, d, k, src, p in chunk]
                time.sleep(_YIELD_S)  # let the threads answering requests have the interpreter
            return out

        return self._read_apart(read, otherwise=lambda: super(EmbeddedStore, self).edge_rows(kind))

    def _read_apart(self, read: Callable[[sqlite3.Connection], T], *, otherwise: Callable[[], T]) -> T:
        """``read`` through a read-only connection of its own (one snapshot), so the requests this store
        answers meanwhile never wait for it; ``otherwise()`` when none can be opened (an as-of view's
        temporary file, gone). Errors are translated as the store's own reads translate them."""
        try:
            con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                  check_same_thread=False)
        except sqlite3.Error:
            return otherwise()
        try:
            con.execute("PRAGMA busy_timeout=30000")
            return read(con)
        except sqlite3.Error as exc:
            raise BackendUnavailableError(f"embedded store {self.path} cannot be read: {exc}") from exc
        except (ValueError, TypeError) as exc:
            raise BackendUnavailableError(damaged_store_message(self.path, exc)) from exc
        finally:
            con.close()

    def closure(
        self, starts: Collection[str], *, way: Way, kinds: Collection[EdgeKind] = LINEAGE_EDGES,
        max_depth: int | None = None,
    ) -> Closure:
        allowed = self._check_kinds(kinds)
        empty = np.zeros(0, dtype=np.int64)
        if max_depth is not None and max_depth <= 0:
            return Closure(empty, empty, empty, lambda h: [])
        return self.compact_index().closure(starts, way=way, kinds=allowed, max_depth=max_depth)

    def edges_at(self, ids: Collection[str], *, end: Literal["src", "dst"], kinds: Collection[EdgeKind]
                 ) -> list[EdgeRecord]:
        if not ids:
            return []
        column = "src" if end == "src" else "dst"
        # driven by the ids: the primary key (src, kind, ...) or the dst index, never a scan of a kind
        sql = f"SELECT e.* FROM json_each(?) j CROSS JOIN edges e ON e.{column} = j.value WHERE e.kind IN {_IN}"
        params = (json.dumps(sorted(set(ids))), json.dumps(sorted({EdgeKind(k).value for k in kinds})))

        def read() -> list[EdgeRecord]:
            return [EdgeRecord(s, EdgeKind(k), d, key, source, {} if props == "{}" else json.loads(props), seen)
                    for s, k, d, key, source, props, seen in self._db.execute(sql, params)]

        return sorted(self._guard(read), key=lambda r: r.identity)

    def keep_summaries(self) -> None:
        """Every node whose name is not its id's key (``Node`` names a node by its key unless told
        otherwise), read in one scan through a connection of its own; then kept across commits by reading
        the nodes each commit changed (:class:`_Names`)."""
        if self.cache_stamp() is not None and self.graph_version() is not None:
            self.kept("embedded.names", lambda: _Names.read(self), lambda n, ch: n.carry(self, ch),
                      fresh=lambda n: n.other is not None)

    def summaries_reached(self, ids: Collection[str]) -> dict[str, tuple[NodeKind, str]]:
        names = self.kept("embedded.names", _Names, lambda n, ch: n.carry(self, ch))
        other, gone = names.other, names.gone
        if other is None:
            return self.summaries_by_id(ids)
        out: dict[str, tuple[NodeKind, str]] = {}
        kinds = KIND_BY_PREFIX
        for i in ids:
            if i in gone:
                continue
            prefix, _, key = i.partition(":")
            out[i] = (kinds[prefix], other.get(i, key))
        return out

    def summaries_by_id(self, ids: Collection[str]) -> dict[str, tuple[NodeKind, str]]:
        if not ids:
            return {}
        kinds = {k.value: k for k in NodeKind}

        def read() -> dict[str, tuple[NodeKind, str]]:
            rows = self._db.execute(f"SELECT id, kind, name FROM nodes WHERE id IN {_IN}", (json.dumps(list(ids)),))
            return {i: (kinds[k], n) for i, k, n in rows}

        return self._guard(read)


#: Names that are not their id's key, as SQLite finds them (``instr``/``substr`` count characters, as
#: ``str.partition`` does).
_OTHER_NAMES = "SELECT id, name FROM nodes WHERE name <> substr(id, instr(id, ':') + 1) LIMIT ?"
#: More nodes than this named otherwise than by their key: not kept (names are read for each answer then).
_KEEP_OTHER = 200_000


class _Names:
    """What :meth:`EmbeddedStore.summaries_reached` answers from: the nodes whose name is not their id's
    key (``other``, id -> name; None: not read) and the ids deleted since it was read (``gone``). A node's
    kind is its id's (``Node`` checks it), and any other node is named by its key. Immutable: a commit
    makes a new one (answers being made go on with the old)."""

    __slots__ = ("gone", "other")

    def __init__(self, other: dict[str, str] | None = None, gone: frozenset[str] = frozenset()) -> None:
        self.other = other
        self.gone = gone

    @classmethod
    def read(cls, store: EmbeddedStore) -> _Names:
        def rows(con: sqlite3.Connection) -> list[tuple[str, str]]:
            return con.execute(_OTHER_NAMES, (_KEEP_OTHER + 1,)).fetchall()

        return cls._of(store._read_apart(rows, otherwise=lambda: store._guard(lambda: rows(store._db))))

    @classmethod
    def _of(cls, rows: list[tuple[str, str]]) -> _Names:
        return cls(dict(rows) if len(rows) <= _KEEP_OTHER else None)

    def carry(self, store: EmbeddedStore, changes: GraphChanges) -> _Names:
        """Right again after commits: the nodes they created, deleted or changed are read (as they are now:
        a later commit's are read again after it)."""
        if self.other is None or not changes.nodes:
            return self
        ids = json.dumps(sorted(changes.nodes))

        def read() -> list[tuple[str, str]]:
            return store._db.execute(f"SELECT id, name FROM nodes WHERE id IN {_IN}", (ids,)).fetchall()

        rows = dict(store._guard(read))
        other = dict(self.other)
        gone = set(self.gone)
        for i in changes.nodes:
            name = rows.get(i)
            other.pop(i, None)
            if name is None:
                gone.add(i)
                continue
            gone.discard(i)
            if name != i.partition(":")[2]:
                other[i] = name
        return _Names(other, frozenset(gone))
