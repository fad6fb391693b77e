"""The Neo4j store: the official driver, statements from ``cypher/*.cypher``.

Nodes carry the label ``Node`` (unique ``id``) plus their kind's label; relationship types are the
edge kinds. Writes are ``UNWIND $rows ... MERGE`` in chunks inside one write transaction per batch;
reads run in read transactions (routed to followers in a cluster with ``neo4j://``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import numpy as np
import numpy.typing as npt
from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction, Session, Transaction
from neo4j import exceptions as neo4j_exc

from steward.errors import (
    ConfigError,
    InvalidInputError,
    QueryRefusedError,
    QueryTimeoutError,
    StewardError,
    StoreUnavailableError,
)
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
    OwnershipClaim,
    parse_id,
)
from steward.settings import Settings
from steward.store.base import (
    TIME_FORMAT,
    Closure,
    Counts,
    EdgeRow,
    EdgeVersion,
    GraphStore,
    LogLine,
    NodeRow,
    NodeVersion,
    PlanGate,
    Reached,
    Record,
    RetractResult,
    SourceRecords,
    Truncated,
    Way,
    Writer,
    check_expected,
    graph_batch,
    group_by_kind,
    search_rank,
    utc_now,
)
from steward.store.index import CompactIndex
from steward.store.neo4j_topology import TopologySnapshot, read_stamp, snapshot_enabled
from steward.store.statements import statement

__all__ = ["Neo4jStore"]

logger = logging.getLogger(__name__)

CHUNK = 5000
#: Rows per statement of ``upsert``'s reads and creates: a batch of a few thousand events goes in one
#: statement each (fewer round trips; the transaction holds the whole batch either way).
WRITE_CHUNK = 20_000
#: History: a live node or relationship is its own open version, which began at ``_valid_from`` (the
#: transaction's time) and, when it was seen again since without changing, was seen at
#: ``_version_seen_at`` (absent: the live ``seen_at``). Closed versions are version nodes.
VALID_FROM = "_valid_from"
VERSION_SEEN_AT = "_version_seen_at"
_HIDDEN = frozenset({VALID_FROM, VERSION_SEEN_AT})
_NODE_FIELDS = frozenset({"id", "kind", "name", "sources", "seen_at"}) | _HIDDEN
_EDGE_FIELDS = frozenset({"key", "source", "seen_at"}) | _HIDDEN
SCHEMA_STATEMENTS = ("schema_node_id", "schema_state_key", "schema_node_kind", "schema_record_key",
                     "schema_log_seq", "schema_log_head", "schema_node_version_id", "schema_edge_version_eid",
                     "schema_edge_version_dst")
#: How long a pipelined batch, its first part written, waits for the batch before it to commit
#: before it rolls back and writes alone once that one has (``Neo4jStore._write_piped``).
PIPELINE_WAIT_S = 10.0
#: Attempts at a write batch when a concurrent writer created one of its new nodes first.
WRITE_ATTEMPTS = 3
#: Joins an edge's identity into one text, the key of its versions (cypher/merge_edges.cypher).
EID_SEP = "\x1f"
#: Driver timeouts (seconds): fail fast and honestly when Neo4j is down or frozen.
CONNECT_TIMEOUT_S = 3.0
ACQUIRE_TIMEOUT_S = 4.0
MAX_RETRY_S = 2.0
LIVENESS_CHECK_S = 10.0


def _message(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc) or type(exc).__name__


def _q(name: str, **kw: Any) -> LiteralString:
    # Statements are files shipped with the package, not input: safe to treat as literal.
    text: LiteralString = statement(name, **kw)
    return text


def _node_record(n: Any) -> NodeRecord:
    p = dict(n)
    return NodeRecord(
        id=p["id"], kind=NodeKind(p["kind"]), name=p.get("name", ""),
        props={k: v for k, v in sorted(p.items()) if k not in _NODE_FIELDS},
        sources=tuple(sorted(p.get("sources") or ())), seen_at=p.get("seen_at", ""),
    )


class _Quiet(list[Any]):
    """A statement's rows, whose ``repr`` is short: the driver formats every RUN's parameters for a
    debug log line whether debug logging is on or not (``" ".join(map(repr, fields))`` in
    ``Bolt5x5.run``, neo4j 6.4), which took 0.55 s of the 3.2 s of client CPU inside the write
    transactions of a 30,000-dataset ingest (cProfile). Packed as any list."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def _chunks(rows: Sequence[Any], size: int) -> Iterator[_Quiet]:
    """``rows`` in consecutive slices of at most ``size``, each a statement parameter (:class:`_Quiet`)."""
    for i in range(0, len(rows), size):
        yield _Quiet(rows[i : i + size])


def _eid(src: str, kind: str, dst: str, key: str) -> str:
    return EID_SEP.join((src, kind, dst, key))


def _with_eid(row: dict[str, Any]) -> dict[str, Any]:
    """An edge row of ``_write`` with its identity as one text (merge_edges.cypher returns it); only
    the edges that may exist already need it (new ones are created between internal ids)."""
    if "eid" not in row:
        row["eid"] = _eid(row["src"], row["kind"], row["dst"], row["key"])
    return row


#: Each kind's value by the member's identity: ``.value`` and an Enum's own ``__hash__`` are Python
#: calls, slow at a row a node or edge; a kind given as text takes the enum's own path.
_NODE_KIND = {id(k): k.value for k in NodeKind}
_EDGE_KIND = {id(k): k.value for k in EdgeKind}


def _node_kind(kind: NodeKind | str) -> str:
    """``NodeKind(kind).value``."""
    value = _NODE_KIND.get(id(kind))
    return NodeKind(kind).value if value is None else value


def _edge_kind(kind: EdgeKind | str) -> str:
    """``EdgeKind(kind).value``."""
    value = _EDGE_KIND.get(id(kind))
    return EdgeKind(kind).value if value is None else value


def _prefixed(props: dict[str, Any]) -> dict[str, Any]:
    """A node's or edge's properties as its version node keeps them (``p.`` + name: apart from the
    version's own fields)."""
    return {f"p.{k}": v for k, v in props.items() if v is not None}


def _content(v: dict[str, Any]) -> dict[str, Any]:
    """What a version node holds of its node or edge: its properties stored with the prefix ``p.``."""
    return {k[2:]: value for k, value in v.items() if k.startswith("p.")}


def _node_version(v: dict[str, Any]) -> NodeVersion:
    return NodeVersion(_node_record(_content(v)), v["valid_from"], v.get("valid_to"))


def _edge_version(v: dict[str, Any]) -> EdgeVersion:
    return EdgeVersion(_edge_record(v["src"], v["kind"], v["dst"], _content(v)), v["valid_from"], v.get("valid_to"))


def _open_content(live: dict[str, Any]) -> dict[str, Any]:
    """What the open version of a live node or relationship holds: its properties, the history fields
    apart, with the ``seen_at`` it had when the version began."""
    out = {k: v for k, v in live.items() if k not in _HIDDEN}
    seen = live.get(VERSION_SEEN_AT)
    if seen is not None:
        out["seen_at"] = seen
    return out


def _live_node_version(live: dict[str, Any]) -> NodeVersion:
    """The open version of a live node (its properties ``live``)."""
    return NodeVersion(_node_record(_open_content(live)), live[VALID_FROM], None)


def _live_edge_version(r: Mapping[str, Any]) -> EdgeVersion:
    """The open version of a live relationship (``r``: src, kind, dst and its properties ``v``)."""
    return EdgeVersion(_edge_record(r["src"], r["kind"], r["dst"], _open_content(r["v"])), r["v"][VALID_FROM], None)


def _closed(live: dict[str, Any], now: str) -> dict[str, Any] | None:
    """The version a live node's or relationship's properties ``live`` (read before a change) held,
    closed at ``now``, as a version node keeps it (without its identity fields); None if it kept no
    history (no ``_valid_from``)."""
    start = live.get(VALID_FROM)
    if start is None:
        return None
    return {"valid_from": start, "valid_to": now, **_prefixed(_open_content(live))}


def _edge_record(src: str, kind: str, dst: str, props: dict[str, Any]) -> EdgeRecord:
    return EdgeRecord(
        src=src, kind=EdgeKind(kind), dst=dst, key=props.get("key", ""), source=props.get("source", ""),
        props={k: v for k, v in sorted(props.items()) if k not in _EDGE_FIELDS}, seen_at=props.get("seen_at", ""),
    )


class _Seen:
    """The internal ids a walk has met: a boolean array indexed by id (ids are dense in a Neo4j
    store), grown as larger ids turn up; a set past ``_Seen.ARRAY_MAX`` (a store with sparse ids)."""

    ARRAY_MAX = 1 << 28

    def __init__(self, ids: Sequence[int]) -> None:
        self._mask = np.zeros(max(ids, default=0) + 1024, dtype=np.bool_)
        self._set: set[int] | None = None
        self.add(np.asarray(ids, dtype=np.int64))

    def _fit(self, top: int) -> None:
        if self._set is None and top >= len(self._mask):
            if top >= self.ARRAY_MAX:
                self._set = {int(i) for i in np.flatnonzero(self._mask)}
                return
            grown = np.zeros(max(top + 1, 2 * len(self._mask)), dtype=np.bool_)
            grown[: len(self._mask)] = self._mask
            self._mask = grown

    def unseen(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        if len(ids) == 0:
            return np.zeros(0, dtype=np.bool_)
        self._fit(int(ids.max()))
        if self._set is not None:
            known = self._set
            return np.fromiter((int(i) not in known for i in ids), dtype=np.bool_, count=len(ids))
        out: npt.NDArray[np.bool_] = ~self._mask[ids]
        return out

    def add(self, ids: npt.NDArray[np.int64]) -> None:
        if len(ids) == 0:
            return
        self._fit(int(ids.max()))
        if self._set is not None:
            self._set.update(ids.tolist())
        else:
            self._mask[ids] = True


def _next_level(
    fids: Sequence[int], names: Sequence[str], src: Sequence[int], dst: Sequence[int], seen: _Seen,
) -> tuple[list[int], list[str]]:
    """One step of ``bfs`` over internal ids: the nodes of ``dst`` not seen yet (marked seen now),
    each with its parent, the smallest (in Python's string order) of the Steward ids ``names`` of
    its predecessors ``src`` in the frontier ``fids``."""
    if not dst:
        return [], []
    order = sorted(range(len(names)), key=names.__getitem__)  # frontier positions by Steward id
    rank = np.empty(len(order), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
    frontier = np.asarray(fids, dtype=np.int64)
    by_id = np.argsort(frontier, kind="stable")
    src_pos = by_id[np.searchsorted(frontier[by_id], np.asarray(src, dtype=np.int64))]
    succ = np.asarray(dst, dtype=np.int64)
    keep = seen.unseen(succ)
    succ, src_rank = succ[keep], rank[src_pos[keep]]
    if len(succ) == 0:
        return [], []
    pick = np.lexsort((src_rank, succ))  # by successor, then by its predecessor's rank
    succ, src_rank = succ[pick], src_rank[pick]
    first = np.ones(len(succ), dtype=np.bool_)
    first[1:] = succ[1:] != succ[:-1]
    fresh = succ[first]
    seen.add(fresh)
    return fresh.tolist(), [names[order[r]] for r in src_rank[first].tolist()]


def _q_label(name: str, kind: NodeKind) -> LiteralString:
    """A statement with ``__LABEL__`` filled in from the NodeKind allow-list (never from input)."""
    label = NodeKind(kind).value
    text: LiteralString = _q(name).replace("__LABEL__", label)  # type: ignore[assignment,unused-ignore]
    return text


def _created_node(row: dict[str, Any], now: str) -> dict[str, Any]:
    """The properties a node row of merge_nodes.cypher (or a stub row of merge_stubs.cypher) gives a
    node that does not exist yet, in the same order of assignment, with the start of its first version."""
    props: dict[str, Any] = {"id": row["id"], "kind": row["kind"], "name": row["name"],
                             "sources": list(row["sources"]), "seen_at": row["seen_at"]}
    if row.get("stub"):
        props["stub"] = True
    else:
        props.update((k, v) for k, v in row["props"].items() if v is not None)
        props.pop("stub", None)
    props[VALID_FROM] = now
    return {"props": props}


class _Neo4jLogTx:
    """What the log hook reads inside a Neo4j write transaction."""

    def __init__(self, tx: ManagedTransaction) -> None:
        self._tx = tx

    def record(self, kind: str, record_id: str) -> Record | None:
        rows = list(self._tx.run(_q("get_records"), kind=kind, ids=[record_id]))
        return None if not rows else Record(kind, record_id, json.loads(rows[0]["doc"]))

    def leaf_hashes(self, stop: int) -> list[str]:
        return [str(r["leaf_hash"]) for r in self._tx.run(_q("log_lines"), start=0, stop=stop)]


#: An edge of a batch as ``Neo4jStore._rows`` keeps it: identity (src, kind value, dst, key) ->
#: (source, seen_at, its own properties beyond those three or None).
_EdgeEntries = dict[tuple[str, str, str, str], tuple[str, str, dict[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class _Rows:
    """A batch as ``Neo4jStore._write_rows`` writes it (``_rows``): one row per node id, then one per
    endpoint no node row describes (a stub); and each edge identity once (the last of its repeats)."""

    nodes: list[dict[str, Any]]
    edges: _EdgeEntries


def _merge_edge_row(ident: tuple[str, str, str, str], source: str, seen_at: str, extra: dict[str, Any] | None,
                    ) -> dict[str, Any]:
    """The row merge_edges.cypher merges an edge from (its identity as one text in ``eid``)."""
    src, kind, dst, key = ident
    props: dict[str, Any] = dict(extra) if extra else {}
    props["key"], props["source"], props["seen_at"] = key, source, seen_at
    return {"src": src, "dst": dst, "kind": kind, "key": key, "props": props, "eid": _eid(src, kind, dst, key)}


class _Writing:
    """One batch's write transaction, fed in one part or several (``Neo4jStore._write_rows`` feeds
    the whole batch; ``_write_piped`` first the part the batch before it does not touch, then the
    rest). Which nodes exist, which it created, and the versions it closes carry over between parts;
    ``finish`` writes the closed versions."""

    def __init__(self, store: Neo4jStore, tx: ManagedTransaction | Transaction, now: str) -> None:
        self.tx, self.now = tx, now
        self.fast_create, self.chunk_size = store.fast_create, store.write_chunk
        self.nid_of: dict[str, int] = {}
        self.created: set[str] = set()
        self.closed_nodes: list[dict[str, Any]] = []
        self.closed_edges: list[dict[str, Any]] = []

    def part(self, node_rows: Sequence[dict[str, Any]], edge_entries: _EdgeEntries) -> None:
        """Write node rows, then edges; every edge's endpoints are among the node rows of this part or
        of an earlier one."""
        tx, now, chunk_size, nid_of, created = self.tx, self.now, self.chunk_size, self.nid_of, self.created
        # Which nodes exist, and which rows would change nothing (re-sent inputs): those are skipped.
        fresh: dict[str, list[dict[str, Any]]] = {}
        merges: list[dict[str, Any]] = []
        stub_merges: list[dict[str, Any]] = []
        q_state = _q("node_state")
        for chunk in _chunks(node_rows, chunk_size):
            state = tx.run(q_state, rows=chunk).single(strict=True)
            for row, nid, same in zip(chunk, state["nids"], state["same"], strict=True):
                if nid < 0:
                    fresh.setdefault(row["kind"], []).append(row if self.fast_create else _created_node(row, now))
                    created.add(row["id"])
                    continue
                nid_of[row["id"]] = nid
                if not same:
                    (stub_merges if row.get("stub") else merges).append(row)
        # New nodes: created whole; each is its own first version (from `_valid_from`).
        if self.fast_create:  # every kind in one statement per chunk, fixed fields as literal maps
            rows = [row for kind in sorted(fresh) for row in fresh[kind]]
            q_create = _q("create_nodes_all")
            for chunk in _chunks(rows, chunk_size):
                rec = tx.run(q_create, rows=chunk, now=now).single(strict=True)
                for pos, nid in zip(rec["rows"], rec["nids"], strict=True):
                    nid_of[chunk[pos]["id"]] = nid
        for kind, rows in sorted(fresh.items()) if not self.fast_create else ():  # per kind (a static label)
            q_create = _q_label("create_nodes", NodeKind(kind))
            for chunk in _chunks(rows, chunk_size):
                rec = tx.run(q_create, rows=chunk).single(strict=True)
                for pos, nid in zip(rec["rows"], rec["nids"], strict=True):
                    nid_of[chunk[pos]["props"]["id"]] = nid
        # Nodes that exist and change: merged on the server, which opens their new versions and
        # says what they were (the versions they close, kept as version nodes).
        for query, rows in ((_q("merge_nodes"), merges), (_q("merge_stubs"), stub_merges)):
            for chunk in _chunks(rows, chunk_size):
                for rec in tx.run(query, rows=chunk, now=now):
                    if rec["existed"] and (old := _closed(rec["before"], now)) is not None:
                        self.closed_nodes.append({"id": rec["id"], **old})
        # Edges touching a node created here are new: created between internal ids.
        merge_rows: list[dict[str, Any]] = []
        if self.fast_create:  # every kind in one statement per chunk: plain edges, then those with props
            plain_rows: list[dict[str, Any]] = []
            prop_rows: list[dict[str, Any]] = []
            for ident, (source, seen_at, extra) in edge_entries.items():
                src, kind, dst, key = ident
                if src in created or dst in created:
                    row = {"a": nid_of[src], "b": nid_of[dst], "kind": kind, "key": key, "source": source,
                           "seen_at": seen_at}
                    if extra:
                        row["props"] = extra
                    (prop_rows if extra else plain_rows).append(row)
                else:
                    merge_rows.append(_merge_edge_row(ident, source, seen_at, extra))
            for name, rows in (("create_plain_edges_all", plain_rows), ("create_edges_all", prop_rows)):
                q_create = _q(name)
                for chunk in _chunks(rows, chunk_size):
                    tx.run(q_create, rows=chunk, now=now).consume()
        else:  # the reference: one statement per kind (a static type)
            by_type: dict[tuple[str, bool], list[dict[str, Any]]] = {}
            for ident, (source, seen_at, extra) in edge_entries.items():
                src, kind, dst, key = ident
                if src in created or dst in created:
                    ends = {"a": nid_of[src], "b": nid_of[dst]}
                    props = {**(extra or {}), "key": key, "source": source, "seen_at": seen_at}
                    if not extra:  # key, source and seen_at only: literal maps
                        by_type.setdefault((kind, True), []).append({**ends, **props})
                    else:
                        by_type.setdefault((kind, False), []).append({**ends, "props": {**props, VALID_FROM: now}})
                else:
                    merge_rows.append(_merge_edge_row(ident, source, seen_at, extra))
            for (kind, plain), rows in sorted(by_type.items()):
                q_create = _q("create_plain_edges" if plain else "create_edges", types=[EdgeKind(kind)])
                for chunk in _chunks(rows, chunk_size):
                    tx.run(q_create, rows=chunk, kind=kind, now=now).consume()
        edges_by_eid = {row["eid"]: row for row in merge_rows}
        q_edges = _q("merge_edges")
        for chunk in _chunks(merge_rows, chunk_size):
            for rec in tx.run(q_edges, rows=chunk, now=now):
                if rec["existed"] and (old := _closed(rec["before"], now)) is not None:
                    row = edges_by_eid[rec["eid"]]
                    self.closed_edges.append({"eid": row["eid"], "src": row["src"], "kind": row["kind"],
                                              "dst": row["dst"], **old})

    def finish(self) -> None:
        """Write the versions the parts closed (as version nodes)."""
        for name, versions in (("close_node_versions", self.closed_nodes), ("close_edge_versions", self.closed_edges)):
            query = _q(name)
            for chunk in _chunks(versions, self.chunk_size):
                self.tx.run(query, rows=chunk, now=self.now).consume()


class _EarlierBatchFailed(Exception):
    """A pipelined batch was rolled back because the batch before it failed (that failure is raised)."""


class _WaitedTooLong(Exception):
    """The batch before did not commit within ``PIPELINE_WAIT_S`` of this one's first part."""


def _settled(before: Future[None], timeout: float | None = None) -> None:
    """Wait for the batch before to commit; if it failed, this one is not written."""
    if timeout is not None and not wait([before], timeout=timeout).done:
        raise _WaitedTooLong(f"the batch before did not commit within {timeout:g} s")
    try:
        before.result()
    except BaseException as exc:
        raise _EarlierBatchFailed(str(exc)) from exc


class Neo4jStore(GraphStore):
    """``neo4j://``, ``neo4j+s://``, ``bolt://`` ... with ``STEWARD_NEO4J_USER`` / ``STEWARD_NEO4J_PASSWORD``."""

    def __init__(self, driver: Driver, *, uri: str, database: str | None = None, snapshot: bool | None = None,
                 ) -> None:
        self._driver = driver
        self.uri = uri
        self._database = database
        #: Rows per write statement, and whether new nodes and plain edges of every kind are created in
        #: one statement per chunk (create_nodes_all / create_plain_edges_all) rather than one per kind
        #: (the original statements, kept as the reference the tests compare the stored graph with).
        self.write_chunk = WRITE_CHUNK
        self.fast_create = True
        #: Called at points of a write (tests make two pipelined batches meet there): ("first part", n)
        #: once batch n of a pipelined stream has written the part the batch before does not touch;
        #: ("commit", n) just before batch n commits (-1: a batch written on its own).
        self.write_hook: Callable[[str, int], None] | None = None
        #: Rows the last ``reach`` fetched from the server (ids only); benchmarks and tests read it.
        self.last_reach_rows = 0
        #: How the last walk was answered: "snapshot" (the topology snapshot) or "server" (the server-side walk).
        self.last_reach_path = ""
        #: The topology snapshot (:mod:`steward.store.neo4j_topology`); None when turned off
        #: (``STEWARD_NEO4J_SNAPSHOT=0``).
        use = snapshot_enabled() if snapshot is None else snapshot
        self.topology: TopologySnapshot | None = TopologySnapshot(driver, database) if use else None
        self._walks = 0

    @classmethod
    def connect(cls, uri: str, *, settings: Settings) -> Neo4jStore:
        """Connect, verify, and apply the schema (idempotent).

        The driver fails fast rather than waiting: connecting, writing to the socket and acquiring a
        pooled connection each give up within seconds, transient failures are retried for at most
        ``MAX_RETRY_S`` (the driver's default is 30 s, which kept callers of a dead server waiting),
        and idle pooled connections are checked before reuse.
        """
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        try:
            # Server notifications (e.g. "relationship type does not exist yet" on an empty graph) are noise here.
            driver = GraphDatabase.driver(
                uri, auth=(settings.neo4j_user, password), notifications_min_severity="OFF",
                connection_timeout=CONNECT_TIMEOUT_S, connection_write_timeout=CONNECT_TIMEOUT_S,
                connection_acquisition_timeout=ACQUIRE_TIMEOUT_S, max_transaction_retry_time=MAX_RETRY_S,
                liveness_check_timeout=LIVENESS_CHECK_S, keep_alive=True,
            )
        except (ValueError, neo4j_exc.ConfigurationError) as exc:
            raise ConfigError(f"bad Neo4j URI {uri!r}: {exc}") from exc
        store = cls(driver, uri=uri, database=settings.neo4j_database, snapshot=settings.neo4j_snapshot)
        try:
            driver.verify_connectivity()
            store.apply_schema()
        except neo4j_exc.AuthError as exc:
            driver.close()
            raise ConfigError(
                f"Neo4j at {uri} refused the credentials of user {settings.neo4j_user!r}: set "
                "STEWARD_NEO4J_USER and STEWARD_NEO4J_PASSWORD"
            ) from exc
        except (neo4j_exc.ServiceUnavailable, neo4j_exc.SessionExpired, neo4j_exc.DriverError, OSError) as exc:
            driver.close()
            raise StoreUnavailableError(
                f"cannot reach Neo4j at {uri}: {exc}. Start it (`docker compose up -d neo4j`, or without Docker "
                "`python -m steward.local.neo4j_server start`), or use the embedded store with "
                "--store sqlite:///PATH"
            ) from exc
        except BaseException:
            driver.close()
            raise
        return store

    # ---- plumbing ------------------------------------------------------------------------------
    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A session whose driver errors are translated once: unreachable, timed out or transient is
        503 ``store_unavailable``; a credential refusal is the server's configuration (ConfigError);
        any other refusal of Steward's own statements is Steward's fault (500), never the caller's."""
        with self._translated(), self._driver.session(database=self._database) as session:
            yield session

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """The driver's errors raised inside, translated as :meth:`_session`'s are."""
        try:
            yield
        except StewardError:
            raise
        except BaseException as exc:
            translated = self._translate(exc)
            if translated is None:
                raise
            raise translated from exc

    def _translate(self, exc: BaseException) -> StewardError | None:
        if isinstance(exc, neo4j_exc.AuthError) or (
            isinstance(exc, neo4j_exc.ClientError) and (exc.code or "").startswith("Neo.ClientError.Security.")
        ):
            return ConfigError(f"Neo4j at {self.uri} refused Steward's credentials: {_message(exc)}; set "
                               "STEWARD_NEO4J_USER and STEWARD_NEO4J_PASSWORD")
        if isinstance(exc, neo4j_exc.ServiceUnavailable | neo4j_exc.SessionExpired | neo4j_exc.TransientError
                      | neo4j_exc.DatabaseUnavailable | neo4j_exc.ConnectionAcquisitionTimeoutError | OSError):
            return StoreUnavailableError(f"Neo4j at {self.uri} is unavailable: {_message(exc)}")
        if isinstance(exc, neo4j_exc.ClientError) and any(
                part in (exc.code or "") for part in ("TransactionTimedOut", "Terminated", "MemoryPoolOutOfMemory")):
            return StoreUnavailableError(f"Neo4j at {self.uri} stopped the work: {_message(exc)}")
        if isinstance(exc, neo4j_exc.Neo4jError | neo4j_exc.DriverError):
            return StewardError(f"Neo4j refused one of Steward's own statements: {_message(exc)}")
        return None

    def _read(self, name: str, /, types: Collection[EdgeKind] | None = None, **params: Any) -> list[dict[str, Any]]:
        query = _q(name, types=types)

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [r.data() for r in tx.run(query, params)]

        with self._session() as s:
            return s.execute_read(work)

    def apply_schema(self) -> None:
        with self._session() as s:
            for name in SCHEMA_STATEMENTS:
                s.run(_q(name)).consume()
            # History begins the first time a Steward that keeps it connects: what is present then
            # opens a version at that moment (a store made before history was kept; nothing if empty).
            now = utc_now()
            started = s.run(_q("history_start"), now=now).single(strict=True)["started"]
            if started:
                s.run(_q("history_seed_nodes"), now=now).consume()
                s.run(_q("history_seed_edges"), now=now).consume()
            # A store written by a Steward that kept open versions as version nodes: they move onto
            # their live nodes and relationships, once.
            if s.run(_q("history_open_live")).single(strict=True)["fresh"]:
                s.run(_q("history_open_nodes")).consume()
                s.run(_q("history_open_edges")).consume()

    # ---- writes --------------------------------------------------------------------------------
    @staticmethod
    def _put_records(tx: ManagedTransaction, records: Sequence[Record]) -> None:
        rows = [{"key": f"{r.kind}/{r.id}", "kind": r.kind, "id": r.id, "doc": json.dumps(r.doc, sort_keys=True)}
                for r in records]
        for chunk in _chunks(rows, CHUNK):
            tx.run(_q("put_records"), rows=chunk).consume()

    def _append(
        self, tx: ManagedTransaction, records: Sequence[Record], log: Sequence[Mapping[str, Any]],
    ) -> list[LogLine]:
        """Replace governance records and append log entries inside the caller's write transaction
        (sealed by the log hook, which also gives the log's checkpoint record to write with them)."""
        self._put_records(tx, records)
        if not log:
            return []
        start = int(tx.run(_q("log_next")).single(strict=True)["start"])
        lines, extra = self._seal_batch(start, log, _Neo4jLogTx(tx))
        line_rows = [{"seq": ln.seq, "entry": ln.entry, "leaf_hash": ln.leaf_hash} for ln in lines]
        for chunk in _chunks(line_rows, CHUNK):
            tx.run(_q("log_append"), rows=chunk).consume()
        self._put_records(tx, extra)
        return lines

    def _write(
        self, *, nodes: Sequence[Node], edges: Sequence[Edge], records: Sequence[Record] = (),
        log: Sequence[Mapping[str, Any]] = (), expect: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    ) -> list[LogLine]:
        return self._write_rows(self._rows(nodes, edges), records, log, expect)

    def _rows(self, nodes: Sequence[Node], edges: Sequence[Edge]) -> _Rows:
        """The rows a batch is written from: everything about it that does not depend on what is stored."""
        # One row per node id (repeats in a batch merged in order, as the embedded store applies
        # them), then one row per endpoint the batch does not describe (a stub, added to the same
        # table after every node row), then one entry per edge identity: each node is touched once
        # per batch, not once per edge that mentions it.
        node_rows: dict[str, dict[str, Any]] = {}
        node_kind, edge_kind = _NODE_KIND.get, _EDGE_KIND.get
        for n in nodes:
            nid = n.id
            kind_value = node_kind(id(n.kind)) or _node_kind(n.kind)
            row = node_rows.get(nid)
            if row is None:
                node_rows[nid] = {"id": nid, "kind": kind_value, "name": n.name, "props": dict(n.props),
                                  "sources": [n.source], "seen_at": n.seen_at}
            else:
                row.update(kind=kind_value, name=n.name, seen_at=max(row["seen_at"], n.seen_at))
                row["props"].update(n.props)
                if n.source not in row["sources"]:
                    row["sources"].append(n.source)
        # Per edge identity (a later repeat wins): its source, seen_at and own properties (beyond key,
        # source and seen_at; None if none). Its statement row is made in the transaction, once it is
        # known whether an endpoint is new (create between internal ids) or not (merge by identity).
        edge_rows: dict[tuple[str, str, str, str], tuple[str, str, dict[str, Any] | None]] = {}
        row_of = node_rows.get
        for e in edges:
            src, dst, source, seen_at = e.src, e.dst, e.source, e.seen_at
            for end in (src, dst):
                row = row_of(end)
                if row is None:
                    kind, name = parse_id(end)
                    node_rows[end] = {"id": end, "kind": kind.value, "name": name, "sources": [source],
                                      "seen_at": seen_at, "stub": True, "props": {STUB_PROP: True}}
                elif source not in row["sources"]:
                    row["sources"].append(source)
            extra = {k: v for k, v in e.props.items() if v is not None} if e.props else None
            edge_rows[(src, edge_kind(id(e.kind)) or _edge_kind(e.kind), dst, e.key)] = (source, seen_at, extra or None)
        return _Rows(list(node_rows.values()), edge_rows)

    def _write_rows(
        self, rows: _Rows, records: Sequence[Record], log: Sequence[Mapping[str, Any]],
        expect: Mapping[tuple[str, str], Mapping[str, Any]] | None, *, now: str | None = None, seq: int = -1,
    ) -> list[LogLine]:
        """Write a batch in one transaction (retried when a concurrent writer created one of its new
        nodes first). ``now``: the transaction's time (default: when it starts); ``seq``: its number in
        a pipelined stream (for ``write_hook``)."""

        def work(tx: ManagedTransaction) -> list[LogLine]:
            if expect:  # lock first, read after: a concurrent writer of these records waits for our commit
                keys = [f"{k}/{i}" for k, i in expect]
                tx.run(_q("lock_records"), keys=keys).consume()
                stored = {(r["kind"], r["id"]): json.loads(r["doc"]) for r in tx.run(_q("read_records"), keys=keys)}
                check_expected(expect, stored)
            writing = _Writing(self, tx, now or utc_now())  # the versions it opens or closes carry its time
            writing.part(rows.nodes, rows.edges)
            writing.finish()
            lines = self._append(tx, records, log)
            if self.write_hook is not None:
                self.write_hook("commit", seq)
            return lines

        with self._session() as s:
            for attempt in range(1, WRITE_ATTEMPTS + 1):
                try:
                    return s.execute_write(work)
                except neo4j_exc.ConstraintError:
                    # Another writer created one of our new nodes first: run the batch again (it
                    # now finds that node and merges into it).
                    if attempt == WRITE_ATTEMPTS:
                        raise
            raise AssertionError("unreachable")

    def writer(self) -> Writer:
        """Batches written two at a time (:class:`_PipelinedWriter`), in their order's outcome."""
        return _PipelinedWriter(self)

    def _write_piped(self, rows: _Rows, now: str, seq: int, last: tuple[Future[None], frozenset[str]] | None,
                     ) -> None:
        """Write one batch of a pipelined stream while the batch before it (``last``: its future and
        every node id it writes) may still be committing.

        The part of this batch the one before does not touch (its nodes, and the edges between them)
        is written first, in this batch's own transaction: nothing the batch before writes can change
        what that part reads or writes, so it comes out as if written after it. Then, once the batch
        before has committed, the rest (nodes it wrote, edges touching them), and the commit. If the
        batch before failed, this one is rolled back and not written. If this transaction fails for
        any other reason (a concurrent writer, a deadlock), it is rolled back and the batch written
        again alone, once the one before has committed. So it is if the batch before has not
        committed within ``PIPELINE_WAIT_S``: the two never wait for each other for good (the
        server cannot see this one waiting in the client for the one before).
        """
        if last is None:
            self._write_rows(rows, (), (), None, now=now, seq=seq)
            return
        before, touched = last
        first_nodes = [row for row in rows.nodes if row["id"] not in touched]
        then_nodes = [row for row in rows.nodes if row["id"] in touched]
        first_edges: _EdgeEntries = {}
        then_edges: _EdgeEntries = {}
        for ident, entry in rows.edges.items():
            (then_edges if ident[0] in touched or ident[2] in touched else first_edges)[ident] = entry
        hook = self.write_hook
        try:
            with self._session() as s:
                tx = s.begin_transaction()
                try:
                    writing = _Writing(self, tx, now)
                    writing.part(first_nodes, first_edges)
                    if hook is not None:
                        hook("first part", seq)
                    _settled(before, PIPELINE_WAIT_S)
                    writing.part(then_nodes, then_edges)
                    writing.finish()
                    if hook is not None:
                        hook("commit", seq)
                    tx.commit()
                    return
                finally:
                    tx.close()  # rolls back unless committed
        except _EarlierBatchFailed:
            raise
        except (StewardError, _WaitedTooLong) as exc:
            logger.info("pipelined write of batch %d failed (%s); writing it alone", seq, exc)
        _settled(before)
        self._write_rows(rows, (), (), None, now=now, seq=seq)

    def _retract(
        self, source: str, *, nodes: Collection[str], edges: Collection[EdgeKey], log: Sequence[Mapping[str, Any]],
    ) -> RetractResult:
        edge_rows = [_with_eid({"src": k.src, "kind": _edge_kind(k.kind), "dst": k.dst, "key": k.key}) for k in edges]
        ids = sorted(set(nodes))
        q_edges, q_nodes = _q("retract_edges"), _q("retract_nodes")

        def work(tx: ManagedTransaction) -> RetractResult:
            now = utc_now()
            deleted_edges = 0
            for chunk in _chunks(edge_rows, CHUNK):
                deleted_edges += tx.run(q_edges, rows=chunk, source=source, now=now).single(strict=True)["n"]
            deleted = detached = 0
            for ids_chunk in _chunks(ids, CHUNK):
                rec = tx.run(q_nodes, ids=ids_chunk, source=source, now=now).single()
                if rec is not None:
                    deleted += rec["deleted"] or 0
                    detached += rec["detached"] or 0
            self._append(tx, (), log)
            return RetractResult(deleted, detached, deleted_edges)

        with self._session() as s:
            return s.execute_write(work)

    def source_records(self, source: str) -> SourceRecords:
        nodes = frozenset(r["id"] for r in self._read("source_nodes", source=source))
        rows = self._read("source_edges", source=source)
        edges = frozenset(EdgeKey(r["src"], EdgeKind(r["kind"]), r["dst"], r["key"]) for r in rows)
        return SourceRecords(nodes, edges)

    def get_state(self, key: str) -> str | None:
        rows = self._read("get_state", key=key)
        return None if not rows else str(rows[0]["value"])

    def set_state(self, key: str, value: str) -> None:
        query = _q("set_state")
        with self._session() as s:
            s.execute_write(lambda tx: tx.run(query, key=key, value=value).consume())

    # ---- governance records and the log -------------------------------------------------------------
    def get_records(self, kind: str, ids: Collection[str] | None = None) -> list[Record]:
        rows = self._read("get_records", kind=kind, ids=None if ids is None else sorted(set(ids)))
        return [Record(r["kind"], r["id"], json.loads(r["doc"])) for r in rows]

    def log_lines(self, start: int = 0, stop: int | None = None) -> list[LogLine]:
        rows = self._read("log_lines", start=start, stop=stop)
        return [LogLine(int(r["seq"]), str(r["entry"]), str(r["leaf_hash"])) for r in rows]

    def log_size(self) -> int:
        return int(self._read("log_size")[0]["size"])

    # ---- history ---------------------------------------------------------------------------------
    def history_since(self) -> str | None:
        rows = self._read("history_since")
        since = rows[0]["since"] if rows else None
        if since is None:  # no marker: a database emptied by hand and written since
            rows = self._read("history_first")
            since = rows[0]["since"] if rows else None
        return None if since is None else str(since)

    # The open version of a node or edge is the live node or relationship (from ``_valid_from``);
    # the closed ones are version nodes.
    def node_versions(self, node_id: str) -> list[NodeVersion]:
        found = [v for r in self._read("node_versions", id=node_id)
                 if (v := _live_node_version(r["v"]) if r["live"] else _node_version(r["v"])).valid_from != v.valid_to]
        return sorted(found, key=lambda v: (v.valid_from, v.valid_to is None, v.valid_to or ""))

    def edge_versions(self, node_id: str) -> list[EdgeVersion]:
        found = [v for r in self._read("edge_versions", id=node_id, prefix=node_id + EID_SEP)
                 if (v := _edge_version(r["v"]) if r["src"] is None else _live_edge_version(r)).valid_from
                 != v.valid_to]
        return sorted(found, key=lambda v: (v.record.identity, v.valid_from, v.valid_to is None, v.valid_to or ""))

    def _rows_at(self, moment: str) -> tuple[list[NodeRow], list[EdgeRow]]:
        def work(tx: ManagedTransaction) -> tuple[list[NodeRow], list[EdgeRow]]:
            nodes: list[NodeRow] = []
            for query, content in ((_q("node_versions_at"), _content), (_q("live_nodes_at"), _open_content)):
                for r in tx.run(query, at=moment):
                    n = _node_record(content(r["v"]))
                    nodes.append((n.id, n.kind.value, n.name, json.dumps(n.props, sort_keys=True),
                                  json.dumps(list(n.sources)), n.seen_at))
            edges: list[EdgeRow] = []
            for r in tx.run(_q("edge_versions_at"), at=moment):
                v = r["v"]
                e = _edge_record(v["src"], v["kind"], v["dst"], _content(v))
                edges.append((e.src, e.kind.value, e.dst, e.key, e.source, json.dumps(e.props, sort_keys=True),
                               e.seen_at))
            for r in tx.run(_q("live_edges_at"), at=moment):
                e = _edge_record(r["src"], r["kind"], r["dst"], _open_content(r["v"]))
                edges.append((e.src, e.kind.value, e.dst, e.key, e.source, json.dumps(e.props, sort_keys=True),
                               e.seen_at))
            return nodes, edges

        with self._session() as s:
            return s.execute_read(work)

    # ---- reads ---------------------------------------------------------------------------------
    def get_nodes(self, ids: Collection[str]) -> dict[str, NodeRecord]:
        recs = (_node_record(r["n"]) for r in self._read("get_nodes", ids=sorted(set(ids))))
        return {r.id: r for r in recs}

    def find_nodes(self, *, kinds: Collection[NodeKind] | None = None) -> list[NodeRecord]:
        kind_list = None if kinds is None else sorted(NodeKind(k).value for k in kinds)
        return [_node_record(r["n"]) for r in self._read("find_nodes", kinds=kind_list)]

    def search(self, text: str, *, kinds: Collection[NodeKind] | None = None, limit: int = 20) -> list[NodeRecord]:
        kind_list = None if kinds is None else sorted(NodeKind(k).value for k in kinds)
        hits = [_node_record(r["n"]) for r in self._read("search_nodes", text=text.lower(), kinds=kind_list)]
        return sorted(hits, key=lambda r: search_rank(text, r))[:limit]

    def edges(
        self,
        *,
        kinds: Collection[EdgeKind] | None = None,
        src: Collection[str] | None = None,
        dst: Collection[str] | None = None,
    ) -> list[EdgeRecord]:
        kind_list = None if kinds is None else sorted(EdgeKind(k).value for k in kinds)
        if src is not None:
            rows = self._read("edges_from", src=sorted(set(src)), dst=None if dst is None else sorted(set(dst)),
                              kinds=kind_list)
        elif dst is not None:
            rows = self._read("edges_into", dst=sorted(set(dst)), kinds=kind_list)
        elif kinds is not None:
            rows = self._read("edges_of_kinds", types=self._check_kinds(kinds))
        else:
            rows = self._read("edges_all", kinds=None)
        out = [_edge_record(r["src"], r["kind"], r["dst"], r["props"]) for r in rows]
        return sorted(out, key=lambda e: e.identity)

    def _snapshot(self) -> CompactIndex | None:
        """The topology snapshot if the server's version stamp says it is current, else None (and a
        background reload is asked for; not on a store object's first walk: a one-shot command never
        pays for a load it would not use)."""
        topo = self.topology
        if topo is None:
            return None
        self._walks += 1
        return topo.current(self._stamp(), refresh=self._walks > 1)

    def _stamp(self) -> Hashable | None:
        """The server's version stamp; the driver's errors translated as every read's are."""
        with self._translated():
            return read_stamp(self._driver, self._database)

    def reach(
        self,
        starts: Collection[str],
        *,
        way: Way,
        kinds: Collection[EdgeKind] = LINEAGE_EDGES,
        max_depth: int | None = None,
    ) -> dict[str, Reached]:
        allowed = self._check_kinds(kinds)
        start_ids = sorted(set(starts))
        if not start_ids or (max_depth is not None and max_depth <= 0):
            return {}
        index = self._snapshot()
        if index is not None:
            self.last_reach_path, self.last_reach_rows = "snapshot", 0
            return index.reach(start_ids, way=way, kinds=allowed, max_depth=max_depth)
        return self._reach_server(start_ids, way=way, allowed=allowed, max_depth=max_depth)

    def closure(
        self, starts: Collection[str], *, way: Way, kinds: Collection[EdgeKind] = LINEAGE_EDGES,
        max_depth: int | None = None,
    ) -> Closure:
        allowed = self._check_kinds(kinds)
        start_ids = sorted(set(starts))
        empty = np.zeros(0, dtype=np.int64)
        if not start_ids or (max_depth is not None and max_depth <= 0):
            return Closure(empty, empty, empty, lambda h: [])
        index = self._snapshot()
        if index is None:
            return Closure.from_reached(self._reach_server(start_ids, way=way, allowed=allowed, max_depth=max_depth))
        self.last_reach_path, self.last_reach_rows = "snapshot", 0
        return index.closure(start_ids, way=way, kinds=allowed, max_depth=max_depth)

    def cache_stamp(self) -> Hashable | None:
        """The server's version stamp (:func:`steward.store.neo4j_topology.read_stamp`): the bookmark of an
        empty read transaction, which moves with every committed write to the database, from any process."""
        return self._stamp()

    def _reach_server(self, start_ids: list[str], *, way: Way, allowed: list[EdgeKind], max_depth: int | None,
                      ) -> dict[str, Reached]:
        """``reach`` as a walk on the server."""
        self.last_reach_path = "server"
        # A level-synchronous walk, one round trip per level, in ONE read transaction (internal node
        # ids are used only inside it): each level sends the frontier as internal ids and gets back
        # the frontier's Steward ids (read once per node reached) and its relationships as flat
        # lists of internal ids, nothing else. The parent rule of ``bfs`` (the smallest predecessor
        # in the frontier, in Python's string order) is applied here with numpy. Stops at max_depth.
        q_start, q_names = _q("reach_start"), _q("reach_names")
        q_level = _q(f"reach_level_{way}", types=allowed)

        def work(tx: ManagedTransaction) -> tuple[dict[str, Reached], int]:
            frontier: list[int] = list(tx.run(q_start, ids=start_ids).single(strict=True)["nids"])
            seen = _Seen(frontier)
            waiting: list[Reached] = []  # the frontier's answers (none for the starts), Steward ids to come
            found: dict[str, Reached] = {}
            depth = rows = 0
            while frontier:
                last = max_depth is not None and depth >= max_depth
                level = tx.run(q_names if last else q_level, nids=frontier).single(strict=True)
                names: list[str] = level["names"]
                if waiting:
                    if level["fids"] == frontier:  # the server kept the order (it does): align by position
                        found.update(zip(names, waiting, strict=True))
                    else:  # a node deleted meanwhile: align by id
                        by_id = dict(zip(frontier, waiting, strict=True))
                        found.update((name, by_id[nid]) for nid, name in zip(level["fids"], names, strict=True))
                if last:
                    break
                depth += 1
                rows += len(level["dst"])
                frontier, parents = _next_level(level["fids"], names, level["src"], level["dst"], seen)
                waiting = [Reached(depth, p) for p in parents]
            return found, rows

        with self._session() as s:
            found, rows = s.execute_read(work)
        self.last_reach_rows = rows
        return found

    def explain(self, name: str, *, types: Collection[EdgeKind] | None = None, **params: Any) -> list[str]:
        """The operator names of the plan of a stored statement (used to check it plans as intended)."""
        query = "EXPLAIN " + _q(name, types=types)
        with self._session() as s:
            summary = s.run(query, params).consume()
        ops: list[str] = []

        def walk(plan: Any) -> None:
            ops.append(plan["operatorType"] if isinstance(plan, dict) else plan.operator_type)
            for child in (plan.get("children", []) if isinstance(plan, dict) else plan.children):
                walk(child)

        if summary.plan is not None:
            walk(summary.plan)
        return ops

    supports_cypher = True

    def run_readonly(
        self, query: str, params: dict[str, Any], *, timeout_s: float, max_rows: int, max_bytes: int,
        gate: PlanGate,
    ) -> tuple[list[str], list[dict[str, Any]], Truncated]:
        """An analyst's query: planned (EXPLAIN, under the timeout) and refused unless ``gate`` accepts
        the plan; then run once (no retries) in an explicit read transaction whose timeout the server
        enforces, at most ``max_rows`` rows and ``max_bytes`` bytes of JSON."""
        from steward.analysis.cypher import json_size, jsonable

        text: LiteralString = query  # analysts' text: gated by its plan, run read-only, never templated
        meta = {"app": "steward-analyst"}
        try:
            with self._driver.session(database=self._database, default_access_mode=READ_ACCESS,
                                      fetch_size=100) as s:
                with s.begin_transaction(timeout=timeout_s, metadata=meta) as tx:
                    summary = tx.run("EXPLAIN " + text, params).consume()
                    tx.rollback()
                gate(summary.query_type, summary.plan)
                with s.begin_transaction(timeout=timeout_s, metadata=meta) as tx:
                    result = tx.run(text, params)
                    rows: list[dict[str, Any]] = []
                    truncated: Truncated = False
                    size = 0
                    for record in result:
                        if len(rows) == max_rows:
                            truncated = "rows"
                            break
                        row = {k: jsonable(v) for k, v in record.data().items()}
                        size += json_size(row)
                        if size > max_bytes:
                            truncated = "bytes"
                            break
                        rows.append(row)
                    columns = list(result.keys())
                    tx.rollback()  # a read: nothing to commit; ends it on the server at once
                return columns, rows, truncated
        except StewardError:
            raise
        except neo4j_exc.ClientError as exc:
            code = exc.code or ""
            if any(part in code for part in ("TransactionTimedOut", "Terminated")):
                raise QueryTimeoutError(f"the query ran over the {timeout_s:g}s timeout and was stopped") from exc
            if "MemoryPoolOutOfMemory" in code or "MemoryLimitExceeded" in code:
                raise QueryTimeoutError(f"the query needed more memory than the server allows: {_message(exc)}") \
                    from exc
            if code.startswith("Neo.ClientError.Security."):
                translated = self._translate(exc)
                raise (translated or StewardError(_message(exc))) from exc
            if "AccessMode" in code or "ForbiddenOnReadOnlyDatabase" in code or "Forbidden" in code:
                raise QueryRefusedError(f"only read-only queries run here: {_message(exc)}") from exc
            raise InvalidInputError(f"Neo4j refused the query: {_message(exc)}") from exc
        except (neo4j_exc.CypherTypeError, neo4j_exc.ResultError, TypeError, ValueError, OverflowError) as exc:
            raise InvalidInputError(f"Neo4j could not run the query: {_message(exc)}") from exc
        except BaseException as exc:
            translated = self._translate(exc)
            if translated is None:
                raise
            raise translated from exc

    def counts(self) -> Counts:
        nodes = group_by_kind((r["kind"], r["n"]) for r in self._read("count_nodes"))
        edges = group_by_kind((r["kind"], r["n"]) for r in self._read("count_edges"))
        return Counts(nodes, edges)

    def ping(self) -> None:
        self._read("ping")

    # ---- lean whole-graph reads (spof and audit at scale) ----------------------------------------
    # Each statement answers with ONE record of parallel lists (cypher/node_summaries.cypher, ...).
    def node_summaries(
        self, *, kinds: Collection[NodeKind] | None = None, ids: Collection[str] | None = None,
    ) -> list[tuple[str, NodeKind, str]]:
        kind_list = None if kinds is None else sorted({NodeKind(k).value for k in kinds})
        if ids is None:
            rows = self._read("node_summaries", kinds=kind_list)
        elif not ids:
            return []
        else:
            rows = self._read("node_summaries_of", ids=sorted(set(ids)), kinds=kind_list)
        kind_of = {k.value: k for k in NodeKind}
        (row,) = rows
        return sorted(zip(row["ids"], map(kind_of.__getitem__, row["kinds"]), row["names"], strict=True))

    def edge_triples(
        self, *, kinds: Collection[EdgeKind], src: Collection[str] | None = None,
    ) -> list[tuple[str, EdgeKind, str]]:
        types = self._check_kinds(kinds)
        if src is None:
            rows = self._read("edge_triples", types=types)
        elif not src:
            return []
        else:
            rows = self._read("edge_triples_from", types=types, src=sorted(set(src)))
        kind_of = {k.value: k for k in EdgeKind}
        (row,) = rows
        return sorted(zip(row["src"], map(kind_of.__getitem__, row["kinds"]), row["dst"], strict=True))

    def edges_shared(self, *, kinds: Collection[EdgeKind]) -> list[EdgeRecord]:
        (row,) = self._read("edges_shared", types=self._check_kinds(kinds))
        out = [_edge_record(a, k, b, p) for a, k, b, p in zip(row["src"], row["kinds"], row["dst"], row["props"],
                                                               strict=True)]
        return sorted(out, key=lambda e: e.identity)


    def close(self) -> None:
        if self.topology is not None:
            self.topology.close()
        self._close_views()
        self._driver.close()


class _PipelinedWriter(Writer):
    """Writes a stream of batches two at a time (``Neo4jStore.writer``): the part of a batch that the
    batch before it does not touch is written while that batch commits, the rest after it has
    (``Neo4jStore._write_piped``). Each batch is still one transaction, and the stream comes out as
    one ``upsert`` after another: the same nodes, edges and history, each batch's versions at its
    own time, later than the batch before's.

    The Neo4j server runs one transaction's statements on one thread; two in flight keep both of a
    small machine's cores busy. Never more than two: the third waits until the first has committed.
    """

    _store: Neo4jStore  # (the base class's, narrowed)

    def __init__(self, store: Neo4jStore) -> None:
        super().__init__(store)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="steward-neo4j-write")
        self._last: tuple[Future[None], frozenset[str]] | None = None
        self._before_last: Future[None] | None = None
        self._now = ""
        self._seq = 0

    def _put(self, nodes: Sequence[Node], edges: Sequence[Edge], claims: Sequence[OwnershipClaim]) -> None:
        all_edges = graph_batch(nodes, edges, claims)
        if not nodes and not all_edges:
            return
        rows = self._store._rows(list(nodes), all_edges)
        if self._before_last is not None:  # at most two in flight; an earlier failure is raised here
            before_last, self._before_last = self._before_last, None
            _outcome(before_last)
        now = utc_now()
        if now <= self._now:  # each batch's time later than the one before's (microseconds apart at least)
            now = (datetime.strptime(self._now, TIME_FORMAT).replace(tzinfo=UTC)
                   + timedelta(microseconds=1)).strftime(TIME_FORMAT)
        self._now = now
        last = self._last
        future = self._pool.submit(self._store._write_piped, rows, now, self._seq, last)
        self._seq += 1
        self._before_last = last[0] if last is not None else None
        self._last = (future, frozenset(row["id"] for row in rows.nodes))

    def _in_flight(self) -> list[Future[None]]:
        out = [self._before_last] if self._before_last is not None else []
        if self._last is not None:
            out.append(self._last[0])
        self._before_last = self._last = None
        return out

    def _drain(self) -> None:
        try:
            for future in self._in_flight():  # in order: the first failure is the one raised
                _outcome(future)
        finally:
            self._pool.shutdown(wait=True)

    def abandon(self) -> None:
        for future in self._in_flight():
            future.exception()  # waited for; the caller's error is the one that propagates
        self._pool.shutdown(wait=True)


def _outcome(future: Future[None]) -> None:
    """A pipelined batch's outcome: nothing, or its failure (for one rolled back because the batch
    before it failed, that batch's failure)."""
    exc = future.exception()
    if isinstance(exc, _EarlierBatchFailed) and exc.__cause__ is not None:
        raise exc.__cause__
    if exc is not None:
        raise exc
